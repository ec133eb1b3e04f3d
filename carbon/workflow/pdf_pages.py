"""Pages of a PDF as ``carbon verify`` compares them: a digest of what each page draws, the
section each page belongs to, and the text of each page.

A page's digest covers what is drawn: its content streams (decoded) and the resources they
name (fonts, images, forms, patterns, graphics states), resolved however the file numbers
its objects, so that a PDF rewritten by another tool keeps the digests of the pages it did
not change. Only the resources a content stream names count (for a page and for each form
or pattern it draws): pages share one font dictionary, and a font added to it for one page changes
that page alone. The section of a page comes from the PDF's outline (its bookmarks): the
last top-level entry starting on or before the page.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["PdfPages", "quiet_pypdf", "read_pages"]

#: The keys of a page dictionary that say what the page draws, besides its resources.
_DRAWING_KEYS = ("/Contents", "/MediaBox", "/CropBox", "/Rotate", "/Group")
#: a name in a content stream (``/F1``, ``/Im3``, ``/p0``)
_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
#: Keys skipped inside resources: back-references and stream encodings.
_SKIPPED = frozenset({"/Parent", "/Length", "/Filter", "/DecodeParms", "/P"})


@contextlib.contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs the damage it forgives; verify reports damage itself."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Digests:
    """SHA-256 of PDF objects by value, each indirect object digested once."""

    def __init__(self) -> None:
        self.done: dict[tuple[int, int], bytes] = {}

    def of(self, obj: Any) -> bytes:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key not in self.done:
                self.done[key] = b"cycle"  # a reference back into itself
                self.done[key] = self.of(obj.get_object())
            return self.done[key]
        h = hashlib.sha256()
        if isinstance(obj, StreamObject) and "/Resources" in obj:  # a form, a tiling pattern
            h.update(b"drawing")
            h.update(self._dict(obj, skip=("/Resources",)))
            h.update(self.drawn(obj.get_data(), obj.get("/Resources")))
        elif isinstance(obj, StreamObject):
            h.update(b"stream")
            h.update(self._dict(obj))
            h.update(obj.get_data())
        elif isinstance(obj, DictionaryObject):
            h.update(b"dict")
            h.update(self._dict(obj))
        elif isinstance(obj, ArrayObject):
            h.update(b"array")
            for item in obj:
                h.update(self.of(item))
        else:
            h.update(type(obj).__name__.encode())
            h.update(repr(obj).encode("utf-8", "replace"))
        return h.digest()

    def drawn(self, content: bytes, resources: Any) -> bytes:
        """A content stream and each resource it names."""
        h = hashlib.sha256(content)
        named = set(_NAME.findall(content))
        resources = resources.get_object() if resources is not None else {}
        for category in sorted(resources):
            entries = resources[category]
            entries = entries.get_object() if hasattr(entries, "get_object") else entries
            if not hasattr(entries, "items"):  # e.g. /ProcSet, an array
                h.update(category.encode())
                h.update(self.of(resources.raw_get(category)))
                continue
            for name in sorted(entries):
                if name[1:].encode("latin-1", "replace") in named:
                    h.update(f"{category}{name}".encode())
                    h.update(self.of(entries.raw_get(name)))
        return h.digest()

    def _dict(self, obj: Any, skip: tuple[str, ...] = ()) -> bytes:
        h = hashlib.sha256()
        for key in sorted(k for k in obj if k not in _SKIPPED and k not in skip):
            h.update(str(key).encode())
            h.update(self.of(obj.raw_get(key)))
        return h.digest()


def _outline(reader: Any) -> list[tuple[int, str, int]]:
    """The outline as (depth, title, page index), in order."""
    entries: list[tuple[int, str, int]] = []

    def walk(items: Any, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
            except Exception:  # a destination that names no page of this file
                continue
            if page is not None and page >= 0:
                entries.append((depth, str(item.title), page))

    with contextlib.suppress(Exception):  # no outline, or one pypdf cannot read
        walk(reader.outline, 0)
    return entries


@dataclass(frozen=True)
class PdfPages:
    """What ``verify`` reads from the pages of one PDF."""

    #: one digest per page, in page order
    digests: list[bytes]
    #: the title of the section each page belongs to ("" before the first)
    sections: list[str]
    #: (depth, title, page index) of every outline entry, in order
    outline: list[tuple[int, str, int]]
    reader: Any
    #: SHA-256 of the file's bytes
    sha256: str = ""

    def __len__(self) -> int:
        return len(self.digests)

    def section(self, index: int) -> str:
        """The section title of page `index` (0-based), or "" where there is none."""
        return self.sections[index] if 0 <= index < len(self.sections) else ""

    def text(self, index: int) -> str:
        """The extracted text of page `index` (0-based)."""
        with quiet_pypdf():
            return self.reader.pages[index].extract_text() or ""


def _sections(outline: list[tuple[int, str, int]], count: int) -> list[str]:
    """Per page: the last entry of depth ≤ 1 (the document title, then the top-level
    sections) starting on or before it."""
    tops = sorted((page, i, title) for i, (depth, title, page) in enumerate(outline) if depth <= 1)
    sections, current, k = [], "", 0
    for page in range(count):
        while k < len(tops) and tops[k][0] <= page:
            current = tops[k][2]
            k += 1
        sections.append(current)
    return sections


def _page_digest(page: Any, digests: _Digests) -> bytes:
    """What `page` draws: its content, and each resource its content names."""
    h = hashlib.sha256()
    for key in _DRAWING_KEYS:
        if key in page:
            h.update(key.encode())
            h.update(digests.of(page.raw_get(key)))
    contents = page.get_contents()
    h.update(
        digests.drawn(contents.get_data() if contents is not None else b"", page.get("/Resources"))
    )
    return h.digest()


def read_pages(data: bytes) -> PdfPages:
    """Digest, section and (lazily) text of every page of the PDF `data`.

    Raises whatever pypdf raises on a file it cannot parse.
    """
    from pypdf import PdfReader

    with quiet_pypdf():
        reader = PdfReader(io.BytesIO(data))
        digests = _Digests()
        pages = [_page_digest(page, digests) for page in reader.pages]
        outline = _outline(reader)
    return PdfPages(
        digests=pages,
        sections=_sections(outline, len(pages)),
        outline=outline,
        reader=reader,
        sha256=hashlib.sha256(data).hexdigest(),
    )
