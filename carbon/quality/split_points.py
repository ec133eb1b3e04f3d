"""The energy an IT meter read before a workload change inside one cell of the cube.

The cube sums every meter up to the longest native interval (an hourly revenue meter makes
it hourly). An IT meter that reads every 15 minutes and changes workload at 12:07 would
then be split by time over the whole hour (7/60), although its own readings say how much of
the hour's energy came before 12:07. For each change instant inside a cube cell this module
keeps that energy from the meter's native readings: the readings that end before the
instant in full, and the reading that holds the instant in proportion to time within it
(docs/methodology.md §6). :func:`carbon.attribution.workloads.attribute` splits the cell with
it. Meters whose native interval is the cube's need none of this (the split by time inside
their own reading is already exact to the reading).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from carbon.core.lineage import MeterTable
from carbon.core.units import ureg
from carbon.quality.cube_model import MeterCube
from carbon.site.model import SiteConfig

__all__ = ["SplitPoints", "split_points"]

#: meter id -> ((instant [UTC ns], kWh read in the cell before the instant), ...)
SplitPoints = Mapping[str, tuple[tuple[int, float], ...]]


def _instants(site: SiteConfig, meter_id: str) -> list[int]:
    by_id = {m.id: m for m in site.meters_with_role("it")}
    spans = by_id[meter_id].workload_spans()
    return [pd.Timestamp(end).tz_convert("UTC").value for _, end, _ in spans[:-1] if end]


def split_points(tables: Sequence[MeterTable], site: SiteConfig, cube: MeterCube) -> SplitPoints:
    """For every IT meter finer than the cube with a workload change inside a cube cell: the
    energy [kWh] it read in that cell before the change (NaN where a reading is missing)."""
    step = cube.interval.value
    times = pd.DatetimeIndex(cube.energy["time"].values).as_unit("ns").asi8
    if not len(times):
        return {}
    origin = int(times[0])
    out: dict[str, tuple[tuple[int, float], ...]] = {}
    for meter in site.meters_with_role("it"):  # loops over configuration, never readings
        native = cube.native_interval.get(meter.id)
        if native is None or native.value >= step:
            continue
        inside = [t for t in _instants(site, meter.id) if (t - origin) % step]
        if not inside:
            continue
        start, value = _readings(tables, meter.id)
        points = []
        for instant in inside:  # loops over change instants
            cell = origin + ((instant - origin) // step) * step
            overlap = np.clip(np.minimum(start + native.value, instant) - start, 0, None)
            take = (start >= cell) & (start < instant)
            kwh = float(np.sum(value[take] * overlap[take] / native.value))
            points.append((instant, kwh))
        out[meter.id] = tuple(points)
    return out


def _readings(tables: Sequence[MeterTable], meter_id: str) -> tuple[np.ndarray, np.ndarray]:
    """The meter's reading starts [UTC ns] and energies [kWh], each interval once (the first
    of identical duplicates; conflicting ones leave the cube cell a gap, so the cell is never
    split with them)."""
    starts, values = [], []
    for table in tables:  # loops over files
        rows = table.frame[table.frame["meter_id"] == meter_id]
        if rows.empty:
            continue
        to_kwh = float(ureg.Quantity(1.0, table.unit).to("kWh").magnitude)
        stamps = pd.DatetimeIndex(rows["interval_start"]).tz_convert("UTC").as_unit("ns")
        starts.append(stamps.asi8)
        values.append(rows["value"].to_numpy(dtype="float64") * to_kwh)
    if not starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    start = np.concatenate(starts)
    value = np.concatenate(values)
    _, first = np.unique(start, return_index=True)
    return start[first], value[first]
