"""The thin orchestration: ingest → quality → attribute → account → analyse.

Every calculation lives in the stage modules; this module only wires them
together for one site and one period and returns an immutable
:class:`carbon.accounting.outcome.PeriodOutcome`. Data flows one way; nothing reaches
back upstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting import alignment
from carbon.accounting import location as emissions
from carbon.accounting.annual_factors import annual_unavailable_reason, location_factors_for
from carbon.accounting.grid_cfe import chain_cfe
from carbon.accounting.grid_chain import chain_grids
from carbon.accounting.location_tiers import resolve_tiers
from carbon.accounting.outcome import LocationFactors, PeriodOutcome
from carbon.accounting.period_accounting import account_period
from carbon.accounting.table_factors import residual_mix_on_hours
from carbon.analysis.activity import sector_metrics
from carbon.analysis.tenants import tenant_load
from carbon.attribution import workloads as attribution
from carbon.core.errors import PeriodError
from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.ingest.factor_table import SiteFactorTables
from carbon.ingest.grid_table import GridIntensity
from carbon.quality import assess as quality
from carbon.quality.categories import tally
from carbon.quality.cube_model import MeterCube
from carbon.quality.impute import impute
from carbon.quality.invoices import check_invoices
from carbon.quality.plausibility import PlausibilityReport, check_plausibility
from carbon.quality.reconcile import reconcile
from carbon.site.model import SiteConfig

__all__ = [
    "period_plausibility",
    "plausibility_between",
    "run_period",
    "slice_flags",
    "slice_period",
    "slice_readings",
]


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


def slice_readings(
    readings: xr.DataArray | None, period: Period, interval: pd.Timedelta
) -> xr.DataArray | None:
    """The rows read per cell over the period's intervals (none outside the data)."""
    if readings is None:
        return None
    expected = pd.date_range(period.start_utc, period.end_utc, freq=interval, inclusive="left")
    if _on_grid(readings, expected):
        return readings
    return readings.reindex(time=expected.tz_localize(None), fill_value=0)


def _on_grid(data: xr.DataArray, expected: pd.DatetimeIndex) -> bool:
    """True when `data`'s time axis already holds exactly the `expected` (UTC) stamps.

    Only for nanosecond stamps, the resolution a reindex gives the time axis.
    """
    have = data.indexes["time"]
    return have.dtype == "datetime64[ns]" and have.equals(expected.tz_localize(None))


def _location_factors(
    site: SiteConfig,
    period: Period,
    grid: GridIntensity,
    more_grids: Sequence[GridIntensity],
    total: xr.DataArray,
    interval: pd.Timedelta,
    tables: SiteFactorTables,
) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray, LocationFactors]:
    """The attributed energy `total` on the factor grid, its location-based emissions, the
    factor of every factor interval [g CO2e/kWh], and the levels of the hierarchy that
    supplied them (docs/methodology.md §1.2, §2.4)."""
    # docs/methodology.md §1.2: hourly source first, then the region's annual rate (declared
    # table, or eGRID subregion for a US site), then the eGRID national rate (US sites only);
    # the level used is recorded per interval and reported, never silent.
    year = period.start.year
    subregion, national = location_factors_for(site, year, tables.annual)
    why = None
    if subregion is None and national is None:
        why = annual_unavailable_reason(site, year, tables.annual)
    rates = {
        "subregion_rate": None if subregion is None else subregion.rate,
        "national_rate": None if national is None else national.rate,
        "no_fallback": why or "",
    }
    mixed = any(g.resolution != grid.resolution for g in more_grids)
    if mixed or not alignment.is_exact(interval, grid.resolution):
        # a grid finer than the meters, intervals that do not nest, or sources of several
        # resolutions: the finer common grid
        aligned = alignment.align_location(grid, more_grids, total, interval, **rates)
        factors = LocationFactors(
            levels=aligned.levels,
            subregion=subregion,
            national=national,
            chain=aligned.chain,
            unavailable=why,
            tiers=aligned.tiers,
        )
        return aligned.energy, aligned.emissions, aligned.intensity, factors
    usable = _usable_grid(grid)
    hourly = emissions.to_resolution(total, interval, grid.resolution)
    source = grid.intensity
    chain = chain_grids(grid, more_grids, hourly["time"], interval) if more_grids else None
    if chain is not None:
        source, usable = chain.intensity, None
    intensity, levels = emissions.apply_factor_hierarchy(source, usable, hourly["time"], **rates)
    kg = emissions.location_based(hourly, intensity)
    tiers = resolve_tiers(
        [grid, *more_grids],
        hourly["time"].values,
        grid.resolution,
        levels.values,
        None if chain is None else chain.source_index.values,
        hourly.sum("workload").pint.to("kWh").pint.magnitude,
        kg.sum("workload").pint.to("kg CO2e").pint.magnitude,
    )
    factors = LocationFactors(
        levels=levels,
        subregion=subregion,
        national=national,
        chain=chain,
        unavailable=why,
        tiers=tiers,
    )
    return hourly, kg, intensity, factors


def period_plausibility(
    site: SiteConfig,
    period: Period,
    energy: xr.DataArray,
    flags: xr.DataArray,
    interval: pd.Timedelta,
    grid: GridIntensity,
    factors: LocationFactors,
) -> PlausibilityReport:
    """The plausibility checks of one period (:mod:`carbon.quality.plausibility`): the
    period's meter energy and the grid source's intensity inside the period, against the
    site's bounds and the eGRID subregion's published annual rate."""
    start, end = (t.tz_convert("UTC").tz_localize(None) for t in (period.start_utc, period.end_utc))
    return plausibility_between(
        site, energy, flags, interval, grid, factors.subregion, start=start, end=end
    )


