"""Context of the front of the disclosure: the cover's headline figures, 'The pivot at a glance'
and the 'Key figures' dashboard, from ``results.json`` alone.

Every number is made by :class:`carbon.report.front_figures.FrontFigures` (its record
lists them, with the keys they come from); the sentences get those texts. With a
baseline (``baseline`` and ``decomposition`` in the results) each figure comes with
its baseline value and the change; without one, the front shows the period alone and
says why there is no comparison (``baseline_choice``).
"""

from __future__ import annotations

import base64
from typing import Any

from carbon.report.charts import workload_label
from carbon.report.dates import day_words, parse_datetime, period_in_words
from carbon.report.front_figures import FrontFigures, Printed
from carbon.report.numbers import DASH
from carbon.report.pivot_charts import trend_svg, waterfall_svg
from carbon.results.fields import field_for

__all__ = ["front_context", "front_figures", "unit_html"]

_BASES = ("location", "market")
_BASIS_WORDS = {"location": "location-based", "market": "market-based"}
_SCOPE2 = {"location": "scope2_location_kgco2e", "market": "scope2_market_kgco2e"}
#: Each effect of the decomposition in words, as it pushed Scope 2 (up, down); the
#: carbon-intensity effect reads differently on the two bases.
_EFFECTS = {
    "activity": ("more IT energy (activity)", "less IT energy (activity)"),
    "structure": (
        "the shift in the mix of mining and AI hosting (structure)",
        "the shift in the mix of mining and AI hosting (structure)",
    ),
    "intensity": (
        "more facility energy per unit of IT energy, i.e. a higher workload PUE (energy intensity)",
        "less facility energy per unit of IT energy, i.e. a lower workload PUE (energy intensity)",
    ),
}
_CARBON = {
    "location": (
        "more emissions per MWh of the grid supply (carbon intensity)",
        "fewer emissions per MWh of the grid supply (carbon intensity)",
    ),
    "market": (
        "more emissions per MWh after contracts and certificates (carbon intensity)",
        "fewer emissions per MWh after contracts and certificates (carbon intensity)",
    ),
}
_ORDER = ("mining", "ai")
#: (label, period key, baseline key or None) of the dashboard; a row whose figures are
#: absent in the period and the baseline is left out.
_KPIS = (
    ("Power usage effectiveness (PUE), facility", "kpis.pue", "baseline.pue"),
    ("PUE, mining", "kpis.pue_by_workload.mining", "baseline.pue_by_workload.mining"),
    ("PUE, AI hosting", "kpis.pue_by_workload.ai", "baseline.pue_by_workload.ai"),
    ("Fleet efficiency, realised", "intensities.j_per_th", "baseline.intensities.j_per_th"),
    (
        "Emissions per BTC mined, location-based",
        "intensities.kgco2e_per_btc_location",
        "baseline.intensities.kgco2e_per_btc_location",
    ),
    (
        "Emissions per BTC mined, market-based",
        "intensities.kgco2e_per_btc_market",
        "baseline.intensities.kgco2e_per_btc_market",
    ),
    (
        "Emissions per GPU-hour sold, location-based",
        "intensities.gco2e_per_gpu_hour_location",
        "baseline.intensities.gco2e_per_gpu_hour_location",
    ),
    (
        "Emissions per GPU-hour sold, market-based",
        "intensities.gco2e_per_gpu_hour_market",
        "baseline.intensities.gco2e_per_gpu_hour_market",
    ),
)
#: The three clean-energy shares: never added, averaged or merged.
_SHARES = (
    (
        "Grid-mix carbon-free share (location)",
        "grid_carbon_free_location",
        "the grid's own carbon-free supply (nuclear, hydro, wind, solar), weighted by the "
        "site's hourly load; no certificates behind it",
    ),
    (
        "Certificate-backed renewable share (annual, contractual)",
        "certificate_renewable_annual",
        "certificates and PPAs retained for the site ÷ consumption, matched over the period",
    ),
    (
        "Hourly-matched carbon-free share",
        "hourly_matched_cfe",
        "consumption matched hour by hour with contracted carbon-free generation",
    ),
)


