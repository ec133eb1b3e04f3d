"""Wiring for the pivot analysis: baseline runs, monthly trend and the period's extra blocks.

Thin orchestration over :mod:`carbon.pivot.baseline`, :mod:`carbon.pivot.effects`,
:mod:`carbon.pivot.counterfactual`, :mod:`carbon.analysis.curtailment` and
:mod:`carbon.pivot.uncertainty`. Every period (the baseline and each month of the
trend) runs through the same :func:`carbon.analysis.period.run_period` as the report.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.curtailment import NO_MARGINAL_SOURCE, curtailment
from carbon.analysis.demand_response import avoided_at_marginal
from carbon.analysis.marginal import marginal_on_intervals
from carbon.attribution.workloads import counted_energy, workload_shares
from carbon.core.errors import PeriodError
from carbon.core.flags import Flag
from carbon.core.period import Period, month
from carbon.core.units import ureg
from carbon.pivot.baseline import NONE, BaselineChoice, choose_baseline
from carbon.pivot.counterfactual import (
    REFERENCE_WINDOW,
    converted_meters,
    counterfactual,
    fleet_meters,
)
from carbon.pivot.effects import decomposition_block, load_shape_by_workload, timing_by_workload
from carbon.pivot.uncertainty import (
    DEFAULT_CLASS,
    FACTOR_HALF_WIDTH,
    Components,
    method_note,
    operator_location_bands,
    propagate,
)
from carbon.results.document import ReportMeta, build_results
from carbon.results.statements import statements_block
from carbon.workflow.inputs import SiteData
from carbon.workflow.months import MonthRuns
from carbon.workflow.targets import sbti_block

__all__ = [
    "baseline_blocks",
    "baseline_choice",
    "extend_results",
    "period_blocks",
    "requested_baseline",
    "trend",
    "uncertainty_components",
]

#: The trend runs over the period and the twelve months before it (as many as the data hold).
TREND_MONTHS = 13


# --- the period's own blocks -------------------------------------------------------------


def _meter_intensity(outcome: PeriodOutcome) -> np.ndarray:
    """The location-based factor of each meter interval [g CO2e/kWh] (its factor interval's)."""
    step = outcome.factor_step
    times = pd.DatetimeIndex(outcome.energy["time"].values)
    factors = outcome.intensity_used.pint.to("g CO2e/kWh").pint.dequantify()
    series = factors.to_series()
    return series.reindex(times.floor(step)).to_numpy(dtype=float)


def uncertainty_components(outcome: PeriodOutcome, results: dict[str, Any]) -> Components:
    """The period totals :func:`carbon.pivot.uncertainty.propagate` perturbs, from one outcome."""
    site = outcome.site
    energy = counted_energy(outcome.energy, site).pint.to("kWh").pint.dequantify()
    flags = outcome.imputation.flags
    imputed = flags.isin([int(Flag.IMPUTED_LINEAR), int(Flag.IMPUTED_PROFILE)])
    intensity_kg = _meter_intensity(outcome) / 1000.0  # kg CO2e per kWh
    kwh = np.nan_to_num(energy.values)
    weighted = kwh * intensity_kg[None, :]
    imp = np.asarray(imputed.sel(meter=energy["meter"]).values)
    rev = site.revenue_meter.id
    r = list(energy["meter"].values).index(rev)
    it_ids = [m.id for m in site.meters_with_role("it")]
    times = pd.DatetimeIndex(energy["time"].values)
    shares = workload_shares(site, times, outcome.interval).sel(meter=it_ids)
    workloads = [str(w) for w in outcome.attribution.it["workload"].values]
    shares = shares.sel(workload=workloads).values  # (m, w, t)
    rows = [list(energy["meter"].values).index(m) for m in it_ids]

    def by_mw(values: np.ndarray) -> np.ndarray:
        return np.einsum("mwt,mt->mw", shares, values[rows])

    overhead = (outcome.attribution.shared + outcome.attribution.residual).pint.to("kWh")
    over = np.nan_to_num(overhead.pint.dequantify().sel(workload=workloads).values)
    classes = {m.id: m.accuracy_class for m in site.meters}

    def cls(meter_id: str, role: str) -> float:
        value = classes.get(meter_id)
        return float(value) if value is not None else DEFAULT_CLASS[role]

    levels = (results.get("scope2_location_factor_levels") or {}).get("kgco2e") or {}
    total_level = sum(levels.values())
    half_width = (
        sum(FACTOR_HALF_WIDTH[k] * v for k, v in levels.items()) / total_level
        if total_level > 0
        else FACTOR_HALF_WIDTH["hourly_source"]
    )
    market = results["scope2_market_kgco2e"]
    kg, kwh_u = ureg.Unit("kg CO2e"), ureg.Unit("kWh")
    return Components(
        workloads=workloads,
        it_meters=it_ids,
        revenue=ureg.Quantity(float(kwh[r].sum()), kwh_u),
        revenue_weighted=ureg.Quantity(float(weighted[r].sum()), kg),
        revenue_imputed=ureg.Quantity(float(kwh[r][imp[r]].sum()), kwh_u),
        revenue_imputed_weighted=ureg.Quantity(float(weighted[r][imp[r]].sum()), kg),
        it=ureg.Quantity(by_mw(kwh), kwh_u),
        it_weighted=ureg.Quantity(by_mw(weighted), kg),
        it_imputed=ureg.Quantity(by_mw(np.where(imp, kwh, 0.0)), kwh_u),
        it_imputed_weighted=ureg.Quantity(by_mw(np.where(imp, weighted, 0.0)), kg),
        overhead=ureg.Quantity(over.sum(axis=1), kwh_u),
        overhead_weighted=ureg.Quantity((over * intensity_kg[None, :]).sum(axis=1), kg),
        market=ureg.Quantity(np.array([float(market.get(w, 0.0)) for w in workloads]), kg),
        revenue_class=cls(rev, "revenue"),
        it_classes=[cls(m, "it") for m in it_ids],
        factor_half_width=half_width,
        keyed=[w != "other" for w in workloads],
    )


def _marginal_source(marginal: Any) -> str:
    meta = marginal.meta
    return (
        f"{meta.get('source', 'marginal rate')} {meta.get('signal_type', '')} "
        f"{marginal.region}, model {meta.get('model_date', 'unknown')} "
        f"({marginal.record.path}, SHA-256 {marginal.record.sha256})"
    )


def _curtailment(outcome: PeriodOutcome, marginal: Any = None) -> dict[str, Any]:
    mining = outcome.attribution.it.sel(workload="mining")
    if marginal is None:
        return curtailment(mining, outcome.interval)
    times = pd.DatetimeIndex(mining["time"].values)
    rate = marginal_on_intervals(marginal, times, outcome.interval)
    return curtailment(
        mining, outcome.interval, marginal_rate=rate, marginal_source=_marginal_source(marginal)
    )


def _dr_marginal(outcome: PeriodOutcome, marginal: Any = None) -> dict[str, Any] | str:
    """Avoided emissions of the demand-response events at the marginal rate, or why not."""
    events = list(outcome.site.demand_response)
    if marginal is None:
        return NO_MARGINAL_SOURCE
    if not events or "mining" not in [str(w) for w in outcome.attribution.it["workload"].values]:
        return "not computed: no demand-response events or no mining load"
    mining = outcome.attribution.it.sel(workload="mining")
    times = pd.DatetimeIndex(mining["time"].values)
    rate = marginal_on_intervals(marginal, times, outcome.interval)
    return avoided_at_marginal(events, mining, outcome.interval, rate, _marginal_source(marginal))


def period_blocks(
    outcome: PeriodOutcome, results: dict[str, Any], marginal: Any = None
) -> dict[str, Any]:
    """Blocks that describe the period itself (present with or without a baseline)."""
    components = uncertainty_components(outcome, results)
    classes = {
        outcome.site.revenue_meter.id: components.revenue_class,
        **dict(zip(components.it_meters, components.it_classes, strict=True)),
    }
    assumptions = {
        **method_note(),
        "meter_accuracy_class_used_percent": classes,
        "shared_meters": "their readings only split the overhead pool (revenue minus IT) among "
        "workloads; that split is covered by the allocation-key range",
    }
    return {
        "timing_effect_by_workload_kgco2e": timing_by_workload(results),
        "load_shape_effect_by_workload_kgco2e": load_shape_by_workload(results),
        "curtailment": _curtailment(outcome, marginal),
        "demand_response_marginal": _dr_marginal(outcome, marginal),
        "uncertainty": {
            **operator_location_bands(propagate(components), results),
            "assumptions": assumptions,
        },
    }


# --- baseline, counterfactual, trend -------------------------------------------------------


#: Figures of the baseline's results that the front of the report compares with the period:
#: (block, keys) of the KPI dashboard, besides the energy and Scope 2 blocks.
_DASHBOARD = (
    (
        "intensities",
        (
            "j_per_th",
            "kgco2e_per_btc_location",
            "kgco2e_per_btc_market",
            "gco2e_per_gpu_hour_location",
            "gco2e_per_gpu_hour_market",
        ),
    ),
)
_CLEAN_SHARES = ("grid_carbon_free_location", "certificate_renewable_annual", "hourly_matched_cfe")


def _figures(results: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "energy_kwh",
        "it_energy_kwh",
        "scope2_location_kgco2e",
        "scope2_market_kgco2e",
    )
    shares = results.get("clean_energy_shares") or {}
    figures: dict[str, Any] = {k: results[k] for k in keys} | {
        "pue_by_workload": results["kpis"]["pue_by_workload"],
        "pue": results["kpis"]["pue"],
        "grid_intensity_gco2e_per_kwh": {
            "consumption_weighted": (results.get("grid_intensity_gco2e_per_kwh") or {}).get(
                "consumption_weighted"
            )
        },
        "clean_energy_shares": {
            k: (shares.get(k) or {}).get("value") for k in _CLEAN_SHARES if k in shares
        },
    }
    for block, names in _DASHBOARD:
        found = results.get(block) or {}
        figures[block] = {k: found.get(k) for k in names}
    return figures


def _meta(results: dict[str, Any]) -> ReportMeta:
    return ReportMeta(
        report_id=str(results["report_id"]),
        version=int(results["version"]),
        status=str(results["status"]),
        issue_date=date.fromisoformat(str(results["issue_date"])[:10]),
    )


def _counterfactual(
    data: SiteData, outcome: PeriodOutcome, results: dict[str, Any]
) -> dict[str, Any]:
    converted = {
        m: at
        for m, at in converted_meters(data.site).items()
        if at < outcome.period.end_utc  # converted by the end of the period
    }
    fleet = fleet_meters(data.site)
    first = min(converted.values()) if converted else None
    start, _ = data.span()
    if first is not None and first - REFERENCE_WINDOW < start:
        return {
            "label": "Scenario, not inventory",
            "available": False,
            "reason": f"the {REFERENCE_WINDOW.days} days before the conversion at "
            f"{first.isoformat()} are not all in the meter data (from {start.isoformat()})",
        }
    window_energy = None
    if first is not None:
        # Whole intervals that end by the first conversion (a straddling one is left out).
        start_w = (first - REFERENCE_WINDOW).tz_localize(None)
        last_w = first.tz_localize(None) - data.cube.interval
        window_energy = data.cube.energy.sel(time=slice(start_w, last_w))
    it = results["it_energy_kwh"]
    energy = results["energy_kwh"]
    market = results["scope2_market_kgco2e"]

    def pue(w: str):
        return ureg.Quantity(energy[w] / it[w], "") if it.get(w) else None

    mining_pue = pue("mining")
    if converted and mining_pue is None:
        return {
            "label": "Scenario, not inventory",
            "available": False,
            "reason": "no mining IT energy in the period, so no mining PUE or rate to apply",
        }
    j_per_th = (
        ((results.get("sector_metrics") or {}).get("figures") or {})
        .get("fleet_efficiency_realised_j_per_th", {})
        .get("value")
        if isinstance(results.get("sector_metrics"), dict)
        else None
    )
    return counterfactual(
        reference_energy=counted_energy(
            window_energy if window_energy is not None else outcome.energy, data.site
        ),
        period_energy=counted_energy(outcome.energy, data.site),  # own energy in a meter tree
        converted=converted,
        fleet=fleet,
        interval=outcome.interval,
        factor_resolution=outcome.factor_step,
        intensity=outcome.intensity_used,
        mining_pue=mining_pue if mining_pue is not None else ureg.Quantity(1.0, ""),
        mining_market_rate=ureg.Quantity(
            market["mining"] / energy["mining"] if energy.get("mining") else 0.0, "kg CO2e/kWh"
        ),
        ai_pue=pue("ai"),
        realised_j_per_th=None if j_per_th is None else ureg.Quantity(float(j_per_th), "J/TH"),
    )


def _month_labels(first: pd.Timestamp, last: Period) -> list[str]:
    """Labels of the whole local months from `first` (UTC instant) up to `last`."""
    local = first.tz_convert(last.timezone)
    start = month(f"{local.year:04d}-{local.month:02d}", last.timezone)
    if start.start_utc < first:
        nxt = start.end
        start = month(f"{nxt.year:04d}-{nxt.month:02d}", last.timezone)
    labels = []
    cursor = start
    while cursor.end <= last.end:
        labels.append(cursor.label)
        cursor = month(f"{cursor.end.year:04d}-{cursor.end.month:02d}", last.timezone)
    return labels


def _trend_row(label: str, figures: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"period": label}
    for key in ("energy_kwh", "it_energy_kwh", "scope2_location_kgco2e", "scope2_market_kgco2e"):
        row[key] = {w: float(v) for w, v in figures[key].items()}
    return row


def trend(
    data: SiteData,
    outcome: PeriodOutcome,
    results: dict[str, Any],
    months: int = TREND_MONTHS,
    baseline: tuple[str, dict[str, Any]] | None = None,
    runs: MonthRuns | None = None,
) -> dict[str, Any]:
    """Per-workload energy and Scope 2 of each whole month up to the period (at most `months`).

    `baseline` (its label and results), when it is one of the months, is not run again; nor
    is a month `runs` already holds (the target tracker's).
    """
    runs = MonthRuns(data) if runs is None else runs
    start, _ = data.span()
    labels = _month_labels(start, outcome.period)[-months:]
    rows, skipped = [], []
    for label in labels:  # loops over months (≤ 13), each a vectorised pipeline run
        if label == outcome.period.label:
            rows.append(_trend_row(label, results))
            continue
        if baseline is not None and label == baseline[0]:
            rows.append(_trend_row(label, baseline[1]))
            continue
        try:
            # only the four blocks of a row, not the whole results document (a fifth the time)
            totals = runs.summary(month(label, outcome.period.timezone))[0]
        except PeriodError as exc:  # e.g. a month without meter data: named, not hidden
            skipped.append({"period": label, "reason": str(exc)})
            continue
        rows.append(_trend_row(label, totals))
    return {
        "months": rows,
        "skipped": skipped,
        "note": "each month computed by the same pipeline as the report, independently; "
        "month-on-month changes are not chained into the decomposition",
    }


def baseline_choice(data: SiteData, period: Period, spec: str | None) -> BaselineChoice:
    """The baseline of `period` for the request `spec` (``auto``, ``none``/None, or a spec),
    by the rule of :func:`carbon.pivot.baseline.choose_baseline` over the site's data span and
    its first conversion from mining."""
    converted = converted_meters(data.site)
    first = min(converted.items(), key=lambda item: item[1]) if converted else None
    return choose_baseline(spec, period, *data.span(), conversion=first)


def baseline_blocks(
    data: SiteData,
    outcome: PeriodOutcome,
    results: dict[str, Any],
    choice: BaselineChoice,
    runs: MonthRuns | None = None,
) -> dict[str, Any]:
    """``baseline``, ``decomposition``, ``counterfactual`` and ``pivot_trend`` for a baseline.
    `runs` receives the baseline month and serves the trend's other months."""
    base = choice.period
    if base is None:
        raise PeriodError(f"no baseline to compare with: {choice.reason}")
    runs = MonthRuns(data) if runs is None else runs
    base_outcome = data.run(base)
    runs.record(base_outcome)
    base_results = build_results(base_outcome, _meta(results))
    return {
        "baseline": {
            "spec": base.label,
            "rule": choice.rule,
            "period": base.as_dict(),
            **_figures(base_results),
            "timing_effect_by_workload_kgco2e": timing_by_workload(base_results),
            "load_shape_effect_by_workload_kgco2e": load_shape_by_workload(base_results),
            "note": "computed with the same pipeline, site configuration, factors and "
            "instruments as the period",
        },
        "decomposition": decomposition_block(base_results, results),
        "counterfactual": _counterfactual(data, outcome, results),
        "pivot_trend": trend(
            data, outcome, results, baseline=(base.label, base_results), runs=runs
        ),
    }


def extend_results(
    data: SiteData, outcome: PeriodOutcome, results: dict[str, Any], baseline: str | None
) -> dict[str, Any]:
    """The keys this analysis adds to ``results.json``: the period's own blocks, the
    ``baseline_choice``, and the baseline blocks when there is a baseline.

    `baseline` is ``auto`` (the rule of :func:`baseline_choice`), a spec, or ``none``/None
    (no comparison).
    """
    runs = MonthRuns(data)  # the months before the period, each run once for all blocks
    choice = baseline_choice(data, outcome.period, baseline or NONE)
    compared = (
        baseline_blocks(data, outcome, results, choice, runs) if choice.period is not None else {}
    )
    added = period_blocks(outcome, results, data.marginal)
    # the Scope 2 target tracker (or its one line), after the trend: its months are run
    added["sbti"] = sbti_block(data, outcome, runs)
    added["baseline_choice"] = choice.as_dict()
    added.update(compared)
    # the three statements again, now that the impact figures of this analysis exist
    added["statements"] = statements_block({**results, **added})
    return added


def requested_baseline(results: dict[str, Any]) -> str:
    """The baseline request a results document was computed with (``auto``, a spec or
    ``none``), so that it can be computed again the same way."""
    choice = results.get("baseline_choice") or {}
    if choice.get("requested"):
        return str(choice["requested"])
    return str((results.get("baseline") or {}).get("spec") or NONE)  # before baseline_choice
