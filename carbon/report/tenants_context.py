"""Display rows for the tenants section and the added KPI rows, from results.json as is.

Figures are converted to their display units (kWh → MWh, kg → t); nothing
is computed beyond display ratios (a tenant's share of the site's energy).
"""

from __future__ import annotations

from typing import Any

from carbon.report.charts import workload_label
from carbon.report.numbers import PLAIN, format_figure, in_display_unit

__all__ = ["more_kpi_rows", "tenants_context"]

_LEVEL_ORDER = {"hourly_source": 0, "subregion_annual": 1, "national": 2}
_LEVEL_NAMES = {
    "hourly_source": "hourly grid source",
    "subregion_annual": "eGRID subregion annual rate",
    "national": "eGRID national rate",
}


def _row(name: str, workload: str, meters: list[str], block: dict, site_kwh: float | None) -> dict:
    energy = block.get("energy_kwh")

    def shown(key: str) -> float | None:  # a tenant's figure; the site total's are the same
        return in_display_unit(block.get(key), f"tenants.by_tenant.{{tenant}}.{key}")

    return {
        "name": name,
        "workload": workload,
        "meters": ", ".join(meters) if meters else "–",
        "it_mwh": shown("it_energy_kwh"),
        "energy_mwh": shown("energy_kwh"),
        "share_pct": None if not site_kwh or energy is None else 100.0 * energy / site_kwh,
        "lb_t": shown("scope2_location_kgco2e"),
        "mb_t": shown("scope2_market_kgco2e"),
        "mbh_t": shown("scope2_market_hourly_matching_kgco2e"),
    }


def _total(results: dict, key: str) -> float | None:
    return (results.get(key) or {}).get("total")


def tenants_context(results: dict) -> dict[str, Any] | None:
    """Tenant rows, timing effect per workload, factor-level shares and the 3.3(c) status."""
    block = results.get("tenants")
    if block is None:
        return None
    site_kwh = _total(results, "energy_kwh")
    rows = [
        _row(t, workload_label(str(v.get("workload", ""))), list(v.get("meters", [])), v, site_kwh)
        for t, v in sorted((block.get("by_tenant") or {}).items())  # as results.json orders them
    ]
    rest = block.get("not_tenanted") or {}
    totals = {
        "it_energy_kwh": _total(results, "it_energy_kwh"),
        "energy_kwh": site_kwh,
        "scope2_location_kgco2e": _total(results, "scope2_location_kgco2e"),
        "scope2_market_kgco2e": _total(results, "scope2_market_kgco2e"),
        "scope2_market_hourly_matching_kgco2e": _total(
            results, "scope2_market_hourly_matching_kgco2e"
        ),
    }
    effect = results.get("timing_effect_kgco2e") or {}
    hourly = results.get("scope2_location_kgco2e") or {}
    timing = []
    order = [w for w in ("mining", "ai", "other") if w in effect]
    order += sorted(w for w in effect if w not in (*order, "total"))
    for w in [*order, "total"]:
        if w not in effect or (w == "other" and not hourly.get(w)):
            continue
        lb = hourly.get(w)
        annual = None if lb is None else lb - effect[w]
        timing.append(
            {
                "name": "Site" if w == "total" else workload_label(w),
                "total": w == "total",
                "hourly_t": in_display_unit(lb, "scope2_location_kgco2e.{workload}"),
                "annual_t": in_display_unit(annual, "scope2_location_kgco2e.{workload}"),
                "effect_t": in_display_unit(effect[w], "timing_effect_kgco2e.{workload}"),
                "effect_pct": None if not annual else 100.0 * effect[w] / annual,
            }
        )
    levels = results.get("factor_levels") or {}
    level_rows = [
        {
            "name": _LEVEL_NAMES.get(name, name),
            "mwh": (levels.get("mwh") or {}).get(name),
            "share_pct": None if share is None else 100.0 * share,
            "hours": (levels.get("hours") or {}).get(name),
        }
        for name, share in sorted(
            (levels.get("shares") or {}).items(), key=lambda item: _LEVEL_ORDER.get(item[0], 9)
        )
    ]
    sources = (results.get("scope2_location_factor_levels") or {}).get("hourly_sources") or []
    for src in sources:  # several chained hourly sources: one row each, under the hourly level
        level_rows.insert(
            src.get("order", 1),
            {
                "name": f"   of which source {src.get('order')}: {src.get('source')}",
                "mwh": src.get("mwh"),
                "share_pct": None if src.get("share") is None else 100.0 * src["share"],
                "hours": src.get("intervals"),
            },
        )
    td = results.get("scope3_3_td_losses_kgco2e") or {}
    return {
        "method": block.get("method", ""),
        "rows": rows,
        "not_tenanted": _row(
            "Not tenanted (own use)", "", list(rest.get("meters", [])), rest, site_kwh
        ),
        "total": _row("Site total", "", [], totals, site_kwh),
        "timing": timing,
        "levels": level_rows,
        "annual_factor_note": levels.get("annual_factor_note", ""),
        "td_available": td.get("available", True),
        "td_reason": td.get("reason"),
    }


