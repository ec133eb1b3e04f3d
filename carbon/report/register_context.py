"""Template context of the register sections: boundary, credits, retired hardware,
network comparison and the assurance panel.

Display only: the figures come from results.json as they are (``offsets``,
``boundary``, ``retired_hardware``, ``network_comparison``, ``assurance``),
converted to display units; nothing is computed a second time.
"""

from __future__ import annotations

from typing import Any

from carbon.report.numbers import in_display_unit

__all__ = ["REGISTER_SECTIONS", "register_context"]

#: Sections inserted before the audit sections: (anchor id, title).
REGISTER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("register", "Boundary, credits and retired hardware"),
    ("network", "Network comparison"),
)

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
    """The ``register``, ``network`` and ``assurance`` entries of the template context."""
    return {
        "register": {
            "boundary": _boundary(results.get("boundary")),
            "offsets": _offsets(results.get("offsets")),
            "hardware": results.get("retired_hardware"),
        },
        "network": results.get("network_comparison"),
        "assurance": results.get("assurance"),
    }
