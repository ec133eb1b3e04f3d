"""Context of the operations section: the data-centre KPI table (PUE, CUE, REF, ERF, ERE,
WUE, partial PUEs), the sector metrics and the activity inputs, as results.json states
them."""

from __future__ import annotations

import re
from typing import Any

from carbon.report.charts import workload_label
from carbon.report.numbers import PLAIN, format_figure, in_display_unit
from carbon.report.summary_context import WORKLOAD_ORDER
from carbon.results.fields import field_for

__all__ = ["operations_context"]


#: Sector figures in display order: (key of ``sector_metrics.figures``, group, display unit
#: as printed). Name, decimals and conversion are the figure's declaration.
_SECTOR_ROWS: tuple[tuple[str, str, str], ...] = (
    ("fleet_efficiency_nameplate_j_per_th", "mining", "J/TH"),
    ("fleet_efficiency_realised_j_per_th", "mining", "J/TH"),
    ("fleet_efficiency_facility_j_per_th", "mining", "J/TH"),
    ("expected_btc_per_day", "mining", "BTC/day"),
    ("energy_per_btc_mwh", "mining", "MWh/BTC"),
    ("emissions_per_btc_location_tco2e", "mining", "t CO₂e/BTC"),
    ("emissions_per_btc_market_tco2e", "mining", "t CO₂e/BTC"),
    ("emissions_per_ph_day_location_kgco2e", "mining", "kg CO₂e/(PH/s·day)"),
    ("emissions_per_ph_day_market_kgco2e", "mining", "kg CO₂e/(PH/s·day)"),
    ("energy_per_gpu_hour_it_kwh", "ai", "kWh/GPU-h"),
    ("energy_per_gpu_hour_facility_kwh", "ai", "kWh/GPU-h"),
    ("emissions_per_gpu_hour_location_gco2e", "ai", "g CO₂e/GPU-h"),
    ("emissions_per_gpu_hour_market_gco2e", "ai", "g CO₂e/GPU-h"),
    ("gpu_utilisation", "ai", "%"),
)


#: Activity inputs in display order: (name, key of ``sector_metrics.activity``, display unit
#: as printed); conversion and decimals are the figure's declaration.
_ACTIVITY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Hashrate, installed/deployed (nameplate)", "hashrate_installed_th_per_s", "EH/s"),
    ("Hashrate, energised", "hashrate_energised_th_per_s", "EH/s"),
    ("Hashrate, average operating (realised)", "hashrate_average_th_per_s", "EH/s"),
    ("of which hosted clients", "hashrate_average_hosted_th_per_s", "EH/s"),
    ("BTC mined, self-mining", "btc_mined_self", "BTC"),
    ("BTC mined, hosted clients", "btc_mined_hosted", "BTC"),
    ("Network hashrate (assumption)", "network_hashrate_th_per_s", "EH/s"),
    ("GPUs installed", "gpu_count", "GPUs"),
    ("GPU-hours available", "gpu_hours_available", "GPU-h"),
    ("GPU-hours sold", "gpu_hours_sold", "GPU-h"),
)


#: Sector figures and activity inputs that 'Operations: capacity, hashrate and production'
#: also shows (hashrate, fleet efficiency, BTC and the per-BTC and per-PH/s-day
#: intensities): where that section is rendered they are printed there only, once.
SHOWN_WITH_PRODUCTION = frozenset(
    {
        "fleet_efficiency_nameplate_j_per_th",
        "fleet_efficiency_realised_j_per_th",
        "fleet_efficiency_facility_j_per_th",
        "energy_per_btc_mwh",
        "emissions_per_btc_location_tco2e",
        "emissions_per_btc_market_tco2e",
        "emissions_per_ph_day_location_kgco2e",
        "emissions_per_ph_day_market_kgco2e",
        "hashrate_installed_th_per_s",
        "hashrate_energised_th_per_s",
        "hashrate_average_th_per_s",
        "hashrate_average_hosted_th_per_s",
        "btc_mined_self",
        "btc_mined_hosted",
    }
)


def operations_context(results: dict) -> dict:
    """KPI table (PUE per workload, CUE) and sector metrics, as results.json states them."""
    kpis = results.get("kpis", {}) or {}
    kpi_rows = _pue_cue_rows(results, kpis) + _more_kpi_rows(kpis)
    sector = results.get("sector_metrics") or {}
    rows = _sector_rows(sector.get("figures", {}) or {})
    activity = sector.get("activity") or None
    return {
        "kpi_rows": kpi_rows,
        "sector_rows": rows,
        "activity_rows": _activity_rows(activity) if activity else [],
        "miners": [
            {
                "model": str(m.get("model", "")),
                "count": m.get("count"),
                "rated_power_w": m.get("rated_power_w"),
                "rated_hashrate_th_per_s": m.get("rated_hashrate_th_per_s"),
                "nameplate_j_per_th": m.get("nameplate_j_per_th"),
            }
            for m in ((activity or {}).get("miners") or [])
        ],
        "not_computed": [
            {"key": k, "reason": str(v)} for k, v in (sector.get("not_computed") or {}).items()
        ],
        "assumptions": [str(a) for a in sector.get("assumptions", []) or []],
        "gpu_hours_definition": str(sector.get("gpu_hours_definition", "") or ""),
        "has_sector": bool(rows),
    }


