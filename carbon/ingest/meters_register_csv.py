"""Cumulative energy registers, differenced per meter into energy per interval.

:func:`read_register_csv` reads one reading per (instant, meter) and detects rollovers and
resets (docs/importers/meters-csv.md); time, units and rows follow the rules of the long
reader (:mod:`carbon.ingest.meters_long_csv`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.ingest.csv_text import first, read_csv_text, read_text
from carbon.ingest.meter_values import (
    by_meter_and_instant,
    check_meters,
    meter_frame,
    parse_meter_ids,
    parse_numbers,
    pick_value_column,
    unit_kind,
)
from carbon.ingest.stamps import IntervalLike, as_interval, parse_stamps

__all__ = ["RESET_TOLERANCE", "read_register_csv"]

#: A step of a register is "small" when it is at most this many times the meter's
#: median positive step: the bound for a rollover's wrapped step and a reset's new reading.
RESET_TOLERANCE = 10.0


def _modulus(rollover: float | Mapping[str, float] | None, readings: pd.Series) -> pd.Series:
    """Per reading (indexed by meter), the register's modulus: `rollover` (one for the file,
    or per meter id), else the next power of ten above the meter's largest reading."""
    if rollover is not None and not isinstance(rollover, Mapping):
        return pd.Series(float(rollover), index=readings.index)
    top = readings.groupby(level=0).transform("max").clip(lower=1.0)
    default = 10.0 ** np.ceil(np.log10(top + 1.0))
    if rollover is None:
        return default
    given = pd.Series(dict(rollover), dtype=float).reindex(readings.index.astype(str))
    return pd.Series(np.where(given.isna(), default.to_numpy(), given), index=readings.index)


