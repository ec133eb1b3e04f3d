"""Telemetry onto the meter grid: energy between two samples, apportioned by time overlap.

Device telemetry (DCGM scrapes, PDU registers and power samples, miner polls) is a series
of point samples at the collector's times, which drift and jitter (a cron scrape lands at
``hh:mm:17``). The importers turn each pair of consecutive samples of a device into one
*span*: its start and end, the energy in it and how that energy is spread over it:

- a counter (DCGM ``TOTAL_ENERGY_CONSUMPTION`` mJ, a PDU kWh register) gives the energy as
  its difference; inside the span the counter is taken as linear (constant power);
- power samples (DCGM ``POWER_USAGE`` W, PDU kW) give the trapezoid ``(P0 + P1)/2 · Δt``;
  inside the span the power is taken as linear from ``P0`` to ``P1``, so the part of the
  span in ``[s, s + x)`` holds ``P0·x + (P1 − P0)·x²/(2Δt)``.

:func:`apportion_spans` spreads the spans over a regular grid (interval ``step``, boundaries at
``origin + k·step``) through the cumulative energy of each device, evaluated at the grid
boundaries with ``numpy.searchsorted``; the loop runs over devices, never over samples.

The gap rule (docs/methodology.md §6, docs/importers/dcgm.md): a span longer than
``gap_factor`` (default :data:`GAP_FACTOR` = 3) times the device's median span is a gap and
is not bridged, whatever energy its ends imply: it lends no energy and no coverage to the
intervals it covers. A span without a usable value (a blank sample, a conflicting duplicate)
covers nothing either. Each interval then has a **coverage**: the fraction of it covered by
usable spans. Coverage 1: the energy, with the most severe flag of the spans in it.
Coverage between 0 and 1: the energy of the covered part only (a lower bound, never scaled
up), flagged :attr:`~carbon.core.flags.Flag.PARTIAL` (or a more severe flag of its spans).
Coverage 0: no value (NaN), flagged ``GAP`` (or the flag of the unusable span in it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.core.flags import Flag
from carbon.core.lineage import SPAN_COLUMNS, MeterTable
from carbon.quality.cube_model import BY_SEVERITY, SEVERITY

__all__ = [
    "GAP_FACTOR",
    "SPAN_COLUMNS",
    "Spans",
    "apportion_spans",
    "grid_step_for",
    "is_span_table",
    "tables_on_grid",
]


#: A span longer than this many times the device's median span is a gap, never bridged.
GAP_FACTOR = 3.0

#: The grid steps a telemetry-only site may fall on (each divides an hour).
_STEPS = tuple(pd.Timedelta(minutes=m) for m in (1, 5, 15, 30, 60))


@dataclass(frozen=True)
class Spans:
    """Energy between consecutive samples of devices, one row per span.

    ``frame`` columns: ``meter_id``, ``interval_start`` and ``interval_end``
    (datetime64[ns, UTC]), ``value`` (energy in the span, any energy unit; NaN when unusable),
    ``flag`` (int8), ``line`` (int64), and ``power_start``/``power_end`` (the power at the two
    ends in any one unit, the shape of a trapezoid span; NaN for a counter span, spread evenly).
    """

    frame: pd.DataFrame


def grid_step_for(spans: pd.DataFrame) -> pd.Timedelta:
    """The grid of a site whose meters are all telemetry: the finest of 1, 5, 15, 30 and 60
    minutes that is at least the median span (an hour for slower samples)."""
    length = (spans["interval_end"] - spans["interval_start"]).median()
    return next((s for s in _STEPS if s >= length), _STEPS[-1])


def _shape(u: np.ndarray, p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """Fraction of a span's energy in its first fraction `u` of time (power linear p0 → p1)."""
    total = p0 + p1
    ramp = np.isfinite(total) & (total > 0)
    safe = np.where(ramp, total, 1.0)
    curved = (2.0 * p0 * u + (p1 - p0) * u * u) / safe
    return np.where(ramp, curved, u)


