"""XML read safely: no DTD, no entities, no external references, every element's line kept.

An XML input is parsed with expat without namespace processing; each element's tag is
reduced to its local name and its source line kept (:func:`element_line`). A document type
declaration (``<!DOCTYPE``), an entity declaration (the "billion laughs" expansion) or an
external entity (``SYSTEM "file:///etc/passwd"``) is refused with the file and line before
anything is expanded or fetched: no feed an importer reads needs one. A file that cannot be
read, is empty or is not well-formed is an :class:`~carbon.core.errors.InputDataError` naming
the file (and line), never a traceback. Used by the Green Button reader
(:mod:`carbon.ingest.green_button`) and the ENTSO-E reader (:mod:`carbon.ingest.grid_entsoe`):
one hardening path for every XML input.
"""

from __future__ import annotations

import xml.parsers.expat
from pathlib import Path
from xml.etree import ElementTree as ET

from carbon.core.errors import InputDataError

__all__ = ["LINE_ATTRIBUTE", "element_line", "parse_xml"]

#: The attribute holding an element's source line (not a name XML allows, so never clashes).
LINE_ATTRIBUTE = "\x00line"


def element_line(element: ET.Element) -> int:
    """The 1-based source line of an element parsed by :func:`parse_xml`."""
    return int(element.get(LINE_ATTRIBUTE, "0"))


def parse_xml(path: str | Path, source: str, expected: str) -> ET.Element:
    """Parse `path` into a tree of local names with lines; refuse DTDs and entities.

    `expected` names the document in messages (``"a Green Button (ESPI) Atom feed"``).
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputDataError(
            f"{source}: cannot read the file ({exc.strerror or exc})",
            path=source,
            reason="unreadable",
        ) from None
    if not data.strip():
        raise InputDataError(
            f"{source}: the file is empty; expected {expected}", path=source, reason="empty"
        )
    builder = ET.TreeBuilder()
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_text = True

    def start(name: str, attrs: dict[str, str]) -> None:
        attrs[LINE_ATTRIBUTE] = str(parser.CurrentLineNumber)
        builder.start(name.rpartition(":")[2], attrs)

    def refuse(what: str) -> None:
        line = int(parser.CurrentLineNumber)
        raise InputDataError(
            f"{source}: line {line}: {what} is not accepted (no entity is expanded and "
            f"nothing outside the file is fetched); expected {expected} without one",
            path=source,
            line=line,
            reason="dtd",
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(name.rpartition(":")[2])
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = lambda *_: refuse("a document type declaration (DOCTYPE)")
    parser.EntityDeclHandler = lambda *_: refuse("an entity declaration")
    parser.ExternalEntityRefHandler = lambda *_: refuse("an external entity")  # type: ignore[assignment]
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise InputDataError(
            f"{source}: line {exc.lineno}, column {exc.offset + 1}: not well-formed XML "
            f"({xml.parsers.expat.ErrorString(exc.code)}); expected {expected}",
            path=source,
            line=int(exc.lineno),
            reason="malformed",
        ) from None
    return builder.close()