def read_register_csv(
    path: str | Path,
    *,
    rollover: float | Mapping[str, float] | None = None,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read cumulative energy registers and difference them into energy per interval.

    Parameters
    ----------
    path : str or Path
        Long CSV: ``timestamp`` (or ``interval_start``; the instant of the
        reading, ISO 8601 with offset), ``meter_id`` and the register, named with
        its unit (``register_kwh``, ``energy_kwh``, ``register_wh`` ...) or
        ``value`` with `unit` or a ``unit`` column.
    rollover : float, optional
        The modulus at which the register wraps to zero (``100000`` for five
        digits, ``2**32``), for every meter of the file or per meter id (a
        mapping; meters it does not name take the default). Default: per meter,
        the next power of ten above its largest reading (a register that reached
        99 990 wraps at 100 000). A reading at or above a given modulus is an error.
    meter_ids, value_column, unit, interval, timezone
        As in :func:`~carbon.ingest.meters_long_csv.read_meters_csv`; `unit` must be an energy unit.

    Returns
    -------
    MeterTable
        Per meter, readings are sorted by time and each consecutive pair
        (t₀, R₀), (t₁, R₁) gives one interval starting at t₀ with value
        R₁ − R₀, carrying the line of the reading R₁ that closes it. A meter's
        first reading only opens its series, so the frame has (readings − meters)
        rows. Each row also carries its ``interval_end`` (t₁) and NaN ``power_start`` /
        ``power_end`` (:data:`~carbon.core.lineage.SPAN_COLUMNS`): readings taken off the
        meter grid (jittered, drifting, a missed reading) are apportioned to the grid's
        intervals by time overlap when the site is read (the register taken as linear
        between readings; the gap rule of docs/methodology.md). Where R₁ < R₀ (with
        modulus M, median positive step s, k = 10):

        - rollover, if R₁ + M − R₀ ≤ k·s: value R₁ + M − R₀, flag COUNTER_RESET;
        - reset, else if R₁ ≤ k·s (back to about zero): value R₁, the energy
          since the reset (a lower bound: what was counted between R₀ and the
          reset is lost), flag COUNTER_RESET;
        - otherwise (an unexplained drop): value NaN, flag COUNTER_RESET.

        No negative value is ever produced. An interval next to an empty
        reading is NaN, flagged SOURCE_MISSING.

    Raises
    ------
    InputDataError
        As :func:`~carbon.ingest.meters_long_csv.read_meters_csv`; also a meter read twice at
        one instant.
    UnitError
        The register is not in an energy unit.
    """
    # Long by design: the checks of the file in order, then one vectorised pass that tells
    # rollovers, resets and drops apart; the rules read best side by side.
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    stamp_column = next((c for c in ("timestamp", "interval_start") if c in frame.columns), None)
    if stamp_column is None or "meter_id" not in frame.columns:
        raise InputDataError(
            f"{source}: line 1: expected the columns timestamp (or interval_start), meter_id "
            "and a register column such as register_kwh; the columns are "
            f"{', '.join(repr(c) for c in frame.columns)}",
            path=source,
            line=1,
            reason="missing-column",
        )
    column, units = pick_value_column(
        frame, value_column, unit, ("register", "energy"), source, lines
    )
    if unit_kind(units) != "energy":
        raise UnitError(
            f"{source}: line 1: register column {column!r} is in {units:~}; a cumulative "
            "register counts energy (e.g. kWh). Power registers need integrating instead.",
            path=source,
            line=1,
            reason="unit",
        )
    moduli = rollover.values() if isinstance(rollover, Mapping) else [rollover]
    for value in moduli:  # loop over configuration
        if value is not None and not (np.isfinite(value) and value > 0):
            raise ConfigError(
                f"rollover {value!r} must be a positive number (e.g. 100000, 2**32)",
                reason="rollover",
            )
    ids = parse_meter_ids(frame, lines, source)
    check_meters(ids, meter_ids, lines, source)
    stamps = parse_stamps(
        frame[stamp_column],
        lines=lines,
        source=source,
        column=stamp_column,
        timezone=timezone,
        groups=ids,
    )
    readings = parse_numbers(
        frame[column],
        lines=lines,
        source=source,
        column=column,
        meters=frame["meter_id"].to_numpy(dtype=object) if "meter_id" in frame else None,
    )
    negative = readings < 0
    if negative.any():
        i = first(negative)
        raise InputDataError(
            f"{source}: line {lines[i]}: register {readings[i]} is negative; a cumulative "
            "register counts up from zero",
            path=source,
            line=int(lines[i]),
            meter=str(ids[i]),
            reason="negative",
        )
    data = pd.DataFrame({"m": ids, "t": stamps, "r": readings, "line": lines})
    data = by_meter_and_instant(data, source, "one register reading")
    same_meter = data["m"].eq(data["m"].shift()).to_numpy()
    previous = data["r"].shift().to_numpy()
    current = data["r"].to_numpy()
    step = current - previous
    by_meter = pd.Series(step, index=data["m"]).where(same_meter)
    typical = by_meter.where(by_meter > 0).groupby(level=0).transform("median")
    bound = (RESET_TOLERANCE * typical.fillna(0.0)).to_numpy()
    modulus = _modulus(rollover, pd.Series(current, index=data["m"])).to_numpy()
    beyond = current >= modulus
    if rollover is not None and beyond.any():
        i = first(beyond)
        raise InputDataError(
            f"{source}: line {data['line'].iloc[i]}: register {current[i]:g} of meter "
            f"{data['m'].iloc[i]!r} is not below its rollover {modulus[i]:g}; expected readings "
            "from 0 up to the modulus (check 'rollover')",
            path=source,
            line=int(data["line"].iloc[i]),
            meter=str(data["m"].iloc[i]),
            reason="rollover",
        )
    wrapped = current + modulus - previous
    drop = step < 0
    is_rollover = drop & (wrapped >= 0) & (wrapped <= bound)
    is_reset = drop & ~is_rollover & (current <= bound)
    values = np.where(is_rollover, wrapped, np.where(is_reset, current, step))
    values = np.where(drop & ~is_rollover & ~is_reset, np.nan, values)
    flags = np.full(len(data), int(Flag.MEASURED), dtype=np.int8)
    flags[np.isnan(step)] = int(Flag.SOURCE_MISSING)
    flags[drop] = int(Flag.COUNTER_RESET)
    keep = same_meter
    starts = pd.DatetimeIndex(data["t"].shift()[keep]).as_unit("ns")
    if not keep.any():
        raise InputDataError(
            f"{source}: every meter has a single register reading; at least two readings "
            "per meter are needed to form an interval",
            path=source,
            reason="single-reading",
        )
    table = meter_frame(
        starts,
        data["m"].to_numpy()[keep],
        values[keep],
        flags[keep],
        data["line"].to_numpy()[keep],
    ).assign(  # spans between readings: put on the meter grid by the quality stage
        interval_end=pd.DatetimeIndex(data["t"][keep]).as_unit("ns"),
        power_start=np.nan,
        power_end=np.nan,
    )
    step_used = as_interval(interval)
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(frame),
        start=stamps.min().isoformat(),
        end=stamps.max().isoformat(),
        kind="meter registers (cumulative, differenced)",
    )
    labels = {
        str(m): {"register_rollover": f"{modulus[(data['m'] == m).to_numpy()][0]:g}"}
        for m in pd.unique(data["m"])  # loop over meters
    }
    return MeterTable(frame=table, unit=units, interval=step_used, record=record, labels=labels)
