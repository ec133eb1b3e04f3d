"""carbon's method as the benchmark reproduces it, and the totals every path returns.

Every path returns the same thing, ``Totals``: per (site, workload) the facility energy
[kWh] and the hourly location-based emissions [kg CO2e] over the site's span, with
workloads ``mining``, ``ai``, ``other`` (carbon's set). The references reproduce
carbon's method exactly (docs/methodology.md §6, :mod:`carbon.attribution.workloads`):

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bench.fleet import Fleet

WORKLOADS = ("mining", "ai", "other")
HOUR_MS = 3_600_000
# Classes of a reading: IT mining, IT AI, dedicated to mining, dedicated to AI, revenue, other.
IT_M, IT_A, D_M, D_A, REV, SHARED_KEYED = range(6)
N_CLASSES = 6

Totals = pd.DataFrame  # index (site, workload), columns energy_kwh, emissions_kg


def totals(rows: list[tuple[str, str, float, float]]) -> Totals:
    """``Totals`` from ``(site, workload, energy_kwh, emissions_kg)`` rows."""
    frame = pd.DataFrame(rows, columns=["site", "workload", "energy_kwh", "emissions_kg"])
    return frame.set_index(["site", "workload"]).sort_index()


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
