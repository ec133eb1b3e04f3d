"""Context of the 'Scope 2 target tracker' section, from the ``sbti`` block of ``results.json``.

Display only: figures converted to their display units (kg → t, kWh → GWh), the chart
drawn by :mod:`carbon.report.targets_chart`. Nothing is computed here.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from carbon.report.numbers import convert
from carbon.report.targets_chart import tracker_svg

__all__ = ["no_targets", "targets_context"]


def _t(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def _gwh(kwh: float | None) -> float | None:
    return convert(kwh, "kWh", "GWh")


def _months(labels: list[str]) -> str:
    if not labels:
        return "declared"
    if len(labels) == 12:
        return "12 of 12"
    return f"{len(labels)} of 12 ({labels[0]} to {labels[-1]})"


def no_targets(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    """Why the tracker has no page ("no targets declared"), or None when it has one."""
    sbti = results.get("sbti")
    if sbti is None:
        return "not in the results of this report (added in a later version)"
    if sbti.get("available") or sbti.get("declared"):
        return None
    return str(sbti.get("reason") or "no targets declared")


def targets_context(results: dict[str, Any]) -> dict[str, Any]:
    """Rows, verdicts and the chart of the tracker (``available`` false with ``reason``)."""
    sbti = results.get("sbti") or {}
    if not sbti.get("available"):
        return {"available": False, "reason": sbti.get("reason"), "sbti": sbti}
    rows = [
        {
            "year": r["year"],
            "months": _months(r["months"]),
            "complete": r["complete"],
            "location_t": _t(r["location_kgco2e"]),
            "annualised_t": _t(r.get("annualised_location_kgco2e")),
            "path_t": _t(r["path_kgco2e"]),
            "electricity_gwh": _gwh(r["electricity_kwh"]),
            "change": r.get("change_vs_base"),
            "on_path": r.get("on_path"),
            "low_carbon": r.get("low_carbon_share"),
            "matched": r.get("hourly_matched_share"),
            "note": r.get("note"),
        }
        for r in sbti["years"]
    ]
    svg = tracker_svg(sbti)
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    growth = dict(sbti["rapid_growth"])
    for key in ("base_electricity_kwh", "latest_electricity_kwh"):
        if growth.get(key) is not None:
            growth[key.replace("_kwh", "_gwh")] = _gwh(growth[key])
    return {
        "available": True,
        "sbti": sbti,
        "rows": rows,
        "chart_uri": uri,
        "base_t": _t(sbti["base_year"]["location_kgco2e"]),
        "target_t": _t(sbti["target_kgco2e"]),
        "step_t": _t(sbti["annual_reduction_kgco2e"]),
        "growth": growth,
    }
