"""Declared figures: tenants, capacity, hashrate, production, clean-energy shares, demand
response, water, curtailment, and the register blocks (credits, boundary, retired hardware).
"""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, MWH, RATIO, TONNES, Field

__all__ = ["OPERATIONS_FIELDS"]

_TENANT_FIGURES = (
    (
        "it_energy_kwh",
        KWH,
        "IT energy",
        "metered IT energy at the tenant's feeders",
        "tenant_it_energy",
    ),
    (
        "energy_kwh",
        KWH,
        "Energy, facility",
        "IT energy plus its share of shared load",
        "tenant_energy",
    ),
    (
        "scope2_location_kgco2e",
        KG,
        "Scope 2, location-based",
        "its share of the workload's location-based emissions per interval",
        "tenant_scope2_location",
    ),
    (
        "scope2_market_kgco2e",
        KG,
        "Scope 2, market-based (annual matching)",
        "its share of the workload's market-based emissions by period energy",
        "tenant_scope2_market",
    ),
    (
        "scope2_market_hourly_matching_kgco2e",
        KG,
        "Scope 2, market-based (hourly matching)",
        "its share of the workload's hourly-matching emissions per interval",
        "tenant_scope2_market_hourly_matching",
    ),
)
_TENANTS = tuple(
    Field(f"tenants.{where}.{key}", unit, f"{label}, {who}", definition, csv=csv)
    for where, who in (("by_tenant.{tenant}", "per tenant"), ("not_tenanted", "not tenanted"))
    for key, unit, label, definition, csv in _TENANT_FIGURES
)


_OPERATING = (
    Field(
        "capacity.month_end.{measure}_mw",
        "MW",
        "Capacity at the month end",
        "value in effect on the last local day of the period (interconnect, energised, IT ...)",
    ),
    Field("capacity.metered_energy_mwh", MWH, "Metered energy", "revenue meter, gaps left out"),
    Field("capacity.average_mw", "MW", "Average power", "metered energy ÷ hours of the period"),
    Field(
        "capacity.load_factor",
        RATIO,
        "Load factor",
        "average power ÷ gross energised capacity",
        display_unit="percent",
    ),
    *(
        Field(f"hashrate.{key}.value", unit, label, definition, decimals, display)
        for key, unit, label, definition, decimals, display in (
            ("installed", "PH/s", "Hashrate, installed", "month end", 0, None),
            ("energised", "PH/s", "Hashrate, energised", "month end", 0, None),
            ("average_operating", "PH/s", "Hashrate, average operating", "month mean", 0, None),
            ("average_operating_self", "PH/s", "Hashrate, self-mining", "month mean", 0, None),
            ("average_operating_hosted", "PH/s", "Hashrate, hosted", "month mean", 0, None),
            ("uptime", RATIO, "Uptime", "average operating ÷ energised", 1, "percent"),
            (
                "fleet_efficiency_rated",
                "J/TH",
                "Fleet efficiency, rated",
                "Σ P_rated / Σ H_rated",
                2,
                None,
            ),
            (
                "fleet_efficiency_realised",
                "J/TH",
                "Fleet efficiency, realised",
                "mining IT energy ÷ (average hashrate × Δt)",
                2,
                None,
            ),
            (
                "fleet_efficiency_facility",
                "J/TH",
                "Fleet efficiency, facility",
                "realised × mining PUE",
                2,
                None,
            ),
        )
    ),
    Field("production.btc_mined_self", "BTC", "BTC mined, self-mining", "count of the period", 4),
    Field(
        "production.btc_mined_hosted", "BTC", "BTC mined, hosted clients", "count of the period", 4
    ),
    *(
        Field(f"production.figures.{key}.value", unit, label, definition)
        for key, unit, label, definition in (
            (
                "energy_per_btc_self_mwh",
                "MWh/BTC",
                "Energy per BTC, self-mining",
                "self-mining energy ÷ BTC",
            ),
            (
                "energy_per_btc_hosted_mwh",
                "MWh/BTC",
                "Energy per BTC, hosted clients",
                "mining energy × hosted share ÷ hosted BTC",
            ),
            (
                "emissions_per_btc_self_location_tco2e",
                "t CO2e/BTC",
                "Emissions per BTC, self-mining, LB",
                "location-based",
            ),
            (
                "emissions_per_btc_self_market_tco2e",
                "t CO2e/BTC",
                "Emissions per BTC, self-mining, MB",
                "market-based",
            ),
            (
                "energy_per_ph_day_kwh",
                "kWh/(PH/s day)",
                "Energy per PH/s-day",
                "per hashrate × days",
            ),
            (
                "emissions_per_ph_day_location_kgco2e",
                "kg CO2e/(PH/s day)",
                "Emissions per PH/s-day, LB",
                "location-based",
            ),
            (
                "emissions_per_ph_day_market_kgco2e",
                "kg CO2e/(PH/s day)",
                "Emissions per PH/s-day, MB",
                "market-based",
            ),
        )
    ),
    Field(
        "clean_energy_shares.grid_carbon_free_location.value",
        RATIO,
        "Grid-mix carbon-free share",
        "Σ L_h·c_h / Σ L_h with c_h the grid's carbon-free share",
        display_unit="percent",
    ),
    Field(
        "clean_energy_shares.certificate_renewable_annual.value",
        RATIO,
        "Certificate-backed renewable share",
        "min(certificate and PPA MWh retained, E) / E, annual",
        display_unit="percent",
        refs=(("sasb", "TC-SI-130a.1"),),
    ),
    Field(
        "clean_energy_shares.certificate_renewable_annual.{part}_mwh",
        MWH,
        "Certificate share, numerator and denominator",
        "certificate MWh and consumption MWh of the share",
    ),
    Field(
        "clean_energy_shares.hourly_matched_cfe.value",
        RATIO,
        "Hourly-matched carbon-free share",
        "Σ min(L_h, G_h) / Σ L_h",
        display_unit="percent",
    ),
    Field(
        "demand_response.totals.curtailed_mwh",
        MWH,
        "Curtailed energy, demand response",
        "Σ max(0, baseline × Δt − metered mining IT energy) over the events",
    ),
    Field(
        "demand_response.totals.power_resold_mwh",
        MWH,
        "Power resold",
        "MWh resold during the events",
    ),
    Field(
        "demand_response.events[].{part}_mwh",
        MWH,
        "Demand-response event energy",
        "curtailed and resold MWh of one event",
    ),
    Field("demand_response.events[].baseline_mw", "MW", "Event baseline", "stated baseline power"),
    Field(
        "demand_response.metered_curtailment.reference_power_kw",
        "kW",
        "Curtailment reference power (demand response)",
        "as curtailment.reference_power_kw",
        display_unit="MW",
    ),
    Field(
        "demand_response.metered_curtailment.curtailed_energy_kwh",
        KWH,
        "Curtailed energy, metered (demand response)",
        "as curtailment.curtailed_energy_kwh",
    ),
    Field(
        "demand_response.metered_curtailment.curtailed_hours",
        "hour",
        "Curtailed hours (demand response)",
        "as curtailment.curtailed_hours",
    ),
    Field(
        "demand_response.metered_curtailment.threshold_share_of_reference",
        RATIO,
        "Curtailment threshold (demand response)",
        "as curtailment.threshold_share_of_reference",
        0,
        "percent",
    ),
    Field(
        "capacity.month_end.records[].value_mw", "MW", "Capacity record", "one [[capacity]] record"
    ),
    Field(
        "capacity.pipeline[].capacity_mw",
        "MW",
        "Pipeline capacity",
        "contracted or planned future capacity; not actuals, in no total",
    ),
    Field(
        "water.withdrawal_m3",
        "m**3",
        "Water withdrawn",
        "site water withdrawal of the period",
        0,
        refs=(("eed", "Annex I"), ("sasb", "TC-SI-130a.2")),
    ),
    Field("water.consumption_m3", "m**3", "Water consumed", "withdrawal minus discharge", 0),
    Field("water.potable_m3", "m**3", "Potable water", "potable part of the withdrawal", 0),
    Field("water.wue_l_per_kwh", "L/kWh", "WUE", "withdrawal ÷ IT energy (= kpis.wue)", 3),
    Field(
        "curtailment.reference_power_kw",
        "kW",
        "Curtailment reference power",
        "median mining IT power over intervals with mining load",
        display_unit="MW",
    ),
    Field(
        "curtailment.curtailed_energy_kwh",
        KWH,
        "Curtailed energy, metered",
        "reference − power over the curtailed intervals; outside the inventory",
    ),
    Field("curtailment.curtailed_hours", "hour", "Curtailed hours", "hours below the threshold"),
    Field(
        "curtailment.threshold_share_of_reference",
        RATIO,
        "Curtailment threshold",
        "share of the reference power below which an interval counts as curtailed",
        0,
        "percent",
    ),
)

