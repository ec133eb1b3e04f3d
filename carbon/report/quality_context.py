"""Context of the data-quality section: intervals per meter by category, rows in and out,
the energy and Scope 2 resting on estimates, the completeness matrix, the utility invoices
against the revenue meter and the reconciliation of meters against their sub-meters.

Display only: every figure is read from ``quality`` and ``reconciliation`` of results.json
and converted to its display unit; nothing is counted a second time.
"""

from __future__ import annotations

import base64
from typing import Any

from carbon.report.charts import workload_label
from carbon.report.dates import local_stamp
from carbon.report.metering_context import reconciliation_context
from carbon.report.numbers import in_display_unit
from carbon.report.quality_charts import COMPLETENESS_BANDS, completeness_svg

__all__ = ["CATEGORY_LABELS", "quality_context"]

#: Interval category (``quality.meters[].categories``) → column heading, in table order.
CATEGORY_LABELS: dict[str, str] = {
    "measured": "Measured",
    "missing": "Missing",
    "imputed": "Imputed",
    "estimated": "Source-estimated",
    "conflicting": "Conflicting",
    "negative": "Negative",
    "spike": "Above rating",
    "counter_reset": "Counter reset",
    "off_grid": "Off-grid",
    "partial": "Partial coverage",
}

_WORKLOAD_ORDER = ("mining", "ai", "other")
_ROW_KEYS = ("in", "used", "flagged", "flagged_duplicates", "flagged_unusable", "outside_period")


def _meter_rows(quality: dict[str, Any], timezone: str) -> list[dict[str, Any]]:
    rows = []
    for meter in quality.get("meters", []) or []:
        categories = meter.get("categories") or {}
        counted = meter.get("rows") or {}
        rows.append(
            {
                "id": str(meter.get("id", "")),
                "intervals": meter.get("intervals", meter.get("expected_intervals")),
                "categories": [categories.get(c) for c in CATEGORY_LABELS],
                "adds_up": bool(categories) and sum(categories.values()) == meter.get("intervals"),
                "coverage_pct": in_display_unit(meter.get("coverage"), "quality.meters[].coverage"),
                "imputed_from": ", ".join(
                    f"{n} {label.lower()}"
                    for c, label in CATEGORY_LABELS.items()
                    if (n := (meter.get("imputed_from") or {}).get(c))
                ),
                "first_gap": local_stamp(meter.get("first_gap"), timezone),
                "rows": {k: counted.get(k) for k in _ROW_KEYS} if counted else None,
            }
        )
    return rows


def _estimated(quality: dict[str, Any]) -> list[dict[str, Any]]:
    block = quality.get("estimated") or {}
    energy = block.get("energy_kwh") or {}
    # a fixed order: results.json is read back with its keys sorted
    known = [w for w in _WORKLOAD_ORDER if w in energy]
    order = (
        known
        + sorted(w for w in energy if w not in _WORKLOAD_ORDER)
        + ["total"] * ("total" in energy)
    )
    rows = []
    for workload in order:

        def shown(key: str, w: str = workload) -> float | None:
            return in_display_unit((block.get(key) or {}).get(w), f"quality.estimated.{key}.{w}")

        rows.append(
            {
                "workload": "Total" if workload == "total" else workload_label(workload),
                "total": workload == "total",
                "energy_mwh": shown("energy_kwh"),
                "energy_pct": shown("energy_share"),
                "location_t": shown("scope2_location_kgco2e"),
                "location_pct": shown("scope2_location_share"),
                "market_t": shown("scope2_market_kgco2e"),
                "market_pct": shown("scope2_market_share"),
            }
        )
    return rows


def _invoices(quality: dict[str, Any]) -> dict[str, Any] | None:
    block = quality.get("invoices")
    if not block:
        return None
    key = "quality.invoices.bills[]"
    bills = [
        {
            "label": b.get("label"),
            "start": str(b.get("start_local") or b.get("start") or ""),
            "end": str(b.get("end_local") or b.get("end") or ""),
            "evidence": ", ".join(
                str(x) for x in (b.get("source"), b.get("file"), b.get("sha256")) if x
            ),
            "invoiced_mwh": in_display_unit(b.get("invoiced_kwh"), f"{key}.invoiced_kwh"),
            "metered_mwh": in_display_unit(b.get("metered_kwh"), f"{key}.metered_kwh"),
            "difference_mwh": in_display_unit(b.get("difference_kwh"), f"{key}.difference_kwh"),
            "difference_pct": in_display_unit(b.get("difference"), f"{key}.difference"),
            "status": b.get("status"),
            "note": b.get("note") or "",
        }
        for b in block.get("bills") or ()
    ]
    return {
        "tolerance_pct": in_display_unit(block.get("tolerance"), "quality.invoices.tolerance"),
        "checked": block.get("checked"),
        "breaches": block.get("breaches"),
        "incomplete": block.get("incomplete"),
        "bills": bills,
    }


def _chart(quality: dict[str, Any]) -> dict[str, Any] | None:
    completeness = quality.get("completeness")
    order = [str(m.get("id")) for m in quality.get("meters", []) or []]  # the site's order
    svg = completeness_svg(completeness, order) if completeness else None
    if svg is None:
        return None
    return {
        "svg_data_uri": "data:image/svg+xml;base64,"
        + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        "days": len(completeness.get("days") or ()),
        "bands": [label for _, _, label in COMPLETENESS_BANDS],
    }


def quality_context(results: dict) -> dict:
    """The ``quality`` entry of the template context (see the module docstring)."""
    quality = results.get("quality", {}) or {}
    timezone = str((results.get("period") or {}).get("timezone") or "UTC")
    imputation = quality.get("imputation", {}) or {}
    imputed = imputation.get("intervals", {}) or {}
    totals = quality.get("totals") or {}
    meters = quality.get("meters", []) or []
    raised = sorted(
        {
            name
            for meter in meters
            for name, count in (meter.get("flag_counts", {}) or {}).items()
            if count
        }
    )
    conflicts_imputed = sum((m.get("imputed_from") or {}).get("conflicting", 0) for m in meters)
    grid = results.get("grid_intensity_gco2e_per_kwh", {}) or {}
    estimated = _estimated(quality)
    return {
        "categories": list(CATEGORY_LABELS.values()),
        "meters": _meter_rows(quality, timezone),
        "totals": {
            "intervals": totals.get("intervals"),
            "categories": [(totals.get("categories") or {}).get(c) for c in CATEGORY_LABELS],
            "rows": totals.get("rows"),
        },
        "total_duplicates": quality.get("total_duplicates"),
        "flags_raised": raised,
        "conflicts": quality.get("conflicting_duplicates", []) or [],
        "conflicts_imputed": conflicts_imputed,
        "set_aside": quality.get("set_aside") or [],
        "imputation": {
            "method": imputation.get("method", "none"),
            "max_gap": imputation.get("max_gap"),
            "total_intervals": sum(imputed.values()),
            "total_mwh": in_display_unit(
                imputation.get("total_energy_kwh"), "quality.imputation.total_energy_kwh"
            ),
        },
        "estimated": estimated,
        "estimated_total": next((r for r in estimated if r["total"]), None),
        "completeness": _chart(quality),
        "invoices": _invoices(quality),
        "reconciliation": reconciliation_context(results.get("reconciliation", []) or [], timezone),
        "grid_estimated_intervals": grid.get("estimated_intervals"),
        "grid_gas_note": grid.get("gas_note") or "",
        "grid_alignment": grid.get("alignment") if grid.get("coarsened_to_meter_interval") else "",
    }
