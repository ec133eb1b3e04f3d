"""Context of the register section: boundary, credits, retired hardware and the register of
contractual instruments.

Display only: the figures come from results.json as they are (``offsets``,
``boundary``, ``retired_hardware``, ``market_based.register``), converted to display units;
nothing is computed a second time. The network comparison and the assurance panel are
shown as results.json states them.
"""

from __future__ import annotations

from typing import Any

from carbon.report.numbers import in_display_unit

__all__ = ["register_context"]

_CONTRACTS = "boundary.power_contracts[]"
_GROSS_LABELS = (
    ("scope1", "Scope 1 (gross)"),
    ("scope2_location", "Scope 2, location-based (gross)"),
    ("scope2_market", "Scope 2, market-based (gross)"),
    ("scope3_cat3", "Scope 3 category 3 (gross)"),
    ("scope3_cat13_location", "Scope 3 category 13, location-based (gross)"),
    ("scope3_cat13_market", "Scope 3 category 13, market-based (gross)"),
)


def _boundary(block: dict[str, Any] | None) -> dict[str, Any] | None:
    if not block:
        return None
    if not block.get("declared"):
        return {"declared": False, "note": block.get("note", "")}
    contracts = [
        {
            **c,
            "energy_mwh": in_display_unit(c.get("energy_kwh"), f"{_CONTRACTS}.energy_kwh"),
            "location_t": in_display_unit(
                c.get("scope2_location_kgco2e"), f"{_CONTRACTS}.scope2_location_kgco2e"
            ),
            "market_t": in_display_unit(
                c.get("scope2_market_kgco2e"), f"{_CONTRACTS}.scope2_market_kgco2e"
            ),
        }
        for c in block.get("power_contracts") or ()
    ]
    return {**block, "power_contracts": contracts}


def _offsets(block: dict[str, Any] | None) -> dict[str, Any] | None:
    if not block:
        return None
    gross = block.get("gross_inventory_tco2e") or {}
    return {
        **block,
        "gross_rows": [
            {"label": label, "value": gross.get(key)}
            for key, label in _GROSS_LABELS
            if key in gross
        ],
    }


_INSTRUMENT = "market_based.register[]"
_KINDS = {
    "certificate": "Certificate",
    "ppa": "PPA",
    "green_tariff": "Green tariff",
    "supplier_factor": "Supplier factor",
    "residual_mix": "Residual mix",
}


def _span(start: Any, end: Any) -> str | None:
    if not start and not end:
        return None
    return f"{str(start or '?')[:10]} to {str(end or '?')[:10]}"


def _instrument(row: dict[str, Any]) -> dict[str, Any]:
    def mwh(key: str) -> float | None:
        return in_display_unit(row.get(key), f"{_INSTRUMENT}.{key}")

    serials = None
    if row.get("serial_start"):
        serials = f"{row['serial_start']} – {row.get('serial_end')}"
        if row.get("serial_count") is not None:
            serials += f" ({row['serial_count']:,} certificates)"
    rate_instrument = row.get("kind") in ("residual_mix", "supplier_factor")
    return {
        "id": row.get("instrument_id"),
        "kind": _KINDS.get(str(row.get("kind")), str(row.get("kind"))),
        "technology": row.get("technology") or "–",
        "status": row.get("status"),
        "rate_instrument": rate_instrument,
        "volume_mwh": mwh("volume_mwh"),
        "available_mwh": mwh("available_mwh"),
        "applied_annual_mwh": mwh("covered_annual_mwh" if rate_instrument else "used_annual_mwh"),
        "applied_hourly_mwh": mwh("covered_hourly_mwh" if rate_instrument else "used_hourly_mwh"),
        "surplus_mwh": mwh("surplus_annual_mwh"),
        "rate": in_display_unit(row.get("rate_gco2e_per_kwh"), f"{_INSTRUMENT}.rate_gco2e_per_kwh"),
        "details": [
            (label, value)
            for label, value in (
                ("registry", row.get("registry")),
                ("serials", serials),
                ("vintage", _span(row.get("vintage_start"), row.get("vintage_end"))),
                ("retired", row.get("retirement_date")),
                ("beneficiary", row.get("beneficiary")),
                ("generator", row.get("generator_id")),
                ("applies to", _span(row.get("consumption_start"), row.get("consumption_end"))),
                ("evidence", row.get("source")),
            )
            if value
        ],
        "failed": [
            f"criterion {c['criterion']} ({c['name']}): {c['reason']}"
            for c in row.get("criteria_failed") or ()
        ],
        "note": "; ".join(r for r in row.get("reasons") or () if not r.startswith("criterion ")),
    }


def register_context(results: dict[str, Any]) -> dict[str, Any]:
    """The ``register`` entry of the template context: boundary, credits, retired hardware
    and the instrument register."""
    market = results.get("market_based") or {}
    return {
        "boundary": _boundary(results.get("boundary")),
        "offsets": _offsets(results.get("offsets")),
        "hardware": results.get("retired_hardware"),
        "instruments": [_instrument(r) for r in market.get("register") or ()],
    }
