"""Long-format meter readings straight from an Arrow table (Parquet read with pyarrow).

:func:`read_long_arrow` returns what :func:`carbon.ingest.meters_long.read_long_frame` returns
for the same table, without going through a pandas frame of Python objects: the meter ids
stay dictionary-encoded (a categorical: one string per distinct id), the energy column is
used as it is, and the timestamps are converted once to nanoseconds. Anything other than
that simple shape (text timestamps, naive timestamps, a non-numeric energy column, an empty
table) goes through ``read_long_frame``, which checks it and names the offending line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable
from carbon.core.units import parse_unit, ureg
from carbon.ingest.meters_long import read_long_frame

_NS_PER = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}


def _simple(table: pa.Table, time_column: str, value_column: str) -> bool:
    names = set(table.column_names)
    if not {time_column, "meter_id", value_column} <= names or table.num_rows == 0:
        return False
    stamps = table.schema.field(time_column).type
    values = table.schema.field(value_column).type
    ids = table.schema.field("meter_id").type
    if pa.types.is_dictionary(ids):
        ids = ids.value_type
    return (
        pa.types.is_timestamp(stamps)
        and stamps.tz is not None
        and (pa.types.is_floating(values) or pa.types.is_integer(values))
        and (pa.types.is_string(ids) or pa.types.is_large_string(ids))
        and table.column(time_column).null_count == 0
    )


def read_long_arrow(
    table: pa.Table,
    *,
    source: str,
    sha256: str,
    value_column: str = "energy_kwh",
    unit: str = "kWh",
    interval: pd.Timedelta | None = None,
    time_column: str = "interval_start",
) -> MeterTable:
    """Read long-format readings from an Arrow `table` (see :func:`read_long_frame`).

    `time_column` names the interval-start column (renamed ``interval_start`` in the
    result). Lines are numbered as ``read_long_frame`` numbers them (row + 2).
    """
    if not _simple(table, time_column, value_column) or not ureg.Quantity(
        1, parse_unit(unit)
    ).is_compatible_with("kWh"):
        frame = table.to_pandas().rename(columns={time_column: "interval_start"})
        return read_long_frame(
            frame,
            source=source,
            sha256=sha256,
            value_column=value_column,
            unit=unit,
            interval=interval,
        )
    stamps = table.column(time_column)
    ids = table.column("meter_id")
    if not pa.types.is_dictionary(ids.type):
        ids = pc.dictionary_encode(ids)
    ids = ids.unify_dictionaries() if ids.num_chunks > 1 else ids
    categories = pd.Index(ids.chunk(0).dictionary.to_pylist() if ids.num_chunks else [])
    codes = np.concatenate(
        [c.indices.fill_null(-1).to_numpy(zero_copy_only=False) for c in ids.chunks]
    )
    meter_id = pd.Categorical.from_codes(codes, categories=categories.astype(str))
    values = table.column(value_column)
    if values.type != pa.float64():
        values = values.cast(pa.float64())
    values = values.to_numpy()  # one buffer; nulls become NaN
    # epoch values of a tz-aware timestamp are UTC: scale them to ns in one numpy pass
    factor = _NS_PER[stamps.type.unit]
    epoch = stamps.cast(pa.int64()).to_numpy()
    if factor > 1:
        bounds = pc.min_max(stamps.cast(pa.int64()))
        limit = np.iinfo(np.int64).max // factor
        if max(abs(bounds["min"].as_py()), abs(bounds["max"].as_py())) > limit:
            raise InputDataError(
                f"{source}: {time_column} holds dates outside 1677-2262, which carbon cannot "
                "represent in nanoseconds",
                path=source,
                reason="timestamp-range",
            )
        epoch = np.multiply(epoch, factor)
    starts = pd.DatetimeIndex(epoch.view("M8[ns]"), dtype=pd.DatetimeTZDtype("ns", "UTC"))
    flags = np.where(np.isnan(values), np.int8(Flag.SOURCE_MISSING), np.int8(Flag.MEASURED))
    frame = pd.DataFrame(
        {
            "interval_start": starts,
            "meter_id": meter_id,
            "value": values,
            "flag": flags,
            "line": np.arange(2, len(values) + 2, dtype=np.int64),
        },
        copy=False,
    )
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(frame),
        start=starts.min().isoformat(),
        end=(starts.max() + (interval or pd.Timedelta(0))).isoformat(),
        kind="meter readings (long)",
    )
    return MeterTable(
        frame=frame, unit=parse_unit(unit), interval=interval, record=record, labels={}
    )
