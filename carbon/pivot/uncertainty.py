"""Uncertainty of the headline figures by vectorised Monte Carlo (seeded, deterministic).

Sources of uncertainty, each drawn independently per draw (draws are an array
axis; nothing loops over draws):

- **Meter accuracy class** per meter: a class ``c`` (per cent) is read as the
  95 % bound of a normal relative error, ``σ = c / 1.96``, one error per meter
  and period (a calibration error persists). Defaults: revenue meter class 0.5
  (IEC 62053-22 0.5S), IT and shared sub-meters class 1.
- **Imputed energy**: each meter's linearly imputed kWh vary uniformly by
  ``± IMPUTED_RANGE`` (50 %).
- **Allocation keys**: each workload's share of the overhead pool (revenue
  minus IT; shared meters and the unmetered residual) is scaled by a uniform
  ``1 ± KEY_RANGE`` (20 %) and renormalised, so the pool stays whole. The
  workload ``other`` follows a rule, not a key, and is not varied.
- **Emission factors** per source: the location-based factor as a 95 %
  half-width by factor level (hourly source 10 %, eGRID subregion annual 5 %,
  eGRID national 10 %), combined in proportion to the emissions at each level;
  the market-based residual mix 10 %. One draw per basis and period (the
  factor errors of adjacent hours are not independent).

Market-based emissions per workload scale with the workload's drawn energy;
instrument MWh are counted, not measured, and carry no error here.

The result per figure is the 2.5th, 50th and 97.5th percentile (``low``,
``central``, ``high``: a 95 % interval) and the inventory's point value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pint

from carbon.core.errors import UnitError

__all__ = [
    "DEFAULT_CLASS",
    "DRAWS",
    "FACTOR_HALF_WIDTH",
    "IMPUTED_RANGE",
    "KEY_RANGE",
    "RESIDUAL_MIX_HALF_WIDTH",
    "SEED",
    "Components",
    "operator_location_bands",
    "propagate",
]

SEED = 20250614
DRAWS = 20_000
#: Default meter accuracy class [per cent] by role.
DEFAULT_CLASS: Mapping[str, float] = {"revenue": 0.5, "it": 1.0, "shared": 1.0, "check": 1.0}
IMPUTED_RANGE = 0.5
KEY_RANGE = 0.2
#: 95 % half-width of the location-based factor by level of the factor hierarchy.
FACTOR_HALF_WIDTH: Mapping[str, float] = {
    "hourly_source": 0.10,
    "subregion_annual": 0.05,
    "national": 0.10,
}
RESIDUAL_MIX_HALF_WIDTH = 0.10
_Z95 = 1.959963984540054


def _numbers(value: pint.Quantity, unit: str, what: str) -> np.ndarray:
    if not isinstance(value, pint.Quantity):
        raise UnitError(f"{what} must be a pint quantity in {unit}; got {type(value).__name__}")
    try:
        return np.asarray(value.to(unit).magnitude, dtype=float)
    except pint.DimensionalityError:
        raise UnitError(f"{what} is in {value.units:~}, which does not convert to {unit}") from None


@dataclass(frozen=True)
class Components:
    """Period totals the draws perturb.

    ``*_weighted`` are factor-weighted energies (Σ_t energy_t × intensity_t), so
    that a meter error moves the location-based figure by that meter's own hours.
    Arrays over meters ``m`` (IT meters) and workloads ``w``.
    """

    workloads: Sequence[str]
    it_meters: Sequence[str]
    revenue: pint.Quantity  # () [energy]
    revenue_weighted: pint.Quantity  # () [CO2e]
    revenue_imputed: pint.Quantity  # () [energy]
    revenue_imputed_weighted: pint.Quantity  # () [CO2e]
    it: pint.Quantity  # (m, w) [energy]
    it_weighted: pint.Quantity  # (m, w) [CO2e]
    it_imputed: pint.Quantity  # (m, w) [energy]
    it_imputed_weighted: pint.Quantity  # (m, w) [CO2e]
    overhead: pint.Quantity  # (w,) [energy] the point allocation of the pool
    overhead_weighted: pint.Quantity  # (w,) [CO2e]
    market: pint.Quantity  # (w,) [CO2e] market-based Scope 2 per workload
    revenue_class: float  # per cent
    it_classes: Sequence[float]  # per cent, per IT meter
    factor_half_width: float  # relative, 95 %
    keyed: Sequence[bool]  # per workload: is its overhead share set by a key?


def _percentiles(draws: np.ndarray, point: float, unit: str) -> dict[str, Any]:
    low, central, high = np.percentile(draws, [2.5, 50.0, 97.5])
    return {
        "low": float(low),
        "central": float(central),
        "high": float(high),
        "point": point,
        "unit": unit,
    }


def propagate(c: Components, *, draws: int = DRAWS, seed: int = SEED) -> dict[str, Any]:
    """Draw every source of uncertainty at once and return low / central / high per figure.

    Figures: ``energy_kwh`` (total), ``scope2_location_kgco2e`` and
    ``scope2_market_kgco2e`` (totals), and the same per workload
    (``energy_kwh_<workload>`` ...).
    """
    rng = np.random.default_rng(seed)
    rev = float(_numbers(c.revenue, "kWh", "revenue energy"))
    rev_w = float(_numbers(c.revenue_weighted, "kg CO2e", "revenue weighted"))
    rev_i = float(_numbers(c.revenue_imputed, "kWh", "revenue imputed"))
    rev_iw = float(_numbers(c.revenue_imputed_weighted, "kg CO2e", "revenue imputed weighted"))
    it = _numbers(c.it, "kWh", "IT energy")
    it_w = _numbers(c.it_weighted, "kg CO2e", "IT weighted")
    it_i = _numbers(c.it_imputed, "kWh", "IT imputed")
    it_iw = _numbers(c.it_imputed_weighted, "kg CO2e", "IT imputed weighted")
    over = _numbers(c.overhead, "kWh", "overhead")
    over_w = _numbers(c.overhead_weighted, "kg CO2e", "overhead weighted")
    market = _numbers(c.market, "kg CO2e", "market-based emissions")
    n_m, n_w = it.shape

    # One array per source, draws along axis 0.
    a = 1.0 + rng.normal(0.0, c.revenue_class / 100.0 / _Z95, draws)
    b = 1.0 + rng.normal(0.0, 1.0, (draws, n_m)) * (np.asarray(c.it_classes) / 100.0 / _Z95)
    imp_rev = rng.uniform(-IMPUTED_RANGE, IMPUTED_RANGE, draws)
    imp_it = rng.uniform(-IMPUTED_RANGE, IMPUTED_RANGE, (draws, n_m))
    key = 1.0 + rng.uniform(-KEY_RANGE, KEY_RANGE, (draws, n_w)) * np.asarray(c.keyed, float)
    f = 1.0 + rng.normal(0.0, c.factor_half_width / _Z95, draws)
    g = 1.0 + rng.normal(0.0, RESIDUAL_MIX_HALF_WIDTH / _Z95, draws)

    revenue = a * (rev + rev_i * imp_rev)  # (d,)
    revenue_w = a * (rev_w + rev_iw * imp_rev)
    it_d = np.einsum("dm,dmw->dw", b, it[None] + it_i[None] * imp_it[:, :, None])
    it_dw = np.einsum("dm,dmw->dw", b, it_w[None] + it_iw[None] * imp_it[:, :, None])
    pool = revenue - it_d.sum(axis=1)
    pool_w = revenue_w - it_dw.sum(axis=1)

    def shares(point: np.ndarray) -> np.ndarray:
        weights = point[None, :] * key
        total = weights.sum(axis=1, keepdims=True)
        even = np.full_like(weights, 1.0 / n_w)
        return np.divide(weights, total, out=even, where=total > 0)

    energy = it_d + pool[:, None] * shares(over)
    location = f[:, None] * (it_dw + pool_w[:, None] * shares(over_w))
    point_energy = it.sum(axis=0) + over
    scale = np.divide(
        energy, point_energy[None, :], out=np.ones_like(energy), where=point_energy[None, :] > 0
    )
    market_d = g[:, None] * market[None, :] * scale

    point_location = it_w.sum(axis=0) + over_w
    out: dict[str, Any] = {
        "energy_kwh": _percentiles(energy.sum(axis=1), float(point_energy.sum()), "kWh"),
        "scope2_location_kgco2e": _percentiles(
            location.sum(axis=1), float(point_location.sum()), "kg CO2e"
        ),
        "scope2_market_kgco2e": _percentiles(market_d.sum(axis=1), float(market.sum()), "kg CO2e"),
    }
    for j, name in enumerate(c.workloads):
        if point_energy[j] <= 0.0:
            continue
        out[f"energy_kwh_{name}"] = _percentiles(energy[:, j], float(point_energy[j]), "kWh")
        out[f"scope2_location_kgco2e_{name}"] = _percentiles(
            location[:, j], float(point_location[j]), "kg CO2e"
        )
        out[f"scope2_market_kgco2e_{name}"] = _percentiles(
            market_d[:, j], float(market[j]), "kg CO2e"
        )
    return out


def method_note(draws: int = DRAWS, seed: int = SEED) -> dict[str, Any]:
    """The assumptions, for ``results.json`` and the report."""
    return {
        "method": "Monte Carlo, vectorised over draws; low/central/high = 2.5th/50th/97.5th "
        "percentiles (95 % interval)",
        "draws": draws,
        "seed": seed,
        "meter_accuracy_class_percent": dict(DEFAULT_CLASS),
        "meter_class_reading": "class c per cent read as the 95 % bound of a normal relative "
        "error, one per meter and period",
        "imputed_energy_range": IMPUTED_RANGE,
        "allocation_key_range": KEY_RANGE,
        "location_factor_half_width_by_level": dict(FACTOR_HALF_WIDTH),
        "residual_mix_half_width": RESIDUAL_MIX_HALF_WIDTH,
        "note": "market-based figures scale with each workload's drawn energy; instrument MWh "
        "carry no error. These intervals describe measurement and factor uncertainty only, "
        "not the choice of method.",
    }


def operator_location_bands(bands: dict[str, Any], results: dict[str, Any]) -> dict[str, Any]:
    """The location-based bands of :func:`propagate` (drawn over the whole site's meters)
    scaled to the operator's Scope 2 where tenants are its Scope 3 category 13
    (docs/methodology.md §1.1): each band × operator ÷ site, per workload and in total, the
    moved tenants' relative uncertainty taken as their workload's. The market-based bands
    already start from the operator's figures."""
    moved = results.get("scope3_13_location_kgco2e") or {}
    if not moved.get("total"):
        return bands
    operator = results["scope2_location_kgco2e"]
    out = dict(bands)
    for workload in [*(w for w in operator if w != "total"), "total"]:
        key = "scope2_location_kgco2e" + ("" if workload == "total" else f"_{workload}")
        site = float(operator[workload]) + float(moved.get(workload, 0.0))
        if key not in out or site <= 0.0:
            continue
        ratio = float(operator[workload]) / site
        out[key] = {
            **out[key],
            **{k: float(out[key][k]) * ratio for k in ("low", "central", "high", "point")},
        }
    return out
