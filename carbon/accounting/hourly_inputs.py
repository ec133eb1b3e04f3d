"""The entrance of market-based accounting: inputs as magnitudes on clock hours
(docs/methodology.md §1.3).

Market-based Scope 2 runs on magnitudes in fixed units (kWh, kg CO2e/kWh) over
consecutive clock hours (tz-naive UTC interval starts). These functions check the unit
of each input, check its hours, and give its values on the load's hours; a missing hour
is an error, never filled in.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import ureg

__all__ = ["HOUR", "RATE_UNIT", "cfe_share_on_hours", "clock_hours", "on_hours", "require_unit"]

HOUR = pd.Timedelta(hours=1)
#: The unit every emission rate is computed in.
RATE_UNIT = "kg CO2e/kWh"


def require_unit(data: Any, unit: str, what: str) -> None:
    """Refuse `data` (a Quantity or a quantified DataArray) unless it converts to `unit`."""
    units = data.pint.units if isinstance(data, xr.DataArray) else getattr(data, "units", None)
    if units is None or not ureg.Quantity(1, units).is_compatible_with(unit):
        raise UnitError(f"{what} must be convertible to {unit}; got {units}")


def clock_hours(time: Any, what: str, *, consecutive: bool = True) -> pd.DatetimeIndex:
    """`time` as tz-naive UTC clock hours; with `consecutive`, without gaps or repeats."""
    index = pd.DatetimeIndex(time)
    if index.tz is not None:
        raise InputDataError(f"{what}: time must be tz-naive UTC interval starts")
    off_hour = index != index.floor("h")
    if off_hour.any():
        raise InputDataError(
            f"{what}: {index[np.argmax(off_hour)].isoformat()} is not on the hour; sum energy to "
            "clock hours first (carbon.accounting.location.to_hourly)"
        )
    steps = index[1:] - index[:-1]
    if consecutive and len(steps) and (steps != HOUR).any():
        raise InputDataError(f"{what}: time must be consecutive hours without gaps or repeats")
    return index


def on_hours(
    data: Any, unit: str, hours: pd.DatetimeIndex, what: str, need: np.ndarray | None = None
) -> np.ndarray:
    """A scalar Quantity or a (time) DataArray as magnitudes in `unit` on `hours`."""
    require_unit(data, unit, what)
    if not isinstance(data, xr.DataArray):
        return np.full(len(hours), float(data.to(unit).magnitude))
    if data.dims != ("time",):
        raise InputDataError(f"{what} must have the single dimension 'time', got {data.dims}")
    clock_hours(data["time"].values, what, consecutive=False)
    converted = data.pint.to(unit)
    magnitude = converted.data.magnitude
    have = converted.indexes["time"]
    if isinstance(magnitude, np.ndarray) and magnitude.dtype.kind == "f" and have.is_unique:
        # what the reindex below does (exact stamps, NaN where absent), on numpy
        at = have.get_indexer(hours)
        values = (
            np.where(at >= 0, magnitude[at], np.nan)
            if len(magnitude)
            else np.full(len(hours), np.nan)
        )
    else:
        values = converted.pint.dequantify().reindex(time=hours).to_numpy()
    need = np.ones(len(hours), bool) if need is None else need
    missing = np.isnan(values) & need
    if missing.any():
        raise InputDataError(
            f"{what} is missing for {int(missing.sum())} hour(s), first "
            f"{hours[np.argmax(missing)].isoformat()}Z; no value is filled in"
        )
    return values


def cfe_share_on_hours(data: xr.DataArray, hours: pd.DatetimeIndex) -> np.ndarray:
    """Grid carbon-free share c_h as fractions; percent and plain numbers are accepted."""
    if data.pint.units is None:
        data = data.pint.quantify("dimensionless", unit_registry=ureg)
    values = on_hours(data, "dimensionless", hours, "grid carbon-free share")
    if (values < 0).any() or (values > 1).any():
        raise InputDataError(
            "grid carbon-free share must lie in [0, 1]; a percentage needs the unit 'percent'"
        )
    return values