def plausibility_between(
    site: SiteConfig,
    energy: xr.DataArray,
    flags: xr.DataArray,
    interval: pd.Timedelta,
    grid: GridIntensity,
    subregion: Any,
    *,
    start: Any,
    end: Any,
) -> PlausibilityReport:
    """The plausibility checks of `energy` and of the grid intensity in ``[start, end)``
    (UTC, naive), against the site's bounds and `subregion`'s published annual rate (an
    eGRID subregion factor, or None: that comparison is not made)."""
    times = pd.DatetimeIndex(grid.intensity["time"].values)
    inside = np.asarray((times >= start) & (times < end))
    return check_plausibility(
        energy,
        interval,
        site,
        flags=flags,
        files={m.id: f for m in site.meters if (f := site.meter_file(m)) is not None},
        intensity=grid.intensity.isel(time=inside),
        grid_path=grid.record.path,
        annual_rate=None if subregion is None else float(subregion.rate.to("g CO2e/kWh").magnitude),
        annual_label=None if subregion is None else f"{subregion.label} {subregion.region}",
    )


def run_period(
    site: SiteConfig,
    cube: MeterCube,
    grid: GridIntensity,
    period: Period,
    instruments: Sequence[Any] = (),
    prior_uses: Sequence[Any] = (),
    more_grids: Sequence[GridIntensity] = (),
    hashes: xr.DataArray | None = None,
    factor_tables: SiteFactorTables | None = None,
) -> PeriodOutcome:
    """Attribute, account and check one period of one site.

    `prior_uses` are the certificate serial blocks already applied in issued
    reports (:func:`carbon.ledger.index.prior_serial_uses`); applying one again is an
    error naming both uses. `more_grids` are the site's further hourly sources,
    chained after `grid` interval by interval (:mod:`carbon.accounting.grid_chain`).
    `hashes` ``(meter, time)`` [TH] are the hashes the miner meters computed (miner telemetry,
    :func:`carbon.quality.sources.read_hashes`); the realised J/TH uses them when given.
    `factor_tables` are the site's declared annual and residual-mix tables (``[factors]``).
    """
    tables = factor_tables if factor_tables is not None else SiteFactorTables()
    settings = site.quality
    energy_read = slice_period(cube.energy, period, cube.interval)
    flags_read = slice_flags(cube.flags, period, cube.interval)
    filled = impute(
        energy_read,
        flags_read,
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
    counted = tally(
        flags_read,
        filled.flags,
        energy_read,
        slice_readings(cube.readings, period, cube.interval),
        rows_read=cube.rows_read,
        native=cube.native_interval,
        interval=cube.interval,
        timezone=site.site.timezone,
    )
    bills = check_invoices(cube.energy, site, cube.interval, period)
    findings = replace(findings, tally=counted, invoices=bills, set_aside=cube.set_aside)
    reconciliation = reconcile(energy, site, settings.reconciliation_tolerance)
    split = attribution.attribute(energy, site, cube.interval, cube.split_points)
    hourly, hourly_emissions, intensity, factors = _location_factors(
        site, period, grid, more_grids, split.total, cube.interval, tables
    )
    plausible = period_plausibility(
        site, period, energy, filled.flags, cube.interval, grid, factors
    )
    annual = factors.fallback_rate()  # None outside the US without a declared annual factor
    # market-based matching runs on clock hours: sub-hourly load summed to hours (§2.4)
    step = alignment.factor_step(cube.interval, grid.resolution)
    clock_load, clock_rate = alignment.clock_hours(hourly, hourly_emissions, intensity, step)
    residual: tuple[Any, tuple[Any, ...]] = (None, ())
    if tables.residual_mix is not None:  # the site's residual mix per hour, and its rows
        hours = pd.DatetimeIndex(clock_load["time"].values)
        residual = residual_mix_on_hours(
            tables.residual_mix, site.factor_region, hours, site.site.timezone
        )
    tenant_targets = set(site.tenants)
    tenants = (  # the tenants' load on the clock hours market-based matching runs on
        tenant_load(site, energy, split.it, split.total, cube.interval, pd.Timedelta(hours=1))
        if any(getattr(i, "designated_to", None) in tenant_targets for i in instruments)
        else None
    )
    scopes = account_period(
        hourly_load=clock_load,
        location_intensity=clock_rate,
        instruments=instruments,
        fuel_records=[f for f in site.fuel if str(f.get("period")) == period.label],
        site_id=site.site.id,
        reporter=site.reporter,
        market_boundary=site.market_boundary,
        grid_region=site.site.grid_region,
        year=period.start.year,
        gwp_set=site.reporting.gwp_set,
        prior_uses=tuple(prior_uses),
        # c_h on the same clock hours as the load it weights (Google CFE% is hourly)
        grid_cfe=chain_cfe([grid, *more_grids], clock_load["time"], pd.Timedelta(hours=1)),
        residual_mix=residual[0],
        us_site=factors.us_site,
        tenant_load=tenants,
        standard_supply=site.standard_supply,
        timezone=site.site.timezone,
        estimated_kwh=filled.imputed_kwh.get(site.revenue_meter.id, 0.0),
    )
    annual_total = (
        None if annual is None else emissions.annual_factor_view(hourly.sum(), annual.rate)
    )
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
        inputs=(*cube.records, grid.record, *(g.record for g in more_grids), *tables.records),
        location_factors=factors,
        plausibility=plausible,
        hashes=None if hashes is None else slice_period(hashes, period, cube.interval),
        annual_unavailable=factors.unavailable if annual is None else None,
        residual_mix_rows=residual[1],
    )
    if site.activity:
        outcome = replace(outcome, sector=sector_metrics(outcome))
    return outcome
