"""``carbon verify`` renders the disclosure again from what the PDF embeds and compares it with
the file (byte for byte under the same software); the forgeries are in test_tamper.py."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from carbon.core.version import build_sha256
from carbon.report.disclosure import embedded_html, rendering_anew
from carbon.report.series import RENDER_SERIES, read_render_series
from carbon.workflow.pdf_pages import read_pages
from carbon.workflow.verify import verify_pdf
from carbon.workflow.verify_pages import compare_pages, running_software, written_by
from tests.conftest import copy_tree


def embedded(pdf: Path) -> dict[str, bytes]:
    return {name: data[0] for name, data in PdfReader(pdf).attachments.items()}


def with_files(pdf: Path, files: dict[str, bytes]) -> bytes:
    """The PDF `pdf` embedding `files` instead of its own (its pages untouched)."""
    writer = PdfWriter(clone_from=PdfReader(pdf))
    del writer.root_object["/Names"][NameObject("/EmbeddedFiles")]
    for name in sorted(files):
        writer.add_attachment(name, files[name])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def check(found, name: str):
    return next(c for c in found.checks if c.name == name)


def test_the_pdf_embeds_the_chart_series_the_manifest_hashes(demo_issued) -> None:
    files = embedded(demo_issued.path / "disclosure.pdf")
    assert sorted(files) == ["manifest.json", RENDER_SERIES, "results.csv", "results.json"]
    manifest = json.loads(files["manifest.json"])
    assert manifest["render_series_sha256"] == hashlib.sha256(files[RENDER_SERIES]).hexdigest()
    assert manifest["weasyprint_version"] == running_software()["weasyprint"]
    assert manifest["build_sha256"] == build_sha256() and len(build_sha256()) == 64
    # the same file beside the PDF in the version folder
    assert (demo_issued.path / RENDER_SERIES).read_bytes() == files[RENDER_SERIES]
    power, intensity = read_render_series(files[RENDER_SERIES])
    outcome = demo_issued.outcome
    assert power.sizes == outcome.power_by_workload.sizes
    assert (power.pint.magnitude == outcome.power_by_workload.pint.magnitude).all()
    assert intensity is not None and intensity.sizes == outcome.intensity_used.sizes


def test_the_embedded_files_alone_render_the_html_the_manifest_hashes(demo_issued) -> None:
    """What verify lays out again is the HTML the PDF was laid out from (the layout itself is
    deterministic: the slow test below lays it out afresh and compares the bytes)."""
    files = embedded(demo_issued.path / "disclosure.pdf")
    html, moment = embedded_html(files)
    manifest = json.loads(files["manifest.json"])
    assert hashlib.sha256(html.encode("utf-8")).hexdigest() == manifest["rendered_html_sha256"]
    assert moment.date().isoformat() == manifest["issue_date"][:10]


@pytest.mark.slow
def test_a_fresh_layout_of_the_embedded_files_is_the_file_byte_for_byte(demo_issued) -> None:
    with rendering_anew():
        found = verify_pdf(demo_issued.path / "disclosure.pdf", recompute=False)
    assert found.ok, found.failures
    assert check(found, "rendered pages").detail.startswith("byte comparison: ")


def test_verify_says_how_the_pages_were_compared(demo_issued, tmp_path: Path) -> None:
    copy = tmp_path / "disclosure.pdf"
    copy.write_bytes((demo_issued.path / "disclosure.pdf").read_bytes())
    found = verify_pdf(copy, recompute=False)
    assert found.ok
    rendered = check(found, "rendered pages")
    assert rendered.ok is True and "byte for byte" in rendered.detail
    as_json = found.as_dict()
    assert as_json["page_check"] == "bytes" and as_json["differing_pages"] == []


def test_a_series_the_manifest_does_not_hash_fails(demo_issued, tmp_path: Path) -> None:
    pdf = demo_issued.path / "disclosure.pdf"
    files = embedded(pdf)
    document = json.loads(files[RENDER_SERIES])
    document["power_by_workload"]["values"][0][0] *= 0.5  # a dent in the power chart
    files[RENDER_SERIES] = json.dumps(document).encode()
    forged = tmp_path / "disclosure.pdf"
    forged.write_bytes(with_files(pdf, files))
    found = verify_pdf(forged, recompute=False)
    assert [c.name for c in found.failures] == ["rendered pages"]
    assert "render-series.json hashes to" in check(found, "rendered pages").detail
    # and without the series the PDF cannot be rendered again: refused by name
    del files[RENDER_SERIES]
    forged.write_bytes(with_files(pdf, files))
    found = verify_pdf(forged, recompute=False)
    assert not found.ok
    assert "does not embed render-series.json" in check(found, "embedded files").detail


def test_a_removed_page_fails_with_recomputation_too(example_issued, tmp_path: Path) -> None:
    folder, written = example_issued
    copy = copy_tree(written, folder, tmp_path / "site")
    pdf = copy.path / "disclosure.pdf"
    last = len(PdfReader(pdf).pages) - 1
    writer = PdfWriter(clone_from=PdfReader(pdf))
    writer.remove_page(last)
    writer.write(pdf)
    found = verify_pdf(pdf, inputs=tmp_path / "site")
    names = {c.name: c.ok for c in found.checks}
    # every figure recomputes, and the pages rendered from them are the embedded ones ...
    assert names["recomputed figures"] is True and names["recomputed pages"] is True
    # ... but the file lacks one of them, and the ledger's hash does not match
    assert [c.name for c in found.failures] == ["ledger", "rendered pages"]
    (problem,) = found.differing_pages
    assert problem["page"] == last + 1 and problem["problem"].startswith("missing: ")
    assert problem["section"] and problem["section"] in check(found, "rendered pages").detail


def test_pages_are_matched_by_what_they_draw(demo_issued) -> None:
    original = (demo_issued.path / "disclosure.pdf").read_bytes()
    pages = read_pages(original)
    assert len(set(pages.digests)) == len(pages)  # every page draws something of its own
    # rewritten by another tool, every page still draws the same
    out = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(original))).write(out)
    assert out.getvalue() != original
    assert compare_pages(read_pages(out.getvalue()), pages) == []
    assert pages.sections[0] == "Energy and emissions disclosure"


def test_the_writer_is_read_from_the_manifest_or_the_producer() -> None:
    manifest = {
        "software_version": "0.1.0",
        "build_sha256": "ab" * 32,
        "weasyprint_version": "70.0",
    }
    assert written_by(manifest, b"") == {
        "carbon": "0.1.0",
        "build": "ab" * 32,
        "weasyprint": "70.0",
    }
    # a manifest without the WeasyPrint version: the PDF's producer string says it
    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Producer": "WeasyPrint 61.2"})
    writer.write(pdf)
    assert written_by({"software_version": "0.0.9"}, pdf.getvalue()) == {
        "carbon": "0.0.9",
        "build": None,
        "weasyprint": "61.2",
    }
