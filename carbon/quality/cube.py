"""The meter cube with integer keys: the fast path behind :func:`carbon.quality.align.build_cube`.

Same rules and results as :func:`carbon.quality.align.build_cube_reference`
(docs/data-formats.md §7: identical duplicates counted and used once, conflicting duplicates become
gaps listing every source line, readings that do not fit the common grid refused, nothing dropped
silently), but no reading is ever sorted, grouped or turned into a string on the common path:

- meter ids are mapped to cube rows once per distinct id (the categories of a categorical
  column, or one hash lookup per reading otherwise);
- time becomes an integer index ``(t - t0) // step``; a reading's cell is
  ``meter * n_time + index`` and every per-cell figure is one ``np.bincount``;
- duplicates are the cells of the native grid counted more than once; only the rows in those
  cells (normally none) go through the exact, sorted pandas treatment that names them;
- the native interval of a meter not declared by its source is inferred as the reference does
  (the most common positive step), with a stable sort by meter code only, which numpy does in
  linear time, and a full sort only when a meter's stamps are out of order.

Sums inside a cell are taken in time order, as the reference takes them, so the cube is
bit-identical (``tests/properties/test_cube_properties.py`` checks it on random inputs).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import MeterTable
from carbon.core.units import ureg
from carbon.quality.cube_model import (
    BY_SEVERITY,
    HOUR,
    SEVERITY,
    ConflictingDuplicate,
    MeterCube,
    is_conflicting,
    readings_array,
)

# The native-grid key space may exceed the number of readings by this factor before the
# duplicate search falls back from one bincount to a sort (sparse data over a long span).
_DENSE_LIMIT = 8


def meter_codes(ids: pd.Series, meter_ids: Sequence[str]) -> np.ndarray:
    """Cube row of every reading's meter id (int32; -1 for an id not in `meter_ids`).

    A categorical column is mapped once per category; anything else with one hash lookup per
    reading (no string is created either way).
    """
    index = pd.Index(list(meter_ids))
    if isinstance(ids.dtype, pd.CategoricalDtype):
        by_category = index.get_indexer(ids.cat.categories.astype(str))
        # one gather; a missing id (category code -1) picks the appended -1
        return np.append(by_category, -1).astype(np.int32)[ids.cat.codes.to_numpy()]
    return index.get_indexer(ids).astype(np.int32)


def _utc_ns(values: pd.Series) -> np.ndarray:
    """Interval starts as int64 ns since the epoch, UTC (the importers' contract is tz-aware)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # epoch values are UTC whatever the zone
        return values.dt.as_unit("ns").array.asi8  # no copy when already in ns
    stamps = pd.DatetimeIndex(values)
    if stamps.tz is None:
        raise InputDataError(
            "meter readings must carry UTC timestamps (importer contract)", reason="timestamp"
        )
    return stamps.tz_convert("UTC").as_unit("ns").asi8


def _infer_native(
    codes: np.ndarray, ns: np.ndarray, meters: np.ndarray, n_meters: int
) -> dict[int, int]:
    """Most common positive step [ns] per meter code in `meters` (the reference's rule)."""
    wanted = np.zeros(n_meters, dtype=bool)
    wanted[meters] = True
    rows = np.flatnonzero(wanted[codes])
    c, t = codes[rows], ns[rows]
    order = np.argsort(c, kind="stable")  # radix sort on small integers
    c, t = c[order], t[order]
    same = c[1:] == c[:-1]
    if np.any(np.diff(t)[same] < 0):  # a meter's stamps out of order: sort fully
        order = np.lexsort((t, c))
        c, t = c[order], t[order]
        same = c[1:] == c[:-1]
    steps = np.diff(t)
    keep = same & (steps > 0)
    c, steps = c[1:][keep], steps[keep]
    if c.size == 0:
        return {}
    pairs, counts = np.unique(np.stack([c, steps]), axis=1, return_counts=True)
    # per meter, the largest count; ties go to the smallest step (np.unique's order + argmax)
    order = np.lexsort((pairs[1], -counts, pairs[0]))
    first = np.r_[True, pairs[0][order][1:] != pairs[0][order][:-1]]
    chosen = order[first]
    return {int(m): int(s) for m, s in zip(pairs[0][chosen], pairs[1][chosen], strict=True)}


_BLOCK = 1 << 20  # readings per block of the on-grid check (an 8 MB buffer, reused)


def _off_grid(since: np.ndarray, index: np.ndarray, step: int) -> np.ndarray:
    """True where ``since`` is not ``index * step`` (a stamp off the grid).

    Checked block by block in one small reused buffer (a loop over blocks of a million
    readings, not over readings) instead of a full-size temporary; the full mask is only
    built when some stamp is off the grid.
    """
    buffer = np.empty(min(since.size, _BLOCK), dtype=np.int64)
    for lo in range(0, since.size, _BLOCK):  # loop over blocks
        part = buffer[: min(_BLOCK, since.size - lo)]
        np.multiply(index[lo : lo + part.size], step, out=part)
        if not np.array_equal(part, since[lo : lo + part.size]):
            return index * step != since
    return np.zeros(since.size, dtype=bool)


def _scaled(values: np.ndarray, factor: float) -> np.ndarray:
    """`values` times `factor`; the array itself when the factor is 1 (no copy of the readings)."""
    return values if factor == 1.0 else values * factor


def _repeated_keys(
    codes: np.ndarray, ns: np.ndarray, t0: int, native_of_code: np.ndarray, slots: np.ndarray
) -> np.ndarray:
    """True for every reading whose (meter, interval start) occurs more than once."""
    native = native_of_code[codes]
    since = ns - t0
    offset = np.concatenate([[0], np.cumsum(slots)[:-1]])
    if slots.sum() <= _DENSE_LIMIT * codes.size + 1024 and not np.any(since % native):
        key = offset[codes] + since // native
        return np.bincount(key, minlength=int(slots.sum()))[key] > 1
    order = np.lexsort((ns, codes))
    c, t = codes[order], ns[order]
    same = (c[1:] == c[:-1]) & (t[1:] == t[:-1])
    repeated = np.zeros(codes.size, dtype=bool)
    repeated[order[1:][same]] = True
    repeated[order[:-1][same]] = True
    return repeated


def build_cube_fast(
    tables: list[MeterTable],
    meter_ids: list[str],
    *,
    interval: pd.Timedelta | None = None,
) -> MeterCube:
    """Combine `tables` into ``energy(meter, time)`` [kWh] and ``flags(meter, time)``.

    The arguments and the result are those of :func:`carbon.quality.align.build_cube_reference`.
    """
    # Long by design: the hot path reuses and frees its large arrays step by step (see the ``del``
    # lines); split into functions, each would hold them longer.
    if not tables:
        raise InputDataError("no meter data was read (no input tables)", reason="no-input")
    n_meters = len(meter_ids)
    parts: list[tuple[np.ndarray, ...]] = []
    declared: dict[int, pd.Timedelta] = {}
    for number, table in enumerate(tables):  # loop over files
        frame = table.frame
        to_kwh = float(ureg.Quantity(1.0, table.unit).to("kWh").magnitude)
        codes = meter_codes(frame["meter_id"], meter_ids)
        unknown = codes < 0
        if unknown.any():
            row = frame.iloc[int(np.argmax(unknown))]
            raise InputDataError(
                f"{table.record.path}: line {int(row['line'])}: "
                f"meter id {row['meter_id']!r} is not "
                f"declared in the site file (declared: {', '.join(meter_ids)})",
                path=table.record.path,
                line=int(row["line"]),
                meter=str(row["meter_id"]),
                reason="undeclared-meter",
            )
        parts.append(
            (
                codes,
                frame["interval_start"],
                _scaled(frame["value"].to_numpy(dtype="float64"), to_kwh),
                frame["flag"].to_numpy(dtype=np.int8),
                frame["line"].to_numpy(dtype=np.int64),
                np.broadcast_to(np.int32(number), len(frame)),  # the table of each row
            )
        )
        if table.interval is not None:
            for code in np.flatnonzero(np.bincount(codes, minlength=n_meters)):
                declared[int(code)] = table.interval
    if sum(len(p[0]) for p in parts) == 0:
        raise InputDataError("the meter inputs hold no readings", reason="empty")
    stamps = [_utc_ns(p[1]) for p in parts]
    if len(parts) == 1:
        codes, _, kwh, flag, line, source = parts[0]
        ns = stamps[0]
    else:
        codes, kwh, flag, line, source = (
            np.concatenate([p[i] for p in parts]) for i in (0, 2, 3, 4, 5)
        )
        ns = np.concatenate(stamps)
    del parts, stamps

    # native intervals: declared, else inferred (meters without readings have none)
    rows_read = np.bincount(codes, minlength=n_meters)
    present = rows_read > 0
    undeclared = np.array(
        [c for c in range(n_meters) if c not in declared and present[c]], dtype=np.int64
    )
    inferred = _infer_native(codes, ns, undeclared, n_meters) if undeclared.size else {}
    native: dict[str, pd.Timedelta] = {}
    for code, meter in enumerate(meter_ids):  # loop over meters, not readings
        if code in declared:
            native[meter] = declared[code]
        elif code in inferred:
            native[meter] = pd.Timedelta(inferred[code], unit="ns")
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

    # the grid: it follows the readings of the longest interval; finer readings nest in it
    step_ns = step.value
    native_of_code = np.array([native.get(m, step).value for m in meter_ids], dtype=np.int64)
    uniform = bool(np.all(native_of_code[present] == step_ns))
    ns_min = int(ns.min())
    if uniform:  # every meter on the common interval (the usual case): no per-reading native
        t0 = ns_min
        work = ns - t0  # reused below for the cell index: one fresh array fewer per reading
        index = work // step_ns  # (a scalar divisor: numpy's fast integer division)
        straddles = _off_grid(work, index, step_ns)
        t_end = int(ns.max()) + step_ns
    else:
        native_ns = native_of_code[codes]
        coarse = native_ns == step_ns
        t_ref = int(ns[coarse].min()) if coarse.any() else ns_min
        t0 = t_ref - -(-(t_ref - ns_min) // step_ns) * step_ns
        straddles = (ns - t0) % step_ns + native_ns > step_ns
        t_end = int((ns + native_ns).max())
        del native_ns, coarse
    if straddles.any():
        bad = np.flatnonzero(straddles)
        i = bad[np.lexsort((bad, line[bad], ns[bad], codes[bad]))[0]]
        raise InputDataError(
            f"{tables[int(source[i])].record.path}: line {int(line[i])}: the reading of meter "
            f"{meter_ids[int(codes[i])]!r} at {pd.Timestamp(int(ns[i]), tz='UTC').isoformat()} "
            f"does not fit the common {step} grid that starts at "
            f"{pd.Timestamp(t0, tz='UTC').isoformat()}; readings of different meters must "
            "share their interval boundaries",
            path=tables[int(source[i])].record.path,
            line=int(line[i]),
            meter=meter_ids[int(codes[i])],
            timestamp=pd.Timestamp(int(ns[i]), tz="UTC").isoformat(),
            reason="off-grid",
        )
    del straddles
    t_end = t0 + -(-(t_end - t0) // step_ns) * step_ns
    n_time = (t_end - t0) // step_ns
    if uniform:  # the native grid is the common grid: a reading's key is its cell
        cell = np.multiply(codes, n_time, out=work, dtype=np.int64)  # reuses `work` (ns - t0)
        cell += index
        del index, work
        # one scatter finds out whether any cell is read twice (a bincount is 20 x slower)
        seen = np.zeros(n_meters * n_time, dtype=bool)
        seen[cell] = True
        count = seen
        repeated = None
        if np.count_nonzero(seen) < cell.size:
            per_cell = np.bincount(cell, minlength=n_meters * n_time)
            repeated = per_cell[cell] > 1
        else:
            per_cell = seen  # one row per cell read
        del seen
    else:
        slots = n_time * (step_ns // native_of_code)
        repeated = _repeated_keys(codes, ns, t0, native_of_code, slots)
        repeated = repeated if repeated.any() else None
        count = None
        per_cell = np.bincount(
            np.multiply(codes, n_time, dtype=np.int64) + (ns - t0) // step_ns,
            minlength=n_meters * n_time,
        )

    # duplicates at native resolution: only the rows concerned get the exact treatment
    duplicates = np.zeros(n_meters, dtype=np.int64)
    conflicts: list[ConflictingDuplicate] = []
    if repeated is not None:
        kwh, flag = kwh.copy(), flag.copy()  # the caller's arrays stay as read
        keep, conflicts, duplicates = _resolve_duplicates(
            np.flatnonzero(repeated), codes, ns, kwh, flag, line, source, tables, meter_ids
        )
        codes, ns, kwh, flag = codes[keep], ns[keep], kwh[keep], flag[keep]
        count = None
    del repeated, line, source
    negative = (kwh < 0) & (flag == int(Flag.MEASURED))
    if negative.any():
        flag = flag.copy()  # the caller's array stays as read
        flag[negative] = int(Flag.NEGATIVE)
    del negative

    # sum native readings up to the common grid, in time order inside each cell
    if count is None:
        cell = np.multiply(codes, n_time, dtype=np.int64) + (ns - t0) // step_ns
    if not uniform:
        order = np.argsort(ns, kind="stable")
        cell, kwh, flag = cell[order], kwh[order], flag[order]
    size = n_meters * n_time
    missing = np.isnan(kwh)
    finite = not missing.any() and not np.isinf(kwh).any()
    if count is not None and finite:  # one reading per cell, every one usable
        total = np.zeros(size)
        total[cell] = kwh
        total += 0.0  # what the bincount gives: 0.0 + x, so -0.0 reads 0.0
        usable = count
    else:
        total = np.bincount(cell, weights=np.where(missing, 0.0, kwh), minlength=size)  # never clip
        usable = np.bincount(cell, weights=~missing, minlength=size)
    del missing, count
    severity = np.zeros(size, dtype=np.int8)
    rank = SEVERITY[flag]
    for level in np.flatnonzero(np.bincount(rank)[1:]) + 1:  # loop over flag levels
        severity[cell[rank == level]] = level  # ascending: the most severe wins
    del cell, rank
    expected = (step_ns // native_of_code)[:, None]  # readings a complete cell holds
    complete = (usable.reshape(n_meters, n_time) == expected).ravel()
    del usable
    energy = total  # in place: the sums of incomplete cells become gaps
    energy[~complete] = np.nan
    gap = SEVERITY[int(Flag.GAP)]
    severity[~complete] = np.maximum(severity[~complete], gap)
    flags = BY_SEVERITY[severity]

    time = pd.date_range(pd.Timestamp(t0, tz="UTC"), periods=n_time, freq=step).tz_localize(None)
    coords = {"meter": list(meter_ids), "time": time}
    energy_da = xr.DataArray(
        energy.reshape(n_meters, n_time), dims=("meter", "time"), coords=coords, name="energy"
    ).pint.quantify("kWh", unit_registry=ureg)
    flags_da = xr.DataArray(
        flags.reshape(n_meters, n_time), dims=("meter", "time"), coords=coords, name="flags"
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


def _resolve_duplicates(
    rows: np.ndarray,
    codes: np.ndarray,
    ns: np.ndarray,
    kwh: np.ndarray,
    flag: np.ndarray,
    line: np.ndarray,
    source: np.ndarray,
    tables: list[MeterTable],
    meter_ids: list[str],
) -> tuple[np.ndarray, list[ConflictingDuplicate], np.ndarray]:
    """The reference's duplicate rules on the repeated rows only.

    Sets the flag (and NaN for conflicts) of the first row of every repeated key in place;
    returns the mask of rows kept, the conflicts in (meter, time) order and the identical
    duplicates counted per meter.
    """
    rows = rows[np.lexsort((rows, line[rows], ns[rows], codes[rows]))]
    c, t = codes[rows], ns[rows]
    key_same = np.r_[False, (c[1:] == c[:-1]) & (t[1:] == t[:-1])]
    group = np.cumsum(~key_same)
    spread = pd.Series(kwh[rows]).groupby(group).agg(["min", "max", "size", "count"])
    conflicting = spread.index[is_conflicting(spread)]
    is_conflict = np.isin(group, conflicting.to_numpy())
    conflicts = []
    for g in conflicting:  # loops over conflicts only
        members = rows[group == g]
        first = members[0]
        conflicts.append(
            ConflictingDuplicate(
                meter=meter_ids[int(codes[first])],
                interval_start=pd.Timestamp(int(ns[first]), tz="UTC").isoformat(),
                values_kwh=tuple(float(v) for v in kwh[members]),
                sources=tuple(
                    f"{tables[int(source[r])].record.path}:{int(line[r])}" for r in members
                ),
            )
        )
    identical = rows[key_same & ~is_conflict]
    duplicates = np.bincount(codes[identical], minlength=len(meter_ids))
    firsts = rows[~key_same]
    first_conflict = is_conflict[~key_same]
    measured = flag[firsts] == int(Flag.MEASURED)
    flag[firsts[~first_conflict & measured]] = int(Flag.DUPLICATE_IDENTICAL)
    kwh[firsts[first_conflict]] = np.nan
    flag[firsts[first_conflict]] = int(Flag.DUPLICATE_CONFLICTING)
    keep = np.ones(codes.size, dtype=bool)
    keep[rows[key_same]] = False
    return keep, conflicts, duplicates
