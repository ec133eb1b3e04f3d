"""Context of the 'What changed' section, from the pivot blocks of ``results.json``: the detail
behind the front pages (:mod:`carbon.report.front_context`), which carry the change in words,
the waterfall, the trend, the stayed-mining scenario and the intervals of the totals.

Display only: figures are converted to their display units (kg → t, kWh → MWh). Nothing is
computed here beyond display ratios.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from carbon.report.numbers import convert, in_display_unit
from carbon.report.pivot_charts import heatmap_svg
from carbon.results.fields import field_for

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["changed_context"]

_EFFECT_WORDS = {
    "activity": ("Activity", "total IT energy"),
    "structure": ("Structure", "the mix of mining and AI in IT energy"),
    "intensity": ("Energy intensity", "facility energy per IT energy, i.e. workload PUE"),
    "carbon_intensity": ("Carbon intensity", "emissions per facility MWh: grid and contracts"),
}
#: (figure of ``uncertainty``, label); units are the figures' declarations. The totals'
#: intervals are on the cover.
_UNCERTAINTY_ROWS = (
    ("energy_kwh_mining", "Facility energy, mining"),
    ("energy_kwh_ai", "Facility energy, AI hosting"),
    ("scope2_location_kgco2e_mining", "Scope 2 location-based, mining"),
    ("scope2_location_kgco2e_ai", "Scope 2 location-based, AI hosting"),
    ("scope2_market_kgco2e_mining", "Scope 2 market-based, mining"),
    ("scope2_market_kgco2e_ai", "Scope 2 market-based, AI hosting"),
)


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _t(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def _effect_rows(decomposition: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, (name, meaning) in _EFFECT_WORDS.items():
        row: dict[str, Any] = {"name": name, "meaning": meaning}
        for basis in ("location", "market"):
            block = decomposition.get(basis) or {}
            row[basis] = _t((block.get("effects") or {}).get(key))
            mult = block.get("multiplicative") or {}
            row[f"{basis}_factor"] = (mult.get("effects") or {}).get(key)
        rows.append(row)
    return rows


def _timing_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    now = results.get("timing_effect_by_workload_kgco2e") or {}
    shape = results.get("load_shape_effect_by_workload_kgco2e") or {}
    baseline = results.get("baseline") or {}
    before = baseline.get("timing_effect_by_workload_kgco2e") or {}
    before_shape = baseline.get("load_shape_effect_by_workload_kgco2e") or {}
    names = {"mining": "Mining", "ai": "AI hosting", "total": "Total"}
    return [
        {
            "name": label,
            "period": _t(now.get(k)),
            "period_shape": _t(shape.get(k)),
            "baseline": _t(before.get(k)),
            "baseline_shape": _t(before_shape.get(k)),
        }
        for k, label in names.items()
        if k in now
    ]


def _uncertainty_rows(uncertainty: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, label in _UNCERTAINTY_ROWS:
        fig = uncertainty.get(key)
        if not fig:
            continue
        declared = f"uncertainty.{key}.low"
        rows.append(
            {
                "name": label,
                "unit": field_for(declared).display_unit,
                **{
                    k: in_display_unit(fig[k], declared)
                    for k in ("low", "central", "high", "point")
                },
            }
        )
    return rows


def changed_context(
    results: dict[str, Any],
    *,
    intensity: xr.DataArray | None,
    power_by_workload: xr.DataArray,
    timezone: str,
) -> dict[str, Any] | None:
    """The 'What changed' context, or None when the report has no baseline."""
    decomposition = results.get("decomposition")
    baseline = results.get("baseline")
    if not decomposition or not baseline:
        return None
    base_label = str(baseline["period"]["label"])
    period_label = str(results["period"]["label"])
    curtail = results.get("curtailment") or {}
    avoided = curtail.get("avoided_emissions")
    return {
        "baseline": baseline,
        "baseline_label": base_label,
        "period_label": period_label,
        "rule": baseline.get("rule") or "requested",
        "effect_rows": _effect_rows(decomposition),
        "zero_limits": sorted(
            {
                f"{workload}: {rule}"
                for block in decomposition.values()
                for workload, rule in (block.get("zero_limits") or {}).items()
            }
        ),
        "decomposition": decomposition,
        "heatmap_uri": _uri(heatmap_svg(intensity, power_by_workload, timezone=timezone))
        if intensity is not None
        else None,
        "timing_rows": _timing_rows(results),
        "annual_rate_words": "the annual eGRID subregion rate"
        if not (
            (results.get("scope2_location_annual_factor_kgco2e") or {}).get("provenance") or {}
        ).get("path")
        else "the region's annual factor from the site's factor table",
        "curtailment": curtail,
        "curtailed_mwh": in_display_unit(
            curtail.get("curtailed_energy_kwh") or 0.0, "curtailment.curtailed_energy_kwh"
        ),
        "reference_mw": in_display_unit(
            curtail.get("reference_power_kw"), "curtailment.reference_power_kw"
        ),
        "avoided_text": avoided if isinstance(avoided, str) else None,
        "avoided_t": _t(avoided["kg"]) if isinstance(avoided, dict) else None,
        "avoided_gas": avoided.get("gas") if isinstance(avoided, dict) else None,
        "uncertainty_rows": _uncertainty_rows(results.get("uncertainty") or {}),
        "uncertainty": (results.get("uncertainty") or {}).get("assumptions") or {},
    }
