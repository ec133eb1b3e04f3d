"""Attribute metered energy to workloads (docs/methodology.md §6).

Per interval ``t``::

    M_t = Σ_i IT_(i,t) + Σ_j S_(j,t) + U_t

with ``M`` the revenue meter, ``IT`` the sub-metered IT energy of workload ``i``,
``S_j`` the shared subsystems and ``U`` the unmetered residual (losses, and any
sub-meter reading that is missing). Each shared meter ``j`` is allocated with a
key ``k_(i,j,t)`` (Σ_i k = 1): ``it-energy`` gives ``IT_(i,t)/Σ IT_t`` (key 2 of
section 6, every workload gets the interval PUE), ``dedicated`` gives the whole
meter to one workload (sub-metering, key 1); a meter's key may change over time
(``allocation_schedule``: effective-dated versions, split by time overlap like
workloads). ``U`` is allocated with the ``it-energy`` key. Where an interval has no
IT load at all, the pro-rata key is undefined: that energy goes to the workload
``other`` and is reported as such, never spread by a guess. The result reproduces ``M_t`` exactly.

Effective-dated workload assignments split an interval by time overlap, so a
hall converting at 12:07 splits its 12:00 reading 7/15 : 8/15. Where the IT meter reads
finer than the common interval (15-minute IT meters under an hourly revenue meter), the
interval holding the change is split by the energy the IT meter read before and after it,
the instant itself apportioned by time within its own reading (:func:`split_by_energy`).

Meter trees of any depth (revenue → hall → PDU → GPU, :func:`own_energy`): every meter
below the revenue meter counts with its *own* energy, never twice. A meter without
children owns its reading; a meter with children owns its remainder, its reading less
the sum of its children's (its losses and unmetered loads; where its own reading is
missing, its children's sum stands for it and it owns nothing). The remainder of an IT
meter is IT energy of that meter's workload schedule; the remainder of a shared meter is
shared energy allocated by its key. A shared meter's ``it-energy`` key is taken over the IT
meters below the nearest of itself and its ancestors that has IT meters below it (for a
meter directly below the revenue meter: all IT meters, as above); where those IT meters
carry no load in an interval, that energy goes to ``other``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.arrays import sum_rows, take_rows
from carbon.core.errors import ConfigError, InputDataError
from carbon.core.quantified import quantified
from carbon.core.units import ureg
from carbon.site.meters import WORKLOADS
from carbon.site.model import SiteConfig


@dataclass(frozen=True)
class Attribution:
    """Energy per workload and interval, kept in its parts."""

    it: xr.DataArray  # (workload, time) [kWh] sub-metered IT energy
    shared: xr.DataArray  # (workload, time) [kWh] allocated shared meters
    residual: xr.DataArray  # (workload, time) [kWh] allocated unmetered residual
    revenue: xr.DataArray  # (time,) [kWh] the revenue meter
    unmetered: xr.DataArray  # (time,) [kWh] the residual U_t before allocation
    #: (meter, time) [kWh] each meter's own energy in the tree (:func:`own_energy`); sums over
    #: meters of it never count a reading twice. None only for an attribution built elsewhere.
    own: xr.DataArray | None = None

    @property
    def total(self) -> xr.DataArray:
        """Facility energy per workload and interval [kWh]: IT + shared + residual."""
        return self.it + self.shared + self.residual


def span_ns(span_start: Any, span_end: Any) -> tuple[float, float]:
    """A workload span's ends as UTC nanoseconds; an open end is -inf or +inf."""
    lo = -np.inf if span_start is None else pd.Timestamp(span_start).tz_convert("UTC").value
    hi = np.inf if span_end is None else pd.Timestamp(span_end).tz_convert("UTC").value
    return lo, hi


