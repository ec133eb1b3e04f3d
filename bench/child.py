"""One measurement in a fresh process: ``python -m bench.child PATH ROOT [SITE ...]``.

Prints one JSON document on stdout (the last line). The heavy imports a path needs are
done before the clock starts and before the baseline RSS is read, so the figures are the
work on the readings, not interpreter start-up (reported separately as ``import_seconds``).
"""

from __future__ import annotations

import json
import sys
import time

_IMPORTS = {
    "carbon": ("carbon.align", "carbon.pipeline", "carbon.ingest.meters_long", "xarray"),
    "prototype": ("carbon.align", "carbon.pipeline", "carbon.ingest.meters_long", "xarray"),
    "duckdb": ("duckdb",),
    "pdf": (
        "carbon.workflow",
        "carbon.results",
        "carbon.report.context",
        "carbon.report.render",
        "weasyprint",
        "pypdf",
    ),
}


def _prepare(name: str) -> float:
    import importlib

    start = time.perf_counter()
    for module in _IMPORTS.get(name, ()):
        importlib.import_module(module)
    return time.perf_counter() - start


def pdf() -> dict[str, object]:
    """The demo disclosure: compute, results and context, render; seconds per page."""
    import io

    from pypdf import PdfReader

    from bench.paths import peak_rss_gib
    from carbon.report.context import build_context
    from carbon.report.render import render_pdf
    from carbon.results import (
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
    meta = ReportMeta(
        report_id=f"demo-{period.label}-v1",
        version=1,
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
    t2 = time.perf_counter()
    context = build_context(results, outcome.power_by_workload)
    t3 = time.perf_counter()
    data = render_pdf(
        context,
        attachments={
            "results.json": results_json,
            "results.csv": results_csv,
            "manifest.json": manifest_json,
        },
    )
    t4 = time.perf_counter()
    pages = len(PdfReader(io.BytesIO(data)).pages)
    return {
        "path": "pdf",
        "pages": pages,
        "pdf_bytes": len(data),
        "stages": {
            "compute_demo": t1 - t0,
            "build_results + manifest": t2 - t1,
            "build_context (charts)": t3 - t2,
            "render_pdf": t4 - t3,
        },
        "seconds": t4 - t0,
        "report_seconds": t4 - t1,
        "seconds_per_page_render": (t4 - t3) / pages,
        "seconds_per_page_report": (t4 - t1) / pages,
        "peak_rss_gib": peak_rss_gib(),
    }


def main(argv: list[str]) -> int:
    name = argv[0]
    import_seconds = _prepare(name)
    if name == "pdf":
        out = pdf()
    else:
        from bench.paths import run

        out = run(name, argv[1], sites=argv[2:] or None)
    out["import_seconds"] = import_seconds
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
