"""Turn a results document into the plain dict the report templates read.

This is the display boundary: figures from ``results.json`` are converted to
display units (kWh → MWh, kg → t) and arranged into rows, sentences are given
the numbers they quote, and the power chart is drawn. No accounting figure is
computed here: every energy and emission value comes from ``results`` as is.
The only derived numbers are display ratios (shares of the total, emission
intensity per workload, average power = energy ÷ hours, the relative timing
difference between the hourly and annual-factor views).

Numbers stay numbers in the context; the templates format them with the
filters of :mod:`carbon.report.render` (thousands separators, fixed decimals).
"""

from __future__ import annotations

import base64
import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from carbon.core.errors import ReportContextError
from carbon.report.charts import chart_resolution, stacked_power_svg, workload_label
from carbon.report.numbers import convert, in_display_unit
from carbon.report.operating_context import operating_context
from carbon.report.tenants_context import more_kpi_rows, tenants_context
from carbon.results.fields import field_for

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["REPORT_TITLE", "SECTIONS", "build_context"]

REPORT_TITLE = "Energy and emissions disclosure"

#: The numbered sections, in order: (anchor id, title). The templates are
#: ``templates/sections/<id>.html.j2``.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("power", "Power by workload"),
    ("scopes", "Emissions by scope"),
    ("tenants", "Tenants and hourly factors"),
    ("operations", "Operations and intensities"),
    ("site_operations", "Operations: capacity, hashrate and production"),
    ("clean_cost_water", "Clean-energy shares, curtailment, cost and water"),
    ("meters", "Energy by meter"),
    ("methodology", "Methodology"),
    ("quality", "Data quality"),
    ("lineage", "Lineage"),
    ("changed", "What changed since the baseline"),  # only with a baseline (last: no renumbering)
)

_WORKLOAD_ORDER = ("mining", "ai", "shared", "other")
_ROLE_LABELS = {
    "revenue": "Revenue (site boundary)",
    "it": "IT (hall feeder)",
    "shared": "Shared subsystem",
    "check": "Check meter",
}
_STATUS_LABELS = {"draft": "DRAFT", "issued": "ISSUED", "superseded": "SUPERSEDED"}


_ANNUAL = "scope2_location_annual_factor_kgco2e"


def _tonnes(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def _require(mapping: dict, key: str, where: str) -> Any:
    try:
        return mapping[key]
    except (KeyError, TypeError):
        raise ReportContextError(
            f"results document has no {where}{key!r}; the disclosure needs it"
        ) from None


# --- dates -------------------------------------------------------------------------


def _parse_datetime(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ReportContextError(f"not an ISO 8601 date-time: {text!r}") from None


def _day_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def period_in_words(start: datetime, end: datetime) -> str:
    """``2025-07-01 .. 2025-08-01`` → ``July 2025``; a year → ``2025``; else a day range.

    ``end`` is exclusive (the start of the next period), as in results.json.
    """
    whole_days = start.time() == end.time() == datetime.min.time()
    if whole_days and start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return f"{start:%B %Y}"
        if months == 12 and start.month == 1:
            return f"{start.year}"
        if months > 1:
            last = end - timedelta(days=1)
            if start.year == last.year:
                return f"{start:%B} – {last:%B %Y}"
            return f"{start:%B %Y} – {last:%B %Y}"
    if whole_days:
        last = (end - timedelta(days=1)).date()
        return f"{_day_words(start.date())} – {_day_words(last)}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def _local_display(moment: datetime) -> str:
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset})" if offset else f"{moment:%Y-%m-%d %H:%M}"


# --- sections ----------------------------------------------------------------------


def _workloads(results: dict) -> list[str]:
    """Workloads in display order: the known ones first, then any others sorted."""
    energy = results.get("energy_kwh", {})
    names = [k for k in energy if k != "total"]
    known = [w for w in _WORKLOAD_ORDER if w in names]
    extra = sorted(w for w in names if w not in _WORKLOAD_ORDER)
    if "other" in known:
        known.remove("other")
        return [*known, *extra, "other"]
    return [*known, *extra]


