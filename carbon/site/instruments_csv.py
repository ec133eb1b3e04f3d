"""The instruments CSV: one contractual instrument a row (shape in ``docs/market-based.md``).

:func:`read_instruments_csv` turns each row into a record of
:mod:`carbon.site.instruments`; a quantity takes a value and a unit column, and every
error names the file, line and column, with the valid choices where there is a fixed set.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pint
from pydantic import BaseModel, TypeAdapter, ValidationError

from carbon.core.errors import CarbonError, InputDataError, UnitError
from carbon.core.units import parse_unit, ureg
from carbon.ingest.registry import meter_format_for
from carbon.site.instruments import CONTRACTUAL, INSTRUMENT_CLASSES, INSTRUMENT_KINDS, Instrument
from carbon.site.paths import resolve_input
from carbon.site.profile_files import PROFILE_FORMATS, ProfileClaim, check_issuances, read_profile

__all__ = ["CSV_COLUMNS", "KIND_COLUMNS", "PROFILE_COLUMNS", "read_instruments_csv"]

_INSTRUMENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Instrument)
#: Model field → CSV column(s). Quantities take a value and a unit column.
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("instrument_id",),
    "volume": ("volume", "volume_unit"),
    "emission_rate": ("emission_rate", "emission_rate_unit"),
}
_NOT_IN_CSV = frozenset({"profile", "profile_source", "hourly_rate"})
#: The profile of a certificate, PPA or green tariff: a file relative to the CSV, its
#: format (default: from the extension) and the series to read where the file holds several.
PROFILE_COLUMNS: tuple[str, ...] = ("profile", "profile_format", "profile_meter")
_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)


def _columns_of(cls: type[BaseModel]) -> tuple[str, ...]:
    columns: list[str] = []
    for name in cls.model_fields:
        if name not in _NOT_IN_CSV:
            columns.extend(_FIELD_COLUMNS.get(name, (name,)))
    if cls in CONTRACTUAL:
        columns.extend(PROFILE_COLUMNS)
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


class _Profiles:
    """Reads the profile files an instruments CSV names (paths relative to the CSV, inside
    `root` unless `allow_outside`; `timezone` for formats with local stamps)."""

    def __init__(
        self,
        csv_path: Path,
        root: Path | None = None,
        allow_outside: bool = False,
        timezone: str = "UTC",
    ) -> None:
        self.base = csv_path.parent
        self.root = self.base if root is None else Path(root)
        self.allow_outside = allow_outside
        self.timezone = timezone

    def attach(
        self, data: dict[str, Any], cells: dict[str, str], where: str, fields: dict[str, Any]
    ) -> None:
        """Read the row's profile into `data` (``profile``, ``profile_source``)."""
        ident = data.get("id", "")
        if not cells["profile"]:
            raise InputDataError(
                f"{where}, column profile: empty, but profile_format or profile_meter is set; "
                "name the profile file (relative to the instruments CSV)",
                **fields,
            )
        fmt = cells["profile_format"] or meter_format_for(cells["profile"])
        if fmt not in PROFILE_FORMATS:
            raise InputDataError(
                f"{where}, column profile_format: {fmt!r} is not a profile format; valid "
                f"choices: {', '.join(PROFILE_FORMATS)}"
                if fmt
                else f"{where}, column profile_format: cannot tell the format of "
                f"{cells['profile']!r} from its extension; valid choices: "
                f"{', '.join(PROFILE_FORMATS)}",
                **fields,
            )
        try:
            start = _DATETIME.validate_python(data.get("consumption_start"))
            end = _DATETIME.validate_python(data.get("consumption_end"))
        except ValidationError:
            return  # the record's validation names the bad consumption period
        if start.utcoffset() is None or end.utcoffset() is None or end <= start:
            return
        claim = ProfileClaim(
            str(ident),
            start,
            end,
            beneficiary=data.get("beneficiary", ""),
            site_id=data.get("site_id", ""),
            generator_id=data.get("generator_id", ""),
        )
        try:
            path = resolve_input(
                self.base,
                cells["profile"],
                what=f"{where}, column profile (instrument {ident!r})",
                root=self.root,
                allow_outside=self.allow_outside,
            )
            try:
                shown = path.relative_to(self.root.resolve()).as_posix()
            except ValueError:
                shown = str(path)
            profile, source = read_profile(
                path,
                claim,
                fmt=fmt,
                meter=cells["profile_meter"] or None,
                timezone=self.timezone,
                shown=shown,
            )
        except CarbonError as exc:
            raise type(exc)(
                f"{where}, column profile (instrument {ident!r}): {exc}"
                if not str(exc).startswith(where)
                else str(exc),
                path=exc.path,
                line=exc.line,
                timestamp=exc.timestamp,
                meter=exc.meter,
                key=exc.key,
                reason=exc.reason,
            ) from None
        total = float(np.sum(profile.pint.magnitude))
        volume = data.get("volume")
        if volume is not None and volume.is_compatible_with("kWh"):
            stated = float(volume.to("kWh").magnitude)
            if not np.isclose(total, stated, rtol=1e-6, atol=1e-9):
                raise InputDataError(
                    f"{where}, column volume: instrument {ident!r} states {stated / 1000:.6g} MWh "
                    f"but its profile {source.record.path} holds {total / 1000:.6g} MWh inside "
                    "the consumption period; make them agree (to 1 part in a million) or leave "
                    "volume empty so that the profile defines it",
                    **fields,
                )
        data["profile"], data["profile_source"] = profile, source


def _row_to_record(
    row: dict[str, str], where: str, fields: dict[str, Any], profiles: _Profiles | None = None
) -> Any:
    """One row as its record; `where` names the row in messages, `fields` (its path and
    line) go on every error; `profiles` reads a ``profile`` file."""
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
    profile_cells = {c: cells.pop(c, "") for c in PROFILE_COLUMNS}
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
    if any(profile_cells.values()):
        (profiles or _Profiles(Path(fields["path"]))).attach(data, profile_cells, where, fields)
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
    root: str | Path | None = None,
    allow_outside: bool = False,
    timezone: str = "UTC",
    workloads: Sequence[str] | None = None,
    tenants: Sequence[str] = (),
) -> list[Any]:
    """Read an instruments CSV: one instrument a row (shape in ``docs/market-based.md``).

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with a header row. ``instrument_id`` and ``kind`` are required
        columns; other columns apply per kind and stay empty where they do not.
    root : str or Path, optional
        The folder profile files must lie in (a site file's folder); default the CSV's.
    allow_outside : bool
        Accept profile files outside `root` (a site file's ``allow_paths_outside``).
    timezone : str
        IANA zone for profile formats with local stamps (a utility interval export).

    Returns
    -------
    list of Instrument
        The records in file order.

    Raises
    ------
    InputDataError
        If the file is missing, a column is unknown, a cell is invalid, two rows
        share an ``instrument_id``, a profile file is invalid or disagrees with the
        stated volume, two instruments claim one granular certificate, or (with
        `workloads`) a ``designated_to`` is neither one of `workloads` nor one of
        `tenants`. The message names the file, line and column, and lists the valid
        choices where there is a fixed set.
    """
    path = Path(path)
    profiles = _Profiles(path, None if root is None else Path(root), allow_outside, timezone)
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
        record = _row_to_record(cells, where, fields, profiles)
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
    check_issuances(
        [
            (r.id, first_line[r.id], r.profile_source)
            for r in records
            if getattr(r, "profile_source", None) is not None and r.profile_source.granular
        ]
    )
    return records
