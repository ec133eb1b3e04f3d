"""The computations the benchmark times: carbon's path and the references.

Every path returns the same thing, ``Totals``: per (site, workload) the facility energy
[kWh] and the hourly location-based emissions [kg CO2e] over the site's span, with
workloads ``mining``, ``ai``, ``other`` (carbon's set). The references reproduce
carbon's method exactly (METHODOLOGY section 6, :mod:`carbon.attribution.workloads`):

* per interval ``t``: ``IT_w,t`` (IT meters by workload, the switching meters by the time
  of the reading), ``D_w,t`` (shared meters dedicated to ``w``) and the pool
  ``P_t = REV_t - Σ IT_t - Σ D_t`` (shared meters on the it-energy key plus the unmetered
  residual, which use the same key);
* ``total_w,t = IT_w,t + D_w,t + P_t · IT_w,t / Σ_w IT_w,t`` (all of ``P_t`` to ``other``
  where ``Σ IT_t = 0``);
* summed to the hour, times the region's hourly intensity (integer epoch-hour keys).

The key is per meter interval (1 minute on the fleet), which is why no path can multiply
readings by intensity before the per-interval split: every path reduces readings to
(class, interval) first, then works on that small array.

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
import pyarrow as pa
import pyarrow.parquet as pq

from bench.fleet import Fleet, load, period, site_config
from bench.preload import preload
from bench.prototype import cube_from_parquet

WORKLOADS = ("mining", "ai", "other")
HOUR_MS = 3_600_000
# Classes of a reading: IT mining, IT AI, dedicated to mining, dedicated to AI, revenue, other.
IT_M, IT_A, D_M, D_A, REV, SHARED_KEYED = range(6)
N_CLASSES = 6

Totals = pd.DataFrame  # index (site, workload), columns energy_kwh, emissions_kg


def _totals(rows: list[tuple[str, str, float, float]]) -> Totals:
    frame = pd.DataFrame(rows, columns=["site", "workload", "energy_kwh", "emissions_kg"])
    return frame.set_index(["site", "workload"]).sort_index()


class Stopwatch:
    """Wall seconds and peak RSS so far, per named stage (summed over repeats of a stage)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rss_after: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._t
        self.rss_after.setdefault(stage, peak_rss_gib())
        self._t = now

    def restart(self) -> None:
        self._t = time.perf_counter()


def peak_rss_gib() -> float:
    """Peak resident set size of this process so far [GiB].

    Linux: ``VmHWM`` of /proc/self/status, the high-water mark of this process's own address
    space. ``getrusage().ru_maxrss`` is not used there: across fork + exec it carries the
    parent's peak over, so a child would report at least the parent's high-water mark.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 2**20  # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def meter_classes(
    fleet: Fleet, site_id: str
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Per meter of a site: id, class before and after its switch, switch instant [ms]."""
    meters = fleet.site_meters(site_id)
    before = np.full(len(meters), SHARED_KEYED, dtype=np.int64)
    after = before.copy()
    switch = np.full(len(meters), np.iinfo(np.int64).max, dtype=np.int64)
    for i, row in enumerate(meters.itertuples(index=False)):  # loops over meters
        if row.role == "revenue":
            before[i] = after[i] = REV
        elif row.role == "it":
            before[i] = IT_A if row.workload == "ai" else IT_M
            after[i] = IT_A if row.workload in ("ai", "mining>ai") else IT_M
            if row.switch_at:
                switch[i] = pd.Timestamp(row.switch_at).value // 1_000_000
        elif row.dedicated_to:
            before[i] = after[i] = D_M if row.dedicated_to == "mining" else D_A
    return meters["meter_id"].tolist(), before, after, switch


def intensity_by_hour(fleet: Fleet, region: str) -> tuple[int, np.ndarray]:
    """(first epoch hour, g CO2e/kWh per hour) of a region."""
    table = pq.read_table(fleet.intensity_path(region))
    hours = table["interval_start"].cast(pa.int64()).to_numpy() // HOUR_MS
    values = table["intensity_gco2e_per_kwh"].to_numpy()
    if np.any(np.diff(hours) != 1):
        raise ValueError(f"{region}: the intensity table is not a complete hourly series")
    return int(hours[0]), values