def workload_shares(
    site: SiteConfig,
    time: pd.DatetimeIndex,
    interval: pd.Timedelta,
    meters: list[str] | None = None,
) -> xr.DataArray:
    """Fraction of each IT meter's interval that belongs to each workload.

    Returns ``share(meter, workload, time)`` (dimensionless, rows sum to 1 per
    meter and interval). `time` holds interval starts in UTC (tz-naive). `meters`
    limits it to those IT meters (default: all).
    """
    it_meters = [m for m in site.meters_with_role("it") if meters is None or m.id in set(meters)]
    ids = [m.id for m in it_meters]
    return xr.DataArray(
        _share_values(site, time, interval, ids),
        dims=("meter", "workload", "time"),
        coords={"meter": ids, "workload": list(WORKLOADS), "time": time},
        name="share",
    )


def _share_values(
    site: SiteConfig, time: pd.DatetimeIndex, interval: pd.Timedelta, ids: list[str]
) -> np.ndarray:
    """The numbers of :func:`workload_shares` for the IT meters `ids`, in that order."""
    by_id = {m.id: m for m in site.meters_with_role("it")}
    start_ns = pd.DatetimeIndex(time).as_unit("ns").asi8
    end_ns = start_ns + interval.value
    share = np.zeros((len(ids), len(WORKLOADS), len(time)))
    done: dict[tuple, int] = {}  # meters with the same schedule share the same rows
    for m_index, meter_id in enumerate(ids):  # loops over configuration, never readings
        spans = tuple(by_id[meter_id].workload_spans())
        if spans in done:
            share[m_index] = share[done[spans]]
            continue
        done[spans] = m_index
        for span_start, span_end, workload in spans:
            lo, hi = span_ns(span_start, span_end)
            overlap = np.clip(np.minimum(end_ns, hi) - np.maximum(start_ns, lo), 0, None)
            share[m_index, WORKLOADS.index(workload)] += overlap / interval.value
    return share


def fixed_workloads(
    site: SiteConfig, time: pd.DatetimeIndex, interval: pd.Timedelta
) -> dict[str, np.ndarray]:
    """IT meters whose share is the same in every interval of `time`, with that share.

    A meter qualifies when each of its workload spans either covers the whole window or
    does not touch it; its share per workload is then 1 for the covering spans, 0 else,
    exactly what :func:`workload_shares` gives in every interval.
    """
    start = pd.DatetimeIndex(time).as_unit("ns").asi8[0]
    end = pd.DatetimeIndex(time).as_unit("ns").asi8[-1] + interval.value
    fixed = {}
    seen: dict[tuple, np.ndarray | None] = {}  # meters with the same schedule: the same share
    for meter in site.meters_with_role("it"):  # loops over configuration, never readings
        spans = tuple(meter.workload_spans())
        if spans not in seen:
            seen[spans] = _fixed_share(spans, start, end)
        if seen[spans] is not None:
            fixed[meter.id] = seen[spans]
    return fixed


def _fixed_share(spans: tuple, start: int, end: int) -> np.ndarray | None:
    """The share per workload of a schedule over ``[start, end)`` [ns], or None if it changes."""
    share = np.zeros(len(WORKLOADS))
    for span_start, span_end, workload in spans:
        lo, hi = span_ns(span_start, span_end)
        overlap = max(0.0, min(end, hi) - max(start, lo))
        if overlap not in (0.0, float(end - start)):
            return None  # a change inside the window: per-interval shares needed
        share[WORKLOADS.index(workload)] += overlap / (end - start)
    return share


