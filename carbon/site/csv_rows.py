"""The rows of a small CSV a site file names (invoices, activity records): blank lines
skipped, a row with another cell count than the header refused with its line, empty cells
left out; and a pydantic validation error as one line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import ValidationError

from carbon.core.errors import ConfigError

__all__ = ["table_rows", "validation_problems"]


def table_rows(
    path: Path, reader: Iterable[list[str]], header: list[str], *, key: str | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {column: stripped cell}) for each non-blank row after the header (line 1)."""
    for line, cells in enumerate(reader, start=2):  # loops over records, not readings
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise ConfigError(
                f"{path}: line {line}: {len(cells)} cells, expected {len(header)} (the header's)",
                path=path,
                line=line,
                key=key,
                reason="cell-count",
            )
        yield line, {k: c.strip() for k, c in zip(header, cells, strict=True) if c.strip()}


def validation_problems(exc: ValidationError) -> str:
    """Each error of `exc` as ``field: message``, joined by ``; ``."""
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()
    )
