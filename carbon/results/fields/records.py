"""Declared figures: meters, allocation, reconciliation and imputation, and the figures that
are text.
"""

from __future__ import annotations

from carbon.results.fields.declare import KG, KWH, RATIO, Field

__all__ = ["RECORD_FIELDS"]

_METERING = (
    Field(
        "period.hours", "hour", "Hours of the period", "elapsed hours (743 or 745 across DST)", 0
    ),
    Field(
        "meters[].energy_kwh", KWH, "Energy per meter", "sum of the readings present in the period"
    ),
    Field(
        "allocation.shared_meters[].energy_kwh",
        KWH,
        "Energy per shared meter",
        "allocated by the meter's key per interval",
    ),
    Field(
        "allocation.unmetered_residual_kwh",
        KWH,
        "Unmetered residual",
        "revenue meter minus the sub-meters, allocated pro rata to IT energy",
    ),
    *(
        Field(f"reconciliation[].{key}", unit, label, "per parent meter", decimals, display)
        for key, unit, label, decimals, display in (
            ("parent_kwh", KWH, "Parent meter energy", 1, None),
            ("children_kwh", KWH, "Sub-meter energy", 1, None),
            ("residual_kwh", KWH, "Residual energy", 1, None),
            ("residual_share", RATIO, "Residual share", 1, "percent"),
            ("tolerance", RATIO, "Reconciliation tolerance", 1, "percent"),
        )
    ),
    Field("quality.imputation.energy_kwh.{meter}", KWH, "Imputed energy", "per meter"),
    Field(
        "quality.imputation.revenue_share",
        RATIO,
        "Imputed share of site energy",
        "imputed revenue-meter energy ÷ site energy",
        display_unit="percent",
    ),
    Field(
        "quality.imputation.total_energy_kwh",
        KWH,
        "Imputed energy, all meters",
        "energy filled by imputation, summed over every meter (sub-meters included)",
    ),
)

_QUALITY = (
    Field(
        "quality.meters[].coverage",
        RATIO,
        "Coverage",
        "measured intervals ÷ intervals of the period (imputed, estimated and flagged "
        "intervals do not count)",
        display_unit="percent",
    ),
    *(
        Field(f"quality.estimated.{key}.{{workload}}", unit, label, definition, decimals, display)
        for key, unit, label, definition, decimals, display in (
            (
                "energy_kwh",
                KWH,
                "Energy resting on estimates",
                "workload energy from imputed or source-estimated meter intervals",
                1,
                None,
            ),
            (
                "energy_share",
                RATIO,
                "Share of energy resting on estimates",
                "÷ energy_kwh of the workload",
                2,
                "percent",
            ),
            (
                "scope2_location_kgco2e",
                KG,
                "Location-based Scope 2 resting on estimates",
                "that energy × the factor of each factor interval",
                1,
                None,
            ),
            (
                "scope2_location_share",
                RATIO,
                "Share of location-based Scope 2 resting on estimates",
                "÷ scope2_location_kgco2e of the workload",
                2,
                "percent",
            ),
            (
                "scope2_market_kgco2e",
                KG,
                "Market-based Scope 2 resting on estimates",
                "the workload's market-based Scope 2 (annual matching) × its estimated "
                "share of energy",
                1,
                None,
            ),
            (
                "scope2_market_share",
                RATIO,
                "Share of market-based Scope 2 resting on estimates",
                "÷ scope2_market_kgco2e of the workload",
                2,
                "percent",
            ),
        )
    ),
    *(
        Field(f"quality.invoices.bills[].{key}", unit, label, definition, decimals, display)
        for key, unit, label, definition, decimals, display in (
            ("invoiced_kwh", KWH, "Energy invoiced", "as the utility bill states it", 1, None),
            (
                "metered_kwh",
                KWH,
                "Energy metered over the bill period",
                "revenue meter as read, over the bill's intervals",
                1,
                None,
            ),
            ("difference_kwh", KWH, "Metered − invoiced", "per bill", 1, None),
            (
                "difference",
                RATIO,
                "Invoice difference",
                "(metered − invoiced) ÷ invoiced",
                2,
                "percent",
            ),
            (
                "tolerance",
                RATIO,
                "Invoice tolerance",
                "[quality] invoice_tolerance_pct",
                1,
                "percent",
            ),
        )
    ),
    Field(
        "quality.invoices.tolerance",
        RATIO,
        "Invoice tolerance",
        "[quality] invoice_tolerance_pct",
        display_unit="percent",
    ),
)

_TEXT = (
    Field(
        "gwp_set",
        None,
        "GWP set",
        "the IPCC GWP-100 set of the report",
        refs=(("ghg", "Corporate Standard ch. 9"), ("ifrs", "29(a)(ii)-(iii)")),
    ),
    Field(
        "assurance.summary",
        None,
        "Assurance",
        "UNASSURED, or level and standard",
        refs=(("cdp", "7.9"), ("sb253", "§38532(c)(2)(F)")),
    ),
    Field(
        "boundary.consolidation",
        None,
        "Consolidation approach",
        "from the site file's [boundary] table",
        refs=(("cdp", "module 1 (boundary)"),),
    ),
    Field(
        "fiscal_period.fiscal_year",
        None,
        "Fiscal year",
        "the fiscal year the period belongs to",
        refs=(("sb253", "§38532(c)(1)"),),
    ),
)


RECORD_FIELDS: tuple[Field, ...] = (*_METERING, *_QUALITY, *_TEXT)
