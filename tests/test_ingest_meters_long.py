import numpy as np
import pandas as pd
import pytest

from carbon.errors import InputDataError, UnitError
from carbon.ingest.meters_long import read_long_frame
from tests.conftest import long_frame

IDS = ["REV", "M"]


def read(frame: pd.DataFrame, **kw):
    return read_long_frame(frame, source="meters.csv", sha256="0" * 64, meter_ids=IDS, **kw)


def test_builds_a_unit_carrying_cube_with_gaps_as_nan() -> None:
    frame = long_frame({"REV": [4.0, 5.0, 6.0, 7.0], "M": [1.0, 2.0, 3.0, 4.0]})
    frame = frame.drop(index=5)  # M's second interval is missing
    got = read(frame)
    assert got.interval == pd.Timedelta("15min")
    assert str(got.energy.pint.units) == "kilowatt_hour"
    m = got.energy.sel(meter="M").pint.magnitude
    assert np.isnan(m[1]) and m[2] == 3.0
    assert got.rows_read == {"REV": 4, "M": 3}
    assert got.record.rows == 7
    assert got.record.start == "2025-01-01T00:00:00+00:00"
    assert got.record.end == "2025-01-01T01:00:00+00:00"


def test_offsets_are_converted_to_utc() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": ["2025-07-01T00:00:00-05:00", "2025-07-01T00:15:00-05:00"] * 2,
            "meter_id": ["REV", "REV", "M", "M"],
            "energy_kwh": [1.0, 2.0, 0.5, 0.5],
        }
    )
    got = read(frame)
    assert str(got.energy["time"].values[0]).startswith("2025-07-01T05:00")


def test_wh_is_converted_and_power_is_refused() -> None:
    frame = long_frame({"REV": [1000.0, 2000.0], "M": [500.0, 500.0]}).rename(
        columns={"energy_kwh": "energy_wh"}
    )
    got = read(frame, value_column="energy_wh", unit="Wh")
    assert got.energy.sel(meter="REV").pint.magnitude.tolist() == [1.0, 2.0]
    with pytest.raises(UnitError, match="not an energy unit"):
        read(frame, value_column="energy_wh", unit="kW")


def test_naive_timestamps_are_refused() -> None:
    frame = pd.DataFrame(
        {"interval_start": ["2025-07-01T00:00:00"], "meter_id": ["REV"], "energy_kwh": [1.0]}
    )
    with pytest.raises(InputDataError, match=r"meters\.csv: line 2: .*no UTC offset"):
        read(frame)


def test_unknown_meter_names_line_and_choices() -> None:
    frame = long_frame({"REV": [1.0, 1.0], "GHOST": [1.0, 1.0]})
    with pytest.raises(InputDataError, match=r"line 4: unknown meter id 'GHOST'.*REV, M"):
        read(frame)


def test_conflicting_duplicates_are_an_error_identical_ones_counted() -> None:
    frame = long_frame({"REV": [1.0, 2.0, 3.0], "M": [1.0, 1.0, 1.0]})
    same = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    got = read(same)
    assert got.duplicates_identical == {"REV": 1, "M": 0}
    assert got.record.rows == 7  # rows in: every row is accounted for
    clash = same.copy()
    clash.loc[clash.index[-1], "energy_kwh"] = 9.0
    with pytest.raises(InputDataError, match=r"line (3|8): meter 'REV' has two different readings"):
        read(clash)


def test_off_grid_timestamp_and_bad_numbers() -> None:
    frame = long_frame({"REV": [1.0, 2.0, 3.0], "M": [1.0, 1.0, 1.0]})
    frame.loc[1, "interval_start"] = frame.loc[1, "interval_start"] + pd.Timedelta("7min")
    with pytest.raises(InputDataError, match="off the 0 days 00:15:00 grid"):
        read(frame, interval=pd.Timedelta("15min"))
    frame = long_frame({"REV": [1.0, 2.0], "M": [1.0, 1.0]}).astype({"energy_kwh": object})
    frame.loc[2, "energy_kwh"] = "1,5"
    with pytest.raises(InputDataError, match="line 4: energy_kwh '1,5' is not a number"):
        read(frame)


def test_empty_and_missing_columns() -> None:
    with pytest.raises(InputDataError, match="empty"):
        read(pd.DataFrame(columns=["interval_start", "meter_id", "energy_kwh"]))
    with pytest.raises(InputDataError, match="missing column"):
        read(pd.DataFrame({"interval_start": [], "meter_id": []}))


def test_negative_readings_are_kept_not_clipped() -> None:
    frame = long_frame({"REV": [1.0, -2.0], "M": [0.5, 0.5]})
    got = read(frame)
    assert got.energy.sel(meter="REV").pint.magnitude.tolist() == [1.0, -2.0]