def _summary(results: dict) -> dict:
    energy = _require(results, "energy_kwh", "")
    it_energy = results.get("it_energy_kwh", {})
    overhead = results.get("overhead_energy_kwh", {})
    scope2 = _require(results, "scope2_location_kgco2e", "")
    total_kwh = _require(energy, "total", "energy_kwh.")

    def row(key: str) -> dict:
        e_mwh = in_display_unit(energy.get(key), "energy_kwh.{workload}")
        s2_kg = scope2.get(key)
        return {
            "workload": key,
            "name": "Total" if key == "total" else workload_label(key),
            "energy_mwh": e_mwh,
            "share_pct": None
            if _ratio(energy.get(key), total_kwh) is None
            else 100.0 * energy[key] / total_kwh,
            "it_mwh": in_display_unit(it_energy.get(key), "it_energy_kwh.{workload}"),
            "overhead_mwh": in_display_unit(overhead.get(key), "overhead_energy_kwh.{workload}"),
            "scope2_t": in_display_unit(s2_kg, "scope2_location_kgco2e.{workload}"),
            # kg CO2e per MWh of the workload's energy (display ratio).
            "intensity_kg_per_mwh": _ratio(s2_kg, e_mwh),
        }

    rows = [row(w) for w in _workloads(results)]
    return {"rows": rows, "total": row("total")}


def _kpis(results: dict) -> dict:
    kpis = results.get("kpis", {})
    by_workload = kpis.get("pue_by_workload", {}) or {}
    return {
        "pue": kpis.get("pue"),
        "pue_by_workload": [
            {"workload": w, "name": workload_label(w), "pue": by_workload[w]}
            for w in [w for w in _WORKLOAD_ORDER if w in by_workload]
            + sorted(w for w in by_workload if w not in _WORKLOAD_ORDER)
        ],
        "pue_category": kpis.get("pue_category", ""),
        "pue_interim": bool(kpis.get("pue_interim", False)),
    }


def _grid(results: dict, summary_total: dict) -> dict:
    grid = results.get("grid_intensity_gco2e_per_kwh", {})
    annual = results.get("scope2_location_annual_factor_kgco2e", {}) or {}
    hourly_t = summary_total["scope2_t"]
    annual_t = in_display_unit(annual.get("total"), f"{_ANNUAL}.total")
    if annual.get("timing_effect_kgco2e") is not None:
        # as results states it
        difference_t = in_display_unit(
            annual["timing_effect_kgco2e"], f"{_ANNUAL}.timing_effect_kgco2e"
        )
    elif hourly_t is not None and annual_t is not None:
        difference_t = hourly_t - annual_t  # older results: display difference only
    else:
        difference_t = None
    return {
        "consumption_weighted": grid.get("consumption_weighted"),
        "period_mean": grid.get("period_mean"),
        "source": grid.get("source", ""),
        "resolution": grid.get("resolution", ""),
        "basis": grid.get("basis", ""),
        "kind": grid.get("kind", ""),
        "annual_factor_gco2e_per_kwh": annual.get("factor_gco2e_per_kwh"),
        "annual_factor_id": str(annual.get("factor_id", "") or ""),
        "annual_factor_t": annual_t,
        "hourly_t": hourly_t,
        "timing_difference_t": difference_t,
        "timing_difference_pct": None
        if _ratio(difference_t, annual_t) is None
        else 100.0 * difference_t / annual_t,
    }


def _conversions(results: dict, period_start: datetime, period_end: datetime) -> list[dict]:
    rows = []
    for conv in results.get("conversions", []) or []:
        at = _parse_datetime(conv["at"])
        if at.tzinfo is None or period_start.tzinfo is None:
            at_cmp, start_cmp, end_cmp = (
                at.replace(tzinfo=None),
                period_start.replace(tzinfo=None),
                period_end.replace(tzinfo=None),
            )
        else:
            at_cmp, start_cmp, end_cmp = at, period_start, period_end
        if at_cmp < start_cmp:
            when = "before the period"
        elif at_cmp < end_cmp:
            when = "within the period"
        else:
            continue  # after the period: not part of this disclosure
        rows.append(
            {
                "meter": conv.get("meter", ""),
                "at": _local_display(at),
                "from": workload_label(conv.get("from", "")),
                "to": workload_label(conv.get("to", "")),
                "when": when,
            }
        )
    rows.sort(key=lambda r: (r["at"], r["meter"]))
    return rows


