"""The disclosure register of the site model (docs/disclosure-items.md items 13, 21-24; fiscal
years).

Offsets and credits, the boundary table, retired hardware, network reference
figures, the assurance statement and the fiscal year. Read by
:mod:`carbon.analysis.register`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from carbon.site.meters import Workload
from carbon.site.schema import MONTH_PATTERN, Frozen, checked_quantity

__all__ = [
    "ASSURANCE_STANDARDS",
    "DISCLOSURE_REGISTER_KEYS",
    "DISPOSAL_ROUTES",
    "Assurance",
    "Boundary",
    "BoundarySite",
    "EedDeclaration",
    "FiscalYear",
    "HostedClient",
    "NetworkReference",
    "OffsetCredit",
    "PowerContract",
    "RetiredHardware",
    "moves_to_cat13",
]


#: Assurance standards a statement can be given under (docs/methodology.md §5).
ASSURANCE_STANDARDS = ("ISAE 3410", "ISAE 3000", "ISSA 5000", "ISO 14064-3", "AT-C 205", "AT-C 210")
#: Disposal routes of retired hardware.
DISPOSAL_ROUTES = (
    "resale",
    "reuse",
    "refurbishment",
    "recycling",
    "returned to vendor",
    "landfill",
    "storage",
)


class OffsetCredit(Frozen):
    """A retired carbon credit: shown beside the gross inventory, never netted from it.

    ``kind = "avoided-methane"`` marks credits for methane destroyed by flare-gas
    generation; they are listed in their own block, apart from Scope 1 (docs/methodology.md §1.5).
    """

    registry: Annotated[str, Field(min_length=1)]
    project_id: str | None = None
    project_type: Annotated[str, Field(min_length=1)]
    kind: Literal["offset", "avoided-methane"] = "offset"
    vintage: Annotated[int, Field(ge=1990, le=2100)]
    quantity: str = Field(description="credits retired, e.g. '1200 t CO2e'")
    serials: str | None = None
    retired_on: date
    beneficiary: Annotated[str, Field(min_length=1)]
    note: str | None = None

    @field_validator("quantity")
    @classmethod
    def _tco2e(cls, value: str) -> str:
        return checked_quantity(value, "t CO2e", "quantity")


class BoundarySite(Frozen):
    """A site inside or outside the organisational boundary, with its dates."""

    id: Annotated[str, Field(min_length=1)]
    name: str | None = None
    status: Literal["in", "out"]
    control: str | None = Field(default=None, description="e.g. 'owned, operated'")
    acquired_on: date | None = None
    disposed_on: date | None = None
    reason: str | None = Field(default=None, description="why a site is out, or the change")

    @model_validator(mode="after")
    def _dates(self) -> BoundarySite:
        if self.acquired_on and self.disposed_on and self.disposed_on < self.acquired_on:
            raise ValueError(f"site {self.id!r}: disposed_on precedes acquired_on")
        if self.status == "out" and not self.reason:
            raise ValueError(f"site {self.id!r} is out of the boundary: give a 'reason'")
        return self


class HostedClient(Frozen):
    """A hosting client whose machines draw power on site (its energy stays in the site's)."""

    name: Annotated[str, Field(min_length=1)]
    workload: Workload
    note: str | None = None


class PowerContract(Frozen):
    """Who holds the electricity supply contract for a tenant's or client's load, and who
    controls the space: under operational control, a party with operational control moves
    to the operator's Scope 3 cat. 13 (docs/methodology.md §1.1)."""

    party: Annotated[str, Field(min_length=1)] = Field(description="tenant or hosted client")
    lease: Literal["triple-net", "modified-gross", "gross", "colocation", "hosting"] = Field(
        description="lease type: 'triple-net' (tenant pays its power), 'modified-gross' "
        "(power re-billed), 'gross' (power in the rent), 'colocation', 'hosting'"
    )
    supply_contract_holder: Literal["operator", "party"] = Field(
        description="who holds the electricity supply contract"
    )
    party_has_operational_control: bool = Field(
        default=False,
        description="true when the party holds operational control of its leased space",
    )
    note: str | None = None

    @model_validator(mode="after")
    def _control(self) -> PowerContract:
        if self.party_has_operational_control and self.lease == "hosting":
            raise ValueError(
                f"power contract of {self.party!r}: party_has_operational_control = true "
                "contradicts lease = 'hosting' (the operator runs hosted machines); use "
                "'triple-net', 'modified-gross', 'gross' or 'colocation'"
            )
        return self


def moves_to_cat13(contract: PowerContract, consolidation: str) -> bool:
    """True when the party's power is the operator's Scope 3 cat. 13 (downstream leased
    assets), not its Scope 2: operational-control approach and the party controls its space
    (docs/methodology.md §1.1). Under financial control or equity share the operator keeps
    the space it lets (operating lease) in its Scope 2."""
    return consolidation == "operational control" and contract.party_has_operational_control


class Boundary(Frozen):
    """The organisational boundary (docs/methodology.md §1.1, §1.7)."""

    consolidation: Literal["operational control", "financial control", "equity share"]
    base_year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    significance_threshold: Annotated[float, Field(gt=0, le=1)] = 0.05
    sites: list[BoundarySite] = Field(default_factory=list)
    hosted_clients: list[HostedClient] = Field(default_factory=list)
    power_contracts: list[PowerContract] = Field(default_factory=list)


class RetiredHardware(Frozen):
    """Hardware retired in a month (ASICs, GPUs): units, mass in tonnes, disposal route."""

    period: Annotated[str, Field(pattern=MONTH_PATTERN)]
    kind: Literal["asic", "gpu"]
    model: Annotated[str, Field(min_length=1)]
    units: Annotated[int, Field(gt=0)]
    mass: str = Field(description="total mass, e.g. '12.4 t' or '850 kg'")
    disposal_route: Literal[DISPOSAL_ROUTES]  # type: ignore[valid-type]
    recipient: str | None = None
    evidence: str | None = Field(default=None, description="certificate or manifest reference")

    @field_validator("mass")
    @classmethod
    def _mass(cls, value: str) -> str:
        return checked_quantity(value, "t", "mass")


class NetworkReference(Frozen):
    """A published network figure (CBECI, Bitcoin Mining Council, ...): context only."""

    name: Annotated[str, Field(min_length=1)]
    metric: Literal["j_per_th", "clean_share", "gco2e_per_kwh", "network_power"]
    value: str = Field(description="with its unit: '24.5 J/TH', '37.6 percent', '507 g CO2e/kWh'")
    definition: Annotated[str, Field(min_length=1)]
    coverage: Annotated[str, Field(min_length=1)]
    source: Annotated[str, Field(min_length=1)]
    as_of: Annotated[str, Field(min_length=1)] = Field(description="date or period of the figure")

    @model_validator(mode="after")
    def _unit(self) -> NetworkReference:
        unit = {
            "j_per_th": "J/TH",
            "clean_share": "percent",
            "gco2e_per_kwh": "g CO2e/kWh",
            "network_power": "GW",
        }[self.metric]
        checked_quantity(self.value, unit, f"network reference {self.name!r} value")
        return self


class Assurance(Frozen):
    """The assurance statement over the figures (docs/methodology.md §5)."""

    standard: Literal[ASSURANCE_STANDARDS]  # type: ignore[valid-type]
    level: Literal["limited", "reasonable"]
    provider: Annotated[str, Field(min_length=1)]
    scope: str | None = Field(default=None, description="figures covered, e.g. 'Scope 1 and 2'")
    statement_date: date | None = None
    reference: str | None = None

    @model_validator(mode="after")
    def _level(self) -> Assurance:
        fixed = {"AT-C 205": "reasonable", "AT-C 210": "limited"}.get(self.standard)
        if fixed is not None and self.level != fixed:
            raise ValueError(
                f"{self.standard} gives {fixed} assurance (AT-C 205 examination = reasonable, "
                f"AT-C 210 review = limited), not {self.level!r}"
            )
        return self


class FiscalYear(Frozen):
    """The fiscal year: its first month and how it is named.

    ``naming = "end-year"`` (default): a fiscal year is named by the calendar year in
    which it ends (start month 7: FY2025 = July 2024 to June 2025). ``"start-year"``:
    by the year in which it begins (start month 4: FY2025 = April 2025 to March 2026).
    With start month 1 both name the calendar year.
    """

    start_month: Annotated[int, Field(ge=1, le=12)] = 1
    naming: Literal["end-year", "start-year"] = "end-year"


#: SiteConfig keys of the disclosure register, left out of the configuration hash when empty.
DISCLOSURE_REGISTER_KEYS = (
    "offsets",
    "boundary",
    "retired_hardware",
    "network_reference",
    "assurance",
    "fiscal_year",
    "eed",
)


class EedDeclaration(Frozen):
    """What the EU EED data-centre report needs and no meter gives (``[eed]``)."""

    total_floor_area_m2: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="total floor area of the data centre [m²]"
    )
    computer_room_floor_area_m2: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="floor area of the computer rooms [m²]"
    )
    data_centre_type: Literal["enterprise", "colocation", "co-hosting"] | None = Field(
        default=None, description="the type of data centre as the EED report names it"
    )
