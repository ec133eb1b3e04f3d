"""Long CSV, Parquet, wide CSV and register meter files: units, time, flags, rows, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import METER_COLUMNS, SPAN_COLUMNS, MeterTable
from carbon.core.units import parse_unit
from carbon.ingest.meters_long_csv import read_meters_csv, read_meters_parquet
from carbon.ingest.meters_register_csv import read_register_csv
from carbon.ingest.meters_wide_csv import read_wide_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "meters"
CHICAGO = "America/Chicago"


def _data_lines(path: Path) -> int:
    """Non-blank lines after the header."""
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return sum(1 for line in lines if line.strip())


def _check_contract(table: MeterTable) -> None:
    frame = table.frame
    spans = SPAN_COLUMNS if "interval_end" in frame.columns else ()  # register: spans
    assert tuple(frame.columns) == METER_COLUMNS + spans
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["value"].dtype == np.float64
    assert frame["flag"].dtype == np.int8
    assert frame["line"].dtype == np.int64
    assert all(isinstance(m, str) for m in frame["meter_id"])
    missing = frame["value"].isna()
    assert (frame.loc[missing, "flag"] != Flag.MEASURED).all()
    assert len(table.record.sha256) == 64


# ------------------------------------------------------------------ long CSV
def test_long_kwh_rows_kept_lines_and_offsets():
    path = DATA / "long_energy_kwh.csv"
    table = read_meters_csv(path)
    _check_contract(table)
    frame = table.frame
    # Rows conserved: 7 data lines (blank lines are not rows), duplicate and negative kept.
    assert len(frame) == _data_lines(path) == 7
    assert table.record.rows == 7
    # Blank line 5 is skipped; the line numbers are the file's own.
    assert frame["line"].tolist() == [2, 3, 4, 6, 7, 8, 9]
    # -05:00 and Z offsets both land on UTC.
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2025-07-01 05:00", tz="UTC")
    assert frame["interval_start"].iloc[4] == pd.Timestamp("2025-07-01 05:30", tz="UTC")
    assert frame["interval_start"].iloc[6] == pd.Timestamp("2025-07-01 05:30", tz="UTC")
    assert table.unit == parse_unit("kWh")
    assert table.interval is None
    assert frame["value"].iloc[5] == -1.5  # negative kept, flagged later by align
    assert np.isnan(frame["value"].iloc[3])
    assert frame["flag"].tolist() == [0, 0, 0, int(Flag.SOURCE_MISSING), 0, 0, 0]
    assert table.record.start == "2025-07-01T05:00:00+00:00"
    assert table.record.end == "2025-07-01T05:45:00+00:00"  # last start + inferred 15 min


@pytest.mark.parametrize(
    ("name", "unit", "values"),
    [
        ("long_energy_wh.csv", "Wh", [1500.0, 2500.0]),
        ("long_energy_mwh.csv", "MWh", [0.25, 0.5]),  # snake-case 'mwh' is MWh
    ],
)
def test_energy_units_from_column_name(name, unit, values):
    table = read_meters_csv(DATA / name)
    assert table.unit == parse_unit(unit)
    assert table.frame["value"].tolist() == values


def test_energy_unit_given_for_value_column():
    table = read_meters_csv(DATA / "long_no_unit.csv", unit="MWh")
    assert table.unit == parse_unit("MWh")
    assert table.frame["value"].tolist() == [1.5, 1.5]


def test_power_kw_with_inferred_interval_becomes_kwh():
    table = read_meters_csv(DATA / "long_power_kw.csv")
    _check_contract(table)
    assert table.unit == parse_unit("kWh")
    assert table.interval == pd.Timedelta(minutes=15)
    a = table.frame[table.frame["meter_id"] == "HALL-A"]["value"].tolist()
    assert a == pytest.approx([100.0, 101.0, 99.0])  # 400 kW × 0.25 h
    b = table.frame[table.frame["meter_id"] == "HALL-B"]
    assert np.isnan(b["value"].iloc[1]) and b["flag"].iloc[1] == Flag.SOURCE_MISSING


def test_power_mw_interval_inferred_across_a_gap():
    table = read_meters_csv(DATA / "long_power_mw_gap.csv")
    assert table.interval == pd.Timedelta(hours=1)  # most common step, not the 2 h gap
    assert table.frame["value"].tolist() == pytest.approx([1500.0, 1500.0, 2000.0, 2000.0])


def test_power_without_interval_is_refused():
    path = DATA / "long_power_w_single.csv"
    with pytest.raises(UnitError) as info:
        read_meters_csv(path)
    message = str(info.value)
    assert str(path) in message and "line 2" in message
    assert "power_w" in message and "interval=" in message


def test_power_w_with_given_interval():
    table = read_meters_csv(DATA / "long_power_w_single.csv", interval="1h")
    assert table.unit == parse_unit("kWh")
    assert table.interval == pd.Timedelta(hours=1)
    assert table.frame["value"].tolist() == pytest.approx([2.0, 3.0])  # 2000 W × 1 h


def test_power_with_explicit_interval_overrides_inference():
    table = read_meters_csv(DATA / "long_power_kw.csv", interval=pd.Timedelta(minutes=5))
    a = table.frame[table.frame["meter_id"] == "HALL-A"]["value"]
    assert a.iloc[0] == pytest.approx(400 / 12)


def test_unit_column_and_quality_codes():
    table = read_meters_csv(DATA / "long_value_unit_quality.csv")
    assert table.unit == parse_unit("Wh")
    frame = table.frame
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_MISSING,
        Flag.MEASURED,
    ]
    assert frame["value"].iloc[1] == 1300.0
    assert np.isnan(frame["value"].iloc[2])  # 'bad' from the source: not used


def test_non_energy_unit_is_refused():
    with pytest.raises(UnitError, match="neither energy"):
        read_meters_csv(DATA / "long_no_unit.csv", unit="degC")


def test_no_unit_is_refused():
    path = DATA / "long_no_unit.csv"
    with pytest.raises(UnitError) as info:
        read_meters_csv(path)
    assert str(path) in str(info.value) and "line 1" in str(info.value)
    assert "energy_kwh" in str(info.value)


def test_unit_conflicting_with_column_name():
    with pytest.raises(UnitError, match="names the unit"):
        read_meters_csv(DATA / "long_energy_wh.csv", unit="kWh")


def test_ambiguous_unit_token_is_refused():
    with pytest.raises(UnitError, match="mWh"):
        read_meters_csv(DATA / "long_no_unit.csv", unit="mWh")


# ------------------------------------------------------------------ time zones
def test_naive_stamps_are_an_error_naming_the_line():
    path = DATA / "long_naive_fallback.csv"
    with pytest.raises(InputDataError) as info:
        read_meters_csv(path)
    message = str(info.value)
    assert str(path) in message and "line 2" in message
    assert "no UTC offset" in message and "timezone=" in message


def test_fall_back_repeated_hour_resolved_by_row_order_per_meter():
    table = read_meters_csv(DATA / "long_naive_fallback.csv", timezone=CHICAGO)
    frame = table.frame
    for meter in ("HALL-A", "HALL-B"):  # interleaved meters: row order within each meter
        mine = frame[frame["meter_id"] == meter]
        # 00:00 CDT, 01:00 CDT, 01:00 CST, 02:00 CST
        assert mine["interval_start"].tolist() == [
            pd.Timestamp("2024-11-03 05:00", tz="UTC"),
            pd.Timestamp("2024-11-03 06:00", tz="UTC"),
            pd.Timestamp("2024-11-03 07:00", tz="UTC"),
            pd.Timestamp("2024-11-03 08:00", tz="UTC"),
        ]
    assert len(frame) == 8
    assert frame["interval_start"].duplicated().sum() == 4  # A and B share each hour only


def test_spring_forward_nonexistent_local_time_is_an_error():
    path = DATA / "long_naive_springforward.csv"
    with pytest.raises(InputDataError) as info:
        read_meters_csv(path, timezone=CHICAGO)
    message = str(info.value)
    assert str(path) in message and "line 3" in message
    assert "2024-03-10 02:00:00" in message and "does not exist" in message


def test_unknown_timezone():
    with pytest.raises(ConfigError, match="IANA"):
        read_meters_csv(DATA / "long_naive_fallback.csv", timezone="Mars/Olympus")


# ------------------------------------------------------------------ errors
def test_empty_file():
    path = DATA / "empty.csv"
    with pytest.raises(InputDataError, match="empty") as info:
        read_meters_csv(path)
    assert str(path) in str(info.value)


def test_header_only():
    with pytest.raises(InputDataError, match="line 2: no readings"):
        read_meters_csv(DATA / "header_only.csv")


def test_non_utf8_names_line_and_byte():
    path = DATA / "long_latin1.csv"
    with pytest.raises(InputDataError) as info:
        read_meters_csv(path)
    message = str(info.value)
    assert str(path) in message
    assert "line 3" in message and "0xc9" in message and "UTF-8" in message


def test_bad_number_names_line():
    with pytest.raises(InputDataError, match=r"line 3: energy_kwh 'n/a' is not a number"):
        read_meters_csv(DATA / "long_bad_number.csv")


def test_bad_stamp_names_line():
    with pytest.raises(InputDataError, match=r"line 3: interval_start .* ISO 8601"):
        read_meters_csv(DATA / "long_bad_stamp.csv")


def test_missing_column():
    with pytest.raises(InputDataError, match=r"missing column.*meter_id"):
        read_meters_csv(DATA / "long_missing_meter_column.csv")


def test_meter_ids_checked_not_dropped():
    with pytest.raises(InputDataError, match="line 3: meter id 'HALL-B' is not one of"):
        read_meters_csv(DATA / "long_energy_kwh.csv", meter_ids=["HALL-A"])
    with pytest.raises(InputDataError, match=r"no readings for meter.*PDU-9"):
        read_meters_csv(DATA / "long_energy_kwh.csv", meter_ids=["HALL-A", "HALL-B", "PDU-9"])
    table = read_meters_csv(DATA / "long_energy_kwh.csv", meter_ids=["HALL-A", "HALL-B"])
    assert len(table.frame) == 7


def test_bad_interval_argument():
    with pytest.raises(ConfigError, match="positive"):
        read_meters_csv(DATA / "long_power_kw.csv", interval="-15min")


# ------------------------------------------------------------------ Parquet
def test_parquet_matches_csv(tmp_path):
    csv_table = read_meters_csv(DATA / "long_power_kw.csv")
    source = pd.read_csv(DATA / "long_power_kw.csv")
    source["interval_start"] = pd.to_datetime(source["interval_start"], utc=True)
    path = tmp_path / "readings.parquet"
    source.to_parquet(path)
    table = read_meters_parquet(path)
    _check_contract(table)
    assert table.frame["line"].tolist() == [1, 2, 3, 4, 5, 6]  # row numbers
    pd.testing.assert_series_equal(table.frame["value"], csv_table.frame["value"])
    assert table.frame["interval_start"].tolist() == csv_table.frame["interval_start"].tolist()
    assert table.unit == parse_unit("kWh")


def test_parquet_naive_timestamps_need_timezone(tmp_path):
    frame = pd.DataFrame(
        {
            "interval_start": pd.to_datetime(["2024-11-03 01:00", "2024-11-03 01:00"]),
            "meter_id": ["A", "A"],
            "energy_kwh": [1.0, 2.0],
        }
    )
    path = tmp_path / "naive.parquet"
    frame.to_parquet(path)
    with pytest.raises(InputDataError, match=r"row 1: interval_start .* no time zone"):
        read_meters_parquet(path)
    table = read_meters_parquet(path, timezone=CHICAGO)
    assert table.frame["interval_start"].tolist() == [
        pd.Timestamp("2024-11-03 06:00", tz="UTC"),
        pd.Timestamp("2024-11-03 07:00", tz="UTC"),
    ]


def test_parquet_empty_and_garbage(tmp_path):
    with pytest.raises(InputDataError, match="empty"):
        read_meters_parquet(DATA / "empty.csv")
    with pytest.raises(InputDataError, match="not a readable Parquet"):
        read_meters_parquet(DATA / "long_energy_kwh.csv")


# ------------------------------------------------------------------ wide CSV
def test_wide_headers_units_and_rows():
    path = DATA / "wide_units.csv"
    table = read_wide_csv(path)
    _check_contract(table)
    frame = table.frame
    assert len(frame) == _data_lines(path) * 3  # rows × meter columns
    assert table.record.rows == 3
    assert frame["meter_id"].tolist()[:3] == ["HALL-A", "HALL-B", "PDU-A1"]
    assert frame["line"].tolist() == [2, 2, 2, 3, 3, 3, 4, 4, 4]
    # Mixed kWh and kW columns: all in kWh, power × the inferred 15 min.
    assert table.unit == parse_unit("kWh")
    assert table.interval == pd.Timedelta(minutes=15)
    first = frame[frame["line"] == 2].set_index("meter_id")["value"]
    assert first.to_dict() == pytest.approx({"HALL-A": 250.0, "HALL-B": 250.0, "PDU-A1": 10.0})
    missing = frame[(frame["line"] == 3) & (frame["meter_id"] == "PDU-A1")]
    assert missing["flag"].iloc[0] == Flag.SOURCE_MISSING


def test_wide_one_energy_unit_is_kept():
    table = read_wide_csv(DATA / "wide_same_unit.csv")
    assert table.unit == parse_unit("Wh")
    assert table.frame["value"].iloc[:3].tolist() == [1000.0, 2000.0, 1100.0]
    assert table.interval is None


def test_wide_header_without_unit():
    path = DATA / "wide_no_unit.csv"
    with pytest.raises(UnitError) as info:
        read_wide_csv(path)
    assert "line 1" in str(info.value) and "'HALL-A'" in str(info.value)
    table = read_wide_csv(path, unit="kWh")
    assert set(table.frame["meter_id"]) == {"HALL-A", "HALL-B"}


def test_wide_local_time_fall_back_and_custom_timestamp_column():
    table = read_wide_csv(
        DATA / "wide_local_fallback.csv", timestamp_column="Timestamp", timezone=CHICAGO
    )
    main = table.frame[table.frame["meter_id"] == "Main"]
    assert main["interval_start"].tolist() == [
        pd.Timestamp("2024-11-03 05:30", tz="UTC"),
        pd.Timestamp("2024-11-03 06:30", tz="UTC"),  # 01:30 CDT
        pd.Timestamp("2024-11-03 07:30", tz="UTC"),  # 01:30 CST (second occurrence)
        pd.Timestamp("2024-11-03 08:30", tz="UTC"),
    ]
    pdu = table.frame[table.frame["meter_id"] == "PDU-A1"]["value"].tolist()
    assert pdu == pytest.approx([40.0, 40.0, 48.0, 40.0])  # kW × 1 h (UTC step)


def test_wide_select_meters():
    table = read_wide_csv(DATA / "wide_units.csv", meter_ids=["HALL-B"])
    assert set(table.frame["meter_id"]) == {"HALL-B"}
    table = read_wide_csv(DATA / "wide_units.csv", value_column="PDU-A1 kW")
    assert set(table.frame["meter_id"]) == {"PDU-A1"}
    with pytest.raises(InputDataError, match="no column for meter"):
        read_wide_csv(DATA / "wide_units.csv", meter_ids=["HALL-Z"])


def test_wide_missing_timestamp_column():
    with pytest.raises(InputDataError, match="no timestamp column 'interval_start'"):
        read_wide_csv(DATA / "wide_local_fallback.csv")


# ------------------------------------------------------------------ registers
def test_register_rollover_reset_and_unexplained_drop():
    path = DATA / "register_rollover.csv"
    table = read_register_csv(path)
    _check_contract(table)
    frame = table.frame.set_index(["meter_id", "line"])
    assert table.unit == parse_unit("kWh")
    # Readings − meters: the first reading of each meter only opens its series.
    assert len(table.frame) == _data_lines(path) - 4
    assert table.record.rows == 18
    # R1: 99 990 → 00 012 wraps at the inferred 100 000: 22 kWh, flagged.
    assert frame.loc[("R1", 5), "value"] == 22.0
    assert frame.loc[("R1", 5), "flag"] == Flag.COUNTER_RESET
    assert frame.loc[("R1", 6), "value"] == 48.0 and frame.loc[("R1", 6), "flag"] == 0
    # The interval closed by line 5 starts at the reading before it (00:30).
    assert table.frame.loc[table.frame["line"] == 5, "interval_start"].iloc[0] == pd.Timestamp(
        "2025-07-01 00:30", tz="UTC"
    )
    # R2: 520 → 3 is a reset: value is the post-reset reading, flagged.
    assert frame.loc[("R2", 10), "value"] == 3.0
    assert frame.loc[("R2", 10), "flag"] == Flag.COUNTER_RESET
    # R3: 1010 → 950 is neither: NaN, flagged, never negative.
    assert np.isnan(frame.loc[("R3", 14), "value"])
    assert frame.loc[("R3", 14), "flag"] == Flag.COUNTER_RESET
    # R4: an empty reading makes both neighbouring intervals missing.
    assert frame.loc[("R4", 18), "flag"] == Flag.SOURCE_MISSING
    assert frame.loc[("R4", 19), "value"] == 10.0
    assert (table.frame["value"].dropna() >= 0).all()
    assert table.labels["R1"]["register_rollover"] == "100000"


def test_register_stated_rollover_changes_the_verdict():
    path = DATA / "register_16bit.csv"
    inferred = read_register_csv(path)
    assert inferred.frame["value"].iloc[-1] == 10.0  # reset (power of ten 100 000)
    stated = read_register_csv(path, rollover=2**16)
    assert stated.frame["value"].iloc[-1] == 16.0  # 65 530 → 10 wraps at 65 536
    assert stated.frame["flag"].iloc[-1] == Flag.COUNTER_RESET
    assert stated.unit == parse_unit("Wh")


def test_register_errors():
    with pytest.raises(InputDataError, match="line 4: meter 'R1' is read twice"):
        read_register_csv(DATA / "register_twice.csv")
    with pytest.raises(UnitError, match="counts energy"):
        read_register_csv(DATA / "long_power_kw.csv", value_column="power_kw")
    with pytest.raises(ConfigError, match="rollover"):
        read_register_csv(DATA / "register_16bit.csv", rollover=-1)
    with pytest.raises(InputDataError, match="empty"):
        read_register_csv(DATA / "empty.csv")
