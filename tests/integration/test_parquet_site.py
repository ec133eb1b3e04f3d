"""A site whose meters read one Parquet file reports the same through the direct cube.

``carbon report`` builds such a site's cube straight from Parquet
(:mod:`carbon.quality.parquet_cube`); these tests run the documented example site with its
meters in Parquet both ways (direct, and with the direct path turned off so that the file goes
through ``read_meters_parquet`` and ``build_cube``) and check that results.json is the same
bytes, for a file with a ``source_id`` and a rated capacity that some readings exceed, and
for one with a gap, a negative and a missing value; that a duplicate hands the file to the
table path; and that a row the site does not declare is still named with its 1-based row
number.
"""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.quality import parquet_cube
from tests.integration.test_example_site import write_example


def _parquet_site(folder: Path, change: str) -> None:
    """The example site with its meters CSV rewritten as Parquet, altered by `change`."""
    write_example(folder)
    frame = pd.read_csv(folder / "meters.csv")
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], utc=True)
    toml = (folder / "site.toml").read_text().replace('"meters.csv"', '"meters.parquet"')
    if change == "dirty":  # a gap, a negative, a missing value, one identical duplicate
        hall = frame.index[frame["meter_id"] == "HALL-A"]
        frame.loc[hall[5], "energy_kwh"] = -1.0
        frame.loc[hall[6], "energy_kwh"] = float("nan")
        frame = pd.concat([frame.drop(index=[hall[10]]), frame.loc[[hall[20]]]], ignore_index=True)
    if change == "source_id":  # the file names the cooling meter differently; a rated hall
        frame["meter_id"] = frame["meter_id"].replace("COOL", "chiller-1")
        toml = toml.replace('id = "COOL"', 'id = "COOL"\nsource_id = "chiller-1"', 1)
        toml = toml.replace('id = "HALL-A"', 'id = "HALL-A"\nrated_kw = 20010', 1)
        assert "chiller-1" in toml and "rated_kw" in toml
    if change == "ghost":
        frame.loc[7, "meter_id"] = "GHOST"
    (folder / "site.toml").write_text(toml, encoding="utf-8")
    table = pa.table(
        {
            "interval_start": pa.array(frame["interval_start"]),
            "meter_id": pa.array(frame["meter_id"]).dictionary_encode(),
            "energy_kwh": pa.array(frame["energy_kwh"], type=pa.float64()),
        }
    )
    pq.write_table(table, folder / "meters.parquet", row_group_size=1000)
    (folder / "meters.csv").unlink()


def _report(folder: Path, out: str):
    return CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(folder / "site.toml"),
            "--period",
            "2023-11",
            "--out",
            str(folder / out),
            "--json",
        ],
    )


def _validate(folder: Path):
    site = str(folder / "site.toml")
    return CliRunner().invoke(app, ["validate", "--site", site, "--period", "2023-11", "--json"])


@pytest.mark.slow  # two full reports compared byte for byte
def test_direct_cube_gives_the_same_report(tmp_path: Path) -> None:
    _parquet_site(tmp_path, "source_id")
    built = []
    direct = parquet_cube.meters_parquet_cube

    def spied(*args, **kwargs):
        cube = direct(*args, **kwargs)
        built.append(cube is not None)
        return cube

    with mock.patch.object(parquet_cube, "meters_parquet_cube", spied):
        fast = _report(tmp_path, "fast")
    with mock.patch.object(parquet_cube, "meters_parquet_cube", lambda *a, **k: None):
        tables = _report(tmp_path, "tables")
    assert fast.exit_code == 0, fast.output
    assert tables.exit_code == 0, tables.output
    assert built == [True]
    results = json.loads(fast.output)
    hall = next(m for m in results["quality"]["meters"] if m["id"] == "HALL-A")
    assert hall["flag_counts"].get("above-rated", 0) > 100, hall
    assert {i["path"] for i in results["inputs"]} >= {"meters.parquet"}
    same = "pecos/2023-11/v1/results.json"
    assert (tmp_path / "fast" / same).read_bytes() == (tmp_path / "tables" / same).read_bytes()


@pytest.mark.slow  # two full reports compared byte for byte
def test_dirty_file_without_its_duplicate_is_built_directly_and_the_same(tmp_path: Path) -> None:
    """Gaps, a negative and a missing value stay on the direct path (only a duplicate leaves)."""
    _parquet_site(tmp_path, "dirty")
    frame = pq.read_table(tmp_path / "meters.parquet").to_pandas()
    table = pa.Table.from_pandas(frame.iloc[:-1], preserve_index=False)
    pq.write_table(table, tmp_path / "meters.parquet", row_group_size=1000)
    with mock.patch.object(parquet_cube, "meters_parquet_cube", lambda *a, **k: None):
        tables = _report(tmp_path, "tables")
    fast = _report(tmp_path, "fast")
    assert fast.exit_code == 0 and tables.exit_code == 0, fast.output + tables.output
    same = "pecos/2023-11/v1/results.json"
    assert (tmp_path / "fast" / same).read_bytes() == (tmp_path / "tables" / same).read_bytes()
    quality = {m["id"]: m for m in json.loads(fast.output)["quality"]["meters"]}
    assert sum(m["missing"] for m in quality.values()) >= 2  # the gap and the missing value


def test_duplicate_hands_the_file_to_the_tables(tmp_path: Path) -> None:
    _parquet_site(tmp_path, "dirty")
    built = []
    direct = parquet_cube.meters_parquet_cube

    def spied(*args, **kwargs):
        cube = direct(*args, **kwargs)
        built.append(cube is not None)
        return cube

    with mock.patch.object(parquet_cube, "meters_parquet_cube", spied):
        result = _validate(tmp_path)
    assert built == [False]
    summary = json.loads(result.output)
    hall = next(m for m in summary["quality"]["meters"] if m["id"] == "HALL-A")
    assert hall["duplicates"] == 1 and hall["negatives"] == 1 and hall["missing"] == 2, hall


def test_undeclared_meter_is_named_with_its_row_number(tmp_path: Path) -> None:
    """Counted and ignored; refused, with its row number, under --strict."""
    _parquet_site(tmp_path, "ghost")
    result = _validate(tmp_path)
    aside = json.loads(result.output)["quality"]["set_aside"]
    assert [(a["meter"], a["first_line"], a["reason"]) for a in aside] == [
        ("GHOST", 8, "undeclared-meter")
    ]
    site = str(tmp_path / "site.toml")
    result = CliRunner().invoke(
        app, ["validate", "--site", site, "--period", "2023-11", "--json", "--strict"]
    )
    assert result.exit_code != 0
    message = str(result.exception) + result.output
    assert "meters.parquet: line 8: meter id 'GHOST' is not declared for this file" in message
