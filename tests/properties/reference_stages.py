"""The run_period stages as they were written with xarray operations: the oracle.

carbon's stages now do their arithmetic on numpy magnitudes (:mod:`carbon.attribution.workloads`,
:mod:`carbon.quality.assess`, :mod:`carbon.quality.reconcile`); these are the earlier formulations,
kept verbatim (only renamed) so that tests can require the same results bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from carbon.attribution.workloads import (
    Attribution,
    check_supported_tree,
    fixed_workloads,
    span_ns,
)
from carbon.core.errors import InputDataError
from carbon.core.flags import FLAG_NAMES, Flag
from carbon.core.units import ureg
from carbon.quality.assess import MeterQuality, QualityReport
from carbon.quality.cube_model import ConflictingDuplicate
from carbon.quality.reconcile import MAX_LISTED, Breach, ParentReconciliation
from carbon.site.meters import WORKLOADS
from carbon.site.model import SiteConfig


def workload_shares_reference(
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
    start_ns = pd.DatetimeIndex(time).as_unit("ns").asi8
    end_ns = start_ns + interval.value
    share = np.zeros((len(it_meters), len(WORKLOADS), len(time)))
    for m_index, meter in enumerate(it_meters):  # loops over configuration, never readings
        for span_start, span_end, workload in meter.workload_spans():
            lo, hi = span_ns(span_start, span_end)
            overlap = np.clip(np.minimum(end_ns, hi) - np.maximum(start_ns, lo), 0, None)
            share[m_index, WORKLOADS.index(workload)] += overlap / interval.value
    return xr.DataArray(
        share,
        dims=("meter", "workload", "time"),
        coords={"meter": [m.id for m in it_meters], "workload": list(WORKLOADS), "time": time},
        name="share",
    )


def _it_by_workload(
    it_energy: xr.DataArray, site: SiteConfig, time: pd.DatetimeIndex, interval: pd.Timedelta
) -> xr.DataArray:
    """``Σ_meter energy(meter, t) · share(meter, workload, t)`` [kWh] per workload and interval.

    Meters without a workload change inside the window go through a (meter x workload)
    matrix; only the meters that change get the per-interval shares, so the dense
    (meter, workload, time) array (13 M values for a 1-minute month of 96 IT meters) is never
    built. ``xr.dot`` (einsum) is not pint-aware: the units come off around it and go back once.
    """
    plain = it_energy.pint.to("kWh").pint.dequantify()
    fixed = fixed_workloads(site, time, interval)
    ids = [str(m) for m in plain["meter"].values]
    steady = [m for m in ids if m in fixed]
    changing = [m for m in ids if m not in fixed]
    parts = []
    if steady:
        matrix = xr.DataArray(
            np.array([fixed[m] for m in steady]),
            dims=("meter", "workload"),
            coords={"meter": steady, "workload": list(WORKLOADS)},
        )
        parts.append(xr.dot(plain.sel(meter=steady), matrix, dim="meter"))
    if changing:
        share = workload_shares_reference(site, time, interval, meters=changing)
        parts.append(xr.dot(plain.sel(meter=changing), share, dim="meter"))
    if not parts:  # no IT meter: no IT energy
        parts.append(
            xr.DataArray(
                np.zeros((len(WORKLOADS), plain.sizes["time"])),
                dims=("workload", "time"),
                coords={"workload": list(WORKLOADS), "time": plain["time"]},
            )
        )
    total = parts[0] if len(parts) == 1 else parts[0] + parts[1]
    return total.transpose("workload", "time").pint.quantify("kWh", unit_registry=ureg)


def _it_energy_key(it_by_workload: xr.DataArray) -> xr.DataArray:
    """The it-energy key k(i, t); all weight on ``other`` where no IT load exists."""
    it_kwh = it_by_workload.pint.to("kWh").pint.dequantify()
    total = it_kwh.sum("workload")
    has_it = total > 0
    key = xr.where(has_it, it_kwh / total.where(has_it, 1.0), 0.0)
    other = xr.DataArray(
        np.array([w == "other" for w in WORKLOADS], dtype=float),
        dims=("workload",),
        coords={"workload": list(WORKLOADS)},
    )
    return xr.where(has_it, key, other).transpose("workload", "time")


def _dedicated_key(workload: str, time: xr.DataArray) -> xr.DataArray:
    onehot = np.array([w == workload for w in WORKLOADS], dtype=float)
    return xr.DataArray(
        np.repeat(onehot[:, None], time.size, axis=1),
        dims=("workload", "time"),
        coords={"workload": list(WORKLOADS), "time": time},
    )


def attribute_reference(
    energy: xr.DataArray, site: SiteConfig, interval: pd.Timedelta
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
    """
    energy = energy.pint.to("kWh")
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
    # A missing sub-meter reading contributes no metered energy; its energy is still inside
    # the revenue meter and so lands in the unmetered residual. The quality stage reports it.
    metered = energy.fillna(0.0 * energy.pint.units)

    it_ids = [m.id for m in site.meters_with_role("it")]
    it = _it_by_workload(metered.sel(meter=it_ids), site, time, interval)

    key_it = _it_energy_key(it)
    shared_total = xr.zeros_like(it)
    shared_meters = site.meters_with_role("shared")
    for meter in shared_meters:  # loops over configuration, never readings
        reading = metered.sel(meter=meter.id, drop=True)
        if meter.allocation == "dedicated":
            key = _dedicated_key(meter.dedicated_to, energy["time"])
        else:
            key = key_it
        shared_total = shared_total + reading * key

    child_ids = it_ids + [m.id for m in shared_meters]
    unmetered = revenue - metered.sel(meter=child_ids).sum("meter", skipna=False)
    residual = unmetered * key_it
    return Attribution(
        it=it.transpose("workload", "time"),
        shared=shared_total.transpose("workload", "time"),
        residual=residual.transpose("workload", "time"),
        revenue=revenue,
        unmetered=unmetered,
    )


