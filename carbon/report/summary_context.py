"""Context of the summary: energy and Scope 2 per workload, the PUE, the grid intensity and
the hourly against annual-factor views, and the number-bearing sentences of the summary.

The summary, KPI and grid entries are read by the methodology section too.
"""

from __future__ import annotations

from carbon.report.charts import workload_label
from carbon.report.document_context import require
from carbon.report.numbers import in_display_unit, ratio

__all__ = ["WORKLOAD_ORDER", "grid_context", "kpis_context", "statements", "summary_context"]

WORKLOAD_ORDER = ("mining", "ai", "shared", "other")


_ANNUAL = "scope2_location_annual_factor_kgco2e"


def _workloads(results: dict) -> list[str]:
    """Workloads in display order: the known ones first, then any others sorted."""
    energy = results.get("energy_kwh", {})
    # "Unallocated" (shared energy in intervals without IT load) is shown only when there is some
    names = [k for k in energy if k != "total" and not (k == "other" and energy[k] == 0)]
    known = [w for w in WORKLOAD_ORDER if w in names]
    extra = sorted(w for w in names if w not in WORKLOAD_ORDER)
    if "other" in known:
        known.remove("other")
        return [*known, *extra, "other"]
    return [*known, *extra]


def summary_context(results: dict) -> dict:
    """Energy, IT energy, overhead and location-based Scope 2 per workload and in total."""
    energy = require(results, "energy_kwh", "")
    it_energy = results.get("it_energy_kwh", {})
    overhead = results.get("overhead_energy_kwh", {})
    scope2 = require(results, "scope2_location_kgco2e", "")
    market = results.get("scope2_market_kgco2e") or {}
    total_kwh = require(energy, "total", "energy_kwh.")
    # tenants in Scope 3 cat. 13 (docs/methodology.md §1.1): the intensity is physical, the
    # site's location-based emissions per MWh of the workload's energy
    moved = results.get("scope3_13_location_kgco2e") or {}

    def row(key: str) -> dict:
        e_mwh = in_display_unit(energy.get(key), "energy_kwh.{workload}")
        s2_kg = scope2.get(key)
        return {
            "workload": key,
            "name": "Total" if key == "total" else workload_label(key),
            "energy_mwh": e_mwh,
            "share_pct": None
            if ratio(energy.get(key), total_kwh) is None
            else 100.0 * energy[key] / total_kwh,
            "it_mwh": in_display_unit(it_energy.get(key), "it_energy_kwh.{workload}"),
            "overhead_mwh": in_display_unit(overhead.get(key), "overhead_energy_kwh.{workload}"),
            "scope2_t": in_display_unit(s2_kg, "scope2_location_kgco2e.{workload}"),
            "scope2_market_t": in_display_unit(market.get(key), "scope2_market_kgco2e.{workload}"),
            # kg CO2e per MWh of the workload's energy (display ratio).
            "intensity_kg_per_mwh": ratio(
                None if s2_kg is None else s2_kg + float(moved.get(key) or 0.0), e_mwh
            ),
        }

    rows = [row(w) for w in _workloads(results)]
    leased = results.get("scope3_13_leased_assets") or {}
    return {
        "rows": rows,
        "total": row("total"),
        "moved_parties": [p["party"] for p in leased.get("parties") or ()],
    }


def kpis_context(results: dict) -> dict:
    """PUE of the facility and per workload, its category and whether it is interim."""
    kpis = results.get("kpis", {})
    by_workload = kpis.get("pue_by_workload", {}) or {}
    return {
        "pue": kpis.get("pue"),
        "pue_by_workload": [
            {"workload": w, "name": workload_label(w), "pue": by_workload[w]}
            for w in [w for w in WORKLOAD_ORDER if w in by_workload]
            + sorted(w for w in by_workload if w not in WORKLOAD_ORDER)
        ],
        "pue_category": kpis.get("pue_category", ""),
        "pue_interim": bool(kpis.get("pue_interim", False)),
    }


def _source_words(provenance: dict) -> str:
    """Publisher, edition, data year, licence and URL of a factor from the site's table."""
    parts = [
        str(provenance.get("publisher", "")),
        f"edition {provenance.get('edition', '')}",
        f"{provenance.get('data_year', '')} data",
        f"licence: {provenance.get('licence', '')}",
    ]
    if provenance.get("url"):
        parts.append(str(provenance["url"]))
    parts.append(f"{provenance.get('path', '')}, line {provenance.get('line', '')}")
    return "; ".join(parts)


def grid_context(results: dict, summary_total: dict) -> dict:
    """Grid intensity and the hourly against annual-factor views of location-based Scope 2."""
    grid = results.get("grid_intensity_gco2e_per_kwh", {})
    annual = results.get("scope2_location_annual_factor_kgco2e", {}) or {}
    provenance = annual.get("provenance") or {}
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
        "annual_available": annual.get("available", True) is not False,
        "annual_reason": annual.get("reason") or "",
        "annual_factor_label": "Annual factor of the site's table"
        if provenance.get("path")
        else "Annual subregion factor",
        "annual_factor_source": _source_words(provenance) if provenance.get("path") else "",
        "annual_factor_id": str(annual.get("factor_id", "") or ""),
        "annual_factor_t": annual_t,
        "hourly_t": hourly_t,
        "timing_difference_t": difference_t,
        "timing_difference_pct": None
        if ratio(difference_t, annual_t) is None
        else 100.0 * difference_t / annual_t,
    }


def statements(ctx: dict) -> list[dict]:
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
            if ratio(total["energy_mwh"], hours) is None
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
            }
        )
    return out
