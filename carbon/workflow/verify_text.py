"""``carbon verify``'s text comparison, for a report written by other software.

When the carbon or WeasyPrint version that wrote a disclosure is not the running one, the
disclosure rendered again from the embedded data need not lay out the same, so the bytes
cannot be compared. The text of every page is compared instead, with the disclosure
rendered again from the embedded data (its figures formatted by the report's own number
formatter) as the reference:

1. **page numbers**: page *i* of an *N*-page file reads "Page *i* of *N*" (a page
   removed, added or moved breaks the sequence);
2. **sections**: the heading of every top-level section of the reference is found on the
   pages in order, and on the page the file's own contents give for it;
3. **figures**: every figure printed in a section (a number, as the text shows it) is one
   the reference prints in that section. A figure painted over a page with other text adds
   a figure the embedded results do not give.

What the text cannot show, such as a figure covered by a box without text or a changed
chart, only the byte comparison sees (:mod:`carbon.workflow.verify_pages`).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from carbon.workflow.pdf_pages import PdfPages

__all__ = ["compare_text", "figures"]

#: a number as the report prints it: 1,234.5, -0.3, 12, 2025 (signs and separators kept)
_FIGURE = re.compile(r"(?<![\w.,])[-−+]?\d[\d,]*(?:\.\d+)?(?!\w)")
_PAGE_NUMBER = re.compile(r"Page (\d+) of (\d+)")
#: the contents' leader dots and the page number they lead to
_LEADER = re.compile(r"(?: ?\.){2,} ?\d+")


def _norm(text: str) -> str:
    return " ".join(text.split())


def figures(text: str) -> list[tuple[int, str]]:
    """(offset, figure) of every figure in `text`, page numbers and contents leaders left
    out (they are checked on their own)."""
    text = _LEADER.sub(lambda m: " " * len(m.group()), text)
    text = _PAGE_NUMBER.sub(lambda m: " " * len(m.group()), text)
    return [(m.start(), m.group().rstrip(",")) for m in _FIGURE.finditer(text)]


@dataclass(frozen=True)
class _Text:
    """The pages of one PDF as one normalised text, with where each page starts."""

    text: str
    starts: list[int]
    raw: list[str]

    @classmethod
    def of(cls, pages: PdfPages) -> _Text:
        """The text of `pages` (the last few files' texts are kept by their SHA-256: the
        reference is the same for every copy of one report)."""
        kept = _TEXTS.get(pages.sha256) if pages.sha256 else None
        if kept is None:
            kept = cls._read(pages)
            if pages.sha256:
                _TEXTS[pages.sha256] = kept
                while len(_TEXTS) > 4:
                    _TEXTS.pop(next(iter(_TEXTS)))
        return kept

    @classmethod
    def _read(cls, pages: PdfPages) -> _Text:
        raw = [pages.text(i) for i in range(len(pages))]
        parts, starts, at = [], [], 0
        for page in raw:
            starts.append(at)
            piece = _norm(page) + "\n"
            parts.append(piece)
            at += len(piece)
        return cls("".join(parts), starts, raw)

    def page_at(self, offset: int) -> int:
        """The 0-based page holding `offset`."""
        return max(0, bisect_right(self.starts, offset) - 1)


_TEXTS: dict[str, _Text] = {}


def _headings(pages: PdfPages) -> list[str]:
    """The reference's section headings: the document title and the top-level sections."""
    return [_norm(title) for depth, title, _ in pages.outline if depth <= 1]


def _heading_pattern(title: str) -> re.Pattern[str]:
    # not inside a longer number or word, and not a line of the contents (leader dots)
    return re.compile(r"(?<![\w.])" + re.escape(title) + r"(?! ?\.)(?!\w)")


def _find_headings(text: _Text, titles: list[str]) -> dict[str, int]:
    """Offset of each title's heading, searched in order (a title not found after the
    previous one is left out)."""
    found, at = {}, 0
    for title in titles:
        match = _heading_pattern(title).search(text.text, at)
        if match is not None:
            found[title] = match.start()
            at = match.end()
    return found


def _chunks(text: _Text, found: dict[str, int]) -> list[tuple[str, int, int]]:
    """(title, start, end) of each section's text, and ("", 0, first) before the first."""
    marks = sorted((offset, title) for title, offset in found.items())
    bounds = [(0, ""), *marks, (len(text.text), None)]
    return [(title, a, b) for (a, title), (b, _) in itertools.pairwise(bounds)]


