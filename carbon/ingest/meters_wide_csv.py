"""Wide meter CSVs: one timestamp column and one column per meter, the unit in its header.

:func:`read_wide_csv` reads ``interval_start,HALL-A [kWh],HALL-B (kW)`` into a long
:class:`~carbon.core.lineage.MeterTable` (docs/importers/meters-csv.md); time, units and
rows follow the rules of the long reader (:mod:`carbon.ingest.meters_long_csv`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import AmbiguousUnitError, InputDataError, UnitError
from carbon.core.lineage import MeterTable, file_sha256
from carbon.core.units import parse_unit, ureg
from carbon.ingest.csv_text import read_csv_text, read_text
from carbon.ingest.meter_values import (
    meter_frame,
    meter_record,
    parse_numbers,
    reading_flags,
    to_energy,
    unit_from_token,
    unit_kind,
)
from carbon.ingest.stamps import IntervalLike, as_interval, mode_steps, parse_stamps

__all__ = ["read_wide_csv"]

_BRACKETED = re.compile(r"^(?P<name>.*?)\s*(?:\[(?P<a>[^\]]+)\]|\((?P<b>[^)]+)\))\s*$")
_TRAILING = re.compile(r"^(?P<name>.+?)[\s_]+(?P<unit>[A-Za-z]+)$")


def _header_unit(column: str, unit: str | None, source: str) -> tuple[str, pint.Unit]:
    """``HALL-A [kWh]`` / ``HALL-A (kW)`` / ``PDU-A1 kW`` → (meter name, unit)."""
    match = _BRACKETED.match(column)
    if match and match["name"]:
        token = match["a"] or match["b"]
        try:
            return match["name"], unit_from_token(token)
        except UnitError as exc:
            raise UnitError(
                f"{source}: line 1: column {column!r}: {exc}", path=source, line=1, reason="unit"
            ) from None
    match = _TRAILING.match(column)
    if match:
        try:
            parsed = unit_from_token(match["unit"])
        except AmbiguousUnitError as exc:
            raise UnitError(
                f"{source}: line 1: column {column!r}: {exc}", path=source, line=1, reason="unit"
            ) from None
        except UnitError:
            parsed = None
        if parsed is not None and unit_kind(parsed) != "other":
            return match["name"], parsed
    if unit is not None:
        return column, parse_unit(unit)
    raise UnitError(
        f"{source}: line 1: column {column!r} has no unit in its header; expected "
        "'NAME [kWh]', 'NAME (kW)' or 'NAME kWh', or pass unit=",
        path=source,
        line=1,
        reason="unit",
    )


def read_wide_csv(
    path: str | Path,
    *,
    timestamp_column: str = "interval_start",
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read a wide CSV: one timestamp column and one column per meter, unit in the header.

    Parameters
    ----------
    path : str or Path
        E.g. ``interval_start,HALL-A [kWh],HALL-B (kW)``. Headers ``NAME [unit]``,
        ``NAME (unit)`` or ``NAME unit``; the meter id is ``NAME``.
    timestamp_column : str
        The stamp column (ISO 8601 with offset, or local with `timezone`).
    meter_ids : list of str, optional
        Read only these meters' columns (by ``NAME``); default every column.
    value_column : str, optional
        Read only this one meter column (by ``NAME`` or full header).
    unit : str, optional
        Unit for headers that carry none.
    interval : str or Timedelta, optional
        Native interval; power columns use it, else the most common step.
    timezone : str, optional
        IANA zone for stamps without offset (repeated local times by row order).

    Returns
    -------
    MeterTable
        Long form, (data rows × meters) rows, ordered by line then column; every
        row of a line carries that line. ``value`` in the columns' common energy
        unit, or [kWh] when the units differ or any column is power.

    Raises
    ------
    InputDataError
        As :func:`~carbon.ingest.meters_long_csv.read_meters_csv`; also two columns for one
        meter name.
    UnitError
        A header without unit (and no `unit`), a non-energy/power unit, or
        power without a known interval.
    """
    # Long by design: the header is read into meters and units, then every column is parsed and made
    # energy; each refusal names the file and line.
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    if timestamp_column not in frame.columns:
        raise InputDataError(
            f"{source}: line 1: no timestamp column {timestamp_column!r}; the columns are "
            f"{', '.join(repr(c) for c in frame.columns)} (pass timestamp_column=)",
            path=source,
            line=1,
            reason="missing-column",
        )
    meters: dict[str, tuple[str, pint.Unit]] = {}
    for column in frame.columns:  # loop over columns
        if column == timestamp_column:
            continue
        name, parsed = _header_unit(column, unit, source)
        name = name.strip()
        if name in meters:
            raise InputDataError(
                f"{source}: line 1: columns {meters[name][0]!r} and {column!r} are both "
                f"meter {name!r}; expected one column per meter",
                path=source,
                line=1,
                meter=name,
                reason="duplicate-column",
            )
        meters[name] = (column, parsed)
    wanted = list(meter_ids) if meter_ids is not None else None
    if value_column is not None:
        by_header = {c: n for n, (c, _u) in meters.items()}
        wanted = [by_header.get(value_column, value_column)]
    if wanted is not None:
        absent = [m for m in wanted if m not in meters]
        if absent:
            raise InputDataError(
                f"{source}: line 1: no column for meter(s) {', '.join(absent)}; the meter "
                f"columns are {', '.join(meters)}",
                path=source,
                line=1,
                reason="missing-column",
            )
        meters = {m: meters[m] for m in wanted}
    if not meters:
        raise InputDataError(
            f"{source}: line 1: no meter columns besides {timestamp_column!r}",
            path=source,
            line=1,
            reason="missing-column",
        )
    starts = parse_stamps(
        frame[timestamp_column],
        lines=lines,
        source=source,
        column=timestamp_column,
        timezone=timezone,
    )
    step = as_interval(interval)
    if step is None and any(unit_kind(u) == "power" for _c, u in meters.values()):
        steps = mode_steps(starts, np.zeros(len(starts), dtype=object))
        step = next(iter(steps.values()), None)
    hours = None if step is None else step / pd.Timedelta(hours=1)
    # One energy unit shared by every column is kept; anything else becomes kWh.
    same_energy = len({u for _c, u in meters.values()}) == 1 and all(
        unit_kind(u) == "energy" for _c, u in meters.values()
    )
    columns, unit_out = [], parse_unit("kWh")
    for column, parsed in meters.values():  # loop over meter columns
        raw = parse_numbers(
            frame[column],
            lines=lines,
            source=source,
            column=column,
            meters=np.full(len(frame), column, dtype=object),
        )
        energy, energy_unit = to_energy(raw, parsed, hours, source=source, column=column)
        if same_energy:
            unit_out = energy_unit
        else:
            energy = energy * float(ureg.Quantity(1.0, energy_unit).to("kWh").magnitude)
        columns.append(energy)
    matrix = np.column_stack(columns)  # rows × meters
    n, m = matrix.shape
    values = matrix.ravel()
    values, flags = reading_flags(values, None)
    table = meter_frame(
        starts.repeat(m),
        np.tile(np.array(list(meters), dtype=object), n),
        values,
        flags,
        np.repeat(lines, m),
    )
    used = step
    record = meter_record(source, file_sha256(path), n, starts, step, "meter readings (wide CSV)")
    return MeterTable(frame=table, unit=unit_out, interval=used, record=record, labels={})
