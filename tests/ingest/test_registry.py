"""The one list of importers: every meter format and grid source reads a small file through
its registry entry, an unknown id names every valid one, extensions are claimed once, and a
site's ``source = "table"`` reads a plain hourly grid table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.lineage import GridTable, MeterTable
from carbon.ingest.grid_table import grid_from_table, read_grid_table_csv
from carbon.ingest.registry import (
    GRID_IMPORTERS,
    METER_IMPORTERS,
    FileMeter,
    grid_importer,
    grid_source_ids,
    meter_format_for,
    meter_format_ids,
    meter_importer,
)
from carbon.quality.sources import read_grid
from carbon.site.meters import GridSource

TESTS = Path(__file__).resolve().parents[1] / "data"
METERS, GRID, TELEMETRY = TESTS / "meters", TESTS / "grid", TESTS / "telemetry"

TABLE_CSV = (
    "interval_start,intensity_gco2e_per_kwh\n"
    "2025-07-01T00:00:00Z,410.5\n"
    "2025-07-01T01:00:00Z,398.0\n"
    "\n"
    "2025-07-01T02:00:00+00:00,402.25\n"
)


def _parquet(folder: Path) -> Path:
    path = folder / "meters.parquet"
    pd.read_csv(METERS / "long_energy_kwh.csv").to_parquet(path, index=False)
    return path


def _table(folder: Path) -> Path:
    path = folder / "grid.csv"
    path.write_text(TABLE_CSV, encoding="utf-8")
    return path


#: id -> (the small file, the meters drawing on it)
METER_SAMPLES = {
    "long-csv": (lambda tmp: METERS / "long_energy_kwh.csv", [FileMeter("HALL-A")]),
    "parquet": (_parquet, [FileMeter("HALL-A")]),
    "wide-csv": (lambda tmp: METERS / "wide_same_unit.csv", [FileMeter("HALL-A")]),
    "register-csv": (lambda tmp: METERS / "register_rollover.csv", [FileMeter("M1")]),
    "utility-csv": (lambda tmp: METERS / "utility_comed_fallback.csv", [FileMeter("REV")]),
    "green-button": (lambda tmp: METERS / "gb_net_metered.xml", [FileMeter("REV:import")]),
    "dcgm": (lambda tmp: TELEMETRY / "dcgm_scrapes.prom", [FileMeter("GPU-0")]),
    "miner": (
        lambda tmp: TELEMETRY / "miner_braiins.jsonl",
        [FileMeter("S19-1"), FileMeter("S19-2", nameplate_j_per_th=29.5)],
    ),
}

#: id -> (the small file, region)
GRID_SAMPLES = {
    "electricitymaps": (lambda tmp: GRID / "electricitymaps_newer_sample.csv", None),
    "eia930": (lambda tmp: GRID / "eia930_balance_2020_sample.csv", "ERCO"),
    "gridemissions": (lambda tmp: GRID / "gridemissions_co2i_sample.csv", "ERCO"),
    "watttime": (lambda tmp: GRID / "watttime_caiso_north_aoer.json", None),
    "neso": (lambda tmp: GRID / "neso_national_dst_spring.json", None),
    "entsoe": (lambda tmp: GRID / "entsoe_a75_be_dst_spring.xml", None),
    "table": (_table, "ERCT"),
}


def test_the_samples_cover_every_id() -> None:
    assert set(METER_SAMPLES) == set(meter_format_ids()) == set(METER_IMPORTERS)
    assert set(GRID_SAMPLES) == set(grid_source_ids()) == set(GRID_IMPORTERS)


@pytest.mark.parametrize("format_id", list(METER_SAMPLES))
def test_every_meter_format_reads_a_small_file(format_id: str, tmp_path: Path) -> None:
    file, meters = METER_SAMPLES[format_id]
    importer = meter_importer(format_id)
    assert importer.id == format_id and importer.description
    tables = importer.read(file(tmp_path), meters=meters, timezone="America/Chicago")
    assert tables and all(isinstance(t, MeterTable) for t in tables)
    assert all(len(t.frame) > 0 for t in tables)
    if format_id == "miner":  # one table per meter of the file, under its own id
        assert [set(t.frame["meter_id"]) for t in tables] == [{"S19-1"}, {"S19-2"}]


@pytest.mark.parametrize("source_id", list(GRID_SAMPLES))
def test_every_grid_source_reads_a_small_file(source_id: str, tmp_path: Path) -> None:
    file, region = GRID_SAMPLES[source_id]
    importer = grid_importer(source_id)
    assert importer.id == source_id and importer.description and importer.extensions
    table = importer.read(file(tmp_path), region=region, basis="direct")
    assert isinstance(table, GridTable)
    assert len(table.frame) > 0


def test_unknown_ids_list_every_valid_one() -> None:
    with pytest.raises(ConfigError) as meter:
        meter_importer("xlsx")
    assert meter.value.reason == "unknown-format"
    assert all(repr(i)[1:-1] in str(meter.value) for i in meter_format_ids())
    assert str(meter.value).endswith(", ".join(meter_format_ids()))
    with pytest.raises(ConfigError) as grid:
        grid_importer("ember")
    assert grid.value.reason == "unknown-source"
    assert str(grid.value).endswith(", ".join(grid_source_ids()))
    assert "watttime" in str(grid.value) and "table" in str(grid.value)


def test_a_meter_extension_is_claimed_by_one_format_at_most() -> None:
    claimed = [e for importer in METER_IMPORTERS.values() for e in importer.extensions]
    assert len(claimed) == len(set(claimed))
    assert all(e.startswith(".") and e == e.lower() for e in claimed)
    assert meter_format_for("data/Meters.CSV") == "long-csv"
    assert meter_format_for("scrapes.prom") == "dcgm"
    assert meter_format_for("notes.txt") is None


def test_region_is_required_where_the_file_holds_several() -> None:
    with pytest.raises(ConfigError, match="needs 'region'") as error:
        grid_importer("eia930").read(
            GRID / "eia930_balance_2020_sample.csv", region=None, basis="direct"
        )
    assert error.value.reason == "missing-region"


def test_grid_table_reads_as_an_average_direct_hourly_series(tmp_path: Path) -> None:
    table = read_grid_table_csv(_table(tmp_path), region="ERCT")
    assert (table.kind, table.basis, table.gas, table.region) == (
        "average",
        "direct",
        "CO2e",
        "ERCT",
    )
    assert list(table.frame["line"]) == [2, 3, 5]  # the blank line is not a row
    grid = grid_from_table(table)
    assert grid.resolution == pd.Timedelta(hours=1)
    assert list(grid.intensity.pint.magnitude) == [410.5, 398.0, 402.25]


def test_grid_table_picks_its_region_and_names_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "zones.csv"
    path.write_text(
        "interval_start,region,intensity_gco2e_per_kwh\n"
        "2025-07-01T00:00:00Z,DE,380\n"
        "2025-07-01T00:00:00Z,FR,55\n"
        "2025-07-01T01:00:00Z,FR,x\n",
        encoding="utf-8",
    )
    assert list(read_grid_table_csv(path, region="de").frame["value"]) == [380.0]
    with pytest.raises(ConfigError, match="holds the regions DE, FR"):
        read_grid_table_csv(path)
    with pytest.raises(InputDataError, match="no rows of region 'PL'"):
        read_grid_table_csv(path, region="PL")
    with pytest.raises(InputDataError, match=r"line 4: intensity_gco2e_per_kwh is missing"):
        read_grid_table_csv(path, region="FR")
    with pytest.raises(ConfigError, match="no 'region' column"):
        read_grid_table_csv(_table(tmp_path))


def test_a_site_reads_a_table_grid_source(tmp_path: Path) -> None:
    _table(tmp_path)
    site = SimpleNamespace(grid=[GridSource(source="table", path="grid.csv", region="ERCT")])
    grid = read_grid(site, tmp_path)
    assert grid.region == "ERCT"
    assert grid.record.path == "grid.csv"
    assert len(grid.intensity) == 3


def test_the_site_model_accepts_exactly_the_registry_ids() -> None:
    """The site file's ``format`` and ``[[grid]] source`` choices are the registry's tables."""
    from typing import get_args

    from carbon.ingest.registry import grid_source_ids, meter_format_ids
    from carbon.site.meters import GridSourceId, MeterFormat

    assert get_args(MeterFormat) == meter_format_ids()
    assert get_args(GridSourceId) == grid_source_ids()


def test_a_single_meter_reads_a_long_file_without_meter_id(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        "interval_start,energy_kwh\n2025-07-01T00:00:00-05:00,2.5\n2025-07-01T00:15:00-05:00,3\n"
    )
    (table,) = meter_importer("long-csv").read(path, meters=[FileMeter("PV-1")], timezone="UTC")
    assert table.frame["meter_id"].astype(str).tolist() == ["PV-1", "PV-1"]
    assert table.frame["value"].tolist() == [2.5, 3.0]
    two = [FileMeter("PV-1"), FileMeter("PV-2")]  # which rows are whose cannot be told
    with pytest.raises(InputDataError, match="missing column"):
        meter_importer("long-csv").read(path, meters=two, timezone="UTC")
