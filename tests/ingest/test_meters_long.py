import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.ingest.meters_long import read_long_frame
from tests.conftest import long_frame


def read(frame: pd.DataFrame, **kw):
    return read_long_frame(frame, source="meters.csv", sha256="0" * 64, **kw)


def test_returns_a_unit_carrying_table_in_utc_with_source_lines() -> None:
    frame = long_frame({"REV": [4.0, 5.0], "M": [1.0, 2.0]})
    got = read(frame)
    assert str(got.unit) == "kilowatt_hour"
    assert got.frame["line"].tolist() == [2, 3, 4, 5]
    assert got.frame["flag"].eq(int(Flag.MEASURED)).all()
    assert str(got.frame["interval_start"].dt.tz) == "UTC"
    assert got.record.rows == 4
    assert got.record.start == "2025-01-01T00:00:00+00:00"


def test_offsets_are_converted_to_utc() -> None:
    frame = pd.DataFrame(
        {
            "interval_start": ["2025-07-01T00:00:00-05:00", "2025-07-01T00:15:00-05:00"],
            "meter_id": ["REV", "REV"],
            "energy_kwh": [1.0, 2.0],
        }
    )
    got = read(frame)
    assert got.frame["interval_start"].iloc[0].isoformat() == "2025-07-01T05:00:00+00:00"


def test_power_unit_is_refused_for_an_energy_column() -> None:
    frame = long_frame({"REV": [1000.0, 2000.0]}).rename(columns={"energy_kwh": "energy_wh"})
    assert read(frame, value_column="energy_wh", unit="Wh").unit == "watt_hour"
    with pytest.raises(UnitError, match="not an energy unit"):
        read(frame, value_column="energy_wh", unit="kW")


def test_naive_timestamps_are_refused() -> None:
    frame = pd.DataFrame(
        {"interval_start": ["2025-07-01T00:00:00"], "meter_id": ["REV"], "energy_kwh": [1.0]}
    )
    with pytest.raises(InputDataError, match=r"meters\.csv: line 2: .*no UTC offset"):
        read(frame)


def test_bad_numbers_missing_values_empty_and_missing_columns() -> None:
    frame = long_frame({"REV": [1.0, 2.0], "M": [1.0, 1.0]}).astype({"energy_kwh": object})
    frame.loc[2, "energy_kwh"] = "1,5"
    with pytest.raises(InputDataError, match="line 4: energy_kwh '1,5' is not a number"):
        read(frame)
    frame.loc[2, "energy_kwh"] = None
    got = read(frame)
    assert got.frame["flag"].tolist()[2] == int(Flag.SOURCE_MISSING)
    assert np.isnan(got.frame["value"].iloc[2])
    with pytest.raises(InputDataError, match="empty"):
        read(pd.DataFrame(columns=["interval_start", "meter_id", "energy_kwh"]))
    with pytest.raises(InputDataError, match="missing column"):
        read(pd.DataFrame({"interval_start": [], "meter_id": []}))
