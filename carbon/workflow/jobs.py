"""End-to-end jobs: from inputs to a written report folder.

These functions only sequence the stages (pipeline → results → report →
output); they compute nothing themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.period import slice_flags, slice_period
from carbon.core.errors import ConfigError, OutputExistsError
from carbon.core.period import Period, month, next_full_month_after
from carbon.demo import site as demo
from carbon.ingest.grid_table import read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.ledger.folders import version_dir
from carbon.ledger.index import (
    diff_figures,
    latest_version,
    ledger_lock,
    prior_serial_uses,  # re-exported: the reading side of the serial ledger
    recorded_versions,
    serial_use_to_dict,
    sha256_hex,
)
from carbon.ledger.issue import issue_version, recover
from carbon.ledger.prior_uses import prior_uses_for
from carbon.quality.align import build_cube
from carbon.quality.assess import assess
from carbon.quality.reconcile import reconcile
from carbon.quality.sources import read_site
from carbon.results.document import (
    ReportMeta,
    build_manifest,
    build_results,
    results_csv_bytes,
    results_json_bytes,
)
from carbon.site.activity_file import activity_input_record
from carbon.site.load import load_site


@dataclass(frozen=True)
class WrittenReport:
    """A report version on disk and the figures it holds."""

    path: Path
    results: dict[str, object]
    outcome: PeriodOutcome
    manifest: dict[str, object] | None = None
    ledger_entry: dict[str, object] | None = None


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


def demo_site_data() -> tuple[Any, dict[str, object]]:
    """The demo's site, meter cube, grid series and instruments (a
    :class:`carbon.workflow.compare.SiteData`), read once for any number of periods."""
    from carbon.workflow.compare import SiteData

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
    generator = {
        "generator": "carbon.demo",
        "generator_version": inputs.generator_version,
        "seed": inputs.seed,
    }
    return SiteData(site, cube, grid, tuple(instruments)), generator


def compute_demo(
    period: Period, prior_uses: Sequence[Any] = ()
) -> tuple[PeriodOutcome, dict[str, object]]:
    """Generate the demo inputs and run the pipeline on `period` (no files written)."""
    data, generator = demo_site_data()
    return data.run(period, prior_uses), generator


STATUSES = ("draft", "issued")


def _check_options(status: str, restate: bool, reason: str | None) -> None:
    if status not in STATUSES:
        raise ConfigError(f"--status must be one of {', '.join(STATUSES)}; got {status!r}")
    if restate and not (reason and reason.strip()):
        raise ConfigError('--restate needs --reason "..." (why the period is re-issued)')
    if reason is not None and not restate:
        raise ConfigError("--reason is only used with --restate")


def parse_issue_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` → date (None stays None); anything else is a usage error."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--issue-date must be a date YYYY-MM-DD; got {text!r}") from None


def _refuse_existing(
    out: Path, site_id: str, period_label: str, restate: bool, status: str = "draft"
) -> int:
    """The latest version of the period (0 if none); refuse a new one without `restate`.

    Issuing a period whose versions so far are all drafts needs no `restate`: nothing
    was published, so the issued report takes the next number and restates nothing
    (the drafts stay as they are; none is overwritten).
    """
    prior = latest_version(out, site_id, period_label)
    if (
        prior
        and not restate
        and status == "issued"
        and not recorded_versions(out, site_id, period_label)
    ):
        return prior
    if prior and not restate:
        raise OutputExistsError(
            f"{version_dir(out, site_id, period_label, prior)} already exists; a written "
            "report version is never overwritten. To re-issue the period, use --restate "
            f'--reason "..." (writes v{prior + 1}).'
        )
    if restate and not prior:
        raise ConfigError(f"nothing to restate: no version of {site_id} {period_label} under {out}")
    return prior


def _changed_inputs(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Inputs (by path) whose SHA-256 differs between two results/manifests, or that
    appear on one side only."""
    before = {str(i.get("path")): i.get("sha256") for i in old.get("inputs") or ()}
    after = {str(i.get("path")): i.get("sha256") for i in new.get("inputs") or ()}
    found = []
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            found.append(
                {"path": path, "old_sha256": before.get(path), "new_sha256": after.get(path)}
            )
    for key in ("site_file", "demo"):
        if (key in old or key in new) and old.get(key) != new.get(key):
            found.append({"path": key, "old": old.get(key), "new": new.get(key)})
    return found