def attribute_classes(acc: np.ndarray) -> np.ndarray:
    """``acc[class, t]`` [kWh] → ``total[workload, t]`` [kWh] (see the module notes)."""
    it_m, it_a, d_m, d_a, rev = acc[IT_M], acc[IT_A], acc[D_M], acc[D_A], acc[REV]
    it = it_m + it_a
    pool = rev - it - d_m - d_a
    has_it = it > 0
    safe = np.where(has_it, it, 1.0)
    return np.stack(
        [
            it_m + d_m + pool * np.where(has_it, it_m / safe, 0.0),
            it_a + d_a + pool * np.where(has_it, it_a / safe, 0.0),
            np.where(has_it, 0.0, pool),
        ]
    )


def hourly_totals(
    site_id: str, total: np.ndarray, start_ms: int, interval_ms: int, factor: tuple[int, np.ndarray]
) -> list[tuple[str, str, float, float]]:
    """Sum ``total[workload, t]`` to epoch hours, multiply by intensity, sum to the span."""
    n = total.shape[1]
    hour = (start_ms + np.arange(n, dtype=np.int64) * interval_ms) // HOUR_MS
    first = int(hour[0])
    index = hour - first
    per_hour = np.stack([np.bincount(index, weights=row) for row in total])
    h0, values = factor
    ef = values[first - h0 : first - h0 + per_hour.shape[1]]
    emissions = per_hour @ ef / 1000.0  # g → kg
    return [
        (site_id, w, float(per_hour[i].sum()), float(emissions[i])) for i, w in enumerate(WORKLOADS)
    ]


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
    return _totals(rows)


# --------------------------------------------------------------------------- 2. the floor


def floor_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """pyarrow read + one scatter-add per reading onto (class, interval) with integer keys."""
    factors = {r: intensity_by_hour(fleet, r) for r in fleet.regions()}
    interval_ms = fleet.interval_ms
    rows = []
    for site in fleet.sites:  # loops over sites
        watch.restart()
        table = pq.read_table(fleet.site_path(site.id))
        watch.lap("read parquet")
        ids, before, after, switch = meter_classes(fleet, site.id)
        position = {m: i for i, m in enumerate(ids)}
        n = site.intervals
        acc = np.zeros(N_CLASSES * n)
        ts_chunks = table["ts"].cast(pa.int64()).chunks
        id_chunks = table["meter_id"].chunks
        e_chunks = table["energy_kwh"].chunks
        for ts_c, id_c, e_c in zip(ts_chunks, id_chunks, e_chunks, strict=True):  # row groups
            local = np.array([position[m] for m in id_c.dictionary.to_pylist()], dtype=np.int64)
            code = local[id_c.indices.to_numpy()]
            ts = ts_c.to_numpy()
            k = (ts - site.start_utc_ms) // interval_ms
            if k.min() < 0 or k.max() >= n:
                raise ValueError(f"{site.id}: readings outside the site's span")
            cls = np.where(ts >= switch[code], after[code], before[code])
            acc += np.bincount(cls * n + k, weights=e_c.to_numpy(), minlength=N_CLASSES * n)
        del table
        watch.lap("scatter-add per reading")
        total = attribute_classes(acc.reshape(N_CLASSES, n))
        rows += hourly_totals(site.id, total, site.start_utc_ms, interval_ms, factors[site.region])
        watch.lap("attribute + hourly multiply")
    return _totals(rows)


