"""Scope 1, market-based Scope 2 and Scope 3.3 for one period: wiring only.

The rules live in :mod:`carbon.accounting.market` and :mod:`carbon.accounting.claims` (Scope 2
market-based, docs/methodology.md §1.3, §1.4, §2), :mod:`carbon.accounting.scope1` (1.5) and
:mod:`carbon.accounting.scope3` (1.6). This module feeds them the period's hourly load per
workload, the site's instruments and fuel records, and one GWP set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import xarray as xr

from carbon.accounting.claims import ClaimContext
from carbon.accounting.fuel_records import fuel_record_from_dict
from carbon.accounting.grid_cfe import CfeChain
from carbon.accounting.gwp_sets import GwpSetFigures, figures_by_gwp_set, gwp_sets_for
from carbon.accounting.market import market_based
from carbon.accounting.market_result import MarketBasedResult
from carbon.accounting.scope1 import Scope1Result, scope1_emissions
from carbon.accounting.scope2_editions import EditionResult, market_by_edition
from carbon.accounting.scope3 import TDLosses, td_losses_egrid
from carbon.accounting.serials import SerialUse
from carbon.core.errors import FactorNotFoundError
from carbon.factors.egrid import latest_egrid_for_year
from carbon.site.standard_supply import StandardSupply


@dataclass(frozen=True)
class PeriodAccounting:
    """The scopes beyond location-based Scope 2 for one period."""

    gwp_set: str
    market: MarketBasedResult
    scope1: Scope1Result
    td_losses: TDLosses | None  # None where no grid-loss factor exists for the region
    context: ClaimContext
    td_unavailable: str | None = None  # why 3.3(c) is not computed, when it is not
    grid_cfe: CfeChain | None = None  # the grid's carbon-free share per hour and its source
    #: market-based Scope 2 under each edition of the rules (carbon.accounting.editions)
    editions: Mapping[str, EditionResult] | None = None
    #: the set-dependent figures under the report's set and AR6/AR5 (accounting.gwp_sets)
    by_gwp_set: Mapping[str, GwpSetFigures] = field(default_factory=dict)


def account_period(
    *,
    hourly_load: xr.DataArray,
    location_intensity: xr.DataArray,
    instruments: Sequence[Any],
    fuel_records: Sequence[dict[str, Any]],
    site_id: str,
    reporter: str,
    market_boundary: str,
    grid_region: str,
    year: int,
    gwp_set: str,
    prior_uses: Sequence[SerialUse] = (),
    fuel_source: str = "site file [[fuel]]",
    grid_cfe: CfeChain | None = None,
    residual_mix: xr.DataArray | None = None,
    us_site: bool = True,
    tenant_load: xr.DataArray | None = None,
    standard_supply: Sequence[StandardSupply] = (),
    timezone: str = "UTC",
    estimated_kwh: float = 0.0,
) -> PeriodAccounting:
    """Market-based Scope 2, Scope 1 and T&D losses of one period.

    Parameters
    ----------
    hourly_load
        Grid electricity per workload and hour ``L(workload, time)`` [kWh].
    location_intensity
        The location-based hourly rate [g CO2e/kWh]; used for hours without a
        residual mix only, and flagged so.
    instruments
        Contractual instruments (:mod:`carbon.site.instruments` records).
    fuel_records
        On-site fuel records as mappings (validated here, errors name the key).
    grid_cfe
        The grid's carbon-free share per hour with its sources
        (:func:`carbon.accounting.grid_cfe.chain_cfe`); Google CFE% is computed only when
        it covers every hour.
    residual_mix
        The residual mix [CO2e/energy] per hour from the site's declared table (NaN where
        the table has no row: those hours take the grid average, flagged).
    us_site
        False for a site outside the US: no eGRID grid-loss factor is looked up for 3.3(c).
    tenant_load
        ``T(tenant, time)`` [kWh], the tenants' load, where instruments are designated to
        tenants (:mod:`carbon.accounting.tenant_instruments`).
    standard_supply
        The site's ``[[standard_supply]]`` rows (local dates in `timezone`), claimed under
        the editions with a standard supply rule (:mod:`carbon.accounting.scope2_editions`).
    estimated_kwh
        Imputed revenue-meter energy of the period, disclosed with the load tier.
    """
    context = ClaimContext(reporter=reporter, site_id=site_id, market_boundary=market_boundary)
    market = market_based(
        hourly_load,
        list(instruments),
        context,
        grid_average=location_intensity,
        grid_cfe_share=None if grid_cfe is None else grid_cfe.usable_share(),
        residual_table=residual_mix,
        prior_uses=prior_uses,
        tenant_load=tenant_load,
    )
    editions = market_by_edition(
        market,
        list(instruments),
        location_rate=location_intensity,
        grid_cfe_share=None if grid_cfe is None else grid_cfe.share,
        standard_supply=standard_supply,
        timezone=timezone,
        estimated_kwh=estimated_kwh,
    )
    records = [
        fuel_record_from_dict(data, source=f"{fuel_source}[{i}]")
        for i, data in enumerate(fuel_records)
    ]
    scope1 = scope1_emissions(records, gwp_set=gwp_set)
    purchased = hourly_load.sum().pint.to("kWh")
    dataset_id, _ = latest_egrid_for_year(year)
    if us_site:
        td, why = td_losses_or_reason(purchased, grid_region, dataset_id, gwp_set)
    else:
        td = None
        why = (
            f"not available: no grid gross loss factor for region {grid_region!r} is shipped "
            "or declared; Scope 3 cat. 3(c) is not computed"
        )
    by_set = figures_by_gwp_set(records, purchased, grid_region, dataset_id, gwp_sets_for(gwp_set))
    return PeriodAccounting(
        gwp_set=gwp_set,
        market=market,
        scope1=scope1,
        td_losses=td,
        context=context,
        td_unavailable=why,
        grid_cfe=grid_cfe,
        editions=editions,
        by_gwp_set=by_set,
    )


def td_losses_or_reason(
    purchased: Any, grid_region: str, dataset_id: str, gwp_set: str
) -> tuple[TDLosses | None, str | None]:
    """Scope 3.3(c) where eGRID has a grid gross loss for the region; else None and why.

    A region unknown to eGRID (a site outside the US, with an hourly source only)
    has no grid-loss factor shipped: 3.3(c) is reported as not available with the
    reason, never computed from a guessed loss rate.
    """
    try:
        return td_losses_egrid(purchased, grid_region, dataset_id, gwp_set=gwp_set), None
    except FactorNotFoundError as exc:
        return None, (
            f"not available: no grid gross loss factor for region {grid_region!r} in "
            f"{dataset_id} ({exc}); Scope 3 cat. 3(c) is not computed"
        )
