"""Context of the register section: boundary, credits and retired hardware.

Display only: the figures come from results.json as they are (``offsets``,
``boundary``, ``retired_hardware``), converted to display units; nothing is
computed a second time. The network comparison and the assurance panel are
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
        "gross_rows": [{"label": label, "value": gross.get(key)} for key, label in _GROSS_LABELS],
    }


def register_context(results: dict[str, Any]) -> dict[str, Any]:
    """The ``register`` entry of the template context: boundary, credits, retired hardware."""
    return {
        "boundary": _boundary(results.get("boundary")),
        "offsets": _offsets(results.get("offsets")),
        "hardware": results.get("retired_hardware"),
    }