def _it_by_workload_values(
    values: Any,
    ids: list[str],
    site: SiteConfig,
    time: pd.DatetimeIndex,
    interval: pd.Timedelta,
    finite: bool | None = None,
    splits: Mapping[str, tuple[tuple[int, float], ...]] | None = None,
) -> Any:
    """The numpy core of :func:`it_by_workload`: ``values(meter, time)`` [kWh] of the IT
    meters `ids` (no NaN) to IT energy ``(time, workload)`` [kWh] (magnitudes).

    `splits` (:attr:`carbon.quality.cube_model.MeterCube.split_points`) give, for IT meters
    finer than the cube, the energy read before a workload change inside a cell; such a cell
    is split by that energy instead of by time (:func:`split_by_energy`).

    The contractions are the ``np.einsum`` calls ``xr.dot`` makes (same subscripts, same
    operand layouts), so the sums are the same bit for bit. `values` may be a dask array.
    `finite` says whether every value is finite (None: find out).
    """
    fixed = fixed_workloads(site, time, interval)
    steady = [i for i, m in enumerate(ids) if m in fixed]
    changing = [i for i, m in enumerate(ids) if m not in fixed]
    parts = []
    if steady:
        matrix = np.array([fixed[ids[i]] for i in steady])  # (meter, workload)
        if (
            isinstance(values, np.ndarray)
            and np.isin(matrix, (0.0, 1.0)).all()
            and (bool(np.isfinite(values.sum())) if finite is None else finite)
        ):
            parts.append(_sum_by_workload(values, steady, matrix))
        else:
            parts.append(np.einsum("...ab,...ac->...bc", take_rows(values, steady), matrix))
    if changing:
        share = _share_values(site, time, interval, [ids[i] for i in changing])
        # xr.dot over "meter" with "time" broadcast: both operands with time first
        block = take_rows(values, changing)
        if splits:
            share = split_by_energy(
                share, block, [ids[i] for i in changing], site, time, interval, splits
            )
        parts.append(np.einsum("...a,...ac->...c", block.transpose(1, 0), share.transpose(2, 0, 1)))
    if not parts:  # no IT meter: no IT energy
        return np.zeros((len(time), len(WORKLOADS)))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


def split_by_energy(
    share: np.ndarray,
    values: Any,
    ids: list[str],
    site: SiteConfig,
    time: pd.DatetimeIndex,
    interval: pd.Timedelta,
    splits: Mapping[str, tuple[tuple[int, float], ...]],
) -> np.ndarray:
    """`share` ``(meter, workload, time)`` with the cells that hold a workload change of a
    meter finer than the cube split by the energy read before and after the change.

    A cell ``[a, b)`` with changes at ``τ_1 < … < τ_n`` holds the segments ``[a, τ_1)``, …,
    ``[τ_n, b)``; segment ``k`` carries ``P_k − P_(k-1)`` with ``P`` the energy read before each
    instant (``P_0 = 0``, ``P_(n+1)`` the cell's reading), and goes to the workload of its span.
    Where the cell reading is not positive or the energies do not fit inside it (a missing or
    conflicting native reading, an imputed cell), the time split is kept.
    """
    share = share.copy()
    starts = pd.DatetimeIndex(time).as_unit("ns").asi8
    by_id = {m.id: m for m in site.meters_with_role("it")}
    block = np.asarray(values, dtype="float64")
    for m_index, meter_id in enumerate(ids):  # loops over configuration, never readings
        points = splits.get(meter_id)
        if not points:
            continue
        spans = by_id[meter_id].workload_spans()
        cells: dict[int, list[tuple[int, float]]] = {}
        for instant, kwh in points:  # loops over change instants
            j = int(np.searchsorted(starts, instant, side="right")) - 1
            if 0 <= j < len(starts) and instant < starts[j] + interval.value:
                cells.setdefault(j, []).append((instant, kwh))
        for j, inside in cells.items():
            total = float(block[m_index, j])
            before = [kwh for _, kwh in sorted(inside)]
            edges = np.array([0.0, *before, total])
            if not (total > 0 and np.all(np.isfinite(edges)) and np.all(np.diff(edges) >= 0)):
                continue
            bounds = [int(starts[j]), *(t for t, _ in sorted(inside))]
            column = np.zeros(len(WORKLOADS))
            for k, segment in enumerate(np.diff(edges)):  # loops over segments of one cell
                workload = _workload_at(spans, bounds[k] + 1)
                column[WORKLOADS.index(workload)] += segment / total
            share[m_index, :, j] = column
    return share


