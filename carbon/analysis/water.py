"""Site water: withdrawal, consumption, WUE and cooling type per hall
(docs/disclosure-items.md item 18).

Volumes come from the site file's ``[[water]]`` rows (utility bills or meters);
WUE = site water withdrawal ÷ IT energy [L/kWh] (ISO/IEC 30134-9, via
:func:`carbon.analysis.kpis.wue`); cooling type per hall from ``[[cooling]]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbon.analysis import kpis
from carbon.core.units import parse_quantity

if TYPE_CHECKING:  # pragma: no cover
    from carbon.site.activity import WaterPeriod
    from carbon.site.operating import HallCooling

__all__ = ["COOLING_LABELS", "water_block"]

COOLING_LABELS: dict[str, str] = {
    "air": "air-cooled (fans, no water)",
    "evaporative": "evaporative (water consumed)",
    "adiabatic": "adiabatic assist (water in hot hours)",
    "dry_cooler": "dry cooler (closed loop, no evaporation)",
    "chilled_water": "chilled water",
    "direct_to_chip_liquid": "direct-to-chip liquid",
    "immersion": "immersion",
    "hybrid": "hybrid",
}


def water_block(
    record: WaterPeriod | None,
    it_energy: Any,
    cooling: list[HallCooling],
    *,
    months: int,
) -> dict[str, Any]:
    """The ``water`` block of results.json (m³, L/kWh; plain numbers)."""
    halls = [
        {"hall": c.hall, "cooling": c.cooling, "label": COOLING_LABELS[c.cooling], "note": c.note}
        for c in cooling
    ]
    if record is None:
        return {
            "withdrawal_m3": None,
            "consumption_m3": None,
            "potable_m3": None,
            "wue_l_per_kwh": None,
            "cooling_by_hall": halls,
            "source": None,
            "note": "no [[water]] record for the period",
        }
    withdrawal = parse_quantity(record.withdrawal, "m^3", "water withdrawal")

    def m3(text: str | None, what: str) -> float | None:
        return (
            None if text is None else float(parse_quantity(text, "m^3", what).to("m^3").magnitude)
        )

    wue = kpis.wue(withdrawal, it_energy, months=months)
    return {
        "withdrawal_m3": float(withdrawal.to("m^3").magnitude),
        "consumption_m3": m3(record.consumption, "water consumption"),
        "potable_m3": m3(record.potable, "potable water"),
        "wue_l_per_kwh": wue.magnitude("L/kWh"),
        "wue_definition": "site water withdrawal ÷ IT energy (ISO/IEC 30134-9 WUE)",
        "cooling_by_hall": halls,
        "source": record.source,
        "note": "consumption = withdrawal minus discharge"
        if record.consumption is not None
        else "consumption not stated in the site file",
    }
