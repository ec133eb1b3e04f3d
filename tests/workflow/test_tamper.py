"""The tamper suite: a forged disclosure fails ``carbon verify``, naming the page, with the
ledger and without it (the PDF copied out of its report tree).

Every forgery starts from the demo's July 2025 issued (``demo_issued``, written once for the
session) and is made the way a forger would, with pypdf: a page removed, a page inserted,
two pages swapped, a white box with another figure painted over a figure (an overlay page
merged onto the page; the embedded files untouched), one byte flipped, and the embedded
results replaced, re-hashed in a rewritten manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from carbon.results.document import results_csv_bytes, results_json_bytes
from carbon.workflow.pdf_pages import read_pages
from carbon.workflow.verify import Verification, verify_pdf
from tests.conftest import copy_reports

#: the figure painted over the page (the demo prints no such figure)
PAINTED = "48,123.4"


def first_page_of(pdf: bytes, title: str) -> int:
    """The 1-based page where the section whose title ends with `title` starts."""
    sections = [" ".join(s.split()) for s in read_pages(pdf).sections]
    return next(i for i, s in enumerate(sections) if s.endswith(title)) + 1


def rewritten(pdf: bytes, change: Callable[[PdfWriter], None]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def paint_over(writer: PdfWriter, index: int, text: str = PAINTED) -> None:
    """A white box with `text` on it, merged onto page `index` (0-based)."""
    page = writer.pages[index]
    overlay = PdfWriter().add_blank_page(width=page.mediabox.width, height=page.mediabox.height)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    overlay[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/FX"): font})}
    )
    content = DecodedStreamObject()
    content.set_data(
        f"1 1 1 rg 330 640 120 24 re f 0 0 0 rg BT /FX 11 Tf 336 648 Td ({text}) Tj ET".encode()
    )
    overlay[NameObject("/Contents")] = content
    page.merge_page(overlay)


def swap(writer: PdfWriter, a: int, b: int) -> None:
    kids = writer.root_object["/Pages"]["/Kids"]
    kids[a], kids[b] = kids[b], kids[a]


@pytest.fixture(scope="module")
def original(demo_issued) -> bytes:
    return (demo_issued.path / "disclosure.pdf").read_bytes()


@pytest.fixture(scope="module")
def scope_page(original) -> int:
    """The first page of '4 Emissions by scope' (page 5 of the demo)."""
    return first_page_of(original, "Emissions by scope")


@pytest.fixture(scope="module")
def forgeries(original, scope_page) -> dict[str, bytes]:
    """Each forgery of the demo PDF, by name; the embedded files untouched."""
    i = scope_page - 1
    return {
        "removed": rewritten(original, lambda w: w.remove_page(i)),
        "added": rewritten(original, lambda w: w.insert_page(w.pages[i + 5], i + 1)),
        "reordered": rewritten(original, lambda w: swap(w, i, i + 1)),
        "painted": rewritten(original, lambda w: paint_over(w, i)),
    }


def placed(demo_issued, data: bytes, tmp_path: Path, with_ledger: bool) -> Path:
    """`data` as the demo's disclosure.pdf in a copy of its report tree (the ledger found
    above it), or alone in a folder of its own (copied out of the tree)."""
    if with_ledger:
        copy = copy_reports(demo_issued, tmp_path / "reports")
        pdf = copy.path / "disclosure.pdf"
    else:
        pdf = tmp_path / "elsewhere" / "disclosure.pdf"
        pdf.parent.mkdir()
    pdf.write_bytes(data)
    return pdf


def failed(found: Verification) -> list[str]:
    return [c.name for c in found.failures]


def pages_check(found: Verification) -> str:
    return next(c.detail for c in found.checks if c.name == "rendered pages")


EXPECTED = {
    # forgery: (page named, relative to the scope page; its section; what happened)
    "removed": (0, "4 Emissions by scope", "missing"),
    "added": (1, "4 Emissions by scope", "added"),
    "reordered": (0, None, "moved"),  # None: the section of the page that moved there
    "painted": (0, "4 Emissions by scope", "changed"),
}


@pytest.mark.parametrize("with_ledger", [True, False], ids=["with-ledger", "copied-out"])
@pytest.mark.parametrize("forgery", sorted(EXPECTED))
def test_a_forged_page_fails_and_is_named(
    demo_issued, original, forgeries, scope_page, tmp_path: Path, forgery: str, with_ledger: bool
) -> None:
    pdf = placed(demo_issued, forgeries[forgery], tmp_path, with_ledger)
    found = verify_pdf(pdf, recompute=False)
    assert not found.ok
    # the ledger catches any changed byte; without it, the re-rendered pages do
    assert failed(found) == (["ledger", "rendered pages"] if with_ledger else ["rendered pages"])
    shift, section, what = EXPECTED[forgery]
    page = scope_page + shift
    if section is None:  # the page after the scope page now stands in its place
        section = " ".join(read_pages(original).sections[scope_page].split())
    assert found.page_check == "bytes"
    named = [(p["page"], p["section"], p["problem"].split(":")[0]) for p in found.differing_pages]
    assert (page, section, what) in named, named
    assert f"page {page} ({section}) {what}" in pages_check(found)
    if forgery != "reordered":  # a swap names the page that moved
        assert len(named) == 1, named
    # the embedded files are intact: every other check of the file holds
    assert {c.name for c in found.checks if c.ok} >= {
        "pdf structure",
        "embedded files",
        "results hashes",
        "manifest identity",
    }


def test_the_cli_names_the_removed_page(demo_issued, forgeries, scope_page, tmp_path) -> None:
    from typer.testing import CliRunner

    from carbon.cli import app

    pdf = placed(demo_issued, forgeries["removed"], tmp_path, with_ledger=False)
    result = CliRunner().invoke(app, ["verify", str(pdf), "--no-recompute"])
    assert result.exit_code == 1, result.output
    assert "FAIL rendered pages: byte comparison: the file is not the disclosure" in result.output
    assert f"page {scope_page} (4 Emissions by scope): missing: page {scope_page}" in result.output
    assert "NOT verified" in result.output


# --- one byte flipped anywhere ------------------------------------------------------------


def flipped(data: bytes, offset: int) -> bytes:
    changed = bytearray(data)
    changed[offset] ^= 0x01
    return bytes(changed)


def offsets(size: int, count: int) -> list[int]:
    """`count` offsets spread over the file, its first and last bytes included."""
    return sorted({round(k * (size - 1) / (count - 1)) for k in range(count)})


def check_flips(original: bytes, where: list[int], folder: Path) -> None:
    folder.mkdir()
    for offset in where:
        pdf = folder / f"flip-{offset}.pdf"
        pdf.write_bytes(flipped(original, offset))
        found = verify_pdf(pdf, recompute=False)
        assert not found.ok, f"a flipped byte at offset {offset} verified"
        assert failed(found), offset


def test_a_flipped_byte_fails_without_the_ledger(original, tmp_path: Path) -> None:
    # the header, three points inside (compressed streams, the embedded files) and the
    # trailer; a wide sweep is the slow test below
    check_flips(original, offsets(len(original), 5), tmp_path / "flips")


@pytest.mark.slow
def test_a_flipped_byte_anywhere_fails_without_the_ledger(original, tmp_path: Path) -> None:
    check_flips(original, offsets(len(original), 97), tmp_path / "flips")


# --- the embedded results replaced and re-hashed -------------------------------------------


def forged_results(original: bytes) -> bytes:
    """The PDF with Scope 2 (location-based) lowered by a fifth in results.json and
    results.csv, both re-hashed in a rewritten manifest.json; the pages untouched."""
    reader = PdfReader(io.BytesIO(original))
    files = {name: contents[0] for name, contents in reader.attachments.items()}
    results = json.loads(files["results.json"])
    for key in ("mining", "total"):
        results["scope2_location_kgco2e"][key] *= 0.8
    manifest = json.loads(files["manifest.json"])
    files["results.json"] = results_json_bytes(results)
    files["results.csv"] = results_csv_bytes(results)
    for name in ("results.json", "results.csv"):
        manifest["results"][name] = hashlib.sha256(files[name]).hexdigest()
    files["manifest.json"] = results_json_bytes(manifest)

    def replace(writer: PdfWriter) -> None:
        del writer.root_object["/Names"][NameObject("/EmbeddedFiles")]
        for name in sorted(files):
            writer.add_attachment(name, files[name])

    return rewritten(original, replace)


def test_re_hashed_results_fail_by_the_pages_they_render(original, tmp_path: Path) -> None:
    pdf = tmp_path / "disclosure.pdf"
    pdf.write_bytes(forged_results(original))
    found = verify_pdf(pdf, recompute=False)
    # the forgery holds together: hashes and identity check out
    assert {c.name for c in found.checks if c.ok} >= {
        "pdf structure",
        "embedded files",
        "results hashes",
        "manifest identity",
    }
    # but the pages do not show what the forged results render, and the exports built
    # again from them differ from the ones the manifest records
    assert failed(found) == ["exports", "rendered pages"]
    sections = {p["section"] for p in found.differing_pages}
    assert {"1 The pivot at a glance", "4 Emissions by scope"} <= sections, sections
    assert {p["problem"].split(":")[0] for p in found.differing_pages} == {"changed"}


def test_the_untouched_copy_still_verifies_out_of_the_tree(original, tmp_path: Path) -> None:
    pdf = tmp_path / "disclosure.pdf"
    pdf.write_bytes(original)
    found = verify_pdf(pdf, recompute=False)
    assert found.ok and found.page_check == "bytes" and found.differing_pages == []
