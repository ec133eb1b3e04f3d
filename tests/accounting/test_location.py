import numpy as np
import pandas as pd
import pint
import pytest
import xarray as xr

from carbon.accounting.location import location_based, to_hourly
from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import ureg


def energy_da(values, start="2025-01-01 00:00", freq="15min", unit="kWh") -> xr.DataArray:
    time = pd.date_range(start, periods=len(values), freq=freq)
    return xr.DataArray(
        np.asarray(values, float), dims="time", coords={"time": time}
    ).pint.quantify(unit, unit_registry=ureg)


def intensity_da(values, start="2025-01-01 00:00", unit="g CO2e/kWh") -> xr.DataArray:
    return energy_da(values, start=start, freq="1h", unit=unit)


def test_hand_computed_hourly_location_based() -> None:
    energy = energy_da([1, 2, 3, 4, 10, 10, 10, 10])  # 10 kWh then 40 kWh
    hourly = to_hourly(energy, pd.Timedelta("15min"))
    assert hourly.pint.magnitude.tolist() == [10.0, 40.0]
    emissions = location_based(hourly, intensity_da([300.0, 500.0]))
    assert str(emissions.pint.units) == "CO2e * kilogram"
    assert emissions.pint.magnitude.tolist() == pytest.approx([3.0, 20.0])


def test_lb_per_mwh_factor_converts_correctly() -> None:
    hourly = energy_da([1000.0], freq="1h")  # 1 MWh
    emissions = location_based(hourly, intensity_da([736.629], unit="lb CO2e/MWh"))
    assert emissions.pint.magnitude == pytest.approx([736.629 * 0.45359237])


def test_power_instead_of_energy_fails_loudly() -> None:
    power = energy_da([1000.0], freq="1h", unit="kW")
    with pytest.raises(UnitError, match="energy per hour must be convertible to kWh; got kilowatt"):
        location_based(power, intensity_da([100.0]))
    with pytest.raises(UnitError, match="grid intensity"):
        location_based(energy_da([1.0], freq="1h"), intensity_da([100.0], unit="lb CO2/MWh"))


def test_mixing_power_and_energy_raises() -> None:
    with pytest.raises(pint.DimensionalityError):
        ureg.Quantity(1, "kW") + ureg.Quantity(1, "kWh")


def test_missing_intensity_hour_is_an_error() -> None:
    hourly = energy_da([1.0, 1.0], freq="1h")
    with pytest.raises(InputDataError, match=r"missing for 1 interval.*2025-01-01T01:00:00"):
        location_based(hourly, intensity_da([100.0]))


def test_interval_must_divide_and_align_with_the_hour() -> None:
    with pytest.raises(InputDataError, match="does not divide the factor interval"):
        to_hourly(energy_da([1.0] * 4, freq="25min"), pd.Timedelta("25min"))
    with pytest.raises(InputDataError, match="crosses a 0 days 01:00:00 factor boundary"):
        to_hourly(energy_da([1.0] * 4, start="2025-01-01 00:10"), pd.Timedelta("15min"))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_complete_grid_is_summed_by_reshape_whatever_the_time_resolution(unit, monkeypatch) -> None:
    """A complete, hour-aligned grid takes the reshape sum whatever the datetime64 unit of its
    time coordinate (pandas 3 parses text stamps to microseconds); the per-group resample
    loop is only for grids with holes."""
    values = np.arange(1.0, 9.0)
    time = pd.date_range("2025-01-01 00:00", periods=8, freq="15min").as_unit(unit)
    energy = xr.DataArray(values, dims="time", coords={"time": time}).pint.quantify(
        "kWh", unit_registry=ureg
    )

    def no_resample(*args, **kwargs):
        raise AssertionError("resample used on a complete grid")

    monkeypatch.setattr(xr.DataArray, "resample", no_resample)
    hourly = to_hourly(energy, pd.Timedelta("15min"))
    assert hourly.pint.magnitude.tolist() == [10.0, 26.0]
    assert str(hourly.pint.units) == "kilowatt_hour"


def test_grid_with_a_hole_is_still_summed_per_hour() -> None:
    time = pd.date_range("2025-01-01 00:00", periods=8, freq="15min").delete(5)
    energy = xr.DataArray(np.ones(7), dims="time", coords={"time": time}).pint.quantify(
        "kWh", unit_registry=ureg
    )
    assert to_hourly(energy, pd.Timedelta("15min")).pint.magnitude.tolist() == [4.0, 3.0]
