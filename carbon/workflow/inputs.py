"""Reading a site's inputs once, for any number of periods: a site file's, or the demo's.

:class:`SiteData` holds what every period of a site is computed from (the site model,
the meter cube, the grid series, the contractual instruments); :func:`site_data` reads
it from a site file and :func:`demo_site_data` from the embedded demo generator. The
demo's default period and identity are here too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from carbon.analysis.marginal import read_marginal
from carbon.analysis.period import PeriodOutcome, run_period
from carbon.core.period import Period, month, next_full_month_after
from carbon.demo import site as demo
from carbon.demo.timeline import CONVERSION_AT, INTERVAL, TIMEZONE
from carbon.factors.egrid import egrid_co2e_rate
from carbon.ingest.grid_table import GridIntensity, read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import MeterCube, build_cube
from carbon.quality.sources import read_site
from carbon.site.activity_file import activity_input_record
from carbon.site.instruments_csv import read_instruments_csv
from carbon.site.load import load_site
from carbon.site.meters import WORKLOADS
from carbon.site.model import SiteConfig
from carbon.site.paths import resolve_input

__all__ = [
    "SiteData",
    "demo_instruments",
    "demo_period",
    "demo_site_data",
    "demo_site_id",
    "site_data",
    "site_file_id",
    "site_instruments",
]


@dataclass(frozen=True)
class SiteData:
    """Everything a site's periods are computed from (read once, run for many periods)."""

    site: SiteConfig
    cube: MeterCube
    grid: GridIntensity
    instruments: Sequence[Any] = ()
    marginal: Any = None  # GridTable of a marginal rate (avoided emissions only), or None
    more_grids: Sequence[GridIntensity] = ()  # further hourly sources, chained after `grid`
    extra_inputs: tuple[Any, ...] = ()  # input records read outside the cube (activity CSV)
    hashes: Any = None  # (meter, time) [TH] hashes of the miner-telemetry meters, or None
    factor_tables: Any = None  # carbon.ingest.factor_table.SiteFactorTables of [factors], or None

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First interval start and last interval end of the meter data (UTC)."""
        times = pd.DatetimeIndex(self.cube.energy["time"].values)
        return times[0].tz_localize("UTC"), (times[-1] + self.cube.interval).tz_localize("UTC")

    def run(self, period: Period, prior_uses: Sequence[Any] = ()) -> PeriodOutcome:
        """Run the pipeline on `period`. `prior_uses` (serial blocks of issued reports)
        apply to the reported period only; a baseline or trend month is computed without
        them, since its own issued claim would otherwise collide with itself."""
        outcome = run_period(
            self.site,
            self.cube,
            self.grid,
            period,
            self.instruments,
            prior_uses=prior_uses,
            more_grids=self.more_grids,
            hashes=self.hashes,
            factor_tables=self.factor_tables,
        )
        if not self.extra_inputs:
            return outcome
        return replace(outcome, inputs=(*outcome.inputs, *self.extra_inputs))


# --- a site file -----------------------------------------------------------------------------


def site_data(site_file: Path, *, strict: bool = False) -> SiteData:
    """A site's inputs read once for many periods (`strict`: an undeclared meter of a shared
    meter file is refused instead of counted in ``cube.set_aside``)."""
    site = load_site(site_file)
    base = Path(site_file).parent
    inputs = read_site(site, base, strict=strict)
    marginal = read_marginal(site, base)
    record = activity_input_record(site, base)  # the activity CSV joins the lineage
    profiles = tuple(  # and so do the instruments' profile files
        i.profile_source.record
        for i in inputs.instruments
        if getattr(i, "profile_source", None) is not None
    )
    return SiteData(
        site,
        inputs.cube,
        inputs.grid,
        tuple(inputs.instruments),
        marginal,
        more_grids=tuple(inputs.more_grids),
        extra_inputs=(() if record is None else (record,)) + profiles,
        hashes=inputs.hashes,
        factor_tables=inputs.factor_tables,
    )


def site_file_id(site_file: Path) -> str:
    """The site id a site file declares (the file alone is read, not its inputs)."""
    return load_site(site_file).site.id


def site_instruments(site_file: Path) -> tuple[Any, ...]:
    """The instruments a site file declares (read again: cheap, and a run keeps none)."""
    site = load_site(site_file)
    if not site.reporting.instruments:
        return ()
    path = resolve_input(
        Path(site_file).parent,
        site.reporting.instruments,
        what="[reporting] instruments",
        key="reporting.instruments",
        allow_outside=site.allow_paths_outside,
    )
    return tuple(
        read_instruments_csv(
            path,
            root=Path(site_file).parent,
            allow_outside=site.allow_paths_outside,
            timezone=site.site.timezone,
            workloads=WORKLOADS,
            tenants=list(site.tenants),
        )
    )


# --- the embedded demo -----------------------------------------------------------------------


def demo_period(label: str | None) -> Period:
    """The requested period, or the first full month after the demo hall conversion."""
    if label is None:
        return next_full_month_after(CONVERSION_AT, TIMEZONE)
    return month(label, TIMEZONE)


def demo_site_id() -> str:
    """The demo site's id."""
    return demo.demo_site().site.id


def demo_site_data() -> tuple[SiteData, dict[str, object]]:
    """The demo's site, meter cube, grid series and instruments, read once for any number of
    periods, and what names the generator (for the manifest)."""
    inputs = demo.generate()
    site = inputs.site
    table = read_long_frame(
        inputs.meter_readings,
        source="demo://meters",
        sha256=demo.frame_sha256(inputs.meter_readings),
        value_column="energy_kwh",
        unit="kWh",
        interval=INTERVAL,
    )
    cube = build_cube([table], [m.id for m in site.meters])
    grid = read_hourly_intensity(
        inputs.grid_intensity,
        source="demo://grid-intensity",
        sha256=demo.frame_sha256(inputs.grid_intensity),
        region="ERCOT (synthetic)",
        description=(
            "synthetic ERCOT-like hourly profile, generation-weighted annual mean calibrated to "
            f"eGRID2023rev2 ERCT CO2e ({inputs.calibration_target_gco2e_per_kwh:.3f} g CO2e/kWh)"
        ),
    )
    instruments = demo.demo_instruments(inputs.calibration_target_gco2e_per_kwh)
    generator = {
        "generator": "carbon.demo",
        "generator_version": inputs.generator_version,
        "seed": inputs.seed,
    }
    return SiteData(site, cube, grid, tuple(instruments)), generator


def demo_instruments() -> tuple[Any, ...]:
    """The demo's instruments, rebuilt exactly as :func:`demo_site_data` builds them."""
    rate, _ = egrid_co2e_rate(demo.GRID_REGION, demo.CALIBRATION_DATASET)
    return tuple(demo.demo_instruments(float(rate.to("g CO2e/kWh").magnitude)))
