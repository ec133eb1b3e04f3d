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

__all__ = ["AnnualFactor", "LocationFactors", "PeriodOutcome"]


@dataclass(frozen=True)
class AnnualFactor:
    """The annual subregion rate used for the annual-factor view."""

    rate: pint.Quantity  # [CO2e mass / energy]
    dataset: FactorDataset
    region: str
    exact_year: bool
    recomputed: bool

    def note(self, year: int) -> str:
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
    1 the eGRID subregion annual rate, 2 the eGRID national rate (see
    :data:`carbon.accounting.location.FACTOR_LEVELS`).
    """

    levels: xr.DataArray  # (time,) int8 level codes
    subregion: AnnualFactor | None  # None when the region is unknown to eGRID
    national: AnnualFactor  # the eGRID national (US) row of the same edition
    # carbon.accounting.grid_chain.SourceChain when several hourly sources are chained
    chain: Any = None

    def fallback_rate(self) -> AnnualFactor:
        """The rate used where the hourly source has no usable value."""
        return self.subregion if self.subregion is not None else self.national


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
    annual_factor: AnnualFactor
    annual_view_total: xr.DataArray  # () [kg CO2e]
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

    @property
    def power_by_workload(self) -> xr.DataArray:
        """Average facility power per workload and interval [kW], for charts."""
        hours = ureg.Quantity(self.interval / pd.Timedelta(hours=1), "h")
        return (self.attribution.total / hours).pint.to("kW")
