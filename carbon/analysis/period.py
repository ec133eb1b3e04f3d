"""The thin orchestration: ingest → quality → attribute → account → analyse.

Every calculation lives in the stage modules; this module only wires them
together for one site and one period and returns an immutable
:class:`PeriodOutcome`. Data flows one way; nothing reaches back upstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import pint
import xarray as xr

from carbon.accounting import location as emissions
from carbon.accounting.grid_chain import chain_grids
from carbon.accounting.period_accounting import PeriodAccounting, account_period
from carbon.analysis import metrics
from carbon.attribution import workloads as attribution
from carbon.core.errors import FactorNotFoundError, PeriodError
from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.core.units import ureg
from carbon.factors.catalogue import FactorDataset, load_dataset
from carbon.factors.egrid import egrid_co2e_rate, latest_egrid_for_year
from carbon.ingest.grid_table import GridIntensity
from carbon.quality import assess as quality
from carbon.quality.cube_model import MeterCube
from carbon.quality.impute import Imputation, impute
from carbon.quality.reconcile import ParentReconciliation, reconcile
from carbon.site.model import SiteConfig


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
    """The location-based factor hierarchy of one period (METHODOLOGY 1.2).

    ``levels`` records, for every factor interval of ``hourly_energy``, which
    level supplied the factor in ``intensity_used``: 0 the hourly grid source,
    1 the eGRID subregion annual rate, 2 the eGRID national rate (see
    :data:`carbon.accounting.location.FACTOR_LEVELS`).
    """

    levels: xr.DataArray  # (time,) int8 level codes
    subregion: AnnualFactor | None  # None when the region is unknown to eGRID
    national: AnnualFactor  # the eGRID national (US) row of the same edition
    chain: Any = None  # carbon.accounting.grid_chain.SourceChain when several hourly sources are chained

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
    attribution: attribution.Attribution
    hourly_energy: xr.DataArray  # (workload, time hourly) [kWh]
    hourly_emissions: xr.DataArray  # (workload, time hourly) [kg CO2e]
    intensity_used: xr.DataArray  # (time,) [g CO2e/kWh] on the grid of hourly_energy
    annual_factor: AnnualFactor
    annual_view_total: xr.DataArray  # () [kg CO2e]
    grid: GridIntensity
    quality: quality.QualityReport
    imputation: Imputation
    scopes: PeriodAccounting
    reconciliation: tuple[ParentReconciliation, ...]
    inputs: tuple = field(default_factory=tuple)  # InputRecord, in the order read
    location_factors: LocationFactors | None = None  # the per-interval factor levels
    sector: Any = None  # carbon.analysis.activity.SectorMetrics, or None without activity data

    @property
    def power_by_workload(self) -> xr.DataArray:
        """Average facility power per workload and interval [kW], for charts."""
        hours = ureg.Quantity(self.interval / pd.Timedelta(hours=1), "h")
        return (self.attribution.total / hours).pint.to("kW")


def annual_factor_for(site: SiteConfig, year: int) -> AnnualFactor:
    """The eGRID subregion CO2e rate for `year` (or the latest edition before it),
    under the report's GWP set (recomputed from the per-gas rates where eGRID's
    CO2e embeds another set)."""
    dataset_id, exact = latest_egrid_for_year(year)
    rate, recomputed = egrid_co2e_rate(
        site.site.grid_region, dataset_id, gwp_set=site.reporting.gwp_set
    )
    return AnnualFactor(
        rate=rate,
        dataset=load_dataset(dataset_id),
        region=site.site.grid_region,
        exact_year=exact,
        recomputed=recomputed,
    )


def location_factors_for(site: SiteConfig, year: int) -> tuple[AnnualFactor | None, AnnualFactor]:
    """The fallback levels of the location-based hierarchy for `year`.

    The eGRID subregion annual rate (latest edition with data for `year` or
    before), or None when the site's region is unknown to eGRID; and the eGRID
    national ``US`` rate of the same edition. Both under the report's GWP set.
    """
    dataset_id, exact = latest_egrid_for_year(year)
    try:
        subregion = annual_factor_for(site, year)
    except FactorNotFoundError:
        subregion = None
    rate, recomputed = egrid_co2e_rate("US", dataset_id, gwp_set=site.reporting.gwp_set)
    national = AnnualFactor(
        rate=rate,
        dataset=load_dataset(dataset_id),
        region="US",
        exact_year=exact,
        recomputed=recomputed,
    )
    return subregion, national


def _usable_grid(grid: GridIntensity) -> xr.DataArray:
    """True where the grid source's value may be used (not flagged missing, not a gap)."""
    codes = grid.flags
    return (codes != int(Flag.SOURCE_MISSING)) & (codes != int(Flag.GAP))


def slice_period(energy: xr.DataArray, period: Period, interval: pd.Timedelta) -> xr.DataArray:
    """The period's intervals on a complete grid; intervals without data become NaN gaps."""
    expected = pd.date_range(period.start_utc, period.end_utc, freq=interval, inclusive="left")
    have = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    if len(have) == 0 or have[-1] < period.start_utc or have[0] >= period.end_utc:
        raise PeriodError(
            f"no meter data in period {period.label} ({period.start.isoformat()} to "
            f"{period.end.isoformat()}); the data span {have[0].isoformat()} to "
            f"{(have[-1] + interval).isoformat()}"
        )
    start, end = period.start_utc, period.end_utc
    if (start.value - have[0].value) % interval.value or (
        end.value - have[0].value
    ) % interval.value:
        raise PeriodError(
            f"period {period.label} starts or ends inside a {interval} interval of the meter grid "
            f"(grid origin {have[0].isoformat()}); readings that straddle a period boundary must "
            "be split explicitly"
        )
    if _on_grid(energy, expected):
        return energy  # already the period's grid: reindexing would only copy it
    return energy.reindex(time=expected.tz_localize(None))


