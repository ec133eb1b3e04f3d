"""The three statements of ``results.json``: physical inventory, market inventory, impact
(docs/methodology.md "Three statements kept apart"; docs/results-json.md ``statements``).

A pure function of the results document: it carries figures the document already holds,
each with the key it comes from, and computes no emission itself. The two inventory
statements read inventory keys only (Scope 1, Scope 2 on its basis, Scope 3 cat. 3); the
impact statement reads the consequential figures (curtailment, demand response, avoided
emissions at marginal rates, avoided flaring, the stayed-mining scenario). No inventory line
reads an impact key, so no impact input can move an inventory total, and no impact figure is
added to or subtracted from an inventory.
"""

from __future__ import annotations

from typing import Any

__all__ = ["IMPACT_KEYS", "INVENTORY_KEYS", "STATEMENTS_RULE", "statements_block"]

#: The document keys the inventory statements may read.
INVENTORY_KEYS: tuple[str, ...] = (
    "gwp_set",
    "energy_kwh",
    "scope1_kgco2e",
    "scope2_location_kgco2e",
    "scope2_location_annual_factor_kgco2e",
    "scope2_market_kgco2e",
    "scope2_market_hourly_matching_kgco2e",
    "scope2_market_by_edition",
    "scope3_cat3_kgco2e",
    "scope3_13_location_kgco2e",
    "scope3_13_market_kgco2e",
    "grid_intensity_gco2e_per_kwh",
    "market_based",
)
#: The document keys the impact statement reads.
IMPACT_KEYS: tuple[str, ...] = (
    "curtailment",
    "demand_response",
    "demand_response_marginal",
    "offsets",
    "counterfactual",
)

STATEMENTS_RULE = (
    "Three statements kept apart: the physical inventory (location-based) and the market "
    "inventory (market-based) hold inventory figures only; curtailment, demand response, "
    "avoided emissions at marginal rates, avoided flaring and the stayed-mining scenario "
    "appear in the impact statement only and are never added to or netted into either "
    "inventory (GHG Protocol Actions and Market Instruments white paper and RFI, 2026: "
    "proposal, not in force; Scope 2 Guidance 2015 ch. 7 and Corporate Standard: avoided "
    "emissions are never deducted from an inventory)"
)


def _total(block: Any) -> float | None:
    if not isinstance(block, dict):
        return None
    value = block.get("total")
    return None if value is None else float(value)


def _line(key: str, label: str, value: float | None, source: str) -> dict[str, Any]:
    return {"key": key, "label": label, "kgco2e": value, "source_key": source}


def _inventory(
    results: dict[str, Any], scope2: tuple[str, str, str], title: str, cat13: str
) -> dict[str, Any]:
    key, label, source = scope2
    lines = [
        _line(
            "scope1",
            "Scope 1: on-site fuel combustion",
            _total(results.get("scope1_kgco2e")),
            "scope1_kgco2e.total",
        ),
        _line(key, label, _total(results.get(source)), f"{source}.total"),
        _line(
            "scope3_cat3",
            "Scope 3 cat. 3: fuel- and energy-related (T&D losses, LB)",
            _total(results.get("scope3_cat3_kgco2e")),
            "scope3_cat3_kgco2e.total",
        ),
    ]
    if cat13 in results:  # tenants controlling their space (docs/methodology.md §1.1)
        lines.append(
            _line(
                "scope3_cat13",
                "Scope 3 cat. 13: downstream leased assets (tenants controlling their space)",
                _total(results.get(cat13)),
                f"{cat13}.total",
            )
        )
    known = [line["kgco2e"] for line in lines if line["kgco2e"] is not None]
    return {
        "title": title,
        "gwp_set": results.get("gwp_set"),
        "lines": lines,
        "total_kgco2e": sum(known),
        "lines_not_available": [line["key"] for line in lines if line["kgco2e"] is None],
        "by_workload_scope2_kgco2e": {
            w: float(v) for w, v in (results.get(source) or {}).items() if w != "total"
        },
        "includes_impact_figures": False,
    }


def _physical(results: dict[str, Any]) -> dict[str, Any]:
    out = _inventory(
        results,
        (
            "scope2_location",
            "Scope 2 location-based (grid-average rates)",
            "scope2_location_kgco2e",
        ),
        "Physical inventory: what the site emitted, location-based",
        "scope3_13_location_kgco2e",
    )
    grid = results.get("grid_intensity_gco2e_per_kwh") or {}
    annual = results.get("scope2_location_annual_factor_kgco2e") or {}
    out["energy_kwh"] = _total(results.get("energy_kwh"))
    out["rests_on"] = {
        "grid_source": grid.get("source"),
        "grid_kind": grid.get("kind"),
        "consumption_weighted_gco2e_per_kwh": grid.get("consumption_weighted"),
        "annual_factor_view_kgco2e": annual.get("total"),
        "annual_factor_id": annual.get("factor_id"),
    }
    return out


