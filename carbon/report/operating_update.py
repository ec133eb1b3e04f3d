"""The monthly operating update: a one-page PDF/A-3b (and JSON) beside the disclosure.

The shape of a miner's monthly production release (energy, average MW, BTC,
fleet efficiency, AI GPU-hours), but every figure is metered or taken from the
disclosure's ``results.json`` as is, with its definition in a footnote:

- energy [MWh]: the revenue meter, ``energy_kwh.total`` (and per workload);
- average power [MW] = energy ÷ elapsed hours of the period (``period.hours``);
- BTC mined, self-mining and hosted clients apart (``intensities.btc_mined_*``);
- realised fleet efficiency [J/TH] = metered mining IT energy ÷ hashes delivered
  (``intensities.j_per_th``);
- AI GPU-hours sold and available (``sector_metrics.activity``);
- Scope 1, Scope 2 location-based and market-based [t CO2e], never added together;
- the three clean-energy shares (``clean_energy_shares``), each with its fixed
  label and definition, or "not available" when the results do not hold them.

Written as ``operating-update.pdf`` and ``operating-update.json`` in the version
folder; the manifest records their SHA-256 (``operating_update``) and
``carbon verify`` checks them. Dates come from the issue date, so the same
results give the same bytes.
"""

from __future__ import annotations

import calendar
import json
from datetime import UTC, date, datetime
from typing import Any

from carbon.core.dotted import lookup
from carbon.core.units import ureg
from carbon.report.header import document_header
from carbon.report.numbers import DASH, PLAIN_NOT_AVAILABLE, format_number, in_display_unit
from carbon.report.render import environment, html_to_pdf, templates_dir
from carbon.results.fields import field_for

__all__ = [
    "UPDATE_JSON",
    "UPDATE_PDF",
    "comparison_columns",
    "operating_update_figures",
    "operating_update_files",
]

UPDATE_PDF = "operating-update.pdf"
UPDATE_JSON = "operating-update.json"
_TEMPLATE = "operating-update.html.j2"

_SHARES = (
    ("grid_carbon_free_location", "Grid-mix carbon-free share (location-based)"),
    ("certificate_renewable_annual", "Certificate-backed renewable share (annual matching)"),
    ("hourly_matched_cfe", "Hourly-matched carbon-free share"),
)


#: The figures, in print order: (key, label, results key, definition). The value is the
#: results figure in its display unit (carbon.results.fields), which is the unit shown.
#: ``average_mw`` is the one figure derived here.
_FIGURES = (
    (
        "energy_mwh",
        "Energy consumed, site",
        "energy_kwh.total",
        "metered at the site's revenue meter over the period, all workloads",
    ),
    (
        "energy_mining_mwh",
        "of which Bitcoin mining",
        "energy_kwh.mining",
        "mining IT energy plus its allocated share of shared and unmetered load",
    ),
    (
        "energy_ai_mwh",
        "of which AI hosting",
        "energy_kwh.ai",
        "AI IT energy plus its allocated share of shared and unmetered load",
    ),
    ("average_mw", "Average power draw", "energy_kwh.total, period.hours", ""),
    (
        "btc_mined_self",
        "BTC mined, self-mining",
        "intensities.btc_mined_self",
        "BTC credited to the company's own fleet (activity record of the period)",
    ),
    (
        "btc_mined_hosted",
        "BTC mined, hosted clients",
        "intensities.btc_mined_hosted",
        "BTC mined by hosted clients' machines; theirs, not the company's",
    ),
    (
        "j_per_th_realised",
        "Fleet efficiency, realised",
        "intensities.j_per_th",
        "metered mining IT energy ÷ (average operating hashrate × seconds); not nameplate",
    ),
    (
        "gpu_hours_sold",
        "AI GPU-hours sold",
        "sector_metrics.activity.gpu_hours_sold",
        "GPU-hours billed to tenants in the period (activity record)",
    ),
    (
        "gpu_hours_available",
        "AI GPU-hours available",
        "sector_metrics.activity.gpu_hours_available",
        "GPUs energised × hours, as stated in the activity record",
    ),
    (
        "scope1_tco2e",
        "Scope 1 (on-site fuel)",
        "scope1_kgco2e.total",
        "combustion in owned gensets, GHG Protocol Corporate Standard",
    ),
    (
        "scope2_location_tco2e",
        "Scope 2, location-based",
        "scope2_location_kgco2e.total",
        "metered energy × grid emission factor per interval (GHG Protocol Scope 2 Guidance)",
    ),
    (
        "scope2_market_tco2e",
        "Scope 2, market-based",
        "scope2_market_kgco2e.total",
        "contractual instruments applied with annual matching (2015 guidance), residual "
        "or grid factor for the rest; never added to the location-based figure",
    ),
)


