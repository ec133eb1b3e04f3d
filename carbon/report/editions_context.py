"""Context of "Scope 2 market-based under both editions": the 2015 Guidance (in force) and
the 2025 consultation draft (a proposal) side by side, from ``scope2_market_by_edition``,
and why the two figures differ.

The gap is split exactly into four parts. Each edition's total is ``E = U·r + O``, with
``U`` the uncovered load, ``r`` its rate and ``O`` the covered MWh of fossil instruments at
their own rate; the load ``L = S + M + U`` is the same under both (``S`` the standard supply
claim, ``M`` the matched MWh). With ``a`` the 2015 edition and ``d`` the draft::

    E_d − E_a = (M_a − M_d)·r_a      hourly matching: instrument MWh that no longer match
              − S_d·r_a              the standard supply claim
              + U_d·(r_d − r_a)      the rate of uncovered load (residual per hour, fallback)
              + (O_d − O_a)          instruments at their own rates

These are the site's figures. Where tenants are the operator's Scope 3 category 13
(docs/methodology.md §1.1), each edition's total is the operator's, and a fifth part,
``−(C_d − C_a)`` with ``C`` the amount moved under each edition, closes the gap.
"""

from __future__ import annotations

from typing import Any

from carbon.report.numbers import convert

__all__ = ["editions_context"]

_BASE, _DRAFT = "ghgp-s2-2015", "ghgp-s2-2025-draft"
_SOURCES = {
    "supplier_factor": "supplier factor",
    "residual_mix": "residual mix",
    "grid_average": "grid average (no residual mix)",
    "fossil_only": "fossil-only fallback",
    "conservative": "conservative fallback",
}
_TIERS = {
    "period_total": "period total (annual matching needs no profile)",
    "interval_meter": "interval meter",
    "facility_profile": "facility profile",
    "market_boundary_profile": "market-boundary profile",
    "time_of_use_average": "time-of-use average",
    "flat": "flat (annual ÷ 8,760)",
    "period_volume": "volume in the period",
    "hourly_certificates": "hourly certificates",
    "certificates_with_hourly_production": "certificates with hourly production data",
    "facility_profile_generation": "facility profile",
    "regional_profile": "regional profile",
    "not_counted": "not counted (no hourly data)",
}


def _t(kg: float | None) -> float | None:
    """kg → t; rounding noise below a gram is shown as 0."""
    if kg is not None and abs(kg) < 1e-3:
        kg = 0.0
    return convert(kg, "kg CO2e", "t CO2e")


def _mwh(kwh: float | None) -> float | None:
    return None if kwh is None else kwh / 1000.0


def _column(key: str, block: dict[str, Any]) -> dict[str, Any]:
    by = block.get("by_workload") or {}
    sources = block.get("residual_sources") or {}
    return {
        "key": key,
        "title": block.get("title", key),
        "status": block.get("status", ""),
        "in_force": bool(block.get("in_force")),
        "matching": block.get("matching", ""),
        "total_t": _t(block.get("total_kgco2e")),
        "mining_t": _t(by.get("mining")),
        "ai_t": _t(by.get("ai")),
        "load_mwh": _mwh(block.get("load_kwh")),
        "sss_mwh": _mwh(block.get("standard_supply_kwh")),
        "matched_mwh": _mwh(block.get("matched_kwh")),
        "residual_mwh": _mwh(block.get("residual_kwh")),
        "residual_rate": block.get("residual_rate_gco2e_per_kwh"),  # g/kWh = kg/MWh
        "residual_sources": "; ".join(
            f"{_SOURCES.get(s, s)} {v.get('hours', 0):,} h"
            for s, v in sorted(sources.items(), key=lambda kv: _rank(_SOURCES, kv[0]))
        )
        or "none",
        "deliverability": block.get("deliverability", ""),
        "load_tiers": _tier_rows(block.get("load_tiers") or {}),
        "generation_tiers": _tier_rows(block.get("generation_tiers") or {}),
        "exemption": (block.get("exemption") or {}).get("applies"),
        "assumptions": list(block.get("assumptions") or []),
    }


