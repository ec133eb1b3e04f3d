"""Context of the emissions by scope: Scope 1, both Scope 2 bases, Scope 3 category 3(c),
the contractual instruments, the matching metrics and CUE.

Read by the summary's sentences too.
"""

from __future__ import annotations

from carbon.report.numbers import convert, in_display_unit

__all__ = ["scopes_context"]

_TD = "scope3_3_td_losses_kgco2e"


def _tonnes(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def scopes_context(results: dict) -> dict | None:
    """Scope 1, both Scope 2 bases, Scope 3.3 and, when a tenant controls its space, Scope 3
    cat. 13 on both bases, for display (None for older results)."""
    if "scope2_market_kgco2e" not in results:
        return None

    def row(label: str, block: dict | None, note: str = "") -> dict:
        block = block or {}
        return {
            "label": label,
            **{part: _tonnes(block.get(part)) for part in ("mining", "ai", "total")},
            "note": note,
        }

    annual_view = results.get("scope2_location_annual_factor_kgco2e", {}) or {}
    market = results.get("market_based", {}) or {}
    metrics = market.get("metrics", {}) or {}
    labels = market.get("metric_labels", {}) or {}
    s1_gases = results.get("scope1_gases", {}) or {}
    td = results.get("scope3_3_td_losses_kgco2e", {}) or {}
    cue = results.get("cue_kgco2e_per_kwh_it", {}) or {}
    rows = [
        row("Scope 1: on-site combustion", results.get("scope1_kgco2e"), "not split by workload"),
        row("Scope 2 location-based, hourly factors", results.get("scope2_location_kgco2e")),
        row(
            "Scope 2 location-based, annual factor (reconciliation view)",
            {"total": annual_view.get("total")},
            "total only",
        ),
        row("Scope 2 market-based, 2015 annual matching", results.get("scope2_market_kgco2e")),
        row(
            "Scope 2 market-based, hourly matching",
            results.get("scope2_market_hourly_matching_kgco2e"),
        ),
        row(
            "Scope 3 cat. 3(c): T&D losses (location-based)",
            {"total": td.get("total")},
            "outside Scope 2",
        ),
    ]
    leased = results.get("scope3_13_leased_assets") or {}
    if leased.get("parties"):  # tenants controlling their space (docs/methodology.md §1.1)
        names = ", ".join(p["party"] for p in leased["parties"])
        rows += [
            row(
                "Scope 3 cat. 13: downstream leased assets, location-based",
                results.get("scope3_13_location_kgco2e"),
                f"{names}; out of Scope 2",
            ),
            row(
                "Scope 3 cat. 13: downstream leased assets, market-based",
                results.get("scope3_13_market_kgco2e"),
                f"{names}; out of Scope 2",
            ),
        ]
    register = _register(market.get("register", []))
    return {
        "rows": rows,
        "leased": {
            "parties": [p["party"] for p in leased["parties"]],
            "consolidation": leased.get("consolidation"),
            "location_t": _tonnes(leased.get("location_kgco2e")),
            "market_t": _tonnes(leased.get("market_kgco2e")),
            "site_location_t": _tonnes(leased.get("site_scope2_location_kgco2e")),
            "site_market_t": _tonnes(leased.get("site_scope2_market_kgco2e")),
        }
        if leased.get("parties")
        else None,
        "gwp_set": results.get("gwp_set"),
        "reporter": market.get("reporter"),
        "market_boundary": market.get("market_boundary"),
        "metrics": [
            {"label": labels.get(key, key), "value": metrics.get(key), "key": key}
            for key in ("annual_match", "hourly_matched_share", "cfe_share")
        ],
        "grid_cfe": _grid_cfe(results.get("grid_cfe")),
        "coverage": market.get("coverage_mwh", {}) or {},
        "register": register,
        "notes": market.get("notes", []) or [],
        "scope1": {
            "co2_kg": s1_gases.get("co2_kg"),
            "ch4_kg": s1_gases.get("ch4_kg"),
            "n2o_kg": s1_gases.get("n2o_kg"),
            "biogenic_co2_kg": s1_gases.get("biogenic_co2_kg"),
            "biogenic_co2_t": in_display_unit(
                s1_gases.get("biogenic_co2_kg"), "scope1_gases.biogenic_co2_kg"
            ),
            "fuel_mmbtu": s1_gases.get("fuel_energy_mmbtu_hhv"),
            "records": s1_gases.get("records", 0),
        },
        "td": {
            "grid_gross_loss_pct": in_display_unit(
                td.get("grid_gross_loss"), f"{_TD}.grid_gross_loss"
            ),
            "loss_ratio_pct": in_display_unit(td.get("loss_ratio"), f"{_TD}.loss_ratio"),
            "lost_mwh": in_display_unit(td.get("lost_energy_kwh"), f"{_TD}.lost_energy_kwh"),
            "source": td.get("source", ""),
        },
        "cue_lb": cue.get("location_based"),
        "cue_mb": cue.get("market_based"),
    }


def _grid_cfe(block: dict | None) -> dict[str, str]:
    """Which source gave the grid carbon-free share of CFE%, or why CFE% is not available."""
    if not block:
        return {"source": "", "reason": "no grid carbon-free share was read"}
    return {
        "source": block.get("source") or "",
        "reason": block.get("not_available") or "",
        "carbon_free_set": block.get("carbon_free_set") or "",
    }


def _register(register: list[dict]) -> list[dict]:
    """The instruments of the market-based result, as the register states them; a rate
    instrument (residual mix, supplier factor) shows the uncovered load it covers and its
    rate."""
    rows = []
    for r in register:
        rate = r.get("rate_gco2e_per_kwh") if r["kind"] in _RATE_KINDS else None
        reasons = list(r.get("reasons", []))
        if rate is not None:
            reasons.insert(0, f"rate {rate:,.1f} kg CO2e/MWh")  # 1 g/kWh = 1 kg/MWh
        rows.append(
            {
                "id": r["instrument_id"],
                "kind": r["kind"].replace("_", " "),
                "technology": r.get("technology") or "–",
                "status": r["status"],
                "available_mwh": r.get("available_mwh"),
                "used_annual_mwh": r.get("covered_annual_mwh")
                if r["kind"] in _RATE_KINDS
                else r.get("used_annual_mwh"),
                "used_hourly_mwh": r.get("covered_hourly_mwh")
                if r["kind"] in _RATE_KINDS
                else r.get("used_hourly_mwh"),
                "reasons": "; ".join(reasons),
            }
        )
    return rows


_RATE_KINDS = ("residual_mix", "supplier_factor")
