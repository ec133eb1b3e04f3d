"""The validated, frozen site model: :class:`SiteConfig` and its top-level sections.

A site is read from a TOML file (:func:`carbon.site.load.load_site`) or built in
code (the demo). The model is deliberately strict (``extra="forbid"``): a misspelt
key is an error, never silently ignored. The sections live by concern in
:mod:`carbon.site.meters`, :mod:`carbon.site.activity`, :mod:`carbon.site.operating`
and :mod:`carbon.site.register`; this module holds the site's identity, quality
and reporting settings, and the checks across sections.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from carbon.site.activity import ActivityPeriod, HeatReusePeriod, WaterPeriod
from carbon.site.invoices import Invoice
from carbon.site.meters import WORKLOADS, GridSource, MarginalRateSource, Meter
from carbon.site.operating import (
    OPERATING_KEYS,
    CapacityRecord,
    DemandResponseEvent,
    EnergyCostPeriod,
    GridCarbonFreePeriod,
    HallCooling,
    PipelineEntry,
)
from carbon.site.register import (
    DISCLOSURE_REGISTER_KEYS,
    Assurance,
    Boundary,
    EedDeclaration,
    FiscalYear,
    NetworkReference,
    OffsetCredit,
    RetiredHardware,
    moves_to_cat13,
)
from carbon.site.schema import Frozen
from carbon.site.standard_supply import StandardSupply
from carbon.site.targets import Targets

__all__ = [
    "PLAUSIBILITY_DEFAULTS",
    "FactorTables",
    "QualitySettings",
    "Reporting",
    "SignOff",
    "SiteConfig",
    "SiteInfo",
]


class SiteInfo(Frozen):
    """Identity of a site and the rules that place it in time and on the grid."""

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
    name: str
    timezone: str
    grid_region: str = Field(
        description="grid region: the eGRID subregion of a US site (e.g. ERCT), else the "
        "region code the site's factor tables use (e.g. GB)"
    )
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 country code (e.g. GB, US); without it a site is a US "
        "site only when grid_region is an eGRID subregion. Only a US site falls back to eGRID "
        "rates",
    )
    synthetic: bool = False

    @field_validator("country")
    @classmethod
    def _country_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"not an ISO 3166-1 alpha-2 country code (e.g. 'GB', 'US'): {value!r}")
        return code

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Pacific" is a folder
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. 'America/Chicago')") from exc
        return value


#: The plausibility bounds of ``[quality]`` and their defaults (carbon.quality.plausibility).
PLAUSIBILITY_DEFAULTS: dict[str, float] = {
    "max_site_power_mw": 2000.0,
    "intensity_min_g_per_kwh": 0.0,
    "intensity_max_g_per_kwh": 1500.0,
    "intensity_ratio_min": 0.1,
    "intensity_ratio_max": 10.0,
}


class QualitySettings(Frozen):
    """How data quality is handled: imputation, reconciliation and plausibility bounds."""

    impute: Literal["none", "linear"] = "none"
    max_imputed_gap: str = Field(
        default="PT1H", description="longest run of missing intervals linear imputation may fill"
    )
    reconciliation_tolerance: Annotated[float, Field(ge=0, le=1)] = 0.02
    invoice_tolerance_pct: Annotated[float, Field(ge=0, le=100)] = Field(
        default=2.0,
        description="largest |metered − invoiced| ÷ invoiced [%] an invoice passes with",
    )
    max_site_power_mw: Annotated[float, Field(gt=0)] = Field(
        default=PLAUSIBILITY_DEFAULTS["max_site_power_mw"],
        description="a meter's average power above it in any interval is flagged where the "
        "site declares no approved capacity [MW]",
    )
    intensity_min_g_per_kwh: Annotated[float, Field(ge=0)] = Field(
        default=PLAUSIBILITY_DEFAULTS["intensity_min_g_per_kwh"],
        description="lowest plausible grid intensity [g CO2e/kWh]",
    )
    intensity_max_g_per_kwh: Annotated[float, Field(gt=0)] = Field(
        default=PLAUSIBILITY_DEFAULTS["intensity_max_g_per_kwh"],
        description="highest plausible grid intensity [g CO2e/kWh]",
    )
    intensity_ratio_min: Annotated[float, Field(gt=0)] = Field(
        default=PLAUSIBILITY_DEFAULTS["intensity_ratio_min"],
        description="lowest plausible ratio of the mean grid intensity to the region's "
        "published annual rate",
    )
    intensity_ratio_max: Annotated[float, Field(gt=0)] = Field(
        default=PLAUSIBILITY_DEFAULTS["intensity_ratio_max"],
        description="highest plausible ratio of the mean grid intensity to the region's "
        "published annual rate",
    )

    @model_validator(mode="after")
    def _ordered_bounds(self) -> QualitySettings:
        if self.intensity_min_g_per_kwh >= self.intensity_max_g_per_kwh:
            raise ValueError("intensity_min_g_per_kwh must be below intensity_max_g_per_kwh")
        if self.intensity_ratio_min >= self.intensity_ratio_max:
            raise ValueError("intensity_ratio_min must be below intensity_ratio_max")
        return self

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


class FactorTables(Frozen):
    """Factor tables the site declares (docs/importers/factor-table.md): the annual
    grid-average factor of its region and the market-based residual mix."""

    annual: str | None = Field(
        default=None,
        description="factor table whose 'location' rows give the region's annual grid-average "
        "factor: the annual-factor view, the timing effect and the fallback for hours without a "
        "usable hourly value; relative path",
    )
    residual_mix: str | None = Field(
        default=None,
        description="factor table whose 'market-residual' rows give the residual mix of the "
        "market-based remainder (year, month or hour rows); relative path",
    )
    region: str | None = Field(
        default=None,
        description="region code of the site in the tables (default: site.grid_region)",
    )


class SignOff(Frozen):
    """Who prepared, reviewed and approved a report, and when (the PDF's sign-off block)."""

    prepared_by: str | None = None
    prepared_on: str | None = None
    reviewed_by: str | None = None
    reviewed_on: str | None = None
    approved_by: str | None = None
    approved_on: str | None = None


class Reporting(Frozen):
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


class SiteConfig(Frozen):
    """A whole site: identity, grid sources and meters."""

    site: SiteInfo
    grid: list[GridSource] = Field(default_factory=list)
    meters: list[Meter]
    quality: QualitySettings = Field(default_factory=QualitySettings)
    invoices: list[Invoice] = Field(
        default_factory=list,
        description="utility bills the revenue meter is reconciled against, or a CSV of them",
    )
    reporting: Reporting = Field(default_factory=Reporting)
    factors: FactorTables = Field(
        default_factory=FactorTables,
        description="annual and residual-mix factor tables of the site's region",
    )
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
    standard_supply: list[StandardSupply] = Field(
        default_factory=list,
        description="the utility's standard supply service (clean MWh, retail sales) for the "
        "pro-rata claim of the 2025 Scope 2 draft (docs/methodology.md §1.8)",
    )
    targets: Targets | None = Field(
        default=None,
        description="a declared Scope 2 reduction target (SBTi CNZS V2.0, location-based)",
    )
    eed: EedDeclaration | None = Field(
        default=None, description="EU EED data-centre report: floor areas, data-centre type"
    )
    allow_paths_outside: bool = Field(
        default=False,
        description="accept input paths outside the site file's folder (refused by default)",
    )

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
        in_file: dict[tuple[str, str], str] = {}
        for m in self.meters:  # two meters reading one id of one file would share its rows
            file = self.meter_file(m)
            if file is None:
                continue
            read_as = (os.path.normpath(file), m.source_id or m.id)
            if read_as in in_file:
                raise ValueError(
                    f"meters {in_file[read_as]!r} and {m.id!r} both read id {read_as[1]!r} of "
                    f"{file!r}; each meter of a file needs its own id there (set 'source_id')"
                )
            in_file[read_as] = m.id
        self._file_options()
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

    def _file_options(self) -> None:
        """Per-file reading options: ``rollover`` only for register-csv meters; one
        ``timezone`` per file (the meters of a file read its stamps once)."""
        zones: dict[str, tuple[str, str]] = {}
        for i, m in enumerate(self.meters):
            file = self.meter_file(m)
            if m.rollover is not None and self.meter_format(m) != "register-csv":
                raise ValueError(
                    f"meters[{i}] ({m.id!r}): 'rollover' applies to cumulative registers only; "
                    "set format = 'register-csv' on the meter that names the file"
                )
            if m.timezone is None or file is None:
                continue
            key = os.path.normpath(file)
            first = zones.setdefault(key, (m.timezone, m.id))
            if first[0] != m.timezone:
                raise ValueError(
                    f"meters[{i}] ({m.id!r}): 'timezone' {m.timezone!r} differs from "
                    f"{first[0]!r} on meter {first[1]!r}, which reads the same file {file!r}; "
                    "one file has one zone"
                )

    def meter_timezone(self, meter: Meter) -> str | None:
        """The zone of a meter's naive stamps: any meter of its file that declares one."""
        file = self.meter_file(meter)
        if meter.timezone is not None or file is None:
            return meter.timezone
        key = os.path.normpath(file)
        return next(
            (
                m.timezone
                for m in self.meters
                if m.timezone is not None
                and (f := self.meter_file(m)) is not None
                and os.path.normpath(f) == key
            ),
            None,
        )

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
            moves = moves_to_cat13(contract, self.boundary.consolidation)
            if moves and contract.party not in self.tenants:
                raise ValueError(
                    f"boundary.power_contracts[{i}]: party {contract.party!r} holds operational "
                    "control, so its power moves to Scope 3 category 13, but it is not a "
                    "metered tenant (no IT meter names it in 'tenant'): its share cannot be "
                    "measured"
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

    def meter_format(self, meter: Meter) -> str | None:
        """The format a meter's file is read in: its own ``format``, else that of the meter
        whose ``file`` it inherits (a child inherits ``format`` together with ``file``);
        None leaves it to the file's extension."""
        by_id = {m.id: m for m in self.meters}
        current: Meter | None = meter
        while current is not None:
            if current.format is not None or current.file is not None:
                return current.format
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
    def factor_region(self) -> str:
        """The site's region code in its factor tables."""
        return self.factors.region or self.site.grid_region

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.site.timezone)

    def sha256(self) -> str:
        """Hash of the canonical JSON form of the configuration (for the manifest)."""
        data = self.model_dump(mode="json")
        optional = (
            "activity",
            "activity_file",
            "water",
            "heat_reuse",
            "invoices",
            "standard_supply",
        )
        for key in (*optional, *OPERATING_KEYS, *DISCLOSURE_REGISTER_KEYS):
            if not data.get(key):
                data.pop(key, None)  # sites without them keep the hash they had
        if data.get("reporting", {}).get("signoff") == SignOff().model_dump(mode="json"):
            data["reporting"].pop("signoff")
        if data.get("quality", {}).get("invoice_tolerance_pct") == 2.0:
            data["quality"].pop("invoice_tolerance_pct")  # the default: sites keep their hash
        for key, default in PLAUSIBILITY_DEFAULTS.items():  # defaults: sites keep their hash
            if data.get("quality", {}).get(key) == default:
                data["quality"].pop(key)
        if data.get("factors") == FactorTables().model_dump(mode="json"):
            data.pop("factors")  # none declared: sites keep their hash
        if data.get("site", {}).get("country") is None:
            data["site"].pop("country", None)  # the default: sites keep their hash
        if data.get("targets") is None:
            data.pop("targets", None)  # sites without targets keep their hash
        if not data.get("allow_paths_outside"):
            data.pop("allow_paths_outside", None)  # the default: sites keep their hash
        if data.get("reporting", {}).get("it_metered_at") == "ups_output":
            data["reporting"].pop("it_metered_at")  # the default: sites keep their hash
        for meter in data.get("meters", []):
            for key in (
                "tenant",
                "timezone",
                "rollover",
                "allocation_schedule",
            ):  # unset: same hash
                if meter.get(key) is None:
                    meter.pop(key, None)
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
