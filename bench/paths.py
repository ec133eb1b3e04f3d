"""The paths the benchmark times: carbon's (in one process, on dask, on a pool of worker
processes, and the prototype cube builder), the references (:mod:`bench.references`), and
:func:`run`, which runs one of them on a fleet and measures it.

Every path returns the same ``Totals`` (:mod:`bench.method`); :func:`compare` checks a
reference against carbon's.

carbon is imported inside the functions of its paths, for start-up time and memory: the
parent process (``python -m bench``) imports this module for :func:`compare` and never runs
carbon; each child imports what its path needs before its clock starts (:mod:`bench.preload`).
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from bench.fleet import Fleet, load, period, site_config
from bench.measure import Stopwatch, peak_rss_gib
from bench.method import WORKLOADS, Totals, totals
from bench.preload import preload
from bench.prototype import cube_from_parquet
from bench.references import (
    duckdb_one_thread_path,
    duckdb_path,
    floor_literal_path,
    floor_path,
    naive_pandas_path,
)

# --------------------------------------------------------------------------- 1. carbon


def carbon_path(
    fleet: Fleet,
    watch: Stopwatch,
    sites: list[str] | None = None,
    *,
    prototype: bool = False,
    scheduler: str | None = None,
) -> Totals:
    """carbon as it is: the cube straight from Parquet (`long_parquet_cube`) → run_period, per site.

    With `prototype`, the cube comes from :func:`bench.prototype.cube_from_parquet` instead
    (falling back to the exact path when its clean-case checks fail); the rest is unchanged.
    With `scheduler` (``local`` or a dask.distributed address), run_period runs on the cube
    chunked for dask (:func:`carbon.workflow.scale.run_period_dask`), on that scheduler.
    """
    if scheduler is not None:
        from carbon.workflow.scale import dask_client

        with dask_client(scheduler, processes=False) as client:
            workers = "threads" if client is None else len(client.scheduler_info()["workers"])
            watch.lap(f"start dask scheduler ({workers} workers)")
            return _carbon_sites(fleet, watch, sites, prototype=False, dask=True)
    return _carbon_sites(fleet, watch, sites, prototype=prototype, dask=False)


def _carbon_sites(
    fleet: Fleet, watch: Stopwatch, sites: list[str] | None, *, prototype: bool, dask: bool
) -> Totals:
    from carbon.analysis.period import run_period
    from carbon.core.lineage import file_sha256
    from carbon.ingest.grid_table import read_hourly_intensity
    from carbon.quality.parquet_cube import long_parquet_cube
    from carbon.workflow.scale import run_period_dask

    rows = []
    for site in fleet.sites:  # loops over sites
        if sites is not None and site.id not in sites:
            continue
        watch.restart()
        path = fleet.site_path(site.id)
        config = site_config(fleet, site.id)
        meter_ids = [m.id for m in config.meters]
        cube = None
        if prototype:
            cube = cube_from_parquet(path, meter_ids, fleet.spec.interval_td)
            watch.lap("cube from parquet (prototype)")
        if cube is None:
            cube = long_parquet_cube(
                path,
                meter_ids,
                source=str(path),
                value_column="energy_kwh",
                unit="kWh",
                interval=fleet.spec.interval_td,
                time_column="ts",
            )  # hashes the file on a second thread while it decodes the readings
            watch.lap("read parquet + hash + build cube")
        intensity_path = fleet.intensity_path(site.region)
        grid = read_hourly_intensity(
            pd.read_parquet(intensity_path),
            source=str(intensity_path),
            sha256=file_sha256(intensity_path),
            description=f"synthetic hourly intensity, {site.region}",
            region=site.region,
        )
        watch.lap("grid intensity")
        outcome = (run_period_dask if dask else run_period)(
            config, cube, grid, period(fleet, site.id)
        )
        del cube
        watch.lap("run_period")
        energy = outcome.hourly_energy.pint.to("kWh").pint.dequantify().sum("time", skipna=False)
        emissions = (
            outcome.hourly_emissions.pint.to("kg CO2e").pint.dequantify().sum("time", skipna=False)
        )
        for w in WORKLOADS:
            rows.append(
                (
                    site.id,
                    w,
                    float(energy.sel(workload=w)),
                    float(emissions.sel(workload=w)),
                )
            )
        del outcome
        # The site's arrays sit in reference cycles (xarray caches each accessor, such as
        # `.pint`, on the array it wraps), so only the cyclic collector frees them; without
        # this, every site stays in memory until a full collection comes round.
        # carbon.workflow.fleet_site collects fully after each site (about 0.07 s against
        # seconds of report writing); here the young generations suffice to free the site's
        # cycles (about 1 ms).
        gc.collect(1)
        watch.lap("aggregate + collect")
    return totals(rows)


def prototype_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """carbon's run_period on a cube built with integer keys (bench.prototype)."""
    return carbon_path(fleet, watch, prototype=True)