def floor_literal_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """The literal floor: pyarrow read + energy × intensity[epoch hour] multiply-add per reading.

    It gives site totals only (revenue meter: Σ energy·EF equals the sum over workloads,
    because attribution reproduces the revenue meter exactly); workload totals need the
    per-interval key, hence :func:`floor_path`. Every reading is multiplied and added
    (weight 0 for non-revenue meters) so the work is one multiply-add per reading.
    """
    factors = {r: intensity_by_hour(fleet, r) for r in fleet.regions()}
    rows = []
    for site in fleet.sites:
        watch.restart()
        table = pq.read_table(fleet.site_path(site.id))
        watch.lap("read parquet")
        h0, values = factors[site.region]
        ids, before, _, _ = meter_classes(fleet, site.id)
        is_rev = {m: float(c == REV) for m, c in zip(ids, before, strict=True)}
        energy = emissions = 0.0
        for ts_c, id_c, e_c in zip(
            table["ts"].cast(pa.int64()).chunks,
            table["meter_id"].chunks,
            table["energy_kwh"].chunks,
            strict=True,
        ):
            weight = np.array([is_rev[m] for m in id_c.dictionary.to_pylist()])[
                id_c.indices.to_numpy()
            ]
            e = e_c.to_numpy() * weight
            ef = values[ts_c.to_numpy() // HOUR_MS - h0]
            energy += float(e.sum())
            # multiply then add; not ``e @ ef``: BLAS dot wakes OpenBLAS threads on every
            # call, which cost more than the arithmetic here (measured: 0.2 s per site)
            emissions += float(np.multiply(e, ef, out=e).sum())
        del table
        rows.append((site.id, "site", energy, emissions / 1000.0))
        watch.lap("multiply-add per reading")
    return _totals(rows)


# --------------------------------------------------------------------------- 3. naive pandas


def naive_pandas_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """What a user would write: read everything, merge, pivot, merge intensities, groupby."""
    watch.restart()
    df = pd.read_parquet(fleet.readings_dir)
    df["site"] = df["site"].astype(str)
    df["meter_id"] = df["meter_id"].astype(str)
    watch.lap("read parquet → pandas")
    meters = fleet.meters.copy()
    meters["switch_at"] = pd.to_datetime(meters["switch_at"].replace("", None), utc=True)
    df = df.merge(meters, on=["site", "meter_id"], how="left")
    workload = df["workload"].where(
        df["workload"] != "mining>ai", np.where(df["ts"] >= df["switch_at"], "ai", "mining")
    )
    df["cls"] = np.where(
        df["role"] == "it",
        "it_" + workload,
        np.where(
            df["role"] == "revenue",
            "rev",
            np.where(df["dedicated_to"] != "", "d_" + df["dedicated_to"], "keyed"),
        ),
    )
    df["hour"] = df["ts"].dt.floor("h")
    intensity = pd.concat(
        [pd.read_parquet(fleet.intensity_path(r)).assign(region=r) for r in fleet.regions()]
    ).rename(columns={"interval_start": "hour", "intensity_gco2e_per_kwh": "intensity"})
    df = df.merge(intensity, on=["region", "hour"], how="left")
    watch.lap("merge manifest + intensities")
    wide = df.pivot_table(
        index=["site", "ts", "intensity"],
        columns="cls",
        values="energy_kwh",
        aggfunc="sum",
        fill_value=0.0,
    )
    del df
    for column in ("it_mining", "it_ai", "d_mining", "d_ai", "rev"):
        if column not in wide:
            wide[column] = 0.0
    watch.lap("pivot to intervals")
    it = wide["it_mining"] + wide["it_ai"]
    pool = wide["rev"] - it - wide["d_mining"] - wide["d_ai"]
    share_m = (wide["it_mining"] / it).where(it > 0, 0.0)
    share_a = (wide["it_ai"] / it).where(it > 0, 0.0)
    wide["mining"] = wide["it_mining"] + wide["d_mining"] + pool * share_m
    wide["ai"] = wide["it_ai"] + wide["d_ai"] + pool * share_a
    wide["other"] = pool.where(it <= 0, 0.0)
    wide = wide.reset_index()
    rows = []
    for w in WORKLOADS:
        wide[f"{w}_kg"] = wide[w] * wide["intensity"] / 1000.0
    sums = wide.groupby("site")[[*WORKLOADS, *(f"{w}_kg" for w in WORKLOADS)]].sum()
    for site, row in sums.iterrows():
        for w in WORKLOADS:
            rows.append((str(site), w, float(row[w]), float(row[f"{w}_kg"])))
    watch.lap("attribute + groupby")
    return _totals(rows)


# --------------------------------------------------------------------------- 4. DuckDB


def duckdb_sql(fleet: Fleet) -> str:
    """The best SQL formulation found: integer interval and epoch-hour keys, reduce first."""
    interval_ms = fleet.interval_ms
    glob = (fleet.readings_dir / "*" / "*.parquet").as_posix()
    return f"""
WITH per_interval AS MATERIALIZED (
    SELECT r.site,
           epoch_ms(r.ts) // {interval_ms} AS k,
           sum(r.energy_kwh) FILTER (WHERE c.cls = {IT_M} AND epoch_ms(r.ts) < c.switch_ms) AS it_m,
           sum(r.energy_kwh) FILTER (
               WHERE c.cls = {IT_A} OR (c.cls = {IT_M} AND epoch_ms(r.ts) >= c.switch_ms)
           ) AS it_a,
           sum(r.energy_kwh) FILTER (WHERE c.cls = {D_M}) AS d_m,
           sum(r.energy_kwh) FILTER (WHERE c.cls = {D_A}) AS d_a,
           sum(r.energy_kwh) FILTER (WHERE c.cls = {REV}) AS rev
    FROM read_parquet('{glob}', hive_partitioning = true) AS r
    JOIN meters AS c ON c.site = r.site AND c.meter_id = r.meter_id
    GROUP BY ALL
),
attributed AS (
    SELECT site, k * {interval_ms} // {HOUR_MS} AS h,
           coalesce(it_m, 0) AS it_m, coalesce(it_a, 0) AS it_a,
           coalesce(d_m, 0) AS d_m, coalesce(d_a, 0) AS d_a,
           coalesce(rev, 0) - coalesce(it_m, 0) - coalesce(it_a, 0)
               - coalesce(d_m, 0) - coalesce(d_a, 0) AS pool
    FROM per_interval
),
per_hour AS (
    SELECT site, h,
           sum(it_m + d_m + CASE WHEN it_m + it_a > 0 THEN pool * it_m / (it_m + it_a) ELSE 0 END)
               AS mining,
           sum(it_a + d_a + CASE WHEN it_m + it_a > 0 THEN pool * it_a / (it_m + it_a) ELSE 0 END)
               AS ai,
           sum(CASE WHEN it_m + it_a > 0 THEN 0 ELSE pool END) AS other
    FROM attributed
    GROUP BY ALL
)
SELECT p.site,
       sum(mining) AS mining, sum(ai) AS ai, sum(other) AS other,
       sum(mining * i.ef) / 1000 AS mining_kg,
       sum(ai * i.ef) / 1000 AS ai_kg,
       sum(other * i.ef) / 1000 AS other_kg
FROM per_hour AS p
JOIN sites AS s ON s.site = p.site
JOIN intensity AS i ON i.region = s.region AND i.h = p.h
GROUP BY p.site
ORDER BY p.site
"""


def duckdb_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """DuckDB over the same Parquet (threads = cores)."""
    import duckdb

    watch.restart()
    con = duckdb.connect()
    classes = []
    for site in fleet.sites:
        ids, before, _, switch = meter_classes(fleet, site.id)
        classes.append(
            pd.DataFrame({"site": site.id, "meter_id": ids, "cls": before, "switch_ms": switch})
        )
    sites = pd.DataFrame(
        {"site": [s.id for s in fleet.sites], "region": [s.region for s in fleet.sites]}
    )
    parts = []
    for region in fleet.regions():
        h0, values = intensity_by_hour(fleet, region)
        parts.append(
            pd.DataFrame({"region": region, "h": h0 + np.arange(values.size), "ef": values})
        )
    for name, frame in (
        ("meters", pd.concat(classes, ignore_index=True)),
        ("sites", sites),
        ("intensity", pd.concat(parts, ignore_index=True)),
    ):
        con.register(f"{name}_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")
        con.unregister(f"{name}_frame")
    watch.lap("set up")
    result = con.execute(duckdb_sql(fleet)).fetchdf()
    watch.lap("query")
    rows = []
    for rec in result.itertuples(index=False):
        for w in WORKLOADS:
            rows.append((str(rec.site), w, float(getattr(rec, w)), float(getattr(rec, f"{w}_kg"))))
    con.close()
    return _totals(rows)


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
    return _totals(rows)


PATHS: dict[str, Callable[[Fleet, Stopwatch], Totals]] = {
    "carbon_dask": carbon_dask_path,
    "carbon": carbon_path,
    "carbon_pool": carbon_pool_path,
    "prototype": prototype_path,
    "floor": floor_path,
    "floor_literal": floor_literal_path,
    "naive_pandas": naive_pandas_path,
    "duckdb": duckdb_path,
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
