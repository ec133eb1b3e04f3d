"""Context of the tenants section: tenant rows, the timing effect per workload, the
location-based factor levels and the 3.3(c) status, from results.json as is.

Figures are converted to their display units (kWh → MWh, kg → t); nothing
is computed beyond display ratios (a tenant's share of the site's energy).
"""

from __future__ import annotations

from typing import Any

from carbon.report.charts import workload_label
from carbon.report.numbers import in_display_unit

__all__ = ["annual_words", "tenants_context"]

_SOURCES = "scope2_location_factor_levels.hourly_sources[]"
_LEVEL_ORDER = {"hourly_source": 0, "subregion_annual": 1, "national": 2}
_LEVEL_NAMES = {
    "hourly_source": "hourly grid source",
    "subregion_annual": "eGRID subregion annual rate",
    "national": "eGRID national rate",
}


def annual_words(results: dict) -> dict:
    """How the report names the annual rate and the factor hierarchy, from the results:
    eGRID words for a US site, the site's own table for another, and why the annual view is
    missing where no annual rate exists."""
    annual = results.get("scope2_location_annual_factor_kgco2e") or {}
    block = results.get("scope2_location_factor_levels") or {}
    labels = block.get("level_labels")
    provenance = annual.get("provenance") or {}
    from_table = bool(provenance.get("path"))
    if labels is None or "national" in labels:
        words = "the annual subregion rate" if not from_table else "the region's annual factor"
        hierarchy = (
            "the hourly grid source, then the eGRID subregion annual rate, then the eGRID "
            "national rate"
            if not from_table
            else "the hourly grid source, then the annual factor of the site's table, then the "
            "eGRID national rate"
        )
    elif "subregion_annual" in labels:
        words = "the region's annual factor from the site's factor table"
        hierarchy = "the hourly grid source, then the region's annual factor from the site's table"
    else:
        words = ""
        hierarchy = "the hourly grid source only (no annual factor exists for the region)"
    return {
        "annual_rate_words": words,
        "hierarchy_words": hierarchy,
        "annual_available": annual.get("available", True) is not False,
        "annual_reason": annual.get("reason") or "",
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
    level_block = results.get("scope2_location_factor_levels") or {}
    labels = level_block.get("level_labels") or _LEVEL_NAMES  # older results: the eGRID levels
    level_rows = [
        {
            "name": labels[name],
            "mwh": (levels.get("mwh") or {}).get(name),
            "share_pct": in_display_unit(share, "factor_levels.shares.{level}"),
            "hours": (levels.get("hours") or {}).get(name),
        }
        for name, share in sorted(
            (levels.get("shares") or {}).items(), key=lambda item: _LEVEL_ORDER.get(item[0], 9)
        )
        if name in labels
    ]
    sources = (results.get("scope2_location_factor_levels") or {}).get("hourly_sources") or []
    for src in sources:  # several chained hourly sources: one row each, under the hourly level
        level_rows.insert(
            src.get("order", 1),
            {
                "name": f"   of which source {src.get('order')}: {src.get('source')}",
                "mwh": src.get("mwh"),
                "share_pct": in_display_unit(src.get("share"), f"{_SOURCES}.share"),
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
        **annual_words(results),
        "td_available": td.get("available", True),
        "td_reason": td.get("reason"),
    }
