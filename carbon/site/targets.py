"""Declared emission-reduction targets of the site model (``[targets]``).

One target today: a Scope 2 reduction target under the SBTi Corporate Net-Zero
Standard V2.0, anchored to location-based emissions (docs/methodology.md
"SBTi CNZS V2.0 tracker"). The base-year figures are either declared here (with
the document they come from) or computed from the meter data of the base year;
the tracker itself is computed in :mod:`carbon.analysis.targets`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from carbon.site.schema import Frozen, checked_quantity

__all__ = ["TARGET_STANDARDS", "Targets"]

#: Standards a declared target can be tracked under (id → name).
TARGET_STANDARDS: dict[str, str] = {
    "sbti-cnzs-v2": "SBTi Corporate Net-Zero Standard V2.0",
}

Year = Annotated[int, Field(ge=1990, le=2100)]


class Targets(Frozen):
    """A Scope 2 reduction target: base year, target year and the reduction between them."""

    standard: Literal["sbti-cnzs-v2"] = Field(
        default="sbti-cnzs-v2",
        description="the standard the target is set under (SBTi CNZS V2.0: Scope 2 targets "
        "anchored to location-based emissions)",
    )
    base_year: Year = Field(description="calendar year the reduction is measured from")
    target_year: Year = Field(description="calendar year the reduction is to be reached by")
    reduction_pct: Annotated[float, Field(gt=0, le=100)] = Field(
        description="reduction of location-based Scope 2 from the base year to the target year [%]"
    )
    base_year_location: str | None = Field(
        default=None,
        description="declared location-based Scope 2 of the base year, e.g. '212000 t CO2e' "
        "(default: computed from the meter data of the base year, all twelve months needed)",
    )
    base_year_electricity: str | None = Field(
        default=None,
        description="declared electricity consumed in the base year, e.g. '735 GWh', for the "
        "rapid-growth test (default: computed from the meter data of the base year)",
    )
    source: str | None = Field(
        default=None,
        description="the document the declared base-year figures come from (required with "
        "them), e.g. 'FY2024 GHG inventory, assured'",
    )
    rapid_growth_threshold_pct: Annotated[float, Field(gt=0, le=1000)] = Field(
        default=10.0,
        description="electricity demand growing faster than this [%/yr, compound] counts as "
        "rapid growth (our reading; the standard's own threshold is not verified)",
    )

    @field_validator("base_year_location")
    @classmethod
    def _emissions(cls, value: str | None) -> str | None:
        return None if value is None else checked_quantity(value, "kg CO2e", "base_year_location")

    @field_validator("base_year_electricity")
    @classmethod
    def _energy(cls, value: str | None) -> str | None:
        return None if value is None else checked_quantity(value, "kWh", "base_year_electricity")

    @model_validator(mode="after")
    def _years_and_source(self) -> Targets:
        if self.target_year <= self.base_year:
            raise ValueError(
                f"target_year ({self.target_year}) must be after base_year ({self.base_year})"
            )
        declared = [k for k in ("base_year_location", "base_year_electricity") if getattr(self, k)]
        if declared and not self.source:
            raise ValueError(
                f"{' and '.join(declared)} declared without 'source': name the document the "
                "base-year figures come from"
            )
        return self
