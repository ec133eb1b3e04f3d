"""The reference computations timed beside carbon's path, on the same Parquet.

Each reproduces carbon's method (:mod:`bench.method`) in its own way and returns the same
``Totals``: the floor (pyarrow and one scatter-add per reading), the floor written out
literally, what a user would write with pandas, and DuckDB.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.fleet import Fleet
from bench.measure import Stopwatch
from bench.method import (
    D_A,
    D_M,
    HOUR_MS,
    IT_A,
    IT_M,
    N_CLASSES,
    REV,
    WORKLOADS,
    Totals,
    attribute_classes,
    hourly_totals,
    intensity_by_hour,
    meter_classes,
    totals,
)

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
    return totals(rows)


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
    return totals(rows)


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
    return totals(rows)


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


def duckdb_path(fleet: Fleet, watch: Stopwatch, threads: int | None = None) -> Totals:
    """DuckDB over the same Parquet (threads = cores, or `threads`)."""
    import duckdb

    watch.restart()
    con = duckdb.connect()
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
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
    return totals(rows)


def duckdb_one_thread_path(fleet: Fleet, watch: Stopwatch) -> Totals:
    """DuckDB over the same Parquet on one thread: what serial carbon (one core) is judged
    against."""
    return duckdb_path(fleet, watch, threads=1)
