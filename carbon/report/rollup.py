"""The fiscal roll-up files: ``rollup.json``, ``rollup.csv`` and a short PDF/A-3b.

Display only: the sums and intensities come from :func:`carbon.workflow.rollup.rollup_document`
and are converted to display units here. The PDF's dates come from the document's
``issue_date`` (the first local day after the period), so the same inputs give the
same bytes.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

from carbon.report.charts import month_words, monthly_workload_svg
from carbon.report.numbers import TYPESET_SIGNED_ZERO, convert, format_number
from carbon.report.render import environment, html_to_pdf, templates_dir

__all__ = ["rollup_csv_bytes", "rollup_files", "rollup_json_bytes"]

_TEMPLATE = "rollup.html.j2"

#: (sum key, label, display unit, decimals); labels starting "of which" are indented.
_SUM_ROWS = (
    ("energy_kwh.total", "Energy consumed, site", "MWh", 1),
    ("energy_kwh.mining", "of which Bitcoin mining", "MWh", 1),
    ("energy_kwh.ai", "of which AI hosting", "MWh", 1),
    ("energy_kwh.other", "of which other (no IT load)", "MWh", 1),
    ("it_energy_kwh.total", "IT energy (hall feeders)", "MWh", 1),
    ("scope1_kgco2e", "Scope 1", "t CO2e", 1),
    ("scope2_location_kgco2e.total", "Scope 2, location-based", "t CO2e", 1),
    ("scope2_location_kgco2e.mining", "of which mining", "t CO2e", 1),
    ("scope2_location_kgco2e.ai", "of which AI", "t CO2e", 1),
    ("scope2_market_kgco2e.total", "Scope 2, market-based (annual matching)", "t CO2e", 1),
    ("scope2_market_kgco2e.mining", "of which mining", "t CO2e", 1),
    ("scope2_market_kgco2e.ai", "of which AI", "t CO2e", 1),
    (
        "scope2_market_hourly_matching_kgco2e",
        "Scope 2, market-based (hourly matching)",
        "t CO2e",
        1,
    ),
    ("scope3_3_td_losses_kgco2e", "Scope 3 category 3(c), T&D losses", "t CO2e", 1),
    ("btc_mined_self", "BTC mined, self-mining", "BTC", 4),
    ("btc_mined_hosted", "BTC mined, hosted clients", "BTC", 4),
    ("gpu_hours_sold", "AI GPU-hours sold", "hour", 0),
    ("gpu_hours_available", "AI GPU-hours available", "hour", 0),
    ("offsets_retired_tco2e", "Memo: offset credits retired (not netted)", "t CO2e", 1),
    ("avoided_methane_retired_tco2e", "Memo: avoided-methane credits (not netted)", "t CO2e", 1),
    ("retired_hardware_t", "Retired hardware (ASICs, GPUs)", "t", 2),
)
#: (intensity key, label, unit of the key, display unit, decimals)
_INTENSITY_ROWS = (
    ("pue", "PUE", "", "", 3),
    ("average_mw", "Average power draw", "MW", "MW", 1),
    (
        "grid_intensity_location_gco2e_per_kwh",
        "Grid intensity, location-based",
        "g CO2e/kWh",
        "kg CO2e/MWh",
        1,
    ),
    ("j_per_th", "Fleet efficiency, realised", "J/TH", "J/TH", 2),
    ("kwh_per_btc", "Energy per BTC (self-mining)", "kWh/BTC", "MWh/BTC", 1),
    (
        "kgco2e_per_btc_location",
        "Emissions per BTC, location-based",
        "kg CO2e/BTC",
        "t CO2e/BTC",
        2,
    ),
    ("kgco2e_per_btc_market", "Emissions per BTC, market-based", "kg CO2e/BTC", "t CO2e/BTC", 2),
    ("kwh_per_gpu_hour", "Energy per GPU-hour, facility", "kWh/hour", "kWh/hour", 3),
    ("kwh_per_gpu_hour_it", "Energy per GPU-hour, IT", "kWh/hour", "kWh/hour", 3),
    (
        "gco2e_per_gpu_hour_location",
        "Emissions per GPU-hour, location-based",
        "g CO2e/hour",
        "g CO2e/hour",
        1,
    ),
    (
        "gco2e_per_gpu_hour_market",
        "Emissions per GPU-hour, market-based",
        "g CO2e/hour",
        "g CO2e/hour",
        1,
    ),
    ("gpu_utilisation", "GPU utilisation", "", "percent", 1),
)
_LABELS = {
    "hour": "GPU-h",
    "kWh/hour": "kWh/GPU-h",
    "g CO2e/hour": "g CO2e/GPU-h",
    "percent": "%",
    "": "",
}


def rollup_json_bytes(document: dict[str, Any]) -> bytes:
    """Canonical JSON bytes (sorted keys, two-space indentation, trailing newline)."""
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def rollup_csv_bytes(document: dict[str, Any]) -> bytes:
    """Tidy table: site_id, fiscal_period, kind (sum/intensity), figure, value, unit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["site_id", "fiscal_period", "kind", "figure", "value", "unit"])
    site_id = document["site"]["id"]
    units = document["units"]
    blocks = [document["period"]]
    for key in ("comparative", "comparative_year_ago"):
        if (document.get(key) or {}).get("available"):
            blocks.append(document[key])
    for block in blocks:
        for name, value in block["sums"].items():
            writer.writerow(
                [
                    site_id,
                    block["label"],
                    "sum",
                    name,
                    "" if value is None else repr(value),
                    units[name],
                ]
            )
        for key, _, unit, *_ in _INTENSITY_ROWS:
            value = block["intensities"].get(key)
            writer.writerow(
                [
                    site_id,
                    block["label"],
                    "intensity",
                    key,
                    "" if value is None else repr(value),
                    unit or "1",
                ]
            )
    return buffer.getvalue().encode()


