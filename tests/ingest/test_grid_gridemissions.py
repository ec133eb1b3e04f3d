"""gridemissions CO2i files: wide columns, hour-ending label -> interval start, basis."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.ingest.grid_gridemissions import read_gridemissions_co2i
from carbon.ingest.grid_table import grid_from_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
SAMPLE = DATA / "gridemissions_co2i_sample.csv"
REAL_FILE = REAL / "gridemissions_CO2i_2023-06-10_2023-06-20.csv"


@pytest.fixture
def real_file() -> Path:
    if not REAL_FILE.is_file():
        pytest.skip(f"{REAL_FILE} is not available on this machine")
    return REAL_FILE


def test_sample_values_flags_and_shift():
    table = read_gridemissions_co2i(SAMPLE, ba="MISO")
    frame = table.frame
    assert len(frame) == 3 == table.record.rows  # the empty cell is kept
    # period 2023-06-10 00:00 is the hour ending then: interval start 2023-06-09 23:00 UTC.
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2023-06-09 23:00", tz="UTC")
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["line"].tolist() == [2, 3, 4]
    assert frame["value"].iloc[0] == 519.0
    assert np.isnan(frame["value"].iloc[1])
    assert frame["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_MISSING, Flag.MEASURED]
    assert table.record.start == "2023-06-09T23:00:00+00:00"
    assert table.record.end == "2023-06-10T02:00:00+00:00"
    assert table.meta["missing_hours"] == "1"
    assert "consumption-based" in table.meta["accounting"]


def test_default_basis_is_lifecycle_and_scope2_refuses_it():
    table = read_gridemissions_co2i(SAMPLE, ba="erco")
    assert table.region == "ERCO"
    assert (table.basis, table.kind, table.gas) == ("lifecycle", "average", "CO2e")
    assert table.unit == parse_unit("kg CO2e/MWh")
    with pytest.raises(InputDataError, match="Scope 2"):
        grid_from_table(table)


def test_direct_basis_when_the_caller_asserts_it():
    table = read_gridemissions_co2i(SAMPLE, ba="ERCO", basis="direct")
    assert (table.basis, table.gas) == ("direct", "CO2")
    assert table.unit == parse_unit("kg CO2/MWh")
    grid = grid_from_table(table)
    assert grid.intensity.pint.units == parse_unit("g CO2e/kWh")


def test_bad_basis():
    with pytest.raises(ConfigError, match="lifecycle, direct"):
        read_gridemissions_co2i(SAMPLE, ba="ERCO", basis="LCA")


def test_unknown_ba_lists_available():
    with pytest.raises(InputDataError, match="available: ERCO, HQT, MISO"):
        read_gridemissions_co2i(SAMPLE, ba="PJM")


def test_bad_number_and_stamp_name_line(tmp_path):
    path = tmp_path / "co2i.csv"
    path.write_text("period,CO2i_ERCO_D\n2023-06-10 00:00:00,440\n2023-06-10 01:00:00,x\n")
    with pytest.raises(InputDataError, match=r"co2i\.csv: line 3: CO2i_ERCO_D 'x' is not"):
        read_gridemissions_co2i(path, ba="ERCO")
    path.write_text("period,CO2i_ERCO_D\nnot a date,440\n")
    with pytest.raises(InputDataError, match="line 2: period 'not a date'"):
        read_gridemissions_co2i(path, ba="ERCO")


def test_first_column_must_be_period(tmp_path):
    path = tmp_path / "co2i.csv"
    path.write_text("time,CO2i_ERCO_D\n2023-06-10 00:00:00,440\n")
    with pytest.raises(InputDataError, match="line 1: the first column is 'time'"):
        read_gridemissions_co2i(path, ba="ERCO")


def test_real_sample(real_file):
    table = read_gridemissions_co2i(real_file, ba="ERCO")
    frame = table.frame
    # The file name says 2023-06-10 to 2023-06-20 but it holds 20 hourly rows (10 June 00-19).
    assert len(frame) == 20
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2023-06-09 23:00", tz="UTC")
    assert frame["interval_start"].iloc[-1] == pd.Timestamp("2023-06-10 18:00", tz="UTC")
    # By hand from the file: CO2i_ERCO_D is 440 on line 2 and 442 on line 3.
    assert frame["value"].iloc[:2].tolist() == [440.0, 442.0]
    assert (frame["flag"] == Flag.MEASURED).all()
    assert len(table.meta["available_bas"].split(", ")) == 70


def test_real_sample_hydro_bas_show_the_lifecycle_factor(real_file):
    # The all-hydro Canadian BAs read exactly gridemissions' WAT factor, 4 kg/MWh, in every
    # hour: a life-cycle value (a direct combustion rate for hydro is 0). Hence "lifecycle".
    for ba in ("HQT", "MHEB"):
        values = read_gridemissions_co2i(real_file, ba=ba).frame["value"]
        assert (values == 4.0).all(), ba
