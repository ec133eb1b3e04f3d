"""Meters and grid sources of the site model.

A meter measures one role (revenue, IT, shared, generation, export); an IT meter
carries a workload, either one for good or an effective-dated schedule of spans,
and the tenant whose load it measures. Grid sources name the intensity files,
most specific first; the marginal-rate source serves avoided emissions only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from carbon.ingest.registry import grid_source_ids, meter_format_ids
from carbon.site.schema import Frozen

__all__ = [
    "WORKLOADS",
    "Allocation",
    "AllocationSpan",
    "GridSource",
    "GridSourceId",
    "MarginalRateSource",
    "Meter",
    "MeterFormat",
    "MeterRole",
    "Workload",
    "WorkloadSpan",
]


#: Workloads a metered IT load can be assigned to.
Workload = Literal["mining", "ai"]
#: Every workload key that can appear in results. ``other`` holds shared energy in
#: intervals where no IT load exists to carry it (docs/methodology.md §6).
WORKLOADS: tuple[str, ...] = ("mining", "ai", "other")
MeterRole = Literal["revenue", "it", "shared", "generation", "export"]
Allocation = Literal["it-energy", "dedicated"]
#: File formats a meter can be read from (``format`` key; inferred from the extension if absent):
#: the ids of :data:`carbon.ingest.registry.METER_IMPORTERS`.
MeterFormat = Literal[meter_format_ids()]
#: Grid-intensity sources: the ids of :data:`carbon.ingest.registry.GRID_IMPORTERS`.
GridSourceId = Literal[grid_source_ids()]


class WorkloadSpan(Frozen):
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


class AllocationSpan(Frozen):
    """One effective-dated, versioned allocation key of a shared meter.

    Like :class:`WorkloadSpan`, the span runs from the previous span's ``until`` (or the
    beginning of time) up to, not including, its own ``until`` (or forever when omitted);
    an interval that a change falls inside is split by time overlap.
    """

    key: Allocation = Field(description="it-energy (pro rata to IT energy) or dedicated")
    dedicated_to: Workload | None = Field(
        default=None, description="the workload a dedicated key gives the whole meter to"
    )
    version: Annotated[str, Field(min_length=1)] = Field(
        description="the key's version label, named in the report (e.g. 'v2 2025-07')"
    )
    until: datetime | None = None

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("'until' needs a UTC offset, e.g. 2025-07-15T12:00:00-05:00")
        return value

    @model_validator(mode="after")
    def _dedicated(self) -> AllocationSpan:
        if (self.key == "dedicated") != (self.dedicated_to is not None):
            raise ValueError(
                f"allocation version {self.version!r}: 'dedicated_to' goes with key "
                "'dedicated' and only with it"
            )
        return self


class Meter(Frozen):
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
    allocation_schedule: list[AllocationSpan] | None = Field(
        default=None,
        description="effective-dated, versioned allocation keys of a shared meter, in time "
        "order (instead of 'allocation' and 'dedicated_to')",
    )
    timezone: str | None = Field(
        default=None,
        description="IANA zone of the file's stamps where they carry no UTC offset (local "
        "wall-clock time), e.g. America/Chicago; all meters of one file must agree",
    )
    rollover: Annotated[float, Field(gt=0)] | None = Field(
        default=None,
        description="register modulus of a register-csv meter: the value at which the "
        "cumulative register wraps to zero (e.g. 100000, 4294967296)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # "Pacific" is a folder
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. 'America/Chicago')") from exc
        return value

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
        if self.allocation_schedule is not None:
            self._check_allocation_schedule()
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

    def _check_allocation_schedule(self) -> None:
        schedule = self.allocation_schedule or []
        if self.role != "shared":
            raise ValueError(
                f"only shared meters carry an 'allocation_schedule'; {self.id!r} is {self.role!r}"
            )
        if self.allocation != "it-energy" or self.dedicated_to is not None:
            raise ValueError(
                f"shared meter {self.id!r}: give either 'allocation' (and 'dedicated_to') or "
                "'allocation_schedule', not both"
            )
        if not schedule:
            raise ValueError(f"meter {self.id!r}: an empty allocation_schedule")
        untils = [span.until for span in schedule]
        if untils[-1] is not None:
            raise ValueError(f"meter {self.id!r}: the last allocation span must have no 'until'")
        if any(u is None for u in untils[:-1]):
            raise ValueError(f"meter {self.id!r}: every allocation span but the last needs 'until'")
        bounded = [u for u in untils if u is not None]
        if any(b >= a for a, b in zip(bounded[1:], bounded[:-1], strict=False)):
            raise ValueError(f"meter {self.id!r}: allocation spans must be in time order")

    def allocation_spans(
        self,
    ) -> list[tuple[datetime | None, datetime | None, str, str | None, str | None]]:
        """The allocation keys as ``(start, end, key, dedicated_to, version)``; ``None`` for
        open ends, and for the version of a meter with one key for good."""
        if self.allocation_schedule is None:
            return [(None, None, self.allocation, self.dedicated_to, None)]
        spans = []
        start: datetime | None = None
        for span in self.allocation_schedule:
            spans.append((start, span.until, span.key, span.dedicated_to, span.version))
            start = span.until
        return spans

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


class GridSource(Frozen):
    """A grid-intensity source, most specific first in the site file."""

    source: GridSourceId
    path: str
    basis: Literal["direct", "lifecycle"] = "direct"
    region: str | None = Field(
        default=None,
        description="zone or balancing authority inside the file (eia930, gridemissions, table)",
    )


class MarginalRateSource(Frozen):
    """A marginal emission-rate series (WattTime MOER): avoided emissions only, never Scope 2."""

    source: Literal["watttime"]
    path: str
    region: str | None = None