def _restatement(
    out: Path, site_id: str, period_label: str, prior: int, reason: str, results: dict, extra: dict
) -> dict[str, Any]:
    """What a new version restates: the version it supersedes, why, and what changed."""
    previous = version_dir(out, site_id, period_label, prior)
    try:
        old_results = json.loads((previous / "results.json").read_text(encoding="utf-8"))
        old_manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputExistsError(
            f"cannot restate v{prior}: {previous} lacks results.json or manifest.json"
        ) from None
    changes = diff_figures(old_results, results)
    return {
        "supersedes": {
            "report_id": old_results.get("report_id"),
            "version": old_results.get("version", prior),
            "status": old_results.get("status"),
            "issue_date": old_results.get("issue_date"),
        },
        "reason": reason.strip(),
        "changed_figures": changes,
        "changed_inputs": _changed_inputs(old_manifest, {**results, **extra}),
    }


def _applied_serial_uses(outcome: PeriodOutcome, instruments: Sequence[Any]) -> list[dict]:
    """The serial blocks of the instruments the market-based result applied."""
    from carbon.accounting.serials import serial_uses

    applied = {o.instrument_id for o in outcome.scopes.market.register if o.status == "applied"}
    uses = serial_uses([i for i in instruments if getattr(i, "id", None) in applied])
    return [serial_use_to_dict(u) for u in uses]


def _recheck_serials(
    out: Path, outcome: PeriodOutcome, restate: bool, instruments: Sequence[Any]
) -> None:
    """Under the ledger lock: the applied serials against every use issued by now.

    The pipeline checked them against the ledger before computing; another run (a site
    of a ``--workers`` fleet, or any concurrent issue under the same root) may have issued
    a claim on the same certificates since. The first to take the lock wins; this one is
    refused with both uses named, and nothing is written.
    """
    from carbon.accounting.serials import check_serials

    applied = {o.instrument_id for o in outcome.scopes.market.register if o.status == "applied"}
    check_serials(
        [i for i in instruments if getattr(i, "id", None) in applied],
        prior_uses=prior_uses_for(out, outcome.site.site.id, outcome.period.label, restate),
    )


