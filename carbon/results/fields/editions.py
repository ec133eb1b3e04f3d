"""Declared figures: market-based Scope 2 under each edition of the rules
(``scope2_market_by_edition``; docs/methodology.md §1.8, docs/market-based.md).
"""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, Field

__all__ = ["EDITION_FIELDS"]

_BLOCK = "scope2_market_by_edition.{edition}"

EDITION_FIELDS: tuple[Field, ...] = (
    Field(
        f"{_BLOCK}.total_kgco2e",
        KG,
        "Scope 2 market-based under the edition",
        "the period's load matched to instruments by the edition's rules (annual or hourly), "
        "the rest at the residual mix or the edition's fallback",
    ),
    Field(
        f"{_BLOCK}.by_workload.{{workload}}",
        KG,
        "Scope 2 market-based under the edition, by workload",
        "the same rules per workload",
    ),
    Field(
        f"{_BLOCK}.load_kwh",
        KWH,
        "Load matched under the edition",
        "the boundary's grid load on clock hours",
    ),
    Field(
        f"{_BLOCK}.matched_kwh",
        KWH,
        "Load covered by instruments",
        "annual: min(ΣL, ΣG); hourly: Σ_h min(R_h, G_h) with R_h the load after the standard "
        "supply claim",
    ),
    Field(
        f"{_BLOCK}.standard_supply_kwh",
        KWH,
        "Standard supply service claim",
        "SSS clean MWh ÷ utility retail sales MWh × own load, per hour (2025 draft only)",
    ),
    Field(
        f"{_BLOCK}.residual_kwh",
        KWH,
        "Load at the residual mix or its fallback",
        "load − standard supply claim − matched",
    ),
    Field(
        f"{_BLOCK}.residual_rate_gco2e_per_kwh",
        "g CO2e/kWh",
        "Rate of the uncovered load",
        "its emissions ÷ its energy (annual: the load-weighted mean of the hourly rate)",
    ),
    Field(
        f"{_BLOCK}.instrument_own_rate_kgco2e",
        KG,
        "Emissions at instruments' own rates",
        "covered MWh of fossil or biomass instruments × their rate (total − residual × rate)",
    ),
    Field(
        f"{_BLOCK}.residual_sources.{{source}}.kwh",
        KWH,
        "Uncovered load by the source of its rate",
        "supplier_factor, residual_mix, grid_average (2015 only), fossil_only, conservative",
    ),
    Field(
        f"{_BLOCK}.load_tiers.{{tier}}.kwh",
        KWH,
        "Load by tier of the load-data ladder",
        "interval meter, facility profile, market-boundary profile, time-of-use average, flat",
    ),
    Field(
        f"{_BLOCK}.generation_tiers.{{tier}}.kwh",
        KWH,
        "Instrument generation by tier of the generation-data ladder",
        "hourly certificates, certificates with hourly production data, not counted",
    ),
    Field(
        f"{_BLOCK}.residual_fallback_rates_gco2e_per_kwh.{{policy}}",
        "g CO2e/kWh",
        "Fallback rate of uncovered load",
        "fossil-only (mean over the hours it priced) or conservative rate",
    ),
)