def _workload_at(spans: list[tuple[Any, Any, str]], at_ns: int) -> str:
    """The workload of the schedule's span that holds the instant `at_ns` [UTC ns]."""
    for span_start, span_end, workload in spans:  # loops over configuration
        lo, hi = span_ns(span_start, span_end)
        if lo <= at_ns < hi:
            return workload
    return "other"


def _sum_by_workload(values: np.ndarray, rows: list[int], matrix: np.ndarray) -> np.ndarray:
    """``np.einsum("...ab,...ac->...bc", values[rows], matrix)`` for a 0/1 `matrix`, bit for bit.

    einsum zeroes its output and adds the products meter by meter in row order; with shares
    of 0 or 1 and finite readings a product is the reading itself or a zero, and adding a
    zero to a sum that starts at +0 changes nothing. So each workload's column is the
    readings of its meters added in row order to a zero, which is what this does, a row at
    a time (no copy of the rows, no product array). (An infinite reading times a zero share
    is NaN, so readings that are not all finite go through einsum.)
    """
    out = np.zeros((values.shape[1], matrix.shape[1]))
    for column in range(matrix.shape[1]):  # loops over workloads and meters, never readings
        total = np.zeros(values.shape[1])
        for k in np.flatnonzero(matrix[:, column]).tolist():
            total += values[rows[k]]
        out[:, column] = total
    return out


def it_by_workload(
    it_energy: xr.DataArray, site: SiteConfig, time: pd.DatetimeIndex, interval: pd.Timedelta
) -> xr.DataArray:
    """``Σ_meter energy(meter, t) · share(meter, workload, t)`` [kWh] per workload and interval.

    Meters without a workload change inside the window go through a (meter x workload)
    matrix; only the meters that change get the per-interval shares, so the dense
    (meter, workload, time) array (13 M values for a 1-minute month of 96 IT meters) is never
    built. ``np.einsum`` is not pint-aware: the units come off around it and go back once.
    """
    plain = it_energy.pint.to("kWh").transpose("meter", "time")
    ids = [str(m) for m in plain["meter"].values]
    values = _it_by_workload_values(plain.data.magnitude, ids, site, time, interval)
    return _quantity(values.transpose(1, 0), plain["time"].values)


def _it_energy_key_values(it: Any) -> Any:
    """The it-energy key k(i, t) from ``it(workload, time)`` [kWh] magnitudes; all weight on
    ``other`` where no IT load exists.

    ``total`` skips NaN as xarray's sum over the workloads did (NaN only comes from infinite
    readings), in the same way: NaN replaced by zeros, then summed.
    """
    total = np.where(np.isnan(it), np.zeros_like(it), it).sum(axis=0)
    has_it = total > 0
    other = np.array([w == "other" for w in WORKLOADS], dtype=float)[:, None]
    return np.where(has_it, it / np.where(has_it, total, 1.0), other)


def shared_key(
    meter: Any,
    key_it: Any,
    time: pd.DatetimeIndex,
    interval: pd.Timedelta,
    labels: tuple[str, ...] | list[str] = WORKLOADS,
) -> Any:
    """The allocation key ``k(workload, time)`` of shared meter `meter`: ``dedicated`` puts the
    meter on one workload, ``it-energy`` uses `key_it` (``(workload, time)``, rows `labels`).

    A meter with an ``allocation_schedule`` takes each version's key over its span; an
    interval that a change falls inside is split by time overlap, as a workload conversion
    is (a change at 12:07 gives the 12:00–12:15 interval 7/15 of the old key, 8/15 of the new).
    A meter with one key returns it unchanged (``(workload, 1)`` for a dedicated key).
    """

    def one(key: str, dedicated: str | None) -> Any:
        if key == "dedicated":
            return np.array([w == dedicated for w in labels], dtype=float)[:, None]
        return key_it

    spans = meter.allocation_spans()
    if len(spans) == 1:
        return one(spans[0][2], spans[0][3])
    start_ns = pd.DatetimeIndex(time).as_unit("ns").asi8
    end_ns = start_ns + interval.value
    out = np.zeros((len(labels), len(start_ns)))
    for span_start, span_end, key, dedicated, _ in spans:  # loops over configuration
        lo, hi = span_ns(span_start, span_end)
        overlap = np.clip(np.minimum(end_ns, hi) - np.maximum(start_ns, lo), 0, None)
        out = out + one(key, dedicated) * (overlap / interval.value)
    return out


