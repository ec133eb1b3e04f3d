"""Writing a report version folder: ``<out>/<site>/<period>/v<N>/``, and its ledger record.

A computed period (:class:`carbon.workflow.run.PeriodRun`) becomes, under the report
root's ledger lock, the documents of one version: ``results.json`` and ``results.csv``,
``render-series.json`` (the series the charts are drawn from), the tenant statements, the
operating update, ``manifest.json`` (the hashes of all of them and of the rendered
disclosure HTML), the disclosure PDF embedding the results, the series and the manifest
(so that it can be rendered again from what it carries), and, for an issued version, one
ledger row. The folder and the row are
written together or not at all (:func:`carbon.ledger.issue.issue_version`). Nothing
already written is touched: a period that has a version is re-issued only as a
restatement, which records what it supersedes, why, and the figures that changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from carbon.accounting.serials import check_serials, serial_uses
from carbon.analysis.period import PeriodOutcome
from carbon.core.errors import ConfigError, OutputExistsError
from carbon.core.version import build_sha256
from carbon.ledger.anchor import issue_anchor
from carbon.ledger.folders import version_dir
from carbon.ledger.index import (
    diff_figures,
    latest_version,
    ledger_lock,
    ledger_path,
    recorded_versions,
    serial_use_to_dict,
    sha256_hex,
)
from carbon.ledger.issue import issue_version, recover
from carbon.ledger.prior_uses import prior_uses_for
from carbon.ledger.repair import lost_restatement, missing_error, missing_versions
from carbon.ledger.signing import (
    SIGNATURE_FILE,
    Signer,
    embedded_names,
    signature_file,
    signing_record,
)
from carbon.pivot.baseline import AUTO
from carbon.report.disclosure import disclosure_html, remember_rendered
from carbon.report.render import LaidOut, lay_out, renderer_version
from carbon.report.series import RENDER_SERIES, render_series_bytes
from carbon.results.document import (
    ReportMeta,
    build_manifest,
    results_csv_bytes,
    results_json_bytes,
)
from carbon.results.exports import export_files
from carbon.workflow.inputs import demo_period, demo_site_id, site_file_id
from carbon.workflow.request import (
    STATUSES,
    check_options,
    default_issue_date,
    load_sign_key,
    parse_issue_date,
)
from carbon.workflow.run import PeriodRun, run_demo_period, run_site_period
from carbon.workflow.side_documents import side_document_worker, start_side_documents

__all__ = [
    "STATUSES",
    "WrittenReport",
    "check_options",
    "default_issue_date",
    "load_sign_key",
    "parse_issue_date",
    "write_demo_report",
    "write_report",
    "write_site_report",
]

#: The files the disclosure PDF embeds, as its list of embedded files names them ...
EMBEDDED_FILES = ("manifest.json", RENDER_SERIES, "results.csv", "results.json")
#: ... and in the order they are attached.
ATTACHED_FILES = ("results.json", "results.csv", "manifest.json", RENDER_SERIES)


@dataclass(frozen=True)
class WrittenReport:
    """A report version on disk and the figures it holds."""

    path: Path
    results: dict[str, object]
    outcome: PeriodOutcome
    manifest: dict[str, object] | None = None
    ledger_entry: dict[str, object] | None = None


def _refuse_existing(
    out: Path, site_id: str, period_label: str, restate: bool, status: str = "draft"
) -> int:
    """The latest version of the period (0 if none); refuse a new one without `restate`.

    Issuing a period whose versions so far are all drafts needs no `restate`: nothing
    was published, so the issued report takes the next number and restates nothing
    (the drafts stay as they are; none is overwritten). An issued version whose folder is
    missing, and whose loss the ledger does not record yet, stops everything
    (:class:`~carbon.core.errors.MissingVersionError`, see :mod:`carbon.ledger.repair`).
    """
    missing = missing_versions(out, site_id, period_label)
    if missing:
        raise missing_error(out, missing[-1])
    prior = latest_version(out, site_id, period_label)
    if (
        prior
        and not restate
        and status == "issued"
        and not recorded_versions(out, site_id, period_label)
    ):
        return prior
    if prior and not restate:
        folder = version_dir(out, site_id, period_label, prior)
        if not folder.is_dir():  # lost, and recorded so by `carbon ledger repair`
            raise OutputExistsError(
                f"{site_id} {period_label} v{prior} is on record in the ledger (its folder "
                f"{folder} is missing, and the ledger records the repair); a version number is "
                f'never reused. To issue the period again, use --restate --reason "..." (writes '
                f"v{prior + 1}).",
                path=folder,
                reason="version-on-record",
            )
        raise OutputExistsError(
            f"{folder} already exists; a written report version is never overwritten. To "
            f're-issue the period, use --restate --reason "..." (writes v{prior + 1}).',
            path=folder,
        )
    if restate and not prior:
        raise ConfigError(
            f"nothing to restate: no version of {site_id} {period_label} under {out}",
            path=out,
            reason="nothing-to-restate",
        )
    return prior


# --- the restatement -------------------------------------------------------------------------


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
    if not previous.is_dir():
        lost = lost_restatement(out, site_id, period_label, prior, reason)
        if lost is not None:
            return lost
    try:
        old_results = json.loads((previous / "results.json").read_text(encoding="utf-8"))
        old_manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputExistsError(
            f"cannot restate v{prior}: {previous} lacks results.json or manifest.json",
            path=previous,
            reason="restated-version-incomplete",
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


# --- certificate serials ---------------------------------------------------------------------


def _applied(outcome: PeriodOutcome, instruments: Sequence[Any]) -> list[Any]:
    """The instruments the market-based result applied."""
    applied = {o.instrument_id for o in outcome.scopes.market.register if o.status == "applied"}
    return [i for i in instruments if getattr(i, "id", None) in applied]


def _recheck_serials(
    out: Path, outcome: PeriodOutcome, restate: bool, instruments: Sequence[Any]
) -> None:
    """Under the ledger lock: the applied serials against every use issued by now.

    The pipeline checked them against the ledger before computing; another run (a site
    of a ``--workers`` fleet, or any concurrent issue under the same root) may have issued
    a claim on the same certificates since. The first to take the lock wins; this one is
    refused with both uses named, and nothing is written.
    """
    check_serials(
        _applied(outcome, instruments),
        prior_uses=prior_uses_for(out, outcome.site.site.id, outcome.period.label, restate),
    )


# --- the documents of a version --------------------------------------------------------------


def _hashes(files: dict[str, bytes]) -> dict[str, str]:
    return {name: sha256_hex(data) for name, data in files.items()}


def _disclosure_html(results: dict, recorded: dict[str, Any], series: bytes) -> str:
    """The disclosure's HTML (what the PDF is rendered from; the manifest records its hash),
    drawn from the embedded ``render-series.json`` as ``carbon verify`` draws it again."""
    return disclosure_html(results, recorded, series, embedded_names(EMBEDDED_FILES, recorded))


def _manifest(
    run: PeriodRun,
    results: dict,
    results_files: dict[str, bytes],
    hashes: dict[str, Any],
    recorded: dict[str, Any],
) -> dict[str, Any]:
    """``manifest.json``: the hashes of the results, of the side documents (tenant statements,
    operating update) and of the disclosure HTML, the inputs, the sign-off and any
    restatement."""
    return build_manifest(
        results,
        results_json=results_files["results.json"],
        results_csv=results_files["results.csv"],
        extra={
            **run.extra_manifest,
            "signoff": recorded["signoff"],
            "tenant_statements": hashes["tenant_statements"],
            "operating_update": hashes["operating_update"],
            "exports": hashes["exports"],
            **{k: recorded[k] for k in ("ledger_anchor", "signing") if recorded[k] is not None},
            "render_series_sha256": hashes["render_series"],
            "weasyprint_version": renderer_version(),
            "build_sha256": build_sha256(),
        },
        restatement=recorded["restatement"],
        rendered_html_sha256=hashes["rendered_html"],
    )


def _disclosure_pdf(laid_out: LaidOut, embedded: dict[str, bytes]) -> bytes:
    """The laid-out disclosure written as PDF, embedding the results, the chart series, the
    manifest and the signature (kept for ``carbon verify`` in this process, which would render
    the same bytes)."""
    attachments = {
        name: embedded[name] for name in (*ATTACHED_FILES, SIGNATURE_FILE) if name in embedded
    }
    pdf = laid_out.write(attachments)
    remember_rendered(attachments, pdf)
    return pdf


@dataclass(frozen=True)
class _Documents:
    """The files of a version folder, its manifest, and the hashes its ledger row records."""

    files: dict[str, bytes]
    manifest: dict[str, Any]
    hashes: dict[str, Any]


def _documents(
    run: PeriodRun,
    results: dict,
    restatement: dict[str, Any] | None,
    day: date,
    anchor: dict[str, Any] | None = None,
    signer: Signer | None = None,
    worker: Executor | None = None,
) -> _Documents:
    """Every document of a version, each made once what it depends on exists: the results,
    the tenant statements and the operating update (on `worker`, a second process, when
    given: :mod:`carbon.workflow.side_documents`), the disclosure HTML and its layout, the
    manifest (hashing all of them; with the ledger `anchor` of an issued version and, with a
    `signer`, the key's fingerprint), its signature, and the PDF (embedding the results, the
    chart series, the manifest and the signature)."""
    results_files = {
        "results.json": results_json_bytes(results),
        "results.csv": results_csv_bytes(results),
    }
    pending = start_side_documents(results, worker)
    exports = export_files(results)  # exports/mica.json, eed.json, esrs-ifrs.json
    recorded = {
        "restatement": restatement,
        "signoff": run.outcome.site.reporting.signoff.model_dump(mode="json"),
        "ledger_anchor": anchor,
        "signing": signing_record(signer) if signer is not None else None,
    }
    series = render_series_bytes(run.outcome.power_by_workload, run.outcome.intensity_used)
    html = _disclosure_html(results, recorded, series)
    laid_out = lay_out(html, moment=datetime(day.year, day.month, day.day, tzinfo=UTC))
    statements, update = pending.result()  # operating-update.pdf and .json
    hashes = {
        "rendered_html": sha256_hex(html.encode("utf-8")),
        "render_series": sha256_hex(series),
        "tenant_statements": _hashes(statements),
        "operating_update": _hashes(update),
        "exports": _hashes(exports),
    }
    manifest = _manifest(run, results, results_files, hashes, recorded)
    embedded = {
        **results_files,
        "manifest.json": results_json_bytes(manifest),
        RENDER_SERIES: series,
    }
    if signer is not None:
        signature = signature_file(signer, embedded["manifest.json"])
        embedded[SIGNATURE_FILE] = results_json_bytes(signature)
    files = {
        "disclosure.pdf": _disclosure_pdf(laid_out, embedded),
        **embedded,
        **statements,
        **update,
        **exports,
    }
    return _Documents(files=files, manifest=manifest, hashes=hashes)


def _signature_entry(files: dict[str, bytes]) -> dict[str, Any] | None:
    """What the ledger row records of the manifest's signature (None when unsigned)."""
    if SIGNATURE_FILE not in files:
        return None
    signature = json.loads(files[SIGNATURE_FILE])
    return {
        k: signature[k]
        for k in ("algorithm", "public_key_fingerprint", "signed_sha256", "signature")
    }


