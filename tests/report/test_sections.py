"""What every PDF we write reads like: no placeholder text (None, nan, NaT, a pandas
Timedelta, a bare "not computed:"), no page of dashes, no page under a fifth full except
where a section ends; the body before lettered appendices, a section without input one
line in the contents.

Read from the session's written reports: the demo's July 2025 (the disclosure, its tenant
statements and operating update) and the example site's November 2023, a small site with
none of the optional tables (no capacity, activity, pipeline, water, cost, demand response,
instruments or fuel). The roll-up's text is checked in tests/workflow/test_rollup.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypdf
import pytest

from carbon.report.sections import SECTIONS

#: Text that must never appear on a page: a Python None, a float or pandas NaN / NaT, a
#: pandas Timedelta ("0 days 01:00:00"), "not computed:" without its reason.
FORBIDDEN = (
    re.compile(r"\bNone\b"),
    re.compile(r"\bnan\b", re.IGNORECASE),
    re.compile(r"\bNaT\b"),
    re.compile(r"\b\d+ days? \d\d:\d\d"),
    re.compile(r"not computed:\s*($|[).;,–])", re.MULTILINE),
)


def page_texts(pdf: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages]


def placeholders(pdf: Path) -> list[str]:
    """Every forbidden text of `pdf`, with its page."""
    found = []
    for number, text in enumerate(page_texts(pdf), start=1):
        for pattern in FORBIDDEN:
            found += [f"p. {number}: {m.group(0)!r}" for m in pattern.finditer(text)]
    return found


def documents(folder: Path) -> list[Path]:
    """The PDFs of a version folder: the disclosure, the operating update, the tenant
    statements."""
    return sorted(folder.rglob("*.pdf"))


@pytest.fixture(scope="module")
def demo_and_small(demo_draft, example_issued) -> dict[str, Path]:
    return {"demo": demo_draft.path, "small": example_issued[1].path}


def test_no_placeholder_text_in_any_pdf_we_write(demo_and_small) -> None:
    checked = []
    for name, folder in demo_and_small.items():
        pdfs = documents(folder)
        assert {p.name for p in pdfs} >= {"disclosure.pdf", "operating-update.pdf"}
        assert any(p.parent.name == "tenants" for p in pdfs), name  # a tenant statement
        for pdf in pdfs:
            assert placeholders(pdf) == [], f"{name}: {pdf.relative_to(folder)}"
            checked.append(pdf)
    assert len(checked) >= 6


def test_the_forbidden_patterns_catch_what_they_name() -> None:
    text = "a None b\nnan\n0 days 01:00:00\nNaT\nnot computed:\nnot computed: no data\nnanny"
    hits = sorted(m.group(0).strip() for p in FORBIDDEN for m in p.finditer(text))
    assert hits == sorted(["None", "nan", "NaT", "0 days 01:00", "not computed:"])


#: Headings that start a page (sections with ``new_page``, and the contents).
_PAGE_STARTS = {s.title for s in SECTIONS if s.new_page} | {"Contents"}


def _starts_a_page(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines()[:6]]
    return any(
        line == "Contents" or re.sub(r"^(\d+|Appendix [A-Z])\s+", "", line) in _PAGE_STARTS
        for line in lines
    )


def short_or_dashed_pages(pdf: Path) -> list[str]:
    """Pages under a fifth of a full page of text that do not end a section before a new
    page, and pages that hold more dashes than numbers. The cover (page 1) is not measured.
    A full page is the 80th percentile of the document's characters per page."""
    texts = page_texts(pdf)
    counts = [len(re.sub(r"\s", "", t)) for t in texts]
    full = sorted(counts)[int(0.8 * (len(counts) - 1))]
    problems = []
    for i, (text, count) in enumerate(zip(texts, counts, strict=True)):
        if i == 0:
            continue
        ends_section = i == len(texts) - 1 or _starts_a_page(texts[i + 1])
        if count < 0.2 * full and not ends_section:
            problems.append(f"p. {i + 1}: {count} characters of {full}")
        tokens = text.split()
        dashes = sum(1 for t in tokens if t in ("–", "—"))
        numbers = sum(1 for t in tokens if re.fullmatch(r"[−-]?[\d,]+(\.\d+)?%?", t))
        if dashes >= 5 and dashes > numbers:
            problems.append(f"p. {i + 1}: {dashes} dashes, {numbers} numbers")
    return problems


def test_no_page_is_nearly_empty_or_mostly_dashes(demo_and_small) -> None:
    for name, folder in demo_and_small.items():
        assert short_or_dashed_pages(folder / "disclosure.pdf") == [], name


def test_body_then_appendices_and_absent_sections_are_one_line(demo_and_small) -> None:
    small = " ".join(" ".join(page_texts(demo_and_small["small"] / "disclosure.pdf")).split())
    contents = small[small.index("Contents") : small.index("Figures are rounded")]
    # the small site declares no capacity, activity or pipeline, no demand response
    assert (
        "Operations: capacity, hashrate and production: not applicable: the site file "
        "declares no capacity records, no mining activity and no contracted pipeline"
    ) in contents
    assert "Demand-response events: not applicable: no demand-response event" in contents
    # no [targets] in the small site file: one line, no page
    assert "Scope 2 target tracker (SBTi CNZS V2.0): not applicable: no targets declared" in (
        contents
    )
    assert "Rapid-growth test" not in small
    assert "Capacity stack at the month end" not in small  # not rendered
    assert contents.index("Appendices") < contents.index("A Methodology")
    demo = " ".join(" ".join(page_texts(demo_and_small["demo"] / "disclosure.pdf")).split())
    assert "Appendix D Demand-response events" in demo or "Demand-response events" in demo
    body = demo[: demo.index("Appendix A Methodology")]
    assert "Emissions by scope" in body and "Tenants and hourly factors" in body
    assert "Scope 2 target tracker (SBTi CNZS V2.0)" in body and "Rapid-growth test" in body
    # a sector figure is printed once after the contents (the front's "Key figures" board
    # summarises it): the realised fleet efficiency of the demo
    after_front = demo[demo.index("Contents") :]
    assert after_front.count("Fleet efficiency, realised") == 1
