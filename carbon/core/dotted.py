"""Reading one figure of a results.json document by its dotted key path."""

from __future__ import annotations

from typing import Any

__all__ = ["lookup"]


def lookup(results: dict[str, Any], dotted: str) -> Any:
    """The value at ``a.b.c`` in nested dicts, or None where any part is absent or null."""
    node: Any = results
    for part in dotted.split("."):
        if not isinstance(node, dict) or node.get(part) is None:
            return None
        node = node[part]
    return node
