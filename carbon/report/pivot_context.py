"""Context of the 'What changed' section, from the pivot blocks of ``results.json``.

Display only: figures are converted to their display units (kg → t, kWh → MWh), sentences get the
numbers they quote, and the wording follows each number's sign (a negative
effect "lowered" emissions). Nothing is computed here beyond display ratios.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from carbon.core.dotted import lookup
from carbon.report.charts import workload_label
from carbon.report.numbers import PLAIN, Style, convert, format_number, in_display_unit
from carbon.report.pivot_charts import heatmap_svg, trend_svg, waterfall_svg
from carbon.results.fields import field_for

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["basis_sentences", "changed_context"]

_EFFECT_WORDS = {
    "activity": ("Activity", "total IT energy"),
    "structure": ("Structure", "the mix of mining and AI in IT energy"),
    "intensity": ("Energy intensity", "facility energy per IT energy, i.e. workload PUE"),
    "carbon_intensity": ("Carbon intensity", "emissions per facility MWh: grid and contracts"),
}
_BASIS_WORDS = {"location": "Location-based", "market": "Market-based"}
#: (figure of ``uncertainty``, label); units are the figures' declarations.
_UNCERTAINTY_ROWS = (
    ("energy_kwh", "Facility energy, total"),
    ("energy_kwh_mining", "Facility energy, mining"),
    ("energy_kwh_ai", "Facility energy, AI hosting"),
    ("scope2_location_kgco2e", "Scope 2 location-based, total"),
    ("scope2_location_kgco2e_mining", "Scope 2 location-based, mining"),
    ("scope2_location_kgco2e_ai", "Scope 2 location-based, AI hosting"),
    ("scope2_market_kgco2e", "Scope 2 market-based, total"),
    ("scope2_market_kgco2e_mining", "Scope 2 market-based, mining"),
    ("scope2_market_kgco2e_ai", "Scope 2 market-based, AI hosting"),
)
#: The relative change in the sentences: no thousands separator.
_SHARE = Style(minus="-", signed_zero=True, grouping=False)
#: Changes smaller than this [t CO2e] are described as "about unchanged".
_NEGLIGIBLE_T = 0.05


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _t(kg: float | None) -> float | None:
    return convert(kg, "kg CO2e", "t CO2e")


def _fmt(value: float) -> str:
    return format_number(abs(value), 1, PLAIN)


def _fmt_t(value: float) -> str:
    return format_number(value, 1, PLAIN)


def _verb(value_t: float) -> str:
    if abs(value_t) < _NEGLIGIBLE_T:
        return "left emissions about unchanged"
    return ("raised" if value_t > 0 else "lowered") + f" emissions by {_fmt(value_t)} t CO2e"


def basis_sentences(basis: str, block: dict[str, Any], baseline: str, period: str) -> list[str]:
    """The change of Scope 2 on one basis, and its effects by size, in words."""
    start, end, delta = (
        _t(block["baseline_kgco2e"]),
        _t(block["period_kgco2e"]),
        _t(block["delta_kgco2e"]),
    )
    if abs(delta) < _NEGLIGIBLE_T:
        head = f"{_BASIS_WORDS[basis]} Scope 2 was about unchanged: {_fmt_t(start)} t CO2e in "
        head += f"{baseline} and {_fmt_t(end)} t CO2e in {period}."
    else:
        direction = "rose" if delta > 0 else "fell"
        share = (
            f" ({'+' if delta > 0 else '−'}{format_number(abs(delta / start) * 100, 1, _SHARE)} %)"
            if start
            else ""
        )
        head = (
            f"{_BASIS_WORDS[basis]} Scope 2 {direction} by {_fmt(delta)} t CO2e{share}, from "
            f"{_fmt_t(start)} t CO2e in {baseline} to {_fmt_t(end)} t CO2e in {period}."
        )
    effects = block["effects"]
    ranked = sorted(effects, key=lambda k: abs(effects[k]), reverse=True)
    parts = [
        f"{_EFFECT_WORDS[k][0].lower()} ({_EFFECT_WORDS[k][1]}) {_verb(_t(effects[k]))}"
        for k in ranked
    ]
    return [head, "By size of effect: " + "; ".join(parts) + "."]


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


def _conversion_marks(results: dict[str, Any]) -> dict[str, str]:
    marks = {}
    for c in results.get("conversions") or ():
        at = str(c.get("at", ""))
        if len(at) >= 7:
            marks[at[:7]] = f"{c.get('meter')} \u2192 {workload_label(str(c.get('to')))}"
    return marks


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
    sentences = []
    for basis in ("location", "market"):
        if basis in decomposition:
            sentences.extend(basis_sentences(basis, decomposition[basis], base_label, period_label))
    counterfactual = results.get("counterfactual") or {}
    curtail = results.get("curtailment") or {}
    avoided = curtail.get("avoided_emissions")
    trend = results.get("pivot_trend")
    ctx: dict[str, Any] = {
        "baseline": baseline,
        "baseline_label": base_label,
        "period_label": period_label,
        "sentences": sentences,
        "effect_rows": _effect_rows(decomposition),
        "zero_limits": sorted(
            {
                f"{workload}: {rule}"
                for block in decomposition.values()
                for workload, rule in (block.get("zero_limits") or {}).items()
            }
        ),
        "decomposition": decomposition,
        "waterfall_uri": _uri(waterfall_svg(decomposition, base_label, period_label)),
        "trend_uri": _uri(trend_svg(trend, _conversion_marks(results))) if trend else None,
        "trend_months": [r["period"] for r in (trend or {}).get("months", [])],
        "heatmap_uri": _uri(heatmap_svg(intensity, power_by_workload, timezone=timezone))
        if intensity is not None
        else None,
        "timing_rows": _timing_rows(results),
        "counterfactual": counterfactual,
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
    if counterfactual.get("available"):

        def shown(key: str) -> float | None:
            return in_display_unit(lookup(counterfactual, key), f"counterfactual.{key}")

        ctx["cf_mwh"] = shown("facility_energy_kwh")
        ctx["cf_lb_t"] = shown("scope2_location_kgco2e")
        ctx["cf_mb_t"] = shown("scope2_market_kgco2e")
        ctx["actual_mwh"] = shown("actual.facility_energy_kwh")
        ctx["actual_lb_t"] = shown("actual.scope2_location_kgco2e")
        ctx["cf_eh_s"] = shown("average_hashrate_th_per_s")
    return ctx
