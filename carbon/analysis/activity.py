"""Activity data (hashrate, BTC, GPU-hours) and the sector metrics of a period
(docs/methodology.md §8).

The site file's optional ``[[activity]]`` rows (one per month, validated in
:mod:`carbon.site.activity`) carry what the meters cannot: hashrate on three separate
definitions (installed/nameplate, energised, average operating), BTC mined by
the self-mining fleet and for hosted clients, GPU counts and GPU-hours
available and sold. This module turns a row into pint quantities and computes,
with :mod:`carbon.analysis.sector` and :mod:`carbon.analysis.kpis`, the per-unit figures miners
and AI hosts publish. Every figure names its definition: which hashrate, which
GPU-hours, which emissions basis.

Energies and emissions come from the period's outcome (attributed energy per
workload, location-based Scope 2 at the factors actually used, market-based
Scope 2 under 2015 annual matching); nothing here re-does the accounting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pint

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis import kpis, sector
from carbon.analysis.metric import Metric
from carbon.core.errors import InputDataError
from carbon.core.totals import total_of
from carbon.core.units import Q_, parse_quantity

if TYPE_CHECKING:  # pragma: no cover
    from carbon.site.activity import ActivityPeriod

__all__ = [
    "HASHRATE_DEFINITIONS",
    "Activity",
    "SectorFigure",
    "SectorMetrics",
    "activity_from_config",
    "sector_metrics",
    "sector_metrics_dict",
]

#: The three hashrate figures docs/methodology.md §8 keeps apart, as labels name them.
HASHRATE_DEFINITIONS: dict[str, str] = {
    "installed": "installed/deployed (nameplate) hashrate",
    "energised": "energised hashrate",
    "average": "average operating (realised) hashrate",
}
#: What "GPU-hours delivered" means in the per-GPU-hour figures.
GPU_HOURS_DEFINITION = "GPU-hours sold (delivered to tenants)"


@dataclass(frozen=True)
class Activity:
    """One month's activity as quantities (None = not stated)."""

    period: str
    hashrate_installed: pint.Quantity | None = None
    hashrate_energised: pint.Quantity | None = None
    hashrate_average: pint.Quantity | None = None
    hashrate_average_hosted: pint.Quantity | None = None
    btc_mined_self: float | None = None
    btc_mined_hosted: float | None = None
    network_hashrate: pint.Quantity | None = None
    network_hashrate_note: str | None = None
    mean_fees_btc_per_block: float | None = None
    gpu_count: int | None = None
    gpu_hours_available: pint.Quantity | None = None
    gpu_hours_sold: pint.Quantity | None = None
    source: str | None = None
    miners: tuple[sector.MinerModel, ...] = ()


def activity_from_config(record: ActivityPeriod) -> Activity:
    """Parse a validated ``[[activity]]`` row into quantities."""

    def q(name: str, unit: str) -> pint.Quantity | None:
        value = getattr(record, name)
        return None if value is None else parse_quantity(value, unit, name).to(unit)

    miners = tuple(
        sector.MinerModel(
            model=g.model,
            count=g.count,
            rated_power=parse_quantity(g.rated_power, "W", "rated_power").to("W"),
            rated_hashrate=parse_quantity(g.rated_hashrate, "TH/s", "rated_hashrate").to("TH/s"),
        )
        for g in record.miners
    )
    return Activity(
        period=record.period,
        hashrate_installed=q("hashrate_installed", "TH/s"),
        hashrate_energised=q("hashrate_energised", "TH/s"),
        hashrate_average=q("hashrate_average", "TH/s"),
        hashrate_average_hosted=q("hashrate_average_hosted", "TH/s"),
        btc_mined_self=record.btc_mined_self,
        btc_mined_hosted=record.btc_mined_hosted,
        network_hashrate=q("network_hashrate", "TH/s"),
        network_hashrate_note=record.network_hashrate_note,
        mean_fees_btc_per_block=record.mean_fees_btc_per_block,
        gpu_count=record.gpu_count,
        gpu_hours_available=q("gpu_hours_available", "hour"),
        gpu_hours_sold=q("gpu_hours_sold", "hour"),
        source=record.source,
        miners=miners,
    )


