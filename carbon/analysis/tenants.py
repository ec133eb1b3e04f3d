"""Per-tenant energy and emissions for colocation customers (docs/methodology.md §6).

A tenant is a colocation customer whose IT load one or more IT meters measure
(the meter's ``tenant`` key, or per span of a scheduled meter). Per interval
``t`` and workload ``w``::

    s_(n,t) = IT_(n,t) / IT_(w,t)        (n a tenant of w; 0 where IT_(w,t) = 0)
    E_(n,t) = s_(n,t) · E_(w,t)

so a tenant carries its metered IT energy and, with the workload's allocation,
its share of the shared loads and the unmetered residual pro rata to IT energy
(every tenant of a workload gets the workload's interval PUE). Emissions follow
the same share at the factor resolution:

- location-based: ``Σ_h s_(n,h) · LB_(w,h)`` with ``s_(n,h) = E_(n,h)/E_(w,h)``,
  which is ``Σ_h E_(n,h) · EF_h``;
- market-based, hourly matching: ``Σ_h s_(n,h) · MB_(w,h)``: instruments
  designated to a workload reach its tenants pro rata to their hourly load;
- market-based, annual matching (2015): ``(Σ_t E_(n,t) / Σ_t E_(w,t)) · MB_w``,
  pro rata to period load, as the annual basis allocates instruments.

Whatever no tenant carries (own-use halls, ``other``) is ``not_tenanted``, so
tenants plus ``not_tenanted`` add up to the site totals on every basis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.alignment import HOUR
from carbon.accounting.location import to_resolution
from carbon.accounting.outcome import PeriodOutcome
from carbon.attribution.workloads import counted_energy
from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.site.model import SiteConfig

__all__ = [
    "METHOD",
    "TenantSplit",
    "split_by_tenant",
    "tenant_it_energy",
    "tenant_load",
    "tenants_block",
]

METHOD = (
    "tenant IT energy metered (the tenant's IT meters, by effective-dated span); shared loads and "
    "the unmetered residual apportioned pro rata to IT energy per interval, as the workload "
    "allocation (each tenant carries its workload's interval PUE); location-based and hourly-"
    "matching market-based Scope 2 by the tenant's share of its workload's energy per factor "
    "interval, annual-matching market-based by its share of the workload's period energy; "
    "instruments designated to a workload reach that workload's tenants pro rata to their load "
    "(docs/methodology.md §6)"
)
#: Appended to :data:`METHOD` where instruments are designated to tenants.
OWN_INSTRUMENTS = (
    "; instruments designated to a tenant cover that tenant's load first (hourly and over the "
    "period), their surplus goes to the load left uncovered pro rata, and the workload's other "
    "tenants and own use carry the rest of its market-based emissions pro rata to energy"
)


def _require(data: xr.DataArray, unit: str, what: str) -> None:
    have = data.pint.units
    if have is None or not ureg.Quantity(1, have).is_compatible_with(unit):
        raise UnitError(f"{what} must be convertible to {unit}; got {have}")


def tenant_it_energy(
    site: SiteConfig, energy: xr.DataArray, interval: pd.Timedelta
) -> xr.DataArray:
    """Metered IT energy per tenant and interval ``IT(tenant, time)`` [kWh].

    Scheduled meters split an interval by time overlap with each span, as the
    workload attribution does; a missing reading contributes nothing (its energy
    is in the unmetered residual). Returns an empty ``tenant`` axis without tenants.
    """
    _require(energy, "kWh", "meter energy")
    tenants = list(site.tenants)
    time = pd.DatetimeIndex(energy["time"].values)
    start_ns = time.as_unit("ns").asi8
    end_ns = start_ns + interval.value
    it_meters = site.meters_with_role("it")
    share = np.zeros((len(it_meters), len(tenants), len(time)))
    for m, meter in enumerate(it_meters):  # loops over configuration, never readings
        for span_start, span_end, tenant in meter.tenant_spans():
            if tenant is None:
                continue
            lo = -np.inf if span_start is None else pd.Timestamp(span_start).tz_convert("UTC").value
            hi = np.inf if span_end is None else pd.Timestamp(span_end).tz_convert("UTC").value
            overlap = np.clip(np.minimum(end_ns, hi) - np.maximum(start_ns, lo), 0, None)
            share[m, tenants.index(tenant)] += overlap / interval.value
    weights = xr.DataArray(
        share,
        dims=("meter", "tenant", "time"),
        coords={"meter": [m.id for m in it_meters], "tenant": tenants, "time": energy["time"]},
    )
    metered = energy.pint.to("kWh").sel(meter=[m.id for m in it_meters])
    metered = metered.fillna(0.0 * metered.pint.units)
    return (metered * weights).sum("meter").transpose("tenant", "time")


@dataclass(frozen=True)
class TenantSplit:
    """Per-tenant totals of one period, unit-carrying; ``not_tenanted`` is the remainder."""

    it_energy: xr.DataArray  # (tenant,) [kWh]
    energy: xr.DataArray  # (tenant,) [kWh]
    location: xr.DataArray  # (tenant,) [kg CO2e]
    market_annual: xr.DataArray  # (tenant,) [kg CO2e]
    market_hourly: xr.DataArray  # (tenant,) [kg CO2e]
    site_totals: Mapping[str, Any]  # key → pint.Quantity, the site totals split

    def not_tenanted(self) -> dict[str, Any]:
        """Site total minus the tenants, per key (pint quantities)."""
        parts = {
            "it_energy": self.it_energy,
            "energy": self.energy,
            "location": self.location,
            "market_annual": self.market_annual,
            "market_hourly": self.market_hourly,
        }
        return {k: self.site_totals[k] - parts[k].sum("tenant").data for k in parts}


def _share(part: xr.DataArray, whole: xr.DataArray) -> xr.DataArray:
    """``part / whole`` (dimensionless), 0 where the whole is not positive."""
    unit = whole.pint.units
    p = part.pint.to(unit).pint.dequantify()
    w = whole.pint.dequantify()
    return xr.where(w > 0, p / w.where(w > 0, 1.0), 0.0)


def _workload_of(tenants: list[str], tenant_workload: Mapping[str, str]) -> xr.DataArray:
    return xr.DataArray(
        [tenant_workload[t] for t in tenants], dims=("tenant",), coords={"tenant": tenants}
    )


def _tenant_energy(
    tenant_it: xr.DataArray, workload_of: xr.DataArray, it_kwh: xr.DataArray, total: xr.DataArray
) -> xr.DataArray:
    """``E(n, t) = s(n, t) · E(w, t)``, s the tenant's share of its workload's IT energy."""
    share_t = _share(tenant_it, it_kwh.sel(workload=workload_of))
    return share_t * total.sel(workload=workload_of)  # (tenant, time) [kWh]


def tenant_load(
    site: SiteConfig,
    energy: xr.DataArray,
    it_by_workload: xr.DataArray,
    energy_by_workload: xr.DataArray,
    interval: pd.Timedelta,
    factor_resolution: pd.Timedelta,
) -> xr.DataArray:
    """Each tenant's facility energy ``E(tenant, time)`` [kWh] on the factor intervals, with
    its workload as a coordinate: the load its own instruments are matched against
    (:mod:`carbon.accounting.tenant_instruments`)."""
    tenants = list(site.tenants)
    workload_of = _workload_of(tenants, site.tenants)
    energy_t = _tenant_energy(
        tenant_it_energy(site, energy, interval),
        workload_of,
        it_by_workload.pint.to("kWh"),
        energy_by_workload.pint.to("kWh"),
    )
    if factor_resolution > interval:
        energy_t = to_resolution(energy_t, interval, factor_resolution)
    return energy_t.assign_coords(workload=("tenant", workload_of.values))


def split_by_tenant(
    *,
    tenant_it: xr.DataArray,
    tenant_workload: Mapping[str, str],
    it_by_workload: xr.DataArray,
    energy_by_workload: xr.DataArray,
    interval: pd.Timedelta,
    factor_resolution: pd.Timedelta,
    location_by_workload: xr.DataArray,
    market_hourly_by_workload: xr.DataArray,
    market_annual_by_workload: xr.DataArray,
    market_own_hourly: xr.DataArray | None = None,
    market_own_annual: xr.DataArray | None = None,
) -> TenantSplit:
    """Split the site's energy and Scope 2 (both bases) among tenants.

    Parameters
    ----------
    tenant_it
        ``IT(tenant, time)`` [energy] on the meter interval (:func:`tenant_it_energy`).
    tenant_workload
        Tenant → its workload.
    it_by_workload, energy_by_workload
        ``(workload, time)`` [energy] on the meter interval: IT and facility energy.
    interval, factor_resolution
        The meter interval and the factor interval of `location_by_workload`
        (the factor interval is the meter interval where factors are finer).
    location_by_workload, market_hourly_by_workload
        ``(workload, time)`` [CO2e mass] on the factor intervals.
    market_annual_by_workload
        ``(workload,)`` [CO2e mass], annual matching.
    market_own_hourly, market_own_annual
        ``(tenant, time)`` and ``(tenant,)`` [CO2e mass]: the market-based emissions of
        the tenants with instruments designated to them
        (:mod:`carbon.accounting.tenant_instruments`). Those tenants carry exactly these;
        the other tenants of their workload share the rest of the workload's emissions
        pro rata to energy, so no other party gains from a tenant's instruments.
    """
    for data, unit, what in (
        (tenant_it, "kWh", "tenant IT energy"),
        (it_by_workload, "kWh", "IT energy"),
        (energy_by_workload, "kWh", "facility energy"),
        (location_by_workload, "kg CO2e", "location-based emissions"),
        (market_hourly_by_workload, "kg CO2e", "market-based emissions (hourly)"),
        (market_annual_by_workload, "kg CO2e", "market-based emissions (annual)"),
    ):
        _require(data, unit, what)
    tenants = [str(t) for t in tenant_it["tenant"].values]
    workload_of = _workload_of(tenants, tenant_workload)
    it_kwh = it_by_workload.pint.to("kWh")
    total_kwh = energy_by_workload.pint.to("kWh")
    energy_t = _tenant_energy(tenant_it, workload_of, it_kwh, total_kwh)
    if factor_resolution > interval:
        energy_f = to_resolution(energy_t, interval, factor_resolution)
        workload_f = to_resolution(total_kwh, interval, factor_resolution)
    else:
        energy_f, workload_f = energy_t, total_kwh
    share_f = _share(energy_f, workload_f.sel(workload=workload_of))
    location = (share_f * location_by_workload.sel(workload=workload_of)).sum("time")
    share_h = share_f
    if factor_resolution != HOUR:  # market-based matching runs on clock hours (§2.4)
        share_h = _share(
            to_resolution(energy_t, interval, HOUR),
            to_resolution(total_kwh, interval, HOUR).sel(workload=workload_of),
        )
    market_h = (share_h * market_hourly_by_workload.sel(workload=workload_of)).sum("time")
    share_period = _share(energy_t.sum("time"), total_kwh.sum("time").sel(workload=workload_of))
    market_a = share_period * market_annual_by_workload.sel(workload=workload_of)
    if market_own_hourly is not None and market_own_annual is not None:
        market_h, market_a = _with_own_instruments(
            (energy_f, workload_f, workload_of),
            (market_hourly_by_workload, market_annual_by_workload),
            (market_own_hourly, market_own_annual),
        )
    totals = {
        "it_energy": it_kwh.sum().data,
        "energy": total_kwh.sum().data,
        "location": location_by_workload.pint.to("kg CO2e").sum().data,
        "market_annual": market_annual_by_workload.pint.to("kg CO2e").sum().data,
        "market_hourly": market_hourly_by_workload.pint.to("kg CO2e").sum().data,
    }
    drop = ["workload"]
    return TenantSplit(
        it_energy=tenant_it.pint.to("kWh").sum("time"),
        energy=energy_t.sum("time").drop_vars(drop, errors="ignore"),
        location=location.pint.to("kg CO2e").drop_vars(drop, errors="ignore"),
        market_annual=market_a.pint.to("kg CO2e").drop_vars(drop, errors="ignore"),
        market_hourly=market_h.pint.to("kg CO2e").drop_vars(drop, errors="ignore"),
        site_totals=totals,
    )


def _with_own_instruments(
    energy: tuple[xr.DataArray, xr.DataArray, xr.DataArray],
    by_workload: tuple[xr.DataArray, xr.DataArray],
    own: tuple[xr.DataArray, xr.DataArray],
) -> tuple[xr.DataArray, xr.DataArray]:
    """Tenants' market-based emissions (hourly, annual matching) [kg CO2e] when some tenants
    hold instruments: those carry their own figures, every other party of the workload its
    energy share of what remains (``MB_w − Σ own``, over ``E_w − Σ E_own``)."""
    energy_f, workload_f, workload_of = energy
    tenants = [str(t) for t in energy_f["tenant"].values]
    kg = "kg CO2e"
    mb_h, mb_a = (x.pint.to(kg).pint.dequantify() for x in by_workload)
    own_h, own_a = (x.pint.to(kg).pint.dequantify().reindex(tenant=tenants) for x in own)
    has = own_a.notnull()
    own_h, own_a = own_h.fillna(0.0), own_a.fillna(0.0)
    e_t = energy_f.pint.to("kWh").pint.dequantify()
    e_w = workload_f.pint.to("kWh").pint.dequantify()
    onehot = (workload_of == mb_h["workload"]).astype(float)  # (tenant, workload)
    rest_mb_h = mb_h - (own_h * onehot).sum("tenant")
    rest_e_h = e_w - (e_t.where(has, 0.0) * onehot).sum("tenant")
    rest_mb_a = mb_a - (own_a * onehot).sum("tenant")
    rest_e_a = e_w.sum("time") - (e_t.sum("time").where(has, 0.0) * onehot).sum("tenant")

    def share(part: xr.DataArray, whole: xr.DataArray) -> xr.DataArray:
        return xr.where(whole > 0, part / whole.where(whole > 0, 1.0), 0.0)

    shared_h = (
        share(e_t, rest_e_h.sel(workload=workload_of)) * rest_mb_h.sel(workload=workload_of)
    ).sum("time")
    shared_a = share(e_t.sum("time"), rest_e_a.sel(workload=workload_of)) * rest_mb_a.sel(
        workload=workload_of
    )
    market_h = xr.where(has, own_h.sum("time"), shared_h).drop_vars("workload", errors="ignore")
    market_a = xr.where(has, own_a, shared_a).drop_vars("workload", errors="ignore")
    return (
        market_h.pint.quantify(kg, unit_registry=ureg),
        market_a.pint.quantify(kg, unit_registry=ureg),
    )


def _meters_in_period(outcome: PeriodOutcome) -> tuple[dict[str, list[str]], list[str]]:
    """Meters per tenant, and IT meters with an untenanted span, within the period."""
    start, end = outcome.period.start_utc, outcome.period.end_utc
    by_tenant: dict[str, list[str]] = {t: [] for t in outcome.site.tenants}
    untenanted: list[str] = []
    for meter in outcome.site.meters_with_role("it"):
        for span_start, span_end, tenant in meter.tenant_spans():
            lo = pd.Timestamp(span_start) if span_start is not None else None
            hi = pd.Timestamp(span_end) if span_end is not None else None
            if (hi is not None and hi <= start) or (lo is not None and lo >= end):
                continue
            names = untenanted if tenant is None else by_tenant[tenant]
            if meter.id not in names:
                names.append(meter.id)
    return by_tenant, untenanted


def _kg(q: Any) -> float:
    return float(q.to("kg CO2e").magnitude)


def _kwh(q: Any) -> float:
    return float(q.to("kWh").magnitude)


def tenants_block(outcome: PeriodOutcome) -> dict[str, Any]:
    """The ``tenants`` block of results.json (plain numbers, the unit in every key)."""
    site = outcome.site
    factor_resolution = outcome.factor_step
    market = outcome.scopes.market
    split = split_by_tenant(
        tenant_it=tenant_it_energy(site, counted_energy(outcome.energy, site), outcome.interval),
        tenant_workload=site.tenants,
        it_by_workload=outcome.attribution.it,
        energy_by_workload=outcome.attribution.total,
        interval=outcome.interval,
        factor_resolution=factor_resolution,
        location_by_workload=outcome.hourly_emissions,
        market_hourly_by_workload=market.hourly.reindex(workload=outcome.hourly_emissions.workload),
        market_annual_by_workload=market.annual.reindex(workload=outcome.hourly_emissions.workload),
        market_own_hourly=market.tenant_hourly,
        market_own_annual=market.tenant_annual,
    )
    meters, untenanted = _meters_in_period(outcome)
    by_tenant: dict[str, dict[str, Any]] = {}
    for tenant, workload in site.tenants.items():
        by_tenant[tenant] = {
            "workload": workload,
            "meters": meters[tenant],
            "it_energy_kwh": _kwh(split.it_energy.sel(tenant=tenant).data),
            "energy_kwh": _kwh(split.energy.sel(tenant=tenant).data),
            "scope2_location_kgco2e": _kg(split.location.sel(tenant=tenant).data),
            "scope2_market_kgco2e": _kg(split.market_annual.sel(tenant=tenant).data),
            "scope2_market_hourly_matching_kgco2e": _kg(
                split.market_hourly.sel(tenant=tenant).data
            ),
        }
        if tenant in market.tenant_instruments:  # absent for tenants without instruments
            by_tenant[tenant]["instruments"] = list(market.tenant_instruments[tenant])
    rest = split.not_tenanted()
    return {
        "method": METHOD + (OWN_INSTRUMENTS if market.tenant_instruments else ""),
        "by_tenant": by_tenant,
        "not_tenanted": {
            "meters": untenanted,
            "it_energy_kwh": _kwh(rest["it_energy"]),
            "energy_kwh": _kwh(rest["energy"]),
            "scope2_location_kgco2e": _kg(rest["location"]),
            "scope2_market_kgco2e": _kg(rest["market_annual"]),
            "scope2_market_hourly_matching_kgco2e": _kg(rest["market_hourly"]),
        },
    }
