"""Period totals: a quantity or quantified DataArray summed to one checked number with its unit.

The KPIs, the sector metrics and Scope 3 are ratios or products of period totals, never
means of interval values; :func:`total_of` is the one way they sum their inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import Q_, ureg

__all__ = ["total_of"]


def total_of(x: Any, unit: str, what: str, *, allow_negative: bool = False) -> pint.Quantity:
    """Sum a quantity or quantified DataArray over all its elements, in `unit`.

    Parameters
    ----------
    x : pint.Quantity or xarray.DataArray
        Amounts (energy, water, emissions) over the period; a DataArray is summed
        over every dimension (e.g. workload and time).
    unit : str
        Target unit, e.g. ``"kWh"``.
    what : str
        Name used in error messages.
    allow_negative : bool
        Negative totals are refused unless True.

    Returns
    -------
    pint.Quantity
        Scalar total in `unit`.

    Raises
    ------
    UnitError
        If `x` carries no unit or one not convertible to `unit`.
    InputDataError
        If the total is missing (NaN) or negative.
    """
    if isinstance(x, xr.DataArray):
        if x.pint.units is None:
            raise UnitError(f"{what} must be a quantified DataArray [{unit}]; it has no unit")
        q = x.sum(skipna=False).data
    elif isinstance(x, ureg.Quantity):
        q = x.sum() if np.ndim(x.magnitude) else x
    else:
        raise UnitError(
            f"{what} must be a pint Quantity or a quantified DataArray [{unit}], "
            f"got {type(x).__name__}"
        )
    try:
        q = q.to(unit)
    except pint.DimensionalityError as exc:
        raise UnitError(f"{what} must be convertible to {unit}; got {q.units}") from exc
    magnitude = float(q.magnitude)
    if np.isnan(magnitude):
        raise InputDataError(f"{what} has missing values; a KPI needs complete totals")
    if magnitude < 0 and not allow_negative:
        raise InputDataError(f"{what} must not be negative, got {q}")
    return Q_(magnitude, unit)