def more_kpi_rows(kpis: dict) -> list[dict[str, Any]]:
    """REF, ERF, ERE, CUE (hourly matching), WUE and subsystem partial PUE rows."""
    details = kpis.get("details") or {}
    e_ren = format_figure(kpis.get("ref_renewable_kwh"), "kpis.ref_renewable_kwh", style=PLAIN)
    rows = []

    def add(key: str, name: str, unit: str, decimals: int, definition: str) -> None:
        if key not in kpis:
            return
        notes = [
            n.replace("^3", "³")
            for n in (details.get(key) or {}).get("notes", [])
            if "interim" not in n and not n.startswith("E_ren =")
        ]
        text = definition + ("; " + "; ".join(notes) if notes else "")
        rows.append(
            {
                "name": name,
                "unit": unit,
                "value": kpis.get(key),
                "decimals": decimals,
                "definition": text,
            }
        )

    add(
        "cue_market_hourly_matching",
        "CUE, market-based (hourly matching)",
        "kg CO₂e/kWh IT",
        3,
        "(Scope 2 market-based with hourly matching + Scope 1) ÷ IT energy",
    )
    add(
        "ref",
        "REF",
        "ratio",
        3,
        "renewable energy retired for the site ÷ E_DC (ISO/IEC 30134-3), capped at 1; "
        f"E_ren {e_ren} MWh "
        "(certificates and PPAs with certificates retained, documented green tariffs)",
    )
    add("erf", "ERF", "ratio", 3, "heat reused outside the site ÷ E_DC (ISO/IEC 30134-6)")
    add("ere", "ERE", "ratio", 3, "(E_DC − reused) ÷ IT energy = (1 − ERF)·PUE")
    if kpis.get("wue") is None and "wue" in kpis:
        rows.append(
            {
                "name": "WUE",
                "unit": "L/kWh IT",
                "value": None,
                "decimals": 3,
                "definition": str(kpis.get("wue_note", "")),
            }
        )
    else:
        add(
            "wue",
            "WUE",
            "L/kWh IT",
            3,
            f"site water ÷ IT energy (ISO/IEC 30134-9); {kpis.get('wue_note', '')}".replace(
                "^3", "³"
            ),
        )
    halls = kpis.get("pue_by_hall") or {}
    if halls:
        rows.append(
            {
                "name": "pPUE by hall",
                "unit": "ratio",
                "value": None,
                "decimals": 3,
                "definition": ", ".join(f"{h} {v:.3f}" for h, v in sorted(halls.items()))
                + "; hall IT energy with its share of its workload's cooling, shared loads and "
                "residual per interval",
            }
        )
    partial = kpis.get("partial_pue") or {}
    for name, value in sorted((partial.get("subsystems") or {}).items()):
        rows.append(
            {
                "name": f"pPUE, {name}",
                "unit": "ratio",
                "value": value,
                "decimals": 3,
                "definition": "subsystem partial PUE (E_IT + E_j) ÷ E_IT; PUE = Σ pPUE − (n − 1)",
            }
        )
    return rows