@dataclass(frozen=True)
class SectorFigure:
    """One sector metric as reported: the metric, its display unit and its definition."""

    key: str  # results.json key, unit in the name
    metric: Metric
    unit: str  # display unit of `value`
    label: str  # the metric's label plus the definitions it rests on
    hashrate_definition: str | None = None

    @property
    def value(self) -> float:
        return self.metric.magnitude(_PINT_UNITS.get(self.unit, self.unit))

    def as_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "unit": self.unit,
            "label": self.label,
            "hashrate_definition": self.hashrate_definition,
            "basis": self.metric.basis,
            "standard": self.metric.standard,
            "notes": list(self.metric.notes),
        }


#: Display units that are not pint expressions → the pint unit of the magnitude.
_PINT_UNITS = {
    "MWh/BTC": "MWh",
    "t CO2e/BTC": "t CO2e",
    "kWh/GPU-h": "kWh/hour",
    "g CO2e/GPU-h": "g CO2e/hour",
    "kg CO2e/(PH/s·day)": "kg CO2e / (PH/s) / day",
    "BTC/day": "1/day",
    "fraction": "dimensionless",
}


@dataclass(frozen=True)
class SectorMetrics:
    """The sector metrics of one period and the activity they rest on."""

    period: str
    activity: Activity | None
    figures: tuple[SectorFigure, ...] = ()
    not_computed: dict[str, str] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()
    self_mining_share: float | None = None

    def figure(self, key: str) -> SectorFigure | None:
        return next((f for f in self.figures if f.key == key), None)


def _eh(q: pint.Quantity | None) -> str:
    return "–" if q is None else f"{float(q.to('EH/s').magnitude):g} EH/s"


def _kwh(x: Any) -> pint.Quantity:
    return total_of(x, "kWh", "energy")


def _workload(data: Any, workload: str) -> Any:
    if workload not in [str(w) for w in data["workload"].values]:
        return None
    return data.sel(workload=workload).sum("time")


def _positive_energy(x: Any) -> bool:
    return x is not None and float(_kwh(x).magnitude) > 0


@dataclass
class _Collected:
    """The figures of a period in the order they are computed, those not computed (key →
    why), and the assumptions they rest on."""

    figures: list[SectorFigure] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)

    def add(self, key: str, metric: Metric, unit: str, text: str, hashrate: str | None) -> None:
        self.figures.append(
            SectorFigure(
                key=key, metric=metric, unit=unit, label=text, hashrate_definition=hashrate
            )
        )


def sector_metrics(outcome: PeriodOutcome) -> SectorMetrics:
    """The docs/methodology.md §8 figures of `outcome`'s period from the site's ``[[activity]]``
    row."""
    label = outcome.period.label
    record = outcome.site.activity_for(label)
    if record is None:
        return SectorMetrics(
            period=label,
            activity=None,
            not_computed={"all": f"the site file has no [[activity]] record for {label}"},
        )
    act = activity_from_config(record)
    duration = pd.Timedelta(outcome.period.end_utc - outcome.period.start_utc)
    out = _Collected()
    if act.network_hashrate_note:
        out.assumptions.append(
            f"network hashrate {_eh(act.network_hashrate)}: {act.network_hashrate_note}"
        )
    if act.source:
        out.assumptions.append(f"activity data: {act.source}")
    _fleet_efficiency(out, act, outcome.attribution, duration, outcome.hashes)
    _expected_production(out, act)
    share, share_text = _self_mining_share(out, act, label)
    _mining_intensities(out, act, outcome, duration, share, share_text)
    _ai_hosting(out, act, outcome)
    return SectorMetrics(
        period=label,
        activity=act,
        figures=tuple(out.figures),
        not_computed=out.missing,
        assumptions=tuple(out.assumptions),
        self_mining_share=share,
    )


def telemetry_hashrate(hashes: Any, duration: pd.Timedelta) -> tuple[Any, str] | None:
    """The average hashrate the miner telemetry computed over the period, ``Σ hashes / Δt``
    [TH/s], and the words naming it; None without miner telemetry or hashes."""
    if hashes is None or hashes.sizes.get("meter", 0) == 0:
        return None
    values = np.asarray(hashes.pint.to("TH").pint.magnitude, dtype=float)
    total = float(np.nansum(values))
    if total <= 0:
        return None
    covered = float(np.count_nonzero(~np.isnan(values))) / values.size
    ids = [str(m) for m in hashes["meter"].values]
    rate = Q_(total / duration.total_seconds(), "TH/s")
    words = (
        f"hashes computed from miner telemetry ({len(ids)} miner meter(s): "
        f"{', '.join(ids)}; {covered:.1%} of their intervals covered), "
        f"{total / 1e6:,.3f} EH over the period"
    )
    return rate, words