def _problem(page: int | None, section: str, problem: str) -> dict[str, Any]:
    return {"page": page, "section": section or None, "problem": problem}


def _page_numbers(text: _Text, section_of: Any) -> list[dict[str, Any]]:
    """Page *i* reads "Page *i* of *N*": one problem per run of pages numbered alike
    wrongly, and one when the pages give another total than the file's page count."""
    count = len(text.raw)
    problems: list[dict[str, Any]] = []
    runs: list[list[Any]] = []  # [first page index, shift, pages, what the first shows]
    totals: set[int] = set()
    for index, raw in enumerate(text.raw):
        shown = [(int(a), int(b)) for a, b in _PAGE_NUMBER.findall(raw)]
        totals.update(b for _, b in shown)
        if any(a == index + 1 for a, _ in shown):
            continue
        shift = shown[0][0] - (index + 1) if shown else None
        if runs and runs[-1][0] + runs[-1][2] == index and runs[-1][1] == shift:
            runs[-1][2] += 1
            continue
        what = f"'Page {shown[0][0]} of {shown[0][1]}'" if shown else "no page number"
        runs.append([index, shift, 1, what])
    if totals and totals != {count}:
        problems.append(
            _problem(
                None,
                "",
                f"page count: the pages say the document has "
                f"{' or '.join(str(t) for t in sorted(totals))} pages, the file has {count} "
                "(pages removed or added)",
            )
        )
    for index, shift, pages, what in runs:
        rest = f"; so are the {pages - 1} page(s) after it" if pages > 1 else ""
        problems.append(
            _problem(
                index + 1,
                section_of(index),
                f"page number: page {index + 1} of the file shows {what}{rest} (a page "
                "removed, added or moved before it)"
                if shift is not None
                else f"page number: page {index + 1} of the file shows no page number{rest}",
            )
        )
    return problems


def _sections(text: _Text, titles: list[str], found: dict[str, int]) -> list[dict[str, Any]]:
    problems = []
    previous = ""
    for title in titles:
        if title not in found:
            problems.append(
                _problem(
                    None,
                    title,
                    "section heading: not found on the pages in its place"
                    + (f" (after {previous})" if previous else ""),
                )
            )
            continue
        previous = title
        page = text.page_at(found[title]) + 1
        listed = re.search(re.escape(title) + r"(?: ?\.){2,} ?(\d+)", text.text)
        if listed is not None and int(listed.group(1)) != page:
            problems.append(
                _problem(
                    page,
                    title,
                    f"section heading: on page {page}, the contents give page {listed.group(1)}",
                )
            )
    return problems


def _figures(
    text: _Text, found: dict[str, int], reference: _Text, expected: dict[str, int]
) -> list[dict[str, Any]]:
    allowed: dict[str, set[str]] = {}
    for title, start, end in _chunks(reference, expected):
        allowed[title] = {f for _, f in figures(reference.text[start:end])}
    everything = {f for _, f in figures(reference.text)}
    odd: dict[tuple[int, str], list[str]] = {}
    for title, start, end in _chunks(text, found):
        known = allowed.get(title, everything)
        for offset, figure in figures(text.text[start:end]):
            if figure not in known:
                odd.setdefault((text.page_at(start + offset) + 1, title), []).append(figure)
    return [
        _problem(
            page,
            title,
            f"figures: {', '.join(shown[:5])}{' ...' if len(shown) > 5 else ''} printed "
            f"here {'is' if len(shown) == 1 else 'are'} not among the figures the embedded "
            f"results give in {title or 'this part'}",
        )
        for (page, title), shown in sorted(odd.items())
    ]


def compare_text(actual: PdfPages, reference: PdfPages) -> list[dict[str, Any]]:
    """The problems of `actual`'s text against `reference`, the disclosure rendered again
    from the embedded data: ``{"page", "section", "problem"}`` (page 1-based or None)."""
    text, ref = _Text.of(actual), _Text.of(reference)
    titles = _headings(reference)
    found = _find_headings(text, titles)
    expected = _find_headings(ref, titles)
    marks = sorted((text.page_at(offset), offset, title) for title, offset in found.items())

    def section_of(index: int) -> str:
        current = ""
        for page, _, title in marks:
            if page > index:
                break
            current = title
        return current

    return [
        *_page_numbers(text, section_of),
        *_sections(text, titles, found),
        *_figures(text, found, ref, expected),
    ]