def _ledger_entry(
    run: PeriodRun,
    meta: ReportMeta,
    folder: Path,
    out: Path,
    documents: _Documents,
    restatement: dict[str, Any] | None,
    software_version: object,
) -> dict[str, Any]:
    """The ledger row of an issued version: where its PDF is and the hash of every document."""
    outcome = run.outcome
    files, hashes = documents.files, documents.hashes
    return {
        "report_id": meta.report_id,
        "site_id": outcome.site.site.id,
        "period": outcome.period.label,
        "version": meta.version,
        "status": meta.status,
        "issue_date": meta.issue_date.isoformat(),
        "pdf": "/".join(folder.relative_to(Path(out)).parts) + "/disclosure.pdf",
        "pdf_sha256": sha256_hex(files["disclosure.pdf"]),
        "results_sha256": sha256_hex(files["results.json"]),
        "results_csv_sha256": sha256_hex(files["results.csv"]),
        "manifest_sha256": sha256_hex(files["manifest.json"]),
        "signature": _signature_entry(files),
        "rendered_html_sha256": hashes["rendered_html"],
        "tenant_statements_sha256": hashes["tenant_statements"],
        "operating_update_sha256": hashes["operating_update"],
        "supersedes": restatement["supersedes"]["report_id"] if restatement else None,
        "reason": restatement["reason"] if restatement else None,
        "changed_figures": (
            len(restatement["changed_figures"])
            if restatement and restatement["changed_figures"] is not None
            else None
        ),
        "serial_uses": [
            serial_use_to_dict(u) for u in serial_uses(_applied(outcome, run.instruments))
        ],
        "software_version": software_version,
    }


