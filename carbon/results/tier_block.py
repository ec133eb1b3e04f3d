"""``scope2_location_tiers``: the tier of every location-based factor, per tier the MWh,
intervals and kg CO2e it priced, and why the finer tiers were not used
(docs/methodology.md §1.2, docs/results-json.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from carbon.accounting.location_tiers import (
    NO_REGIONAL_RATE,
    NOT_DECLARED,
    REASONS,
    TIER_NATIONAL,
    TIER_REGIONAL,
    TIERS,
    LocationTiers,
)
from carbon.accounting.outcome import AnnualFactor, PeriodOutcome

__all__ = ["location_tiers_block"]

RULE = (
    "every interval takes the most precise factor that has a usable value: the site's grid "
    "sources in the site file's order (hourly or sub-hourly by their intervals), then the "
    "regional annual factor, then the national one; the tier used and, for every finer tier, "
    "why it was not used are counted per interval (docs/methodology.md §1.2)"
)


def _stamp(times: np.ndarray, mask: np.ndarray) -> str | None:
    if not mask.any():
        return None
    return pd.Timestamp(times[int(np.argmax(mask))]).isoformat() + "Z"


def _steps(step: pd.Timedelta) -> str:
    minutes = step / pd.Timedelta(minutes=1)
    return "hourly" if minutes == 60 else f"{minutes:g}-minute"


def _annual(factor: AnnualFactor | None) -> list[dict[str, Any]]:
    if factor is None:
        return []
    return [
        {
            "name": f"{factor.label} {factor.region}",
            "factor_id": factor.factor_id,
            "factor_gco2e_per_kwh": float(factor.rate.to("g CO2e/kWh").magnitude),
        }
    ]


def _reasons(
    t: LocationTiers, mask: np.ndarray, finer: int, why_regional: str | None
) -> list[dict[str, Any]]:
    """Why tier `finer` did not price the intervals of `mask`: one row per (source, reason)."""
    rows = []

    def row(source: str | None, key: str, words: str, hit: np.ndarray) -> None:
        if hit.any():
            rows.append(
                {
                    "finer_tier": TIERS[finer].key,
                    "source": source,
                    "reason": key,
                    "label": words,
                    "intervals": int(hit.sum()),
                    "mwh": float(np.sum(t.energy_kwh, where=hit)) / 1000.0,
                    "first_interval": _stamp(t.times, hit),
                }
            )

    if finer == TIER_REGIONAL:
        row(None, NO_REGIONAL_RATE, why_regional or "no regional annual factor exists", mask)
        return rows
    members = [k for k, s in enumerate(t.sources) if s.tier == finer]
    if not members:
        row(None, *NOT_DECLARED, mask)
    for k in members:  # loops over sources and reason codes, never over readings
        for code, (key, words) in REASONS.items():
            row(t.sources[k].name, key, words, mask & (t.status[k] == code))
    return rows


def location_tiers_block(outcome: PeriodOutcome) -> dict[str, Any] | None:
    """The ``scope2_location_tiers`` block of `outcome` (None without a factor hierarchy)."""
    factors = outcome.location_factors
    t = None if factors is None else factors.tiers
    if t is None:
        return None
    total_mwh = float(np.sum(t.energy_kwh)) / 1000.0
    declared = {s.tier for s in t.sources}
    us_site = factors.us_site
    regional_why = factors.unavailable or (
        f"region {outcome.site.factor_region} has no eGRID subregion or declared annual factor"
        if us_site
        else f"no annual factor is declared for region {outcome.site.factor_region}"
    )
    unavailable = {
        TIER_REGIONAL: None if factors.subregion is not None else regional_why,
        TIER_NATIONAL: None
        if us_site
        else "no national annual factor is shipped or declared for the site's country",
    }
    # the area each tier describes, in the words of the site's factor sources
    space = {
        TIER_REGIONAL: "eGRID subregion, or the region of the site's declared factor table"
        if us_site
        else "the region of the site's declared factor table",
        TIER_NATIONAL: "country (eGRID US)" if us_site else "country",
    }
    rows = []
    for j, tier in enumerate(TIERS):
        mask = t.tier == j
        if j in unavailable:
            members = _annual(factors.subregion if j == TIER_REGIONAL else factors.national)
            absent = unavailable[j]
        else:
            members = [
                {
                    "name": s.name,
                    "path": s.path,
                    "resolution": _steps(s.resolution),
                    "intervals": int(np.sum(mask & (t.source == k))),
                    "mwh": float(np.sum(t.energy_kwh, where=mask & (t.source == k))) / 1000.0,
                    "kgco2e": float(np.sum(t.kgco2e, where=mask & (t.source == k))),
                }
                for k, s in enumerate(t.sources)
                if s.tier == j
            ]
            absent = None if j in declared else NOT_DECLARED[1]
        mwh = float(np.sum(t.energy_kwh, where=mask)) / 1000.0
        reasons = []
        if mask.any():
            for finer in range(j):
                reasons += _reasons(t, mask, finer, unavailable[TIER_REGIONAL])
        rows.append(
            {
                "tier": tier.key,
                "rank": j + 1,
                "label": tier.label,
                "space": space.get(j, tier.space),
                "time": tier.time,
                "available": absent is None,
                "unavailable_reason": absent,
                "sources": members,
                "intervals": int(mask.sum()),
                "mwh": mwh,
                "share": mwh / total_mwh if total_mwh else None,
                "kgco2e": float(np.sum(t.kgco2e, where=mask)),
                "first_interval": _stamp(t.times, mask),
                "reasons": reasons,
            }
        )
    used = [r["tier"] for r in rows if r["intervals"]]
    return {
        "tiers": rows,
        "finest_used": used[0] if used else None,
        "coarsest_used": used[-1] if used else None,
        "interval": _steps(t.step),
        "intervals": len(t.times),
        "total_mwh": total_mwh,
        "total_kgco2e": float(np.sum(t.kgco2e)),
        "rule": RULE,
        "status": "GHG Protocol Scope 2 revision draft (consultation 20 Oct 2025 - 31 Jan 2026; "
        "a proposal, not in force); the 2015 Guidance hierarchy, regional then national annual "
        "factor, remains operative",
    }
