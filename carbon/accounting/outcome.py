"""What the accounting of one site and period hands on: the period outcome
(docs/methodology.md §1, §6).

:class:`PeriodOutcome` holds everything computed for the period, unit-carrying: the
attributed energy, location-based Scope 2 at the factors actually used
(:class:`LocationFactors`, with the annual rates of :class:`AnnualFactor`), the other
scopes, and the quality findings. :func:`carbon.analysis.period.run_period` builds it;
the analysis and results stages read it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pint
import xarray as xr

from carbon.accounting.alignment import factor_step
from carbon.accounting.period_accounting import PeriodAccounting
from carbon.attribution.workloads import Attribution
from carbon.core.period import Period
from carbon.core.units import ureg
from carbon.factors.catalogue import FactorDataset
from carbon.ingest.grid_table import GridIntensity
from carbon.quality.assess import QualityReport
from carbon.quality.impute import Imputation
from carbon.quality.plausibility import PlausibilityReport
from carbon.quality.reconcile import ParentReconciliation
from carbon.site.model import SiteConfig

__all__ = ["AnnualFactor", "LocationFactors", "PeriodOutcome", "TableProvenance"]


@dataclass(frozen=True)
class TableProvenance:
    """Where a factor taken from a site-declared factor table comes from (its row)."""

    path: str  # the table file as the site file names it
    sha256: str
    line: int  # the row's line in the file
    publisher: str  # the row's ``source`` column
    edition: str
    licence: str  # the row's ``licence`` column, or "not stated"
    url: str  # the row's ``url`` (or ``source_url``) column, or ""

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "sha256": self.sha256,
            "publisher": self.publisher,
            "edition": self.edition,
            "licence": self.licence,
            "url": self.url,
        }


@dataclass(frozen=True)
class AnnualFactor:
    """An annual grid-average rate of the location-based hierarchy: an eGRID row
    (`dataset`) or a row of the site's own factor table (`table`)."""

    rate: pint.Quantity  # [CO2e mass / energy]
    dataset: FactorDataset | None
    region: str
    exact_year: bool
    recomputed: bool
    table: TableProvenance | None = None
    data_year: int | None = None  # the table row's year (eGRID: the dataset's)
    gas_note: str = ""  # how the CO2e rate was formed from the table's rows

    @property
    def factor_id(self) -> str:
        return self.dataset.id if self.dataset is not None else self.table.id  # type: ignore[union-attr]

    @property
    def label(self) -> str:
        """Publisher's edition, for citations and plausibility messages."""
        if self.dataset is not None:
            return self.dataset.edition
        return f"{self.table.publisher}, {self.table.edition}"  # type: ignore[union-attr]

    @property
    def role_words(self) -> str:
        """What the rate is, in a sentence."""
        if self.dataset is not None:
            return f"eGRID subregion total output CO2e rate, {self.region}"
        return f"annual grid-average factor of region {self.region} from the site's factor table"

    def note(self, year: int) -> str:
        if self.dataset is None:
            if self.exact_year:
                return f"the table holds {year} data"
            return (
                f"the table has no {year} factor for {self.region}; the latest, for "
                f"{self.data_year}, is used"
            )
        revision = f" {self.dataset.revision}" if self.dataset.revision else ""
        if self.exact_year:
            return f"{self.dataset.edition} holds {year} data"
        return (
            f"no eGRID edition with {year} data is published; the latest, "
            f"{self.dataset.edition}{revision} "
            f"({self.dataset.data_year} data), is used"
        )


@dataclass(frozen=True)
class LocationFactors:
    """The location-based factor hierarchy of one period (docs/methodology.md §1.2).

    ``levels`` records, for every factor interval of ``hourly_energy``, which
    level supplied the factor in ``intensity_used``: 0 the hourly grid source,
    1 the regional annual rate (the eGRID subregion, or the site's declared table),
    2 the eGRID national rate (see :data:`carbon.accounting.location.FACTOR_LEVELS`).
    A site outside the US has no national level.
    """

    levels: xr.DataArray  # (time,) int8 level codes
    subregion: AnnualFactor | None  # None when no annual rate exists for the region
    national: AnnualFactor | None  # the eGRID national (US) row; None outside the US
    # carbon.accounting.grid_chain.SourceChain when several hourly sources are chained
    chain: Any = None
    unavailable: str | None = None  # why no annual rate exists, when none does
    # carbon.accounting.location_tiers.LocationTiers: the tier of every interval and why
    tiers: Any = None

    def fallback_rate(self) -> AnnualFactor | None:
        """The rate used where the hourly source has no usable value (None: none exists)."""
        return self.subregion if self.subregion is not None else self.national

    @property
    def us_site(self) -> bool:
        """Whether eGRID applies: only a US site has the eGRID national rate."""
        return self.national is not None


@dataclass(frozen=True)
class PeriodOutcome:
    """Everything computed for one site and period, unit-carrying."""

    site: SiteConfig
    period: Period
    interval: pd.Timedelta
    energy: xr.DataArray  # (meter, time) [kWh], the period slice, NaN = gap
    attribution: Attribution
    hourly_energy: xr.DataArray  # (workload, time hourly) [kWh]
    hourly_emissions: xr.DataArray  # (workload, time hourly) [kg CO2e]
    intensity_used: xr.DataArray  # (time,) [g CO2e/kWh] on the grid of hourly_energy
    annual_factor: AnnualFactor | None  # None: no annual rate for the region
    annual_view_total: xr.DataArray | None  # () [kg CO2e]; None without an annual rate
    grid: GridIntensity
    quality: QualityReport
    imputation: Imputation
    scopes: PeriodAccounting
    reconciliation: tuple[ParentReconciliation, ...]
    inputs: tuple = field(default_factory=tuple)  # InputRecord, in the order read
    location_factors: LocationFactors | None = None  # the per-interval factor levels
    sector: Any = None  # carbon.analysis.activity.SectorMetrics, or None without activity data
    plausibility: PlausibilityReport | None = None  # the period's plausibility findings
    #: (meter, time) [TH] hashes computed by the miner meters read from miner telemetry, over
    #: the period (NaN where the polls do not cover an interval); None without such meters
    hashes: xr.DataArray | None = None

    @property
    def factor_step(self) -> pd.Timedelta:
        """The interval of ``hourly_energy``, ``hourly_emissions`` and ``intensity_used``: the
        least common multiple of the meter and grid intervals (docs/methodology.md §2.4)."""
        return factor_step(self.interval, self.grid.resolution)

    annual_unavailable: str | None = None  # why the annual view is not computed, if not
    residual_mix_rows: tuple[TableProvenance, ...] = ()  # rows of the site's residual table used

    @property
    def power_by_workload(self) -> xr.DataArray:
        """Average facility power per workload and interval [kW], for charts."""
        hours = ureg.Quantity(self.interval / pd.Timedelta(hours=1), "h")
        return (self.attribution.total / hours).pint.to("kW")