def _tier_rows(tiers: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "label": _TIERS.get(name, name.replace("_", " ")),
            "mwh": _mwh(row.get("kwh")),
            "hours": row.get("hours"),
            "instruments": ", ".join(row.get("instruments") or []),
        }
        for name, row in sorted(tiers.items(), key=lambda kv: _rank(_TIERS, kv[0]))
    ]


def _rank(order: dict[str, str], name: str) -> tuple[int, str]:
    """A fixed display order, whatever the order of the keys in results.json (verify lays
    the report out again from the embedded results, written with sorted keys)."""
    names = list(order)
    return (names.index(name) if name in names else len(names), name)


def _gap(base: dict[str, Any], draft: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The four parts of draft − 2015 [t CO2e] (module docstring); None without a rate."""
    r_a = base.get("residual_rate_gco2e_per_kwh")
    r_d = draft.get("residual_rate_gco2e_per_kwh")
    if r_a is None or r_d is None:
        return None
    kg_per_kwh_a, kg_per_kwh_d = r_a / 1000.0, r_d / 1000.0
    matching = (base["matched_kwh"] - draft["matched_kwh"]) * kg_per_kwh_a
    supply = -draft.get("standard_supply_kwh", 0.0) * kg_per_kwh_a
    rate = draft["residual_kwh"] * (kg_per_kwh_d - kg_per_kwh_a)
    own = draft.get("instrument_own_rate_kgco2e", 0.0) - base.get("instrument_own_rate_kgco2e", 0.0)
    total = draft["total_kgco2e"] - base["total_kgco2e"]
    # tenants in Scope 3 cat. 13 (docs/methodology.md §1.1): the four parts are the site's
    moved = float(draft.get("scope3_13_kgco2e") or 0.0) - float(base.get("scope3_13_kgco2e") or 0.0)
    leased = (
        [
            {
                "label": "Tenants in Scope 3 category 13 (out of the operator's Scope 2)",
                "t": _t(-moved),
                "basis": "− (moved under the draft − moved under 2015)",
            }
        ]
        if base.get("scope3_13_kgco2e") or draft.get("scope3_13_kgco2e")
        else []
    )
    return [
        {
            "label": "Hourly matching: instrument MWh that do not match load in their own hour",
            "t": _t(matching),
            "basis": "(matched, 2015 − matched, draft) × the 2015 rate of uncovered load",
        },
        {
            "label": "Standard supply service claim (pro-rata share of mandated clean supply)",
            "t": _t(supply),
            "basis": "− claimed MWh × the 2015 rate of uncovered load",
        },
        {
            "label": "Rate of uncovered load: residual per hour, fallback instead of grid average",
            "t": _t(rate),
            "basis": "uncovered MWh, draft × (draft rate − 2015 rate)",
        },
        {
            "label": "Fossil or biomass instruments at their own rates",
            "t": _t(own),
            "basis": "difference of the emissions at instruments' own rates",
        },
        *leased,
        {"label": "Draft − 2015", "t": _t(total), "basis": "the sum of the parts"},
    ]


def _reported(results: dict[str, Any]) -> float:
    return float((results.get("scope2_market_kgco2e") or {}).get("total") or 0.0)


def editions_context(results: dict[str, Any]) -> dict[str, Any] | None:
    """Both editions for display, and the gap between them (None without the block)."""
    block = results.get("scope2_market_by_edition") or {}
    if not block:
        return None
    columns = [_column(key, value) for key, value in sorted(block.items())]
    gap = _gap(block[_BASE], block[_DRAFT]) if _BASE in block and _DRAFT in block else None
    return {
        "columns": columns,
        "gap": gap,
        "base_equals_reported": _BASE in block
        and abs(block[_BASE]["total_kgco2e"] - _reported(results)) < 1e-6,
    }
