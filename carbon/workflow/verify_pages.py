"""``carbon verify``: what the pages show against what the PDF embeds.

The renderer is deterministic, so the disclosure is rendered again from the files the
PDF embeds (``results.json``, ``results.csv``, ``manifest.json`` and
``render-series.json``, the series its charts are drawn from), with nothing from outside
the file, and compared with it:

- **byte comparison**, when the software that wrote the report (the carbon version and
  build in the manifest, and the WeasyPrint version it records or the PDF's producer names)
  is the running one: the re-rendered PDF must be the file, byte for byte. Where it is not, the
  pages are matched by what they draw (:mod:`carbon.workflow.pdf_pages`) and each page
  removed, added, moved or changed is named with its number and section;
- **text comparison**, when the software differs (the bytes cannot be the same): the text
  of every page (:mod:`carbon.workflow.verify_text`) is checked for its page number, the
  section headings in order, and every figure printed against the figures the embedded
  results give in that section.

With recomputation (``--inputs``, or the demo), the pages are also rendered from the
recomputed results and series: when those are byte for byte the embedded ones, the pages
are the ones compared already; otherwise they are rendered and compared page by page.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from carbon.core.errors import CarbonError
from carbon.core.version import __version__, build_sha256
from carbon.report.disclosure import render_embedded
from carbon.report.render import renderer_version
from carbon.report.series import RENDER_SERIES, render_series_bytes
from carbon.results.document import results_json_bytes
from carbon.workflow.pdf_pages import PdfPages, quiet_pypdf, read_pages
from carbon.workflow.verify_text import compare_text

if TYPE_CHECKING:  # pragma: no cover
    from carbon.analysis.period import PeriodOutcome

__all__ = [
    "PageFinding",
    "check_pages",
    "check_recomputed_pages",
    "compare_pages",
    "page_label",
    "running_software",
    "written_by",
]


@dataclass
class PageFinding:
    """The outcome of one page check: ``ok`` True, False or None (not checked), what was
    done (``detail``), the method (``"bytes"`` or ``"text"``) and the pages that differ
    (``{"page", "section", "problem"}``, page numbers 1-based)."""

    ok: bool | None
    detail: str
    method: str | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def running_software() -> dict[str, str]:
    """The carbon version, its build (:func:`carbon.core.version.build_sha256`) and the
    WeasyPrint version of this process."""
    return {"carbon": __version__, "build": build_sha256(), "weasyprint": renderer_version()}


def _producer(data: bytes) -> str | None:
    """The PDF's ``/Producer`` string, or None."""
    from pypdf import PdfReader

    try:
        with quiet_pypdf():
            info = PdfReader(io.BytesIO(data)).metadata
    except Exception:  # pypdf raises many kinds on a damaged file
        return None
    return None if info is None or info.producer is None else str(info.producer)


def written_by(manifest: Mapping[str, Any], data: bytes) -> dict[str, str | None]:
    """The carbon version, build and WeasyPrint version that wrote the report: the
    manifest's ``software_version``, ``build_sha256`` and ``weasyprint_version`` (for a
    manifest that does not record the latter, the PDF `data`'s producer string,
    ``WeasyPrint <version>``)."""
    weasyprint = manifest.get("weasyprint_version")
    if weasyprint is None:
        producer = _producer(data) or ""
        if producer.startswith("WeasyPrint "):
            weasyprint = producer.removeprefix("WeasyPrint ").strip()
    carbon, build = manifest.get("software_version"), manifest.get("build_sha256")
    return {
        "carbon": None if carbon is None else str(carbon),
        "build": None if build is None else str(build),
        "weasyprint": None if weasyprint is None else str(weasyprint),
    }


def page_label(number: int, section: str) -> str:
    """``page 5 (3 Emissions by scope)``."""
    title = " ".join(section.split())
    return f"page {number} ({title})" if title else f"page {number}"


def _problem(number: int | None, section: str, problem: str) -> dict[str, Any]:
    return {"page": number, "section": " ".join(section.split()) or None, "problem": problem}


