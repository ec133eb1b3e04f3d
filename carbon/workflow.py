"""End-to-end jobs: from inputs to a written report folder.

These functions only sequence the stages (pipeline → results → report →
output); they compute nothing themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from carbon import demo
from carbon.align import build_cube
from carbon.ingest.grid_table import read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.output import write_version
from carbon.period import Period, month, next_full_month_after
from carbon.pipeline import PeriodOutcome, run_period
from carbon.results import (
    ReportMeta,
    build_manifest,
    build_results,
    results_csv_bytes,
    results_json_bytes,
)


@dataclass(frozen=True)
class WrittenReport:
    """A report version on disk and the figures it holds."""

    path: Path
    results: dict[str, object]
    outcome: PeriodOutcome


def default_issue_date(period: Period) -> date:
    """The issue date used when none is given: the first local day after the period.

    Never the clock, so that the same inputs give the same bytes on any day.
    """
    return period.end.date()


def demo_period(label: str | None) -> Period:
    """The requested period, or the first full month after the demo hall conversion."""
    if label is None:
        return next_full_month_after(demo.CONVERSION_AT, demo.TIMEZONE)
    return month(label, demo.TIMEZONE)


def compute_demo(period: Period) -> tuple[PeriodOutcome, dict[str, object]]:
    """Generate the demo inputs and run the pipeline on `period` (no files written)."""
    inputs = demo.generate()
    site = inputs.site
    table = read_long_frame(
        inputs.meter_readings,
        source="demo://meters",
        sha256=demo.frame_sha256(inputs.meter_readings),
        value_column="energy_kwh",
        unit="kWh",
        interval=demo.INTERVAL,
    )
    cube = build_cube([table], [m.id for m in site.meters])
    grid = read_hourly_intensity(
        inputs.grid_intensity,
        source="demo://grid-intensity",
        sha256=demo.frame_sha256(inputs.grid_intensity),
        region="ERCOT (synthetic)",
        description=(
            "synthetic ERCOT-like hourly profile, generation-weighted annual mean calibrated to "
            f"eGRID2023rev2 ERCT CO2e ({inputs.calibration_target_gco2e_per_kwh:.3f} g CO2e/kWh)"
        ),
    )
    outcome = run_period(site, cube, grid, period)
    generator = {
        "generator": "carbon.demo",
        "generator_version": inputs.generator_version,
        "seed": inputs.seed,
    }
    return outcome, generator


def write_demo_report(out: Path, period_label: str | None = None) -> WrittenReport:
    """Run the embedded demo site for a period and write ``<out>/demo/<period>/v1/``."""
    from carbon.report.context import build_context
    from carbon.report.render import render_pdf

    period = demo_period(period_label)
    outcome, generator = compute_demo(period)
    version = 1
    meta = ReportMeta(
        report_id=f"{outcome.site.site.id}-{period.label}-v{version}",
        version=version,
        status="draft",
        issue_date=default_issue_date(period),
    )
    results = build_results(outcome, meta)
    results_json = results_json_bytes(results)
    results_csv = results_csv_bytes(results)
    manifest = build_manifest(
        results, results_json=results_json, results_csv=results_csv, extra={"demo": generator}
    )
    manifest_json = results_json_bytes(manifest)
    context = build_context(results, outcome.power_by_workload)
    pdf = render_pdf(
        context,
        attachments={
            "results.json": results_json,
            "results.csv": results_csv,
            "manifest.json": manifest_json,
        },
    )
    path = write_version(
        out,
        outcome.site.site.id,
        period.label,
        version,
        {
            "disclosure.pdf": pdf,
            "results.json": results_json,
            "results.csv": results_csv,
            "manifest.json": manifest_json,
        },
    )
    return WrittenReport(path=path, results=results, outcome=outcome)


__all__ = ["WrittenReport", "compute_demo", "demo_period", "write_demo_report"]
