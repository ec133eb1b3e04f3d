"""The meter cube straight from a long Parquet file, record batch by record batch.

:func:`long_parquet_cube` gives what ``build_cube([read_long_arrow(pq.read_table(path), ...)],
meter_ids)`` gives, and :func:`meters_parquet_cube` what
``build_cube([read_meters_parquet(path, ...)], meter_ids)`` gives once the file's ids are
mapped to the site's (:mod:`carbon.quality.sources`): the same
:class:`~carbon.quality.cube_model.MeterCube`, bit for bit, with the same rows read, native
intervals and input record. In between, no reading becomes a row of a frame: there is no
nanosecond stamp, line number, flag or string per reading, and the whole table is never
held at once.

- The span comes from the row groups' statistics of the time column (else from a pass over
  that column alone) and is checked against the readings as they are scattered.
- Each record batch (a quarter of a million readings) is reduced in a few reused buffers: its
  meter dictionary is mapped to cube rows with a small lookup, time becomes
  ``(t - t0) // step`` on the file's own epoch integers, and the values are scattered
  straight into the ``meter x time`` cube; a boolean mask of the cells read counts them.
- The native interval, when the caller declares none, is inferred per meter from that mask
  as the reference infers it (the most common step between its readings).

Only the clean case is built this way: every cell read at most once, every stamp on one
grid, every id known, finite values, stamps tz-aware and never null, energy (not power)
in a float64 column, one native interval for every meter. Anything else returns None (or
falls back, in :func:`long_parquet_cube`) so that the exact path reads the file and applies
the duplicate rules, or refuses it with the file, line and reason it names today.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

from carbon.core.errors import CarbonError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, file_sha256_in_background
from carbon.core.units import parse_unit, ureg
from carbon.ingest.meter_values import pick_value_column, unit_kind
from carbon.ingest.meters_arrow import read_long_arrow
from carbon.quality.align import build_cube
from carbon.quality.cube_model import BY_SEVERITY, HOUR, SEVERITY, MeterCube, readings_array

__all__ = ["long_parquet_cube", "meters_parquet_cube"]

_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}
_BATCH = 1 << 18  # readings per record batch: 2 MB per int64 buffer, reused batch after batch
_SAMPLE = 1 << 16  # stamps of the first batch that suggest the grid when none is declared
_DENSE_LIMIT = 8  # cube cells per reading beyond which the exact path is cheaper
_UNIT_OF = {"milliseconds": "ms", "microseconds": "us", "nanoseconds": "ns"}


@dataclass(frozen=True)
class _Spec:
    """How the caller's reader would read the file: columns, unit, ids, declared interval."""

    time_column: str
    id_column: str
    value_column: str
    to_kwh: float
    interval: pd.Timedelta | None
    rows_of: Mapping[str, int]  # meter id as written in the file -> cube row
    strip_ids: bool  # ids are compared after str.strip() (the CSV/Parquet importers' rule)
    rated_kw: np.ndarray | None = None  # per cube row [kW], NaN for none (ABOVE_RATED flags)


@dataclass(frozen=True)
class _Grid:
    """The cube's arrays and what the input record needs."""

    energy: np.ndarray  # (meter * time) float64 [kWh]
    flags: np.ndarray  # (meter * time) int8
    t0_ns: int
    last_ns: int  # the latest interval start read
    step: pd.Timedelta
    n_time: int
    native: dict[str, pd.Timedelta]
    rows_read: np.ndarray  # per meter
    n_rows: int
    read: np.ndarray  # (meter * time) bool: the cell holds a row (one row per cell here)


def _simple_schema(schema: pa.Schema, spec: _Spec) -> str | None:
    """The time column's unit when the file has the simple shape, else None."""
    names = schema.names
    if len(set(names)) != len(names) or any(n != n.strip() for n in names):
        return None
    columns = (spec.time_column, spec.id_column, spec.value_column)
    if not set(columns) <= set(names):
        return None
    stamps, ids, values = (schema.field(c).type for c in columns)
    if pa.types.is_dictionary(ids):
        ids = ids.value_type
    if not (pa.types.is_string(ids) or pa.types.is_large_string(ids)):
        return None
    if values != pa.float64() or not pa.types.is_timestamp(stamps) or stamps.tz is None:
        return None
    return stamps.unit


