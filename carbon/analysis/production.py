"""BTC produced (self vs hosted) and per-BTC / per-PH/s-day intensities
(docs/disclosure-items.md item 7).

Most figures are :func:`carbon.analysis.activity.sector_metrics` (self-mining MWh/BTC,
t CO2e/BTC and kg CO2e per PH/s-day on both bases); this module adds the hosted
clients' MWh/BTC (the mining energy not attributed to self-mining, ÷ BTC mined
for hosted clients) and the energy per PH/s-day, and lays them out under one
``production`` key with their definitions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis import sector
from carbon.analysis.metric import Metric
from carbon.core.errors import InputDataError
from carbon.core.totals import total_of

__all__ = ["energy_per_ph_day", "production_block"]

_FROM_SECTOR = {
    "energy_per_btc_self_mwh": ("energy_per_btc_mwh", "MWh/BTC"),
    "emissions_per_btc_self_location_tco2e": ("emissions_per_btc_location_tco2e", "t CO2e/BTC"),
    "emissions_per_btc_self_market_tco2e": ("emissions_per_btc_market_tco2e", "t CO2e/BTC"),
    "emissions_per_ph_day_location_kgco2e": (
        "emissions_per_ph_day_location_kgco2e",
        "kg CO2e/(PH/s·day)",
    ),
    "emissions_per_ph_day_market_kgco2e": (
        "emissions_per_ph_day_market_kgco2e",
        "kg CO2e/(PH/s·day)",
    ),
}


def energy_per_ph_day(energy: Any, average_hashrate: Any, duration: Any) -> Metric:
    """Energy per unit of hashing work [kWh per PH/s-day] (all mining, incl. overhead)."""
    total = total_of(energy, "kWh", "mining energy")
    rate = sector._scalar(average_hashrate, "PH/s", "average hashrate")
    if float(rate.magnitude) <= 0:
        raise InputDataError("average hashrate must be positive")
    work = rate * sector._duration(duration).to("day")
    return Metric(
        name="kWh/PH-day",
        value=(total / work).to("kWh / (PH/s) / day"),
        label="energy per PH/s-day [kWh/(PH/s·day)]",
        standard="docs/methodology.md §8",
    )


def production_block(outcome: PeriodOutcome) -> dict[str, Any]:
    """The ``production`` block of results.json (plain numbers; unit beside each value)."""
    metrics = outcome.sector
    act = None if metrics is None else metrics.activity
    out: dict[str, Any] = {
        "btc_mined_self": None if act is None else act.btc_mined_self,
        "btc_mined_hosted": None if act is None else act.btc_mined_hosted,
        "figures": {},
        "not_computed": {},
    }
    figures, missing = out["figures"], out["not_computed"]
    for key, (source, unit) in _FROM_SECTOR.items():
        f = None if metrics is None else metrics.figure(source)
        if f is None:
            reason = (metrics.not_computed.get(source) if metrics else None) or "no activity data"
            missing[key] = reason
        else:
            figures[key] = {"value": f.value, "unit": unit, "definition": f.label}
    if act is None:
        return out
    split = outcome.attribution
    workloads = [str(w) for w in split.total["workload"].values]
    if "mining" not in workloads:
        missing["energy_per_btc_hosted_mwh"] = "no mining workload"
        missing["energy_per_ph_day_kwh"] = "no mining workload"
        return out
    mining_total = total_of(split.total.sel(workload="mining"), "kWh", "mining energy")
    share = metrics.self_mining_share if metrics.self_mining_share is not None else 1.0
    if act.btc_mined_hosted and share < 1.0:
        m = sector.energy_per_btc(mining_total * (1.0 - share), act.btc_mined_hosted)
        figures["energy_per_btc_hosted_mwh"] = {
            "value": float(m.value.to("MWh").magnitude),
            "unit": "MWh/BTC",
            "definition": "energy per BTC mined for hosted clients: mining energy incl. allocated "
            f"overhead × hosted share {1.0 - share:.1%} (by average operating hashrate) ÷ BTC "
            "mined by hosted machines",
        }
    else:
        missing["energy_per_btc_hosted_mwh"] = "no BTC mined for hosted clients in the period"
    average = act.hashrate_average
    if average is None or float(average.magnitude) <= 0:
        missing["energy_per_ph_day_kwh"] = "no average operating hashrate"
    else:
        duration = pd.Timedelta(outcome.period.end_utc - outcome.period.start_utc)
        m = energy_per_ph_day(mining_total, average, duration)
        figures["energy_per_ph_day_kwh"] = {
            "value": float(m.value.to("kWh / (PH/s) / day").magnitude),
            "unit": "kWh/(PH/s·day)",
            "definition": "all mining energy incl. allocated overhead ÷ (average operating "
            "hashrate × days)",
        }
    return out
