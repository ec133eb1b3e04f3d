"""Figures of the ``sbti`` block: the SBTi CNZS V2.0 Scope 2 tracker
(docs/methodology.md "SBTi CNZS V2.0 tracker")."""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, RATIO, Field

__all__ = ["TARGET_FIELDS"]

TARGET_FIELDS: tuple[Field, ...] = (
    Field(
        "sbti.declared.reduction",
        RATIO,
        "Declared Scope 2 reduction",
        "location-based, base year to target year, from [targets]",
        display_unit="percent",
    ),
    Field(
        "sbti.declared.rapid_growth_threshold_per_year",
        RATIO,
        "Rapid-growth threshold",
        "compound electricity growth per year above which growth counts as rapid",
        display_unit="percent",
    ),
    Field(
        "sbti.base_year.location_kgco2e", KG, "Base-year Scope 2 (location)", "declared or metered"
    ),
    Field("sbti.base_year.electricity_kwh", KWH, "Base-year electricity", "declared or metered"),
    Field("sbti.target_kgco2e", KG, "Target-year Scope 2 (location)", "B · (1 − p)"),
    Field(
        "sbti.annual_reduction_kgco2e",
        KG,
        "Linear reduction per year",
        "B · p ÷ (target year − base year)",
    ),
    Field(
        "sbti.years[].location_kgco2e",
        KG,
        "Scope 2 location-based of the year",
        "months of the year in the data up to the report period (the whole year when complete)",
    ),
    Field("sbti.years[].electricity_kwh", KWH, "Electricity of the year", "same months"),
    Field("sbti.years[].path_kgco2e", KG, "Required linear path", "P_y for the year"),
    Field(
        "sbti.path[].kgco2e",
        KG,
        "Required linear path",
        "P_y for every year from the base year to the target year (or the latest year)",
    ),
    Field(
        "sbti.years[].annualised_location_kgco2e",
        KG,
        "Scope 2 location-based, annualised",
        "partial year × hours of the year ÷ hours covered; indicative, not an inventory figure",
    ),
    Field(
        "sbti.years[].annualised_electricity_kwh",
        KWH,
        "Electricity, annualised",
        "partial year at a flat rate; indicative",
    ),
    Field(
        "sbti.years[].change_vs_base",
        RATIO,
        "Change against the base year",
        "complete years: E_y ÷ B − 1",
        display_unit="percent",
    ),
    Field(
        "sbti.years[].hourly_matched_share",
        RATIO,
        "Recognised hourly-matched share",
        "Σ min(L_h, G_h) ÷ Σ L_h over the year's months",
        display_unit="percent",
    ),
    Field(
        "sbti.years[].low_carbon_share",
        RATIO,
        "Low-carbon electricity share",
        "Σ [min(L_h, G_h) + c_h · max(0, L_h − G_h)] ÷ Σ L_h over the year's months",
        display_unit="percent",
    ),
    Field(
        "sbti.rapid_growth.growth_per_year",
        RATIO,
        "Electricity growth per year",
        "(E_last ÷ E_base)^(1 ÷ years) − 1",
        display_unit="percent",
    ),
    Field(
        "sbti.rapid_growth.threshold_per_year",
        RATIO,
        "Rapid-growth threshold",
        "as declared (default 10 %/yr)",
        display_unit="percent",
    ),
    Field("sbti.rapid_growth.base_electricity_kwh", KWH, "Base-year electricity", "E_base"),
    Field(
        "sbti.rapid_growth.latest_electricity_kwh",
        KWH,
        "Latest-year electricity",
        "E_last (annualised when the year is partial)",
    ),
)