def _meters(results: dict, total_kwh: float) -> list[dict]:
    rows = []
    for meter in results.get("meters", []) or []:
        workload = meter.get("workload")
        if workload == "scheduled":
            workload_text = f"Effective-dated (section {_section_number('power')})"
        else:
            workload_text = workload_label(workload) if workload else "–"
        rows.append(
            {
                "id": str(meter.get("id", "")),
                "role": _ROLE_LABELS.get(meter.get("role"), str(meter.get("role", ""))),
                "workload": workload_text,
                "energy_mwh": in_display_unit(meter.get("energy_kwh"), "meters[].energy_kwh"),
                "share_pct": None
                if _ratio(meter.get("energy_kwh"), total_kwh) is None
                else 100.0 * meter["energy_kwh"] / total_kwh,
            }
        )
    return rows


def _allocation(results: dict) -> dict:
    allocation = results.get("allocation", {}) or {}
    shared = []
    for item in allocation.get("shared_meters", []) or []:
        workload = item.get("workload")
        shared.append(
            {
                "id": str(item.get("id", "")),
                "key": str(item.get("key", "")),
                "workload": workload_label(workload) if workload else "all IT workloads",
                "energy_mwh": in_display_unit(
                    item.get("energy_kwh"), "allocation.shared_meters[].energy_kwh"
                ),
            }
        )
    return {
        "method": allocation.get("method", ""),
        "shared_meters": shared,
        "unmetered_residual_mwh": in_display_unit(
            allocation.get("unmetered_residual_kwh"), "allocation.unmetered_residual_kwh"
        ),
        "no_it_load_intervals": allocation.get("no_it_load_intervals"),
    }


def _scopes(results: dict) -> dict | None:
    """Scope 1, both Scope 2 bases and Scope 3.3 for display (None for older results)."""
    if "scope2_market_kgco2e" not in results:
        return None

    def row(label: str, block: dict | None, note: str = "") -> dict:
        block = block or {}
        return {
            "label": label,
            **{part: _tonnes(block.get(part)) for part in ("mining", "ai", "total")},
            "note": note,
        }

    annual_view = results.get("scope2_location_annual_factor_kgco2e", {}) or {}
    market = results.get("market_based", {}) or {}
    metrics = market.get("metrics", {}) or {}
    labels = market.get("metric_labels", {}) or {}
    s1_gases = results.get("scope1_gases", {}) or {}
    td = results.get("scope3_3_td_losses_kgco2e", {}) or {}
    cue = results.get("cue_kgco2e_per_kwh_it", {}) or {}
    rows = [
        row("Scope 1: on-site combustion", results.get("scope1_kgco2e"), "not split by workload"),
        row("Scope 2 location-based, hourly factors", results.get("scope2_location_kgco2e")),
        row(
            "Scope 2 location-based, annual factor (reconciliation view)",
            {"total": annual_view.get("total")},
            "total only",
        ),
        row("Scope 2 market-based, 2015 annual matching", results.get("scope2_market_kgco2e")),
        row(
            "Scope 2 market-based, hourly matching",
            results.get("scope2_market_hourly_matching_kgco2e"),
        ),
        row(
            "Scope 3 cat. 3(c): T&D losses (location-based)",
            {"total": td.get("total")},
            "outside Scope 2",
        ),
    ]
    register = [
        {
            "id": r["instrument_id"],
            "kind": r["kind"].replace("_", " "),
            "technology": r.get("technology") or "–",
            "status": r["status"],
            "available_mwh": r.get("available_mwh"),
            "used_annual_mwh": r.get("used_annual_mwh"),
            "used_hourly_mwh": r.get("used_hourly_mwh"),
            "reasons": "; ".join(r.get("reasons", [])),
        }
        for r in market.get("register", [])
    ]
    return {
        "rows": rows,
        "gwp_set": results.get("gwp_set"),
        "reporter": market.get("reporter"),
        "market_boundary": market.get("market_boundary"),
        "metrics": [
            {"label": labels.get(key, key), "value": metrics.get(key), "key": key}
            for key in ("annual_match", "hourly_matched_share", "cfe_share")
        ],
        "coverage": market.get("coverage_mwh", {}) or {},
        "register": register,
        "notes": market.get("notes", []) or [],
        "scope1": {
            "co2_kg": s1_gases.get("co2_kg"),
            "ch4_kg": s1_gases.get("ch4_kg"),
            "n2o_kg": s1_gases.get("n2o_kg"),
            "biogenic_co2_kg": s1_gases.get("biogenic_co2_kg"),
            "fuel_mmbtu": s1_gases.get("fuel_energy_mmbtu_hhv"),
            "records": s1_gases.get("records", 0),
        },
        "td": {
            "grid_gross_loss_pct": None
            if td.get("grid_gross_loss") is None
            else 100.0 * td["grid_gross_loss"],
            "loss_ratio_pct": None if td.get("loss_ratio") is None else 100.0 * td["loss_ratio"],
            "lost_mwh": in_display_unit(
                td.get("lost_energy_kwh"), "scope3_3_td_losses_kgco2e.lost_energy_kwh"
            ),
            "source": td.get("source", ""),
        },
        "cue_lb": cue.get("location_based"),
        "cue_mb": cue.get("market_based"),
    }