def _quantity(
    values: Any, time: Any, *, name: str | None = None, attrs: dict | None = None
) -> xr.DataArray:
    """``values(workload, time)`` [kWh magnitudes] as a DataArray [kWh] on `time` (stamps,
    or :func:`_coords`)."""
    if not isinstance(time, xr.Coordinates):
        time = _coords(time)
    return quantified(values, "kWh", ("workload", "time"), time, name=name, attrs=attrs)


def _coords(time: Any) -> xr.Coordinates:
    """The (time, workload) coordinates, in the order xr.dot gave them; built once, shared."""
    return xr.Coordinates({"time": time, "workload": list(WORKLOADS)})


def check_supported_tree(site: SiteConfig) -> None:
    """Attribution handles a revenue meter with IT and shared meters below it, at any depth;
    generation and export meters are not attributed yet."""
    unsupported = [m.id for m in site.meters if m.role in ("generation", "export")]
    if unsupported:
        raise ConfigError(
            f"meters {', '.join(unsupported)}: roles 'generation' and 'export' "
            "are not attributed yet"
        )


def meter_parents(site: SiteConfig) -> dict[str, str]:
    """Each meter below the revenue meter → its parent (no ``parent``: the revenue meter)."""
    revenue_id = site.revenue_meter.id
    return {m.id: m.parent or revenue_id for m in site.meters if m.id != revenue_id}


def _depth_order(parents: dict[str, str]) -> list[str]:
    """The meters below the revenue meter, deepest first (children before their parents)."""

    def depth(meter: str) -> int:
        n = 0
        while meter in parents:  # loop over the meter tree
            meter, n = parents[meter], n + 1
        return n

    return sorted(parents, key=lambda m: -depth(m))


def is_flat(site: SiteConfig) -> bool:
    """Whether every meter sits directly below the revenue meter (no meter has children
    other than the revenue meter)."""
    return set(meter_parents(site).values()) <= {site.revenue_meter.id}


def _own_values(
    values: np.ndarray, rows: dict[str, int], site: SiteConfig
) -> tuple[np.ndarray, np.ndarray]:
    """The numbers of :func:`own_energy`: ``values(meter, time)`` [kWh] → own energy, and the
    unmetered residual ``U_t`` of the revenue meter."""
    parents = meter_parents(site)
    children: dict[str, list[str]] = {}
    for meter, parent in parents.items():  # loop over the meter tree
        children.setdefault(parent, []).append(meter)
    metered = np.where(np.isnan(values), 0.0, values)
    effective = metered.copy()  # a meter's reading, or its children's sum where it has none
    own = metered.copy()
    for meter in _depth_order(parents):  # children before parents; loop over the tree
        kids = children.get(meter)
        if not kids:
            continue
        below = sum_rows(effective, [rows[k] for k in kids])
        row = rows[meter]
        effective[row] = np.where(np.isnan(values[row]), below, values[row])
        own[row] = effective[row] - below
    revenue = rows[site.revenue_meter.id]
    top = children.get(site.revenue_meter.id, [])
    own[revenue] = values[revenue]
    return own, values[revenue] - sum_rows(effective, [rows[k] for k in top])


