"""The EnergyTag-style granular certificate export reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError
from carbon.ingest.energytag import read_energytag_gc

SAMPLE = Path(__file__).parents[1] / "data" / "profiles" / "energytag_gc_solar_2023-11.csv"
HEADER = (
    "issuance_id,device_id,production_starting_interval,production_ending_interval,energy_wh,"
    "cancellation_id,beneficiary\n"
)
ROW = "I-{n},SOL-1,2024-06-01T{h:02d}:00:00+00:00,2024-06-01T{e:02d}:00:00+00:00,{wh},C-1,Acme\n"


def _write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "gc.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_the_sample_export_reads_with_its_bundles_and_lineage() -> None:
    gc = read_energytag_gc(SAMPLE)
    raw = pd.read_csv(SAMPLE)
    assert len(gc.frame) == len(raw) == gc.record.rows
    assert gc.frame["energy_wh"].sum() == raw["energy_wh"].sum()
    assert (gc.frame["end"] - gc.frame["start"]).max() == pd.Timedelta(hours=1)
    assert (gc.frame["end"] - gc.frame["start"]).min() == pd.Timedelta(minutes=30)
    assert gc.frame["line"].iloc[0] == 2
    assert gc.record.start == "2023-11-01T12:00:00+00:00"
    assert gc.record.kind == "granular certificates (EnergyTag export)"
    assert set(gc.frame["beneficiary"]) == {"Pecos campus", "Van Horn Cold Storage LLC"}


def test_bundle_quantity_times_face_value(tmp_path: Path) -> None:
    header = HEADER.replace("energy_wh", "bundle_quantity,face_value")
    body = ROW.format(n=1, h=10, e=11, wh="500,2") + ROW.format(n=2, h=11, e=12, wh="300,1000")
    gc = read_energytag_gc(_write(tmp_path, body, header))
    assert np.array_equal(gc.frame["energy_wh"].to_numpy(), [1000.0, 300000.0])
    # without face_value a certificate is 1 Wh
    gc = read_energytag_gc(
        _write(
            tmp_path,
            ROW.format(n=1, h=10, e=11, wh=7),
            header.replace(",face_value", "").replace("energy_wh", "bundle_quantity"),
        )
    )
    assert gc.frame["energy_wh"].tolist() == [7.0]


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        (ROW.format(n=1, h=10, e=12, wh=5), 2, "at most one hour"),
        (ROW.format(n=1, h=10, e=10, wh=5), 2, "after its start"),
        (ROW.format(n=1, h=10, e=11, wh=5) + ROW.format(n=1, h=11, e=12, wh=5), 3, "line 2"),
        (ROW.format(n=1, h=10, e=11, wh=-5), 2, "negative"),
        (ROW.format(n=1, h=10, e=11, wh="inf"), 2, "inf"),
        (ROW.format(n=1, h=10, e=11, wh=""), 2, "empty"),
        (ROW.format(n=1, h=10, e=11, wh=5).replace("+00:00", ""), 2, "an offset"),
    ],
)
def test_bad_bundles_are_refused_with_their_line(
    tmp_path: Path, body: str, line: int, words: str
) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(InputDataError) as err:
        read_energytag_gc(path)
    assert str(path) in str(err.value) and words in str(err.value)
    assert err.value.line == line


def test_missing_columns_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "I-1,SOL-1\n", header="issuance_id,device_id\n")
    with pytest.raises(InputDataError, match="production_starting_interval"):
        read_energytag_gc(path)
