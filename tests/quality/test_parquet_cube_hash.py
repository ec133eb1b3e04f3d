"""The direct Parquet cube hashes its file on a second thread: the same digest as file_sha256."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from carbon.core.lineage import file_sha256, file_sha256_in_background
from carbon.quality.parquet_cube import long_parquet_cube


def _file(tmp_path: Path) -> Path:
    stamps = pd.date_range("2025-01-01", periods=8, freq="15min", tz="UTC")
    table = pa.table(
        {
            "ts": pa.array(list(stamps) * 2, pa.timestamp("ms", tz="UTC")),
            "meter_id": pa.array(["A"] * 8 + ["B"] * 8).dictionary_encode(),
            "energy_kwh": pa.array([float(i) for i in range(16)]),
        }
    )
    path = tmp_path / "readings.parquet"
    pq.write_table(table, path)
    return path


def test_background_hash_equals_the_plain_hash(tmp_path: Path) -> None:
    path = _file(tmp_path)
    assert file_sha256_in_background(path)() == file_sha256(path)


def test_cube_record_carries_the_file_hash_when_none_is_given(tmp_path: Path) -> None:
    path = _file(tmp_path)
    common = dict(source=str(path), interval=pd.Timedelta("15min"), time_column="ts", unit="kWh")
    hashed = long_parquet_cube(path, ["A", "B"], **common)
    given = long_parquet_cube(path, ["A", "B"], sha256=file_sha256(path), **common)
    assert hashed.records[0].sha256 == file_sha256(path) == given.records[0].sha256
    assert hashed.energy.equals(given.energy)
    assert float(hashed.energy.pint.magnitude.sum()) == sum(range(16))