def assess_reference(
    energy: xr.DataArray,
    flags: xr.DataArray,
    *,
    roles: dict[str, str],
    rows_read: dict[str, int],
    duplicates: dict[str, int],
    conflicts: tuple[ConflictingDuplicate, ...] = (),
) -> QualityReport:
    """Count the flags of the period cube per meter.

    Parameters
    ----------
    energy
        ``energy(meter, time)`` [kWh] over the period; NaN where no usable reading.
    flags
        ``flags(meter, time)`` codes on the same grid.
    roles, rows_read, duplicates
        Per meter: its role, rows read over all inputs, identical duplicates.
    conflicts
        Conflicting duplicates found while aligning (listed if inside the period).
    """
    codes = np.asarray(flags.values)
    values = np.asarray(energy.pint.to("kWh").pint.magnitude)
    n_time = codes.shape[1]
    counts = np.stack([(codes == int(f)).sum(axis=1) for f in Flag], axis=1)  # (meter, flag)
    usable = ~np.isnan(values)
    missing = (~usable).sum(axis=1)
    first_gap = np.argmax(~usable, axis=1)
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    start, end = times[0], times[-1] if n_time else times[0]
    meters = []
    for i, meter in enumerate(energy["meter"].values.tolist()):  # loop over meters
        meters.append(
            MeterQuality(
                id=meter,
                role=roles[meter],
                expected_intervals=n_time,
                present=int(usable[i].sum()),
                missing=int(missing[i]),
                negatives=int(counts[i, int(Flag.NEGATIVE)]),
                estimated=int(counts[i, int(Flag.SOURCE_ESTIMATED)]),
                duplicates=int(duplicates.get(meter, 0)),
                conflicting=int(counts[i, int(Flag.DUPLICATE_CONFLICTING)]),
                rows_read=int(rows_read.get(meter, 0)),
                first_gap=times[first_gap[i]].isoformat() if missing[i] else None,
                flag_counts={
                    FLAG_NAMES[int(f)]: int(counts[i, int(f)])
                    for f in Flag
                    if counts[i, int(f)] and f != Flag.MEASURED
                },
            )
        )
    in_period = tuple(c for c in conflicts if start <= pd.Timestamp(c.interval_start) <= end)
    return QualityReport(flags=flags, meters=tuple(meters), conflicts=in_period)


def reconcile_reference(
    energy: xr.DataArray, site: SiteConfig, tolerance: float
) -> list[ParentReconciliation]:
    """Compare every parent with the sum of its children over the period cube.

    Intervals where the parent or any child has no reading are not compared (they
    are gaps, counted by the quality stage); the count compared is reported.
    """
    values = np.asarray(energy.pint.to("kWh").pint.magnitude)  # dask-backed: computed once
    meters = [str(m) for m in energy["meter"].values]
    index = {m: i for i, m in enumerate(meters)}
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    results = []
    parents = sorted({m.parent for m in site.meters if m.parent is not None})
    for parent in parents:  # loop over the meter tree, not readings
        children = tuple(m.id for m in site.meters if m.parent == parent)
        p = values[index[parent]]
        c = values[[index[ch] for ch in children]]
        complete = ~np.isnan(p) & ~np.isnan(c).any(axis=0)
        c_sum = c.sum(axis=0)
        residual = p - c_sum
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(p != 0, residual / p, np.nan)
        beyond = np.abs(relative) > tolerance
        breach = complete & (beyond | ((p == 0) & (c_sum != 0)))
        n_listed = min(MAX_LISTED, int(breach.sum()))
        order = np.argsort(-np.abs(np.where(breach, residual, 0.0)), kind="stable")[:n_listed]
        worst = tuple(
            Breach(
                interval_start=times[i].isoformat(),
                parent_kwh=float(p[i]),
                children_kwh=float(c_sum[i]),
                residual_kwh=float(residual[i]),
                relative=None if np.isnan(relative[i]) else float(relative[i]),
            )
            for i in sorted(order.tolist())
        )
        p_total, c_total = float(p[complete].sum()), float(c_sum[complete].sum())
        results.append(
            ParentReconciliation(
                parent=parent,
                children=children,
                parent_kwh=p_total,
                children_kwh=c_total,
                residual_kwh=p_total - c_total,
                residual_share=(p_total - c_total) / p_total if p_total else None,
                tolerance=tolerance,
                intervals_compared=int(complete.sum()),
                breaches=int(breach.sum()),
                worst=worst,
            )
        )
    return results
