"""Matching on the annual and hourly bases, and the matching metrics (docs/methodology.md §1.8, §2).

Per hour ``h``: ``L_h`` load, ``G_h`` generation of the instruments that cover it,
``EF_rem,h`` the rate of the load no instrument covers.

- Hourly matching: ``Σ_h max(0, L_h − G_h)·EF_rem,h``; surplus never moves to
  another hour.
- Annual matching (2015 Guidance practice): ``max(0, ΣL − ΣG)·EF_rem,annual``.

The covered MWh of a fossil or biomass instrument add their own rate; when instruments
exceed the load, each is used in the same proportion (:func:`matched`).

Matching metrics use carbon-free instruments only (technology wind, solar, hydro,
nuclear): ``Annual match`` ``M_ann = min(1, ΣG/ΣL)``, ``Hourly matched share
(EnergyTag-style)`` ``M_hr = Σ min(L_h, G_h)/ΣL``, and ``Google CFE%``
``Σ[min(L_h, G_h) + c_h·max(0, L_h − G_h)]/ΣL``, which alone includes grid CFE.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pint
import xarray as xr

from carbon.accounting.hourly_inputs import (
    RATE_UNIT,
    cfe_share_on_hours,
    clock_hours,
    on_hours,
    require_unit,
)
from carbon.core.units import ureg

__all__ = [
    "METRICS",
    "MatchingMetrics",
    "MetricDefinition",
    "annual_matching_emissions",
    "hourly_matching_emissions",
    "matched",
    "matching_metrics",
    "metrics_of",
]


@dataclass(frozen=True)
class MetricDefinition:
    """A matching metric, with its label and formula exactly as docs/methodology.md §2."""

    key: str
    label: str
    formula: str
    includes_grid_cfe: bool


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("annual_match", "Annual match", "M_ann = min(1, ΣG_h / ΣL_h)", False),
    MetricDefinition(
        "hourly_matched_share",
        "Hourly matched share (EnergyTag-style)",
        "M_hr = Σ min(L_h, G_h) / ΣL_h",
        False,
    ),
    MetricDefinition(
        "cfe_share", "Google CFE%", "CFE = Σ[min(L_h,G_h) + c_h·max(0, L_h−G_h)] / ΣL_h", True
    ),
)


@dataclass(frozen=True)
class MatchingMetrics:
    """Section 2 metrics as fractions (0.6 = 60 %); ``None`` where undefined.

    ``cfe_share`` (Google CFE%) includes grid CFE; ``hourly_matched_share`` does not.
    """

    annual_match: float | None
    hourly_matched_share: float | None
    cfe_share: float | None
    load_mwh: float
    carbon_free_mwh: float
    hourly_matched_mwh: float


def metrics_of(
    load: np.ndarray, g_hourly: np.ndarray, g_total_kwh: float, cfe: np.ndarray | None
) -> MatchingMetrics:
    """Metrics from load and carbon-free generation [kWh] over the time axis."""
    total = float(load.sum())
    matched = np.minimum(load, g_hourly)
    if total <= 0:
        return MatchingMetrics(None, None, None, 0.0, g_total_kwh / 1000, 0.0)
    cfe_share = None
    if cfe is not None:
        cfe_share = float((matched + cfe * np.maximum(0.0, load - g_hourly)).sum() / total)
    return MatchingMetrics(
        annual_match=min(1.0, g_total_kwh / total),
        hourly_matched_share=float(matched.sum() / total),
        cfe_share=cfe_share,
        load_mwh=total / 1000,
        carbon_free_mwh=g_total_kwh / 1000,
        hourly_matched_mwh=float(matched.sum()) / 1000,
    )


def matched(
    load: np.ndarray, gen: np.ndarray, own: np.ndarray, ef_rem: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Emissions [kg], uncovered [kWh] and the used fraction of each instrument.

    `load` (..., t), `gen` (k, ..., t) [kWh], `own` (k,) instrument rates [kg/kWh].
    """
    g_total = gen.sum(axis=0)
    covered = np.minimum(load, g_total)
    used = np.divide(covered, g_total, out=np.zeros_like(covered), where=g_total > 0)
    own_kg = used * np.tensordot(own, gen, axes=(0, 0))
    uncovered = load - covered
    return uncovered * ef_rem + own_kg, uncovered, used


def hourly_matching_emissions(
    load: xr.DataArray, generation: xr.DataArray, residual_factor: Any
) -> xr.DataArray:
    """Hourly-matching MB emissions ``max(0, L_h − G_h)·EF_res,h`` per hour [kg CO2e].

    Parameters
    ----------
    load, generation : xarray.DataArray
        ``(time)`` hourly load and zero-emission generation [energy].
    residual_factor : pint.Quantity or xarray.DataArray
        ``EF_res`` [CO2e/energy], one value or one per hour.
    """
    require_unit(load, "kWh", "load")
    require_unit(generation, "kWh", "generation")
    hours = clock_hours(load["time"].values, "load")
    lod = np.asarray(load.pint.to("kWh").pint.magnitude, float)
    gen = on_hours(generation, "kWh", hours, "generation")
    ef = on_hours(residual_factor, RATE_UNIT, hours, "residual factor")
    kg, _, _ = matched(lod, gen[None], np.zeros(1), ef)
    return xr.DataArray(kg, dims="time", coords={"time": hours}).pint.quantify(
        "kg CO2e", unit_registry=ureg
    )


def annual_matching_emissions(
    load: xr.DataArray, generation: xr.DataArray, residual_factor: pint.Quantity
) -> pint.Quantity:
    """Annual-matching (2015) MB emissions ``max(0, ΣL − ΣG)·EF_res,annual`` [kg CO2e].

    `load` and `generation` are summed over all their elements [energy];
    `residual_factor` is one annual rate [CO2e/energy].
    """
    require_unit(load, "kWh", "load")
    require_unit(generation, "kWh", "generation")
    require_unit(residual_factor, RATE_UNIT, "residual factor")
    gap = load.sum() - generation.sum()
    kwh = max(0.0, float(gap.pint.to("kWh").pint.magnitude))
    return ureg.Quantity(kwh * float(residual_factor.to(RATE_UNIT).magnitude), "kg CO2e")


def matching_metrics(
    load: xr.DataArray, generation: xr.DataArray, grid_cfe_share: xr.DataArray | None = None
) -> MatchingMetrics:
    """The section 2 metrics of hourly `load` and carbon-free `generation` ``(time)`` [energy].

    `grid_cfe_share` is ``c_h`` ``(time)``, a dimensionless fraction (or ``percent``).
    """
    require_unit(load, "kWh", "load")
    require_unit(generation, "kWh", "generation")
    hours = clock_hours(load["time"].values, "load")
    lod = np.asarray(load.pint.to("kWh").pint.magnitude, float)
    gen = on_hours(generation, "kWh", hours, "generation")
    cfe = None if grid_cfe_share is None else cfe_share_on_hours(grid_cfe_share, hours)
    return metrics_of(lod, gen, float(gen.sum()), cfe)