def slice_flags(flags: xr.DataArray, period: Period, interval: pd.Timedelta) -> xr.DataArray:
    """The period's flags; intervals outside the data are gaps."""
    expected = pd.date_range(period.start_utc, period.end_utc, freq=interval, inclusive="left")
    if _on_grid(flags, expected):
        return flags
    return flags.reindex(time=expected.tz_localize(None), fill_value=int(Flag.GAP))


def _on_grid(data: xr.DataArray, expected: pd.DatetimeIndex) -> bool:
    """True when `data`'s time axis already holds exactly the `expected` (UTC) stamps.

    Only for nanosecond stamps, the resolution a reindex gives the time axis.
    """
    have = data.indexes["time"]
    return have.dtype == "datetime64[ns]" and have.equals(expected.tz_localize(None))


def run_period(
    site: SiteConfig,
    cube: MeterCube,
    grid: GridIntensity,
    period: Period,
    instruments: Sequence[Any] = (),
    prior_uses: Sequence[Any] = (),
    more_grids: Sequence[GridIntensity] = (),
) -> PeriodOutcome:
    """Attribute, account and check one period of one site.

    `prior_uses` are the certificate serial blocks already applied in issued
    reports (:func:`carbon.ledger.index.prior_serial_uses`); applying one again is an
    error naming both uses. `more_grids` are the site's further hourly sources,
    chained after `grid` interval by interval (:mod:`carbon.accounting.grid_chain`).
    """
    settings = site.quality
    filled = impute(
        slice_period(cube.energy, period, cube.interval),
        slice_flags(cube.flags, period, cube.interval),
        method=settings.impute,
        interval=cube.interval,
        max_gap=pd.Timedelta(settings.max_imputed_gap),
    )
    energy = filled.energy
    roles = {m.id: m.role for m in site.meters}
    findings = quality.assess(
        energy,
        filled.flags,
        roles=roles,
        rows_read=cube.rows_read,
        duplicates=cube.duplicates_identical,
        conflicts=cube.conflicts,
    )
    reconciliation = reconcile(energy, site, settings.reconciliation_tolerance)
    split = attribution.attribute(energy, site, cube.interval)
    usable = _usable_grid(grid)
    if grid.resolution >= cube.interval:
        hourly = emissions.to_resolution(split.total, cube.interval, grid.resolution)
        source = grid.intensity
    else:
        hourly = split.total
        source = emissions.coarsen_intensity(grid.intensity.where(usable), cube.interval)
        usable = None  # a meter interval with any unusable sub-interval is NaN after the mean
    chain = chain_grids(grid, more_grids, hourly["time"], cube.interval) if more_grids else None
    if chain is not None:
        source, usable = chain.intensity, None
    # METHODOLOGY 1.2: hourly source first, then the eGRID subregion annual rate, then the
    # national rate; the level used is recorded per interval and reported, never silent.
    subregion, national = location_factors_for(site, period.start.year)
    intensity, levels = emissions.apply_factor_hierarchy(
        source,
        usable,
        hourly["time"],
        subregion_rate=None if subregion is None else subregion.rate,
        national_rate=national.rate,
    )
    factors = LocationFactors(levels=levels, subregion=subregion, national=national, chain=chain)
    hourly_emissions = emissions.location_based(hourly, intensity)
    annual = factors.fallback_rate()
    scopes = account_period(
        hourly_load=hourly,
        location_intensity=intensity,
        instruments=instruments,
        fuel_records=[f for f in site.fuel if str(f.get("period")) == period.label],
        site_id=site.site.id,
        reporter=site.reporter,
        market_boundary=site.market_boundary,
        grid_region=site.site.grid_region,
        year=period.start.year,
        gwp_set=site.reporting.gwp_set,
        prior_uses=tuple(prior_uses),
    )
    annual_total = emissions.annual_factor_view(hourly.sum(), annual.rate)
    outcome = PeriodOutcome(
        site=site,
        period=period,
        interval=cube.interval,
        energy=energy,
        attribution=split,
        hourly_energy=hourly,
        hourly_emissions=hourly_emissions,
        intensity_used=intensity,
        annual_factor=annual,
        annual_view_total=annual_total,
        grid=grid,
        quality=findings,
        scopes=scopes,
        imputation=filled,
        reconciliation=tuple(reconciliation),
        inputs=(*cube.records, grid.record, *(g.record for g in more_grids)),
        location_factors=factors,
    )
    if site.activity:
        from carbon.analysis.activity import sector_metrics

        outcome = replace(outcome, sector=sector_metrics(outcome))
    return outcome


def pue_of(outcome: PeriodOutcome) -> tuple[float | None, dict[str, float | None]]:
    """Facility PUE and per-workload PUE of an outcome."""
    split = outcome.attribution
    facility = metrics.pue(split.revenue, split.it)
    per_workload = {
        str(w): metrics.pue(split.total.sel(workload=w), split.it.sel(workload=w))
        for w in split.it["workload"].values
        if str(w) != "other"
    }
    return facility, per_workload