#: Sector figures in display order: (key of ``sector_metrics.figures``, group, display unit
#: as printed). Name, decimals and conversion are the figure's declaration.
_SECTOR_ROWS: tuple[tuple[str, str, str], ...] = (
    ("fleet_efficiency_nameplate_j_per_th", "mining", "J/TH"),
    ("fleet_efficiency_realised_j_per_th", "mining", "J/TH"),
    ("fleet_efficiency_facility_j_per_th", "mining", "J/TH"),
    ("expected_btc_per_day", "mining", "BTC/day"),
    ("energy_per_btc_mwh", "mining", "MWh/BTC"),
    ("emissions_per_btc_location_tco2e", "mining", "t CO₂e/BTC"),
    ("emissions_per_btc_market_tco2e", "mining", "t CO₂e/BTC"),
    ("emissions_per_ph_day_location_kgco2e", "mining", "kg CO₂e/(PH/s·day)"),
    ("emissions_per_ph_day_market_kgco2e", "mining", "kg CO₂e/(PH/s·day)"),
    ("energy_per_gpu_hour_it_kwh", "ai", "kWh/GPU-h"),
    ("energy_per_gpu_hour_facility_kwh", "ai", "kWh/GPU-h"),
    ("emissions_per_gpu_hour_location_gco2e", "ai", "g CO₂e/GPU-h"),
    ("emissions_per_gpu_hour_market_gco2e", "ai", "g CO₂e/GPU-h"),
    ("gpu_utilisation", "ai", "%"),
)


#: Activity inputs in display order: (name, key of ``sector_metrics.activity``, display unit
#: as printed); conversion and decimals are the figure's declaration.
_ACTIVITY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Hashrate, installed/deployed (nameplate)", "hashrate_installed_th_per_s", "EH/s"),
    ("Hashrate, energised", "hashrate_energised_th_per_s", "EH/s"),
    ("Hashrate, average operating (realised)", "hashrate_average_th_per_s", "EH/s"),
    ("of which hosted clients", "hashrate_average_hosted_th_per_s", "EH/s"),
    ("BTC mined, self-mining", "btc_mined_self", "BTC"),
    ("BTC mined, hosted clients", "btc_mined_hosted", "BTC"),
    ("Network hashrate (assumption)", "network_hashrate_th_per_s", "EH/s"),
    ("GPUs installed", "gpu_count", "GPUs"),
    ("GPU-hours available", "gpu_hours_available", "GPU-h"),
    ("GPU-hours sold", "gpu_hours_sold", "GPU-h"),
)