def _cumulative(
    start: np.ndarray,
    end: np.ndarray,
    energy: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    at: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Energy and covered time [ns] of one device's usable spans before each instant `at`.

    The spans are sorted by start and do not overlap; an unusable span has ``energy`` NaN.
    """
    usable = np.isfinite(energy)
    e = np.where(usable, energy, 0.0)
    length = np.where(usable, end - start, 0)
    e_before = np.concatenate([[0.0], np.cumsum(e)])
    t_before = np.concatenate([[0], np.cumsum(length)])
    k = np.searchsorted(start, at, side="right") - 1  # the last span starting at or before
    inside = k >= 0
    kk = np.where(inside, k, 0)
    span_ns = np.maximum(end[kk] - start[kk], 1)
    into = np.clip(at - start[kk], 0, end[kk] - start[kk])
    u = into / span_ns
    part_e = np.where(usable[kk], e[kk] * _shape(u, p0[kk], p1[kk]), 0.0)
    part_t = np.where(usable[kk], into, 0)
    energy_at = np.where(inside, e_before[kk] + part_e, 0.0)
    time_at = np.where(inside, t_before[kk] + part_t, 0)
    return energy_at, time_at


def _touched(start_cell: np.ndarray, end_cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (span, cell) pair where a span touches a cell, as two index arrays."""
    count = np.maximum(end_cell - start_cell, 0)
    span_of = np.repeat(np.arange(len(count)), count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return span_of, start_cell[span_of] + offset


def _worst_rank(
    start_cell: np.ndarray, end_cell: np.ndarray, flags: np.ndarray, n: int
) -> np.ndarray:
    """Severity rank of the most severe flag among the spans touching each of `n` cells."""
    span_of, cell = _touched(start_cell, end_cell)
    worst = np.zeros(n, dtype=np.int8)
    np.maximum.at(worst, cell, SEVERITY[flags[span_of].astype(np.int64)])
    return worst


def apportion_spans(
    spans: Spans,
    *,
    step: pd.Timedelta,
    origin: pd.Timestamp,
    gap_factor: float = GAP_FACTOR,
) -> pd.DataFrame:
    """Spread each device's spans over the grid ``origin + k·step`` by time overlap.

    Returns one row per device and grid interval from the one holding its first sample to
    the one holding its last: ``interval_start`` (UTC), ``meter_id``, ``value`` (energy in the
    unit of the spans; NaN where coverage is 0), ``flag``, ``line`` (of the first span in the
    interval), ``coverage`` (0 … 1, the fraction of the interval covered by usable spans).
    """
    frame = spans.frame.sort_values(["meter_id", "interval_start"], kind="stable")
    step_ns = int(step.value)
    origin_ns = int(pd.Timestamp(origin).as_unit("ns").value)
    parts = []
    for meter, rows in frame.groupby("meter_id", sort=True):  # loop over devices
        start = rows["interval_start"].to_numpy(dtype="datetime64[ns]").view("int64")
        end = rows["interval_end"].to_numpy(dtype="datetime64[ns]").view("int64")
        energy = rows["value"].to_numpy(dtype="float64").copy()
        flags = rows["flag"].to_numpy(dtype=np.int8).copy()
        lines = rows["line"].to_numpy(dtype=np.int64)
        p0 = rows["power_start"].to_numpy(dtype="float64")
        p1 = rows["power_end"].to_numpy(dtype="float64")
        length = end - start
        median = float(np.median(length[length > 0])) if (length > 0).any() else 0.0
        bridged = length <= gap_factor * median
        energy[~bridged] = np.nan  # a gap: its energy is known in total, never where it fell
        first_cell = (int(start.min()) - origin_ns) // step_ns
        last_cell = -(-(int(end.max()) - origin_ns) // step_ns)
        n = last_cell - first_cell
        bounds = origin_ns + (first_cell + np.arange(n + 1)) * step_ns
        e_at, t_at = _cumulative(start, end, energy, p0, p1, bounds)
        value = np.diff(e_at)
        covered = np.diff(t_at)
        coverage = covered / step_ns
        start_cell = (start - origin_ns) // step_ns - first_cell
        end_cell = -(-(end - origin_ns) // step_ns) - first_cell
        usable = np.isfinite(energy)
        worst = _worst_rank(start_cell[usable], end_cell[usable], flags[usable], n)
        lost = ~usable & bridged
        unusable = _worst_rank(start_cell[lost], end_cell[lost], flags[lost], n)
        full = covered == step_ns
        none = covered == 0
        rank = np.where(full, worst, np.maximum(worst, SEVERITY[int(Flag.PARTIAL)]))
        rank = np.where(none, np.maximum(unusable, SEVERITY[int(Flag.GAP)]), rank)
        # the line of the span in force at the interval's start (the first span before it)
        k = np.clip(np.searchsorted(start, bounds[:-1], side="right") - 1, 0, None)
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": pd.to_datetime(bounds[:-1], unit="ns", utc=True),
                    "meter_id": meter,
                    "value": np.where(none, np.nan, value),
                    "flag": BY_SEVERITY[rank].astype(np.int8),
                    "line": lines[k],
                    "coverage": coverage,
                }
            )
        )
    columns = ["interval_start", "meter_id", "value", "flag", "line", "coverage"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def is_span_table(table: MeterTable) -> bool:
    """Whether `table` holds spans between samples (see :data:`SPAN_COLUMNS`)."""
    return "interval_end" in table.frame.columns


def _native(table: MeterTable) -> pd.Timedelta | None:
    """A regular table's interval: declared, else the commonest step between its starts."""
    if table.interval is not None:
        return pd.Timedelta(table.interval)
    frame = table.frame.sort_values(["meter_id", "interval_start"])
    steps = frame.groupby("meter_id")["interval_start"].diff().dropna()
    steps = steps[steps > pd.Timedelta(0)]
    return None if steps.empty else pd.Timedelta(steps.mode().iloc[0])


def _fits(frame: pd.DataFrame, step: pd.Timedelta, origin: pd.Timestamp) -> bool:
    """Whether every span is one whole interval of a grid that nests in ``(step, origin)``."""
    length = frame["interval_end"] - frame["interval_start"]
    if length.empty or length.nunique() != 1:
        return False
    own = length.iloc[0]
    if own <= pd.Timedelta(0) or step % own != pd.Timedelta(0):
        return False
    return bool(((frame["interval_start"] - origin) % own == pd.Timedelta(0)).all())


def tables_on_grid(tables: list[MeterTable], *, gap_factor: float = GAP_FACTOR) -> list[MeterTable]:
    """The meter tables with every table of spans put on the site's common grid.

    The grid is that of the regular tables (their longest interval, from their earliest
    start); a site of telemetry alone falls on :func:`grid_step_for` from midnight UTC. A
    span table whose spans are already whole intervals of a grid that nests in it passes as
    it is; any other (jittered samples, a missed scrape, a drifting clock) is apportioned
    by :func:`apportion_spans`, with the interval's coverage in the column ``coverage``.
    """
    spans = [t for t in tables if is_span_table(t)]
    if not spans:
        return tables
    regular = [t for t in tables if not is_span_table(t)]
    natives = [n for n in (_native(t) for t in regular) if n is not None]
    if natives:
        step = max(natives)
        first = min(t.frame["interval_start"].min() for t in regular if len(t.frame))
        origin = pd.Timestamp(first).tz_convert("UTC")
    else:
        step = grid_step_for(pd.concat([t.frame for t in spans], ignore_index=True))
        origin = pd.Timestamp(0, tz="UTC")
    out = []
    for table in tables:  # loop over tables (files)
        if not is_span_table(table):
            out.append(table)
            continue
        if _fits(table.frame, step, origin):
            frame = table.frame.drop(columns=[c for c in SPAN_COLUMNS if c in table.frame])
            interval = table.frame["interval_end"].iloc[0] - table.frame["interval_start"].iloc[0]
        else:
            frame = apportion_spans(
                Spans(table.frame), step=step, origin=origin, gap_factor=gap_factor
            )
            interval = step
        out.append(
            MeterTable(
                frame=frame,
                unit=table.unit,
                interval=pd.Timedelta(interval),
                record=table.record,
                labels=dict(table.labels),
            )
        )
    return out
