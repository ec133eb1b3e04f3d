"""The data-quality section's context and its completeness matrix (carbon.report.quality_context,
carbon.report.quality_charts)."""

from __future__ import annotations

from carbon.report.quality_charts import completeness_svg
from carbon.report.quality_context import CATEGORY_LABELS, quality_context


def test_every_meter_row_adds_up_and_the_office_gaps_show(demo_july) -> None:
    context = quality_context(demo_july[1])
    assert context["categories"] == list(CATEGORY_LABELS.values())
    for row in context["meters"]:
        assert row["adds_up"] and sum(row["categories"]) == row["intervals"] == 2976
        rows = row["rows"]
        assert rows["in"] == rows["used"] + rows["flagged"] + rows["outside_period"]
    office = next(r for r in context["meters"] if r["id"] == "OFFICE")
    assert office["categories"][1] == 3  # missing
    assert office["coverage_pct"] == 100 * 2973 / 2976


def test_invoices_are_shown_with_the_breach_flagged(demo_july) -> None:
    invoices = quality_context(demo_july[1])["invoices"]
    assert invoices["checked"] == 2 and invoices["breaches"] == 1
    assert invoices["tolerance_pct"] == 2.0
    breach = next(b for b in invoices["bills"] if b["status"] == "breach")
    assert breach["label"] == "DEMO-INV-2025-07" and breach["difference_pct"] < -2.0
    assert breach["start"].startswith("2025-07-15T00:00:00-05:00")


def test_the_completeness_matrix_is_deterministic_and_absent_without_data(demo_july) -> None:
    completeness = demo_july[1]["quality"]["completeness"]
    svg = completeness_svg(completeness)
    assert svg is not None and svg == completeness_svg(completeness)
    assert "<svg" in svg and "Date" not in svg.split("<svg", 1)[0]
    assert completeness_svg({"days": [], "intervals": [], "measured": {}}) is None