def _pue_cue_rows(results: dict, kpis: dict) -> list[dict[str, Any]]:
    """PUE of the facility and per workload, CUE on both bases."""
    interim = bool(kpis.get("pue_interim", False))
    category = str(kpis.get("pue_category", "") or "")
    status = "interim (period under 12 months)" if interim else "12 months"
    rows = [
        {
            "name": "PUE, facility",
            "unit": "ratio",
            "value": kpis.get("pue"),
            "decimals": 3,
            "definition": f"E_DC (revenue meter + on-site fuel, HHV) ÷ E_IT; {category}; {status}",
        },
    ]
    by_workload = kpis.get("pue_by_workload", {}) or {}
    for w in [w for w in WORKLOAD_ORDER if w in by_workload] + sorted(
        w for w in by_workload if w not in WORKLOAD_ORDER
    ):
        rows.append(
            {
                "name": f"PUE, {workload_label(w)}",
                "unit": "ratio",
                "value": by_workload[w],
                "decimals": 3,
                "definition": f"workload electricity incl. allocated overhead ÷ its IT "
                f"energy (on-site fuel not allocated); {category}; {status}",
            }
        )
    cue = results.get("cue_kgco2e_per_kwh_it", {}) or {}
    for basis, key in (("location-based", "location_based"), ("market-based", "market_based")):
        if key in cue:
            rows.append(
                {
                    "name": f"CUE, {basis}",
                    "unit": "kg CO₂e/kWh IT",
                    "value": cue.get(key),
                    "decimals": 3,
                    "definition": f"(Scope 2 {basis} + Scope 1) ÷ IT energy "
                    "(ISO/IEC 30134-8); interim below 12 months",
                }
            )
    return rows


def _sector_rows(figures: dict) -> list[dict[str, Any]]:
    rows = []
    for key, group, unit in _SECTOR_ROWS:
        if key not in figures:
            continue
        f = figures[key]
        declared = field_for(f"sector_metrics.figures.{key}.value")
        rows.append(
            {
                "key": key,
                "group": group,
                "with_production": key in SHOWN_WITH_PRODUCTION,
                "name": declared.label,
                "unit": unit,
                "value": in_display_unit(f.get("value"), declared.key),
                "decimals": declared.decimals,
                # the unit is in the row header; drop the label's own "[unit]"
                "definition": re.sub(r"\s\[[^\]]*\]", "", str(f.get("label", ""))),
            }
        )
    return rows


def _activity_rows(activity: dict) -> list[dict[str, Any]]:
    rows = []
    for name, key, unit in _ACTIVITY_ROWS:
        declared = field_for(f"sector_metrics.activity.{key}")
        value = in_display_unit(activity.get(key), declared.key)
        if value is not None:
            rows.append(
                {
                    "name": name,
                    "unit": unit,
                    "value": value,
                    "decimals": declared.decimals,
                    "with_production": key in SHOWN_WITH_PRODUCTION,
                }
            )
    return rows


def _more_kpi_rows(kpis: dict) -> list[dict[str, Any]]:
    """REF, ERF, ERE, CUE (hourly matching), WUE and partial PUE rows."""
    details = kpis.get("details") or {}
    e_ren = format_figure(kpis.get("ref_renewable_kwh"), "kpis.ref_renewable_kwh", style=PLAIN)
    rows = []

    def add(key: str, name: str, unit: str, decimals: int, definition: str) -> None:
        if key not in kpis:
            return
        notes = [
            n.replace("^3", "³")
            for n in (details.get(key) or {}).get("notes", [])
            if "interim" not in n and not n.startswith("E_ren =")
        ]
        text = definition + ("; " + "; ".join(notes) if notes else "")
        rows.append(
            {
                "name": name,
                "unit": unit,
                "value": kpis.get(key),
                "decimals": decimals,
                "definition": text,
            }
        )

    add(
        "cue_market_hourly_matching",
        "CUE, market-based (hourly matching)",
        "kg CO₂e/kWh IT",
        3,
        "(Scope 2 market-based with hourly matching + Scope 1) ÷ IT energy",
    )
    add(
        "ref",
        "REF",
        "ratio",
        3,
        "renewable energy retired for the site ÷ E_DC (ISO/IEC 30134-3), capped at 1; "
        f"E_ren {e_ren} MWh "
        "(certificates and PPAs with certificates retained, documented green tariffs)",
    )
    add("erf", "ERF", "ratio", 3, "heat reused outside the site ÷ E_DC (ISO/IEC 30134-6)")
    add("ere", "ERE", "ratio", 3, "(E_DC − reused) ÷ IT energy = (1 − ERF)·PUE")
    if kpis.get("wue") is None and "wue" in kpis:
        rows.append(
            {
                "name": "WUE",
                "unit": "L/kWh IT",
                "value": None,
                "decimals": 3,
                "definition": str(kpis.get("wue_note", "")),
            }
        )
    else:
        add(
            "wue",
            "WUE",
            "L/kWh IT",
            3,
            f"site water ÷ IT energy (ISO/IEC 30134-9); {kpis.get('wue_note', '')}".replace(
                "^3", "³"
            ),
        )
    return rows + _partial_pue_rows(kpis)


def _partial_pue_rows(kpis: dict) -> list[dict[str, Any]]:
    """Partial PUE per hall (one row) and per subsystem."""
    rows = []
    halls = kpis.get("pue_by_hall") or {}
    if halls:
        rows.append(
            {
                "name": "pPUE by hall",
                "unit": "ratio",
                "value": None,
                "decimals": 3,
                "definition": ", ".join(f"{h} {v:.3f}" for h, v in sorted(halls.items()))
                + "; hall IT energy with its share of its workload's cooling, shared loads and "
                "residual per interval",
            }
        )
    partial = kpis.get("partial_pue") or {}
    for name, value in sorted((partial.get("subsystems") or {}).items()):
        rows.append(
            {
                "name": f"pPUE, {name}",
                "unit": "ratio",
                "value": value,
                "decimals": 3,
                "definition": "subsystem partial PUE (E_IT + E_j) ÷ E_IT; PUE = Σ pPUE − (n − 1)",
            }
        )
    return rows
