"""Operating disclosures of the site model: capacity, demand response, cost, cooling, grid CFE.

Money is written ``"<number> <currency>"`` and checked here with
:func:`carbon.core.money.parse_money`, one currency per cost row (no conversion
is ever made); the cost bridge itself is computed in :mod:`carbon.analysis.cost_bridge`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from carbon.core.errors import CarbonError
from carbon.core.money import parse_money
from carbon.site.schema import MONTH_PATTERN, Frozen, checked_quantity

__all__ = [
    "OPERATING_KEYS",
    "CapacityMeasure",
    "CapacityRecord",
    "DemandResponseEvent",
    "EnergyCostPeriod",
    "GridCarbonFreePeriod",
    "HallCooling",
    "PipelineEntry",
    "checked_money",
]


#: The capacity stack's measures, in the order the report prints them (MW, in effect at a date).
CapacityMeasure = Literal[
    "interconnect_approved",
    "gross_energised",
    "mining",
    "critical_it_contracted",
    "critical_it_energised",
    "critical_it_billable",
]
#: SiteConfig keys of the operating disclosures, left out of the configuration hash when empty.
OPERATING_KEYS = (
    "capacity",
    "capacity_pipeline",
    "demand_response",
    "energy_cost",
    "cooling",
    "grid_carbon_free",
)


def checked_money(value: str | None, what: str) -> str | None:
    """Validate ``"<number> <currency>"`` (negative allowed for signed settlements)."""
    if value is None:
        return None
    try:
        parse_money(value, what)
    except CarbonError as exc:
        raise ValueError(str(exc)) from None
    return value


class CapacityRecord(Frozen):
    """A capacity figure in effect from a date (until the next record or `effective_to`)."""

    measure: CapacityMeasure
    value: str = Field(description="capacity, e.g. '120 MW'")
    effective_from: date
    effective_to: date | None = Field(default=None, description="last day in effect (inclusive)")
    status: str | None = Field(default=None, description="e.g. 'energised', 'ERCOT approval'")
    source: str | None = None

    @field_validator("value")
    @classmethod
    def _power(cls, value: str) -> str:
        return checked_quantity(value, "MW", "value")

    @model_validator(mode="after")
    def _dates(self) -> CapacityRecord:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"{self.measure}: effective_to {self.effective_to} is before effective_from "
                f"{self.effective_from}"
            )
        return self


class PipelineEntry(Frozen):
    """Future capacity with an expected date: a contract or plan, never an actual."""

    name: Annotated[str, Field(min_length=1)]
    measure: CapacityMeasure
    capacity: str = Field(description="capacity expected, e.g. '200 MW'")
    expected: date = Field(description="expected energisation or start date")
    status: Literal["planned", "approved", "contracted", "under_construction", "energising"]
    counterparty: str | None = None
    source: str | None = None

    @field_validator("capacity")
    @classmethod
    def _power(cls, value: str) -> str:
        return checked_quantity(value, "MW", "capacity")


class DemandResponseEvent(Frozen):
    """One curtailment / demand-response event of a programme (credits are revenue)."""

    programme: Annotated[str, Field(min_length=1)]
    event_id: Annotated[str, Field(min_length=1)]
    start: datetime
    end: datetime
    baseline: str = Field(description="stated baseline power of the curtailed load, e.g. '48 MW'")
    credits: str | None = Field(default=None, description="programme credits, e.g. '125000 USD'")
    power_resold: str | None = Field(default=None, description="energy resold, e.g. '310 MWh'")
    resale_revenue: str | None = Field(default=None, description="revenue of the resale")
    source: str | None = None

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: datetime, info: Any) -> datetime:
        if value.utcoffset() is None:
            raise ValueError(
                f"'{info.field_name}' needs a UTC offset, e.g. 2025-08-01T15:00:00-05:00"
            )
        return value

    @field_validator("baseline")
    @classmethod
    def _baseline(cls, value: str) -> str:
        return checked_quantity(value, "MW", "baseline")

    @field_validator("power_resold")
    @classmethod
    def _resold(cls, value: str | None) -> str | None:
        return None if value is None else checked_quantity(value, "MWh", "power_resold")

    @field_validator("credits", "resale_revenue")
    @classmethod
    def _money(cls, value: str | None, info: Any) -> str | None:
        return checked_money(value, info.field_name)

    @model_validator(mode="after")
    def _order(self) -> DemandResponseEvent:
        if self.end <= self.start:
            raise ValueError(
                f"event {self.event_id!r}: end {self.end} is not after start {self.start}"
            )
        return self


class EnergyCostPeriod(Frozen):
    """The energy cost bridge of one month, in one currency (never converted)."""

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    energy_charges: str = Field(description="gross energy and delivery charges, e.g. '2.1e6 USD'")
    demand_response_credits: str | None = Field(default=None, description="credits received")
    hedge_settlements: str | None = Field(
        default=None, description="net hedge settlement: positive = paid, negative = received"
    )
    certificate_spend: str | None = Field(default=None, description="spend on certificates/EACs")
    source: str | None = None

    @field_validator(
        "energy_charges", "demand_response_credits", "hedge_settlements", "certificate_spend"
    )
    @classmethod
    def _money(cls, value: str | None, info: Any) -> str | None:
        return checked_money(value, info.field_name)

    @model_validator(mode="after")
    def _one_currency(self) -> EnergyCostPeriod:
        names = (
            "energy_charges",
            "demand_response_credits",
            "hedge_settlements",
            "certificate_spend",
        )
        units = {
            n: str(parse_money(getattr(self, n), n).units)
            for n in names
            if getattr(self, n) is not None
        }
        if len(set(units.values())) > 1:
            raise ValueError(
                f"{self.period}: one currency per row (no conversion is made); got "
                + ", ".join(f"{n} in {u}" for n, u in units.items())
            )
        return self


class HallCooling(Frozen):
    """The cooling type of one hall (an IT meter)."""

    hall: Annotated[str, Field(min_length=1)]
    cooling: Literal[
        "air",
        "evaporative",
        "adiabatic",
        "dry_cooler",
        "chilled_water",
        "direct_to_chip_liquid",
        "immersion",
        "hybrid",
    ]
    note: str | None = None


class GridCarbonFreePeriod(Frozen):
    """Carbon-free share of the grid supply in one month, as the grid source states it."""

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    share: Annotated[float, Field(ge=0, le=1)] = Field(description="fraction 0..1")
    source: Annotated[str, Field(min_length=1)]