def compare_pages(actual: PdfPages, expected: PdfPages) -> list[dict[str, Any]]:
    """Each page of `actual` missing, added, moved or changed against `expected` (the
    disclosure rendered again): ``{"page", "section", "problem"}``, page numbers 1-based.
    Pages are matched by what they draw; sections are named from `expected`."""
    found: list[dict[str, Any]] = []
    exp, act = expected.digests, actual.digests
    ops = SequenceMatcher(None, exp, act, autojunk=False).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    removed = {exp[i]: i for _, i1, i2, _, _ in changed for i in range(i1, i2)}
    added = {act[j]: j for _, _, _, j1, j2 in changed for j in range(j1, j2)}
    moved = set(removed) & set(added)
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            has_i, has_j = i < i2, j < j2
            if has_j and act[j] in moved:
                was = removed[act[j]]
                found.append(
                    _problem(
                        j + 1,
                        expected.section(was),
                        f"moved: {page_label(j + 1, expected.section(was))} is page {was + 1} "
                        "of the disclosure rendered from the embedded data (pages reordered)",
                    )
                )
                has_j = False
            if has_i and exp[i] in moved:
                has_i = False
            if has_i and has_j:
                found.append(
                    _problem(
                        j + 1,
                        expected.section(i),
                        f"changed: {page_label(j + 1, expected.section(i))} is not what the "
                        "embedded data render (painted over, or its content edited)",
                    )
                )
            elif has_i:
                found.append(
                    _problem(
                        i + 1,
                        expected.section(i),
                        f"missing: {page_label(i + 1, expected.section(i))} of the disclosure "
                        "rendered from the embedded data is not in the file (page removed)",
                    )
                )
            elif has_j:
                before = expected.section(i1 - 1) if i1 else ""
                where = f"after {page_label(i1, before)}" if i1 else "before the first page"
                found.append(
                    _problem(
                        j + 1,
                        before,
                        f"added: page {j + 1} of the file, {where}, is not in the disclosure "
                        "rendered from the embedded data (page inserted)",
                    )
                )
    return found