def _fleet_efficiency(
    out: _Collected, act: Activity, split: Any, duration: pd.Timedelta, hashes: Any = None
) -> None:
    """Fleet efficiency [J/TH]: nameplate, realised (mining IT energy) and at the facility
    (times the mining PUE of the period, one month). The realised figure divides by the
    hashes the miner telemetry computed where the site reads miners from it, else by the
    declared average operating hashrate."""
    installed = HASHRATE_DEFINITIONS["installed"]
    average = HASHRATE_DEFINITIONS["average"]
    months = 1
    telemetry = telemetry_hashrate(hashes, duration)
    hashrate_average = act.hashrate_average
    if telemetry is not None:
        hashrate_average, average = telemetry
    if act.miners:
        m = sector.nameplate_efficiency(act.miners)
        out.add(
            "fleet_efficiency_nameplate_j_per_th",
            m,
            "J/TH",
            f"{m.label}; hashrate: {installed} of the miner groups listed",
            installed,
        )
    else:
        out.missing["fleet_efficiency_nameplate_j_per_th"] = "no miner groups ([[activity.miners]])"
    mining_it = _workload(split.it, "mining")
    mining_total = _workload(split.total, "mining")
    if hashrate_average is None or float(hashrate_average.magnitude) <= 0:
        reason = "no average operating hashrate (hashrate_average)"
        for key in ("realised", "facility"):
            out.missing[f"fleet_efficiency_{key}_j_per_th"] = reason
        out.missing["emissions_per_ph_day_location_kgco2e"] = reason
        out.missing["emissions_per_ph_day_market_kgco2e"] = reason
    elif not _positive_energy(mining_it):
        reason = "no mining IT energy in the period"
        for key in ("realised", "facility"):
            out.missing[f"fleet_efficiency_{key}_j_per_th"] = reason
    else:
        realised = sector.realised_efficiency(mining_it, hashrate_average, duration)
        out.add(
            "fleet_efficiency_realised_j_per_th",
            realised,
            "J/TH",
            f"{realised.label}; E = mining IT (hall feeder) energy; hashrate: {average}",
            average,
        )
        try:
            mining_pue = kpis.pue(
                mining_total, mining_it, it_metered_at="ups_output", months=months
            )
        except InputDataError as exc:  # e.g. a negative residual pushes the PUE below 1
            out.missing["fleet_efficiency_facility_j_per_th"] = f"no usable mining PUE: {exc}"
        else:
            facility = sector.facility_efficiency(realised, mining_pue)
            out.add(
                "fleet_efficiency_facility_j_per_th",
                facility,
                "J/TH",
                f"{facility.label}; mining PUE {mining_pue.ratio:.3f} "
                f"({mining_pue.category}{', interim' if mining_pue.interim else ''}); "
                f"hashrate: {average}",
                average,
            )


def _expected_production(out: _Collected, act: Activity) -> None:
    """Expected BTC per day of the self-mining hashrate against the network's."""
    if act.network_hashrate is None or act.hashrate_average is None:
        return
    average = HASHRATE_DEFINITIONS["average"]
    own = act.hashrate_average - (act.hashrate_average_hosted or Q_(0.0, "TH/s"))
    try:
        expected = sector.expected_btc_per_day(
            own, act.network_hashrate, mean_fees_per_block_btc=act.mean_fees_btc_per_block or 0
        )
    except InputDataError as exc:
        out.missing["expected_btc_per_day"] = str(exc)
    else:
        out.add(
            "expected_btc_per_day",
            expected,
            "BTC/day",
            f"{expected.label}; hashrate: {average}, self-mining part; network "
            f"{_eh(act.network_hashrate)}",
            average,
        )


