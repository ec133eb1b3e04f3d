"""Report context of the operating disclosures, from results.json only (no recomputation).

Two sections read it: ``site_operations`` (capacity stack, contracted pipeline,
hashrate, production) and ``clean_cost_water`` (the three clean-energy shares,
demand response, energy cost bridge, water).
"""

from __future__ import annotations

from typing import Any

from carbon.report.numbers import convert

__all__ = ["operating_context"]

_CAPACITY_ROWS = (
    ("interconnect_approved", "Interconnect, approved"),
    ("gross_energised", "Gross energised"),
    ("mining", "Mining"),
    ("critical_it_contracted", "Critical IT, contracted"),
    ("critical_it_energised", "Critical IT, energised"),
    ("critical_it_billable", "Critical IT, billable"),
)
_HASHRATE_ROWS = (
    ("installed", "Installed (month end)", 0),
    ("energised", "Energised (month end)", 0),
    ("average_operating", "Average operating (month)", 0),
    ("average_operating_self", "… self-mining", 0),
    ("average_operating_hosted", "… hosted clients", 0),
    ("uptime", "Uptime", 1),
    ("fleet_efficiency_rated", "Fleet efficiency, rated", 2),
    ("fleet_efficiency_realised", "Fleet efficiency, realised", 2),
    ("fleet_efficiency_facility", "Fleet efficiency, facility level", 2),
)
_PRODUCTION_ROWS = (
    ("energy_per_btc_self_mwh", "Energy per BTC, self-mining", 1),
    ("energy_per_btc_hosted_mwh", "Energy per BTC, hosted clients", 1),
    ("emissions_per_btc_self_location_tco2e", "Emissions per BTC, self-mining, LB", 1),
    ("emissions_per_btc_self_market_tco2e", "Emissions per BTC, self-mining, MB", 1),
    ("energy_per_ph_day_kwh", "Energy per PH/s-day", 1),
    ("emissions_per_ph_day_location_kgco2e", "Emissions per PH/s-day, LB", 1),
    ("emissions_per_ph_day_market_kgco2e", "Emissions per PH/s-day, MB", 1),
)
_PRODUCTION_UNITS = {
    "energy_per_btc_self_mwh": "MWh/BTC",
    "energy_per_btc_hosted_mwh": "MWh/BTC",
    "emissions_per_btc_self_location_tco2e": "t CO2e/BTC",
    "emissions_per_btc_self_market_tco2e": "t CO2e/BTC",
    "energy_per_ph_day_kwh": "kWh/(PH/s·day)",
    "emissions_per_ph_day_location_kgco2e": "kg CO2e/(PH/s·day)",
    "emissions_per_ph_day_market_kgco2e": "kg CO2e/(PH/s·day)",
}
_COST_ROWS = (
    ("gross", "Gross energy and delivery charges", ""),
    ("credits", "Demand-response credits received", "−"),
    ("hedges", "Hedge settlements (paid +, received −)", "+"),
    ("certificates", "Certificate (EAC) spend", "+"),
    ("net", "Net energy cost", "="),
)


def _percent(value: Any) -> float | None:
    return convert(value, "1", "percent")


def _capacity(block: dict[str, Any]) -> dict[str, Any]:
    month_end = block.get("month_end") or {}
    records = {r["measure"]: r for r in month_end.get("records", [])}
    defs = block.get("definitions") or {}
    rows = []
    for key, name in _CAPACITY_ROWS:
        r = records.get(key) or {}
        rows.append(
            {
                "name": name,
                "value": month_end.get(f"{key}_mw"),
                "effective_from": r.get("effective_from"),
                "status": r.get("status") or "",
                "definition": defs.get(key, ""),
            }
        )
    return {
        "date": month_end.get("date", ""),
        "rows": rows,
        "energy_mwh": block.get("metered_energy_mwh"),
        "hours": block.get("hours"),
        "gaps": block.get("metered_intervals_without_data", 0),
        "average_mw": block.get("average_mw"),
        "load_factor_percent": _percent(block.get("load_factor")),
        "average_definition": defs.get("average_mw", ""),
        "load_factor_definition": defs.get("load_factor", ""),
        "pipeline": block.get("pipeline") or [],
        "pipeline_label": block.get("pipeline_label", ""),
        "names": dict(_CAPACITY_ROWS),
    }


