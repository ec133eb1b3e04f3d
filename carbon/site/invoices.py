"""Utility invoices the revenue meter is reconciled against (docs/data-formats.md §9).

In the site file, one ``[[invoices]]`` table per bill, or ``invoices = "bills.csv"``
naming a CSV beside the site file with the same keys as columns (one bill a row):

- ``start``, ``end``: the bill period, ``[start, end)``: a date (local midnight of the
  site) or a date-time with its UTC offset; ``end`` is the next meter read, exclusive;
- ``energy``: the energy billed, with its unit (``"412000 kWh"``, ``"412 MWh"``);
- ``id`` (optional): the invoice number; ``sha256`` (optional): the hash of the bill's
  file, as evidence; ``file`` (optional): the bill's file name, as written.

:func:`read_invoices_csv` reads the CSV; every error names the file, line and column.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, field_validator, model_validator

from carbon.core.errors import ConfigError
from carbon.site.csv_rows import table_rows, validation_problems
from carbon.site.schema import Frozen, checked_quantity

__all__ = ["INVOICE_COLUMNS", "Invoice", "read_invoices_csv"]


class Invoice(Frozen):
    """One utility bill: its period and the energy billed."""

    id: str | None = Field(default=None, description="invoice number")
    start: date | datetime
    end: date | datetime
    energy: str = Field(description="energy billed, e.g. '412000 kWh'")
    sha256: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    file: str | None = Field(default=None, description="the bill's file, as evidence")
    source: str | None = Field(
        default=None, description="where the bill was declared (set when read from a CSV)"
    )

    @field_validator("energy")
    @classmethod
    def _energy(cls, value: str) -> str:
        return checked_quantity(value, "kWh", "energy")

    @field_validator("start", "end")
    @classmethod
    def _offset(cls, value: date | datetime) -> date | datetime:
        if isinstance(value, datetime) and value.utcoffset() is None:
            raise ValueError("a date-time needs its UTC offset, e.g. 2025-07-01T00:00:00-05:00")
        return value

    @model_validator(mode="after")
    def _order(self) -> Invoice:
        def key(value: date | datetime) -> tuple[date, bool]:
            return (value.date(), True) if isinstance(value, datetime) else (value, False)

        if type(self.start) is type(self.end) and self.end <= self.start:  # type: ignore[operator]
            raise ValueError(f"end {self.end} must come after start {self.start}")
        if type(self.start) is not type(self.end) and key(self.end)[0] < key(self.start)[0]:
            raise ValueError(f"end {self.end} must come after start {self.start}")
        return self

    @property
    def label(self) -> str:
        """The bill as the report names it: its id, else its period."""
        return self.id or f"{self.start.isoformat()} – {self.end.isoformat()}"


#: Columns an invoices CSV may hold.
INVOICE_COLUMNS: tuple[str, ...] = ("id", "start", "end", "energy", "sha256", "file")


def read_invoices_csv(path: Path, written: str) -> list[dict[str, Any]]:
    """The bills of an invoices CSV as ``[[invoices]]`` mappings (``source`` = file:line).

    `written` is the file name as the site file gives it (what ``source`` quotes).
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (FileNotFoundError, IsADirectoryError):
        raise ConfigError(
            f"{path}: invoices file not found", path=path, key="invoices", reason="not-found"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})",
            path=path,
            key="invoices",
            reason="not-utf8",
        ) from None
    reader = csv.reader(text.splitlines())
    header = [h.strip() for h in next(reader, None) or []]
    missing = [c for c in ("start", "end", "energy") if c not in header]
    unknown = [h for h in header if h not in INVOICE_COLUMNS]
    if missing or unknown:
        problem = (
            f"missing column(s) {', '.join(missing)}"
            if missing
            else f"unknown column(s) {', '.join(map(repr, unknown))}"
        )
        raise ConfigError(
            f"{path}: line 1: {problem}; expected {', '.join(INVOICE_COLUMNS)} "
            "(start, end and energy required)",
            path=path,
            line=1,
            key="invoices",
            reason="invoice-columns",
        )
    rows = []
    for line, cells in table_rows(path, reader, header, key="invoices"):
        row: dict[str, Any] = dict(cells)
        row["source"] = f"{written}:{line}"
        try:
            Invoice.model_validate(row)
        except ValidationError as exc:
            raise ConfigError(
                f"{path}: line {line}: {validation_problems(exc)}",
                path=path,
                line=line,
                key="invoices",
                reason="invalid-invoice",
            ) from None
        rows.append(row)
    return rows
