"""Context of the location-based tiers table (docs/methodology.md §1.2): per tier what it
priced and, in short, why the finer tiers were not used."""

from __future__ import annotations

from typing import Any

from carbon.report.numbers import in_display_unit

__all__ = ["location_tiers_context"]

_SHARE = "scope2_location_tiers.tiers[].share"
_KG = "scope2_location_tiers.tiers[].kgco2e"


def _sources(tier: dict[str, Any]) -> str:
    names = []
    for s in tier.get("sources") or []:
        if s.get("path"):
            names.append(f"{s['path']} ({s.get('resolution', '')})")
        else:
            names.append(f"{s.get('name', '')} [{s.get('factor_id', '')}]")
    return "; ".join(names)


def _why(tier: dict[str, Any]) -> str:
    """``hourly a.csv: flagged missing 30, no row 12 (from 2025-01-01T10:00Z)``, per finer tier."""
    parts: dict[str, list[str]] = {}
    for r in tier.get("reasons") or []:
        who = r["finer_tier"].replace("_", " ")
        if r.get("source"):
            who += " " + r["source"].rsplit("(", 1)[-1].rstrip(")")
        parts.setdefault(who, []).append(
            f"{r['reason'].replace('_', ' ')} {r['intervals']}"
            if r["reason"] not in ("not_declared", "no_regional_rate")
            else r["label"]
        )
    return "; ".join(f"{who}: {', '.join(items)}" for who, items in parts.items())


def location_tiers_context(results: dict) -> dict[str, Any] | None:
    """Rows of the tiers table (every tier, used or not) and the block's words."""
    block = results.get("scope2_location_tiers")
    if not block:
        return None
    rows = []
    for tier in block.get("tiers") or []:
        rows.append(
            {
                "label": tier["label"],
                "time": tier.get("time", ""),
                "sources": _sources(tier)
                if tier.get("available")
                else f"none: {tier.get('unavailable_reason') or ''}",
                "intervals": tier.get("intervals", 0),
                "mwh": tier.get("mwh"),
                "share_pct": in_display_unit(tier.get("share"), _SHARE),
                "t": in_display_unit(tier.get("kgco2e"), _KG, unit="t CO2e"),
                "why": _why(tier),
            }
        )
    return {
        "rows": rows,
        "interval": block.get("interval", "hourly"),
        "finest_used": (block.get("finest_used") or "").replace("_", " "),
        "total_mwh": block.get("total_mwh"),
        "total_t": in_display_unit(block.get("total_kgco2e"), _KG, unit="t CO2e"),
        "status": block.get("status", ""),
    }