def _write_report(
    outcome: PeriodOutcome,
    out: Path,
    extra_manifest: dict[str, object],
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    instruments: Sequence[Any] = (),
    extend: Any = None,
) -> WrittenReport:
    """Results → manifest → PDF → an atomically written version folder and its ledger row.

    The first version of a period is v1. When any version exists, a new one is
    written only with `restate` (and a `reason`): it becomes v<N+1>, its manifest
    records what it supersedes and the figures that changed, and the site's
    ledger index gets one more row (issued versions only; a draft is a folder only).
    Nothing already written is touched.
    """
    from carbon.report.disclosure import report_context
    from carbon.report.operating_update import operating_update_files
    from carbon.report.render import html_to_pdf, render_html
    from carbon.report.tenants import tenant_statements

    _check_options(status, restate, reason)
    period = outcome.period
    site_id = outcome.site.site.id
    day = issue_date or default_issue_date(period)
    with ledger_lock(out, site_id):
        recover(out, site_id, period.label)
        prior = _refuse_existing(out, site_id, period.label, restate, status)
        if status == "issued":
            _recheck_serials(out, outcome, restate, instruments)
        version = prior + 1
        meta = ReportMeta(
            report_id=f"{site_id}-{period.label}-v{version}",
            version=version,
            status=status,
            issue_date=day,
        )
        results = build_results(outcome, meta)
        if extend is not None:  # the pivot analysis (carbon.workflow.compare.extend_results)
            results.update(extend(outcome, results))
        restatement = (
            _restatement(
                out,
                site_id,
                period.label,
                # a restatement supersedes the latest issued version (a later draft was
                # never published); with drafts only, the latest draft
                max(recorded_versions(out, site_id, period.label), default=prior),
                reason or "",
                results,
                extra_manifest,
            )
            if restate
            else None
        )
        results_json = results_json_bytes(results)
        results_csv = results_csv_bytes(results)
        names = ["manifest.json", "results.csv", "results.json"]
        statements = tenant_statements(results)
        statement_hashes = {name: sha256_hex(data) for name, data in statements.items()}
        update = operating_update_files(results)  # operating-update.pdf and .json
        update_hashes = {name: sha256_hex(data) for name, data in update.items()}
        signoff = outcome.site.reporting.signoff.model_dump(mode="json")
        recorded = {"restatement": restatement, "signoff": signoff}
        context = report_context(
            results, outcome.power_by_workload, recorded, intensity=outcome.intensity_used
        )
        html = render_html({**context, "embedded_files": names})
        html_sha256 = sha256_hex(html.encode("utf-8"))
        manifest = build_manifest(
            results,
            results_json=results_json,
            results_csv=results_csv,
            extra={
                **extra_manifest,
                "signoff": signoff,
                "tenant_statements": statement_hashes,
                "operating_update": update_hashes,
            },
            restatement=restatement,
            rendered_html_sha256=html_sha256,
        )
        manifest_json = results_json_bytes(manifest)
        pdf = html_to_pdf(
            html,
            moment=datetime(day.year, day.month, day.day, tzinfo=UTC),
            attachments={
                "results.json": results_json,
                "results.csv": results_csv,
                "manifest.json": manifest_json,
            },
        )
        files = {
            "disclosure.pdf": pdf,
            "results.json": results_json,
            "results.csv": results_csv,
            "manifest.json": manifest_json,
            **statements,
            **update,
        }
        folder = version_dir(out, site_id, period.label, version)
        entry = {
            "report_id": meta.report_id,
            "site_id": site_id,
            "period": period.label,
            "version": version,
            "status": status,
            "issue_date": day.isoformat(),
            "pdf": "/".join(folder.relative_to(Path(out)).parts) + "/disclosure.pdf",
            "pdf_sha256": sha256_hex(pdf),
            "results_sha256": sha256_hex(results_json),
            "results_csv_sha256": sha256_hex(results_csv),
            "manifest_sha256": sha256_hex(manifest_json),
            "rendered_html_sha256": html_sha256,
            "tenant_statements_sha256": statement_hashes,
            "operating_update_sha256": update_hashes,
            "supersedes": restatement["supersedes"]["report_id"] if restatement else None,
            "reason": restatement["reason"] if restatement else None,
            "changed_figures": len(restatement["changed_figures"]) if restatement else None,
            "serial_uses": _applied_serial_uses(outcome, instruments),
            "software_version": results["software_version"],
        }
        path, recorded = issue_version(
            out, site_id, period.label, version, files, entry if status == "issued" else None
        )
    return WrittenReport(
        path=path, results=results, outcome=outcome, manifest=manifest, ledger_entry=recorded
    )


def _demo_instruments() -> list:
    """The demo's instruments, rebuilt exactly as :func:`compute_demo` builds them."""
    from carbon.factors.egrid import egrid_co2e_rate

    rate, _ = egrid_co2e_rate(demo.GRID_REGION, demo.CALIBRATION_DATASET)
    return demo.demo_instruments(float(rate.to("g CO2e/kWh").magnitude))


