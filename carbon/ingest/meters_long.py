"""Long-format meter readings: one row per (interval start, meter, energy).

``read_long_frame`` turns such a table into the dense cube ``energy(meter, time)``
[kWh] on a regular UTC interval-start grid, with NaN where a meter has no
reading. Nothing is dropped or filled silently: missing intervals stay NaN (the
quality stage counts them), identical duplicate rows are counted and kept once,
conflicting duplicates and unknown meter ids are errors naming the source and
the row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.errors import InputDataError, UnitError
from carbon.ingest.records import InputRecord
from carbon.units import parse_unit, ureg

REQUIRED_COLUMNS = ("interval_start", "meter_id")


@dataclass(frozen=True)
class MeterReadings:
    """Meter energy on a regular grid, plus what the reader saw."""

    energy: xr.DataArray  # (meter, time), pint [energy]; NaN = no reading
    interval: pd.Timedelta
    rows_read: dict[str, int]
    duplicates_identical: dict[str, int]
    record: InputRecord


def _utc_index(values: pd.Series, source: str) -> pd.DatetimeIndex:
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
    else:
        try:
            stamps = pd.DatetimeIndex(pd.to_datetime(values, utc=False, format="ISO8601"))
        except (ValueError, TypeError) as exc:
            raise InputDataError(f"{source}: interval_start is not ISO 8601 ({exc})") from None
    if stamps.tz is None:
        first = values.iloc[0] if len(values) else ""
        raise InputDataError(
            f"{source}: line 2: interval_start {first!s} has no UTC offset; "
            "expected ISO 8601 with an offset, e.g. 2025-07-01T00:00:00-05:00"
        )
    return stamps.tz_convert("UTC").as_unit("ns")


def _infer_interval(codes: np.ndarray, ns: np.ndarray, source: str) -> pd.Timedelta:
    order = np.lexsort((ns, codes))
    same_meter = codes[order][1:] == codes[order][:-1]
    steps = np.diff(ns[order])[same_meter]
    steps = steps[steps > 0]
    if steps.size == 0:
        raise InputDataError(
            f"{source}: cannot infer the interval length (fewer than two readings)"
        )
    values, counts = np.unique(steps, return_counts=True)
    return pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")


def read_long_frame(
    frame: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    meter_ids: list[str],
    value_column: str = "energy_kwh",
    unit: str = "kWh",
    interval: pd.Timedelta | None = None,
) -> MeterReadings:
    """Read long-format readings into ``energy(meter, time)``.

    Parameters
    ----------
    frame
        Columns ``interval_start`` (ISO 8601 with offset, or tz-aware datetimes),
        ``meter_id`` and `value_column`.
    source
        The file name or ``demo://`` name, used in every error message.
    sha256
        Content hash of the source, recorded in the manifest.
    meter_ids
        The meters the site declares; any other id in the data is an error.
    value_column, unit
        Column holding the energy per interval and its unit [energy, e.g. kWh].
    interval
        The interval length; inferred from the data (most common step) if omitted.
    """
    missing = [c for c in (*REQUIRED_COLUMNS, value_column) if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join((*REQUIRED_COLUMNS, value_column))}"
        )
    units = parse_unit(unit)
    if not ureg.Quantity(1, units).is_compatible_with("kWh"):
        raise UnitError(
            f"{source}: column {value_column!r} is in {unit!r}, which is not an energy unit; "
            "energy per interval is expected (e.g. kWh). Average power (kW) needs the interval."
        )
    if frame.empty:
        raise InputDataError(f"{source}: no readings (the table is empty)")

    stamps = _utc_index(frame["interval_start"], source)
    ids = frame["meter_id"].astype(str).to_numpy()
    lookup = pd.Index(meter_ids)
    codes = lookup.get_indexer(ids)
    unknown = codes < 0
    if unknown.any():
        row = int(np.argmax(unknown))
        names = sorted(set(ids[unknown]))
        raise InputDataError(
            f"{source}: line {row + 2}: unknown meter id {ids[row]!r} "
            f"(unknown ids: {', '.join(names)}; the site declares: {', '.join(meter_ids)})"
        )
    values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & frame[value_column].notna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {row + 2}: {value_column} "
            f"{frame[value_column].iloc[row]!r} is not a number"
        )

    ns = stamps.asi8
    step = interval if interval is not None else _infer_interval(codes, ns, source)
    step_ns = step.value
    t0 = int(ns.min())
    offset = (ns - t0) % step_ns
    if (offset != 0).any():
        row = int(np.argmax(offset != 0))
        raise InputDataError(
            f"{source}: line {row + 2}: interval_start {stamps[row].isoformat()} is off the "
            f"{step} grid that starts at {pd.Timestamp(t0, tz='UTC').isoformat()}"
        )
    positions = (ns - t0) // step_ns
    n_time = int(positions.max()) + 1
    flat = codes.astype(np.int64) * n_time + positions

    order = np.argsort(flat, kind="stable")
    flat_sorted, values_sorted = flat[order], values[order]
    repeat = np.zeros(flat_sorted.size, dtype=bool)
    repeat[1:] = flat_sorted[1:] == flat_sorted[:-1]
    same = np.zeros_like(repeat)
    same[1:] = values_sorted[1:] == values_sorted[:-1]
    conflicting = repeat & ~same
    if conflicting.any():
        row = int(order[np.argmax(conflicting)])
        raise InputDataError(
            f"{source}: line {row + 2}: meter {ids[row]!r} has two different readings for "
            f"interval {stamps[row].isoformat()}"
        )
    dup_codes = codes[order][repeat]
    duplicates = {
        m: int(n)
        for m, n in zip(meter_ids, np.bincount(dup_codes, minlength=len(meter_ids)), strict=True)
    }
    rows_read = {
        m: int(n)
        for m, n in zip(meter_ids, np.bincount(codes, minlength=len(meter_ids)), strict=True)
    }

    cube = np.full(len(meter_ids) * n_time, np.nan)
    cube[flat_sorted[~repeat]] = values_sorted[~repeat]
    time = pd.date_range(pd.Timestamp(t0, tz="UTC"), periods=n_time, freq=step)
    energy = xr.DataArray(
        cube.reshape(len(meter_ids), n_time),
        dims=("meter", "time"),
        coords={"meter": list(meter_ids), "time": time.tz_localize(None)},
        name="energy",
    ).pint.quantify(units, unit_registry=ureg)
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(frame),
        start=time[0].isoformat(),
        end=(time[-1] + step).isoformat(),
        kind="meter readings (long)",
    )
    return MeterReadings(
        energy=energy.pint.to("kWh"),
        interval=step,
        rows_read=rows_read,
        duplicates_identical=duplicates,
        record=record,
    )
