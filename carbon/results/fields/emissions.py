"""Declared figures: energy and emissions per workload, the location-based factor levels,
market-based Scope 2, Scope 1, Scope 3 category 3 and CUE.
"""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, MWH, RATIO, Field

__all__ = ["EMISSIONS_FIELDS"]


# GHG Protocol, ESRS, IFRS S2, GRI, CDP and SB 253 paragraphs of the reported totals.
_SCOPE1_REFS = (
    ("ghg", "Corporate Standard ch. 9"),
    ("esrs", "E1-6 para 48(a)"),
    ("ifrs", "29(a)(i)"),
    ("gri", "GRI 305-1"),
    ("cdp", "7.6"),
    ("sb253", "§38532(c)(1)"),
)
_SCOPE2_LB_REFS = (
    ("ghg", "Scope 2 Guidance 7.1"),
    ("esrs", "E1-6 para 49(a)"),
    ("ifrs", "29(a)(i), 29(a)(v)"),
    ("gri", "GRI 305-2"),
    ("cdp", "7.7"),
    ("sb253", "§38532(c)(1)"),
)
_SCOPE2_MB_REFS = (
    ("ghg", "Scope 2 Guidance 7.1"),
    ("esrs", "E1-6 para 49(b)"),
    ("ifrs", "29(a)(v)"),
    ("gri", "GRI 305-2"),
    ("cdp", "7.7"),
    ("sb253", "§38532(c)(1)"),
)
_SCOPE3_REFS = (
    ("ghg", "Scope 3 Standard, category 3(c)"),
    ("esrs", "E1-6 para 51"),
    ("ifrs", "29(a)(i), 29(a)(vi)"),
    ("gri", "GRI 305-3"),
    ("cdp", "7.8"),
)
_SCOPE3_13_REFS = (
    ("ghg", "Scope 3 Standard, category 13"),
    ("esrs", "E1-6 para 51"),
    ("ifrs", "29(a)(i), 29(a)(vi)"),
    ("gri", "GRI 305-3"),
    ("cdp", "7.8"),
)


def _per_workload(
    key: str, unit: str, label: str, definition: str, csv: str | None = None, decimals: int = 1
) -> tuple[Field, ...]:
    """A per-workload block: ``key.{workload}`` (``mining``, ``ai``, ``other``, ``total``)."""
    return (Field(f"{key}.{{workload}}", unit, label, definition, decimals, csv=csv),)


