"""Long meter files: one row per (interval start, meter), as CSV or Parquet.

- :func:`read_meters_csv`: ``interval_start, meter_id, energy_kwh`` (or ``energy_wh``,
  ``energy_mwh``, or average power ``power_kw``/``power_w``/``power_mw``, converted to
  energy with the interval). A file stamped ``timestamp`` (instants) with a power column
  holds power samples, integrated between samples by the trapezoid rule
  (:mod:`carbon.ingest.power_samples`).
- :func:`read_meters_parquet`: the same columns in a Parquet file.

Both return a :class:`~carbon.core.lineage.MeterTable`: energy per interval, interval-start
UTC, the source line of every row (docs/importers/meters-csv.md). The rules on time
(:mod:`carbon.ingest.stamps`), units and rows (:mod:`carbon.ingest.meter_values`) are those
of the wide and register readers too. Errors (:class:`~carbon.core.errors.InputDataError`)
name the file, the line and what was expected: empty file, bytes that are not UTF-8 (line
and byte offset), missing columns, unparsable stamps or numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, UnitError
from carbon.core.lineage import MeterTable, file_sha256
from carbon.ingest.csv_text import first, read_csv_text, read_text
from carbon.ingest.meter_values import (
    check_meters,
    meter_frame,
    meter_record,
    parse_meter_ids,
    parse_numbers,
    pick_value_column,
    quality_flags,
    reading_flags,
    to_energy,
    unit_kind,
)
from carbon.ingest.power_samples import power_sample_table
from carbon.ingest.stamps import IntervalLike, as_interval, mode_steps, parse_stamps

__all__ = ["read_meters_csv", "read_meters_parquet"]


def _read_long(
    frame: pd.DataFrame,
    lines: np.ndarray,
    *,
    source: str,
    sha256: str,
    kind: str,
    meter_ids: Sequence[str] | None,
    value_column: str | None,
    unit: str | None,
    interval: IntervalLike,
    timezone: str | None,
    meter_id: str | None = None,
) -> MeterTable:
    stamp = "timestamp" if "interval_start" not in frame and "timestamp" in frame else None
    if (
        meter_id is not None
        and "meter_id" not in frame.columns
        and (stamp or "interval_start") in frame
    ):
        frame = frame.assign(meter_id=meter_id)  # a single series: every row is that meter's
    if stamp is not None and "meter_id" in frame.columns:  # instants: samples, not intervals
        column, units = pick_value_column(
            frame, value_column, unit, ("energy", "power"), source, lines
        )
        if unit_kind(units) != "power":
            raise UnitError(
                f"{source}: line 1: column {column!r} is in {units:~} at instants "
                "(timestamp); samples at instants must be power (e.g. power_kw). Energy per "
                "interval needs interval_start; a cumulative register, format register-csv",
                path=source,
                line=1,
                reason="unit",
            )
        return power_sample_table(
            frame,
            lines,
            column=column,
            units=units,
            source=source,
            sha256=sha256,
            meter_ids=meter_ids,
            timezone=timezone,
        )
    missing = [c for c in ("interval_start", "meter_id") if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; expected "
            "interval_start, meter_id and a value column such as energy_kwh",
            path=source,
            line=1,
            reason="missing-column",
        )
    column, units = pick_value_column(frame, value_column, unit, ("energy", "power"), source, lines)
    step = as_interval(interval)
    ids = parse_meter_ids(frame, lines, source)
    check_meters(ids, meter_ids, lines, source)
    starts = parse_stamps(
        frame["interval_start"],
        lines=lines,
        source=source,
        column="interval_start",
        timezone=timezone,
        groups=ids,
    )
    values = parse_numbers(
        frame[column],
        lines=lines,
        source=source,
        column=column,
        meters=frame["meter_id"].to_numpy(dtype=object) if "meter_id" in frame else None,
    )
    hours, used = None, step
    if unit_kind(units) == "power":
        if step is not None:
            hours = step / pd.Timedelta(hours=1)
        else:
            steps = mode_steps(starts, ids)
            lonely = ~pd.Index(ids).isin(list(steps))
            if lonely.any():
                i = first(np.asarray(lonely))
                raise UnitError(
                    f"{source}: line {lines[i]}: column {column!r} is average power "
                    f"[{units:~}] and meter {ids[i]!r} has a single reading, so its "
                    "interval cannot be inferred; pass interval= (e.g. '15min')",
                    path=source,
                    line=int(lines[i]),
                    meter=str(ids[i]),
                    reason="no-interval",
                )
            per_meter = pd.Series(steps)
            hours = (pd.Series(ids).map(per_meter) / pd.Timedelta(hours=1)).to_numpy(float)
            distinct = set(steps.values())
            used = distinct.pop() if len(distinct) == 1 else None
    values, energy_unit = to_energy(values, units, hours, source=source, column=column)
    values, flags = reading_flags(values, quality_flags(frame, lines, source))
    table = meter_frame(starts, ids, values, flags, lines)
    span = used or min(mode_steps(starts, ids).values(), default=None)
    record = meter_record(source, sha256, len(table), starts, span, kind)
    return MeterTable(frame=table, unit=energy_unit, interval=used, record=record, labels={})


def read_meters_csv(
    path: str | Path,
    *,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
    meter_id: str | None = None,
) -> MeterTable:
    """Read a long meter CSV: one row per (interval start, meter).

    Parameters
    ----------
    path : str or Path
        CSV with columns ``interval_start`` (ISO 8601 with offset), ``meter_id``
        and one value column: energy per interval named with its unit
        (``energy_kwh``, ``energy_wh``, ``energy_mwh``), average power
        (``power_kw``, ``power_w``, ``power_mw``), or ``value`` with `unit` or a
        ``unit`` column. An optional ``quality``/``status`` column maps
        ``good``/``ok``/``valid`` to MEASURED, ``estimated``/``e``/``substituted``
        to SOURCE_ESTIMATED, ``bad``/``invalid``/``missing`` to SOURCE_MISSING.
    meter_ids : list of str, optional
        The meters expected in the file; a row of any other meter, or an
        expected meter without rows, is an error. Default: accept every id.
    value_column : str, optional
        The value column, when the file has several or an unusual name.
    unit : str, optional
        Unit of the value column when its name carries none [energy or power].
    interval : str or Timedelta, optional
        Native interval length (e.g. ``"15min"``). Needed for power columns
        unless it can be inferred per meter from the stamps.
    timezone : str, optional
        IANA zone for stamps written without an offset (see the module notes).
    meter_id : str, optional
        The meter of every row of a file without a ``meter_id`` column (one series,
        e.g. a plant's generation ``interval_start, energy_kwh``); ignored when the
        file has the column.

    Returns
    -------
    MeterTable
        One row per data line; ``value`` in the file's energy unit, or [kWh] for
        a power column.

    Raises
    ------
    InputDataError
        Empty file, non-UTF-8 bytes, missing columns, a stamp without offset
        (and no `timezone`), a nonexistent local time, an unparsable number.
    UnitError
        No unit, a unit that is neither energy nor power, or a power column whose
        interval is neither given nor inferable.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    return _read_long(
        frame,
        lines,
        source=source,
        sha256=file_sha256(path),
        kind="meter readings (long CSV)",
        meter_ids=meter_ids,
        value_column=value_column,
        unit=unit,
        interval=interval,
        timezone=timezone,
        meter_id=meter_id,
    )


def read_meters_parquet(
    path: str | Path,
    *,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
    meter_id: str | None = None,
) -> MeterTable:
    """Read a long meter table from Parquet (same columns and rules as :func:`read_meters_csv`).

    ``interval_start`` may be a timezone-aware timestamp column or ISO 8601 text;
    a naive timestamp column needs `timezone`. ``line`` is the 1-based row number.
    """
    source = str(path)
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise InputDataError(
            f"{source}: the file is empty; expected a Parquet table", path=source, reason="empty"
        )
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except (OSError, ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputDataError(
            f"{source}: not a readable Parquet file ({exc}); expected a Parquet table",
            path=source,
            reason="unreadable",
        ) from None
    if frame.empty:
        raise InputDataError(
            f"{source}: the Parquet table holds no rows", path=source, reason="empty"
        )
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    return _read_long(
        frame,
        lines,
        source=source,
        sha256=file_sha256(path),
        kind="meter readings (Parquet)",
        meter_ids=meter_ids,
        value_column=value_column,
        unit=unit,
        interval=interval,
        timezone=timezone,
        meter_id=meter_id,
    )
