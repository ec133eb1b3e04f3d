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
hall converting at 12:07 splits its 12:00 reading 7/15 : 8/15.
"""

from __future__ import annotations

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
) -> Any:
    """The numpy core of :func:`it_by_workload`: ``values(meter, time)`` [kWh] of the IT
    meters `ids` (no NaN) to IT energy ``(time, workload)`` [kWh] (magnitudes).

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
        parts.append(np.einsum("...a,...ac->...c", block.transpose(1, 0), share.transpose(2, 0, 1)))
    if not parts:  # no IT meter: no IT energy
        return np.zeros((len(time), len(WORKLOADS)))
    return parts[0] if len(parts) == 1 else parts[0] + parts[1]


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
    """This stage handles one revenue meter with IT and shared meters directly below it."""
    unsupported = [m.id for m in site.meters if m.role in ("generation", "export")]
    if unsupported:
        raise ConfigError(
            f"meters {', '.join(unsupported)}: roles 'generation' and 'export' "
            "are not attributed yet"
        )
    revenue_id = site.revenue_meter.id
    nested = [
        m.id for m in site.meters if m.role != "revenue" and m.parent not in (None, revenue_id)
    ]
    if nested:
        raise ConfigError(
            f"meters {', '.join(nested)} sit below a sub-meter; attribution handles IT and shared "
            f"meters directly below the revenue meter {revenue_id!r} only"
        )


def attribute(energy: xr.DataArray, site: SiteConfig, interval: pd.Timedelta) -> Attribution:
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
    rows = _rows(energy, [revenue_id, *child_ids])
    values = energy.data.magnitude
    child_rows = [rows[m] for m in child_ids]
    # A missing sub-meter reading contributes no metered energy; its energy is still inside
    # the revenue meter and so lands in the unmetered residual. The quality stage reports it.
    # The children's sum is first taken over the readings as they are: without a NaN in it
    # no child reading is missing (a NaN stays NaN through a sum), so the readings are the
    # metered energy and no NaN-free copy of the cube is needed.
    children = sum_rows(values, child_rows) if isinstance(values, np.ndarray) else None
    if children is not None and not np.isnan(children).any():
        metered = values
    else:
        metered = np.where(np.isnan(values), 0.0, values)
        children = sum_rows(metered, child_rows)
    # finite column sums over all the children: no child reading is infinite (or NaN)
    finite = bool(np.isfinite(children).all()) if isinstance(values, np.ndarray) else None
    it = _it_by_workload_values(
        take_rows(metered, [rows[m] for m in it_ids]), it_ids, site, time, interval, finite
    ).transpose(1, 0)

    key_it = _it_energy_key_values(it)
    shared_total = np.zeros(it.shape)
    for meter in shared_meters:  # loops over configuration, never readings
        reading = metered[rows[meter.id]]
        shared_total = shared_total + reading * shared_key(meter, key_it, time, interval)

    unmetered = revenue.data.magnitude - children
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
    )


def _rows(energy: xr.DataArray, ids: list[str]) -> dict[str, int]:
    """Row position of each meter id in `energy`; an id it does not hold raises as ``sel``."""
    found = energy.indexes["meter"].get_indexer(ids)
    if (found < 0).any():
        energy.sel(meter=ids)  # raises the KeyError naming the missing ids
    return dict(zip(ids, found.tolist(), strict=True))
