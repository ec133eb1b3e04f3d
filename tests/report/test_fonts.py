"""The shipped fonts: the primary families are DejaVu subset to ``RANGES`` without any
other change, and characters outside them come from the full DejaVu files, never from a
system font."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from fontTools.unicodedata import mirrored
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from carbon.report.fonts import FONTS, RANGES, subset_font
from carbon.report.render import html_to_pdf, templates_dir

FONT_DIR = templates_dir() / "fonts"
PAIRS = sorted(FONTS.items())


def _in_ranges(codepoint: int) -> bool:
    return any(first <= codepoint <= last for first, last in RANGES)


#: The code points a subset maps: those of the ranges and, as fontTools adds them, the
#: bidi mirror of each (U+27DC for U+22B8), so right-to-left text mirrors in one font.
KEPT = {cp for first, last in RANGES for cp in range(first, last + 1)}
KEPT |= {m for m in map(mirrored, KEPT) if m is not None}


@pytest.fixture(scope="module", params=PAIRS, ids=[primary for _, primary in PAIRS])
def fonts(request: pytest.FixtureRequest) -> tuple[TTFont, TTFont]:
    """One shipped (full font, its subset) pair."""
    full, primary = request.param
    return TTFont(FONT_DIR / full, lazy=True), TTFont(FONT_DIR / primary, lazy=True)


def test_the_subset_maps_exactly_the_full_fonts_code_points_in_the_ranges(fonts) -> None:
    full, sub = fonts
    expected = {cp: g for cp, g in full.getBestCmap().items() if cp in KEPT}
    assert sub.getBestCmap() == expected
    assert len(expected) > 1500
    # every Unicode subtable agrees (the format 12 ones go: all kept code points are in the BMP)
    tables = [table for table in sub["cmap"].tables if table.isUnicode()]
    assert tables and all(table.cmap == expected for table in tables)
    beyond = {cp for cp in expected if not _in_ranges(cp)}
    assert all(mirrored(cp) is not None and _in_ranges(mirrored(cp)) for cp in beyond), beyond


def test_kept_glyphs_keep_their_ids_names_and_metrics(fonts) -> None:
    full, sub = fonts
    order = sub.getGlyphOrder()  # retain_gids keeps every slot up to the last glyph kept
    assert order == full.getGlyphOrder()[: len(order)]
    for name in sorted(set(sub.getBestCmap().values())):
        assert sub.getGlyphID(name) == full.getGlyphID(name), name
        assert sub["hmtx"][name] == full["hmtx"][name], name


def test_the_subset_keeps_every_table_and_the_layout_tables(fonts) -> None:
    full, sub = fonts
    assert sorted(sub.keys()) == sorted(full.keys())  # no table dropped
    # DejaVu Sans Mono has no kern table (a monospaced font is not kerned)
    kerned = "kern" in full
    assert kerned or "Mono" in str(full["name"].getDebugName(1))
    for tag in ("GSUB", "GPOS", "GDEF", *(("kern",) if kerned else ())):
        assert tag in sub, tag


def test_the_shipped_subsets_are_what_the_module_makes(tmp_path: Path) -> None:
    for full, primary in PAIRS:
        subset_font(FONT_DIR / full, tmp_path / primary)
        assert (tmp_path / primary).read_bytes() == (FONT_DIR / primary).read_bytes(), primary


def _font_names(pdf: bytes) -> set[str]:
    """The ``/BaseFont`` of every font the PDF's pages (and their forms) use, without the
    six-letter subset tag."""
    names: set[str] = set()
    seen: set[int] = set()

    def walk(resources: DictionaryObject | None) -> None:
        if resources is None or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
        for kind in ("/XObject", "/Pattern"):
            for item in (resources.get(kind) or {}).values():
                walk(item.get_object().get("/Resources"))

    for page in PdfReader(BytesIO(pdf)).pages:
        walk(page.get("/Resources"))
    return names


def test_characters_outside_the_ranges_use_the_extended_family_not_a_system_font() -> None:
    html = (
        '<html><head><link rel="stylesheet" href="report.css"></head><body>'
        "<p>Energy report Москва שלום</p></body></html>"
    )
    pdf = html_to_pdf(html, moment=datetime(2025, 8, 1, tzinfo=UTC))
    names = _font_names(pdf)
    assert names == {"Report-Sans", "Report-Sans-Extended"}


def test_the_demo_disclosure_uses_only_the_primary_families(demo_draft) -> None:
    names = _font_names((demo_draft.path / "disclosure.pdf").read_bytes())
    assert names, "no font found"
    assert all(n.startswith("Report-") and "Extended" not in n for n in names), names
