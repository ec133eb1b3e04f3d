"""The boundary decides the scope: tenants whose power leaves the operator's Scope 2 for its
Scope 3 category 13, downstream leased assets (docs/methodology.md §1.1; docs/scope1-scope3.md).

Under the operational-control approach, a party that holds operational control of its leased
space (typically a triple-net tenant that also holds the supply contract) reports the power
it draws as its own Scope 2; the operator reports the same emissions in Scope 3 category 13
(GHG Protocol Corporate Standard ch. 3 and its appendix on leased assets; Scope 2 Guidance
FAQ Q7, Q8). Under financial control or equity share the operator, owner of the space let
under an operating lease, keeps it in its Scope 1 and 2, so nothing moves.

The moved figures are the tenant's own figures (``results["tenants"]["by_tenant"]``,
:mod:`carbon.analysis.tenants`), taken out of its workload's Scope 2 on every basis and put
in the category 13 blocks, so operator Scope 2 + category 13 = the site's Scope 2 on each
basis. Energy, attribution, the tenant split and the facility KPIs (physical figures) are
not touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.tenants import tenants_block
from carbon.site.register import Boundary, moves_to_cat13

__all__ = [
    "CAT13_RULE",
    "apply_leased_assets",
    "cat13_location_kgco2e",
    "moved_parties",
]

CAT13_RULE = (
    "Under the operational-control approach, a party holding operational control of its "
    "leased space reports the power it draws as its own Scope 2; the operator moves that "
    "party's Scope 2 (both bases) out of its own Scope 2 into Scope 3 category 13, downstream "
    "leased assets (GHG Protocol Corporate Standard ch. 3 and appendix on leased assets; "
    "Scope 2 Guidance FAQ Q7, Q8; in force). Under financial control or equity share the "
    "operator keeps its let space (operating lease) in Scope 2. Site energy and the facility "
    "KPIs are physical and count every kWh whoever holds the lease."
)

_BASES = (
    ("scope2_location_kgco2e", "scope2_location_kgco2e", "scope3_13_location_kgco2e"),
    ("scope2_market_kgco2e", "scope2_market_kgco2e", "scope3_13_market_kgco2e"),
    (
        "scope2_market_hourly_matching_kgco2e",
        "scope2_market_hourly_matching_kgco2e",
        "scope3_13_market_hourly_matching_kgco2e",
    ),
)


def moved_parties(boundary: Boundary | None) -> list[str]:
    """The parties of `boundary` whose power is the operator's Scope 3 cat. 13."""
    if boundary is None:
        return []
    return [c.party for c in boundary.power_contracts if moves_to_cat13(c, boundary.consolidation)]


def cat13_location_kgco2e(outcome: PeriodOutcome) -> float:
    """The location-based Scope 2 [kg CO2e] of the period's cat. 13 parties: what leaves the
    operator's location-based Scope 2 (0 when no party moves)."""
    parties = moved_parties(outcome.site.boundary)
    if not parties:
        return 0.0
    by_tenant = tenants_block(outcome)["by_tenant"]
    return sum(float(by_tenant[p]["scope2_location_kgco2e"]) for p in parties if p in by_tenant)


def _total(doc: dict[str, Any], key: str) -> float | None:
    block = doc.get(key)
    return None if block is None else float(block["total"])


def _zero_block(workloads: Iterable[str]) -> dict[str, float]:
    return {**{w: 0.0 for w in workloads}, "total": 0.0}


def _edition_share(
    edition: dict[str, Any], row: dict[str, Any], workload_energy: float, market: dict[str, Any]
) -> float:
    """A moved tenant's share of one edition's market-based figure [kg CO2e]: its own
    annual-matching figure under an annual edition; otherwise its share of its workload's
    period energy times the edition's workload figure."""
    if edition.get("matching") == "annual" and abs(
        float((edition.get("by_workload") or {}).get(row["workload"], 0.0))
        - float(market.get(row["workload"], 0.0))
    ) <= 1e-6 * max(1.0, abs(float(market.get(row["workload"], 0.0)))):
        return float(row["scope2_market_kgco2e"])
    if workload_energy <= 0:
        return 0.0
    share = float(row["energy_kwh"]) / workload_energy
    return share * float((edition.get("by_workload") or {}).get(row["workload"], 0.0))