def _market(results: dict[str, Any]) -> dict[str, Any]:
    out = _inventory(
        results,
        (
            "scope2_market",
            "Scope 2 market-based (2015 Guidance, annual instruments)",
            "scope2_market_kgco2e",
        ),
        "Market inventory: the emissions the reporter's contracts and instruments assign to it",
        "scope3_13_market_kgco2e",
    )
    market = results.get("market_based") or {}
    coverage = (market.get("coverage_mwh") or {}).get("annual") or {}
    rests_on: dict[str, Any] = {
        "market_boundary": market.get("market_boundary"),
        "coverage_mwh_by_class": dict(coverage),
        "grid_average_fallback_mwh": coverage.get("grid_average"),
        "instruments_applied": len(market.get("register") or []),
        "instruments_excluded": [
            {"instrument_id": e.get("instrument_id"), "reasons": e.get("reasons")}
            for e in market.get("excluded") or []
        ],
        "hourly_matching_memo_kgco2e": _total(results.get("scope2_market_hourly_matching_kgco2e")),
        "hourly_matching_memo_note": "the same instruments matched hour by hour (Scope 2 "
        "revision, proposal); a memo beside the 2015 figure, not a second inventory line",
    }
    editions = results.get("scope2_market_by_edition")
    if isinstance(editions, dict):
        rests_on["editions_kgco2e"] = {
            name: (block or {}).get("total_kgco2e") for name, block in editions.items()
        }
    out["rests_on"] = rests_on
    return out


def _item(key: str, label: str, status: str, source: str, **figures: Any) -> dict[str, Any]:
    return {"key": key, "label": label, "status": status, "source_key": source, **figures}


def _curtailment(results: dict[str, Any]) -> dict[str, Any] | None:
    block = results.get("curtailment")
    if not isinstance(block, dict):
        return None
    avoided = block.get("avoided_emissions")
    return _item(
        "curtailment",
        "Curtailment of the mining fleet (metered, against the median reference)",
        "computed",
        "curtailment",
        curtailed_energy_kwh=block.get("curtailed_energy_kwh"),
        curtailed_hours=block.get("curtailed_hours"),
        reference=block.get("reference"),
        avoided_emissions_marginal=avoided,
    )


def _demand_response(results: dict[str, Any]) -> dict[str, Any] | None:
    block = results.get("demand_response")
    if not isinstance(block, dict):
        return None
    totals = block.get("totals") or {}
    marginal = results.get("demand_response_marginal")
    return _item(
        "demand_response",
        "Demand response events (curtailed MWh against each event's stated baseline)",
        "computed" if totals.get("events") else "no events declared",
        "demand_response",
        events=totals.get("events"),
        hours=totals.get("hours"),
        curtailed_mwh=totals.get("curtailed_mwh"),
        power_resold_mwh=totals.get("power_resold_mwh"),
        credits_by_currency=totals.get("credits_by_currency"),
        avoided_emissions_marginal=marginal
        if marginal is not None
        else "not computed in this document (the period analysis adds it)",
    )


def _avoided_flaring(results: dict[str, Any]) -> dict[str, Any]:
    methane = (results.get("offsets") or {}).get("avoided_methane") or {}
    register = methane.get("register") or []
    return _item(
        "avoided_flaring",
        "Avoided flaring / avoided methane (declared credits, their own method)",
        "declared" if register else "not declared",
        "offsets.avoided_methane",
        credits_retired_tco2e=methane.get("retired_tco2e") if register else None,
        credits=len(register),
        note="credits for methane destroyed by burning flare or associated gas; the gensets' "
        "combustion stays in Scope 1 in full",
    )


def _stayed_mining(results: dict[str, Any]) -> dict[str, Any] | None:
    block = results.get("counterfactual")
    if not isinstance(block, dict):
        return None
    if not block.get("available"):
        return _item(
            "stayed_mining",
            "Stayed-mining scenario (converted halls as if still mining)",
            "not available",
            "counterfactual",
            reason=block.get("reason"),
        )
    actual = block.get("actual") or {}
    scenario_lb = block.get("scope2_location_kgco2e")
    actual_lb = actual.get("scope2_location_kgco2e")
    return _item(
        "stayed_mining",
        "Stayed-mining scenario (converted halls as if still mining)",
        "computed",
        "counterfactual",
        scenario_facility_energy_kwh=block.get("facility_energy_kwh"),
        scenario_scope2_location_kgco2e=scenario_lb,
        scenario_scope2_market_kgco2e=block.get("scope2_market_kgco2e"),
        actual_facility_energy_kwh=actual.get("facility_energy_kwh"),
        actual_scope2_location_kgco2e=actual_lb,
        actual_minus_scenario_location_kgco2e=None
        if scenario_lb is None or actual_lb is None
        else float(actual_lb) - float(scenario_lb),
        method=block.get("method"),
    )


def _impact(results: dict[str, Any]) -> dict[str, Any]:
    found = [
        _curtailment(results),
        _demand_response(results),
        _avoided_flaring(results),
        _stayed_mining(results),
    ]
    return {
        "title": "Impact statement: consequential effects, outside both inventories",
        "items": [item for item in found if item is not None],
        "netted_into_inventory": False,
        "note": "each item has its own method and reference; the items are not added to one "
        "another (they overlap: demand-response events are part of the metered curtailment) "
        "nor to or from any inventory line",
    }


def statements_block(results: dict[str, Any]) -> dict[str, Any]:
    """``statements``: ``physical_inventory``, ``market_inventory`` and ``impact`` of a results
    document (the inventory statements read :data:`INVENTORY_KEYS` only)."""
    inventory_view = {k: results[k] for k in INVENTORY_KEYS if k in results}
    impact_view = {k: results[k] for k in IMPACT_KEYS if k in results}
    return {
        "rule": STATEMENTS_RULE,
        "status": {
            "separate_statements": "GHG Protocol Actions and Market Instruments (white paper "
            "and RFI, 2026): proposal, not in force",
            "never_netted": "in force: GHG Protocol Corporate Standard and Scope 2 Guidance "
            "(2015) ch. 7; ESRS E1-7; IFRS S2",
        },
        "physical_inventory": _physical(inventory_view),
        "market_inventory": _market(inventory_view),
        "impact": _impact(impact_view),
    }