def _operations(results: dict) -> dict:
    """KPI table (PUE per workload, CUE) and sector metrics, as results.json states them."""
    kpis = results.get("kpis", {}) or {}
    interim = bool(kpis.get("pue_interim", False))
    category = str(kpis.get("pue_category", "") or "")
    status = "interim (period under 12 months)" if interim else "12 months"
    kpi_rows = [
        {
            "name": "PUE, facility",
            "unit": "ratio",
            "value": kpis.get("pue"),
            "decimals": 3,
            "definition": f"E_DC (revenue meter + on-site fuel, HHV) ÷ E_IT; {category}; {status}",
        },
    ]
    by_workload = kpis.get("pue_by_workload", {}) or {}
    for w in [w for w in _WORKLOAD_ORDER if w in by_workload] + sorted(
        w for w in by_workload if w not in _WORKLOAD_ORDER
    ):
        kpi_rows.append(
            {
                "name": f"PUE, {workload_label(w)}",
                "unit": "ratio",
                "value": by_workload[w],
                "decimals": 3,
                "definition": f"workload electricity incl. allocated overhead ÷ its IT "
                f"energy (on-site fuel not allocated); {category}; {status}",
            }
        )
    cue = results.get("cue_kgco2e_per_kwh_it", {}) or {}
    for basis, key in (("location-based", "location_based"), ("market-based", "market_based")):
        if key in cue:
            kpi_rows.append(
                {
                    "name": f"CUE, {basis}",
                    "unit": "kg CO₂e/kWh IT",
                    "value": cue.get(key),
                    "decimals": 3,
                    "definition": f"(Scope 2 {basis} + Scope 1) ÷ IT energy "
                    "(ISO/IEC 30134-8); interim below 12 months",
                }
            )
    kpi_rows.extend(more_kpi_rows(kpis))
    sector = results.get("sector_metrics") or {}
    figures = sector.get("figures", {}) or {}
    rows = []
    for key, group, unit in _SECTOR_ROWS:
        if key not in figures:
            continue
        f = figures[key]
        declared = field_for(f"sector_metrics.figures.{key}.value")
        rows.append(
            {
                "key": key,
                "group": group,
                "name": declared.label,
                "unit": unit,
                "value": in_display_unit(f.get("value"), declared.key),
                "decimals": declared.decimals,
                # the unit is in the row header; drop the label's own "[unit]"
                "definition": re.sub(r"\s\[[^\]]*\]", "", str(f.get("label", ""))),
            }
        )
    activity = sector.get("activity") or None
    activity_rows = []
    for name, key, unit in _ACTIVITY_ROWS if activity else ():
        declared = field_for(f"sector_metrics.activity.{key}")
        value = in_display_unit(activity.get(key), declared.key)
        if value is not None:
            activity_rows.append(
                {"name": name, "unit": unit, "value": value, "decimals": declared.decimals}
            )
    return {
        "kpi_rows": kpi_rows,
        "sector_rows": rows,
        "activity_rows": activity_rows,
        "miners": [
            {
                "model": str(m.get("model", "")),
                "count": m.get("count"),
                "rated_power_w": m.get("rated_power_w"),
                "rated_hashrate_th_per_s": m.get("rated_hashrate_th_per_s"),
                "nameplate_j_per_th": m.get("nameplate_j_per_th"),
            }
            for m in ((activity or {}).get("miners") or [])
        ],
        "not_computed": [
            {"key": k, "reason": str(v)} for k, v in (sector.get("not_computed") or {}).items()
        ],
        "assumptions": [str(a) for a in sector.get("assumptions", []) or []],
        "gpu_hours_definition": str(sector.get("gpu_hours_definition", "") or ""),
        "has_sector": bool(rows),
    }


def _factor_levels(results: dict) -> dict | None:
    """Shares of MWh per location-based factor level, for the methodology section."""
    block = results.get("scope2_location_factor_levels")
    if not block:
        return None
    shares = block.get("shares", {}) or {}
    hours = block.get("hours", {}) or {}
    sub = block.get("subregion_annual_factor") or {}
    nat = block.get("national_factor") or {}
    levels = []
    for key, words in (
        ("hourly_source", "the hourly grid source"),
        (
            "subregion_annual",
            f"the eGRID subregion annual rate ({sub.get('region', '')}, {sub.get('factor_id', '')})"
            if sub
            else "the eGRID subregion annual rate",
        ),
        (
            "national",
            f"the eGRID national rate ({nat.get('region', 'US')}, {nat.get('factor_id', '')})",
        ),
    ):
        levels.append(
            {
                "key": key,
                "words": words,
                "share_pct": None if shares.get(key) is None else 100.0 * shares[key],
                "mwh": block.get(f"{key}_mwh"),
                "hours": hours.get(key, 0),
            }
        )
    spans = [
        {"start": s.get("start", ""), "end": s.get("end", ""), "level": s.get("level", "")}
        for s in (block.get("fallback_spans") or [])[:5]
    ]
    return {
        "levels": levels,
        "interval": str(block.get("interval", "") or "hourly"),
        "spans": spans,
        "spans_total": block.get("fallback_spans_total", 0),
    }