_HEADLINE = (
    Field(
        "energy_kwh.total",
        KWH,
        "Energy consumed, site",
        "energy at the revenue meter (the site boundary), all workloads",
        csv="energy",
    ),
    *_per_workload(
        "energy_kwh",
        KWH,
        "Facility energy by workload",
        "IT energy plus the allocated shares of shared and unmetered residual energy",
        csv="energy",
    ),
    Field(
        "it_energy_kwh.total",
        KWH,
        "IT energy, site",
        "sub-metered IT (hall feeder) energy, all workloads",
        refs=(("eed", "Annex I"),),
        csv="it_energy",
    ),
    *_per_workload(
        "it_energy_kwh", KWH, "IT energy by workload", "sub-metered IT energy", "it_energy"
    ),
    *_per_workload(
        "overhead_energy_kwh",
        KWH,
        "Overhead energy by workload",
        "allocated shared and unmetered residual energy",
        "overhead_energy",
    ),
    Field(
        "scope2_location_kgco2e.total",
        KG,
        "Scope 2, location-based",
        "Σ over intervals of energy × grid intensity (hourly method)",
        refs=_SCOPE2_LB_REFS,
        csv="scope2_location",
    ),
    *_per_workload(
        "scope2_location_kgco2e",
        KG,
        "Scope 2 location-based by workload",
        "Σ over intervals of the workload's energy × grid intensity",
        "scope2_location",
    ),
    Field(
        "scope2_location_annual_factor_kgco2e.total",
        KG,
        "Scope 2 location-based, annual factor",
        "the period's energy at the annual eGRID subregion rate (reconciliation view)",
        csv="scope2_location_annual_factor",
    ),
    Field(
        "scope2_location_annual_factor_kgco2e.factor_gco2e_per_kwh",
        "g CO2e/kWh",
        "Annual subregion factor",
        "eGRID subregion total-output CO2e rate used for the annual-factor view",
    ),
    Field(
        "scope2_location_annual_factor_kgco2e.timing_effect_kgco2e",
        KG,
        "Timing effect, site",
        "hourly location-based minus the annual-factor total",
    ),
    *_per_workload(
        "timing_effect_kgco2e",
        KG,
        "Timing effect by workload",
        "hourly location-based minus the same energy at the annual subregion rate",
        "scope2_location_timing_effect",
    ),
    *_per_workload(
        "timing_effect_by_workload_kgco2e",
        KG,
        "Timing effect by workload (pivot)",
        "location-based at hourly factors minus the workload's energy at the annual rate",
    ),
    *_per_workload(
        "load_shape_effect_by_workload_kgco2e",
        KG,
        "Load-shape effect by workload",
        "location-based at hourly factors minus the workload's energy at the period's mean factor",
    ),
    Field(
        "grid_intensity_gco2e_per_kwh.consumption_weighted",
        "g CO2e/kWh",
        "Grid intensity, consumption-weighted",
        "total location-based Scope 2 ÷ total energy",
    ),
    Field(
        "grid_intensity_gco2e_per_kwh.period_mean",
        "g CO2e/kWh",
        "Grid intensity, period mean",
        "unweighted mean over the factor intervals",
    ),
    Field(
        "scope2_location_factor_levels.{level}_mwh",
        MWH,
        "Energy per factor level",
        "MWh whose interval used this level of the location-based factor hierarchy",
    ),
    Field(
        "scope2_location_factor_levels.shares.{level}",
        RATIO,
        "Share of energy per factor level",
        "fraction of the period's MWh per factor level",
        display_unit="percent",
    ),
    Field(
        "scope2_location_factor_levels.hourly_sources[].share",
        RATIO,
        "Share of energy per hourly source",
        "with several [[grid]] sources: the share of the period's MWh each source gave",
        display_unit="percent",
    ),
    Field(
        "scope2_location_factor_levels.hourly_sources[].mwh",
        MWH,
        "Energy per hourly source",
        "with several [[grid]] sources: the MWh each source gave",
    ),
    Field(
        "scope2_location_factor_levels.kgco2e.{level}",
        KG,
        "Location-based Scope 2 per factor level",
        "location-based emissions of the intervals on this level",
    ),
    Field(
        "scope2_location_factor_levels.{level}_factor.factor_gco2e_per_kwh",
        "g CO2e/kWh",
        "Fallback factor",
        "the eGRID subregion or national annual rate of the fallback levels",
    ),
    Field(
        "scope2_location_tiers.tiers[].mwh",
        MWH,
        "Energy per location-based tier",
        "MWh priced by this tier of the location-based factor (hourly, sub-hourly, regional "
        "annual, national annual)",
    ),
    Field(
        "scope2_location_tiers.tiers[].share",
        RATIO,
        "Share of energy per location-based tier",
        "fraction of the period's MWh priced by this tier",
        display_unit="percent",
    ),
    Field(
        "scope2_location_tiers.tiers[].kgco2e",
        KG,
        "Location-based Scope 2 per tier",
        "location-based emissions of the intervals this tier priced",
    ),
    Field(
        "scope2_location_tiers.tiers[].reasons[].mwh",
        MWH,
        "Energy per reason a finer tier was not used",
        "MWh of the intervals where this source or tier gave no usable value for this reason",
    ),
    Field(
        "scope2_location_tiers.total_mwh",
        MWH,
        "Energy priced by the location-based tiers",
        "the period's energy; the sum of the tiers' MWh",
    ),
    Field(
        "scope2_location_tiers.total_kgco2e",
        KG,
        "Location-based Scope 2 over the tiers",
        "the sum of the tiers' kg CO2e; the location-based total",
    ),
    Field(
        "factor_levels.mwh.{level}",
        MWH,
        "Energy per factor level",
        "as scope2_location_factor_levels, in short",
    ),
    Field(
        "factor_levels.shares.{level}",
        RATIO,
        "Share of energy per factor level",
        "as scope2_location_factor_levels.shares",
        display_unit="percent",
    ),
)

