"""One measurement in a fresh process: ``python -m bench.child PATH ROOT [SITE ...]``.

``end_to_end``, ``fleet_dask`` and ``cli`` time carbon's CLI in a process of its own
(:mod:`bench.end_to_end`); this process only starts it and samples its memory.

Prints one JSON document on stdout (the last line). The heavy imports a path needs are
done before the clock starts and before the baseline RSS is read, so the figures are the
work on the readings, not interpreter start-up (reported separately as ``import_seconds``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from bench.measure import peak_rss_gib
from bench.preload import preload

# bench.paths (numpy, pandas, pyarrow) is imported inside the functions, after preload(), so
# that import_seconds is the time of the path's own imports, as measured from the start.


def pdf() -> dict[str, object]:
    """The demo disclosure as ``carbon demo`` writes it: compute, results, context, HTML, PDF.

    The stages are the calls :func:`carbon.workflow.publish.write_report` makes for the disclosure
    (``report_context`` with its charts, ``render_html``, ``html_to_pdf`` with the three
    embedded files); the tenant statements and the operating update are timed apart.
    """
    # long: one straight sequence of timed stages, kept together so the clock reads are in order
    import io
    from datetime import UTC, datetime

    from pypdf import PdfReader

    from carbon.report.disclosure import report_context
    from carbon.report.operating_update import operating_update_files
    from carbon.report.render import html_to_pdf, render_html
    from carbon.report.tenants import tenant_statements
    from carbon.results.document import (
        ReportMeta,
        build_manifest,
        build_results,
        results_csv_bytes,
        results_json_bytes,
    )
    from carbon.workflow import compute_demo, default_issue_date, demo_period

    t0 = time.perf_counter()
    period = demo_period(None)
    outcome, generator = compute_demo(period)
    t1 = time.perf_counter()
    day = default_issue_date(period)
    meta = ReportMeta(
        report_id=f"demo-{period.label}-v1", version=1, status="draft", issue_date=day
    )
    results = build_results(outcome, meta)
    results_json = results_json_bytes(results)
    results_csv = results_csv_bytes(results)
    t2 = time.perf_counter()
    signoff = outcome.site.reporting.signoff.model_dump(mode="json")
    context = report_context(
        results,
        outcome.power_by_workload,
        {"restatement": None, "signoff": signoff},
        intensity=outcome.intensity_used,
    )
    t3 = time.perf_counter()
    names = ["manifest.json", "results.csv", "results.json"]
    html = render_html({**context, "embedded_files": names})
    manifest = build_manifest(
        results, results_json=results_json, results_csv=results_csv, extra={"demo": generator}
    )
    manifest_json = results_json_bytes(manifest)
    t4 = time.perf_counter()
    data = html_to_pdf(
        html,
        moment=datetime(day.year, day.month, day.day, tzinfo=UTC),
        attachments={
            "results.json": results_json,
            "results.csv": results_csv,
            "manifest.json": manifest_json,
        },
    )
    t5 = time.perf_counter()
    statements = tenant_statements(results)
    update = operating_update_files(results)
    t6 = time.perf_counter()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    return {
        "path": "pdf",
        "pages": pages,
        "pdf_bytes": len(data),
        "stages": {
            "compute_demo": t1 - t0,
            "build_results": t2 - t1,
            "report_context (charts)": t3 - t2,
            "render_html + manifest": t4 - t3,
            "html_to_pdf": t5 - t4,
            "tenant statements + operating update": t6 - t5,
        },
        "seconds": t5 - t0,
        "report_seconds": t5 - t1,
        "render_seconds": t5 - t3,
        "seconds_per_page_render": (t5 - t3) / pages,
        "seconds_per_page_report": (t5 - t1) / pages,
        "side_documents": {
            "files": len(statements) + len(update),
            "seconds": t6 - t5,
        },
        "peak_rss_gib": peak_rss_gib(),
    }


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        sys.stdout.write(__doc__.splitlines()[0] + "\n")
        return 0 if argv else 2
    name = argv[0]
    import_seconds = preload(name)
    if name == "pdf":
        out = pdf()
    elif name in ("end_to_end", "fleet_dask"):
        from bench.end_to_end import run_fleet_report
        from bench.paths import pool_workers

        scheduler = "local" if name == "fleet_dask" else None
        out = run_fleet_report(Path(argv[1]), workers=pool_workers(), scheduler=scheduler)
        out["path"] = name
    elif name == "cli":
        from bench.end_to_end import cli_commands

        out = cli_commands()
    else:
        from bench.paths import run

        out = run(name, argv[1], sites=argv[2:] or None)
    out["import_seconds"] = import_seconds
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
