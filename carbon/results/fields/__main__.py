"""``python -m carbon.results.fields [PATH]``: write the table of figures into
``docs/results-json.md`` (between its ``fields`` markers), or print it without PATH."""

from __future__ import annotations

import sys
from pathlib import Path

from carbon.results.fields import fields_markdown

BEGIN, END = "<!-- fields:begin -->\n", "<!-- fields:end -->"


def main(argv: list[str]) -> int:
    """Print the table, or replace the block between the markers of the file named."""
    table = fields_markdown()
    if not argv:
        sys.stdout.write(table)
        return 0
    path = Path(argv[0])
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    tail = rest[rest.index(END) :]
    path.write_text(head + BEGIN + table + tail, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