_MARKET = (
    Field(
        "scope2_market_kgco2e.total",
        KG,
        "Scope 2, market-based",
        "contractual instruments with 2015 annual matching, residual or grid factor for the rest",
        refs=_SCOPE2_MB_REFS,
        csv="scope2_market",
    ),
    *_per_workload(
        "scope2_market_kgco2e",
        KG,
        "Scope 2 market-based by workload",
        "market-based Scope 2 with 2015 annual matching",
        "scope2_market",
    ),
    *_per_workload(
        "scope2_market_hourly_matching_kgco2e",
        KG,
        "Scope 2 market-based, hourly matching",
        "the same instruments matched hour by hour",
        "scope2_market_hourly_matching",
    ),
    Field(
        "market_based.metrics.annual_match",
        RATIO,
        "Annual match",
        "certificate and PPA MWh applied ÷ consumption, annual",
        display_unit="percent",
    ),
    Field(
        "market_based.metrics.hourly_matched_share",
        RATIO,
        "Hourly matched share",
        "Σ min(load, matched supply) per hour ÷ load",
        display_unit="percent",
    ),
    Field(
        "market_based.metrics.cfe_share",
        RATIO,
        "CFE share",
        "carbon-free energy share as Google defines it; null where undefined",
        display_unit="percent",
    ),
    Field(
        "market_based.metrics.carbon_free_mwh",
        MWH,
        "Renewable electricity, contractual",
        "MWh backed by zero-emission contractual instruments (annual match); not the grid mix",
        refs=(("esrs", "E1-5 para 37(c)(ii)"),),
    ),
    Field(
        "market_based.metrics.load_mwh",
        MWH,
        "Load matched against",
        "metered consumption the market-based metrics divide by",
    ),
    Field(
        "market_based.metrics.hourly_matched_mwh",
        MWH,
        "Hourly matched energy",
        "Σ min(load, matched supply) per hour",
    ),
    Field(
        "market_based.coverage_mwh.{basis}.{instrument_class}",
        MWH,
        "Coverage by instrument class",
        "MWh covered per matching basis and instrument class",
    ),
    Field(
        "market_based.metrics_by_workload.{workload}.{metric}_mwh",
        MWH,
        "Matching energy by workload",
        "load, carbon-free and hourly-matched MWh of the workload",
    ),
    Field(
        "market_based.metrics_by_workload.{workload}.{metric}_match",
        RATIO,
        "Annual match by workload",
        "the workload's certificate and PPA MWh applied ÷ its consumption",
        display_unit="percent",
    ),
    Field(
        "market_based.metrics_by_workload.{workload}.hourly_matched_share",
        RATIO,
        "Hourly matched share by workload",
        "Σ min(load, matched supply) per hour ÷ load, of the workload",
        display_unit="percent",
    ),
    Field(
        "market_based.register[].{basis}_mwh",
        MWH,
        "Instrument MWh",
        "of one instrument: volume (whole), available in the period, used per matching "
        "basis, surplus (available − used, annual matching); for a residual mix or "
        "supplier factor the uncovered load it priced per basis (covered)",
    ),
    Field(
        "market_based.register[].rate_gco2e_per_kwh",
        "g CO2e/kWh",
        "Instrument rate",
        "the rate a residual mix or supplier factor gave the uncovered load (load-weighted "
        "over the hours it priced), or an instrument's own attribute rate",
    ),
    Field(
        "matching.annual_match",
        RATIO,
        "Annual match",
        "= market_based.metrics.annual_match",
        display_unit="percent",
        csv="annual_match",
    ),
    Field(
        "matching.hourly_match",
        RATIO,
        "Hourly match",
        "= market_based.metrics.hourly_matched_share",
        display_unit="percent",
        csv="hourly_match",
    ),
    Field(
        "matching.cfe",
        RATIO,
        "CFE share",
        "= market_based.metrics.cfe_share",
        display_unit="percent",
        csv="cfe",
    ),
)

