"""The operating-disclosure blocks of results.json for one period (thin orchestration).

Picks each block's inputs from the period's outcome and the site file and calls
the pure functions of :mod:`carbon.analysis.capacity`, :mod:`carbon.analysis.hashrate`,
:mod:`carbon.analysis.production`, :mod:`carbon.analysis.clean_shares`,
:mod:`carbon.analysis.demand_response`, :mod:`carbon.analysis.cost_bridge` and
:mod:`carbon.analysis.water`.
Keys: ``capacity``, ``hashrate``, ``production``, ``clean_energy_shares``,
``demand_response``, ``energy_cost``, ``water`` (docs/results-json.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis import capacity as cap
from carbon.analysis import clean_shares as cs
from carbon.analysis.cost_bridge import cost_bridge_from_config
from carbon.analysis.curtailment import curtailment
from carbon.analysis.demand_response import DR_LABEL, demand_response_rows
from carbon.analysis.hashrate import hashrate_block
from carbon.analysis.headline import months_in, renewable_energy
from carbon.analysis.production import production_block
from carbon.analysis.water import water_block
from carbon.core.errors import CarbonError
from carbon.core.units import Q_
from carbon.site.instruments import CARBON_FREE_TECHNOLOGIES

if TYPE_CHECKING:  # pragma: no cover
    import pint

__all__ = ["operating_blocks"]

_MEASURES = (
    "interconnect_approved",
    "gross_energised",
    "mining",
    "critical_it_contracted",
    "critical_it_energised",
    "critical_it_billable",
)


def _metered(series: xr.DataArray) -> tuple[pint.Quantity, int]:
    """Σ metered energy [MWh] (gaps stay gaps: skipped, counted) and the gap count."""
    values = np.asarray(series.pint.to("kWh").pint.magnitude, dtype=float)
    return Q_(float(np.nansum(values)), "kWh").to("MWh"), int(np.isnan(values).sum())


def capacity_block(outcome: PeriodOutcome) -> dict[str, Any]:
    """The ``capacity`` block: capacity in effect at the month's end, its use, the pipeline."""
    site = outcome.site
    month_end = (outcome.period.end - pd.Timedelta(days=1)).date()
    in_effect = cap.capacity_at(site.capacity, month_end)
    energy, gaps = _metered(outcome.attribution.revenue)
    hours = Q_(outcome.period.hours, "h")
    average = cap.average_power(energy, hours)
    energised = in_effect.get("gross_energised")
    chosen = cap.records_in_effect(site.capacity, month_end)
    records = [
        {
            "measure": m,
            "value_mw": float(in_effect[m].magnitude),
            "effective_from": chosen[m].effective_from.isoformat(),
            "effective_to": None
            if chosen[m].effective_to is None
            else chosen[m].effective_to.isoformat(),
            "status": chosen[m].status,
            "source": chosen[m].source,
        }
        for m in _MEASURES
        if m in chosen
    ]
    return {
        "month_end": {
            "date": month_end.isoformat(),
            **{
                f"{m}_mw": (float(in_effect[m].magnitude) if m in in_effect else None)
                for m in _MEASURES
            },
            "records": records,
        },
        "metered_energy_mwh": float(energy.magnitude),
        "metered_intervals_without_data": gaps,
        "hours": float(hours.magnitude),
        "average_mw": float(average.magnitude),
        "load_factor": None
        if energised is None or float(energised.magnitude) <= 0
        else float(cap.load_factor(average, energised).magnitude),
        "definitions": {k: v for k, v in cap.CAPACITY_DEFINITIONS.items()},
        "pipeline": cap.pipeline_rows(site.capacity_pipeline, month_end),
        "pipeline_label": "contracted pipeline: future capacity with expected dates; not actuals, "
        "never used as energy",
    }


def _share(value: pint.Quantity | None, key: str, reason: str | None = None, **extra: Any):
    return {
        "value": None if value is None else float(value.to("dimensionless").magnitude),
        "label": cs.SHARE_LABELS[key],
        "definition": cs.SHARE_DEFINITIONS[key],
        **({"not_computed": reason} if value is None else {}),
        **extra,
    }