def _self_mining_share(out: _Collected, act: Activity, label: str) -> tuple[float, str]:
    """Self-mining share of the mining workload's energy and emissions, and its wording."""
    average = HASHRATE_DEFINITIONS["average"]
    hosted = act.hashrate_average_hosted
    share = 1.0
    share_text = "all mining at the site is self-mining"
    if hosted is not None and float(hosted.magnitude) > 0:
        if act.hashrate_average is None:
            raise InputDataError(
                f"activity {label}: hashrate_average_hosted needs hashrate_average to split the "
                "mining energy between self-mining and hosted clients"
            )
        share = float((1 - hosted / act.hashrate_average).to("dimensionless").magnitude)
        share_text = (
            f"self-mining share {share:.1%} of the mining workload, by {average} "
            "(self ÷ self + hosted)"
        )
        out.assumptions.append(f"mining energy and emissions split by hashrate: {share_text}")
    return share, share_text


def _mining_intensities(
    out: _Collected,
    act: Activity,
    outcome: PeriodOutcome,
    duration: pd.Timedelta,
    share: float,
    share_text: str,
) -> None:
    """Energy and emissions per BTC (self-mining part) and emissions per PH/s and day."""
    average = HASHRATE_DEFINITIONS["average"]
    mining_total = _workload(outcome.attribution.total, "mining")
    mining_lb = _workload(outcome.hourly_emissions, "mining")
    market = outcome.scopes.market.annual
    mining_mb = market.sel(workload="mining") if "mining" in market["workload"].values else None

    btc = act.btc_mined_self
    if not btc:
        for key in (
            "energy_per_btc_mwh",
            "emissions_per_btc_location_tco2e",
            "emissions_per_btc_market_tco2e",
        ):
            out.missing[key] = "no BTC mined by the self-mining fleet (btc_mined_self)"
    elif not _positive_energy(mining_total):
        out.missing["energy_per_btc_mwh"] = "no mining energy in the period"
    else:
        m = sector.energy_per_btc(_kwh(mining_total) * share, btc)
        out.add(
            "energy_per_btc_mwh",
            m,
            "MWh/BTC",
            f"{m.label}; {share_text}; no hashrate input"
            if share == 1.0
            else f"{m.label}; {share_text}",
            None if share == 1.0 else average,
        )
        for basis, total, key in (
            ("location-based", mining_lb, "emissions_per_btc_location_tco2e"),
            ("market-based", mining_mb, "emissions_per_btc_market_tco2e"),
        ):
            e = total_of(total, "kg CO2e", f"{basis} mining emissions") * share
            m = sector.emissions_per_btc(e, btc, basis=basis)  # type: ignore[arg-type]
            hashrate = None if share == 1.0 else average
            out.add(key, m, "t CO2e/BTC", f"{m.label}; {share_text}", hashrate)
    if act.hashrate_average is not None and float(act.hashrate_average.magnitude) > 0:
        for basis, total, key in (
            ("location-based", mining_lb, "emissions_per_ph_day_location_kgco2e"),
            ("market-based", mining_mb, "emissions_per_ph_day_market_kgco2e"),
        ):
            m = sector.emissions_per_ph_day(
                total,
                act.hashrate_average,
                duration,
                basis=basis,  # type: ignore[arg-type]
            )
            out.add(
                key,
                m,
                "kg CO2e/(PH/s·day)",
                f"{m.label}; all mining emissions (self + hosted) per {average} × days",
                average,
            )