def _first_difference(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    return next((k for k in range(n) if a[k] != b[k]), n)


def _compare_bytes(data: bytes, again: bytes) -> PageFinding:
    if data == again:
        return PageFinding(
            True,
            "byte comparison: the disclosure rendered again from its embedded data alone "
            "(results, manifest, render-series.json) is this file, byte for byte",
            "bytes",
        )
    notes = []
    try:
        problems = compare_pages(read_pages(data), read_pages(again))
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        problems = []
        notes.append(f"the pages could not be compared one by one: {exc}")
    if problems:
        named = "; ".join(_named(p) for p in problems[:6])
        more = f" and {len(problems) - 6} more" if len(problems) > 6 else ""
        detail = (
            "byte comparison: the file is not the disclosure its embedded data render: "
            f"{named}{more}"
        )
    else:
        offset = _first_difference(data, again)
        detail = (
            "byte comparison: every page draws what the embedded data render, but the file "
            f"differs from the re-rendered one outside the pages, first at byte {offset} "
            f"(the file has {len(data)} bytes, the re-rendered one {len(again)})"
        )
    return PageFinding(False, detail, "bytes", problems, notes)


def _named(problem: dict[str, Any]) -> str:
    """``page 5 (3 Emissions by scope) changed``."""
    what = problem["problem"].split(":")[0]
    if problem["page"] is None:
        return f"{problem['section'] or 'the document'} {what}"
    return f"{page_label(problem['page'], problem['section'] or '')} {what}"


def _software_note(wrote: Mapping[str, str | None], running: Mapping[str, str]) -> str:
    parts = [
        f"{name} {wrote.get(name) or 'unrecorded'} wrote it, {running[name]} runs"
        for name in ("carbon", "weasyprint")
        if wrote.get(name) != running[name]
    ]
    if wrote.get("build") != running["build"] and not parts:
        was = (wrote.get("build") or "unrecorded")[:12]
        parts.append(
            f"another build of carbon {running['carbon']} wrote it (sources {was}, running "
            f"{running['build'][:12]})"
        )
    return "; ".join(parts)


def check_pages(
    data: bytes, files: Mapping[str, bytes], manifest: Mapping[str, Any]
) -> PageFinding:
    """Render the disclosure again from `files` (what the PDF `data` embeds, `manifest`
    parsed) and compare it with the file: byte for byte under the same software, by the
    text of every page otherwise."""
    recorded = manifest.get("render_series_sha256")
    series = files.get(RENDER_SERIES)
    if series is None:
        return PageFinding(
            False,
            f"the PDF embeds no {RENDER_SERIES} (the series its charts are drawn from), so it "
            "cannot be rendered again from what it carries",
        )
    actual = hashlib.sha256(series).hexdigest()
    if recorded != actual:
        return PageFinding(
            False, f"{RENDER_SERIES} hashes to {actual}, the manifest recorded {recorded}"
        )
    try:
        again = render_embedded(files)
    except CarbonError as exc:
        return PageFinding(False, f"the embedded data do not render: {exc}")
    wrote, running = written_by(manifest, data), running_software()
    if all(wrote[name] == running[name] for name in running):
        return _compare_bytes(data, again)
    why = _software_note(wrote, running)
    try:
        problems = compare_text(read_pages(data), read_pages(again))
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        return PageFinding(False, f"text comparison ({why}): the pages do not read: {exc}", "text")
    if problems:
        named = "; ".join(_named(p) for p in problems[:6])
        more = f" and {len(problems) - 6} more" if len(problems) > 6 else ""
        return PageFinding(
            False,
            f"text comparison ({why}; byte comparison impossible): {named}{more}",
            "text",
            problems,
        )
    return PageFinding(
        True,
        f"text comparison ({why}; byte comparison impossible): every page carries its "
        "page number, the section headings are in order, and every figure printed is "
        "one the embedded results give in that section",
        "text",
    )


def check_recomputed_pages(
    data: bytes,
    files: Mapping[str, bytes],
    manifest: Mapping[str, Any],
    results: dict[str, Any],
    outcome: PeriodOutcome,
    *,
    figures_differ: bool,
) -> PageFinding:
    """The pages rendered from the recomputed `results` and `outcome`'s series, against
    the file `data` (whose embedded files are `files`, `manifest` parsed)."""
    series = render_series_bytes(outcome.power_by_workload, outcome.intensity_used)
    recomputed = {**files, "results.json": results_json_bytes(results), RENDER_SERIES: series}
    if all(recomputed[n] == files.get(n) for n in ("results.json", RENDER_SERIES)):
        return PageFinding(
            True,
            "the recomputed results.json and render-series.json are the embedded ones byte "
            "for byte, so the pages rendered from them are the pages compared above",
        )
    if figures_differ:
        return PageFinding(
            None,
            "not rendered: the recomputed figures differ (listed below), so would their pages",
        )
    wrote, running = written_by(manifest, data), running_software()
    if any(wrote[name] != running[name] for name in running):
        return PageFinding(
            None,
            "not compared page by page: the recomputed results or series are not the embedded "
            f"ones byte for byte, and {_software_note(wrote, running)}",
        )
    try:
        problems = compare_pages(read_pages(data), read_pages(render_embedded(recomputed)))
    except CarbonError as exc:
        return PageFinding(False, f"the recomputed data do not render: {exc}")
    if problems:
        return PageFinding(
            False,
            f"{len(problems)} page(s) differ from the pages rendered from the recomputed data: "
            + "; ".join(_named(p) for p in problems[:6]),
            "bytes",
            problems,
        )
    return PageFinding(
        True,
        "every page draws what the recomputed results and series render (compared page by "
        "page; the embedded results.json differs from the recomputed one only below display "
        "precision)",
        "bytes",
    )