def carbon_dask_path(fleet: Fleet, watch: Stopwatch, sites: list[str] | None = None) -> Totals:
    """carbon's path through dask: the scheduler named by $CARBON_BENCH_SCHEDULER (local)."""
    scheduler = os.environ.get("CARBON_BENCH_SCHEDULER", "local")
    return carbon_path(fleet, watch, sites, scheduler=scheduler)


# --------------------------------------------------------------------------- carbon on N processes


def pool_workers() -> int:
    """Worker processes of ``carbon_pool``: $CARBON_BENCH_WORKERS, else one per core."""
    return int(os.environ.get("CARBON_BENCH_WORKERS") or os.cpu_count() or 1)


def _pool_worker_start(ready) -> None:
    """In each worker, before any work: the imports the carbon path does before its clock."""
    preload("carbon")
    ready.put((os.getpid(), peak_rss_gib()))


_POOL_FLEETS: dict[str, Fleet] = {}


def _pool_site(root: str, site_id: str) -> dict[str, object]:
    """In a worker: carbon's per-site work (the carbon path on one site); rows and figures."""
    if root not in _POOL_FLEETS:
        _POOL_FLEETS[root] = load(Path(root))
    watch = Stopwatch()
    totals = _carbon_sites(_POOL_FLEETS[root], watch, [site_id], prototype=False, dask=False)
    return {
        "pid": os.getpid(),
        "rows": list(totals.reset_index().itertuples(index=False, name=None)),
        "stages": watch.seconds,
        "peak_rss_gib": peak_rss_gib(),
    }