def _ai_hosting(out: _Collected, act: Activity, outcome: PeriodOutcome) -> None:
    """Energy and emissions per GPU-hour sold, and GPU utilisation."""
    split = outcome.attribution
    market = outcome.scopes.market.annual
    available = act.gpu_hours_available
    if available is None and act.gpu_count:
        available = Q_(act.gpu_count * outcome.period.hours, "hour")
        out.assumptions.append(
            f"GPU-hours available = {act.gpu_count} GPUs × {outcome.period.hours:g} h "
            "(no gpu_hours_available stated)"
        )
    sold = act.gpu_hours_sold
    ai_keys = (
        "energy_per_gpu_hour_it_kwh",
        "energy_per_gpu_hour_facility_kwh",
        "emissions_per_gpu_hour_location_gco2e",
        "emissions_per_gpu_hour_market_gco2e",
    )
    if sold is None or float(sold.magnitude) <= 0:
        for key in ai_keys:
            out.missing[key] = "no GPU-hours sold (gpu_hours_sold)"
    else:
        ai_it, ai_total = _workload(split.it, "ai"), _workload(split.total, "ai")
        ai_lb = _workload(outcome.hourly_emissions, "ai")
        ai_mb = market.sel(workload="ai") if "ai" in market["workload"].values else None
        gpu = GPU_HOURS_DEFINITION
        for level, energy, key in (
            ("IT", ai_it, "energy_per_gpu_hour_it_kwh"),
            ("facility", ai_total, "energy_per_gpu_hour_facility_kwh"),
        ):
            m = sector.energy_per_gpu_hour(energy, sold, level=level)  # type: ignore[arg-type]
            what = "AI IT (hall feeder) energy" if level == "IT" else "AI energy incl. overhead"
            out.add(key, m, "kWh/GPU-h", f"{m.label}; {what}; per {gpu}", None)
        for basis, total, key in (
            ("location-based", ai_lb, "emissions_per_gpu_hour_location_gco2e"),
            ("market-based", ai_mb, "emissions_per_gpu_hour_market_gco2e"),
        ):
            m = sector.emissions_per_gpu_hour(total, sold, basis=basis)  # type: ignore[arg-type]
            out.add(key, m, "g CO2e/GPU-h", f"{m.label}; per {gpu}", None)
    if sold is not None and available is not None and float(available.magnitude) > 0:
        m = sector.utilisation(sold, available)
        out.add("gpu_utilisation", m, "fraction", m.label, None)
    else:
        out.missing["gpu_utilisation"] = "GPU-hours sold and available are both needed"


def _th(q: pint.Quantity | None) -> float | None:
    return None if q is None else float(q.to("TH/s").magnitude)


def _hours(q: pint.Quantity | None) -> float | None:
    return None if q is None else float(q.to("hour").magnitude)


def sector_metrics_dict(metrics: SectorMetrics | None, period_label: str) -> dict[str, Any]:
    """The ``sector_metrics`` block of results.json (plain numbers, unit in every key)."""
    if metrics is None:
        return {
            "period": period_label,
            "activity": None,
            "figures": {},
            "not_computed": {"all": "the site file has no [[activity]] block"},
            "assumptions": [],
            "hashrate_definitions": dict(HASHRATE_DEFINITIONS),
            "gpu_hours_definition": GPU_HOURS_DEFINITION,
        }
    act = metrics.activity
    activity = None
    if act is not None:
        activity = {
            "hashrate_installed_th_per_s": _th(act.hashrate_installed),
            "hashrate_energised_th_per_s": _th(act.hashrate_energised),
            "hashrate_average_th_per_s": _th(act.hashrate_average),
            "hashrate_average_hosted_th_per_s": _th(act.hashrate_average_hosted),
            "network_hashrate_th_per_s": _th(act.network_hashrate),
            "network_hashrate_note": act.network_hashrate_note,
            "mean_fees_btc_per_block": act.mean_fees_btc_per_block,
            "btc_mined_self": act.btc_mined_self,
            "btc_mined_hosted": act.btc_mined_hosted,
            "gpu_count": act.gpu_count,
            "gpu_hours_available": _hours(act.gpu_hours_available),
            "gpu_hours_sold": _hours(act.gpu_hours_sold),
            "self_mining_share": metrics.self_mining_share,
            "source": act.source,
            "miners": [
                {
                    "model": m.model,
                    "count": m.count,
                    "rated_power_w": float(m.rated_power.to("W").magnitude),
                    "rated_hashrate_th_per_s": float(m.rated_hashrate.to("TH/s").magnitude),
                    "nameplate_j_per_th": float(m.efficiency.to("J/TH").magnitude),
                }
                for m in act.miners
            ],
        }
    return {
        "period": metrics.period,
        "activity": activity,
        "figures": {f.key: f.as_dict() for f in metrics.figures},
        "not_computed": dict(metrics.not_computed),
        "assumptions": list(metrics.assumptions),
        "hashrate_definitions": dict(HASHRATE_DEFINITIONS),
        "gpu_hours_definition": GPU_HOURS_DEFINITION,
    }