def _average_mw(results: dict[str, Any]) -> dict[str, Any]:
    """Average power draw [MW] = site energy ÷ elapsed hours of the period."""
    hours = (results.get("period") or {}).get("hours")
    energy_kwh = lookup(results, "energy_kwh.total")
    energy = ureg.Quantity(float(energy_kwh), "kWh") if energy_kwh is not None else None
    average = (
        float((energy / ureg.Quantity(float(hours), "hour")).to("MW").magnitude)
        if energy is not None and hours
        else None
    )
    definition = "site energy ÷ elapsed hours of the period"
    return {
        "value": average,
        "unit": "MW",
        "definition": f"{definition} ({hours:g} h); not a capacity figure" if hours else definition,
    }


def _figure(results: dict[str, Any], key: str, label: str, source: str, definition: str) -> dict:
    if key == "average_mw":
        shown = _average_mw(results)
    else:
        declared = field_for(source)
        value = lookup(results, source)
        if declared.unit != declared.display_unit:
            value = in_display_unit(value, source)
        shown = {"value": value, "unit": declared.display_unit, "definition": definition}
    return {"key": key, "label": label, **shown, "source": source}


#: Figures of the operating update that the disclosure's monthly trend (``pivot_trend``)
#: also holds for earlier months: figure key → (trend block, workload).
_TREND_FIGURES = {
    "energy_mwh": ("energy_kwh", None),
    "energy_mining_mwh": ("energy_kwh", "mining"),
    "energy_ai_mwh": ("energy_kwh", "ai"),
    "scope2_location_tco2e": ("scope2_location_kgco2e", None),
    "scope2_market_tco2e": ("scope2_market_kgco2e", None),
}


def _shift(label: str, months: int) -> str:
    """``2025-07`` shifted by `months` (``-1`` → ``2025-06``, ``-12`` → ``2024-07``)."""
    index = int(label[:4]) * 12 + int(label[5:7]) - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _trend_value(row: dict[str, Any], block: str, workload: str | None) -> float | None:
    values = row.get(block) or {}
    if workload is not None:
        return values.get(workload)
    if values.get("total") is not None:
        return values["total"]
    parts = [v for v in values.values() if v is not None]
    return float(sum(parts)) if parts else None