def write_report(
    run: PeriodRun,
    out: Path,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    signer: Signer | None = None,
    parallel_documents: bool = False,
) -> WrittenReport:
    """Results → manifest → PDF → an atomically written version folder and its ledger row.

    The first version of a period is v1. When any version exists, a new one is
    written only with `restate` (and a `reason`): it becomes v<N+1>, its manifest
    records what it supersedes and the figures that changed, and the site's
    ledger index gets one more row (issued versions only; a draft is a folder only).
    Nothing already written is touched. An issued version's manifest records the ledger
    head it is chained onto (:func:`carbon.ledger.anchor.issue_anchor`); with `signer`
    (issued versions only) the manifest is signed (:mod:`carbon.ledger.signing`). With
    `parallel_documents` the tenant statements and the operating update are made in a second
    process while the disclosure is laid out (:mod:`carbon.workflow.side_documents`); the
    files are the same bytes either way.
    """
    check_options(status, restate, reason)
    if signer is not None and status != "issued":
        load_sign_key(signer.path, status)  # refuses: a draft is not signed
    outcome = run.outcome
    period = outcome.period
    site_id = outcome.site.site.id
    day = issue_date or default_issue_date(period)
    with ledger_lock(out, site_id):
        recover(out, site_id, period.label)
        prior = _refuse_existing(out, site_id, period.label, restate, status)
        if status == "issued":
            _recheck_serials(out, outcome, restate, run.instruments)
        version = prior + 1
        meta = ReportMeta(
            report_id=f"{site_id}-{period.label}-v{version}",
            version=version,
            status=status,
            issue_date=day,
        )
        with side_document_worker(parallel_documents) as worker:
            results = run.results(meta)
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
                    run.extra_manifest,
                )
                if restate
                else None
            )
            anchor = issue_anchor(ledger_path(out)) if status == "issued" else None
            documents = _documents(run, results, restatement, day, anchor, signer, worker)
        folder = version_dir(out, site_id, period.label, version)
        entry = _ledger_entry(
            run, meta, folder, out, documents, restatement, results["software_version"]
        )
        path, row = issue_version(
            out,
            site_id,
            period.label,
            version,
            documents.files,
            entry if status == "issued" else None,
            anchor_hash=anchor["head_at_issue"]["entry_hash"] if anchor else None,
        )
    return WrittenReport(
        path=path, results=results, outcome=outcome, manifest=documents.manifest, ledger_entry=row
    )


