"""Declared figures of the baseline comparison: baseline, decomposition, scenario, uncertainty
and trend.
"""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, RATIO, Field

__all__ = ["PIVOT_FIELDS"]

_PIVOT = (
    Field(
        "counterfactual.halls[].{which}_it_energy_kwh",
        KWH,
        "Scenario IT energy of a hall",
        "scenario and actual IT energy of one converted hall",
    ),
    *(
        Field(
            f"baseline.{key}",
            unit,
            f"Baseline: {label}",
            "the same figure for the baseline period",
            decimals,
        )
        for key, unit, label, decimals in (
            ("energy_kwh.{workload}", KWH, "facility energy", 1),
            ("it_energy_kwh.{workload}", KWH, "IT energy", 1),
            ("scope2_location_kgco2e.{workload}", KG, "Scope 2 location-based", 1),
            ("scope2_market_kgco2e.{workload}", KG, "Scope 2 market-based", 1),
            ("pue", RATIO, "PUE", 3),
            ("pue_by_workload.{workload}", RATIO, "PUE by workload", 3),
            ("timing_effect_by_workload_kgco2e.{workload}", KG, "timing effect", 1),
            ("load_shape_effect_by_workload_kgco2e.{workload}", KG, "load-shape effect", 1),
        )
    ),
    *(
        Field(
            f"baseline.{key}",
            unit,
            f"Baseline: {label}",
            "the same figure for the baseline period (the front's KPI dashboard)",
            decimals,
            display,
        )
        for key, unit, label, decimals, display in (
            (
                "grid_intensity_gco2e_per_kwh.consumption_weighted",
                "g CO2e/kWh",
                "location-based Scope 2 per unit of energy",
                1,
                None,
            ),
            ("intensities.j_per_th", "J/TH", "fleet efficiency, realised", 2, None),
            (
                "intensities.kgco2e_per_btc_{basis}",
                "kg CO2e/BTC",
                "emissions per BTC",
                2,
                "t CO2e/BTC",
            ),
            (
                "intensities.gco2e_per_gpu_hour_{basis}",
                "g CO2e/GPU-h",
                "emissions per GPU-hour",
                1,
                None,
            ),
            ("clean_energy_shares.{share}", RATIO, "clean-energy share", 1, "percent"),
        )
    ),
    Field("decomposition.{basis}.baseline_kgco2e", KG, "Scope 2 of the baseline", "per basis"),
    Field("decomposition.{basis}.period_kgco2e", KG, "Scope 2 of the period", "per basis"),
    Field(
        "decomposition.{basis}.delta_kgco2e",
        KG,
        "Change of Scope 2",
        "period − baseline = the sum of the effects",
    ),
    Field(
        "decomposition.{basis}.effects.{effect}",
        KG,
        "Effect (LMDI-I)",
        "activity, structure, intensity and carbon-intensity effects",
    ),
    Field(
        "decomposition.{basis}.effects_by_workload.{effect}.{workload}",
        KG,
        "Effect by workload",
        "each effect split by workload",
    ),
    Field(
        "decomposition.{basis}.multiplicative.ratio",
        RATIO,
        "Ratio period ÷ baseline",
        "multiplicative decomposition",
        3,
    ),
    Field(
        "decomposition.{basis}.multiplicative.effects.{effect}",
        RATIO,
        "Multiplicative effect",
        "the factor D_x of each effect",
        3,
    ),
    Field(
        "decomposition.{basis}.unattributed_delta_kgco2e",
        KG,
        "Unattributed change",
        "change of workload other, outside the identity",
    ),
    *(
        Field(
            f"counterfactual.{key}",
            unit,
            f"Scenario: {label}",
            "converted halls had they stayed mining",
            decimals,
            display,
        )
        for key, unit, label, decimals, display in (
            ("it_energy_kwh", KWH, "IT energy", 1, None),
            ("facility_energy_kwh", KWH, "facility energy", 1, None),
            ("mining_pue", RATIO, "mining PUE", 3, None),
            ("scope2_location_kgco2e", KG, "Scope 2 location-based", 1, None),
            ("scope2_market_kgco2e", KG, "Scope 2 market-based", 1, None),
            ("average_hashrate_th_per_s", "TH/s", "average hashrate", 3, "EH/s"),
            ("actual.it_energy_kwh", KWH, "actual IT energy", 1, None),
            ("actual.facility_energy_kwh", KWH, "actual facility energy", 1, None),
            ("actual.scope2_location_kgco2e", KG, "actual Scope 2 location-based", 1, None),
        )
    ),
    *(
        Field(
            f"uncertainty.{key}.{{statistic}}",
            unit,
            label,
            "2.5th, 50th, 97.5th percentile or the point value",
        )
        for key, unit, label in (
            ("energy_kwh", KWH, "Facility energy, 95 % interval"),
            ("energy_kwh_{workload}", KWH, "Facility energy by workload, 95 % interval"),
            ("scope2_location_kgco2e", KG, "Scope 2 location-based, 95 % interval"),
            (
                "scope2_location_kgco2e_{workload}",
                KG,
                "Scope 2 location-based by workload, 95 % interval",
            ),
            ("scope2_market_kgco2e", KG, "Scope 2 market-based, 95 % interval"),
            (
                "scope2_market_kgco2e_{workload}",
                KG,
                "Scope 2 market-based by workload, 95 % interval",
            ),
        )
    ),
    *(
        Field(
            f"pivot_trend.months[].{key}.{{workload}}",
            unit,
            f"Monthly {label}",
            "one month of the trend",
        )
        for key, unit, label in (
            ("energy_kwh", KWH, "facility energy"),
            ("it_energy_kwh", KWH, "IT energy"),
            ("scope2_location_kgco2e", KG, "Scope 2 location-based"),
            ("scope2_market_kgco2e", KG, "Scope 2 market-based"),
        )
    ),
)


PIVOT_FIELDS: tuple[Field, ...] = _PIVOT
