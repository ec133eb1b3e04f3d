"""Electricity Maps CSV exports: both header generations, flags, errors, the real 2023 file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.ingest.grid_electricitymaps import read_electricitymaps_csv
from carbon.ingest.grid_table import grid_from_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
REAL_FILE = REAL / "electricitymaps_US-TEX-ERCO_2023_hourly.csv"
OLDER_HEADER = (
    "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
    "Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,"
    "Data Source,Data Estimated,Data Estimation Method"
)
GOOD_ROW = "2023-01-01 00:00:00,USA,Zone,US-X,100.5,120.0,50,40,eia.gov,false,"


def _write(tmp_path: Path, *rows: str, header: str = OLDER_HEADER) -> Path:
    path = tmp_path / "export.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def real_file() -> Path:
    if not REAL_FILE.is_file():
        pytest.skip(f"{REAL_FILE} is not available on this machine")
    return REAL_FILE


# ------------------------------------------------------------------ older header (fixture)
def test_older_header_fixture():
    table = read_electricitymaps_csv(DATA / "electricitymaps_older_sample.csv")
    frame = table.frame
    assert list(frame.columns) == ["interval_start", "value", "flag", "line", "cfe_share"]
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["value"].dtype == np.float64
    assert frame["flag"].dtype == np.int8
    assert frame["line"].dtype == np.int64
    assert len(frame) == 4  # every row kept, the empty one too
    # Hour-start UTC stamps, used as is (no shift).
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2023-03-12 06:00", tz="UTC")
    assert frame["line"].tolist() == [2, 3, 4, 5]
    assert frame["value"].iloc[:3].tolist() == [301.25, 298.5, 290.13]
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.MEASURED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_MISSING,
    ]
    assert np.isnan(frame["value"].iloc[3])
    assert table.region == "US-TEX-ERCO"
    assert table.meta["zone_name"] == "Electric Reliability Council of Texas, Inc."  # quoted comma
    assert table.meta["header_generation"].startswith("older")
    assert table.meta["estimation_methods"] == "ESTIMATED_TIME_SLICER_AVERAGE=1"
    assert table.meta["estimated_hours"] == "1"
    assert table.unit == parse_unit("g CO2e/kWh")
    assert (table.gas, table.basis, table.kind) == ("CO2e", "direct", "average")
    assert table.resolution == pd.Timedelta(hours=1)
    assert table.record.rows == 4
    assert table.record.start == "2023-03-12T06:00:00+00:00"
    assert table.record.end == "2023-03-12T10:00:00+00:00"
    assert len(table.record.sha256) == 64


def test_lifecycle_only_when_asked():
    path = DATA / "electricitymaps_older_sample.csv"
    direct = read_electricitymaps_csv(path)
    lifecycle = read_electricitymaps_csv(path, basis="lifecycle")
    assert direct.basis == "direct" and lifecycle.basis == "lifecycle"
    assert lifecycle.frame["value"].iloc[0] == 356.4
    assert "(LCA)" in lifecycle.meta["value_column"]


def test_lifecycle_is_refused_for_scope2_but_direct_is_accepted():
    path = DATA / "electricitymaps_older_sample.csv"
    with pytest.raises(InputDataError, match="Scope 2"):
        grid_from_table(read_electricitymaps_csv(path, basis="lifecycle"))
    grid = grid_from_table(read_electricitymaps_csv(path))
    assert grid.basis == "direct"


def test_unknown_basis_lists_choices():
    with pytest.raises(ConfigError, match="direct, lifecycle"):
        read_electricitymaps_csv(DATA / "electricitymaps_older_sample.csv", basis="LCA")


# ------------------------------------------------------------------ newer header, ASCII
def test_newer_header_fixture():
    table = read_electricitymaps_csv(DATA / "electricitymaps_newer_sample.csv")
    assert table.meta["header_generation"].startswith("newer")
    assert table.region == "DE"
    assert table.frame["value"].tolist() == [310.4, 305.9, 299.02]
    assert table.frame["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_ESTIMATED, Flag.MEASURED]
    assert table.meta["estimation_methods"] == "FORECASTS_HIERARCHY=1"
    life = read_electricitymaps_csv(DATA / "electricitymaps_newer_sample.csv", basis="lifecycle")
    assert life.frame["value"].iloc[0] == 372.55
    assert "(Life cycle)" in life.meta["value_column"]


def test_subscript_and_ascii_headers_read_alike():
    table = read_electricitymaps_csv(DATA / "electricitymaps_ascii_sample.csv")
    assert table.region == "US-MIDA-PJM"
    assert table.meta["zone_name"] == "PJM Interconnection, LLC"
    assert table.frame["value"].tolist() == [402.1, 398.77]
    assert table.unit == parse_unit("g CO2e/kWh")


def test_iso_stamp_with_z_is_utc(tmp_path):
    path = _write(tmp_path, GOOD_ROW.replace("2023-01-01 00:00:00", "2023-01-01T05:00:00Z"))
    table = read_electricitymaps_csv(path)
    assert table.frame["interval_start"].iloc[0] == pd.Timestamp("2023-01-01 05:00", tz="UTC")


# ------------------------------------------------------------------ errors name file and line
def test_bad_number_names_file_and_line(tmp_path):
    path = _write(tmp_path, GOOD_ROW, GOOD_ROW.replace("100.5", "n/a"))
    with pytest.raises(InputDataError, match=r"export\.csv: line 3: .*'n/a' is not a number"):
        read_electricitymaps_csv(path)


def test_bad_stamp_names_line(tmp_path):
    path = _write(tmp_path, GOOD_ROW, GOOD_ROW.replace("2023-01-01 00:00:00", "yesterday"))
    with pytest.raises(InputDataError, match="line 3: Datetime"):
        read_electricitymaps_csv(path)


def test_bad_estimated_value_names_line(tmp_path):
    path = _write(tmp_path, GOOD_ROW.replace(",false,", ",maybe,"))
    with pytest.raises(InputDataError, match="line 2: Data Estimated is 'maybe'"):
        read_electricitymaps_csv(path)


def test_estimated_true_is_case_insensitive(tmp_path):
    path = _write(tmp_path, GOOD_ROW.replace(",false,", ",TRUE,"))
    assert read_electricitymaps_csv(path).frame["flag"].iloc[0] == Flag.SOURCE_ESTIMATED


def test_two_zones_in_one_file_is_an_error(tmp_path):
    path = _write(tmp_path, GOOD_ROW, GOOD_ROW.replace("US-X", "US-Y"))
    with pytest.raises(InputDataError, match=r"line 3: .*several zones"):
        read_electricitymaps_csv(path)


def test_not_an_export(tmp_path):
    path = _write(tmp_path, "1,2", header="a,b")
    with pytest.raises(InputDataError, match="line 1: not an Electricity Maps"):
        read_electricitymaps_csv(path)


def test_missing_direct_column(tmp_path):
    header = OLDER_HEADER.replace("Carbon Intensity gCO₂eq/kWh (direct),", "")
    path = _write(tmp_path, GOOD_ROW.replace("100.5,", ""), header=header)
    with pytest.raises(InputDataError, match="no direct intensity column"):
        read_electricitymaps_csv(path)


def test_other_unit_in_header_is_a_unit_error(tmp_path):
    header = OLDER_HEADER.replace("gCO₂eq/kWh (direct)", "lbCO2eq/MWh (direct)")
    path = _write(tmp_path, GOOD_ROW, header=header)
    with pytest.raises(UnitError, match="lbco2eq/mwh"):
        read_electricitymaps_csv(path)


def test_negative_value_is_kept(tmp_path):
    path = _write(tmp_path, GOOD_ROW.replace("100.5", "-1"))
    assert read_electricitymaps_csv(path).frame["value"].iloc[0] == -1.0


# ------------------------------------------------------------------ the real 2023 ERCOT file
def test_real_ercot_2023_file(real_file):
    table = read_electricitymaps_csv(real_file)
    frame = table.frame
    assert len(frame) == 8760 == table.record.rows
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2023-01-01 00:00", tz="UTC")
    assert frame["interval_start"].iloc[-1] == pd.Timestamp("2023-12-31 23:00", tz="UTC")
    assert frame["interval_start"].is_unique
    assert (frame["interval_start"].diff().iloc[1:] == pd.Timedelta(hours=1)).all()
    assert frame["line"].iloc[-1] == 8761
    assert (frame["flag"] == Flag.SOURCE_ESTIMATED).sum() == 96
    assert (frame["flag"] == Flag.MEASURED).sum() == 8664
    assert table.meta["estimation_methods"] == "ESTIMATED_TIME_SLICER_AVERAGE=96"
    assert table.meta["data_sources"] == "eia.gov=8664; Electricity Maps Estimation=96"
    assert table.region == "US-TEX-ERCO"
    assert table.meta["zone_name"] == "Electric Reliability Council of Texas, Inc."
    # Checked by hand in the file: line 2 (first data row) direct 269.82, LCA 318.55;
    # line 8761 (2023-12-31 23:00) direct 362.86; line 7351 (2023-11-03 05:00) is the
    # first estimated hour, direct 250.97.
    assert frame["value"].iloc[0] == 269.82
    assert frame["value"].iloc[-1] == 362.86
    first_estimated = frame[frame["flag"] == Flag.SOURCE_ESTIMATED].iloc[0]
    assert first_estimated["interval_start"] == pd.Timestamp("2023-11-03 05:00", tz="UTC")
    assert first_estimated["line"] == 7351
    assert first_estimated["value"] == 250.97
    lifecycle = read_electricitymaps_csv(real_file, basis="lifecycle")
    assert lifecycle.frame["value"].iloc[0] == 318.55
    assert (lifecycle.frame["value"] > frame["value"]).all()
    assert table.record.sha256 == (
        "b118708fb02b84f05ee9db4afe73ae69b115ca88f2926ad794d7c2322dafe58f"
    )


# ------------------------------------------------------------------ the carbon-free share
def test_real_ercot_2023_carbon_free_share(real_file):
    # Checked by hand in the file: Low Carbon Percentage 54.74 on line 2, 58.08 on line
    # 7351 (the first estimated hour), 38.62 on line 8761; no empty cell in the column.
    table = read_electricitymaps_csv(real_file)
    share = table.frame["cfe_share"]
    assert share.iloc[0] == pytest.approx(0.5474, rel=1e-12)
    assert share.iloc[7349] == pytest.approx(0.5808, rel=1e-12)
    assert share.iloc[-1] == pytest.approx(0.3862, rel=1e-12)
    assert share.notna().all() and table.meta["cfe_missing_hours"] == "0"
    assert table.meta["cfe_column"] == "Low Carbon Percentage"
    grid = grid_from_table(table)
    assert grid.cfe_share is not None
    assert float(grid.cfe_share[0].pint.to("percent").pint.magnitude) == pytest.approx(54.74)
    assert "biomass" in grid.cfe_basis


def test_newer_header_carbon_free_column():
    table = read_electricitymaps_csv(DATA / "electricitymaps_newer_sample.csv")
    assert table.meta["cfe_column"] == "Carbon-free energy percentage (CFE%)"
    assert table.frame["cfe_share"].iloc[:3].tolist() == pytest.approx([0.552, 0.5601, 0.573])


def test_empty_carbon_free_cell_is_missing_not_zero():
    table = read_electricitymaps_csv(DATA / "electricitymaps_older_sample.csv")
    share = table.frame["cfe_share"]
    assert share.iloc[:3].tolist() == pytest.approx([0.481, 0.4902, 0.5033])
    assert np.isnan(share.iloc[3]) and table.meta["cfe_missing_hours"] == "1"


@pytest.mark.parametrize("cell", ["100.5", "-0.1", "abc", "inf"])
def test_implausible_carbon_free_percentage_names_the_line(tmp_path, cell):
    path = _write(tmp_path, GOOD_ROW, GOOD_ROW.replace(",50,40,", f",{cell},40,"))
    with pytest.raises(InputDataError, match=r"export.csv: line 3: Low Carbon Percentage"):
        read_electricitymaps_csv(path)


def test_a_file_without_the_column_gives_no_share(tmp_path):
    header = OLDER_HEADER.replace("Low Carbon Percentage,", "")
    path = _write(tmp_path, GOOD_ROW.replace(",50,40,", ",40,"), header=header)
    table = read_electricitymaps_csv(path)
    assert "cfe_share" not in table.frame.columns
    assert grid_from_table(table).cfe_share is None
