"""``carbon verify`` when other software wrote the report: the text of every page against the
disclosure rendered again from the embedded data (simulated by another running version)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from carbon.workflow import verify_pages
from carbon.workflow.verify import verify_pdf
from carbon.workflow.verify_text import figures
from tests.workflow.test_tamper import PAINTED, first_page_of, paint_over


@pytest.fixture
def newer_software(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process claims to be carbon 9.9.0: the report's bytes cannot be reproduced."""
    running = verify_pages.running_software()
    monkeypatch.setattr(verify_pages, "running_software", lambda: {**running, "carbon": "9.9.0"})


def test_figures_are_read_as_printed() -> None:
    text = "Scope 2 13,756.4 and −0.3 t, 12.5 %, gaps 3, Page 4 of 28, Summary . . . . 3"
    assert [f for _, f in figures(text)] == ["2", "13,756.4", "−0.3", "12.5", "3"]


def test_other_software_checks_the_page_text_and_catches_a_painted_figure(
    demo_issued, newer_software, tmp_path: Path
) -> None:
    original = demo_issued.path / "disclosure.pdf"
    # the untouched file holds under the text comparison ...
    copy = tmp_path / "disclosure.pdf"
    copy.write_bytes(original.read_bytes())
    found = verify_pdf(copy, recompute=False)
    assert found.ok, found.failures
    assert found.page_check == "text"
    detail = next(c.detail for c in found.checks if c.name == "rendered pages")
    assert detail.startswith("text comparison (carbon 0.1.0 wrote it, 9.9.0 runs; byte ")
    # ... a figure painted over page 5 does not
    page = first_page_of(original.read_bytes(), "Emissions by scope")
    writer = PdfWriter(clone_from=PdfReader(original))
    paint_over(writer, page - 1)
    out = io.BytesIO()
    writer.write(out)
    copy.write_bytes(out.getvalue())
    found = verify_pdf(copy, recompute=False)
    assert [c.name for c in found.failures] == ["rendered pages"]
    (problem,) = found.differing_pages
    assert problem["page"] == page and problem["section"] == "4 Emissions by scope"
    assert problem["problem"].startswith(f"figures: {PAINTED} printed here is not among")