def _bounds(pf: pq.ParquetFile, column: str, unit: str) -> tuple[int, int] | None:
    """Earliest and latest stamp as epoch integers in `unit`; None when a stamp is null.

    Row-group statistics when every row group has them in the same unit as the Arrow
    column (the readings later confirm them); otherwise one pass over that column alone,
    row group by row group (a loop over row groups).
    """
    meta = pf.metadata
    j = next(i for i in range(len(pf.schema)) if pf.schema.column(i).path == column)
    lows, highs = [], []
    logical = json.loads(pf.schema.column(j).logical_type.to_json())
    stored = _UNIT_OF.get(logical.get("timeUnit", ""))
    for i in range(meta.num_row_groups):  # loop over row groups
        chunk = meta.row_group(i).column(j)
        stats = chunk.statistics
        if meta.row_group(i).num_rows == 0:
            continue
        if (
            stored != unit
            or chunk.physical_type != "INT64"
            or stats is None
            or not stats.has_min_max
            or not stats.has_null_count
        ):
            break
        if stats.null_count:
            return None
        lows.append(stats.min_raw)
        highs.append(stats.max_raw)
    else:
        if lows:
            return int(min(lows)), int(max(highs))
    low, high = None, None
    for i in range(meta.num_row_groups):  # loop over row groups
        stamps = pf.read_row_group(i, columns=[column]).column(0)
        if stamps.null_count:
            return None
        if len(stamps) == 0:
            continue
        epoch = stamps.combine_chunks().view(pa.int64()).to_numpy()
        low = int(epoch.min()) if low is None else min(low, int(epoch.min()))
        high = int(epoch.max()) if high is None else max(high, int(epoch.max()))
    return None if low is None else (low, high)


def _grid_step(stamps: np.ndarray) -> int:
    """The finest step the first stamps suggest: the gcd of their distinct differences."""
    distinct = np.unique(stamps[:_SAMPLE])
    return int(np.gcd.reduce(np.diff(distinct))) if distinct.size > 1 else 0


def _lookup(ids: pa.DictionaryArray, spec: _Spec) -> np.ndarray:
    """Cube row of every entry of a batch's dictionary (-1 for an unknown id)."""
    names = ids.dictionary.to_pylist()
    if spec.strip_ids:
        names = [name.strip() for name in names]
    return np.array([spec.rows_of.get(name, -1) for name in names], dtype=np.int64)


def _native_steps(seen: np.ndarray) -> np.ndarray:
    """Per meter, the most common step between its read cells (0 when it has < 2 readings).

    A meter read at every cell between its first and last is decided without a pass over
    its cells; the others are measured one by one (a loop over meters, not readings).
    """
    n_time = seen.shape[1]
    counts = seen.sum(axis=1)
    first = seen.argmax(axis=1)
    last = n_time - 1 - seen[:, ::-1].argmax(axis=1)
    steps = np.where(counts >= 2, 1, 0)
    for m in np.flatnonzero((counts >= 2) & (last - first + 1 != counts)):  # loop over meters
        gaps = np.diff(np.flatnonzero(seen[m]))
        steps[m] = int(np.bincount(gaps).argmax())  # ties: the smallest step, as the reference
    return steps


