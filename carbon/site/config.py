"""The validated, frozen site model.

A site is read from a TOML file (:func:`load_site`) or built in code (the demo).
Validation errors name the key path (``meters[2].workload``) and the valid
choices. The model is deliberately strict (``extra="forbid"``): a misspelt key
is an error, never silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from carbon.core.errors import ConfigError

#: Workloads a metered IT load can be assigned to.
Workload = Literal["mining", "ai"]
#: Every workload key that can appear in results. ``other`` holds shared energy in
#: intervals where no IT load exists to carry it (METHODOLOGY section 6).
WORKLOADS: tuple[str, ...] = ("mining", "ai", "other")
MeterRole = Literal["revenue", "it", "shared", "generation", "export"]
Allocation = Literal["it-energy", "dedicated"]
#: File formats a meter can be read from (``format`` key; inferred from the extension if absent).
MeterFormat = Literal[
    "long-csv",
    "parquet",
    "wide-csv",
    "register-csv",
    "utility-csv",
    "green-button",
    "dcgm",
    "miner",
]
FORMAT_BY_SUFFIX: dict[str, str] = {
    ".csv": "long-csv",
    ".parquet": "parquet",
    ".xml": "green-button",
    ".prom": "dcgm",
    ".jsonl": "miner",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteInfo(_Frozen):
    """Identity of a site and the rules that place it in time and on the grid."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    name: str
    timezone: str
    grid_region: str = Field(description="eGRID subregion, e.g. ERCT")
    synthetic: bool = False

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Pacific" is a folder
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. 'America/Chicago')") from exc
        return value


class WorkloadSpan(_Frozen):
    """One effective-dated assignment of a meter to a workload.

    The span runs from the previous span's ``until`` (or the beginning of time)
    up to, not including, its own ``until`` (or forever when omitted).
    """

    workload: Workload
    until: datetime | None = None
    tenant: str | None = None

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("'until' needs a UTC offset, e.g. 2023-11-14T12:00:00-06:00")
        return value


class Meter(_Frozen):
    """A meter and what it measures."""

    id: Annotated[str, Field(min_length=1)]
    role: MeterRole
    parent: str | None = None
    file: str | None = None
    workload: Workload | list[WorkloadSpan] | None = None
    allocation: Allocation = "it-energy"
    dedicated_to: Workload | None = None
    format: MeterFormat | None = None
    source_id: str | None = Field(
        default=None, description="the meter's id inside its file, when it differs from 'id'"
    )
    unit: str | None = Field(
        default=None, description="unit of the value column, if not in its name"
    )
    column: str | None = Field(default=None, description="value column, if not the default")
    rated_kw: Annotated[float, Field(gt=0)] | None = Field(
        default=None, description="rated capacity [kW]; readings above it are flagged"
    )
    nameplate_j_per_th: Annotated[float, Field(gt=0)] | None = None
    accuracy_class: Annotated[float, Field(ge=0, le=10)] | None = Field(
        default=None, description="accuracy class [per cent] for the uncertainty ranges"
    )
    tenant: str | None = Field(
        default=None,
        description="colocation customer whose IT load this meter measures (single-workload "
        "meters; scheduled meters name the tenant per span)",
    )

    @model_validator(mode="after")
    def _role_rules(self) -> Meter:
        if self.role == "it" and self.workload is None:
            raise ValueError(f"IT meter {self.id!r} needs a 'workload' (one of: mining, ai)")
        if self.role != "it" and self.workload is not None:
            raise ValueError(f"only IT meters carry a 'workload'; {self.id!r} is {self.role!r}")
        if self.allocation == "dedicated" and self.dedicated_to is None:
            raise ValueError(
                f"shared meter {self.id!r} has allocation 'dedicated' but no 'dedicated_to'"
            )
        if self.dedicated_to is not None and self.allocation != "dedicated":
            raise ValueError(f"{self.id!r}: 'dedicated_to' needs allocation = 'dedicated'")
        if self.tenant is not None and not isinstance(self.workload, str):
            raise ValueError(
                f"meter {self.id!r}: 'tenant' belongs on a single-workload IT meter; a scheduled "
                "meter names the tenant in each span"
            )
        if isinstance(self.workload, list):
            if not self.workload:
                raise ValueError(f"meter {self.id!r}: an empty workload schedule")
            untils = [span.until for span in self.workload]
            if untils[-1] is not None:
                raise ValueError(f"meter {self.id!r}: the last workload span must have no 'until'")
            if any(u is None for u in untils[:-1]):
                raise ValueError(f"meter {self.id!r}: every span but the last needs an 'until'")
            bounded = [u for u in untils if u is not None]
            if any(b >= a for a, b in zip(bounded[1:], bounded[:-1], strict=False)):
                raise ValueError(f"meter {self.id!r}: workload spans must be in time order")
        return self

    def tenant_spans(self) -> list[tuple[datetime | None, datetime | None, str | None]]:
        """The tenant schedule as ``(start, end, tenant)``; ``None`` = no tenant (own use)."""
        if self.workload is None:
            return []
        if isinstance(self.workload, str):
            return [(None, None, self.tenant)]
        spans: list[tuple[datetime | None, datetime | None, str | None]] = []
        start: datetime | None = None
        for span in self.workload:
            spans.append((start, span.until, span.tenant))
            start = span.until
        return spans

    def workload_spans(self) -> list[tuple[datetime | None, datetime | None, str]]:
        """The schedule as ``(start, end, workload)`` with ``None`` for open ends."""
        if self.workload is None:
            return []
        if isinstance(self.workload, str):
            return [(None, None, self.workload)]
        spans: list[tuple[datetime | None, datetime | None, str]] = []
        start: datetime | None = None
        for span in self.workload:
            spans.append((start, span.until, span.workload))
            start = span.until
        return spans


