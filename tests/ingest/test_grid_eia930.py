"""EIA-930 BALANCE bulk files: hour-ending -> interval start, fuel mix -> direct CO2 intensity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import Q_, parse_unit
from carbon.factors.catalogue import load_dataset
from carbon.ingest.grid_eia930 import DEFAULT_FUEL_FACTORS, read_eia930_balance
from carbon.ingest.grid_table import grid_from_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
SAMPLE_2020 = DATA / "eia930_balance_2020_sample.csv"
SAMPLE_2024 = DATA / "eia930_balance_2024_sample.csv"
COAL, GAS, OIL, OTHER = 2310.0, 960.0, 2460.0, 960.0  # lb CO2/MWh, factors/eia930_fuel
UTC = "UTC"


def _small(tmp_path: Path, extra_header: str = "", extra: str = "", rows: int = 1) -> Path:
    """A minimal BALANCE file: coal and gas plus one optional extra fuel column."""
    header = (
        '"Balancing Authority","Local Time at End of Hour","UTC Time at End of Hour",'
        '"Net Generation (MW) from Coal","Net Generation (MW) from Natural Gas"'
    )
    lines = [header + (f',"{extra_header}"' if extra_header else "")]
    for i in range(rows):
        row = f"XYZ,01/01/2024 {i + 1}:00:00 AM,01/01/2024 {i + 7}:00:00 AM,100,300"
        lines.append(row + (f",{extra}" if extra_header else ""))
    path = tmp_path / "EIA930_BALANCE_2024_Jan_Jun.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ the default factors
def test_default_factors_dataset_loads_with_checksum():
    ds = load_dataset(DEFAULT_FUEL_FACTORS)
    table = ds.table().set_index("fuel")
    assert table.loc["Coal", "value"] == COAL
    assert table.loc["Natural Gas", "value"] == GAS
    assert table.loc["All Petroleum Products", "provenance"] == "unverified"
    assert table.loc["Other Fuel Sources", "provenance"] == "assumption"
    assert set(table["unit"]) == {"lb CO2/MWh"}
    assert set(table["category"]) == {"combustion", "zero", "storage"}
    zero = table[table["category"] != "combustion"]
    assert (zero["value"] == 0).all()
    assert ds.metadata["basis"] == "direct"


# ------------------------------------------------------------------ time: the -1 h shift
def test_hour_ending_utc_becomes_interval_start():
    table = read_eia930_balance(SAMPLE_2020, ba="ERCO")
    starts = table.frame["interval_start"]
    # Line 2: "UTC Time at End of Hour" = 11/01/2020 6:00:00 AM covers 05:00-06:00 UTC.
    assert table.frame["line"].iloc[0] == 2
    assert starts.iloc[0] == pd.Timestamp("2020-11-01 05:00", tz=UTC)
    assert starts.iloc[0] != pd.Timestamp("2020-11-01 06:00", tz=UTC)
    assert str(starts.dtype) == "datetime64[ns, UTC]"
    assert table.record.start == "2020-11-01T05:00:00+00:00"
    assert table.record.end == "2020-11-01T11:00:00+00:00"  # last stamp 11:00 ends the span


def test_dst_fall_back_local_hour_repeats_but_utc_governs():
    # 2020-11-01, Central time: local "1:00:00 AM" ends two hours (CDT then CST).
    raw = pd.read_csv(SAMPLE_2020, dtype=str)
    erco = raw[raw["Balancing Authority"] == "ERCO"]
    assert erco["Local Time at End of Hour"].iloc[0] == erco["Local Time at End of Hour"].iloc[1]
    starts = read_eia930_balance(SAMPLE_2020, ba="ERCO").frame["interval_start"]
    assert starts.is_unique
    assert (starts.diff().iloc[1:] == pd.Timedelta(hours=1)).all()
    assert starts.iloc[1] == pd.Timestamp("2020-11-01 06:00", tz=UTC)


def test_real_extract_first_hour_is_0500_utc():
    path = REAL / "eia930_balance_extract.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not available on this machine")
    table = read_eia930_balance(path, ba="AEC")
    # DATA-FORMATS 2.1: hour 1 ends 07/01/2020 1:00 AM CDT = 6:00 AM UTC, covers 05:00-06:00 UTC.
    assert table.frame["interval_start"].iloc[0] == pd.Timestamp("2020-07-01 05:00", tz=UTC)
    assert table.frame["interval_start"].iloc[-1] == pd.Timestamp("2020-07-01 13:00", tz=UTC)
    assert len(table.frame) == 9 == table.record.rows
    assert table.frame["line"].tolist() == list(range(2, 11))
    # Line 2 by hand: coal 139, gas 536, hydro 1, other 5 MW (sum 681 = Net Generation).
    expected = (139 * COAL + 536 * GAS + 1 * 0 + 5 * OTHER) / 681
    assert table.frame["value"].iloc[0] == pytest.approx(expected, rel=1e-12)
    # Line 10: coal 157, gas 503, hydro 1, other 4 (sum 665).
    expected = (157 * COAL + 503 * GAS + 4 * OTHER) / 665
    assert table.frame["value"].iloc[-1] == pytest.approx(expected, rel=1e-12)
    assert (table.frame["flag"] == Flag.MEASURED).all()  # (Imputed) all blank, Adjusted = reported
    assert table.meta["estimated_hours"] == "0"
    assert table.record.sha256 == (
        "2703705922fe45cac9e8e4cbae112627280031ec861e483c3ea3a78408a96ac2"
    )


# ------------------------------------------------------------------ values and flags
def test_values_and_flags_2020_sample():
    table = read_eia930_balance(SAMPLE_2020, ba="ERCO")
    frame = table.frame
    assert len(frame) == 6  # every ERCO row kept
    assert frame["line"].tolist() == [2, 3, 4, 5, 6, 7]
    base = (1000 * COAL + 2000 * GAS) / 4000  # coal, "2,000" gas, 500 nuclear, 500 wind
    values = frame["value"].to_numpy()
    assert values[0] == pytest.approx(base)
    # Line 3: coal blank as reported, imputed 1000 -> Adjusted used, flagged estimated.
    assert values[1] == pytest.approx(base)
    # Line 4: coal reported 800, Adjusted 1000 -> Adjusted; hydro -50 clipped to 0.
    assert values[2] == pytest.approx((1000 * COAL + 1500 * GAS) / 4000)
    # Line 5: every fuel blank; line 6: coal blank in reported and Adjusted (missing, not 0).
    assert np.isnan(values[3]) and np.isnan(values[4])
    # Line 7: "Unknown Fuel Sources" 400 MW (no Adjusted column) at the default rate.
    assert values[5] == pytest.approx((1000 * COAL + 2000 * GAS + 400 * OTHER) / 4400)
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_MISSING,
        Flag.SOURCE_MISSING,
        Flag.MEASURED,
    ]
    assert table.meta["estimated_hours"] == "2"
    assert table.meta["missing_hours"] == "2"
    assert table.meta["clipped_negative_cells"] == "1"
    assert table.meta["file_rows"] == "8"
    assert table.unit == parse_unit("lb CO2/MWh")
    assert (table.gas, table.basis, table.kind, table.region) == (
        "CO2",
        "direct",
        "average",
        "ERCO",
    )


def test_second_ba_and_thousands_separators():
    table = read_eia930_balance(SAMPLE_2020, ba="soco")  # case-insensitive
    assert table.region == "SOCO"
    assert table.frame["line"].tolist() == [8, 9]
    expected = (5000 * COAL + 10000 * GAS + 10 * OIL) / 21000  # "5,000", "10,000", hydro, solar
    assert table.frame["value"].to_numpy() == pytest.approx([expected, expected])


def test_newer_header_split_fuels_storage_and_double_space():
    table = read_eia930_balance(SAMPLE_2024, ba="CISO")
    values = table.frame["value"].to_numpy()
    # Line 2: gas 4000, nuclear 2000, hydro excl. PS 1000, wind 1000, geothermal 1000;
    # pumped storage -200 and battery -500 are storage: left out of both sums.
    assert values[0] == pytest.approx(4000 * GAS / 9000)
    # Line 3: legacy "Solar" 3000 and "Solar without Integrated Battery Storage" 3000 both
    # filled: the parent wins, the child is not counted twice.
    assert values[1] == pytest.approx(4000 * GAS / 12000)
    assert table.meta["parent_child_overlap_hours"] == "1"
    assert table.meta["clipped_negative_cells"] == "0"
    assert "Pumped Storage" in table.meta["storage_fuels_excluded"]
    assert "Battery Storage" in table.meta["storage_fuels_excluded"]
    assert (table.frame["flag"] == Flag.MEASURED).all()
    assert table.frame["interval_start"].iloc[0] == pd.Timestamp("2024-07-01 07:00", tz=UTC)


def test_scope2_accepts_it_with_a_co2_only_note():
    grid = grid_from_table(read_eia930_balance(SAMPLE_2020, ba="SOCO"))
    assert grid.basis == "direct"
    assert "CH4 and N2O are not included" in grid.gas_note


# ------------------------------------------------------------------ open-ended fuel columns
def test_unknown_fuel_with_generation_is_an_error_naming_the_column(tmp_path):
    path = _small(tmp_path, "Net Generation (MW) from Hydrogen", "0", rows=3)
    text = path.read_text().splitlines()
    text[3] = text[3][: -len(",0")] + ",12"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(InputDataError) as info:
        read_eia930_balance(path, ba="XYZ")
    message = str(info.value)
    assert "EIA930_BALANCE_2024_Jan_Jun.csv: line 4:" in message
    assert "'Net Generation (MW) from Hydrogen'" in message
    assert "no emission factor" in message


def test_unknown_fuel_with_zero_or_blank_is_ignored_and_listed(tmp_path):
    path = _small(tmp_path, "Net Generation (MW) from Hydrogen", "", rows=2)
    table = read_eia930_balance(path, ba="XYZ")
    assert table.meta["ignored_fuel_columns"] == "Hydrogen"
    assert table.frame["value"].iloc[0] == pytest.approx((100 * COAL + 300 * GAS) / 400)


def test_fuel_factors_add_and_override(tmp_path):
    path = _small(tmp_path, "Net Generation (MW) from Hydrogen", "100")
    table = read_eia930_balance(
        path, ba="XYZ", fuel_factors={"hydrogen": "0 lb CO2/MWh", "Coal": Q_(1000, "kg CO2/MWh")}
    )
    coal = 1000 / 0.45359237  # kg -> lb
    assert table.frame["value"].iloc[0] == pytest.approx((100 * coal + 300 * GAS) / 500)
    assert "hydrogen=0" in table.meta["factor_overrides"]


def test_fuel_factors_in_co2e(tmp_path):
    path = _small(tmp_path)
    table = read_eia930_balance(
        path,
        ba="XYZ",
        fuel_factors={
            name: "1 lb CO2e/MWh"
            for name in (
                "Coal",
                "Natural Gas",
                "All Petroleum Products",
                "Other Fuel Sources",
                "Unknown Fuel Sources",
            )
        },
    )
    assert table.gas == "CO2e"
    assert table.unit == parse_unit("lb CO2e/MWh")
    assert table.frame["value"].iloc[0] == pytest.approx(1.0)


def test_fuel_factors_mixing_gases_is_refused(tmp_path):
    with pytest.raises(UnitError, match="mix CO2 and CO2e"):
        read_eia930_balance(_small(tmp_path), ba="XYZ", fuel_factors={"Coal": "900 lb CO2e/MWh"})


@pytest.mark.parametrize(
    ("factors", "error", "pattern"),
    [
        ({"Coal": 900}, UnitError, "has no unit"),
        ({"Coal": "900 kWh"}, UnitError, "not a CO2 or CO2e"),
        ({"Coal": "-1 lb CO2/MWh"}, ConfigError, "negative"),
        ({"Battery Storage": "1 lb CO2/MWh"}, ConfigError, "storage"),
    ],
)
def test_bad_fuel_factors(tmp_path, factors, error, pattern):
    with pytest.raises(error, match=pattern):
        read_eia930_balance(_small(tmp_path), ba="XYZ", fuel_factors=factors)


# ------------------------------------------------------------------ errors
def test_unknown_ba_lists_available(tmp_path):
    with pytest.raises(InputDataError, match="'MISO' is not in the file; available: ERCO, SOCO"):
        read_eia930_balance(SAMPLE_2020, ba="MISO")


def test_bad_number_names_column_and_line(tmp_path):
    path = _small(tmp_path, rows=2)
    text = path.read_text().replace(",100,300\n", ",1OO,300\n", 1)
    path.write_text(text)
    with pytest.raises(InputDataError, match=r"line 2: 'Net Generation \(MW\) from Coal' is '1OO'"):
        read_eia930_balance(path, ba="XYZ")


def test_bad_stamp_names_line(tmp_path):
    path = _small(tmp_path, rows=2)
    text = path.read_text().replace("01/01/2024 8:00:00 AM", "31/31/2024 8:00:00 AM")
    path.write_text(text)
    with pytest.raises(InputDataError, match="line 3: UTC Time at End of Hour '31/31/2024"):
        read_eia930_balance(path, ba="XYZ")


def test_missing_columns(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputDataError, match=r"x\.csv: line 1: not an EIA-930 BALANCE file"):
        read_eia930_balance(path, ba="XYZ")


def test_iso_utc_stamp_is_accepted_as_fallback(tmp_path):
    path = _small(tmp_path, rows=2)
    text = path.read_text().replace("01/01/2024 8:00:00 AM", "2024-01-01 08:00:00")
    path.write_text(text)
    starts = read_eia930_balance(path, ba="XYZ").frame["interval_start"]
    assert starts.tolist() == [
        pd.Timestamp("2024-01-01 06:00", tz=UTC),
        pd.Timestamp("2024-01-01 07:00", tz=UTC),
    ]


# ------------------------------------------------------------------ the carbon-free share
def test_carbon_free_share_of_the_real_extract():
    path = REAL / "eia930_balance_extract.csv"
    if not path.is_file():
        pytest.skip(f"{path} is not available on this machine")
    table = read_eia930_balance(path, ba="AEC")
    share = table.frame["cfe_share"]
    # Line 2 by hand: hydro (with pumped storage) 1 MW of 681 MW (coal 139, gas 536, other 5).
    assert share.iloc[0] == pytest.approx(1 / 681, rel=1e-12)
    # Line 3: hydro 0 of coal 138 + gas 500 + hydro 0 + other 4 = 642.
    assert share.iloc[1] == 0.0
    assert "cannot be split, so it counts as hydro" in table.meta["cfe_basis"]


def test_carbon_free_share_of_the_newer_split_fuels():
    frame = read_eia930_balance(SAMPLE_2024, ba="CISO").frame
    # Line 2: gas 4000, nuclear 2000, hydro excl. PS 1000, solar (both parts) 0, wind 1000,
    # geothermal 1000, coal 0, other 0; pumped storage -200 and battery -500 are storage,
    # in neither sum. Carbon-free 5000 of 9000.
    assert frame["cfe_share"].iloc[0] == pytest.approx(5000 / 9000, rel=1e-12)
    # Line 3: solar 3000 (parent; the child column is left out), so 8000 of 12000.
    assert frame["cfe_share"].iloc[1] == pytest.approx(8000 / 12000, rel=1e-12)


def test_negative_carbon_free_generation_counts_zero_and_is_counted(tmp_path):
    path = _small(tmp_path, "Net Generation (MW) from Nuclear", "-8", rows=2)
    text = path.read_text().splitlines()
    text[2] = text[2][: -len(",-8")] + ",200"
    path.write_text("\n".join(text) + "\n")
    table = read_eia930_balance(path, ba="XYZ")
    # Line 2: nuclear -8 (station load) adds nothing: 0 of coal 100 + gas 300.
    assert table.frame["cfe_share"].tolist() == pytest.approx([0.0, 200 / 600])
    assert table.meta["clipped_negative_cells"] == "1"
    assert "negative cells counted as zero: 1" in table.meta["cfe_basis"]


def test_missing_hour_has_no_share(tmp_path):
    path = _small(tmp_path, rows=2)
    text = path.read_text().splitlines()
    text[2] = text[2].rsplit(",", 2)[0] + ",,"  # coal and gas blank: no fuel reported
    path.write_text("\n".join(text) + "\n")
    frame = read_eia930_balance(path, ba="XYZ").frame
    assert frame["cfe_share"].iloc[0] == 0.0 and np.isnan(frame["cfe_share"].iloc[1])