def _quality(results: dict) -> dict:
    quality = results.get("quality", {}) or {}
    imputation = quality.get("imputation", {}) or {}
    imputed = imputation.get("intervals", {}) or {}
    rows = []
    for meter in quality.get("meters", []) or []:
        expected = meter.get("expected_intervals")
        present = meter.get("present")
        rows.append(
            {
                "id": str(meter.get("id", "")),
                "expected": expected,
                "present": present,
                "missing": meter.get("missing"),
                "imputed": imputed.get(meter.get("id"), 0),
                "estimated": meter.get("estimated", 0),
                "duplicates": meter.get("duplicates"),
                "conflicting": meter.get("conflicting", 0),
                "negatives": meter.get("negatives"),
                "coverage_pct": None
                if _ratio(present, expected) is None
                else 100.0 * present / expected,
                "note": _quality_note(meter),
            }
        )
    raised = sorted(
        {
            name
            for meter in quality.get("meters", []) or []
            for name, count in (meter.get("flag_counts", {}) or {}).items()
            if count
        }
    )
    reconciliation = []
    for rec in results.get("reconciliation", []) or []:
        reconciliation.append(
            {
                "parent": rec["parent"],
                "children": ", ".join(rec.get("children", [])),
                **{
                    f"{part}_mwh": in_display_unit(
                        rec.get(f"{part}_kwh"), f"reconciliation[].{part}_kwh"
                    )
                    for part in ("parent", "children", "residual")
                },
                "residual_pct": None
                if rec.get("residual_share") is None
                else 100.0 * rec["residual_share"],
                "tolerance_pct": 100.0 * rec.get("tolerance", 0.0),
                "compared": rec.get("intervals_compared"),
                "breaches": rec.get("breaches"),
                "worst": [
                    {
                        "at": b["interval_start"],
                        "parent_kwh": b["parent_kwh"],
                        "children_kwh": b["children_kwh"],
                        "residual_kwh": b["residual_kwh"],
                        "relative_pct": None
                        if b.get("relative") is None
                        else 100.0 * b["relative"],
                    }
                    for b in rec.get("worst", [])
                ],
            }
        )
    grid = results.get("grid_intensity_gco2e_per_kwh", {}) or {}
    return {
        "meters": rows,
        "total_gaps": quality.get("total_gaps"),
        "total_negatives": quality.get("total_negatives"),
        "total_duplicates": quality.get("total_duplicates"),
        "flags_raised": raised,
        "conflicts": quality.get("conflicting_duplicates", []) or [],
        "imputation": {
            "method": imputation.get("method", "none"),
            "max_gap": imputation.get("max_gap"),
            "total_intervals": sum(imputed.values()),
            "revenue_share_pct": None
            if imputation.get("revenue_share") is None
            else 100.0 * imputation["revenue_share"],
        },
        "reconciliation": reconciliation,
        "grid_estimated_intervals": grid.get("estimated_intervals"),
        "grid_gas_note": grid.get("gas_note") or "",
    }


def _quality_note(meter: dict) -> str:
    notes = []
    if meter.get("flags_note"):
        notes.append(str(meter["flags_note"]))
    if meter.get("first_gap"):
        notes.append(f"first gap {meter['first_gap']}")
    return "; ".join(notes)


def _hash_parts(digest: str | None) -> list[str]:
    """Split a hex digest into groups of 16 characters so it can wrap between groups."""
    if not digest:
        return []
    return [digest[i : i + 16] for i in range(0, len(digest), 16)]


def _lineage(results: dict) -> dict:
    inputs = []
    for item in results.get("inputs", []) or []:
        inputs.append(
            {
                "path": str(item.get("path", "")),
                "sha256": str(item.get("sha256", "")),
                "sha256_parts": _hash_parts(item.get("sha256")),
                "rows": item.get("rows"),
                "start": str(item.get("start", "")),
                "end": str(item.get("end", "")),
            }
        )
    factors = []
    for item in results.get("factors", []) or []:
        factors.append(
            {
                "id": str(item.get("id", "")),
                "edition": str(item.get("edition", "")),
                "revision": item.get("revision") or "–",
                "sha256": str(item.get("sha256", "")),
                "sha256_parts": _hash_parts(item.get("sha256")),
                "role": str(item.get("role", "")),
                "note": str(item.get("note", "")),
            }
        )
    config = results.get("config_sha256", "")
    return {
        "inputs": inputs,
        "factors": factors,
        "config_sha256": config,
        "config_sha256_parts": _hash_parts(config),
        "software_version": str(results.get("software_version", "")),
        "schema_version": str(results.get("schema_version", "")),
    }


