"""Scope 2 location-based emissions (METHODOLOGY 1.2 and 2.3).

Hourly view: ``E_LB,h = Σ_h L_h · EF_h`` with ``L_h`` the energy of the hour and
``EF_h`` the hourly average grid intensity. Meter intervals are summed up to the
hour first (ARCHITECTURE "Time rules": sum energy up to the factor's resolution,
never interpolate intensity). That equals per-interval multiplication only when
no meter interval crosses an hour boundary, which :func:`to_hourly` checks.

Annual-factor view: ``E_LB,a = (Σ L_h) · EF_annual``, kept beside the hourly
figure for reconciliation; the difference is the timing effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from carbon.errors import InputDataError, UnitError
from carbon.units import ureg

HOUR = pd.Timedelta(hours=1)


def _require(data: xr.DataArray, unit: str, what: str) -> None:
    """Fail loudly, naming both units, when `data` is not convertible to `unit`."""
    have = data.pint.units
    if have is None or not ureg.Quantity(1, have).is_compatible_with(unit):
        raise UnitError(f"{what} must be convertible to {unit}; got {have}")


def to_resolution(
    energy: xr.DataArray, interval: pd.Timedelta, resolution: pd.Timedelta
) -> xr.DataArray:
    """Sum interval energy [kWh] up to the factor's intervals (interval-start UTC).

    Raises if a meter interval does not divide the factor interval or straddles
    one of its boundaries.
    """
    if interval > resolution or resolution % interval != pd.Timedelta(0):
        raise InputDataError(
            f"meter interval {interval} does not divide the factor interval {resolution}; "
            "factors cannot be applied without splitting readings"
        )
    time = pd.DatetimeIndex(energy["time"].values)
    misaligned = (time - time.floor(resolution)) % interval != pd.Timedelta(0)
    if misaligned.any():
        first = time[np.argmax(misaligned)]
        raise InputDataError(
            f"interval starting {first.isoformat()}Z crosses a {resolution} factor boundary; "
            "readings must be aligned to the clock to meet the factors"
        )
    if resolution == interval:
        return energy
    return energy.resample(time=resolution).sum(skipna=False)


def to_hourly(energy: xr.DataArray, interval: pd.Timedelta) -> xr.DataArray:
    """Sum interval energy [kWh] up to clock hours (see :func:`to_resolution`)."""
    return to_resolution(energy, interval, HOUR)


def coarsen_intensity(intensity: xr.DataArray, interval: pd.Timedelta) -> xr.DataArray:
    """Mean of a finer-than-meter intensity series over each meter interval [g CO2e/kWh].

    Used only when the meters are coarser than the factors (e.g. 15-minute meters,
    5-minute factors); it assumes flat load inside the meter interval, and the
    report says so.
    """
    return intensity.resample(time=interval).mean(skipna=False)


def location_based(energy_hourly: xr.DataArray, intensity: xr.DataArray) -> xr.DataArray:
    """Location-based emissions [kg CO2e] = energy [kWh] × intensity [g CO2e/kWh].

    `energy_hourly` is energy already summed to the factor's intervals. Every
    interval must have an intensity; a missing one is an error naming it (no
    silent fill).
    """
    _require(energy_hourly, "kWh", "energy per hour")
    _require(intensity, "g CO2e/kWh", "grid intensity")
    hours = energy_hourly["time"]
    available = pd.DatetimeIndex(intensity["time"].values)
    wanted = pd.DatetimeIndex(hours.values)
    missing = wanted.difference(available)
    if not len(missing):
        factor = intensity.sel(time=hours)
        unusable = np.isnan(np.asarray(factor.pint.magnitude))
        missing = wanted[unusable]
    if len(missing):
        raise InputDataError(
            f"grid intensity is missing for {len(missing)} interval(s) of the period, first "
            f"{missing[0].isoformat()}Z; every interval needs a factor (none is filled in)"
        )
    factor = intensity.sel(time=hours)
    return (energy_hourly * factor).pint.to("kg CO2e")


def annual_factor_view(energy_total: xr.DataArray, annual_rate: object) -> xr.DataArray:
    """Emissions [kg CO2e] of total energy at one annual average rate (METHODOLOGY 2.3)."""
    return (energy_total * annual_rate).pint.to("kg CO2e")
