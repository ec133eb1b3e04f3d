"""read_long_arrow gives read_long_frame's table for the same Arrow data, without pandas
objects per reading; other shapes go through read_long_frame and its checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from carbon.core.errors import InputDataError
from carbon.ingest.meters_arrow import read_long_arrow
from carbon.ingest.meters_long import read_long_frame


def _table(dictionary: bool, unit: str = "ms") -> pa.Table:
    stamps = pd.date_range("2025-03-09 05:00", periods=6, freq="15min", tz="UTC")
    ids = pa.array(["REV", "A", "REV", "A", "B", "REV"])
    return pa.table(
        {
            "ts": pa.array(stamps.as_unit(unit), type=pa.timestamp(unit, tz="UTC")),
            "meter_id": ids.dictionary_encode() if dictionary else ids,
            "energy_kwh": pa.array([1.5, None, 2.0, -0.5, 3.0, 4.0], type=pa.float64()),
        }
    )


@pytest.mark.parametrize("dictionary", [True, False])
@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_same_table_as_read_long_frame(dictionary: bool, unit: str) -> None:
    table = _table(dictionary, unit)
    fast = read_long_arrow(table, source="x.parquet", sha256="0" * 64, time_column="ts")
    frame = table.to_pandas().rename(columns={"ts": "interval_start"})
    reference = read_long_frame(frame, source="x.parquet", sha256="0" * 64)
    # category order may differ (Arrow keeps first-seen order, pandas sorts): compare values
    pd.testing.assert_frame_equal(fast.frame, reference.frame, check_categorical=False)
    assert fast.record == reference.record
    assert fast.unit == reference.unit and fast.interval == reference.interval
    assert isinstance(fast.frame["meter_id"].dtype, pd.CategoricalDtype)
    assert np.isnan(fast.frame["value"].iloc[1]) and fast.frame["flag"].iloc[1] != 0


def test_text_stamps_go_through_the_checked_path() -> None:
    table = pa.table(
        {
            "interval_start": ["2025-01-01T00:00:00", "2025-01-01T00:15:00"],
            "meter_id": ["REV", "REV"],
            "energy_kwh": [1.0, 2.0],
        }
    )
    with pytest.raises(InputDataError, match=r"x\.parquet: line 2: .* has no UTC offset"):
        read_long_arrow(table, source="x.parquet", sha256="0" * 64)
