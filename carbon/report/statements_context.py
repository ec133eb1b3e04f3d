"""The three statement pages (physical inventory, market inventory, impact) from the
``statements`` and ``gwp_sets`` blocks of results.json: formatting only, in tonnes."""

from __future__ import annotations

from typing import Any

__all__ = ["gwp_rows", "impact_rows", "inventory_rows"]

_GWP_FIGURES = (
    ("scope1_kgco2e", "Scope 1"),
    ("scope2_location_kgco2e", "Scope 2 location-based"),
    ("scope2_market_kgco2e", "Scope 2 market-based"),
    ("scope3_3_td_losses_kgco2e", "Scope 3 cat. 3(c) T&D losses"),
    ("total_location_based_kgco2e", "Total, location-based"),
    ("total_market_based_kgco2e", "Total, market-based"),
)


def _t(kg: Any) -> float | None:
    return None if kg is None else float(kg) / 1000.0


def inventory_rows(statement: dict[str, Any] | None) -> dict[str, Any] | None:
    """Lines and total of an inventory statement [t CO2e], with the key each line carries."""
    if not statement:
        return None
    return {
        "title": statement.get("title"),
        "gwp_set": statement.get("gwp_set"),
        "lines": [
            {"label": line["label"], "t": _t(line["kgco2e"]), "source_key": line["source_key"]}
            for line in statement.get("lines", [])
        ],
        "total_t": _t(statement.get("total_kgco2e")),
        "not_available": statement.get("lines_not_available") or [],
        "by_workload": {
            w: _t(v) for w, v in (statement.get("by_workload_scope2_kgco2e") or {}).items()
        },
        "rests_on": statement.get("rests_on") or {},
        # sorted: results.json is written with sorted keys (the HTML must not depend on order)
        "coverage": sorted(
            ((statement.get("rests_on") or {}).get("coverage_mwh_by_class") or {}).items()
        ),
        "editions": sorted(
            ((statement.get("rests_on") or {}).get("editions_kgco2e") or {}).items()
        ),
    }


def _avoided(value: Any) -> str | float | None:
    """Avoided emissions at the marginal rate: t (gas) or the reason it is not there."""
    if isinstance(value, dict):
        return None if value.get("kg") is None else float(value["kg"]) / 1000.0
    return value


def impact_rows(statement: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One row per impact item: what it is, its status, its headline figures."""
    rows: list[dict[str, Any]] = []
    for item in (statement or {}).get("items", []):
        figures: list[tuple[str, Any, str]] = []
        key = item["key"]
        if key == "curtailment":
            figures = [
                ("Curtailed energy", _t(item.get("curtailed_energy_kwh")), "MWh"),
                ("Curtailed hours", item.get("curtailed_hours"), "h"),
            ]
        elif key == "demand_response":
            figures = [
                ("Events", item.get("events"), ""),
                ("Curtailed vs stated baselines", item.get("curtailed_mwh"), "MWh"),
                ("Power resold", item.get("power_resold_mwh"), "MWh"),
            ]
        elif key == "avoided_flaring":
            figures = [("Credits retired", item.get("credits_retired_tco2e"), "t CO2e")]
        elif key == "stayed_mining":
            figures = [
                ("Scenario Scope 2 LB", _t(item.get("scenario_scope2_location_kgco2e")), "t CO2e"),
                ("Actual Scope 2 LB", _t(item.get("actual_scope2_location_kgco2e")), "t CO2e"),
                (
                    "Actual minus scenario",
                    _t(item.get("actual_minus_scenario_location_kgco2e")),
                    "t CO2e",
                ),
            ]
        marginal = item.get("avoided_emissions_marginal")
        rows.append(
            {
                "label": item["label"],
                "status": item["status"],
                "source_key": item["source_key"],
                "figures": [f for f in figures if f[1] is not None],
                "has_marginal": key in ("curtailment", "demand_response"),
                "marginal_t": _avoided(marginal) if not isinstance(marginal, str) else None,
                "marginal_reason": marginal if isinstance(marginal, str) else None,
                "reason": item.get("reason"),
            }
        )
    return rows


def gwp_rows(block: dict[str, Any] | None) -> dict[str, Any] | None:
    """Each figure under each GWP set [t CO2e], and the set each figure uses."""
    if not block:
        return None
    # the report's set first, then the others by name (results.json is written with sorted
    # keys, so the order must not come from the document)
    reporting = block.get("reporting_set")
    sets = sorted(block.get("sets") or {}, key=lambda name: (name != reporting, name))
    rows = [
        {"label": label, "by_set": [_t(block["sets"][s].get(key)) for s in sets]}
        for key, label in _GWP_FIGURES
    ]
    uses = {s: block["sets"][s].get("used_by") or [] for s in sets}
    gwps = {
        s: (block["sets"][s].get("gwp_ch4_combustion"), block["sets"][s].get("gwp_n2o"))
        for s in sets
    }
    figures = [
        {"label": label, **(block.get("figures") or {}).get(key, {})}
        for key, label in _GWP_FIGURES[:4]
    ]
    location = (block.get("figures") or {}).get("scope2_location_kgco2e") or {}
    return {
        "reporting_set": block.get("reporting_set"),
        # hours at an eGRID annual rate are restated per set (US sites); else none are
        "egrid_restated": location.get("recomputed_per_set", "no") != "no",
        "sets": sets,
        "rows": rows,
        "uses": uses,
        "gwps": gwps,
        "figures": figures,
    }
