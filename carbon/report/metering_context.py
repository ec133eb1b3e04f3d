"""Context of what the meters registered: energy per meter, the allocation of shared load
(shown in the methodology) and the reconciliation of meters against their sub-meters (shown
in the data-quality section, :mod:`carbon.report.quality_context`)."""

from __future__ import annotations

from carbon.report.charts import workload_label
from carbon.report.crossref import section_ref
from carbon.report.dates import local_stamp
from carbon.report.numbers import in_display_unit, ratio

__all__ = ["allocation_context", "key_versions_text", "meters_context", "reconciliation_context"]


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


def key_versions_text(versions: list[dict]) -> str:
    """The allocation-key versions of a shared meter in the period, in words:
    ``v1: it-energy until 2025-07-15T12:00:00-05:00; v2: dedicated (AI) from …``."""
    words = []
    for v in versions:
        text = f"{v.get('version')}: {v.get('key')}"
        if v.get("workload"):
            text += f" ({workload_label(v['workload'])})"
        if v.get("from"):
            text += f" from {v['from']}"
        if v.get("until"):
            text += f" until {v['until']}"
        words.append(text)
    return "; ".join(words)


def allocation_context(results: dict) -> dict:
    """How shared and unmetered energy is allocated, per shared meter; a meter whose key
    changed names each key version in effect during the period."""
    allocation = results.get("allocation", {}) or {}
    shared = []
    for item in allocation.get("shared_meters", []) or []:
        workload = item.get("workload")
        versions = item.get("versions")
        shared.append(
            {
                "id": str(item.get("id", "")),
                "key": key_versions_text(versions) if versions else str(item.get("key", "")),
                "workload": "per key version"
                if versions
                else (workload_label(workload) if workload else "all IT workloads"),
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


def reconciliation_context(records: list[dict], timezone: str = "UTC") -> list[dict]:
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
