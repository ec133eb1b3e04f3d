"""Declared figures: meters, allocation, reconciliation and imputation, and the figures that
are text.
"""

from __future__ import annotations

from carbon.results.fields.declare import KWH, RATIO, Field

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


RECORD_FIELDS: tuple[Field, ...] = (*_METERING, *_TEXT)
