"""Utility "Download My Data" interval CSV: preamble, header variants, local time, flags, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.ingest.utility_csv import read_utility_csv

DATA = Path(__file__).resolve().parents[1] / "data" / "meters"
LA = "America/Los_Angeles"
CHICAGO = "America/Chicago"


def _data_rows(path: Path) -> int:
    """Non-blank lines after the header line (the one holding START TIME)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if "START TIME" in line)
    return sum(1 for line in lines[header + 1 :] if line.strip())


def _utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def test_pge_usage_with_units_column_bom_and_preamble():
    path = DATA / "utility_pge_usage_units.csv"
    table = read_utility_csv(path, timezone=LA)
    frame = table.frame
    assert list(frame.columns) == ["interval_start", "meter_id", "value", "flag", "line"]
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["flag"].dtype == np.int8 and frame["line"].dtype == np.int64
    assert len(frame) == _data_rows(path) == 5  # rows conserved
    # BOM + 4 preamble lines + blank line + header: first reading on line 7.
    assert frame["line"].tolist() == [7, 8, 9, 10, 11]
    # START TIME is the interval start (00:00 PDT = 07:00 UTC); END TIME 00:14 → 15 min.
    assert frame["interval_start"].iloc[0] == _utc("2024-07-01 07:00")
    assert table.interval == pd.Timedelta(minutes=15)
    assert table.unit == parse_unit("kWh")
    assert set(frame["meter_id"]) == {"utility"}
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.MEASURED,
        Flag.SOURCE_MISSING,  # empty usage
        Flag.SOURCE_ESTIMATED,  # "* This data was estimated"
        Flag.MEASURED,
    ]
    assert np.isnan(frame["value"].iloc[2])
    assert frame["value"].iloc[4] == -0.05  # a single USAGE column may go negative: kept
    assert table.labels["utility"]["type"] == "Electric usage"
    assert "JANE" not in str(table.labels)  # the preamble (personal data) is not kept
    assert table.record.rows == 5
    assert table.record.end == "2024-07-01T08:15:00+00:00"


def test_meter_id_given():
    table = read_utility_csv(DATA / "utility_pge_usage_units.csv", timezone=LA, meter_id="REV")
    assert set(table.frame["meter_id"]) == {"REV"}
    assert list(table.labels) == ["REV"]


def test_fall_back_repeated_hour_by_row_order_and_us_dates():
    path = DATA / "utility_comed_fallback.csv"
    table = read_utility_csv(path, timezone=CHICAGO)
    frame = table.frame
    assert len(frame) == _data_rows(path) == 5
    # 11/3/2024 (M/D/YYYY): 00:00 CDT, 01:00 CDT, 01:00 CST (the repeat), 02:00 CST, 03:00 CST
    assert frame["interval_start"].tolist() == [
        _utc("2024-11-03 05:00"),
        _utc("2024-11-03 06:00"),
        _utc("2024-11-03 07:00"),
        _utc("2024-11-03 08:00"),
        _utc("2024-11-03 09:00"),
    ]
    assert frame["value"].tolist() == [1.1, 1.2, 1.3, 1.4, 1.5]
    assert table.interval == pd.Timedelta(hours=1)  # END TIME 00:59 is inclusive
    assert frame["interval_start"].is_unique


def test_spring_forward_missing_hour_is_contiguous_in_utc_and_import_export_apart():
    path = DATA / "utility_scl_import_export.csv"
    table = read_utility_csv(path, timezone=LA)
    frame = table.frame
    assert table.unit == parse_unit("kWh")  # SCL writes 'KWh'
    assert set(frame["meter_id"]) == {"utility:import", "utility:export"}
    assert len(frame) == 2 * _data_rows(path)  # rows × (import, export)
    imp = frame[frame["meter_id"] == "utility:import"]
    exp = frame[frame["meter_id"] == "utility:export"]
    # 00:00 PST, 01:00 PST, (02:00 does not exist), 03:00 PDT, 04:00 PDT: no gap in UTC.
    assert imp["interval_start"].tolist() == [
        _utc("2024-03-10 08:00"),
        _utc("2024-03-10 09:00"),
        _utc("2024-03-10 10:00"),
        _utc("2024-03-10 11:00"),
    ]
    assert imp["interval_start"].diff().dropna().eq(pd.Timedelta(hours=1)).all()
    assert imp["value"].tolist() == [2.0, 1.5, 1.0, 0.75]
    assert exp["value"].iloc[:3].tolist() == [0.0, 0.25, 0.5]  # never netted with import
    assert exp["flag"].iloc[3] == Flag.SOURCE_MISSING
    assert imp["flag"].iloc[2] == Flag.SOURCE_ESTIMATED and exp["flag"].iloc[2] == (
        Flag.SOURCE_ESTIMATED
    )
    assert imp["line"].tolist() == exp["line"].tolist() == [7, 8, 9, 10]
    assert table.labels["utility:export"]["direction"].startswith("export")


def test_row_inside_the_spring_forward_gap_is_an_error():
    path = DATA / "utility_in_gap.csv"
    with pytest.raises(InputDataError) as info:
        read_utility_csv(path, timezone=LA)
    message = str(info.value)
    assert str(path) in message and "line 3" in message
    assert "2024-03-10 02:00" in message and "does not exist" in message


def test_gas_daily_therms():
    table = read_utility_csv(DATA / "utility_gas_daily.csv", timezone=LA)
    assert table.unit == parse_unit("therm")
    assert table.interval == pd.Timedelta(days=1)  # 00:00 … 23:59 inclusive
    assert table.frame["interval_start"].iloc[0] == _utc("2024-01-15 08:00")  # PST midnight
    assert table.frame["value"].tolist() == [3.10, 2.95, 3.40]
    assert table.labels["utility"]["type"] == "Natural gas usage"


def test_missing_end_time_inferred_from_next_row():
    table = read_utility_csv(DATA / "utility_no_end_time.csv", timezone=LA)
    assert table.interval == pd.Timedelta(minutes=15)
    assert table.frame["line"].tolist() == [2, 3, 4]


def test_no_header():
    with pytest.raises(InputDataError, match="no header line"):
        read_utility_csv(DATA / "utility_no_header.csv", timezone=LA)


def test_power_units_refused():
    path = DATA / "utility_kw_units.csv"
    with pytest.raises(UnitError) as info:
        read_utility_csv(path, timezone=LA)
    assert str(path) in str(info.value) and "line 2" in str(info.value)
    assert "not an energy unit" in str(info.value)


def test_two_services_in_one_file():
    with pytest.raises(InputDataError, match="line 3: TYPE 'Natural gas usage' differs"):
        read_utility_csv(DATA / "utility_two_types.csv", timezone=LA)


def test_bad_date_names_line():
    with pytest.raises(InputDataError, match=r"line 3: DATE '2024-02-30' is not a date"):
        read_utility_csv(DATA / "utility_bad_date.csv", timezone=LA)


def test_empty_and_non_utf8_and_bad_zone():
    with pytest.raises(InputDataError, match="empty"):
        read_utility_csv(DATA / "empty.csv", timezone=LA)
    with pytest.raises(InputDataError, match=r"line 3: byte 0xc9"):
        read_utility_csv(DATA / "long_latin1.csv", timezone=LA)
    with pytest.raises(ConfigError, match="IANA"):
        read_utility_csv(DATA / "utility_gas_daily.csv", timezone="Pacific")