def clean_shares_block(outcome: PeriodOutcome) -> dict[str, Any]:
    """The ``clean_energy_shares`` block: grid carbon-free, certificate renewable and hourly
    matched carbon-free shares of the period, kept apart."""
    label = outcome.period.label
    load_h = outcome.hourly_energy.sum("workload")
    row = next((r for r in outcome.site.grid_carbon_free if r.period == label), None)
    if row is None:
        grid = _share(None, "grid_carbon_free_location", f"no [[grid_carbon_free]] row for {label}")
    else:
        c_h = xr.DataArray(
            np.full(load_h.sizes["time"], row.share), coords={"time": load_h["time"]}
        )
        grid = _share(
            cs.grid_carbon_free_share(load_h, c_h.pint.quantify("dimensionless")),
            "grid_carbon_free_location",
            source=f"{row.source} (monthly share, applied to every hour of {label})",
        )
    retired, _tariff, _ = renewable_energy(outcome)
    consumption, _ = _metered(outcome.attribution.revenue)
    cert = _share(
        cs.certificate_renewable_share(retired, consumption),
        "certificate_renewable_annual",
        certificate_mwh=float(retired.to("MWh").magnitude),
        consumption_mwh=float(consumption.magnitude),
    )
    market = outcome.scopes.market
    free = [
        o.instrument_id
        for o in market.register
        if o.technology in CARBON_FREE_TECHNOLOGIES
        and o.instrument_id in [str(i) for i in market.generation_hourly["instrument"].values]
    ]
    gen = market.generation_hourly.sel(instrument=free).sum(("instrument", "workload"))
    hourly = _share(cs.hourly_matched_share(market.load.sum("workload"), gen), "hourly_matched_cfe")
    return {
        "grid_carbon_free_location": grid,
        "certificate_renewable_annual": cert,
        "hourly_matched_cfe": hourly,
        "note": "three shares from three different inputs; never added, averaged or merged",
    }


def _mining_it(outcome: PeriodOutcome) -> xr.DataArray | None:
    it = outcome.attribution.it
    if "mining" not in [str(w) for w in it["workload"].values]:
        return None
    return it.sel(workload="mining")


def _demand_response(outcome: PeriodOutcome) -> dict[str, Any]:
    mining = _mining_it(outcome)
    if mining is None:
        return {"label": DR_LABEL, "events": [], "totals": None, "metered_curtailment": None}
    rows, totals = demand_response_rows(
        list(outcome.site.demand_response),
        mining,
        outcome.interval,
        outcome.period.start,
        outcome.period.end,
    )
    return {
        "label": DR_LABEL,
        "baseline_definition": "each event's stated baseline power (site file); curtailed MWh = "
        "Σ max(0, baseline × Δt − metered mining IT energy) over the event's intervals",
        "events": rows,
        "totals": totals,
        "metered_curtailment": curtailment(mining, outcome.interval),
    }


def _energy_cost(outcome: PeriodOutcome) -> dict[str, Any]:
    label = outcome.period.label
    row = next((r for r in outcome.site.energy_cost if r.period == label), None)
    base = {
        "label": "energy cost bridge: money, never a proxy for energy; per MWh divides by metered "
        "site energy; no currency conversion",
    }
    if row is None:
        return {**base, "currency": None, "not_computed": f"no [[energy_cost]] row for {label}"}
    energy, _ = _metered(outcome.attribution.revenue)
    metrics = outcome.sector
    act = None if metrics is None else metrics.activity
    btc = None if act is None else act.btc_mined_self
    split = outcome.attribution
    self_energy = None
    if btc and "mining" in [str(w) for w in split.total["workload"].values]:
        mining, _ = _metered(split.total.sel(workload="mining"))
        share = metrics.self_mining_share if metrics.self_mining_share is not None else 1.0
        self_energy = mining * share
    bridge = cost_bridge_from_config(row, energy, self_energy, btc)
    currency = str(bridge["gross"].units)
    out: dict[str, Any] = {
        **base,
        "currency": currency,
        "metered_energy_mwh": float(energy.magnitude),
    }
    for key in ("gross", "credits", "hedges", "certificates", "net"):
        out[key] = float(bridge[key].magnitude)
        out[f"{key}_per_mwh"] = float(bridge[f"{key}_per_mwh"].magnitude)
    out["net_per_btc"] = float(bridge["net_per_btc"].magnitude) if "net_per_btc" in bridge else None
    out["self_mining_energy_share"] = (
        float(bridge["self_mining_share"].magnitude) if "self_mining_share" in bridge else None
    )
    out["definitions"] = {
        "net": "gross − demand-response credits + hedge settlements (paid +, received −) "
        "+ certificate spend",
        "per_mwh": "÷ metered site energy (revenue meter) of the period",
        "net_per_btc": "net × self-mining share of metered site energy ÷ BTC mined (self)",
    }
    out["source"] = row.source
    return out


def operating_blocks(outcome: PeriodOutcome) -> dict[str, Any]:
    """The operating-disclosure keys of results.json."""
    try:
        return {
            "capacity": capacity_block(outcome),
            "hashrate": hashrate_block(outcome.sector),
            "production": production_block(outcome),
            "clean_energy_shares": clean_shares_block(outcome),
            "demand_response": _demand_response(outcome),
            "energy_cost": _energy_cost(outcome),
            "water": water_block(
                outcome.site.water_for(outcome.period.label),
                outcome.attribution.it,
                list(outcome.site.cooling),
                months=months_in(outcome),
            ),
        }
    except CarbonError as exc:
        raise type(exc)(f"{outcome.site.site.id} {outcome.period.label}: {exc}") from None
