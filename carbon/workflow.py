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
from carbon.config import load_site
from carbon.ingest.grid_table import read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.output import write_version
from carbon.period import Period, month, next_full_month_after
from carbon.pipeline import PeriodOutcome, run_period, slice_flags, slice_period
from carbon.quality import assess
from carbon.reconcile import reconcile
from carbon.results import (
    ReportMeta,
    build_manifest,
    build_results,
    results_csv_bytes,
    results_json_bytes,
)
from carbon.sources import read_site


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
    instruments = demo.demo_instruments(inputs.calibration_target_gco2e_per_kwh)
    outcome = run_period(site, cube, grid, period, instruments)
    generator = {
        "generator": "carbon.demo",
        "generator_version": inputs.generator_version,
        "seed": inputs.seed,
    }
    return outcome, generator


def _write_report(
    outcome: PeriodOutcome, out: Path, extra_manifest: dict[str, object]
) -> WrittenReport:
    """Results → manifest → PDF → an atomically written version folder (v1)."""
    from carbon.report.context import build_context
    from carbon.report.render import render_pdf

    period = outcome.period
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
        results, results_json=results_json, results_csv=results_csv, extra=extra_manifest
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


def write_demo_report(out: Path, period_label: str | None = None) -> WrittenReport:
    """Run the embedded demo site for a period and write ``<out>/demo/<period>/v1/``."""
    outcome, generator = compute_demo(demo_period(period_label))
    return _write_report(outcome, out, {"demo": generator})


def compute_site(site_file: Path, period_label: str) -> PeriodOutcome:
    """Read a site file and its inputs and run the pipeline on one month."""
    site = load_site(site_file)
    base = Path(site_file).parent
    inputs = read_site(site, base)
    period = month(period_label, site.site.timezone)
    outcome = run_period(site, inputs.cube, inputs.grid, period, inputs.instruments)
    return outcome


def write_site_report(site_file: Path, period_label: str, out: Path) -> WrittenReport:
    """Run a user's site for a month and write ``<out>/<site>/<period>/v1/``."""
    from carbon.ingest.records import file_sha256

    outcome = compute_site(site_file, period_label)
    extra = {"site_file": {"path": Path(site_file).name, "sha256": file_sha256(site_file)}}
    return _write_report(outcome, out, extra)


@dataclass(frozen=True)
class Validation:
    """What `carbon validate` found."""

    summary: dict[str, object]
    problems: list[str]


def validate_site(site_file: Path, period_label: str | None = None) -> Validation:
    """Read everything a site declares and report data quality (no accounting, no files)."""
    site = load_site(site_file)
    base = Path(site_file).parent
    inputs = read_site(site, base)
    cube = inputs.cube
    energy, flags = cube.energy, cube.flags
    span = None
    if period_label is not None:
        period = month(period_label, site.site.timezone)
        energy = slice_period(energy, period, cube.interval)
        flags = slice_flags(flags, period, cube.interval)
        span = period.as_dict()
    roles = {m.id: m.role for m in site.meters}
    found = assess(
        energy,
        flags,
        roles=roles,
        rows_read=cube.rows_read,
        duplicates=cube.duplicates_identical,
        conflicts=cube.conflicts,
    )
    recs = reconcile(energy, site, site.quality.reconciliation_tolerance)
    problems = []
    for m in found.meters:
        if m.missing:
            problems.append(f"meter {m.id}: {m.missing} interval(s) without a usable reading")
        if m.negatives:
            problems.append(f"meter {m.id}: {m.negatives} negative reading(s)")
        for name in ("counter-reset", "source-missing", "above-rated"):
            if m.flag_counts.get(name):
                problems.append(f"meter {m.id}: {m.flag_counts[name]} interval(s) flagged {name}")
    for c in found.conflicts:
        problems.append(
            f"meter {c.meter}: conflicting readings {c.values_kwh} kWh for {c.interval_start} "
            f"({', '.join(c.sources)})"
        )
    for r in recs:
        if r.breaches:
            problems.append(
                f"reconciliation {r.parent}: {r.breaches} interval(s) beyond "
                f"{r.tolerance:.1%} between the meter and its children"
            )
    times = energy["time"].values
    summary = {
        "site": site.site.id,
        "period": span,
        "data_span": {
            "start": str(times[0]) + "Z" if len(times) else None,
            "end": str(times[-1] + cube.interval.to_timedelta64()) + "Z" if len(times) else None,
            "interval": cube.interval.isoformat(),
        },
        "inputs": [r.as_dict() for r in (*cube.records, inputs.grid.record)],
        "quality": found.as_dict(),
        "reconciliation": [r.as_dict() for r in recs],
        "problems": problems,
    }
    return Validation(summary=summary, problems=problems)


__all__ = [
    "Validation",
    "WrittenReport",
    "compute_demo",
    "compute_site",
    "demo_period",
    "validate_site",
    "write_demo_report",
    "write_site_report",
]