def _median_step_is_one(seen: np.ndarray) -> bool:
    """Whether the median step between consecutive readings of a meter, over every meter, is
    one cell (what ``carbon.quality.sources`` takes as the interval of the rated-capacity check).

    Steps are at least one cell (no cell is read twice), so the median is one cell exactly
    when more than half of the steps are (a loop over meters with gaps, not readings).
    """
    n_time = seen.shape[1]
    counts = seen.sum(axis=1)
    first = seen.argmax(axis=1)
    last = n_time - 1 - seen[:, ::-1].argmax(axis=1)
    steps = np.maximum(counts - 1, 0)
    ones = steps.copy()
    for m in np.flatnonzero((counts >= 2) & (last - first + 1 != counts)):  # loop over meters
        ones[m] = np.count_nonzero(np.diff(np.flatnonzero(seen[m])) == 1)
    return bool(steps.sum() > 0 and ones.sum() > steps.sum() // 2)


def _scatter(pf: pq.ParquetFile, spec: _Spec, meter_ids: Sequence[str]) -> _Grid | None:
    """Scatter the file's readings into the cube; None when the input is not the clean case."""
    # Long by design: one pass over the record batches into reused buffers; every early return hands
    # the file to the exact path.
    unit = _simple_schema(pf.schema_arrow, spec)
    n_rows = pf.metadata.num_rows
    if unit is None or n_rows == 0:
        return None
    factor = _NS_PER[unit]
    bounds = _bounds(pf, spec.time_column, unit)
    if bounds is None:
        return None
    low, high = bounds
    limit = np.iinfo(np.int64).max // factor
    if max(abs(low), abs(high)) > limit:
        return None
    step = 0
    if spec.interval is not None:
        if spec.interval.value % factor:
            return None
        step = spec.interval.value // factor
    n_meters = len(meter_ids)
    n_time = 0
    seen = energy = None
    buffers = np.empty((3, min(_BATCH, n_rows)), dtype=np.int64)
    scaled = np.empty(min(_BATCH, n_rows)) if spec.to_kwh != 1.0 else None
    missing_cells: list[np.ndarray] = []
    negative_cells: list[np.ndarray] = []
    above_cells: list[np.ndarray] = []
    cap = None  # per cube row: the rated energy of one interval [kWh]
    batches = pf.iter_batches(
        batch_size=_BATCH,
        columns=[spec.time_column, spec.id_column, spec.value_column],
        use_threads=False,  # one decoding thread: less memory, and as fast on two busy cores
    )
    for batch in batches:  # loop over record batches (a quarter of a million readings each)
        if batch.num_rows == 0:
            continue
        stamps = batch.column(spec.time_column)
        ids = batch.column(spec.id_column)
        values = batch.column(spec.value_column)
        if stamps.null_count or ids.null_count:
            return None
        epoch = stamps.view(pa.int64()).to_numpy()  # the epoch integers, zero copy
        if seen is None:  # the grid, once: declared, else suggested by the first stamps
            step = step or _grid_step(epoch)
            if step <= 0 or (high - low) % step:
                return None
            step_ns = pd.Timedelta(step * factor, unit="ns")
            if HOUR % step_ns != pd.Timedelta(0) and step_ns % HOUR != pd.Timedelta(0):
                return None
            n_time = (high - low) // step + 1
            if n_meters * n_time > _DENSE_LIMIT * n_rows + 1024:
                return None
            if spec.rated_kw is not None:
                cap = spec.rated_kw * (step_ns / HOUR)
            seen = np.zeros(n_meters * n_time, dtype=bool)
            energy = np.full(n_meters * n_time, np.nan)
        n = len(batch)
        since, index, cell = buffers[:, :n]
        np.subtract(epoch, low, out=since)
        np.floor_divide(since, step, out=index)
        np.multiply(index, step, out=cell)
        if not np.array_equal(cell, since):
            return None  # a stamp off the grid
        if index.min() < 0 or index.max() >= n_time:
            return None  # the statistics did not hold
        if not pa.types.is_dictionary(ids.type):
            ids = ids.dictionary_encode()
        lookup = _lookup(ids, spec)
        np.take(lookup, ids.indices.to_numpy(), out=cell, mode="clip")
        if lookup.min() < 0 and cell.min() < 0:
            return None  # an id not declared for this file
        limit = cap[cell] if cap is not None else None  # NaN: no rated capacity
        cell *= n_time
        cell += index
        kwh = values.to_numpy(zero_copy_only=False)  # a null is NaN
        if scaled is not None:
            kwh = np.multiply(kwh, spec.to_kwh, out=scaled[:n])
        if not np.isfinite(kwh).all():
            missing = np.isnan(kwh)
            if not missing.any() or np.isinf(kwh).any():
                return None
            missing_cells.append(cell[missing])
        below = kwh < 0
        if below.any():
            negative_cells.append(cell[below])
        if limit is not None:
            above = kwh > limit
            if above.any():
                above_cells.append(cell[above])
        seen[cell] = True
        energy[cell] = kwh
    del batches, batch, stamps, ids, values, epoch, kwh, limit, buffers, scaled  # (n_rows > 0)
    pa.default_memory_pool().release_unused()  # the decoded batches' memory, back to the OS
    if seen is None or int(np.count_nonzero(seen)) != n_rows:
        return None  # a cell read twice: identical or conflicting is the exact path's to say
    grid = seen.reshape(n_meters, n_time)
    if not (grid[:, 0].any() and grid[:, -1].any()):
        return None  # the statistics did not hold
    if cap is not None and not _median_step_is_one(grid):
        return None  # the rated-capacity check would take another interval
    rows_read = grid.sum(axis=1)
    step_td = spec.interval if spec.interval is not None else pd.Timedelta(step_ns.value, unit="ns")
    if spec.interval is not None:
        native = {m: spec.interval for m, n in zip(meter_ids, rows_read, strict=True) if n}
    else:
        steps = _native_steps(grid)
        if not steps.any() or np.any(steps > 1):
            return None  # no meter read twice, or meters on different intervals
        native = {m: step_td for m, s in zip(meter_ids, steps, strict=True) if s}
    del grid
    energy += 0.0  # what summing gives: 0.0 + x, so -0.0 reads 0.0
    flags = np.full(n_meters * n_time, int(Flag.GAP), dtype=np.int8)
    flags[seen] = int(Flag.MEASURED)
    for cells in negative_cells:  # loop over batches
        flags[cells] = int(Flag.NEGATIVE)
    for cells in above_cells:  # loop over batches
        flags[cells] = int(Flag.ABOVE_RATED)
    worst = BY_SEVERITY[max(SEVERITY[int(Flag.SOURCE_MISSING)], SEVERITY[int(Flag.GAP)])]
    for cells in missing_cells:  # loop over batches
        energy[cells] = np.nan
        flags[cells] = worst
    return _Grid(
        energy=energy,
        flags=flags,
        t0_ns=low * factor,
        last_ns=high * factor,
        step=step_td,
        n_time=int(n_time),
        native=native,
        rows_read=rows_read,
        n_rows=n_rows,
        read=seen,
    )


def _cube(grid: _Grid, meter_ids: Sequence[str], record: InputRecord) -> MeterCube:
    """The MeterCube of `grid`, as :func:`carbon.quality.cube.build_cube_fast` assembles it."""
    n_meters = len(meter_ids)
    time = pd.date_range(
        pd.Timestamp(grid.t0_ns, tz="UTC"), periods=grid.n_time, freq=grid.step
    ).tz_localize(None)
    coords = {"meter": list(meter_ids), "time": time}
    energy = xr.DataArray(
        grid.energy.reshape(n_meters, grid.n_time),
        dims=("meter", "time"),
        coords=coords,
        name="energy",
    ).pint.quantify("kWh", unit_registry=ureg)
    flags = xr.DataArray(
        grid.flags.reshape(n_meters, grid.n_time),
        dims=("meter", "time"),
        coords=coords,
        name="flags",
    )
    return MeterCube(
        energy=energy,
        flags=flags,
        interval=grid.step,
        native_interval=grid.native,
        rows_read={m: int(n) for m, n in zip(meter_ids, grid.rows_read, strict=True)},
        duplicates_identical=dict.fromkeys(meter_ids, 0),
        conflicts=(),
        records=(record,),
        readings=readings_array(grid.read, flags),
    )


def _record(grid: _Grid, source: str, sha256: str, span: pd.Timedelta, kind: str) -> InputRecord:
    return InputRecord(
        path=source,
        sha256=sha256,
        rows=grid.n_rows,
        start=pd.Timestamp(grid.t0_ns, tz="UTC").isoformat(),
        end=(pd.Timestamp(grid.last_ns, tz="UTC") + span).isoformat(),
        kind=kind,
    )


def _open(path: str | Path, id_column: str) -> pq.ParquetFile | None:
    """The Parquet file with its id column read as a dictionary; None if it cannot be opened."""
    try:
        # pages streamed through a 1 MB buffer, not whole column chunks read ahead
        return pq.ParquetFile(
            path, read_dictionary=[id_column], pre_buffer=False, buffer_size=1 << 20
        )
    except (OSError, ValueError, pa.ArrowException):  # the exact path names the problem
        return None


def _energy_factor(unit: str) -> float | None:
    """kWh per `unit`, or None when `unit` is not an energy unit (or not a unit)."""
    try:
        quantity = ureg.Quantity(1.0, parse_unit(unit))
    except CarbonError:  # the exact path raises it where it does today
        return None
    return float(quantity.to("kWh").magnitude) if quantity.check("[energy]") else None


def long_parquet_cube(
    path: str | Path,
    meter_ids: list[str],
    *,
    source: str,
    sha256: str | None = None,
    value_column: str = "energy_kwh",
    unit: str = "kWh",
    interval: pd.Timedelta | None = None,
    time_column: str = "interval_start",
) -> MeterCube:
    """The cube of a long Parquet file, as ``build_cube([read_long_arrow(...)], meter_ids)``.

    The arguments are those of :func:`carbon.ingest.meters_arrow.read_long_arrow` (the file
    instead of its table) and the site's `meter_ids`. Outside the clean case (see the module
    notes) the file is read by ``read_long_arrow`` and ``build_cube``, whose errors name the
    line as ``row + 2``. Without `sha256`, the file is hashed on a second thread while
    its readings are decoded (:func:`carbon.core.lineage.file_sha256_in_background`).
    """
    digest = (lambda: sha256) if sha256 is not None else file_sha256_in_background(path)
    to_kwh = _energy_factor(unit)
    pf = _open(path, "meter_id")
    if to_kwh is not None and pf is not None:
        spec = _Spec(
            time_column=time_column,
            id_column="meter_id",
            value_column=value_column,
            to_kwh=to_kwh,
            interval=interval,
            rows_of={m: i for i, m in enumerate(meter_ids)},
            strip_ids=False,
        )
        grid = _scatter(pf, spec, meter_ids)
        if grid is not None:
            span = interval or pd.Timedelta(0)
            record = _record(grid, source, digest(), span, "meter readings (long)")
            return _cube(grid, meter_ids, record)
    table = read_long_arrow(
        pq.read_table(path),
        source=source,
        sha256=digest(),
        value_column=value_column,
        unit=unit,
        interval=interval,
        time_column=time_column,
    )
    return build_cube([table], meter_ids)


def meters_parquet_cube(
    path: str | Path,
    meter_ids: list[str],
    rows_of: Mapping[str, str],
    *,
    value_column: str | None = None,
    unit: str | None = None,
    rated_kw: Mapping[str, float] | None = None,
) -> MeterCube | None:
    """The cube of a site whose every meter reads from the one long Parquet file `path`.

    `rows_of` maps the ids written in the file to the site's `meter_ids`. The result equals
    ``build_cube([table], meter_ids)`` where `table` is
    :func:`carbon.ingest.meters_long_csv.read_meters_parquet` (with `value_column` and `unit`)
    with its ids mapped and, with `rated_kw` (site meter id -> rated capacity [kW]), readings
    above the rated energy of an interval flagged ``ABOVE_RATED`` as ``carbon.quality.sources``
    flags them; its record names `path` as given. None outside the clean case: the caller then
    takes that exact path, whose errors give 1-based row numbers.
    """
    pf = _open(path, "meter_id")
    if pf is None:
        return None
    digest = file_sha256_in_background(path)  # hashed while the readings are decoded
    schema = pf.schema_arrow
    stored_index = (schema.pandas_metadata or {}).get("index_columns", [])
    if any(isinstance(c, str) for c in stored_index):
        return None  # an index pandas restores (and the exact path drops)
    names = schema.names
    if "unit" in names or any(n.casefold() in ("quality", "status") for n in names):
        return None  # units per row or quality codes: the exact path reads them
    try:
        column, units = pick_value_column(
            pd.DataFrame(columns=names),
            value_column,
            unit,
            ("energy", "power"),
            str(path),
            np.arange(1, 2),
        )
    except CarbonError:
        return None  # the exact path raises the same error
    if unit_kind(units) != "energy":
        return None
    row = {m: i for i, m in enumerate(meter_ids)}
    spec = _Spec(
        time_column="interval_start",
        id_column="meter_id",
        value_column=column,
        to_kwh=float(ureg.Quantity(1.0, units).to("kWh").magnitude),
        interval=None,
        rows_of={k: row[v] for k, v in rows_of.items()},
        strip_ids=True,
        rated_kw=None
        if not rated_kw
        else np.array([rated_kw.get(m, np.nan) for m in meter_ids], dtype=np.float64),
    )
    grid = _scatter(pf, spec, meter_ids)
    if grid is None:
        return None
    record = _record(grid, str(path), digest(), grid.step, "meter readings (Parquet)")
    return _cube(grid, meter_ids, record)
