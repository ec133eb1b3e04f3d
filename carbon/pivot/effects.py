"""Comparing a period with a baseline: LMDI decomposition per Scope 2 basis and timing effects.

Pure functions over two ``results.json`` documents (the display boundary:
numbers in the unit their keys name). They turn the figures back into pint
quantities, decompose with :func:`carbon.pivot.decomposition.lmdi`, and return plain
blocks for ``results.json`` (docs/methodology.md §2.3 and §7).

The identity per basis: ``Q`` = total IT energy, ``S_i`` = IT share of
workload ``i``, ``I_i`` = facility energy per IT energy (workload PUE),
``F_i`` = Scope 2 emissions per facility energy. The workload ``other``
(energy in intervals with no IT load at all) has no IT energy, so its
intensity is undefined; it is left out of the decomposition and its change is
reported beside it.
"""

from __future__ import annotations

from typing import Any

from carbon.core.units import ureg
from carbon.pivot.decomposition import EFFECTS, PeriodFactors, lmdi

__all__ = [
    "BASES",
    "decomposition_block",
    "load_shape_by_workload",
    "period_factors",
    "timing_by_workload",
]

#: Scope 2 basis → the results key of its per-workload emissions.
BASES: dict[str, str] = {
    "location": "scope2_location_kgco2e",
    "market": "scope2_market_kgco2e",
}
_BASIS_NOTE = {
    "location": "location-based Scope 2, hourly factors",
    "market": "market-based Scope 2, 2015 annual matching",
}
_UNATTRIBUTED = "other"


def _workloads(results: dict[str, Any]) -> list[str]:
    return [w for w in results["it_energy_kwh"] if w not in ("total", _UNATTRIBUTED)]


def period_factors(results: dict[str, Any], basis: str) -> PeriodFactors:
    """The decomposition inputs of one period and basis, as quantities (kWh, kg CO2e)."""
    emissions = results[BASES[basis]]
    names = _workloads(results)
    return PeriodFactors(
        it_energy={w: ureg.Quantity(float(results["it_energy_kwh"][w]), "kWh") for w in names},
        facility_energy={w: ureg.Quantity(float(results["energy_kwh"][w]), "kWh") for w in names},
        emissions={w: ureg.Quantity(float(emissions.get(w, 0.0)), "kg CO2e") for w in names},
    )


def _kg(q) -> float:
    return float(q.to("kg CO2e").magnitude)


def decomposition_block(base: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """``decomposition`` for ``results.json``: one LMDI-I block per Scope 2 basis."""
    out: dict[str, Any] = {}
    for basis, key in BASES.items():
        result = lmdi(period_factors(base, basis), period_factors(current, basis))
        other_0 = float(base[key].get(_UNATTRIBUTED, 0.0))
        other_t = float(current[key].get(_UNATTRIBUTED, 0.0))
        out[basis] = {
            "method": "LMDI-I additive (Ang 2005), analytic zero limits (Ang & Liu 2007); "
            "docs/methodology.md §7",
            "basis": _BASIS_NOTE[basis],
            "identity": "C = Σ_i Q·S_i·I_i·F_i; Q = total IT energy, S_i = IT share, "
            "I_i = facility energy per IT energy (workload PUE), F_i = emissions per facility "
            "energy",
            "baseline_kgco2e": _kg(result.emissions_0),
            "period_kgco2e": _kg(result.emissions_t),
            "delta_kgco2e": _kg(result.delta),
            "effects": {x: _kg(result.effects[x]) for x in EFFECTS},
            "effects_by_workload": {
                x: {w: _kg(v) for w, v in result.by_workload[x].items()} for x in EFFECTS
            },
            "zero_limits": {w: rule for w, rule in result.limits.items() if rule},
            "multiplicative": None
            if result.multiplicative is None
            else {
                "method": "LMDI-I multiplicative: D_x = exp(ΔC_x / L(C^T, C^0)); Π D_x = C^T/C^0",
                "ratio": _kg(result.emissions_t) / _kg(result.emissions_0),
                "effects": dict(result.multiplicative),
            },
            "unattributed_delta_kgco2e": other_t - other_0,
            "unattributed_note": "energy in intervals with no IT load (workload 'other') has no "
            "IT energy, so it is outside the identity; its change is shown here, not in the "
            "effects",
        }
    return out


def _operator_energy(results: dict[str, Any]) -> dict[str, float]:
    """Facility energy per workload [kWh] behind the operator's Scope 2: without the tenants
    in Scope 3 category 13 (``scope3_13_leased_assets``, docs/methodology.md §1.1)."""
    out = {w: float(v) for w, v in results["energy_kwh"].items() if w != "total"}
    for party in (results.get("scope3_13_leased_assets") or {}).get("parties") or ():
        out[party["workload"]] -= float(party["energy_kwh"])
    return out


def timing_by_workload(results: dict[str, Any]) -> dict[str, float]:
    """Hourly-factor minus annual-average-factor location-based Scope 2 per workload [kg CO2e].

    docs/methodology.md §2.3: ``Σ_h L_h·EF_h − (Σ_h L_h)·EF_annual``. Negative where the
    workload draws less in high-intensity hours (curtailing mining); the sum over
    workloads is the site's ``timing_effect_kgco2e``. The operator's Scope 2 over the energy
    behind it (tenants in Scope 3 category 13 left out of both). Empty where the site has no annual
    rate (a site outside the US without a declared annual factor): not available.
    """
    factor = results["scope2_location_annual_factor_kgco2e"]["factor_gco2e_per_kwh"]
    if factor is None:
        return {}
    rate = ureg.Quantity(float(factor), "g CO2e/kWh")
    hourly = results["scope2_location_kgco2e"]
    out = {}
    for w, kwh in _operator_energy(results).items():
        annual = ureg.Quantity(float(kwh), "kWh") * rate
        out[w] = float(hourly[w]) - _kg(annual)
    out["total"] = sum(out.values())
    return out


def load_shape_by_workload(results: dict[str, Any]) -> dict[str, float]:
    """Hourly-factor Scope 2 minus the same energy at the period's mean hourly factor [kg CO2e].

    ``Σ_h L_h·EF_h − (Σ_h L_h)·mean_h(EF_h)`` per workload: the timing effect without the
    season, i.e. how the load shape meets the hours of the period. A fleet that curtails in
    high-intensity hours comes out negative; a flat load comes out near zero.
    """
    rate = ureg.Quantity(
        float(results["grid_intensity_gco2e_per_kwh"]["period_mean"]), "g CO2e/kWh"
    )
    hourly = results["scope2_location_kgco2e"]
    out = {}
    for w, kwh in _operator_energy(results).items():
        out[w] = float(hourly[w]) - _kg(ureg.Quantity(float(kwh), "kWh") * rate)
    out["total"] = sum(out.values())
    return out
