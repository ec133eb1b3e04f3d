"""Long-format meter readings: one row per (interval start, meter, energy).

``read_long_frame`` checks such a table (columns, offsets, numbers, the energy
unit) and returns it as a :class:`MeterTable` in interval-start UTC with the
source line of every row. It drops nothing: duplicates, negatives and unknown
meter ids are dealt with, and named, when the tables are aligned
(:mod:`carbon.quality.align`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable
from carbon.core.units import parse_unit, ureg
from carbon.ingest.finite import refuse_non_finite

REQUIRED_COLUMNS = ("interval_start", "meter_id")


def _utc_index(values: pd.Series, source: str) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
    else:
        try:
            stamps = pd.DatetimeIndex(pd.to_datetime(values, utc=False, format="ISO8601"))
        except (ValueError, TypeError) as exc:
            raise InputDataError(
                f"{source}: interval_start is not ISO 8601 ({exc})", path=source, reason="timestamp"
            ) from None
    if stamps.tz is None:
        first = values.iloc[0] if len(values) else ""
        raise InputDataError(
            f"{source}: line 2: interval_start {first!s} has no UTC offset; "
            "expected ISO 8601 with an offset, e.g. 2025-07-01T00:00:00-05:00",
            path=source,
            line=2,
            timestamp=str(first),
            reason="timestamp",
        )
    return stamps.tz_convert("UTC").as_unit("ns")


def _categorical_ids(ids: pd.Series) -> pd.Categorical:
    """Meter ids as a categorical of strings: one string per distinct id, not per reading.

    A dictionary-encoded column (Parquet read through pyarrow) keeps its codes; the cube
    builder then maps ids to cube rows once per category (:func:`carbon.quality.cube.meter_codes`).
    """
    if isinstance(ids.dtype, pd.CategoricalDtype):
        names = ids.cat.categories.astype(str)
        if names.is_unique:
            return pd.Categorical.from_codes(ids.cat.codes.to_numpy(), categories=names)
    return pd.Categorical(ids.astype(str).to_numpy())


def read_long_frame(
    frame: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    value_column: str = "energy_kwh",
    unit: str = "kWh",
    interval: pd.Timedelta | None = None,
) -> MeterTable:
    """Read long-format readings (one row per interval start, meter and energy).

    Parameters
    ----------
    frame
        Columns ``interval_start`` (ISO 8601 with offset, or tz-aware datetimes),
        ``meter_id`` and `value_column`.
    source
        The file name or ``demo://`` name, used in every error message.
    sha256
        Content hash of the source, recorded in the manifest.
    value_column, unit
        Column holding the energy per interval and its unit [energy, e.g. kWh].
    interval
        The native interval length, if known (otherwise inferred when aligning).
    """
    missing = [c for c in (*REQUIRED_COLUMNS, value_column) if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join((*REQUIRED_COLUMNS, value_column))}",
            path=source,
            reason="missing-column",
        )
    units = parse_unit(unit)
    if not ureg.Quantity(1, units).is_compatible_with("kWh"):
        raise UnitError(
            f"{source}: column {value_column!r} is in {unit!r}, which is not an energy unit; "
            "energy per interval is expected (e.g. kWh). Average power (kW) needs the interval.",
            path=source,
            reason="unit",
        )
    if frame.empty:
        raise InputDataError(
            f"{source}: no readings (the table is empty)", path=source, reason="empty"
        )
    stamps = _utc_index(frame["interval_start"], source)
    values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & frame[value_column].notna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {row + 2}: {value_column} "
            f"{frame[value_column].iloc[row]!r} is not a number",
            path=source,
            line=row + 2,
            reason="bad-number",
        )
    refuse_non_finite(
        values,
        source=source,
        column=value_column,
        lines=np.arange(2, len(frame) + 2),
        raw=frame[value_column],
        meters=frame["meter_id"].to_numpy(dtype=object),
    )
    flags = np.where(np.isnan(values), np.int8(Flag.SOURCE_MISSING), np.int8(Flag.MEASURED))
    table = pd.DataFrame(
        {
            "interval_start": stamps,
            "meter_id": _categorical_ids(frame["meter_id"]),
            "value": values,
            "flag": flags.astype(np.int8),
            "line": np.arange(2, len(frame) + 2, dtype=np.int64),
        },
        copy=False,  # the columns are new arrays already: no second copy of every reading
    )
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(frame),
        start=stamps.min().isoformat(),
        end=(stamps.max() + (interval or pd.Timedelta(0))).isoformat(),
        kind="meter readings (long)",
    )
    return MeterTable(frame=table, unit=units, interval=interval, record=record, labels={})
