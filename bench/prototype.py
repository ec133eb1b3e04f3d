"""A prototype of the fast cube builder, to size what replacing ingest + align would gain.

Not carbon's code and not a reference: it builds carbon's own
:class:`~carbon.quality.cube_model.MeterCube` straight from Parquet with integer keys (dictionary
indices for meters, ``(ts - t0) // step`` for time, one ``bincount`` for the readings per
cell, one scatter for the values), then runs carbon's ``run_period`` unchanged. It covers
the clean case only (one declared interval, every meter on it, values in kWh): a
duplicate, an off-grid stamp or a non-finite value sends the site back to carbon's exact
path (``read_long_frame`` + ``build_cube``), which names rows and lines. That fallback is
what the real fast path in carbon/ must keep: integer checks find that something is
wrong; the slow path, on the few rows concerned, says what.

carbon and xarray are imported inside :func:`cube_from_parquet`, for start-up time and
memory (see :mod:`bench.paths`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def cube_from_parquet(path: Path, meter_ids: list[str], interval: pd.Timedelta):
    """``MeterCube`` of one long Parquet file, or None when the clean-case checks fail."""
    import xarray as xr

    from carbon.core.errors import InputDataError
    from carbon.core.flags import Flag
    from carbon.core.lineage import InputRecord, file_sha256
    from carbon.core.units import ureg
    from carbon.quality.cube_model import MeterCube

    table = pq.read_table(path, columns=["ts", "meter_id", "energy_kwh"])
    ts = table["ts"]
    if ts.type != pa.timestamp("ms", tz="UTC"):
        return None
    step = int(interval / pd.Timedelta(milliseconds=1))
    bounds = pc.min_max(ts.cast(pa.int64()))
    t0, t_last = bounds["min"].as_py(), bounds["max"].as_py()
    n_time = (t_last - t0) // step + 1
    n_meter = len(meter_ids)
    size = n_meter * n_time
    position = {m: i for i, m in enumerate(meter_ids)}
    energy = np.full(size, np.nan)
    cells = np.empty(table.num_rows, dtype=np.int64)
    offset = 0
    for ts_c, id_c, e_c in zip(  # loops over row groups / record batches, never readings
        ts.cast(pa.int64()).chunks,
        table["meter_id"].chunks,
        table["energy_kwh"].chunks,
        strict=True,
    ):
        names = id_c.dictionary.to_pylist()
        unknown = [m for m in names if m not in position]
        if unknown:
            raise InputDataError(f"{path}: meter id {unknown[0]!r} is not declared")
        local = np.array([position[m] for m in names], dtype=np.int64)
        since = ts_c.to_numpy() - t0
        if np.any(since % step):
            return None  # off-grid stamp: the exact path names it
        cell = local[id_c.indices.to_numpy()] * n_time + since // step
        values = e_c.to_numpy(zero_copy_only=False)
        if not np.isfinite(values).all():
            return None
        energy[cell] = values
        cells[offset : offset + cell.size] = cell
        offset += cell.size
    count = np.bincount(cells, minlength=size)
    if count.max() > 1:
        return None  # duplicates: identical or conflicting is for the exact path to say
    del cells
    gap = count == 0
    flags = np.where(gap, int(Flag.GAP), int(Flag.MEASURED)).astype(np.int8)
    flags[~gap & (energy < 0)] = int(Flag.NEGATIVE)
    per_meter = count.reshape(n_meter, n_time).sum(axis=1)
    time = pd.date_range(pd.Timestamp(t0, unit="ms"), periods=n_time, freq=interval).as_unit("ns")
    coords = {"meter": list(meter_ids), "time": time}
    record = InputRecord(
        path=str(path),
        sha256=file_sha256(path),
        rows=table.num_rows,
        start=pd.Timestamp(t0, unit="ms", tz="UTC").isoformat(),
        end=(pd.Timestamp(t_last, unit="ms", tz="UTC") + interval).isoformat(),
        kind="meter readings (Parquet, fast-path prototype)",
    )
    return MeterCube(
        energy=xr.DataArray(
            energy.reshape(n_meter, n_time), dims=("meter", "time"), coords=coords, name="energy"
        ).pint.quantify("kWh", unit_registry=ureg),
        flags=xr.DataArray(
            flags.reshape(n_meter, n_time), dims=("meter", "time"), coords=coords, name="flags"
        ),
        interval=interval,
        native_interval=dict.fromkeys(meter_ids, interval),
        rows_read={m: int(n) for m, n in zip(meter_ids, per_meter, strict=True)},
        duplicates_identical=dict.fromkeys(meter_ids, 0),
        conflicts=(),
        records=(record,),
    )
