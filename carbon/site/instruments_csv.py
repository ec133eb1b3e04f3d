"""The instruments CSV: one contractual instrument a row (shape in ``docs/market-based.md``).

:func:`read_instruments_csv` turns each row into a record of
:mod:`carbon.site.instruments`; a quantity takes a value and a unit column, and every
error names the file, line and column, with the valid choices where there is a fixed set.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pint
from pydantic import BaseModel, TypeAdapter, ValidationError

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import parse_unit, ureg
from carbon.site.instruments import INSTRUMENT_CLASSES, INSTRUMENT_KINDS, Instrument

__all__ = ["CSV_COLUMNS", "KIND_COLUMNS", "read_instruments_csv"]

_INSTRUMENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Instrument)
#: Model field → CSV column(s). Quantities take a value and a unit column.
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("instrument_id",),
    "volume": ("volume", "volume_unit"),
    "emission_rate": ("emission_rate", "emission_rate_unit"),
}
_NOT_IN_CSV = frozenset({"profile", "hourly_rate"})


def _columns_of(cls: type[BaseModel]) -> tuple[str, ...]:
    columns: list[str] = []
    for name in cls.model_fields:
        if name not in _NOT_IN_CSV:
            columns.extend(_FIELD_COLUMNS.get(name, (name,)))
    return tuple(columns)


#: Columns each kind accepts (``kind`` itself included).
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    k: _columns_of(c) for k, c in INSTRUMENT_CLASSES.items()
}
#: Every column an instruments CSV may have, in the documented order.
CSV_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(["instrument_id", "kind"] + [c for cols in KIND_COLUMNS.values() for c in cols])
)
_BOOLEAN_COLUMNS = frozenset(
    {"certificates_retained", "delivered_basis", "net_of_sold_attributes", "adjusted_for_claims"}
)
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def _quantity(
    row: dict[str, str], column: str, where: str, fields: dict[str, Any]
) -> pint.Quantity | None:
    value, unit = row.pop(column, ""), row.pop(f"{column}_unit", "")
    if not value and not unit:
        return None
    if not value or not unit:
        missing = column if not value else f"{column}_unit"
        raise InputDataError(
            f"{where}, column {missing}: empty; {column} needs a value and a unit", **fields
        )
    try:
        number = float(value)
    except ValueError:
        raise InputDataError(
            f"{where}, column {column}: not a number: {value!r}", **fields
        ) from None
    try:
        return ureg.Quantity(number, parse_unit(unit))
    except UnitError as exc:
        raise InputDataError(f"{where}, column {column}_unit: {exc}", **fields) from None


def _row_to_record(row: dict[str, str], where: str, fields: dict[str, Any]) -> Any:
    """One row as its record; `where` names the row in messages, `fields` (its path and
    line) go on every error."""
    kind = row.get("kind", "")
    if kind not in INSTRUMENT_CLASSES:
        raise InputDataError(
            f"{where}, column kind: {kind!r} is not an instrument kind; valid choices: "
            f"{', '.join(INSTRUMENT_KINDS)}",
            **fields,
        )
    allowed = set(KIND_COLUMNS[kind])
    for column, value in row.items():
        if value and column not in allowed:
            raise InputDataError(
                f"{where}, column {column}: does not apply to kind {kind!r}; leave it empty "
                f"(columns for {kind}: {', '.join(KIND_COLUMNS[kind])})",
                **fields,
            )
    data: dict[str, Any] = {"kind": kind}
    cells = {c: v for c, v in row.items() if c in allowed and c != "kind"}
    for column in ("volume", "emission_rate"):
        quantity = _quantity(cells, column, where, fields)
        if quantity is not None:
            data[column] = quantity
    for column, value in cells.items():
        if not value:
            continue
        if column in _BOOLEAN_COLUMNS:
            word = value.casefold()
            if word not in _TRUE | _FALSE:
                raise InputDataError(
                    f"{where}, column {column}: {value!r} is not a yes/no value; valid "
                    "choices: true, false (also yes, no, 1, 0)",
                    **fields,
                )
            data[column] = word in _TRUE
        else:
            data["id" if column == "instrument_id" else column] = value
    try:
        return _INSTRUMENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str) and p != kind]
            field = loc[0] if loc else ""
            column = _FIELD_COLUMNS.get(field, (field,))[0] if field else "(row)"
            problems.append(f"{where}, column {column or '(row)'}: {err['msg']}")
        raise InputDataError("\n".join(dict.fromkeys(problems)), **fields) from None


def _check_designation(
    record: Any, where: str, fields: dict[str, Any], targets: tuple[Sequence[str], Sequence[str]]
) -> None:
    """``designated_to`` names a workload or a tenant of the site."""
    target = getattr(record, "designated_to", None)
    workloads, tenants = targets
    if target is None or target in workloads or target in tenants:
        return
    raise InputDataError(
        f"{where}, column designated_to: instrument {record.id!r} is designated to "
        f"{target!r}, which is neither a workload ({', '.join(workloads)}) nor a tenant of "
        f"the site's meters (known tenants: {', '.join(tenants) or 'none'})",
        **fields,
    )


def read_instruments_csv(
    path: str | Path,
    *,
    workloads: Sequence[str] | None = None,
    tenants: Sequence[str] = (),
) -> list[Any]:
    """Read an instruments CSV: one instrument a row (shape in ``docs/market-based.md``).

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with a header row. ``instrument_id`` and ``kind`` are required
        columns; other columns apply per kind and stay empty where they do not.

    Returns
    -------
    list of Instrument
        The records in file order.

    Raises
    ------
    InputDataError
        If the file is missing, a column is unknown, a cell is invalid, or two rows
        share an ``instrument_id``, or (with `workloads`) a ``designated_to`` is
        neither one of `workloads` nor one of `tenants`. The message names the file,
        line and column, and lists the valid choices where there is a fixed set.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputDataError(f"{path}: instruments file not found", path=path) from None
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", path=path
        ) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputDataError(f"{path}: empty file; expected a header row", path=path)
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InputDataError(
            f"{path}, line 1: unknown column(s) {', '.join(repr(u) for u in unknown)}; valid "
            f"columns: {', '.join(CSV_COLUMNS)}",
            path=path,
            line=1,
        )
    for required in ("instrument_id", "kind"):
        if required not in header:
            raise InputDataError(
                f"{path}, line 1: the column {required!r} is required", path=path, line=1
            )
    reader.fieldnames = header
    records: list[Any] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        where = f"{path}, line {line}"
        fields: dict[str, Any] = {"path": path, "line": line}
        if None in row:
            raise InputDataError(f"{where}: more cells than header columns", **fields)
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        record = _row_to_record(cells, where, fields)
        if workloads is not None:
            _check_designation(record, where, fields, (workloads, tenants))
        if record.id in first_line:
            raise InputDataError(
                f"{where}, column instrument_id: {record.id!r} is already used on line "
                f"{first_line[record.id]}; instrument ids must be unique",
                **fields,
            )
        first_line[record.id] = line
        records.append(record)
    return records
