"""Green Button ESPI XML: the two real sample feeds, net metering, namespaces, codes, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.ingest.green_button import read_green_button

DATA = Path(__file__).resolve().parents[1] / "data" / "meters"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
HOURLY = REAL / "greenbutton_TestGBDataHourlyNineDaysBinnedDaily.xml"
DAILY = REAL / "greenbutton_TestGBDataOneYearDailyBinnedMonthly.xml"


def _real(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} is not available on this machine")
    return path


def _readings(path: Path) -> int:
    return path.read_text(encoding="utf-8").count("<IntervalReading>")


# ------------------------------------------------------------------ real samples
def test_real_hourly_nine_days():
    path = _real(HOURLY)
    table = read_green_button(path)
    frame = table.frame
    assert list(frame.columns) == ["interval_start", "meter_id", "value", "flag", "line"]
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["flag"].dtype == np.int8 and frame["line"].dtype == np.int64
    assert len(frame) == _readings(path) == 216  # 9 days × 24 h, rows conserved
    # First IntervalReading (file lines 145-153): start 1388552400 = 2014-01-01 05:00 UTC
    # (local midnight EST), duration 3600, value 273, uom 72 (Wh), powerOfTenMultiplier 0.
    first = frame.iloc[0]
    assert first["interval_start"] == pd.Timestamp("2014-01-01 05:00", tz="UTC")
    assert first["value"] == 273.0
    assert first["line"] == 145
    assert first["meter_id"] == "UsagePoint-2"  # …/RetailCustomer/2/UsagePoint/2
    # The 7th reading (start 1388574000, 11:00 local) is 1365 Wh.
    assert frame["interval_start"].iloc[6] == pd.Timestamp(1388574000, unit="s", tz="UTC")
    assert frame["value"].iloc[6] == 1365.0
    assert table.unit == parse_unit("Wh")
    assert table.interval == pd.Timedelta(hours=1)
    assert (frame["flag"] == Flag.MEASURED).all()  # no ReadingQuality in the file
    # The file's ElectricPowerUsageSummary says overallConsumptionLastPeriod = 199563 Wh,
    # which is the sum of its 216 hourly readings.
    assert frame["value"].sum() == 199563.0
    assert table.record.start == "2014-01-01T05:00:00+00:00"
    assert table.record.end == "2014-01-10T05:00:00+00:00"
    labels = table.labels["UsagePoint-2"]
    assert labels["reading_type_flowDirection"] == "1"
    assert labels["reading_type_intervalLength"] == "3600"
    assert labels["local_tzOffset"] == "-18000"
    assert labels["currency"] == "840"
    # cost 819 on a 273 Wh reading is $0.00819 (hundred-thousandths of a dollar).
    assert float(labels["cost_total"]) > 0


def test_real_daily_one_year_with_dst_days():
    path = _real(DAILY)
    table = read_green_button(path)
    frame = table.frame
    assert len(frame) == _readings(path) == 444  # 2013-01-01 … 2014-03-20
    first = frame.iloc[0]
    # First reading (lines 141-149): start 1357016400 = 2013-01-01 05:00 UTC, 86400 s, 21021 Wh.
    assert first["interval_start"] == pd.Timestamp("2013-01-01 05:00", tz="UTC")
    assert first["value"] == 21021.0
    assert first["line"] == 141
    assert first["meter_id"] == "UsagePoint-1"
    # Local-calendar days: 2013-03-10 lasts 82800 s (25389 Wh), 2013-11-03 lasts 90000 s
    # and starts at 04:00 UTC (EDT midnight): durations differ, so no single interval.
    stamps = frame.set_index("interval_start")["value"]
    assert stamps[pd.Timestamp("2013-03-10 05:00", tz="UTC")] == 25389.0
    assert stamps[pd.Timestamp("2013-11-03 04:00", tz="UTC")] == 25935.0
    assert table.interval is None
    assert table.labels["UsagePoint-1"]["durations_s"] == "82800=2; 86400=441; 90000=1"
    # The usage summary: billing period from 1391230800 (2014-02-01 05:00 UTC) for 2419200 s
    # has overallConsumptionLastPeriod 625716 Wh; the current period to 1395374400 has 447993.
    start = pd.Timestamp(1391230800, unit="s", tz="UTC")
    feb = frame[
        (frame["interval_start"] >= start)
        & (frame["interval_start"] < start + pd.Timedelta(seconds=2419200))
    ]
    assert feb["value"].sum() == 625716.0
    march = frame[frame["interval_start"] >= pd.Timestamp(1393650000, unit="s", tz="UTC")]
    assert march["value"].sum() == 447993.0
    assert table.record.end == "2014-03-21T04:00:00+00:00"


# ------------------------------------------------------------------ fixtures
def test_net_metered_import_export_apart_and_quality_codes():
    path = DATA / "gb_net_metered.xml"
    table = read_green_button(path)
    frame = table.frame
    assert set(frame["meter_id"]) == {"UsagePoint-7:import", "UsagePoint-7:export"}
    assert len(frame) == 6  # the demand (uom 38 W) reading type is not energy: skipped
    imp = frame[frame["meter_id"] == "UsagePoint-7:import"]
    exp = frame[frame["meter_id"] == "UsagePoint-7:export"]
    # powerOfTenMultiplier −3 on the import reading type: 1 500 000 × 10^−3 Wh.
    assert imp["value"].tolist() == [1500.0, 1000.0, 0.25]
    assert exp["value"].tolist() == [0.0, 400.0, 1200.0]
    assert imp["interval_start"].iloc[0] == pd.Timestamp("2024-07-01 00:00", tz="UTC")
    # quality 14 raw → measured, 8 estimated using reference day → estimated,
    # 10 questionable → kept as measured and counted.
    assert imp["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_ESTIMATED, Flag.MEASURED]
    labels = table.labels["UsagePoint-7:import"]
    assert labels["quality_questionable"] == "1"
    assert labels["cost_total"] == "0.07500"  # (4500 + 3000) / 100000
    assert "uom 38" in labels["skipped_reading_types"]
    assert labels["local_tzOffset"] == "-21600"
    assert imp["line"].tolist() == [56, 62, 68]  # lines of the <espi:IntervalReading> tags
    assert table.unit == parse_unit("Wh")
    assert table.interval == pd.Timedelta(hours=1)


def test_meter_id_given():
    table = read_green_button(DATA / "gb_net_metered.xml", meter_id="REV")
    assert set(table.frame["meter_id"]) == {"REV:import", "REV:export"}


def test_no_namespace_undeclared_prefix_and_no_links():
    table = read_green_button(DATA / "gb_no_namespace.xml")
    frame = table.frame
    assert frame["value"].tolist() == [2000.0, 3000.0]  # 2 × 10^3 Wh
    assert frame["interval_start"].tolist() == [
        pd.Timestamp("2024-01-01 00:00", tz="UTC"),
        pd.Timestamp("2024-01-01 00:15", tz="UTC"),
    ]
    assert table.interval == pd.Timedelta(minutes=15)
    assert set(frame["meter_id"]) == {"UsagePoint-1"}


def test_unknown_uom_names_the_element():
    path = DATA / "gb_unknown_uom.xml"
    with pytest.raises(UnitError) as info:
        read_green_button(path)
    message = str(info.value)
    assert str(path) in message and "line 14" in message
    assert "ReadingType uom 999" in message and "72 = Wh" in message


def test_cumulative_reading_type_refused():
    with pytest.raises(InputDataError, match="line 14: ReadingType accumulationBehaviour 9"):
        read_green_button(DATA / "gb_cumulative.xml")


def test_unknown_quality_code():
    with pytest.raises(InputDataError, match=r"line 29: ReadingQuality/quality '99'"):
        read_green_button(DATA / "gb_bad_quality.xml")


def test_malformed_xml_names_line():
    path = DATA / "gb_truncated.xml"
    with pytest.raises(InputDataError) as info:
        read_green_button(path)
    assert str(path) in str(info.value) and "line 21" in str(info.value)
    assert "not well-formed XML" in str(info.value)


def test_empty_and_not_green_button():
    with pytest.raises(InputDataError, match="empty"):
        read_green_button(DATA / "empty.csv")
    with pytest.raises(InputDataError, match="not well-formed"):
        read_green_button(DATA / "long_energy_kwh.csv")


def test_no_energy_reading_type():
    path = DATA / "gb_demand_only.xml"
    with pytest.raises(UnitError) as info:
        read_green_button(path)
    assert "no energy reading type" in str(info.value)
    assert "uom 38 (W) at line 14" in str(info.value)