def own_energy(energy: xr.DataArray, site: SiteConfig) -> xr.DataArray:
    """Each meter's own energy in the meter tree, ``own(meter, time)`` [kWh].

    A meter without children: its reading (a missing one counts 0; its energy is then in
    its parent's remainder). A meter with children: its reading less the sum of its
    children's (a missing reading of its own: 0, its children stand for it). The revenue
    meter keeps its reading. So the own energy of the meters below the revenue meter plus the
    unmetered residual ``U_t`` is the revenue meter in every interval, and a sum of own energy
    over any meters below it counts no reading twice.
    """
    plain = energy.pint.to("kWh").transpose("meter", "time")
    ids = [str(m) for m in plain["meter"].values]
    values = np.asarray(plain.data.magnitude, dtype=float)
    own, _ = _own_values(values, {m: i for i, m in enumerate(ids)}, site)
    return plain.copy(data=ureg.Quantity(own, "kWh"))


def counted_energy(energy: xr.DataArray, site: SiteConfig) -> xr.DataArray:
    """The energy to sum over meters: `energy` itself for a flat tree (every meter directly
    below the revenue meter), else :func:`own_energy`, so that no reading counts twice."""
    return energy if is_flat(site) else own_energy(energy, site)


def _subtree_it(site: SiteConfig, parents: dict[str, str]) -> dict[str, list[str]]:
    """Per meter, the IT meters at or below it (the revenue meter: all of them)."""
    found: dict[str, list[str]] = {}
    for meter in site.meters_with_role("it"):  # loop over the meter tree
        node: str | None = meter.id
        while node is not None:
            found.setdefault(node, []).append(meter.id)
            node = parents.get(node)
    return found


def _key_anchor(meter: str, parents: dict[str, str], with_it: dict[str, list[str]]) -> str:
    """The nearest of `meter` and its ancestors with IT meters below it."""
    node = meter
    while node not in with_it and node in parents:  # loop over the meter tree
        node = parents[node]
    return node


def key_meters(site: SiteConfig) -> dict[str, list[str]]:
    """Per shared meter, the IT meters whose energy carries its ``it-energy`` key: those at or
    below its key anchor, the nearest of itself and its ancestors with IT meters below it (a
    flat tree, or a meter whose anchor is the revenue meter: every IT meter)."""
    parents = meter_parents(site)
    with_it = _subtree_it(site, parents)
    every = [m.id for m in site.meters_with_role("it")]
    flat = is_flat(site)
    return {
        m.id: every if flat else with_it.get(_key_anchor(m.id, parents, with_it), every)
        for m in site.meters_with_role("shared")  # loop over configuration
    }


