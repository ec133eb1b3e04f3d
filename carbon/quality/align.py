"""Align meter tables onto one regular grid: the cube ``energy(meter, time)`` and its flags.

Rules (docs/data-formats.md §7, docs/how-it-works.md "Time rules"):

- Every reading is energy per interval in interval-start UTC (the importers see to that).
- Meters may have different native intervals (1-minute PDUs, 15-minute sub-meters, hourly
  utility data). They are summed up to one common interval: the longest native interval,
  which every other native interval must divide. Energy is summed, never interpolated.
- A common interval with fewer readings than it should hold is a gap (NaN, flagged), never a
  partial sum passed off as complete; the count of missing readings is reported.
- Duplicate readings of one meter and interval: identical ones are counted and used once;
  conflicting ones (different values, or a missing reading beside a value) make the interval
  a gap flagged ``DUPLICATE_CONFLICTING`` (the values are listed by the quality stage, never
  silently chosen).
- Source flags are carried to the common interval (the most severe member flag wins).

Everything is vectorised over readings; the loop runs over tables (files). The builder used
by carbon is :func:`carbon.quality.cube.build_cube_fast` (integer keys, no per-reading sort).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import MeterTable
from carbon.core.units import ureg
from carbon.quality.cube import build_cube_fast
from carbon.quality.cube_model import (
    BY_SEVERITY,
    HOUR,
    SEVERITY,
    ConflictingDuplicate,
    MeterCube,
    is_conflicting,
    readings_array,
)


def _native_intervals(
    frame: pd.DataFrame, declared: dict[str, pd.Timedelta | None], meters: list[str]
) -> dict[str, pd.Timedelta]:
    ns = frame["interval_start"].to_numpy(dtype="datetime64[ns]").view("int64")
    codes = frame["code"].to_numpy()
    order = np.lexsort((ns, codes))
    same = codes[order][1:] == codes[order][:-1]
    steps = np.diff(ns[order])
    result: dict[str, pd.Timedelta] = {}
    for code, meter in enumerate(meters):  # loop over meters, not readings
        if declared.get(meter) is not None:
            result[meter] = declared[meter]
            continue
        mine = steps[same & (codes[order][1:] == code)]
        mine = mine[mine > 0]
        if mine.size == 0:
            continue
        values, counts = np.unique(mine, return_counts=True)
        result[meter] = pd.Timedelta(int(values[np.argmax(counts)]), unit="ns")
    return result


def build_cube(
    tables: list[MeterTable],
    meter_ids: list[str],
    *,
    interval: pd.Timedelta | None = None,
) -> MeterCube:
    """Combine `tables` into ``energy(meter, time)`` [kWh] and ``flags(meter, time)``.

    Carbon's path: the integer-key builder :func:`carbon.quality.cube.build_cube_fast`, which gives
    the same cube, counts and errors as :func:`build_cube_reference` without sorting,
    grouping or naming every reading (a property test compares the two on random inputs).
    """
    return build_cube_fast(tables, meter_ids, interval=interval)


def build_cube_reference(
    tables: list[MeterTable],
    meter_ids: list[str],
    *,
    interval: pd.Timedelta | None = None,
) -> MeterCube:
    """Combine `tables` into ``energy(meter, time)`` [kWh] and ``flags(meter, time)``.

    The reference implementation: readable pandas that sorts and groups every reading. Kept
    to check :func:`build_cube` against (``tests/properties/test_cube_properties.py``).

    Parameters
    ----------
    tables
        What the importers returned; rows of meters not in `meter_ids` are an error.
    meter_ids
        The site's meters, in the order of the cube.
    interval
        The common interval; by default the longest native interval.
    """
    # Long by design: the reference is one readable pass (duplicates, grid, sums) kept whole so that
    # the fast builders can be checked against it.
    if not tables:
        raise InputDataError("no meter data was read (no input tables)", reason="no-input")
    parts, declared = [], {}
    for table in tables:  # loop over files
        frame = table.frame
        to_kwh = float(ureg.Quantity(1.0, table.unit).to("kWh").magnitude)
        unknown = ~frame["meter_id"].isin(meter_ids)
        if unknown.any():
            row = frame.loc[unknown].iloc[0]
            raise InputDataError(
                f"{table.record.path}: line {int(row['line'])}: "
                f"meter id {row['meter_id']!r} is not "
                f"declared in the site file (declared: {', '.join(meter_ids)})",
                path=table.record.path,
                line=int(row["line"]),
                meter=str(row["meter_id"]),
                reason="undeclared-meter",
            )
        part = pd.DataFrame(
            {
                "interval_start": frame["interval_start"],
                "code": pd.Index(meter_ids).get_indexer(frame["meter_id"]),
                "kwh": frame["value"].to_numpy(dtype="float64") * to_kwh,
                "flag": frame["flag"].to_numpy(dtype=np.int8),
                "source": table.record.path,
                "line": frame["line"].to_numpy(dtype=np.int64),
            }
        )
        parts.append(part)
        if table.interval is not None:
            for meter in frame["meter_id"].unique():
                declared[str(meter)] = table.interval
    rows = pd.concat(parts, ignore_index=True)
    if rows.empty:
        raise InputDataError("the meter inputs hold no readings", reason="empty")
    stamps = pd.DatetimeIndex(rows["interval_start"])
    if stamps.tz is None:
        raise InputDataError(
            "meter readings must carry UTC timestamps (importer contract)", reason="timestamp"
        )
    rows["interval_start"] = stamps.tz_convert("UTC").as_unit("ns")

    native = _native_intervals(rows, declared, meter_ids)
    step = interval if interval is not None else max(native.values(), default=HOUR)
    for meter, own in native.items():
        if step % own != pd.Timedelta(0):
            raise InputDataError(
                f"meter {meter!r} has {own} readings, which do not divide "
                f"the common interval {step}",
                meter=meter,
                reason="interval",
            )
    if HOUR % step != pd.Timedelta(0) and step % HOUR != pd.Timedelta(0):
        raise InputDataError(
            f"the common interval {step} neither divides nor is a multiple of 1 h",
            reason="interval",
        )

    # 1. duplicates at native resolution
    rows = rows.sort_values(["code", "interval_start", "line"], kind="stable").reset_index(
        drop=True
    )
    key_same = rows["code"].eq(rows["code"].shift()) & rows["interval_start"].eq(
        rows["interval_start"].shift()
    )
    group = (~key_same).cumsum()
    spread = rows.groupby(group)["kwh"].agg(["min", "max", "size", "count"])
    conflicting_groups = spread.index[is_conflicting(spread)]
    is_conflict = group.isin(conflicting_groups)
    conflicts = []
    if len(conflicting_groups):
        bad = rows.loc[is_conflict]
        for _, chunk in bad.groupby(group[is_conflict], sort=True):  # loops over conflicts only
            first = chunk.iloc[0]
            conflicts.append(
                ConflictingDuplicate(
                    meter=meter_ids[int(first["code"])],
                    interval_start=pd.Timestamp(first["interval_start"]).isoformat(),
                    values_kwh=tuple(float(v) for v in chunk["kwh"]),
                    sources=tuple(
                        f"{s}:{n}" for s, n in zip(chunk["source"], chunk["line"], strict=True)
                    ),
                )
            )
    dup_identical = key_same & ~is_conflict
    duplicates = np.bincount(rows.loc[dup_identical, "code"], minlength=len(meter_ids))
    rows_read = np.bincount(rows["code"], minlength=len(meter_ids))
    group_size = rows.groupby(group)["kwh"].transform("size")
    keep = (~key_same).to_numpy()
    unique = rows.loc[keep].copy()
    measured = unique["flag"].eq(int(Flag.MEASURED))
    repeated = (group_size[keep] > 1).to_numpy() & ~is_conflict[keep].to_numpy()
    unique.loc[repeated & measured, "flag"] = int(Flag.DUPLICATE_IDENTICAL)
    unique.loc[is_conflict[keep].to_numpy(), "kwh"] = np.nan
    unique.loc[is_conflict[keep].to_numpy(), "flag"] = int(Flag.DUPLICATE_CONFLICTING)
    negative = (unique["kwh"] < 0) & unique["flag"].eq(int(Flag.MEASURED))
    unique.loc[negative, "flag"] = int(Flag.NEGATIVE)

    # 2. sum native readings up to the common grid
    ns = unique["interval_start"].to_numpy(dtype="datetime64[ns]").view("int64")
    step_ns = step.value
    codes = unique["code"].to_numpy()
    native_ns = np.array([native.get(m, step).value for m in meter_ids], dtype=np.int64)[codes]
    # The grid follows the readings of the longest interval; finer readings must nest in it.
    coarse = native_ns == step_ns
    t_ref = int(ns[coarse].min()) if coarse.any() else int(ns.min())
    t0 = t_ref - -(-(t_ref - int(ns.min())) // step_ns) * step_ns
    straddles = (ns - t0) % step_ns + native_ns > step_ns
    if straddles.any():
        row = unique.iloc[int(np.argmax(straddles))]
        raise InputDataError(
            f"{row['source']}: line {int(row['line'])}: the reading of meter "
            f"{meter_ids[int(row['code'])]!r} at {pd.Timestamp(row['interval_start']).isoformat()} "
            f"does not fit the common {step} grid that starts at "
            f"{pd.Timestamp(t0, tz='UTC').isoformat()}; readings of different meters must "
            "share their interval boundaries",
            path=row["source"],
            line=int(row["line"]),
            meter=meter_ids[int(row["code"])],
            timestamp=pd.Timestamp(row["interval_start"]).isoformat(),
            reason="off-grid",
        )
    t_end = t0 + -(-(int((ns + native_ns).max()) - t0) // step_ns) * step_ns
    n_time = (t_end - t0) // step_ns
    every_ns = rows["interval_start"].to_numpy(dtype="datetime64[ns]").view("int64")
    per_cell = np.bincount(
        rows["code"].to_numpy().astype(np.int64) * n_time + (every_ns - t0) // step_ns,
        minlength=len(meter_ids) * n_time,
    )  # every row read, duplicates included
    cell = codes.astype(np.int64) * n_time + (ns - t0) // step_ns
    size = len(meter_ids) * n_time
    kwh = unique["kwh"].to_numpy()
    total = np.bincount(cell, weights=np.where(np.isnan(kwh), 0.0, kwh), minlength=size)
    usable = np.bincount(cell, weights=unique["kwh"].notna().to_numpy(), minlength=size)
    severity = np.zeros(size, dtype=np.int8)
    np.maximum.at(severity, cell, SEVERITY[unique["flag"].to_numpy(dtype=np.int64)])
    expected = np.array(
        [step_ns // native.get(m, step).value for m in meter_ids], dtype=np.int64
    ).repeat(n_time)
    complete = usable == expected
    energy = np.where(complete, total, np.nan)
    severity = np.where(complete, severity, np.maximum(severity, SEVERITY[int(Flag.GAP)]))
    flags = BY_SEVERITY[severity]

    time = pd.date_range(pd.Timestamp(t0, tz="UTC"), periods=n_time, freq=step).tz_localize(None)
    coords = {"meter": list(meter_ids), "time": time}
    energy_da = xr.DataArray(
        energy.reshape(len(meter_ids), n_time), dims=("meter", "time"), coords=coords, name="energy"
    ).pint.quantify("kWh", unit_registry=ureg)
    flags_da = xr.DataArray(
        flags.reshape(len(meter_ids), n_time), dims=("meter", "time"), coords=coords, name="flags"
    )
    return MeterCube(
        energy=energy_da,
        flags=flags_da,
        interval=step,
        native_interval=native,
        rows_read={m: int(n) for m, n in zip(meter_ids, rows_read, strict=True)},
        duplicates_identical={m: int(n) for m, n in zip(meter_ids, duplicates, strict=True)},
        conflicts=tuple(conflicts),
        records=tuple(t.record for t in tables),
        readings=readings_array(per_cell, flags_da),
    )