def comparison_columns(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The prior month and the same month a year earlier, each with the figures the
    disclosure's monthly trend holds for it (energy by workload, Scope 2 on both bases),
    or why it has none. Read from ``pivot_trend`` of `results` only, never recomputed."""
    label = str((results.get("period") or {}).get("label") or "")
    trend = results.get("pivot_trend") or {}
    rows = {str(r.get("period")): r for r in trend.get("months") or ()}
    skipped = {str(s.get("period")): s.get("reason") for s in trend.get("skipped") or ()}
    columns = []
    for key, name, shift in (
        ("prior_month", "prior month", -1),
        ("year_ago", "same month a year earlier", -12),
    ):
        month_label = _shift(label, shift) if len(label) == 7 else ""
        row = rows.get(month_label)
        if row is not None:
            values = {}
            for figure, (block, workload) in _TREND_FIGURES.items():
                value = _trend_value(row, block, workload)
                unit_key = f"pivot_trend.months[].{block}.{workload or 'mining'}"
                values[figure] = in_display_unit(value, unit_key)
            reason = None
        else:
            values = {}
            if not trend:
                reason = "this disclosure holds no monthly trend (it compares with no baseline)"
            elif month_label in skipped:
                reason = str(skipped[month_label])
            else:
                reason = f"the data hold no {month_label}"
        columns.append(
            {"key": key, "name": name, "label": month_label, "values": values, "reason": reason}
        )
    return columns


def operating_update_figures(results: dict[str, Any]) -> dict[str, Any]:
    """The operating update's figures (plain numbers, unit beside each) from `results`."""
    period = results.get("period") or {}
    figures = [_figure(results, *row) for row in _FIGURES]
    shares = results.get("clean_energy_shares") or {}
    clean = []
    for key, fallback in _SHARES:
        block = shares.get(key) or {}
        value = block.get("value")
        clean.append(
            {
                "key": key,
                "label": block.get("label") or fallback,
                "value": None if value is None else float(value),
                "unit": "fraction",
                "definition": block.get("definition")
                or "not available: the results of this period do not hold this share",
                "source": f"clean_energy_shares.{key}",
            }
        )
    site = results.get("site") or {}
    return {
        "title": "Monthly operating update",
        "parent_report_id": results.get("report_id"),
        "parent_version": results.get("version"),
        "parent_status": results.get("status"),
        "issue_date": results.get("issue_date"),
        "site_id": site.get("id"),
        "period": {k: period.get(k) for k in ("label", "start", "end", "timezone", "hours")},
        "figures": figures,
        "comparisons": comparison_columns(results),
        "clean_energy_shares": clean,
        "note": "Every figure is taken from the disclosure named here (results.json) without "
        "recomputation; the three clean-energy shares are separate figures and are never "
        "merged into one total.",
        "software_version": results.get("software_version"),
    }


#: Decimals by the figure's unit (1 for the others); the operating update sets its own.
_DECIMALS = {"BTC": 4, "J/TH": 2, "MW": 1, "GPU-h": 0}


def _display(value: Any, unit: str) -> str:
    return format_number(value, _DECIMALS.get(unit, 1), PLAIN_NOT_AVAILABLE)


def _month_words(label: str) -> str:
    """``2025-06`` → ``June 2025``."""
    return f"{calendar.month_name[int(label[5:7])]} {label[:4]}"


def _context(results: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    # a month the data do not hold is no column of dashes: the caption says why
    columns = [c for c in data["comparisons"] if c["values"]]
    rows = [
        {
            **f,
            "display": _display(f["value"], f["unit"]),
            "note": n,
            "compared": [
                _display(c["values"][f["key"]], f["unit"]) if f["key"] in c["values"] else DASH
                for c in columns
            ],
        }
        for n, f in enumerate(data["figures"], start=1)
    ]
    offset = len(rows)
    shares = [
        {
            **s,
            "display": format_number(
                in_display_unit(s["value"], f"{s['source']}.value"), 1, PLAIN_NOT_AVAILABLE
            ),
            "note": offset + n,
        }
        for n, s in enumerate(data["clean_energy_shares"], start=1)
    ]
    return {
        "rows": rows,
        "columns": [
            {**c, "words": _month_words(c["label"]) if c["label"] else c["name"]} for c in columns
        ],
        "missing_columns": [
            {**c, "words": _month_words(c["label"]) if c["label"] else c["name"]}
            for c in data["comparisons"]
            if not c["values"]
        ],
        "shares": shares,
        "note": data["note"],
        **document_header(results),
    }


def render_update_html(results: dict[str, Any]) -> str:
    """The operating update as HTML (autoescaped)."""
    context = _context(results, operating_update_figures(results))
    return environment(str(templates_dir())).get_template(_TEMPLATE).render(**context)


def operating_update_files(results: dict[str, Any]) -> dict[str, bytes]:
    """``operating-update.pdf`` and ``operating-update.json`` for the version folder."""
    data = (
        json.dumps(operating_update_figures(results), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
    ).encode()
    day = date.fromisoformat(str(results["issue_date"])[:10])
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    pdf = html_to_pdf(render_update_html(results), moment=moment, attachments={UPDATE_JSON: data})
    return {UPDATE_PDF: pdf, UPDATE_JSON: data}