def _section_number(section_id: str) -> int:
    return 1 + [sid for sid, _ in SECTIONS].index(section_id)


def _gwp_note(factors: list[dict], gwp_set: str | None = None, grid_source: str = "") -> str:
    """What the report says about GWPs: the report's set, and where a source embeds another."""
    embedded = []
    for factor in factors:
        edition = factor.get("edition") or ""
        if edition.lower().startswith("egrid") and edition[5:].isdigit():
            year = int(edition[5:])
            embedded.append(
                f"{edition} publishes CO2e with IPCC {'AR5' if year >= 2023 else 'AR4'}"
            )
    if gwp_set:
        text = (
            f"This report uses IPCC {gwp_set} 100-year GWPs: Scope 1, the T&D losses and the "
            "annual-factor view are computed per gas under that set"
        )
        if embedded:
            text += f" ({'; '.join(embedded)}; its CO2e is recomputed from the per-gas rates)"
        text += (
            ". The hourly grid-intensity series is a CO2e rate as its source states it "
            f"({grid_source or 'see section ' + str(_section_number('lineage'))}); "
            "its GWP set is the source's."
        )
        return text
    if embedded:
        return "; ".join(embedded) + "; used as published. No other GWP set is mixed in."
    return (
        "CO2e factors are used as published by the factor datasets listed in "
        f"section {_section_number('lineage')}, with the 100-year GWP set each dataset states."
    )


def _statements(ctx: dict) -> list[dict]:
    """Number-bearing sentences for the summary, one per statement.

    Each item is ``{"kind": ..., "values": {...}}``; the wording is in the
    summary template, so that text and layout stay together.
    """
    summary = ctx["summary"]
    total = summary["total"]
    hours = ctx["period"]["hours"]
    out = [
        {
            "kind": "total_energy",
            "energy_mwh": total["energy_mwh"],
            "hours": hours,
            "average_mw": None
            if _ratio(total["energy_mwh"], hours) is None
            else total["energy_mwh"] / hours,
        }
    ]
    for row in summary["rows"]:
        out.append({"kind": "workload_energy", **row})
    out.append(
        {
            "kind": "scope2",
            "hourly_t": ctx["grid"]["hourly_t"],
            "annual_t": ctx["grid"]["annual_factor_t"],
            "difference_pct": ctx["grid"]["timing_difference_pct"],
        }
    )
    grid = ctx["grid"]
    if grid["consumption_weighted"] is not None and grid["period_mean"] is not None:
        cw, mean = grid["consumption_weighted"], grid["period_mean"]
        relation = "above" if cw > mean else "below" if cw < mean else "equal to"
        out.append(
            {
                "kind": "intensity",
                "consumption_weighted": cw,
                "period_mean": mean,
                "relation": relation,
            }
        )
    if ctx["kpis"]["pue"] is not None:
        out.append({"kind": "pue", **ctx["kpis"]})
    scopes = ctx.get("scopes")
    if scopes:
        rows = {r["label"]: r for r in scopes["rows"]}
        out.append(
            {
                "kind": "market",
                "annual_t": rows["Scope 2 market-based, 2015 annual matching"]["total"],
                "hourly_t": rows["Scope 2 market-based, hourly matching"]["total"],
                "scope1_t": rows["Scope 1: on-site combustion"]["total"],
                "td_t": rows["Scope 3 cat. 3(c): T&D losses (location-based)"]["total"],
                "section": _section_number("scopes"),
            }
        )
    return out


