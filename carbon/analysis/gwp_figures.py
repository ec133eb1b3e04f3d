"""The ``gwp_sets`` block of ``results.json``: each set's totals and the set of each figure
(docs/methodology.md "Several GWP sets in one run"; docs/results-json.md).

The set-dependent figures come from :mod:`carbon.accounting.gwp_sets`. Location-based Scope 2
is restated per set only for the hours that took an eGRID annual rate (their emissions scale
with the rate recomputed from eGRID's per-gas rates); hours from an hourly source published as
CO2e only keep the publisher's value in every set, and so does market-based Scope 2, whose
instrument, residual-mix and grid rates are published CO2e (or CO2). The block says so per
figure rather than pretending to recompute them.
"""

from __future__ import annotations

from typing import Any

from carbon.accounting.gwp_sets import GWP_SET_USES, GwpSetFigures
from carbon.accounting.outcome import PeriodOutcome

__all__ = ["gwp_sets_block"]

_RATE = "lb CO2e / MWh"


def _ratio(new: Any, old: Any) -> float:
    """new ÷ old of two CO2e rates (1 where the old rate is missing or zero)."""
    if new is None or old is None:
        return 1.0
    den = float(old.to(_RATE).magnitude)
    return float(new.to(_RATE).magnitude) / den if den else 1.0


def _is_egrid(levels: dict[str, Any], key: str) -> bool:
    """True when the factor of a fallback level is an eGRID edition (only those are rebuilt
    from per-gas rates; a declared factor table's CO2e stays as published)."""
    factor = levels.get(key) or {}
    return str(factor.get("factor_id") or "").lower().startswith("egrid")


def _location(levels: dict[str, Any], own: GwpSetFigures, other: GwpSetFigures) -> float:
    """Location-based Scope 2 [kg CO2e] under `other`: the hourly-source hours as published,
    the eGRID-fallback hours scaled by the ratio of the recomputed annual rates."""
    kg = levels.get("kgco2e") or {}
    sub = _ratio(other.subregion_rate, own.subregion_rate)
    nat = _ratio(other.national_rate, own.national_rate)
    return (
        float(kg.get("hourly_source", 0.0))
        + float(kg.get("subregion_annual", 0.0))
        * (sub if _is_egrid(levels, "subregion_annual_factor") else 1.0)
        + float(kg.get("national", 0.0)) * (nat if _is_egrid(levels, "national_factor") else 1.0)
    )


def _set_totals(
    figures: GwpSetFigures, own: GwpSetFigures, results: dict[str, Any], us_site: bool
) -> dict[str, Any]:
    levels = results.get("scope2_location_factor_levels") or {}
    # cat. 13 parties (carbon.analysis.leased_assets) leave Scope 2 in every set, at the
    # set's rates; the factor levels hold the whole site's emissions
    cat13_lb = float((results.get("scope3_13_location_kgco2e") or {}).get("total", 0.0))
    cat13_mb = float((results.get("scope3_13_market_kgco2e") or {}).get("total", 0.0))
    site_lb = float(results["scope2_location_kgco2e"]["total"]) + cat13_lb
    if levels.get("kgco2e"):
        site_set, site_own = _location(levels, own, figures), _location(levels, own, own)
        cat13_set = cat13_lb * (site_set / site_own if site_own else 1.0)
    else:
        site_set, cat13_set = site_lb, cat13_lb
    location = site_set - cat13_set
    market = float(results["scope2_market_kgco2e"]["total"])
    s1 = float(figures.scope1.co2e.to("kg CO2e").magnitude)
    td = (
        None
        if figures.td_losses is None
        else float(figures.td_losses.emissions.to("kg CO2e").magnitude)
    )
    return {
        "gwp_ch4_combustion": float(figures.gwp_ch4_combustion.magnitude),
        "gwp_n2o": float(figures.gwp_n2o.magnitude),
        "used_by": [  # US programmes and eGRID editions name a US site's sets only
            use
            for use in GWP_SET_USES.get(figures.gwp_set, ())
            if us_site or not any(word in use for word in ("eGRID", "US EPA"))
        ],
        "scope1_kgco2e": s1,
        "scope2_location_kgco2e": location,
        "scope2_market_kgco2e": market,
        "scope3_3_td_losses_kgco2e": td,
        "scope3_13_location_kgco2e": cat13_set,
        "scope3_13_market_kgco2e": cat13_mb,
        "total_location_based_kgco2e": s1 + location + (td or 0.0) + cat13_set,
        "total_market_based_kgco2e": s1 + market + (td or 0.0) + cat13_mb,
    }