def unit_html(unit: str | None) -> str:
    """A display unit as the front prints it: ``t CO2e/BTC`` → ``t CO₂e/BTC``,
    ``percent`` → ``%``, a ratio (``1``) → empty."""
    if unit in (None, "1", "dimensionless"):
        return ""
    return "%" if unit == "percent" else str(unit).replace("CO2e", "CO₂e")


def _uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _words(period: dict[str, Any]) -> str:
    return period_in_words(parse_datetime(period["start"]), parse_datetime(period["end"]))


def _baseline(results: dict[str, Any]) -> dict[str, Any] | None:
    baseline = results.get("baseline")
    if not baseline or not results.get("decomposition"):
        return None
    choice = results.get("baseline_choice") or {}
    return {
        "label": baseline["period"]["label"],
        "words": _words(baseline["period"]),
        "hours": baseline["period"].get("hours"),
        "rule": baseline.get("rule") or choice.get("rule") or "requested",
    }


def _no_baseline(results: dict[str, Any]) -> str:
    choice = results.get("baseline_choice") or {}
    return str(choice.get("reason") or "the report was made without a baseline")


def _workloads(results: dict[str, Any], has_baseline: bool) -> list[str]:
    """Workloads with energy in the period (or the baseline), known ones first."""
    energy = results.get("energy_kwh") or {}
    before = (results.get("baseline") or {}).get("energy_kwh") or {} if has_baseline else {}
    names = [w for w in energy if w != "total" and (energy.get(w) or before.get(w))]
    return [w for w in _ORDER if w in names] + sorted(w for w in names if w not in _ORDER)


# --- the cover ------------------------------------------------------------------------------


def _band(figs: FrontFigures, key: str) -> dict[str, str] | None:
    low, high = figs.value(f"uncertainty.{key}.low"), figs.value(f"uncertainty.{key}.high")
    return None if DASH in (low, high) else {"low": low, "high": high}


def _tile(
    figs: FrontFigures,
    label: str,
    key: str,
    base: str | None,
    unit: str,
    band: str | None = None,
) -> dict[str, Any]:
    tile: dict[str, Any] = {
        "label": label,
        "unit": unit,
        "value": figs.value(key),
        "change_unit": None,
        "percent": None,
    }
    if base is not None:
        tile.update(
            base=figs.value(base), change=figs.change(key, base), percent=figs.percent(key, base)
        )
    tile["band"] = _band(figs, band) if band else None
    return tile


def _tiles(figs: FrontFigures, results: dict[str, Any], has: bool) -> list[dict[str, Any]]:
    def base(key: str) -> str | None:
        return f"baseline.{key}" if has else None

    tiles = [
        _tile(
            figs,
            "Facility energy",
            "energy_kwh.total",
            base("energy_kwh.total"),
            "MWh",
            "energy_kwh",
        ),
    ]
    for basis in _BASES:
        key = f"{_SCOPE2[basis]}.total"
        tiles.append(
            _tile(figs, f"Scope 2, {_BASIS_WORDS[basis]}", key, base(key), "t CO₂e", _SCOPE2[basis])
        )
    intensity = "grid_intensity_gco2e_per_kwh.consumption_weighted"
    tiles.append(
        _tile(
            figs,
            "Scope 2 intensity, location-based",
            intensity,
            base(intensity),
            "kg CO₂e/MWh",
        )
    )
    tiles.append(_tile(figs, "PUE, facility (interim)", "kpis.pue", base("pue"), ""))
    if (results.get("energy_kwh") or {}).get("ai") is not None:
        share: dict[str, Any] = {
            "label": "AI hosting's share of facility energy",
            "unit": "%",
            "value": figs.share("energy_kwh.ai", "energy_kwh.total"),
            "band": None,
            "change_unit": None,
            "percent": None,
        }
        if has:
            share["base"] = figs.share("baseline.energy_kwh.ai", "baseline.energy_kwh.total")
            share["change"] = figs.share_change(
                "energy_kwh.ai",
                "energy_kwh.total",
                "baseline.energy_kwh.ai",
                "baseline.energy_kwh.total",
            )
            share["percent"] = None
            share["change_unit"] = "percentage points"
        tiles.append(share)
    return tiles


