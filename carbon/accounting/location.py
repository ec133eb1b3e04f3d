"""Scope 2 location-based emissions (docs/methodology.md §1.2 and §2.3).

Hourly view: ``E_LB,h = Σ_h L_h · EF_h`` with ``L_h`` the energy of the hour and
``EF_h`` the hourly average grid intensity. Meter intervals are summed up to the
hour first (docs/how-it-works.md "Time rules": sum energy up to the factor's resolution,
never interpolate intensity). That equals per-interval multiplication only when
no meter interval crosses an hour boundary, which :func:`to_hourly` checks.

Annual-factor view: ``E_LB,a = (Σ L_h) · EF_annual``, kept beside the hourly
figure for reconciliation; the difference is the timing effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.quantified import quantified
from carbon.core.units import ureg

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
    if time.hasnans:
        misaligned = (time - time.floor(resolution)) % interval != pd.Timedelta(0)
    else:  # the same test on the integer nanoseconds (floor = t - t mod resolution)
        misaligned = (time.as_unit("ns").asi8 % resolution.value) % interval.value != 0
    if misaligned.any():
        first = time[np.argmax(misaligned)]
        raise InputDataError(
            f"interval starting {first.isoformat()}Z crosses a {resolution} factor boundary; "
            "readings must be aligned to the clock to meet the factors"
        )
    if resolution == interval:
        return energy
    steps = resolution // interval
    if time.size % steps == 0 and time.size and time[0] == time[0].floor(resolution):
        regular = time.size == 1 or bool(np.all((time[1:] - time[:-1]) == interval))
        if regular:
            return _coarsen_sum(energy, steps)
    return energy.resample(time=resolution).sum(skipna=False)


def hold_positions(
    have: pd.DatetimeIndex, resolution: pd.Timedelta, times: pd.DatetimeIndex
) -> np.ndarray:
    """For each of `times`, the position in `have` (a series' interval starts, step
    `resolution`) of the interval that contains it; -1 where the series has none."""
    if not len(have):
        return np.full(len(times), -1)
    stamps = pd.DatetimeIndex(have).as_unit("ns")
    origin = int(stamps.asi8[0])
    t = pd.DatetimeIndex(times).as_unit("ns").asi8
    start = origin + ((t - origin) // resolution.value) * resolution.value
    return stamps.get_indexer(pd.DatetimeIndex(start.astype("datetime64[ns]")))


def _coarsen_sum(energy: xr.DataArray, steps: int) -> xr.DataArray:
    """Sum every `steps` consecutive intervals (a complete grid starting on a boundary).

    ``resample(...).sum()`` runs a Python loop over the output intervals on pint-wrapped data
    (744 groups for a month of hours); this is one reshape and one sum over the new axis,
    and it works unchanged on dask arrays. The sum runs on the magnitudes and the units go
    back once, because reshaping an xarray object is not a pint-aware operation.
    """
    units = energy.pint.units
    axis = energy.get_axis_num("time")
    data = energy.data.magnitude  # numpy, or dask (reshape keeps its time chunks whole)
    shape = (*data.shape[:axis], data.shape[axis] // steps, steps, *data.shape[axis + 1 :])
    summed = data.reshape(shape).sum(axis=axis + 1)
    starts = energy.isel(time=slice(None, None, steps))  # each output interval's first start
    out = starts.copy(data=ureg.Quantity(summed, units))
    out.attrs.pop("units", None)  # as dequantify + quantify leave it: the unit is in the data
    return out


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
        # the factors already on the wanted hours (what the hierarchy gives) need no selection
        same = available.is_unique and available.equals(wanted)
        factor = intensity if same else intensity.sel(time=hours)
        unusable = np.isnan(np.asarray(factor.pint.magnitude))
        missing = wanted[unusable]
    if len(missing):
        raise InputDataError(
            f"grid intensity is missing for {len(missing)} interval(s) of the period, first "
            f"{missing[0].isoformat()}Z; every interval needs a factor (none is filled in)"
        )
    return (energy_hourly * factor).pint.to("kg CO2e")


def annual_factor_view(energy_total: xr.DataArray, annual_rate: object) -> xr.DataArray:
    """Emissions [kg CO2e] of total energy at one annual average rate (docs/methodology.md §2.3)."""
    return (energy_total * annual_rate).pint.to("kg CO2e")


# --------------------------------------------------------------------------------------
# Location-based factor hierarchy (docs/methodology.md §1.2)
# --------------------------------------------------------------------------------------
#: Level codes of the factor used per interval, most specific first (int8 in the record).
FACTOR_LEVELS: tuple[str, ...] = ("hourly_source", "subregion_annual", "national")
LEVEL_HOURLY_SOURCE, LEVEL_SUBREGION_ANNUAL, LEVEL_NATIONAL = 0, 1, 2


def apply_factor_hierarchy(
    intensity: xr.DataArray,
    usable: xr.DataArray | None,
    times: xr.DataArray,
    *,
    subregion_rate: object | None,
    national_rate: object | None,
    no_fallback: str = "",
) -> tuple[xr.DataArray, xr.DataArray]:
    """The location-based factor of every interval, most specific level first.

    (1) the hourly (or sub-hourly) grid source where it has a usable value; else
    (2) the regional annual rate (eGRID subregion, or the site's declared table); else,
    when there is none (`subregion_rate` None), (3) the eGRID national rate (US sites).
    Where neither fallback exists (a site outside the US without a declared annual
    factor), an interval without a usable hourly value is an error naming the intervals.

    Parameters
    ----------
    intensity
        The grid source on its own time axis [g CO2e/kWh]; NaN = no value.
    usable
        Boolean (time,) on the same axis as `intensity`: False where the source
        flags the value missing; None = every non-NaN value is usable.
    times
        The intervals that need a factor (the energy's ``time`` coordinate).
        Intervals outside the source's coverage take a fallback.
    subregion_rate, national_rate
        Scalar pint quantities [CO2e mass/energy]; either may be None.
    no_fallback
        Why no fallback exists, for the error when one is needed.

    Returns
    -------
    factor : xr.DataArray
        (time,) [g CO2e/kWh] on `times`, never NaN.
    levels : xr.DataArray
        (time,) int8 level codes (:data:`FACTOR_LEVELS` index) on `times`.
    """
    _require(intensity, "g CO2e/kWh", "grid intensity")
    source = intensity.pint.to("g CO2e/kWh")
    wanted = pd.DatetimeIndex(times.values)
    magnitude = source.data.magnitude
    if isinstance(magnitude, np.ndarray) and source.indexes["time"].is_unique:
        # what reindex does (exact labels, NaN where the source has no value), on numpy
        values = _on_times(np.asarray(magnitude, dtype="float64"), source, wanted, np.nan)
    else:
        on_times = source.pint.dequantify().reindex(time=times.values)
        values = np.asarray(on_times.values, dtype="float64")
    ok = np.isfinite(values)
    if usable is not None:
        if isinstance(usable.data, np.ndarray) and usable.indexes["time"].is_unique:
            ok &= _on_times(np.asarray(usable.values, dtype=bool), usable, wanted, False)
        else:
            flags_ok = usable.reindex(time=times.values, fill_value=False)
            ok &= np.asarray(flags_ok.values, dtype=bool)
    if subregion_rate is not None:
        fallback = float(ureg.Quantity(subregion_rate).to("g CO2e/kWh").magnitude)
        fallback_level = LEVEL_SUBREGION_ANNUAL
    elif national_rate is not None:
        fallback = float(ureg.Quantity(national_rate).to("g CO2e/kWh").magnitude)
        fallback_level = LEVEL_NATIONAL
    else:
        if not ok.all():
            _no_fallback_error(wanted[~ok], no_fallback)
        fallback, fallback_level = 0.0, LEVEL_HOURLY_SOURCE  # never used: every value is ok
    if not np.isfinite(fallback) or fallback < 0:
        raise InputDataError(f"fallback grid factor is not a usable rate: {fallback}")
    filled = np.where(ok, values, fallback)
    codes = np.where(ok, LEVEL_HOURLY_SOURCE, fallback_level).astype(np.int8)
    coords = {"time": times.values}
    factor = quantified(filled, "g CO2e/kWh", ("time",), coords, name="intensity")
    levels = xr.DataArray(
        codes,
        dims=("time",),
        coords=coords,
        name="factor_level",
        attrs={"levels": ", ".join(f"{i}={n}" for i, n in enumerate(FACTOR_LEVELS))},
    )
    return factor, levels


def _no_fallback_error(missing: pd.DatetimeIndex, why: str) -> None:
    """Refuse intervals without a usable hourly value where no fallback rate exists."""
    shown = ", ".join(f"{t.isoformat()}Z" for t in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    raise InputDataError(
        f"{len(missing)} interval(s) have no usable hourly grid value and no fallback rate "
        f"exists ({why or 'no annual factor for the region'}): {shown}{more}; declare the "
        "region's annual factor ([factors] annual in the site file) or supply the hours",
        timestamp=f"{missing[0].isoformat()}Z",
        reason="no-fallback-factor",
    )


def _on_times(
    values: np.ndarray, data: xr.DataArray, wanted: pd.DatetimeIndex, fill: object
) -> np.ndarray:
    """`values` on `data`'s (unique) time axis, taken onto `wanted`; `fill` where absent."""
    have = data.indexes["time"]
    if have.equals(wanted):
        return values
    at = have.get_indexer(wanted)
    if not len(values):
        return np.full(len(wanted), fill, dtype=values.dtype)
    return np.where(at >= 0, values[at], fill)