def _step_minutes(power_by_workload: xr.DataArray) -> int | None:
    times = power_by_workload["time"].values
    if len(times) < 2:
        return None
    import numpy as np

    return int((times[1] - times[0]) // np.timedelta64(1, "m"))


def build_context(
    results: dict, power_by_workload: xr.DataArray, *, intensity: xr.DataArray | None = None
) -> dict:
    """Build the dict the report templates render, from results.json and the power series.

    Parameters
    ----------
    results
        The results.json document (schema 1.x). Keys the report does not use are
        ignored; optional keys that are absent are shown as "–".
    power_by_workload
        pint-quantified DataArray of power per workload (any power unit, kW from the
        pipeline), dims ``("workload", "time")``, 15-minute interval starts in UTC
        (tz-naive), covering the reporting period. Used only for the chart.

    Returns
    -------
    dict
        Plain data for the templates: display strings, numbers in display units
        (MWh, t CO2e, kg CO2e/MWh, %), table rows and the chart as a data URI.

    `intensity` (the location-based factor per factor interval) feeds the heatmap of
    the 'What changed' section, which is present only when results hold a baseline.
    """
    from carbon.report.pivot_context import changed_context

    site = _require(results, "site", "")
    period = _require(results, "period", "")
    start = _parse_datetime(_require(period, "start", "period."))
    end = _parse_datetime(_require(period, "end", "period."))
    issue_date_text = str(_require(results, "issue_date", ""))
    try:
        issue_date = date.fromisoformat(issue_date_text[:10])
    except ValueError:
        raise ReportContextError(f"issue_date is not an ISO date: {issue_date_text!r}") from None
    timezone = str(period.get("timezone") or site.get("timezone") or "UTC")
    status = str(results.get("status", "draft")).lower()
    software_version = str(results.get("software_version", ""))

    report = {
        "title": REPORT_TITLE,
        "id": str(_require(results, "report_id", "")),
        "version": results.get("version"),
        "status": status,
        "status_label": _STATUS_LABELS.get(status, status.upper()),
        "issue_date": issue_date.isoformat(),
        "issue_date_display": _day_words(issue_date),
        "software_version": software_version,
        "generator": f"carbon {software_version}".strip(),
    }
    site_ctx = {
        "id": str(site.get("id", "")),
        "name": str(site.get("name", site.get("id", ""))),
        "timezone": str(site.get("timezone", timezone)),
        "grid_region": str(site.get("grid_region", "")),
        "synthetic": bool(site.get("synthetic", False)),
    }
    period_ctx = {
        "label": str(period.get("label", "")),
        "words": period_in_words(start, end),
        "start": _local_display(start),
        "end": _local_display(end),
        "timezone": timezone,
        "hours": period.get("hours"),
    }

    summary = _summary(results)
    svg = stacked_power_svg(power_by_workload, timezone=timezone)
    chart = {
        "svg_data_uri": "data:image/svg+xml;base64,"
        + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        "timezone": timezone,
        "hourly_means": chart_resolution(power_by_workload) == "hourly",
        "step_minutes": _step_minutes(power_by_workload),
    }
    lineage = _lineage(results)
    ctx = {
        "report": report,
        "site": site_ctx,
        "period": period_ctx,
        "sections": [
            {"id": sid, "number": n, "title": title}
            for n, (sid, title) in enumerate(SECTIONS, start=1)
            if sid != "changed" or "decomposition" in results
        ],
        "changed": changed_context(
            results, intensity=intensity, power_by_workload=power_by_workload, timezone=timezone
        ),
        "summary": summary,
        "kpis": _kpis(results),
        "chart": chart,
        "conversions": _conversions(results, start, end),
        "meters": _meters(results, results["energy_kwh"]["total"]),
        "allocation": _allocation(results),
        "quality": _quality(results),
        "scopes": _scopes(results),
        "operations": _operations(results),
        "operating": operating_context(results),
        "factor_levels": _factor_levels(results),
        "tenants": tenants_context(results),
        "lineage": lineage,
        "methodology": {
            "gwp_note": _gwp_note(
                lineage["factors"],
                results.get("gwp_set"),
                (results.get("grid_intensity_gco2e_per_kwh", {}) or {}).get("source", ""),
            )
        },
    }
    ctx["sections_by_id"] = {s["id"]: s for s in ctx["sections"]}
    ctx["grid"] = _grid(results, summary["total"])
    ctx["statements"] = _statements(ctx)  # after "scopes" is in ctx
    return ctx