class GridSource(_Frozen):
    """A grid-intensity source, most specific first in the site file."""

    source: Literal[
        "electricitymaps", "eia930", "gridemissions", "watttime", "neso", "entsoe", "table"
    ]
    path: str
    basis: Literal["direct", "lifecycle"] = "direct"
    region: str | None = Field(
        default=None,
        description="zone or balancing authority inside the file (eia930, gridemissions, table)",
    )


class QualitySettings(_Frozen):
    """How data quality is handled: imputation and reconciliation."""

    impute: Literal["none", "linear"] = "none"
    max_imputed_gap: str = Field(
        default="PT1H", description="longest run of missing intervals linear imputation may fill"
    )
    reconciliation_tolerance: Annotated[float, Field(ge=0, le=1)] = 0.02

    @field_validator("max_imputed_gap")
    @classmethod
    def _duration(cls, value: str) -> str:
        import pandas as pd

        try:
            delta = pd.Timedelta(value)
        except ValueError as exc:
            raise ValueError(f"not an ISO 8601 duration (e.g. PT1H, PT45M): {value!r}") from exc
        if delta <= pd.Timedelta(0):
            raise ValueError("must be positive")
        return value


class SignOff(_Frozen):
    """Who prepared, reviewed and approved a report, and when (the PDF's sign-off block)."""

    prepared_by: str | None = None
    prepared_on: str | None = None
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    approved_by: str | None = None
    approved_on: str | None = None


class Reporting(_Frozen):
    """Who reports, in which market, with which GWP set and contractual instruments."""

    reporter: str | None = Field(
        default=None, description="the company instruments must be retired for (default: site name)"
    )
    market_boundary: str | None = Field(
        default=None, description="market boundary of the site (default: the grid region)"
    )
    gwp_set: Literal["AR4", "AR5", "AR6"] = "AR6"
    instruments: str | None = Field(default=None, description="instruments CSV, relative path")
    it_metered_at: Literal["ups_output", "pdu_output", "it_input"] = Field(
        default="ups_output",
        description="where the IT meters read E_IT (the PUE category, ISO/IEC 30134-2): UPS "
        "output or hall feeders (PUE1, basic), PDU output (PUE2), IT equipment input (PUE3)",
    )
    signoff: SignOff = Field(default_factory=SignOff)