_OTHER_SCOPES = (
    Field(
        "scope1_kgco2e.total",
        KG,
        "Scope 1",
        "on-site combustion (owned gensets) at the report's GWP set",
        refs=_SCOPE1_REFS,
        csv="scope1",
    ),
    Field("scope1_kgco2e.by_genset.{genset}", KG, "Scope 1 by genset", "per genset"),
    Field("scope1_gases.co2_kg", "kg CO2", "Scope 1 CO2", "fossil CO2 of on-site fuel"),
    Field("scope1_gases.ch4_kg", "kg CH4", "Scope 1 CH4", "methane of on-site fuel"),
    Field("scope1_gases.n2o_kg", "kg N2O", "Scope 1 N2O", "nitrous oxide of on-site fuel"),
    Field(
        "scope1_gases.biogenic_co2_kg",
        "kg CO2",
        "Biogenic CO2",
        "biogenic CO2 of on-site fuel, outside the scopes",
        display_unit="t CO2",
        refs=(("ghg", "Corporate Standard ch. 9"), ("esrs", "E1-6 AR 43")),
    ),
    Field(
        "scope1_gases.fuel_energy_mmbtu_hhv",
        "MMBtu",
        "Fuel burnt on site",
        "fuel energy at its higher heating value",
    ),
    Field(
        "scope3_3_td_losses_kgco2e.total",
        KG,
        "Scope 3 category 3(c), T&D losses",
        "energy lost in transmission and distribution × the generation factor (location-based)",
        refs=_SCOPE3_REFS,
    ),
    Field(
        "scope3_3_td_losses_kgco2e.lost_energy_kwh",
        KWH,
        "Energy lost in T&D",
        "metered energy × loss ratio r",
    ),
    Field(
        "scope3_3_td_losses_kgco2e.loss_ratio",
        RATIO,
        "Loss ratio",
        "r = λ/(1−λ)",
        display_unit="percent",
    ),
    Field(
        "scope3_3_td_losses_kgco2e.grid_gross_loss",
        RATIO,
        "Grid gross loss",
        "λ, eGRID grid gross loss",
        display_unit="percent",
    ),
    Field(
        "scope3_cat3_kgco2e.total",
        KG,
        "Scope 3 category 3",
        "category 3 as reported: part (c) only",
        csv="scope3_cat3",
    ),
    Field(
        "scope3_13_location_kgco2e.total",
        KG,
        "Scope 3 category 13, downstream leased assets (location-based)",
        "the location-based Scope 2 of tenants holding operational control of their space, "
        "moved out of the operator's Scope 2 under the operational-control approach",
        refs=_SCOPE3_13_REFS,
        csv="scope3_13_location",
    ),
    *_per_workload(
        "scope3_13_location_kgco2e",
        KG,
        "Scope 3 category 13 location-based by workload",
        "the moved tenants' location-based Scope 2, by their workload",
        "scope3_13_location",
    ),
    Field(
        "scope3_13_market_kgco2e.total",
        KG,
        "Scope 3 category 13, downstream leased assets (market-based)",
        "the market-based Scope 2 (annual matching) of tenants holding operational control "
        "of their space, moved out of the operator's Scope 2",
        refs=_SCOPE3_13_REFS,
        csv="scope3_13_market",
    ),
    *_per_workload(
        "scope3_13_market_kgco2e",
        KG,
        "Scope 3 category 13 market-based by workload",
        "the moved tenants' market-based Scope 2 (annual matching), by their workload",
        "scope3_13_market",
    ),
    *_per_workload(
        "scope3_13_market_hourly_matching_kgco2e",
        KG,
        "Scope 3 category 13 market-based, hourly matching, by workload",
        "the moved tenants' market-based Scope 2 under hourly matching (memo)",
    ),
    Field(
        "scope3_13_leased_assets.energy_kwh",
        KWH,
        "Energy of tenants in Scope 3 category 13",
        "facility energy of the moved tenants (still in site energy)",
    ),
    Field(
        "scope3_cat3_kgco2e.td_losses",
        KG,
        "Scope 3 category 3(c)",
        "= scope3_3_td_losses_kgco2e.total",
    ),
    Field(
        "cue_kgco2e_per_kwh_it.location_based",
        "kg CO2e/kWh",
        "CUE, location-based",
        "(Scope 2 location-based + Scope 1) ÷ IT energy (ISO/IEC 30134-8)",
        3,
    ),
    Field(
        "cue_kgco2e_per_kwh_it.market_based",
        "kg CO2e/kWh",
        "CUE, market-based",
        "(Scope 2 market-based + Scope 1) ÷ IT energy (ISO/IEC 30134-8)",
        3,
    ),
    Field(
        "cue_kgco2e_per_kwh_it.scope1_included_kgco2e",
        KG,
        "Scope 1 in CUE",
        "Scope 1 of on-site fuel added to both CUE numerators",
    ),
)


EMISSIONS_FIELDS: tuple[Field, ...] = (*_HEADLINE, *_MARKET, *_OTHER_SCOPES)
