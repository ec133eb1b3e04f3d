"""No double counting of on-site generation in Scope 2 (docs/methodology.md §1.5).

Electricity the gensets generate and the site consumes is not Scope 2 as well: their
fuel is already Scope 1. :func:`grid_purchased` leaves only the grid purchase for
Scope 2, and refuses to net exports (exports stay in Scope 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import ureg

__all__ = ["grid_purchased"]


def _energy_magnitude(x: Any, what: str) -> tuple[np.ndarray, Any]:
    if isinstance(x, xr.DataArray):
        units = x.pint.units
        if units is None:
            raise UnitError(f"{what} must carry an energy unit (quantified DataArray)")
        q = x.data
    elif isinstance(x, ureg.Quantity):
        q = x
    else:
        raise UnitError(f"{what} must be a pint Quantity or a quantified DataArray of energy")
    if not q.is_compatible_with("kWh"):
        raise UnitError(f"{what} must be convertible to kWh; got {q.units}")
    return np.asarray(q.to("kWh").magnitude, dtype=float), q


def grid_purchased(revenue_energy: Any, onsite_generation: Any) -> Any:
    """Electricity left for Scope 2 once on-site generation consumed on site is removed.

    ``grid_t = consumption_t − onsite_generation_t``, interval by interval. The
    gensets' fuel is already Scope 1, so the electricity they supply to the site
    is not counted again in Scope 2 (docs/methodology.md §1.5).

    Parameters
    ----------
    revenue_energy : pint.Quantity or xarray.DataArray
        Site consumption per interval, including what the gensets supplied [kWh].
    onsite_generation : pint.Quantity or xarray.DataArray
        On-site generation consumed on site, same shape or broadcastable [kWh].

    Returns
    -------
    pint.Quantity or xarray.DataArray
        Grid purchase for Scope 2 [kWh], of the same kind as `revenue_energy`.

    Raises
    ------
    InputDataError
        If generation exceeds consumption in any interval: that surplus is an
        export, and exports are never netted against purchases (they stay in
        Scope 1; show them as a memo item). Also on negative or missing values.
    UnitError
        If an input carries no energy unit.
    """
    consumption, _ = _energy_magnitude(revenue_energy, "revenue_energy")
    generation, _ = _energy_magnitude(onsite_generation, "onsite_generation")
    if np.isnan(consumption).any() or np.isnan(generation).any():
        raise InputDataError("grid_purchased: consumption or generation has missing values")
    if (consumption < 0).any() or (generation < 0).any():
        raise InputDataError("grid_purchased: consumption and generation must not be negative")
    if isinstance(revenue_energy, xr.DataArray) and isinstance(onsite_generation, xr.DataArray):
        try:
            revenue_energy, onsite_generation = xr.align(
                revenue_energy, onsite_generation, join="exact"
            )
        except ValueError as exc:
            raise InputDataError(
                f"grid_purchased: consumption and generation do not cover the same intervals: {exc}"
            ) from exc
    result = revenue_energy - onsite_generation
    remaining, _ = _energy_magnitude(result, "grid purchase")
    if (remaining < -1e-9 * np.maximum(np.abs(consumption).max(initial=0.0), 1.0)).any():
        worst = float(-remaining.min())
        raise InputDataError(
            f"on-site generation exceeds site consumption in {int((remaining < 0).sum())} "
            f"interval(s) (largest surplus {worst:.6g} kWh): that surplus is exported. Exports "
            "are never netted against grid purchases (docs/methodology.md §1.5); pass only the "
            "generation consumed on site (generation minus the export meter) per interval"
        )
    if isinstance(result, xr.DataArray):
        return result.pint.to("kWh")
    return result.to("kWh")