def gwp_sets_block(outcome: PeriodOutcome, results: dict[str, Any]) -> dict[str, Any] | None:
    """``gwp_sets``: the report's set, each set's totals and, per figure, the set it uses.

    `results` must already hold ``scope2_location_kgco2e``, ``scope2_market_kgco2e`` and
    ``scope2_location_factor_levels``. None when the accounting computed no set figures.
    """
    by_set = outcome.scopes.by_gwp_set
    reporting = outcome.site.reporting.gwp_set.upper()
    if reporting not in by_set:
        return None
    own = by_set[reporting]
    grid = results.get("grid_intensity_gco2e_per_kwh") or {}
    source = grid.get("source") or "the hourly grid source"
    note = f"; {outcome.grid.gas_note}" if outcome.grid.gas_note else ""
    published = (
        f"as published by {source}{note}; a series published as CO2e only cannot be "
        "recomputed under another set, so these hours carry the publisher's set in every set"
    )
    us_site = outcome.location_factors.us_site
    location = (
        {
            "gwp_set": f"hourly-source hours: {published}; eGRID annual-rate hours: {reporting}",
            "recomputed_per_set": "partly: the eGRID annual-rate hours only",
            "basis": "eGRID CO2e rebuilt from its per-gas rates under each set where the "
            "edition's published CO2e embeds another set",
        }
        if us_site
        else {
            "gwp_set": f"hourly-source hours: {published}; annual-rate hours: as the site's "
            "declared factor table gives them",
            "recomputed_per_set": "no",
            "basis": "the hourly source and the declared annual table are used as published "
            "in every set",
        }
    )
    losses = (
        "eGRID per-gas generation rates × the set's GWP-100"
        if us_site
        else "not computed: no grid loss factor is shipped or declared for the region"
    )
    figures = {
        "scope1_kgco2e": {
            "gwp_set": reporting,
            "recomputed_per_set": "yes",
            "basis": "per-gas masses (CO2, CH4, N2O) × the set's GWP-100; combustion CH4 of a "
            "fossil fuel at the set's fossil value (AR6 29.8, AR5 30)",
        },
        "scope2_location_kgco2e": location,
        "scope2_market_kgco2e": {
            "gwp_set": "as published by each instrument, residual-mix and grid rate",
            "recomputed_per_set": "no",
            "basis": "contractual and residual-mix rates are published as CO2e (or CO2); "
            "the same figure stands in every set",
        },
        "scope3_13_location_kgco2e": {
            **location,
            "basis": f"{location['basis']}; tenants holding operational control of their "
            "space, at their share of the site's location-based Scope 2 under each set",
        },
        "scope3_13_market_kgco2e": {
            "gwp_set": "as published by each instrument, residual-mix and grid rate",
            "recomputed_per_set": "no",
            "basis": "the same tenants' market-based Scope 2; the same figure in every set",
        },
        "scope3_3_td_losses_kgco2e": {
            "gwp_set": reporting,
            "recomputed_per_set": "yes" if own.td_losses is not None else "no",
            "basis": losses,
        },
    }
    return {
        "reporting_set": reporting,
        "label": "one GWP set per total, never mixed; the report's figures use the reporting "
        "set, the others are restated from the same per-gas masses and rates",
        "sets": {name: _set_totals(f, own, results, us_site) for name, f in by_set.items()},
        "figures": figures,
    }
