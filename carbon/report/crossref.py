"""Cross-references between sections of the disclosure, by section name.

A sentence built in Python that points at another section holds a marker
(:func:`section_ref`); the number is put in when the template is rendered
(:func:`resolve`, the ``xref`` filter), from the numbered sections of that
rendering. The templates refer to a section by name: ``sections_by_id["lineage"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["resolve", "section_ref"]

_MARKER = re.compile(r"\[\[section:([a-z_]+)\]\]")


def section_ref(name: str) -> str:
    """The marker of section `name`'s number in a text (``[[section:lineage]]``)."""
    return f"[[section:{name}]]"


def resolve(text: str, sections_by_id: Mapping[str, Mapping[str, Any]]) -> str:
    """`text` with every marker replaced by its section's number.

    Raises KeyError for a section that this rendering does not have.
    """
    return _MARKER.sub(lambda m: str(sections_by_id[m.group(1)]["number"]), text)