# --- the pivot at a glance ------------------------------------------------------------------


def _paragraph(
    figs: FrontFigures, results: dict[str, Any], base: dict[str, Any], words: str
) -> list[str]:
    """The change in plain words, one item per point: what changed, how much, and why (each
    effect of the decomposition), from the printed figures."""
    less = (figs.get("energy_kwh.total") or 0.0) < (figs.get("baseline.energy_kwh.total") or 0.0)
    energy = figs.percent("energy_kwh.total", "baseline.energy_kwh.total", magnitude=True)
    sentences = [
        f"In {words} the site drew {figs.value('energy_kwh.total')} MWh, "
        + (f"{energy} % {'less' if less else 'more'} " if energy != DASH else "")
        + f"than in {base['words']} ({figs.value('baseline.energy_kwh.total')} MWh)"
    ]
    if (results.get("energy_kwh") or {}).get("ai") is not None:
        sentences[0] += (
            "; AI hosting's share of it went from "
            f"{figs.share('baseline.energy_kwh.ai', 'baseline.energy_kwh.total')} % to "
            f"{figs.share('energy_kwh.ai', 'energy_kwh.total')} %"
        )
    sentences[0] += "."
    decomposition = results.get("decomposition") or {}
    for basis in _BASES:
        block = decomposition.get(basis)
        if not block:
            continue
        key = f"decomposition.{basis}"
        delta = figs.get(f"{key}.delta_kgco2e") or 0.0
        verb = "fell" if delta < 0 else "rose"
        item = (
            f"{_BASIS_WORDS[basis].capitalize()} Scope 2 {verb} by "
            f"{figs.value(f'{key}.delta_kgco2e', magnitude=True)} t CO₂e "
            f"({figs.percent(f'{key}.period_kgco2e', f'{key}.baseline_kgco2e')} %), from "
            f"{figs.value(f'{key}.baseline_kgco2e')} to {figs.value(f'{key}.period_kgco2e')} "
            "t CO₂e."
        )
        effects = block.get("effects") or {}
        ranked = sorted(effects, key=lambda k: abs(effects[k]), reverse=True)
        parts = []
        for name in ranked:
            raised = effects[name] >= 0
            words_of = _CARBON[basis] if name == "carbon_intensity" else _EFFECTS.get(name)
            what = (words_of[0] if raised else words_of[1]) if words_of else name
            size = figs.value(f"{key}.effects.{name}", magnitude=True)
            parts.append(f"{what} {'raised' if raised else 'lowered'} it by {size} t")
        if parts:
            item += " Why: " + "; ".join(parts) + "."
        if block.get("unattributed_delta_kgco2e"):
            item += (
                " Energy in intervals with no IT load changed it by a further "
                f"{figs.value(f'{key}.unattributed_delta_kgco2e')} t CO₂e, outside the four "
                "effects."
            )
        sentences.append(item)
    return sentences


def _workload_rows(figs: FrontFigures, results: dict[str, Any], has: bool) -> list[dict[str, Any]]:
    rows = []
    for w in [*_workloads(results, has), "total"]:
        row: dict[str, Any] = {
            "name": "Total" if w == "total" else workload_label(w),
            "total": w == "total",
            "energy": figs.value(f"energy_kwh.{w}"),
        }
        for basis in _BASES:
            key = f"{_SCOPE2[basis]}.{w}"
            row[basis] = figs.value(key)
            if has:
                row[f"{basis}_base"] = figs.value(f"baseline.{key}")
                row[f"{basis}_change"] = figs.change(key, f"baseline.{key}")
        if has:
            row["energy_base"] = figs.value(f"baseline.energy_kwh.{w}")
        else:
            row["share"] = figs.share(f"energy_kwh.{w}", "energy_kwh.total")
        rows.append(row)
    return rows