def _checked_quantity(value: str, unit: str, what: str) -> str:
    """Validate ``"<number> <unit>"`` against a dimension (carbon.core.units.parse_unit)."""
    from carbon.analysis.activity import parse_quantity
    from carbon.core.errors import CarbonError

    try:
        parse_quantity(value, unit, what)
    except CarbonError as exc:
        raise ValueError(str(exc)) from None
    return value


class MinerGroup(_Frozen):
    """A group of identical miners for the nameplate fleet efficiency (METHODOLOGY 8)."""

    model: Annotated[str, Field(min_length=1)]
    count: Annotated[int, Field(ge=0)]
    rated_power: str = Field(description="nameplate power of one unit, e.g. '3500 W'")
    rated_hashrate: str = Field(description="nameplate hashrate of one unit, e.g. '200 TH/s'")
    hall: str | None = Field(default=None, description="IT meter the group sits behind")

    @field_validator("rated_power")
    @classmethod
    def _power(cls, value: str) -> str:
        return _checked_quantity(value, "W", "rated_power")

    @field_validator("rated_hashrate")
    @classmethod
    def _hashrate(cls, value: str) -> str:
        return _checked_quantity(value, "TH/s", "rated_hashrate")


class ActivityPeriod(_Frozen):
    """Production and hosting activity of one month (METHODOLOGY 8); every field optional.

    Hashrates and GPU-hours are strings with units (``"3.6 EH/s"``, ``"6380000 hour"``);
    BTC amounts are plain numbers (a count). Self-mining and hosted-client figures are
    kept apart: ``hashrate_average`` is all mining hashrate behind the site's mining
    meters, ``hashrate_average_hosted`` the hosted clients' part of it.
    """

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    hashrate_installed: str | None = Field(
        default=None, description="installed/deployed (nameplate) hashrate at period end"
    )
    hashrate_energised: str | None = Field(
        default=None, description="energised hashrate (units powered and able to hash)"
    )
    hashrate_average: str | None = Field(
        default=None, description="average operating (realised, pool-side) hashrate"
    )
    hashrate_average_hosted: str | None = Field(
        default=None, description="hosted clients' part of hashrate_average"
    )
    btc_mined_self: Annotated[float, Field(ge=0)] | None = None
    btc_mined_hosted: Annotated[float, Field(ge=0)] | None = None
    network_hashrate: str | None = Field(
        default=None, description="network hashrate used for expectations (state the source)"
    )
    network_hashrate_note: str | None = None
    mean_fees_btc_per_block: Annotated[float, Field(ge=0)] | None = None
    gpu_count: Annotated[int, Field(ge=0)] | None = None
    gpu_hours_available: str | None = None
    gpu_hours_sold: str | None = None
    source: str | None = Field(default=None, description="where the figures come from")
    miners: list[MinerGroup] = Field(default_factory=list)

    @field_validator(
        "hashrate_installed",
        "hashrate_energised",
        "hashrate_average",
        "hashrate_average_hosted",
        "network_hashrate",
    )
    @classmethod
    def _hashrates(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _checked_quantity(value, "TH/s", info.field_name)

    @field_validator("gpu_hours_available", "gpu_hours_sold")
    @classmethod
    def _gpu_hours(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _checked_quantity(value, "hour", info.field_name)

    @model_validator(mode="after")
    def _consistent(self) -> ActivityPeriod:
        from carbon.analysis.activity import parse_quantity

        def q(name: str, unit: str) -> Any:
            value = getattr(self, name)
            return None if value is None else parse_quantity(value, unit, name).to(unit)

        pairs = (
            ("hashrate_energised", "hashrate_installed", "TH/s"),
            ("hashrate_average_hosted", "hashrate_average", "TH/s"),
            ("gpu_hours_sold", "gpu_hours_available", "hour"),
        )
        if self.hashrate_average_hosted is not None and self.hashrate_average is None:
            raise ValueError(
                f"{self.period}: hashrate_average_hosted needs hashrate_average (the hosted part "
                "splits the mining energy between self-mining and hosted clients)"
            )
        for part, whole, unit in pairs:
            a, b = q(part, unit), q(whole, unit)
            if a is not None and b is not None and a > b:
                raise ValueError(
                    f"{self.period}: {part} ({getattr(self, part)}) exceeds {whole} "
                    f"({getattr(self, whole)})"
                )
        return self


class WaterPeriod(_Frozen):
    """Site water of one month (METHODOLOGY 3, WUE; EED Annex I ``W_IN``).

    Volumes are strings with units (``"18500 m^3"``, ``"4.2e6 L"``).
    """

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    withdrawal: str = Field(description="total water input (withdrawal), e.g. '18500 m^3'")
    potable: str | None = Field(default=None, description="potable part of the withdrawal")
    consumption: str | None = Field(
        default=None, description="consumption (withdrawal minus discharge)"
    )
    source: str | None = Field(default=None, description="where the figures come from")

    @field_validator("withdrawal", "potable", "consumption")
    @classmethod
    def _volume(cls, value: str | None, info: Any) -> str | None:
        return None if value is None else _checked_quantity(value, "m^3", info.field_name)


class HeatReusePeriod(_Frozen):
    """Waste heat reused outside the boundary in one month (METHODOLOGY 3, ERF)."""

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    energy: str = Field(description="heat delivered to the reuse, e.g. '420 MWh'")
    destination: str | None = None
    source: str | None = Field(default=None, description="where the figure comes from")

    @field_validator("energy")
    @classmethod
    def _energy(cls, value: str) -> str:
        return _checked_quantity(value, "kWh", "energy")


class MarginalRateSource(_Frozen):
    """A marginal emission-rate series (WattTime MOER): avoided emissions only, never Scope 2."""

    source: Literal["watttime"]
    path: str
    region: str | None = None


# --- Disclosure register (DISCLOSURES items 13, 21-24; fiscal years) -----------------------
# Offsets and credits, the boundary table, retired hardware, network reference figures,
# the assurance statement and the fiscal year. Read by carbon.analysis.register.

#: Assurance standards a statement can be given under (METHODOLOGY 5).
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


class OffsetCredit(_Frozen):
    """A retired carbon credit: shown beside the gross inventory, never netted from it.

    ``kind = "avoided-methane"`` marks credits for methane destroyed by flare-gas
    generation; they are listed in their own block, apart from Scope 1 (METHODOLOGY 1.5).
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
        return _checked_quantity(value, "t CO2e", "quantity")


class BoundarySite(_Frozen):
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


class HostedClient(_Frozen):
    """A hosting client whose machines draw power on site (its energy stays in the site's)."""

    name: Annotated[str, Field(min_length=1)]
    workload: Workload
    note: str | None = None


class PowerContract(_Frozen):
    """Who holds the electricity supply contract for a tenant's or client's load."""

    party: Annotated[str, Field(min_length=1)] = Field(description="tenant or hosted client")
    lease: Literal["triple-net", "gross", "colocation", "hosting"]
    supply_contract_holder: Literal["operator", "party"]
    party_has_operational_control: bool = False
    note: str | None = None


class Boundary(_Frozen):
    """The organisational boundary (METHODOLOGY 1.1, 1.7)."""

    consolidation: Literal["operational control", "financial control", "equity share"]
    base_year: Annotated[int, Field(ge=1990, le=2100)] | None = None
    significance_threshold: Annotated[float, Field(gt=0, le=1)] = 0.05
    sites: list[BoundarySite] = Field(default_factory=list)
    hosted_clients: list[HostedClient] = Field(default_factory=list)
    power_contracts: list[PowerContract] = Field(default_factory=list)


class RetiredHardware(_Frozen):
    """Hardware retired in a month (ASICs, GPUs): units, mass in tonnes, disposal route."""

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
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
        return _checked_quantity(value, "t", "mass")


class NetworkReference(_Frozen):
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
        _checked_quantity(self.value, unit, f"network reference {self.name!r} value")
        return self


class Assurance(_Frozen):
    """The assurance statement over the figures (METHODOLOGY 5)."""

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


class FiscalYear(_Frozen):
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
)


# --- Operating disclosures (capacity, demand response, energy cost, cooling, grid CFE) -----
#: The capacity stack's measures, in the order the report prints them (MW, in effect at a date).
CapacityMeasure = Literal[
    "interconnect_approved",
    "gross_energised",
    "mining",
    "critical_it_contracted",
    "critical_it_energised",
    "critical_it_billable",
]
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
_OPERATING_KEYS = (
    "capacity",
    "capacity_pipeline",
    "demand_response",
    "energy_cost",
    "cooling",
    "grid_carbon_free",
)


def _checked_money(value: str | None, what: str) -> str | None:
    """Validate ``"<number> <currency>"`` (negative allowed for signed settlements)."""
    if value is None:
        return None
    from carbon.analysis.cost_bridge import parse_money
    from carbon.core.errors import CarbonError

    try:
        parse_money(value, what)
    except CarbonError as exc:
        raise ValueError(str(exc)) from None
    return value


class CapacityRecord(_Frozen):
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
        return _checked_quantity(value, "MW", "value")

    @model_validator(mode="after")
    def _dates(self) -> CapacityRecord:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"{self.measure}: effective_to {self.effective_to} is before effective_from "
                f"{self.effective_from}"
            )
        return self


class PipelineEntry(_Frozen):
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
        return _checked_quantity(value, "MW", "capacity")


class DemandResponseEvent(_Frozen):
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
        return _checked_quantity(value, "MW", "baseline")

    @field_validator("power_resold")
    @classmethod
    def _resold(cls, value: str | None) -> str | None:
        return None if value is None else _checked_quantity(value, "MWh", "power_resold")

    @field_validator("credits", "resale_revenue")
    @classmethod
    def _money(cls, value: str | None, info: Any) -> str | None:
        return _checked_money(value, info.field_name)

    @model_validator(mode="after")
    def _order(self) -> DemandResponseEvent:
        if self.end <= self.start:
            raise ValueError(
                f"event {self.event_id!r}: end {self.end} is not after start {self.start}"
            )
        return self


class EnergyCostPeriod(_Frozen):
    """The energy cost bridge of one month, in one currency (never converted)."""

    period: Annotated[str, Field(pattern=_MONTH)]
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
        return _checked_money(value, info.field_name)

    @model_validator(mode="after")
    def _one_currency(self) -> EnergyCostPeriod:
        from carbon.analysis.cost_bridge import parse_money

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


class HallCooling(_Frozen):
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


class GridCarbonFreePeriod(_Frozen):
    """Carbon-free share of the grid supply in one month, as the grid source states it."""

    period: Annotated[str, Field(pattern=_MONTH)]
    share: Annotated[float, Field(ge=0, le=1)] = Field(description="fraction 0..1")
    source: Annotated[str, Field(min_length=1)]


class SiteConfig(_Frozen):
    """A whole site: identity, grid sources and meters."""

    site: SiteInfo
    grid: list[GridSource] = Field(default_factory=list)
    meters: list[Meter]
    quality: QualitySettings = Field(default_factory=QualitySettings)
    reporting: Reporting = Field(default_factory=Reporting)
    fuel: list[dict[str, Any]] = Field(
        default_factory=list,
        description="on-site fuel records (Scope 1), see docs/scope1-scope3.md",
    )
    activity: list[ActivityPeriod] = Field(
        default_factory=list,
        description="monthly production and hosting activity (hashrate, BTC, GPU-hours)",
    )
    activity_file: str | None = Field(
        default=None,
        description="CSV of monthly activity rows (columns: the [[activity]] keys), relative path",
    )
    water: list[WaterPeriod] = Field(default_factory=list, description="monthly site water (WUE)")
    heat_reuse: list[HeatReusePeriod] = Field(
        default_factory=list, description="monthly waste heat reused outside the site (ERF)"
    )
    marginal_rate: MarginalRateSource | None = Field(
        default=None, description="marginal emission rate for avoided emissions (outside Scope 2)"
    )
    capacity: list[CapacityRecord] = Field(
        default_factory=list, description="effective-dated capacity stack (MW), actuals only"
    )
    capacity_pipeline: list[PipelineEntry] = Field(
        default_factory=list, description="contracted/planned future capacity (not actuals)"
    )
    demand_response: list[DemandResponseEvent] = Field(
        default_factory=list, description="demand-response events: credits and power resold"
    )
    energy_cost: list[EnergyCostPeriod] = Field(
        default_factory=list, description="monthly energy cost bridge rows (currency)"
    )
    cooling: list[HallCooling] = Field(default_factory=list, description="cooling type per hall")
    grid_carbon_free: list[GridCarbonFreePeriod] = Field(
        default_factory=list, description="monthly carbon-free share of the grid supply"
    )
    offsets: list[OffsetCredit] = Field(
        default_factory=list, description="retired carbon credits, shown beside the inventory"
    )
    boundary: Boundary | None = Field(default=None, description="the organisational boundary")
    retired_hardware: list[RetiredHardware] = Field(
        default_factory=list, description="retired ASICs and GPUs per month"
    )
    network_reference: list[NetworkReference] = Field(
        default_factory=list, description="published network figures for the comparison panel"
    )
    assurance: Assurance | None = Field(default=None, description="the assurance statement")
    fiscal_year: FiscalYear | None = Field(default=None, description="fiscal-year start month")

    @model_validator(mode="after")
    def _meter_tree(self) -> SiteConfig:
        ids = [m.id for m in self.meters]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"meter ids must be unique; repeated: {', '.join(dupes)}")
        revenue = [m.id for m in self.meters if m.role == "revenue"]
        if len(revenue) != 1:
            raise ValueError(
                f"exactly one meter with role 'revenue' is needed (found {len(revenue)}: {revenue})"
            )
        known = set(ids)
        for m in self.meters:
            if m.parent is not None and m.parent not in known:
                raise ValueError(
                    f"meter {m.id!r} names parent {m.parent!r}, which is not a meter "
                    f"(known: {', '.join(sorted(known))})"
                )
        by_id = {m.id: m for m in self.meters}
        for m in self.meters:
            seen, current = {m.id}, m
            while current.parent is not None:
                if current.parent in seen:
                    raise ValueError(f"meter {m.id!r}: the parent chain loops ({current.parent!r})")
                seen.add(current.parent)
                current = by_id[current.parent]
        if not any(m.role == "it" for m in self.meters):
            raise ValueError("at least one meter with role 'it' is needed to attribute energy")
        periods = [a.period for a in self.activity]
        repeated = sorted({p for p in periods if periods.count(p) > 1})
        if repeated:
            raise ValueError(f"activity periods must be unique; repeated: {', '.join(repeated)}")
        for name, rows in (("water", self.water), ("heat_reuse", self.heat_reuse)):
            months = [r.period for r in rows]
            again = sorted({p for p in months if months.count(p) > 1})
            if again:
                raise ValueError(f"{name} periods must be unique; repeated: {', '.join(again)}")
        tenant_workload: dict[str, str] = {}
        for m in self.meters:
            for (_, _, workload), (_, _, tenant) in zip(
                m.workload_spans(), m.tenant_spans(), strict=True
            ):
                if tenant is None:
                    continue
                if tenant in WORKLOADS:
                    raise ValueError(
                        f"meter {m.id!r}: tenant {tenant!r} has the name of a workload; "
                        f"tenant names must differ from {', '.join(WORKLOADS)}"
                    )
                if tenant_workload.setdefault(tenant, workload) != workload:
                    raise ValueError(
                        f"tenant {tenant!r} appears under workloads {tenant_workload[tenant]!r} "
                        f"and {workload!r} (meter {m.id!r}); a tenant belongs to one workload"
                    )
        for c in self.cooling:
            if c.hall not in known:
                raise ValueError(
                    f"cooling: hall {c.hall!r} is not a meter (known: {', '.join(sorted(known))})"
                )
        for name, rows in (
            ("energy_cost", self.energy_cost),
            ("grid_carbon_free", self.grid_carbon_free),
        ):
            months = [r.period for r in rows]
            again = sorted({p for p in months if months.count(p) > 1})
            if again:
                raise ValueError(f"{name} periods must be unique; repeated: {', '.join(again)}")
        for a in self.activity:
            for group in a.miners:
                if group.hall is not None and group.hall not in known:
                    raise ValueError(
                        f"activity {a.period}: miner group {group.model!r} names hall "
                        f"{group.hall!r}, which is not a meter"
                    )
        return self

    @model_validator(mode="after")
    def _register_parties(self) -> SiteConfig:
        if self.boundary is None:
            return self
        known = set(self.tenants) | {c.name for c in self.boundary.hosted_clients}
        for i, contract in enumerate(self.boundary.power_contracts):
            if contract.party not in known:
                raise ValueError(
                    f"boundary.power_contracts[{i}]: party {contract.party!r} is neither a "
                    "tenant of the meters nor a hosted client "
                    f"(known: {', '.join(sorted(known)) or 'none'})"
                )
        return self

    @property
    def tenants(self) -> dict[str, str]:
        """Tenant → its workload, in the order the meters name them."""
        found: dict[str, str] = {}
        for m in self.meters:
            for (_, _, workload), (_, _, tenant) in zip(
                m.workload_spans(), m.tenant_spans(), strict=True
            ):
                if tenant is not None:
                    found.setdefault(tenant, workload)
        return found

    def water_for(self, period_label: str) -> WaterPeriod | None:
        """The water record of a month, or None."""
        return next((w for w in self.water if w.period == period_label), None)

    def heat_reuse_for(self, period_label: str) -> HeatReusePeriod | None:
        """The heat-reuse record of a month, or None."""
        return next((h for h in self.heat_reuse if h.period == period_label), None)

    def activity_for(self, period_label: str) -> ActivityPeriod | None:
        """The activity record of a month, or None."""
        return next((a for a in self.activity if a.period == period_label), None)

    @property
    def revenue_meter(self) -> Meter:
        return next(m for m in self.meters if m.role == "revenue")

    def meter_file(self, meter: Meter) -> str | None:
        """The file a meter's rows come from: its own, else its nearest ancestor's."""
        by_id = {m.id: m for m in self.meters}
        current: Meter | None = meter
        while current is not None:
            if current.file is not None:
                return current.file
            current = by_id.get(current.parent) if current.parent else None
        return None

    def meters_with_role(self, role: str) -> list[Meter]:
        return [m for m in self.meters if m.role == role]

    @property
    def reporter(self) -> str:
        return self.reporting.reporter or self.site.name

    @property
    def market_boundary(self) -> str:
        return self.reporting.market_boundary or self.site.grid_region

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def sha256(self) -> str:
        """Hash of the canonical JSON form of the configuration (for the manifest)."""
        data = self.model_dump(mode="json")
        optional = ("activity", "activity_file", "water", "heat_reuse")
        for key in (*optional, *_OPERATING_KEYS, *DISCLOSURE_REGISTER_KEYS):
            if not data.get(key):
                data.pop(key, None)  # sites without them keep the hash they had
        if data.get("reporting", {}).get("signoff") == SignOff().model_dump(mode="json"):
            data["reporting"].pop("signoff")
        if data.get("reporting", {}).get("it_metered_at") == "ups_output":
            data["reporting"].pop("it_metered_at")  # the default: sites keep their hash
        for meter in data.get("meters", []):
            if meter.get("tenant") is None:
                meter.pop("tenant", None)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _key_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-after", "literal[", "list[", "str", "datetime")):
            continue  # pydantic's union-branch labels are noise to a user
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Turn a pydantic error into lines naming the key path and what was expected."""
    lines = [f"{source}: invalid site configuration"]
    seen: set[str] = set()
    for err in exc.errors():
        line = f"  {_key_path(err['loc'])}: {err['msg']}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


def site_from_dict(data: dict, source: str = "<site>") -> SiteConfig:
    """Validate a site mapping; raise :class:`ConfigError` naming the key path."""
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, source)) from None


def load_site(path: str | Path) -> SiteConfig:
    """Read and validate a TOML site file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: site file not found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    site = site_from_dict(data, source=str(path))
    if site.activity_file is not None:  # monthly activity rows from a CSV beside the site file
        from carbon.site.activity_file import with_activity_file

        site = with_activity_file(site, path.parent, source=str(path))
    return site
