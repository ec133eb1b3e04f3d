"""Standard supply service declarations of the site model (``[[standard_supply]]``).

The GHG Protocol's 2025 Scope 2 consultation proposed a "standard supply service" (SSS)
criterion: clean supply that is publicly funded or mandated (a renewable portfolio
standard, regulated default service, public generation) is shared among all the utility's
customers, and a reporter claims only its pro-rata share,
``claim = SSS clean MWh ÷ utility retail sales MWh × own load`` (docs/methodology.md §1.8).
A row declares the utility's published figures for the consumption it applies to; the
claim itself is computed in :mod:`carbon.accounting.standard_supply`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from carbon.core.units import parse_quantity
from carbon.site.schema import Frozen, checked_quantity

__all__ = ["StandardSupply"]


class StandardSupply(Frozen):
    """The clean part of one utility's standard supply service, as the utility publishes it."""

    utility: Annotated[str, Field(min_length=1)] = Field(
        description="the utility or load-serving entity supplying the site"
    )
    programme: Annotated[str, Field(min_length=1)] = Field(
        description="what makes the supply standard: e.g. 'state RPS compliance', "
        "'public hydro allocation'"
    )
    clean_energy: str = Field(
        description="carbon-free MWh the service delivered to all its customers, e.g. '1250000 MWh'"
    )
    retail_sales: str = Field(
        description="the utility's retail sales over the same year, e.g. '9800000 MWh'"
    )
    data_year: Annotated[int, Field(ge=1990, le=2100)] = Field(
        description="the year the utility's figures are for"
    )
    applies_from: date = Field(description="first local day of consumption the row applies to")
    applies_to: date = Field(description="first local day it no longer applies to (exclusive)")
    source: Annotated[str, Field(min_length=1)] = Field(
        description="the publication the figures are read from"
    )

    @field_validator("clean_energy", "retail_sales")
    @classmethod
    def _energy(cls, value: str, info: object) -> str:
        return checked_quantity(value, "MWh", getattr(info, "field_name", "energy"))

    @model_validator(mode="after")
    def _consistent(self) -> StandardSupply:
        if self.applies_to <= self.applies_from:
            raise ValueError(
                f"applies_to {self.applies_to} must come after applies_from {self.applies_from}"
            )
        clean, sales = self.clean_mwh, self.retail_sales_mwh
        if sales <= 0:
            raise ValueError(f"retail_sales must be positive, got {self.retail_sales!r}")
        if clean > sales:
            raise ValueError(
                f"clean_energy {self.clean_energy!r} exceeds retail_sales {self.retail_sales!r}; "
                "the clean share of a supply cannot exceed 1"
            )
        return self

    @property
    def clean_mwh(self) -> float:
        return float(parse_quantity(self.clean_energy, "MWh", "clean_energy").to("MWh").magnitude)

    @property
    def retail_sales_mwh(self) -> float:
        return float(parse_quantity(self.retail_sales, "MWh", "retail_sales").to("MWh").magnitude)

    @property
    def share(self) -> float:
        """The clean share of the service: clean MWh ÷ retail sales MWh."""
        return self.clean_mwh / self.retail_sales_mwh