def apply_leased_assets(results: dict[str, Any], boundary: Boundary | None) -> dict[str, Any]:
    """Move the cat. 13 parties' figures out of the operator's Scope 2 in `results`.

    Changes ``scope2_location_kgco2e``, ``scope2_market_kgco2e``,
    ``scope2_market_hourly_matching_kgco2e`` (per workload and total),
    ``scope2_market_by_edition.<key>.total_kgco2e`` / ``by_workload`` and the annual-factor
    view, and adds ``scope3_13_location_kgco2e``, ``scope3_13_market_kgco2e``,
    ``scope3_13_market_hourly_matching_kgco2e`` and ``scope3_13_leased_assets`` (per party,
    with the site's figures before the move). Returns `results`.
    """
    by_tenant = (results.get("tenants") or {}).get("by_tenant") or {}
    parties = [p for p in moved_parties(boundary) if p in by_tenant]
    workloads = [w for w in results["scope2_location_kgco2e"] if w != "total"]
    bases = [b for b in _BASES if b[0] in results]  # a trend row holds two of them
    site = {key: dict(results[key]) for key, _, _ in bases}
    for key, tenant_key, out_key in bases:
        moved = _zero_block(workloads)
        for party in parties:
            row = by_tenant[party]
            value = float(row[tenant_key])
            moved[row["workload"]] += value
            moved["total"] += value
        results[out_key] = moved
        results[key] = {w: float(v) - moved.get(w, 0.0) for w, v in results[key].items()}
    energy = results.get("energy_kwh") or {}
    market_site = site.get("scope2_market_kgco2e") or {}
    editions_moved: dict[str, float] = {}
    for name, edition in (results.get("scope2_market_by_edition") or {}).items():
        moved_w: dict[str, float] = {}
        for party in parties:
            row = by_tenant[party]
            w = row["workload"]
            moved_w[w] = moved_w.get(w, 0.0) + _edition_share(
                edition, row, float(energy.get(w, 0.0)), market_site
            )
        if "by_workload" in edition:
            edition["by_workload"] = {
                w: float(v) - moved_w.get(w, 0.0) for w, v in edition["by_workload"].items()
            }
        edition["total_kgco2e"] = float(edition["total_kgco2e"]) - sum(moved_w.values())
        edition["scope3_13_kgco2e"] = sum(moved_w.values())
        editions_moved[name] = sum(moved_w.values())
    annual = results.get("scope2_location_annual_factor_kgco2e") or {}
    moved_kwh = sum(float(by_tenant[p]["energy_kwh"]) for p in parties)
    annual_moved = None
    if annual.get("available") and annual.get("total") is not None:
        annual_moved = moved_kwh * float(annual["factor_gco2e_per_kwh"]) / 1000.0
        annual["total"] = float(annual["total"]) - annual_moved
        annual["timing_effect_kgco2e"] = (
            results["scope2_location_kgco2e"]["total"] - annual["total"]
        )
        effect = results.get("timing_effect_kgco2e")
        if isinstance(effect, dict):  # hourly minus annual-rate LB, per workload (headline)
            rate_kg = float(annual["factor_gco2e_per_kwh"]) / 1000.0
            for p in parties:
                row = by_tenant[p]
                moved = float(row["scope2_location_kgco2e"]) - float(row["energy_kwh"]) * rate_kg
                effect[row["workload"]] = float(effect[row["workload"]]) - moved
                effect["total"] = float(effect["total"]) - moved
    results["scope3_13_leased_assets"] = {
        "consolidation": boundary.consolidation if boundary is not None else None,
        "rule": CAT13_RULE,
        "parties": [
            {
                "party": p,
                "workload": by_tenant[p]["workload"],
                "energy_kwh": float(by_tenant[p]["energy_kwh"]),
                "location_kgco2e": float(by_tenant[p]["scope2_location_kgco2e"]),
                "market_kgco2e": float(by_tenant[p]["scope2_market_kgco2e"]),
                "market_hourly_matching_kgco2e": float(
                    by_tenant[p]["scope2_market_hourly_matching_kgco2e"]
                ),
            }
            for p in parties
        ],
        "energy_kwh": moved_kwh,
        "location_kgco2e": _total(results, "scope3_13_location_kgco2e"),
        "market_kgco2e": _total(results, "scope3_13_market_kgco2e"),
        "market_hourly_matching_kgco2e": _total(results, "scope3_13_market_hourly_matching_kgco2e"),
        "by_edition_kgco2e": editions_moved,
        "annual_factor_view_kgco2e": annual_moved,
        "site_scope2_location_kgco2e": _total(site, "scope2_location_kgco2e"),
        "site_scope2_market_kgco2e": _total(site, "scope2_market_kgco2e"),
        "site_scope2_market_hourly_matching_kgco2e": _total(
            site, "scope2_market_hourly_matching_kgco2e"
        ),
        "note": "operator Scope 2 + Scope 3 category 13 = the site's Scope 2 on each basis; "
        "energy, workload attribution and facility KPIs count the whole site",
    }
    return results