def _scenario(figs: FrontFigures, results: dict[str, Any]) -> dict[str, Any] | None:
    counterfactual = results.get("counterfactual")
    if not counterfactual:
        return None
    if not counterfactual.get("available"):
        return {"available": False, "reason": counterfactual.get("reason", "")}
    start = parse_datetime(results["period"]["start"])
    halls = []
    for hall in counterfactual.get("halls") or ():
        at = parse_datetime(str(hall["converted_at_utc"]))
        local = at.astimezone(start.tzinfo)
        halls.append(
            {"meter": hall["meter"], "day": day_words(local.date()), "before_period": at <= start}
        )
    key = "counterfactual"
    return {
        "available": True,
        "halls": halls,
        "whole_period": all(h["before_period"] for h in halls),
        "mwh": figs.value(f"{key}.facility_energy_kwh"),
        "lb": figs.value(f"{key}.scope2_location_kgco2e"),
        "mb": figs.value(f"{key}.scope2_market_kgco2e"),
        "actual_mwh": figs.value(f"{key}.actual.facility_energy_kwh"),
        "actual_lb": figs.value(f"{key}.actual.scope2_location_kgco2e"),
        "difference_lb": figs.change(
            f"{key}.actual.scope2_location_kgco2e", f"{key}.scope2_location_kgco2e"
        ),
        "method": counterfactual.get("method", ""),
    }


def _conversions(results: dict[str, Any]) -> list[str]:
    found = []
    for c in results.get("conversions") or ():
        at = parse_datetime(str(c["at"]))
        found.append(
            f"{c['meter']} from {workload_label(str(c['from'])).lower()} to "
            f"{workload_label(str(c['to']))} on {day_words(at.date())}"
        )
    return found


# --- the dashboard --------------------------------------------------------------------------


def _kpi_rows(figs: FrontFigures, has: bool) -> list[dict[str, Any]]:
    rows = []
    for label, key, base in _KPIS:
        if figs.get(key) is None and (not has or figs.get(base) is None):
            continue
        row = {
            "label": label,
            "unit": unit_html(field_for(key).display_unit),
            "value": figs.value(key),
            "note": None,
            "share": False,
        }
        if has:
            row.update(base=figs.value(base), change=figs.change(key, base))
        rows.append(row)
    for label, name, note in _SHARES:
        key = f"clean_energy_shares.{name}.value"
        base = f"baseline.clean_energy_shares.{name}"
        if figs.get(key) is None and (not has or figs.get(base) is None):
            continue
        row = {"label": label, "unit": "%", "value": figs.value(key), "note": note, "share": True}
        if has:
            row.update(base=figs.value(base), change=figs.change(key, base))
        rows.append(row)
    return rows


# --- the whole front ------------------------------------------------------------------------


def front_context(results: dict[str, Any], *, charts: bool = True) -> dict[str, Any]:
    """Everything the cover, 'The pivot at a glance' and 'Key figures' print.

    ``figures`` lists every number printed, as :class:`Printed` records. `charts` False
    leaves out the two charts (their text is drawn as outlines, so it holds no figure).
    """
    figs = FrontFigures(results)
    base = _baseline(results)
    has = base is not None
    words = _words(results["period"])
    trend = results.get("pivot_trend")
    ctx: dict[str, Any] = {
        "has_baseline": has,
        "baseline": base,
        "no_baseline": None if has else _no_baseline(results),
        "pivot": bool(results.get("conversions")),
        "conversions": _conversions(results),
        "tiles": _tiles(figs, results, has),
        "paragraph": _paragraph(figs, results, base, words) if has else [],
        "workload_rows": _workload_rows(figs, results, has),
        "scenario": _scenario(figs, results) if has else None,
        "kpi_rows": _kpi_rows(figs, has),
        "assurance": results.get("assurance") or {},
        "trend_months": [r["period"] for r in (trend or {}).get("months", [])],
        "waterfall_uri": None,
        "trend_uri": None,
    }
    if charts and has:
        ctx["waterfall_uri"] = _uri(
            waterfall_svg(results["decomposition"], base["label"], results["period"]["label"])
        )
    if charts and trend and len(trend.get("months") or ()) > 1:
        ctx["trend_uri"] = _uri(trend_svg(trend, list(results.get("conversions") or ())))
    ctx["figures"] = list(figs.printed)
    return ctx


def front_figures(results: dict[str, Any]) -> list[Printed]:
    """Every figure the first pages print, with the keys it is made from."""
    return front_context(results, charts=False)["figures"]