def _fmt(value: float | None, decimals: int) -> str:
    return format_number(value, decimals, TYPESET_SIGNED_ZERO)


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None or before == 0:
        return "–"
    return f"{(now - before) / abs(before):+.1%}".replace("-", "\u2212")


def _context(document: dict[str, Any]) -> dict[str, Any]:
    units = document["units"]
    this, comp = document["period"], document["comparative"]
    has_prior = bool(comp.get("available"))
    ago = document.get("comparative_year_ago")  # quarters only; None for a fiscal year
    has_ago = bool(ago and ago.get("available"))

    def row(label: str, now: Any, before: Any, year_ago: Any, unit_label: str, decimals: int):
        return {
            "label": label,
            "sub": label.startswith("of which"),
            "now": _fmt(now, decimals),
            "before": _fmt(before, decimals) if has_prior else "–",
            "change": _change(now, before) if has_prior else "–",
            "ago": _fmt(year_ago, decimals) if has_ago else "–",
            "change_ago": _change(now, year_ago) if has_ago else "–",
            "unit": unit_label,
        }

    def value(block: dict | None, available: bool, part: str, key: str, unit: str, target: str):
        return convert(block[part].get(key), unit, target) if available and block else None

    sums = []
    for key, label, target, decimals in _SUM_ROWS:
        now = convert(this["sums"].get(key), units[key], target)
        before = value(comp, has_prior, "sums", key, units[key], target)
        year_ago = value(ago, has_ago, "sums", key, units[key], target)
        if key.endswith(".other") and not any((now, before, year_ago)):
            continue  # no "of which other" row of zeros
        sums.append(row(label, now, before, year_ago, _LABELS.get(target, target), decimals))
    intensities = []
    for key, label, unit, target, decimals in _INTENSITY_ROWS:
        now = convert(this["intensities"].get(key), unit, target)
        before = value(comp, has_prior, "intensities", key, unit, target)
        year_ago = value(ago, has_ago, "intensities", key, unit, target)
        r = row(label, now, before, year_ago, _LABELS.get(target, target), decimals)
        r["definition"] = document["intensity_definitions"][key]
        intensities.append(r)
    sources = list(this["sources"]) + (list(comp["sources"]) if has_prior else [])
    sources += list(ago["sources"]) if has_ago else []
    fy = document["fiscal_year"]
    monthly = document.get("monthly") or []
    return {
        "monthly": [
            {
                **m,
                "words": month_words(m["month"]),
                "mark": _STATUS_MARKS.get(m["status"], m["status"]),
                "mining_mwh": _fmt(convert(m.get("energy_kwh.mining"), "kWh", "MWh"), 1),
                "ai_mwh": _fmt(convert(m.get("energy_kwh.ai"), "kWh", "MWh"), 1),
            }
            for m in monthly
        ],
        "chart": _chart(monthly),
        "assurance": document.get("assurance")
        or {"stamp": "UNASSURED", "summary": "no assurance recorded for these months"},
        "doc": document,
        "site": document["site"],
        "label": document["label"],
        "prior_label": comp["label"],
        "has_prior": has_prior,
        "prior_reason": comp.get("reason", ""),
        "show_ago": ago is not None,
        "ago_label": ago["label"] if ago else "",
        "has_ago": has_ago,
        "ago_reason": ago.get("reason", "") if ago else "",
        "months": f"{this['months'][0]} to {this['months'][-1]}",
        "fy_words": f"fiscal year starting in month {fy['start_month']}, named by the calendar "
        f"year in which it {'ends' if fy['naming'] == 'end-year' else 'begins'}",
        "sums": sums,
        "intensities": intensities,
        "sources": sources,
        "issue_date": document["issue_date"],
        "version": document["version"],
        "software_version": document["software_version"],
    }


#: The status mark of a month in the roll-up.
_STATUS_MARKS = {
    "issued": "issued",
    "restated": "restated",
    "draft": "draft (not issued)",
}


def _chart(monthly: list[dict[str, Any]]) -> str | None:
    """The monthly mining-vs-AI energy chart as a data URI; None without months."""
    if not monthly:
        return None
    months = [m["month"] for m in monthly]
    energy = {
        w: [convert(m.get(f"energy_kwh.{w}"), "kWh", "MWh") for m in monthly]
        for w in ("mining", "ai")
    }
    svg = monthly_workload_svg(months, energy)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render_rollup_html(document: dict[str, Any]) -> str:
    """The roll-up as HTML (autoescaped)."""
    return environment(str(templates_dir())).get_template(_TEMPLATE).render(**_context(document))


def rollup_files(document: dict[str, Any]) -> dict[str, bytes]:
    """``rollup.json``, ``rollup.csv`` and ``rollup.pdf`` (PDF/A-3b, both files embedded)."""
    data = rollup_json_bytes(document)
    table = rollup_csv_bytes(document)
    day = date.fromisoformat(document["issue_date"])
    pdf = html_to_pdf(
        render_rollup_html(document),
        moment=datetime(day.year, day.month, day.day, tzinfo=UTC),
        attachments={"rollup.json": data, "rollup.csv": table},
    )
    return {"rollup.json": data, "rollup.csv": table, "rollup.pdf": pdf}
