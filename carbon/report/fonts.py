"""The report fonts: DejaVu subset to the Unicode blocks the reports use.

WeasyPrint subsets every embedded font again for each PDF, and the time that takes
grows with the size of the font file it parses. The primary families of
``templates/report.css`` ("Report Sans", "Report Mono") therefore point at copies of
DejaVu cut down to :data:`RANGES`; the full DejaVu files (``*-Full.ttf``) are the
second families ("Report Sans Extended", "Report Mono Extended"), used only for a
character the subsets lack, so no character ever falls back to a system font.

The subsets keep every glyph id (``retain_gids``), the layout tables (GSUB, GPOS,
GDEF, kern) and the hinting of the glyphs they keep, so a PDF made with them is the
same, byte for byte, as one made with the full files. Regenerate the shipped
subsets from the full files with ``python -m carbon.report.fonts``.
"""

from __future__ import annotations

from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from carbon.core.resources import templates_root

__all__ = ["FONTS", "RANGES", "codepoints", "main", "subset_font"]

#: The code-point ranges (inclusive) the primary fonts keep. They cover what the
#: reports write: Basic Latin, Latin-1 Supplement and Latin Extended-A/B (names of
#: sites, tenants and places); combining diacritical marks; Greek (units and method
#: symbols such as λ, Δ, Σ, µ); general punctuation, including the bidi isolates
#: U+2068/U+2069 that ``carbon.report.render.bidi_isolate`` wraps text in;
#: superscripts and subscripts (CO₂); currency symbols; letterlike symbols; number
#: forms; arrows; mathematical operators; box drawing, block elements, geometric
#: shapes, miscellaneous symbols and dingbats (⚑ on page 1); the Latin ligatures;
#: and the replacement character. The subsetter also keeps the bidi mirror of each
#: of these characters (U+27DC for U+22B8), so right-to-left text mirrors in one font.
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin (printable)
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0300, 0x036F),  # Combining Diacritical Marks
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x2000, 0x206F),  # General Punctuation (incl. the bidi isolates)
    (0x2070, 0x209F),  # Superscripts and Subscripts
    (0x20A0, 0x20CF),  # Currency Symbols
    (0x2100, 0x218F),  # Letterlike Symbols, Number Forms
    (0x2190, 0x22FF),  # Arrows, Mathematical Operators
    (0x2500, 0x27BF),  # Box Drawing … Miscellaneous Symbols, Dingbats
    (0xFB00, 0xFB06),  # Latin ligatures (Alphabetic Presentation Forms)
    (0xFFFD, 0xFFFD),  # Replacement character
)

#: The shipped fonts of ``templates/fonts``: full file → subset made from it.
FONTS: dict[str, str] = {
    "DejaVuSans-Full.ttf": "DejaVuSans.ttf",
    "DejaVuSans-Bold-Full.ttf": "DejaVuSans-Bold.ttf",
    "DejaVuSansMono-Full.ttf": "DejaVuSansMono.ttf",
}


def codepoints() -> list[int]:
    """Every code point of :data:`RANGES`, in order."""
    return [cp for first, last in RANGES for cp in range(first, last + 1)]


def _options() -> subset.Options:
    """Subsetting that changes nothing but the set of glyphs: glyph ids, names, layout
    features, hinting, legacy tables and timestamps are kept as they are."""
    return subset.Options(
        retain_gids=True,
        layout_features=["*"],
        name_IDs=["*"],
        name_languages=["*"],
        name_legacy=True,
        notdef_outline=True,
        glyph_names=True,
        hinting=True,
        legacy_kern=True,
        symbol_cmap=True,
        legacy_cmap=True,
        prune_unicode_ranges=False,
        recalc_timestamp=False,
        drop_tables=[],
        passthrough_tables=True,
        ignore_missing_glyphs=True,
        ignore_missing_unicodes=True,
    )


def subset_font(src: Path, dst: Path) -> None:
    """Write to `dst` the font `src` cut down to the code points of :data:`RANGES`."""
    font = TTFont(src, recalcTimestamp=False)
    subsetter = subset.Subsetter(_options())
    subsetter.populate(unicodes=codepoints())
    subsetter.subset(font)
    font.save(dst)


def main() -> None:
    """Regenerate the shipped subsets in ``templates/fonts`` from the full files."""
    folder = Path(str(templates_root())) / "fonts"
    for full, primary in FONTS.items():
        subset_font(folder / full, folder / primary)
        print(f"{folder / primary}: {(folder / primary).stat().st_size} bytes")


if __name__ == "__main__":
    main()