# --- the two jobs ----------------------------------------------------------------------------


def write_demo_report(
    out: Path,
    period_label: str | None = None,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    baseline: str | None = AUTO,
    sign_key: Path | None = None,
    parallel_documents: bool = False,
) -> WrittenReport:
    """Run the embedded demo site for a period and write ``<out>/demo/<period>/v<N>/``.

    The report compares the period with `baseline` (:mod:`carbon.workflow.compare`):
    ``auto`` (the default) chooses one by the rule of
    :func:`carbon.pivot.baseline.choose_baseline`; ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` or
    ``same-month-last-year`` names it; ``none`` (or None) turns the comparison off. With
    `sign_key` (a private key file) an issued version's manifest is signed. With
    `parallel_documents`, see :func:`write_report`.
    """
    check_options(status, restate, reason)
    signer = load_sign_key(sign_key, status)
    period = demo_period(period_label)
    _refuse_existing(out, demo_site_id(), period.label, restate, status)  # before computing
    run = run_demo_period(period, out, restate=restate, baseline=baseline)
    return write_report(
        run,
        out,
        status=status,
        issue_date=issue_date,
        restate=restate,
        reason=reason,
        signer=signer,
        parallel_documents=parallel_documents,
    )


def write_site_report(
    site_file: Path,
    period_label: str,
    out: Path,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    restate: bool = False,
    reason: str | None = None,
    baseline: str | None = AUTO,
    sign_key: Path | None = None,
    strict: bool = False,
    parallel_documents: bool = False,
) -> WrittenReport:
    """Run a user's site for a month and write ``<out>/<site>/<period>/v<N>/``.

    The report compares the period with `baseline` as :func:`write_demo_report` does.
    With `sign_key` (a private key file) an issued version's manifest is signed; with
    `strict` an implausible input is refused (:mod:`carbon.quality.plausibility`). With
    `parallel_documents`, see :func:`write_report`.
    """
    check_options(status, restate, reason)
    signer = load_sign_key(sign_key, status)
    _refuse_existing(out, site_file_id(site_file), period_label, restate, status)  # early
    run = run_site_period(
        site_file, period_label, out, restate=restate, baseline=baseline, strict=strict
    )
    return write_report(
        run,
        out,
        status=status,
        issue_date=issue_date,
        restate=restate,
        reason=reason,
        signer=signer,
        parallel_documents=parallel_documents,
    )
