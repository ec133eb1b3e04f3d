"""Context of what the meters registered: energy per meter, the allocation of shared load
(shown in the methodology) and the data quality per meter, with the reconciliation of
meters against their sub-meters."""

from __future__ import annotations

from carbon.report.charts import workload_label
from carbon.report.crossref import section_ref
from carbon.report.dates import local_stamp
from carbon.report.numbers import in_display_unit, ratio

__all__ = ["allocation_context", "meters_context", "quality_context"]


_ROLE_LABELS = {
    "revenue": "Revenue (site boundary)",
    "it": "IT (hall feeder)",
    "shared": "Shared subsystem",
    "check": "Check meter",
}


def meters_context(results: dict, total_kwh: float) -> list[dict]:
    """Energy per meter, its role and workload, and its share of the site total."""
    rows = []
    for meter in results.get("meters", []) or []:
        workload = meter.get("workload")
        if workload == "scheduled":
            workload_text = f"Effective-dated (section {section_ref('power')})"
        else:
            workload_text = workload_label(workload) if workload else "–"
        rows.append(
            {
                "id": str(meter.get("id", "")),
                "role": _ROLE_LABELS.get(meter.get("role"), str(meter.get("role", ""))),
                "workload": workload_text,
                "energy_mwh": in_display_unit(meter.get("energy_kwh"), "meters[].energy_kwh"),
                "share_pct": None
                if ratio(meter.get("energy_kwh"), total_kwh) is None
                else 100.0 * meter["energy_kwh"] / total_kwh,
            }
        )
    return rows


def allocation_context(results: dict) -> dict:
    """How shared and unmetered energy is allocated, per shared meter."""
    allocation = results.get("allocation", {}) or {}
    shared = []
    for item in allocation.get("shared_meters", []) or []:
        workload = item.get("workload")
        shared.append(
            {
                "id": str(item.get("id", "")),
                "key": str(item.get("key", "")),
                "workload": workload_label(workload) if workload else "all IT workloads",
                "energy_mwh": in_display_unit(
                    item.get("energy_kwh"), "allocation.shared_meters[].energy_kwh"
                ),
            }
        )
    return {
        "method": allocation.get("method", ""),
        "shared_meters": shared,
        "unmetered_residual_mwh": in_display_unit(
            allocation.get("unmetered_residual_kwh"), "allocation.unmetered_residual_kwh"
        ),
        "no_it_load_intervals": allocation.get("no_it_load_intervals"),
    }


def quality_context(results: dict) -> dict:
    """Coverage per meter, imputation, flags and the reconciliation against sub-meters."""
    quality = results.get("quality", {}) or {}
    timezone = str((results.get("period") or {}).get("timezone") or "UTC")
    imputation = quality.get("imputation", {}) or {}
    imputed = imputation.get("intervals", {}) or {}
    rows = []
    for meter in quality.get("meters", []) or []:
        expected = meter.get("expected_intervals")
        present = meter.get("present")
        rows.append(
            {
                "id": str(meter.get("id", "")),
                "expected": expected,
                "present": present,
                "missing": meter.get("missing"),
                "imputed": imputed.get(meter.get("id"), 0),
                "estimated": meter.get("estimated", 0),
                "duplicates": meter.get("duplicates"),
                "conflicting": meter.get("conflicting", 0),
                "negatives": meter.get("negatives"),
                "coverage_pct": None
                if ratio(present, expected) is None
                else 100.0 * present / expected,
                "note": _quality_note(meter, timezone),
            }
        )
    raised = sorted(
        {
            name
            for meter in quality.get("meters", []) or []
            for name, count in (meter.get("flag_counts", {}) or {}).items()
            if count
        }
    )
    reconciliation = _reconciliation(results.get("reconciliation") or [], timezone)
    grid = results.get("grid_intensity_gco2e_per_kwh", {}) or {}
    return {
        "meters": rows,
        "total_gaps": quality.get("total_gaps"),
        "total_negatives": quality.get("total_negatives"),
        "total_duplicates": quality.get("total_duplicates"),
        "flags_raised": raised,
        "conflicts": quality.get("conflicting_duplicates", []) or [],
        "imputation": {
            "method": imputation.get("method", "none"),
            "max_gap": imputation.get("max_gap"),
            "total_intervals": sum(imputed.values()),
            "revenue_share_pct": in_display_unit(
                imputation.get("revenue_share"), "quality.imputation.revenue_share"
            ),
        },
        "reconciliation": reconciliation,
        "grid_estimated_intervals": grid.get("estimated_intervals"),
        "grid_gas_note": grid.get("gas_note") or "",
    }


def _quality_note(meter: dict, timezone: str) -> str:
    notes = []
    if meter.get("flags_note"):
        notes.append(str(meter["flags_note"]))
    if meter.get("first_gap"):
        notes.append(f"first gap {local_stamp(meter['first_gap'], timezone)}")
    return "; ".join(notes)


def _reconciliation(records: list[dict], timezone: str) -> list[dict]:
    """Each parent meter against its sub-meters, with the worst intervals."""
    reconciliation = []
    for rec in records:
        reconciliation.append(
            {
                "parent": rec["parent"],
                "children": ", ".join(rec.get("children", [])),
                **{
                    f"{part}_mwh": in_display_unit(
                        rec.get(f"{part}_kwh"), f"reconciliation[].{part}_kwh"
                    )
                    for part in ("parent", "children", "residual")
                },
                "residual_pct": in_display_unit(
                    rec.get("residual_share"), "reconciliation[].residual_share"
                ),
                "tolerance_pct": in_display_unit(
                    rec.get("tolerance", 0.0), "reconciliation[].tolerance"
                ),
                "compared": rec.get("intervals_compared"),
                "breaches": rec.get("breaches"),
                "worst": [
                    {
                        "at": local_stamp(b["interval_start"], timezone),
                        "parent_kwh": b["parent_kwh"],
                        "children_kwh": b["children_kwh"],
                        "residual_kwh": b["residual_kwh"],
                        "relative_pct": None
                        if b.get("relative") is None
                        else 100.0 * b["relative"],
                    }
                    for b in rec.get("worst", [])
                ],
            }
        )
    return reconciliation
