"""Three clean-energy shares, each from its own inputs and never merged
(docs/disclosure-items.md item 12).

1. **Grid-mix carbon-free % (location)**: the share of the grid supply that is
   carbon-free, load-weighted: ``Σ_h L_h · c_h / Σ_h L_h`` with ``c_h`` the
   grid source's carbon-free share of interval ``h``. It is a property of the
   grid, not a claim: no certificate stands behind it.
2. **Certificate-backed renewable % (annual, contractual)**: renewable MWh of
   certificates and PPAs whose certificates are retained for the site, applied in
   the market-based result, ÷ consumption, annual matching:
   ``min(E_cert, E) / E``.
3. **Hourly-matched CFE %**: docs/methodology.md §2's hourly matched share
   ``Σ_h min(L_h, G_h) / Σ_h L_h``, ``G_h`` the carbon-free generation of the
   contracted instruments in hour ``h``. It excludes grid CFE and so differs from
   Google's "CFE%", which adds ``c_h · max(0, L_h − G_h)``.

The three answer different questions and use different inputs; a sum or mean of
them means nothing, so none is produced. Labels are fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import ureg

__all__ = [
    "SHARE_DEFINITIONS",
    "SHARE_LABELS",
    "certificate_renewable_share",
    "grid_carbon_free_share",
    "hourly_matched_share",
]

#: The fixed labels, keyed as in results.json.
SHARE_LABELS: dict[str, str] = {
    "grid_carbon_free_location": "Grid-mix carbon-free % (location)",
    "certificate_renewable_annual": "Certificate-backed renewable % (annual, contractual)",
    "hourly_matched_cfe": "Hourly-matched CFE %",
}
#: The formula beside each label.
SHARE_DEFINITIONS: dict[str, str] = {
    "grid_carbon_free_location": "Σ L_h·c_h / Σ L_h: load-weighted carbon-free share c_h of the "
    "grid supply as the grid source states it (nuclear, hydro, wind, solar); a grid property, "
    "no certificates behind it",
    "certificate_renewable_annual": "min(E_cert, E) / E: renewable MWh of certificates and PPAs "
    "retained for the site and applied in the market-based result, over metered consumption E, "
    "annual matching",
    "hourly_matched_cfe": "Σ min(L_h, G_h) / Σ L_h: consumption matched hour by hour with "
    "contracted carbon-free generation G_h (docs/methodology.md §2); grid CFE excluded, so not "
    "Google's CFE%",
}


def _energy_series(data: Any, what: str) -> np.ndarray:
    if not isinstance(data, xr.DataArray) or data.pint.units is None:
        raise UnitError(f"{what} must be a pint-xarray DataArray of energy")
    if not ureg.Quantity(1, data.pint.units).is_compatible_with("kWh"):
        raise UnitError(f"{what} must be an energy (kWh), got {data.pint.units}")
    values = np.asarray(data.pint.to("kWh").pint.magnitude, dtype=float)
    if np.isnan(values).any():
        raise InputDataError(f"{what} has {int(np.isnan(values).sum())} missing interval(s)")
    return values


def _fraction(x: float) -> pint.Quantity:
    return ureg.Quantity(float(x), "dimensionless")


def grid_carbon_free_share(load: xr.DataArray, carbon_free: xr.DataArray) -> pint.Quantity:
    """``Σ L_h · c_h / Σ L_h`` [dimensionless].

    Parameters
    ----------
    load : xarray.DataArray
        Site consumption ``(time,)`` [energy].
    carbon_free : xarray.DataArray
        Grid carbon-free share ``c_h`` ``(time,)`` on the same time axis
        [dimensionless or percent], each in [0, 1].
    """
    lod = _energy_series(load, "load")
    if not isinstance(carbon_free, xr.DataArray):
        raise UnitError("the grid carbon-free share must be a DataArray (time,)")
    units = carbon_free.pint.units
    c = carbon_free if units is not None else carbon_free.pint.quantify("dimensionless")
    if not ureg.Quantity(1, c.pint.units).dimensionless:
        raise UnitError(f"the grid carbon-free share is a fraction, got {c.pint.units}")
    share = np.asarray(c.pint.to("dimensionless").pint.magnitude, dtype=float)
    if share.shape != lod.shape:
        raise InputDataError(f"carbon-free share has {share.size} values, the load {lod.size}")
    if np.isnan(share).any() or (share < 0).any() or (share > 1).any():
        raise InputDataError("the grid carbon-free share must be in [0, 1] for every interval")
    total = lod.sum()
    if total <= 0:
        raise InputDataError("no consumption in the period")
    return _fraction((lod * share).sum() / total)


def certificate_renewable_share(
    renewable_certificates: pint.Quantity, consumption: pint.Quantity
) -> pint.Quantity:
    """``min(E_cert, E) / E`` [dimensionless], annual matching.

    Parameters
    ----------
    renewable_certificates : pint.Quantity
        Renewable energy whose certificates are retained for the site [energy].
    consumption : pint.Quantity
        Metered consumption of the period [energy].
    """
    for q, what in ((renewable_certificates, "certificate MWh"), (consumption, "consumption")):
        if not isinstance(q, ureg.Quantity) or not q.is_compatible_with("MWh"):
            got = getattr(q, "units", type(q).__name__)
            raise UnitError(f"{what} must be an energy (MWh), got {got}")
    e = float(consumption.to("MWh").magnitude)
    cert = float(renewable_certificates.to("MWh").magnitude)
    if e <= 0:
        raise InputDataError("no consumption in the period")
    if cert < 0:
        raise InputDataError("certificate MWh must not be negative")
    return _fraction(min(cert, e) / e)


def hourly_matched_share(load: xr.DataArray, generation: xr.DataArray) -> pint.Quantity:
    """``Σ min(L_h, G_h) / Σ L_h`` [dimensionless] (docs/methodology.md §2).

    Parameters
    ----------
    load, generation : xarray.DataArray
        Consumption and contracted carbon-free generation ``(time,)`` [energy], hourly.
    """
    lod = _energy_series(load, "load")
    gen = _energy_series(generation, "carbon-free generation")
    if gen.shape != lod.shape:
        raise InputDataError(f"generation has {gen.size} hours, the load {lod.size}")
    total = lod.sum()
    if total <= 0:
        raise InputDataError("no consumption in the period")
    return _fraction(np.minimum(lod, gen).sum() / total)
