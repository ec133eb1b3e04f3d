"""Attribute metered energy to workloads (METHODOLOGY section 6).

Per interval ``t``::

    M_t = Σ_i IT_(i,t) + Σ_j S_(j,t) + U_t

with ``M`` the revenue meter, ``IT`` the sub-metered IT energy of workload ``i``,
``S_j`` the shared subsystems and ``U`` the unmetered residual (losses, and any
sub-meter reading that is missing). Each shared meter ``j`` is allocated with a
key ``k_(i,j,t)`` (Σ_i k = 1): ``it-energy`` gives ``IT_(i,t)/Σ IT_t`` (key 2 of
section 6, every workload gets the interval PUE), ``dedicated`` gives the whole
meter to one workload (sub-metering, key 1). ``U`` is allocated with the
``it-energy`` key. Where an interval has no IT load at all, the pro-rata key is
undefined: that energy goes to the workload ``other`` and is reported as such,
never spread by a guess. The result reproduces ``M_t`` exactly.

Effective-dated workload assignments split an interval by time overlap, so a
hall converting at 12:07 splits its 12:00 reading 7/15 : 8/15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.config import WORKLOADS, SiteConfig
from carbon.errors import ConfigError, InputDataError
from carbon.units import ureg


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


def _span_ns(span_start, span_end) -> tuple[float, float]:
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
    start_ns = pd.DatetimeIndex(time).as_unit("ns").asi8
    end_ns = start_ns + interval.value
    share = np.zeros((len(it_meters), len(WORKLOADS), len(time)))
    for m_index, meter in enumerate(it_meters):  # loops over configuration, never readings
        for span_start, span_end, workload in meter.workload_spans():
            lo, hi = _span_ns(span_start, span_end)
            overlap = np.clip(np.minimum(end_ns, hi) - np.maximum(start_ns, lo), 0, None)
            share[m_index, WORKLOADS.index(workload)] += overlap / interval.value
    return xr.DataArray(
        share,
        dims=("meter", "workload", "time"),
        coords={"meter": [m.id for m in it_meters], "workload": list(WORKLOADS), "time": time},
        name="share",
    )


def _fixed_workloads(
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
    for meter in site.meters_with_role("it"):  # loops over configuration, never readings
        share = np.zeros(len(WORKLOADS))
        for span_start, span_end, workload in meter.workload_spans():
            lo, hi = _span_ns(span_start, span_end)
            overlap = max(0.0, min(end, hi) - max(start, lo))
            if overlap not in (0.0, float(end - start)):
                break  # a change inside the window: per-interval shares needed
            share[WORKLOADS.index(workload)] += overlap / (end - start)
        else:
            fixed[meter.id] = share
    return fixed


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
    fixed = _fixed_workloads(site, time, interval)
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
        share = workload_shares(site, time, interval, meters=changing)
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


def _check_supported_tree(site: SiteConfig) -> None:
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
    energy = energy.pint.to("kWh")
    revenue_id = site.revenue_meter.id
    _check_supported_tree(site)
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
