"""Hashrate under named definitions and fleet efficiency (docs/disclosure-items.md items 5-6,
docs/methodology.md §8).

Every figure carries its definition, so installed, energised and average
operating hashrate are never confused, nor rated (nameplate) and realised J/TH:

- installed: nameplate hashrate of the units deployed at the month end;
- energised: hashrate of the units powered and able to hash at the month end;
- average operating: realised (pool-side) hashrate averaged over the month;
  split into self-mining and hosted clients;
- uptime = average operating ÷ energised hashrate (hash-weighted);
- fleet efficiency rated = Σ P_rated / Σ H_rated (power-weighted nameplate);
  realised = metered mining IT energy ÷ hashes delivered (H_avg × Δt);
  facility = realised × mining PUE. The J/TH figures come from
  :func:`carbon.analysis.activity.sector_metrics`.
"""

from __future__ import annotations

from typing import Any

import pint

from carbon.analysis.activity import HASHRATE_DEFINITIONS, SectorMetrics
from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import ureg

__all__ = ["HASHRATE_FIGURE_DEFINITIONS", "hashrate_block", "uptime"]

_UNIT = "PH/s"
#: results.json key → definition printed beside the figure.
HASHRATE_FIGURE_DEFINITIONS: dict[str, str] = {
    "installed": HASHRATE_DEFINITIONS["installed"] + ", at the month end",
    "energised": HASHRATE_DEFINITIONS["energised"] + ", at the month end",
    "average_operating": HASHRATE_DEFINITIONS["average"] + ", mean over the month, all mining",
    "average_operating_self": HASHRATE_DEFINITIONS["average"] + ", self-mining fleet",
    "average_operating_hosted": HASHRATE_DEFINITIONS["average"] + ", hosted clients' machines",
    "uptime": "average operating ÷ energised hashrate (hash-weighted uptime)",
    "fleet_efficiency_rated": "rated: Σ P_rated / Σ H_rated over the miner groups "
    "(power-weighted nameplate, never a mean of model ratings)",
    "fleet_efficiency_realised": "realised: metered mining IT energy ÷ hashes delivered "
    "(average operating hashrate × hours of the month)",
    "fleet_efficiency_facility": "facility: realised J/TH × mining PUE (incl. mining overhead)",
}


def uptime(average: Any, energised: Any) -> pint.Quantity:
    """Uptime = average operating ÷ energised hashrate [dimensionless]."""
    for q, what in ((average, "average operating hashrate"), (energised, "energised hashrate")):
        if not isinstance(q, ureg.Quantity) or not q.is_compatible_with("TH/s"):
            got = getattr(q, "units", type(q).__name__)
            raise UnitError(f"{what} must be a hashrate (TH/s, PH/s, EH/s), got {got}")
    if float(energised.to("TH/s").magnitude) <= 0:
        raise InputDataError("energised hashrate must be positive for an uptime")
    return (average / energised).to("dimensionless")


def _entry(value: float | None, unit: str, key: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "definition": HASHRATE_FIGURE_DEFINITIONS[key]}


def hashrate_block(metrics: SectorMetrics | None) -> dict[str, Any]:
    """The ``hashrate`` block of results.json: figure → {value, unit, definition}."""
    act = None if metrics is None else metrics.activity

    def ph(q: pint.Quantity | None) -> float | None:
        return None if q is None else float(q.to(_UNIT).magnitude)

    out: dict[str, Any] = {}
    installed = None if act is None else act.hashrate_installed
    energised = None if act is None else act.hashrate_energised
    average = None if act is None else act.hashrate_average
    hosted = None if act is None else act.hashrate_average_hosted
    if average is not None and hosted is None:
        hosted = average * 0
    out["installed"] = _entry(ph(installed), _UNIT, "installed")
    out["energised"] = _entry(ph(energised), _UNIT, "energised")
    out["average_operating"] = _entry(ph(average), _UNIT, "average_operating")
    out["average_operating_self"] = _entry(
        None if average is None else ph(average - hosted), _UNIT, "average_operating_self"
    )
    out["average_operating_hosted"] = _entry(ph(hosted), _UNIT, "average_operating_hosted")
    up = None
    if average is not None and energised is not None and float(energised.magnitude) > 0:
        up = float(uptime(average, energised).magnitude)
    out["uptime"] = _entry(up, "fraction", "uptime")
    for key, figure in (
        ("fleet_efficiency_rated", "fleet_efficiency_nameplate_j_per_th"),
        ("fleet_efficiency_realised", "fleet_efficiency_realised_j_per_th"),
        ("fleet_efficiency_facility", "fleet_efficiency_facility_j_per_th"),
    ):
        f = None if metrics is None else metrics.figure(figure)
        entry = _entry(None if f is None else f.value, "J/TH", key)
        if f is not None and key == "fleet_efficiency_facility":
            entry["definition"] = f"{entry['definition']}; {f.label.split('; ')[1]}"
        out[key] = entry
    return out