def _hashrate(block: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, name, decimals in _HASHRATE_ROWS:
        f = block.get(key) or {}
        value, unit = f.get("value"), f.get("unit", "")
        if unit == "fraction":
            value, unit = _percent(value), "%"
        rows.append(
            {
                "name": name,
                "unit": unit,
                "value": value,
                "decimals": decimals,
                "definition": f.get("definition", ""),
            }
        )
    return rows


def _missing_reason(key: str, block: dict[str, Any]) -> str:
    """Why a production figure that the results leave out without a reason is missing."""
    if "hosted" in key and not block.get("btc_mined_hosted"):
        return "no BTC mined for hosted clients in the period"
    if block.get("btc_mined_self") is None:
        return "no mining activity data for the period"
    return "an input it needs is not in the results"


def _production(block: dict[str, Any]) -> dict[str, Any]:
    figures = block.get("figures") or {}
    missing = block.get("not_computed") or {}
    rows = []
    for key, name, decimals in _PRODUCTION_ROWS:
        f = figures.get(key)
        reason = missing.get(key) or _missing_reason(key, block)
        rows.append(
            {
                "name": name,
                "unit": (f or {}).get("unit") or _PRODUCTION_UNITS[key],
                "value": None if f is None else f.get("value"),
                "decimals": decimals,
                "definition": (f or {}).get("definition") or f"not computed: {reason}",
            }
        )
    return {
        "btc_self": block.get("btc_mined_self"),
        "btc_hosted": block.get("btc_mined_hosted"),
        "rows": rows,
    }


def _shares(block: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key in ("grid_carbon_free_location", "certificate_renewable_annual", "hourly_matched_cfe"):
        s = block.get(key) or {}
        rows.append(
            {
                "label": s.get("label", key),
                "percent": _percent(s.get("value")),
                "definition": s.get("definition", ""),
                "source": s.get("source") or s.get("not_computed") or "",
            }
        )
    return rows


def _cost(block: dict[str, Any]) -> dict[str, Any]:
    currency = block.get("currency")
    if not currency:
        return {"available": False, "reason": block.get("not_computed", "")}
    return {
        "available": True,
        "currency": currency,
        "rows": [
            {
                "op": op,
                "name": name,
                "amount": block.get(key),
                "per_mwh": block.get(f"{key}_per_mwh"),
                "total": key == "net",
            }
            for key, name, op in _COST_ROWS
        ],
        "net_per_btc": block.get("net_per_btc"),
        "self_share_percent": _percent(block.get("self_mining_energy_share")),
        "energy_mwh": block.get("metered_energy_mwh"),
        "definitions": block.get("definitions") or {},
        "label": block.get("label", ""),
        "source": block.get("source") or "",
    }


def _demand_response(block: dict[str, Any]) -> dict[str, Any]:
    events = []
    for e in block.get("events") or []:
        events.append(
            {
                **e,
                "day": str(e.get("start", ""))[:10],
                "window": f"{str(e.get('start', ''))[11:16]}–{str(e.get('end', ''))[11:16]}",
                "credits_amount": (e.get("credits") or {}).get("amount"),
                "resale_amount": (e.get("resale_revenue") or {}).get("amount"),
            }
        )
    currencies = sorted(
        set((block.get("totals") or {}).get("credits_by_currency", {}))
        | set((block.get("totals") or {}).get("resale_revenue_by_currency", {}))
    )
    return {
        "events": events,
        "totals": block.get("totals") or {},
        "currency": ", ".join(currencies) if currencies else "",
        "programmes": sorted({e["programme"] for e in events}),
        "label": block.get("label", ""),
        "baseline_definition": block.get("baseline_definition", ""),
        "metered": block.get("metered_curtailment") or {},
    }


def operating_context(results: dict[str, Any]) -> dict[str, Any]:
    """The ``operating`` entry of the report context."""
    water = {
        "withdrawal_m3": None,
        "consumption_m3": None,
        "wue_l_per_kwh": None,
        "cooling_by_hall": [],
        "note": "",
        "source": None,
        **(results.get("water") or {}),
    }
    return {
        "available": "capacity" in results,
        "capacity": _capacity(results.get("capacity") or {}),
        "hashrate": _hashrate(results.get("hashrate") or {}),
        "production": _production(results.get("production") or {}),
        "shares": _shares(results.get("clean_energy_shares") or {}),
        "shares_note": (results.get("clean_energy_shares") or {}).get("note", ""),
        "demand_response": _demand_response(results.get("demand_response") or {}),
        "cost": _cost(results.get("energy_cost") or {}),
        "water": water,
    }