class CarbonPool:
    """N worker processes, started (``spawn``) with carbon imported before anything is timed.

    Peak RSS is counted honestly: every worker's own high-water mark (``VmHWM``) summed, plus
    the parent's. That sum bounds the machine's peak from above (the workers' peaks need not
    coincide).
    """

    def __init__(self, workers: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # see carbon.workflow.pool on fork
        ready = context.Queue()
        self.workers = workers
        self.pool = context.Pool(workers, initializer=_pool_worker_start, initargs=(ready,))
        self.after_imports = dict(ready.get(timeout=600) for _ in range(workers))
        self.peaks = dict(self.after_imports)

    def sites(self, root: Path, site_ids: list[str]):
        """Run the sites on the workers; yields each site's result as it finishes."""
        from functools import partial

        for result in self.pool.imap_unordered(partial(_pool_site, str(root)), site_ids):
            pid = result["pid"]
            self.peaks[pid] = max(self.peaks.get(pid, 0.0), result["peak_rss_gib"])
            yield result

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


def carbon_pool_path(
    fleet: Fleet,
    watch: Stopwatch,
    sites: list[str] | None = None,
    *,
    pool: CarbonPool | None = None,
) -> Totals:
    """carbon's per-site work (:func:`_carbon_sites` on one site) on a pool of processes.

    Sites are independent; each worker takes the next site when it is free. Stages are summed
    over the workers (they overlap in time). Without `pool`, one of :func:`pool_workers`
    processes is started (and timed: :func:`run` starts it before the clock).
    """
    own = pool is None
    if pool is None:
        pool = CarbonPool(pool_workers())
    try:
        ids = [s.id for s in fleet.sites if sites is None or s.id in sites]
        rows: list[tuple[str, str, float, float]] = []
        for result in pool.sites(fleet.root, ids):
            rows += [tuple(r) for r in result["rows"]]
            for stage, seconds in result["stages"].items():
                watch.seconds[stage] = watch.seconds.get(stage, 0.0) + seconds
    finally:
        if own:
            pool.close()
    return totals(rows)


PATHS: dict[str, Callable[[Fleet, Stopwatch], Totals]] = {
    "carbon_dask": carbon_dask_path,
    "carbon": carbon_path,
    "carbon_pool": carbon_pool_path,
    "prototype": prototype_path,
    "floor": floor_path,
    "floor_literal": floor_literal_path,
    "naive_pandas": naive_pandas_path,
    "duckdb": duckdb_path,
    "duckdb_1t": duckdb_one_thread_path,
}


def compare(reference: Totals, carbon: Totals, rtol: float = 1e-9) -> dict[str, object]:
    """Does `reference` equal carbon's totals (relative `rtol`)? Site-only references compare
    with carbon's sum over workloads."""
    if set(reference.index.get_level_values("workload")) == {"site"}:
        carbon = carbon.groupby(level="site").sum()
        carbon.index = pd.MultiIndex.from_arrays(
            [carbon.index, ["site"] * len(carbon)], names=["site", "workload"]
        )
    joined = carbon.add_suffix("_carbon").join(reference.add_suffix("_ref"), how="outer")
    worst = 0.0
    for column in ("energy_kwh", "emissions_kg"):
        a = joined[f"{column}_carbon"].to_numpy(dtype=float)
        b = joined[f"{column}_ref"].to_numpy(dtype=float)
        scale = np.maximum(np.abs(a), np.abs(b))
        # zero against zero is equal; otherwise relative to the larger of the two
        scale = np.where(scale == 0, 1.0, np.maximum(scale, 1e-12 * np.nanmax(scale)))
        err = np.abs(a - b) / scale
        err = np.where(np.isnan(err), np.inf, err)
        worst = max(worst, float(err.max()) if err.size else 0.0)
    return {"ok": bool(worst <= rtol), "max_relative_difference": worst, "rtol": rtol}


def readings_in_memory_bytes(fleet: Fleet) -> int:
    """Bytes of the readings as Arrow holds them (ts 8 + dictionary index 4 + energy 8 per row)."""
    total = 0
    for site in fleet.sites:
        meta = pq.ParquetFile(fleet.site_path(site.id)).metadata
        total += meta.num_rows * (8 + 4 + 8)
    return total


def run(name: str, root: Path, sites: list[str] | None = None) -> dict[str, object]:
    """Run one path on the fleet at `root` in this process; figures and totals."""
    fleet = load(root)
    pool = CarbonPool(pool_workers()) if name == "carbon_pool" else None  # before the clock
    baseline = peak_rss_gib()
    watch = Stopwatch()
    start = time.perf_counter()
    if name in ("carbon", "carbon_dask"):
        totals = PATHS[name](fleet, watch, sites)
    elif pool is not None:
        totals = carbon_pool_path(fleet, watch, sites, pool=pool)
    else:
        totals = PATHS[name](fleet, watch)
    seconds = time.perf_counter() - start
    if pool is not None:  # the workers' own peaks (VmHWM) count too: summed with the parent's
        pool.close()
        return {
            "path": name,
            "seconds": seconds,
            "stages": watch.seconds,
            "workers": pool.workers,
            "peak_rss_gib": peak_rss_gib() + sum(pool.peaks.values()),
            "rss_after_imports_gib": baseline + sum(pool.after_imports.values()),
            "worker_peak_rss_gib": sorted(pool.peaks.values()),
            "totals": totals.reset_index().to_dict(orient="list"),
        }
    return {
        "path": name,
        "seconds": seconds,
        "stages": watch.seconds,
        "peak_rss_gib": peak_rss_gib(),
        "rss_after_imports_gib": baseline,
        "peak_rss_after_stage_gib": watch.rss_after,
        "totals": totals.reset_index().to_dict(orient="list"),
    }
