"""``render-series.json``: the chart series a disclosure embeds read back exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.core.errors import ReportContextError
from carbon.report.series import SCHEMA, read_render_series, render_series_bytes


def power() -> xr.DataArray:
    time = pd.date_range("2025-07-01T05:00", periods=8, freq="15min").values.astype("M8[us]")
    values = np.array([[1 / 3, 2.5e4, np.nan, 7.0, 0.1, 0.2, 0.3, 1e-12]] * 2)
    values[1] *= np.pi
    data = xr.DataArray(
        values, dims=("workload", "time"), coords={"workload": ["mining", "ai"], "time": time}
    )
    return data.pint.quantify("kW")


def intensity() -> xr.DataArray:
    time = pd.date_range("2025-07-01T05:00", periods=2, freq="1h").values
    data = xr.DataArray([334.129, 1 / 7], dims=("time",), coords={"time": time}, name="intensity")
    return data.pint.quantify("g CO2e/kWh")


def test_the_series_read_back_to_the_same_floats_times_and_units() -> None:
    data = render_series_bytes(power(), intensity())
    back_power, back_intensity = read_render_series(data)
    assert back_intensity is not None
    for before, after in ((power(), back_power), (intensity(), back_intensity)):
        assert after.pint.units == before.pint.units
        assert after.dims == before.dims and after.name == before.name
        assert after["time"].dtype == before["time"].dtype
        np.testing.assert_array_equal(after["time"].values, before["time"].values)
        # bit for bit, NaN where it was NaN
        np.testing.assert_array_equal(after.pint.magnitude, before.pint.magnitude)
    assert list(back_power["workload"].values) == ["mining", "ai"]
    # the same series give the same bytes, written again from what was read
    assert render_series_bytes(back_power, back_intensity) == data


def test_the_file_is_plain_json_with_null_for_a_missing_value() -> None:
    document = json.loads(render_series_bytes(power(), None))
    assert document["schema"] == SCHEMA and document["intensity"] is None
    assert document["power_by_workload"]["values"][0][2] is None
    assert document["power_by_workload"]["unit"] == "kilowatt"
    assert read_render_series(render_series_bytes(power(), None))[1] is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{not json", "does not parse as JSON"),
        (b'{"schema": "render-series/0"}', "schema 'render-series/0', expected"),
        (
            json.dumps(
                {"schema": SCHEMA, "intensity": None, "power_by_workload": {"unit": "kW"}}
            ).encode(),
            "power_by_workload is not a series of this format",
        ),
        (
            json.dumps(
                {
                    "schema": SCHEMA,
                    "intensity": None,
                    "power_by_workload": {
                        "unit": "furlongs_per_kWh",
                        "workload": ["ai"],
                        "time": ["2025-07-01T05:00:00"],
                        "time_dtype": "datetime64[us]",
                        "values": [[1.0]],
                    },
                }
            ).encode(),
            "names a unit this software does not know",
        ),
    ],
)
def test_a_damaged_file_is_refused_by_name(data: bytes, expected: str) -> None:
    with pytest.raises(ReportContextError, match=expected) as caught:
        read_render_series(data)
    assert caught.value.path == "render-series.json"
    assert caught.value.reason == "render-series"