def attribute(
    energy: xr.DataArray,
    site: SiteConfig,
    interval: pd.Timedelta,
    splits: Mapping[str, tuple[tuple[int, float], ...]] | None = None,
) -> Attribution:
    """Split the revenue meter's energy into workloads, interval by interval.

    Parameters
    ----------
    energy
        ``energy(meter, time)`` [energy] for every meter of `site` over the period;
        NaN marks a missing reading (counted by the quality stage).
    site
        The site model (roles, workload schedules, allocation keys).
    interval
        The meters' interval length.
    splits
        Energy read before a workload change inside an interval by IT meters finer than
        `interval` (:attr:`carbon.quality.cube_model.MeterCube.split_points`); without it a
        change inside an interval splits it by time.
    """
    energy = energy.pint.to("kWh").transpose("meter", "time")
    revenue_id = site.revenue_meter.id
    check_supported_tree(site)
    revenue = energy.sel(meter=revenue_id, drop=True)
    missing_revenue = np.isnan(np.asarray(revenue.pint.magnitude))
    if missing_revenue.any():
        first = pd.Timestamp(revenue["time"].values[np.argmax(missing_revenue)]).tz_localize("UTC")
        raise InputDataError(
            f"revenue meter {revenue_id!r} has no reading for {int(missing_revenue.sum())} "
            f"interval(s) in the period, first at {first.isoformat()}; "
            "the facility total cannot be "
            "attributed without it (no imputation is configured)"
        )
    time = pd.DatetimeIndex(energy["time"].values)
    # The arithmetic runs on the magnitudes [kWh] (numpy, or dask chunks), with the same
    # elementwise operations and sums as xarray would make, and is quantified once at the end:
    # every xarray operation on a pint-wrapped array costs far more than the arithmetic here.
    it_ids = [m.id for m in site.meters_with_role("it")]
    shared_meters = site.meters_with_role("shared")
    child_ids = it_ids + [m.id for m in shared_meters]
    flat = is_flat(site)
    rows = _rows(energy, [revenue_id, *child_ids]) if flat else _rows(energy, _ids(energy))
    values = energy.data.magnitude
    own = None
    if flat:
        child_rows = [rows[m] for m in child_ids]
        # A missing sub-meter reading contributes no metered energy; its energy is still
        # inside the revenue meter and so lands in the unmetered residual. The quality stage
        # reports it. The children's sum is first taken over the readings as they are:
        # without a NaN in it no child reading is missing (a NaN stays NaN through a sum),
        # so the readings are the metered energy and no NaN-free copy of the cube is needed.
        children = sum_rows(values, child_rows) if isinstance(values, np.ndarray) else None
        if children is not None and not np.isnan(children).any():
            metered = values
        else:
            metered = np.where(np.isnan(values), 0.0, values)
            children = sum_rows(metered, child_rows)
    else:  # a deeper tree: each meter counts with its own energy (own_energy)
        metered, unmetered_own = _own_values(np.asarray(values, dtype=float), rows, site)
        own = metered
        children = np.asarray(values[rows[revenue_id]], dtype=float) - unmetered_own
    # finite column sums over all the children: no child reading is infinite (or NaN)
    finite = bool(np.isfinite(children).all()) if isinstance(values, np.ndarray) else None
    it = _it_by_workload_values(
        take_rows(metered, [rows[m] for m in it_ids]), it_ids, site, time, interval, finite, splits
    ).transpose(1, 0)

    key_it = _it_energy_key_values(it)
    keys: dict[tuple[str, ...], Any] = {tuple(it_ids): key_it}
    below_key = key_meters(site)
    shared_total = np.zeros(it.shape)
    for meter in shared_meters:  # loops over configuration, never readings
        reading = metered[rows[meter.id]]
        below = below_key[meter.id]
        if tuple(below) not in keys:  # the IT meters below the anchor carry the key
            keys[tuple(below)] = _it_energy_key_values(
                _it_by_workload_values(
                    take_rows(metered, [rows[m] for m in below]), below, site, time, interval
                ).transpose(1, 0)
            )
        # the anchor's it-energy key, or the meter's dedicated key, per version (§6)
        key = shared_key(meter, keys[tuple(below)], time, interval)
        shared_total = shared_total + reading * key

    unmetered = revenue.data.magnitude - children if own is None else unmetered_own
    residual = unmetered * key_it
    times = _coords(energy["time"].values)
    # names and attributes as the xarray formulation of these sums left them (the it-energy
    # key carried a "units" attribute from dequantifying the IT energy)
    units = {"units": "kilowatt_hour"}
    by_key = [m for m in shared_meters if any(s[2] != "dedicated" for s in m.allocation_spans())]
    return Attribution(
        it=_quantity(it, times, name=energy.name),
        shared=_quantity(
            shared_total,
            times,
            name=None if len(by_key) < len(shared_meters) else energy.name,
            attrs=units if by_key else None,
        ),
        residual=_quantity(residual, times, name=energy.name, attrs=units),
        revenue=revenue,
        unmetered=revenue.copy(data=ureg.Quantity(unmetered, "kWh")),
        own=None if own is None else energy.copy(data=ureg.Quantity(own, "kWh")),
    )


def _ids(energy: xr.DataArray) -> list[str]:
    return [str(m) for m in energy["meter"].values]


def _rows(energy: xr.DataArray, ids: list[str]) -> dict[str, int]:
    """Row position of each meter id in `energy`; an id it does not hold raises as ``sel``."""
    found = energy.indexes["meter"].get_indexer(ids)
    if (found < 0).any():
        energy.sel(meter=ids)  # raises the KeyError naming the missing ids
    return dict(zip(ids, found.tolist(), strict=True))