_REGISTER = (
    Field(
        "offsets.retired_tco2e",
        TONNES,
        "Carbon credits retired",
        "offset credits retired in the period; never netted",
        refs=(("esrs", "E1-7 paras 56, 59"), ("gri", "GRI 305-5 guidance")),
    ),
    Field(
        "offsets.avoided_methane.retired_tco2e",
        TONNES,
        "Avoided-methane credits retired",
        "kept apart from Scope 1; never netted",
    ),
    Field(
        "offsets.gross_inventory_tco2e.{scope}",
        TONNES,
        "Gross inventory",
        "Scope 1, 2 (both bases) and 3 cat. 3 as computed, in t",
    ),
    Field("offsets.register[].tco2e", TONNES, "Credits per retirement", "one registry retirement"),
    Field(
        "offsets.avoided_methane.register[].tco2e",
        TONNES,
        "Avoided-methane credits per retirement",
        "one registry retirement",
    ),
    Field(
        "boundary.power_contracts[].energy_kwh",
        KWH,
        "Energy of a power contract's party",
        "the party's tenant energy; null when it is not a metered tenant",
    ),
    Field(
        "boundary.power_contracts[].scope2_location_kgco2e",
        KG,
        "Scope 2 location-based of a power contract's party",
        "the party's tenant figure",
    ),
    Field(
        "boundary.power_contracts[].scope2_market_kgco2e",
        KG,
        "Scope 2 market-based of a power contract's party",
        "the party's tenant figure",
    ),
    Field("retired_hardware.mass_t.{kind}", "t", "Retired hardware mass", "ASICs, GPUs, total", 2),
    Field("retired_hardware.items[].mass_t", "t", "Retired hardware item mass", "one item", 2),
    Field("retired_hardware.mass_t_by_route.{route}", "t", "Retired hardware by route", "mass", 2),
)


OPERATIONS_FIELDS: tuple[Field, ...] = (*_TENANTS, *_OPERATING, *_REGISTER)