def write_demo_report(
    out: Path,
    period_label: str | None = None,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    baseline: str | None = None,
) -> WrittenReport:
    """Run the embedded demo site for a period and write ``<out>/demo/<period>/v<N>/``.

    With `baseline` (``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` or ``same-month-last-year``)
    the report compares the period with it (:mod:`carbon.workflow.compare`).
    """
    from carbon.workflow.compare import extend_results

    _check_options(status, restate, reason)
    period = demo_period(period_label)
    _refuse_existing(out, demo.demo_site().site.id, period.label, restate, status)  # early
    if baseline:
        from carbon.pivot.baseline import baseline_period

        baseline_period(baseline, period)  # a malformed or late baseline fails before computing
    data, generator = demo_site_data()
    outcome = data.run(
        period, prior_uses_for(out, demo.demo_site().site.id, period.label, restate)
    )
    if baseline:
        _check_baseline(data, period, baseline)
    return _write_report(
        outcome,
        out,
        {"demo": generator},
        status=status,
        issue_date=issue_date,
        restate=restate,
        reason=reason,
        instruments=_demo_instruments(),
        extend=lambda o, r: extend_results(data, o, r, baseline),
    )


def compute_site(
    site_file: Path, period_label: str, prior_uses: Sequence[Any] = ()
) -> PeriodOutcome:
    """Read a site file and its inputs and run the pipeline on one month."""
    data = site_data(site_file)
    return data.run(month(period_label, data.site.site.timezone), prior_uses)


def site_data(site_file: Path) -> Any:
    """A site's inputs read once (:class:`carbon.workflow.compare.SiteData`) for many periods."""
    from carbon.analysis.marginal import read_marginal
    from carbon.workflow.compare import SiteData

    site = load_site(site_file)
    base = Path(site_file).parent
    inputs = read_site(site, base)
    marginal = read_marginal(site, base)
    record = activity_input_record(site, base)  # the activity CSV joins the lineage
    return SiteData(
        site,
        inputs.cube,
        inputs.grid,
        tuple(inputs.instruments),
        marginal,
        more_grids=tuple(inputs.more_grids),
        extra_inputs=() if record is None else (record,),
    )


def _check_baseline(data: Any, period: Period, baseline: str) -> None:
    """Refuse a baseline that is no period, does not precede `period` or lies outside the data."""
    from carbon.pivot.baseline import baseline_period, check_within

    check_within(baseline_period(baseline, period), *data.span())


def _site_instruments(site_file: Path) -> tuple:
    """The instruments a site file declares (read again: cheap, and compute_site keeps none)."""
    site = load_site(site_file)
    if not site.reporting.instruments:
        return ()
    from carbon.site.instruments_csv import read_instruments_csv

    path = Path(site_file).parent / site.reporting.instruments
    return tuple(read_instruments_csv(path))


def write_site_report(
    site_file: Path,
    period_label: str,
    out: Path,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    baseline: str | None = None,
) -> WrittenReport:
    """Run a user's site for a month and write ``<out>/<site>/<period>/v<N>/``.

    With `baseline` the report compares the period with it (:mod:`carbon.workflow.compare`).
    """
    from carbon.core.lineage import file_sha256
    from carbon.workflow.compare import extend_results

    _check_options(status, restate, reason)
    site_id = load_site(site_file).site.id
    _refuse_existing(out, site_id, period_label, restate, status)  # before computing
    data = site_data(site_file)
    outcome = data.run(
        month(period_label, data.site.site.timezone),
        prior_uses_for(out, site_id, period_label, restate),
    )
    if baseline:
        _check_baseline(data, outcome.period, baseline)
    extra = {"site_file": {"path": Path(site_file).name, "sha256": file_sha256(site_file)}}
    return _write_report(
        outcome,
        out,
        extra,
        status=status,
        issue_date=issue_date,
        restate=restate,
        reason=reason,
        instruments=_site_instruments(site_file),
        extend=lambda o, r: extend_results(data, o, r, baseline),
    )


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
    "demo_site_data",
    "parse_issue_date",
    "prior_serial_uses",
    "site_data",
    "validate_site",
    "write_demo_report",
    "write_site_report",
]
