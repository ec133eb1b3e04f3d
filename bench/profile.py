"""Where a CLI command's time goes: ``python -m bench.profile [--out FILE.prof] -- CARBON ARGS``.

Runs ``carbon ARGS`` in this process under cProfile, the import of ``carbon.cli`` included,
and prints the wall seconds, then the cumulative seconds of the stages a report goes through
(one line each: calls, cumulative seconds, share of the profiled total), then the top
functions by own time. Stages nest (the disclosure's layout is inside ``html_to_pdf``), so the
shares do not add up to 100 %. cProfile adds its own overhead (about 1.3 to 2 x on this code):
the shares are what to read, the wall seconds without the profiler are the bench's.

Measurement only: nothing in carbon/ is changed or patched.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

__all__ = ["STAGES", "profile_command", "stage_table"]

#: label -> (a piece of the file's path, function name): the calls whose cumulative time is shown
STAGES: dict[str, tuple[str, str]] = {
    "import carbon.cli (at start)": ("bench/profile.py", "_import_cli"),
    "every import (at start and lazy, inside the stages too)": (
        "importlib._bootstrap",
        "_find_and_load",
    ),
    "run_period (the accounting)": ("carbon/analysis/period.py", "run_period"),
    "compute_demo (demo inputs + run_period)": ("carbon/workflow/demo.py", "compute_demo"),
    "build_results": ("carbon/results/document.py", "build_results"),
    "tenant statements (PDFs)": ("carbon/report/tenants.py", "tenant_statements"),
    "operating update (PDF + JSON)": (
        "carbon/report/operating_update.py",
        "operating_update_files",
    ),
    "filing exports": ("carbon/results/exports", "export_files"),
    "disclosure HTML (context, charts, template)": (
        "carbon/workflow/publish.py",
        "_disclosure_html",
    ),
    "disclosure PDF (html_to_pdf + attachments)": ("carbon/workflow/publish.py", "_disclosure_pdf"),
    "html_to_pdf (every PDF: disclosure and side documents)": (
        "carbon/report/render.py",
        "html_to_pdf",
    ),
    "WeasyPrint layout": ("weasyprint/layout/__init__.py", "layout_document"),
    "WeasyPrint HTML/CSS parse + style": ("weasyprint/document.py", "_build_layout_context"),
    "WeasyPrint PDF writing (painting, fonts, streams)": ("weasyprint/document.py", "write_pdf"),
    "WeasyPrint painting pages (text, SVG charts)": ("weasyprint/document.py", "paint"),
    "WeasyPrint fonts dictionary (subset + embed)": (
        "weasyprint/pdf/fonts.py",
        "build_fonts_dictionary",
    ),
    "font subsetting, fontTools": ("weasyprint/pdf/fonts.py", "_fonttools_subset"),
    "font subsetting, HarfBuzz": ("weasyprint/pdf/fonts.py", "_harfbuzz_subset"),
    "matplotlib savefig (charts)": ("matplotlib/figure.py", "savefig"),
    "ctypes.util.find_library (runs ldconfig, gcc, ld)": ("ctypes/util.py", "find_library"),
    "ledger row (issued versions)": ("carbon/ledger/index.py", "append_entry"),
}


def _import_cli():
    import carbon.cli

    return carbon.cli


def profile_command(args: list[str]) -> tuple[float, cProfile.Profile]:
    """Run ``carbon ARGS`` under cProfile in this process; (wall seconds, profile)."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    try:
        cli = _import_cli()
        sys.argv = ["carbon", *args]
        try:
            cli.main()
        except SystemExit as done:
            if done.code not in (0, None):
                raise
    finally:
        profiler.disable()
    return time.perf_counter() - start, profiler


def stage_table(profiler: cProfile.Profile, top: int = 25) -> str:
    """The stages' cumulative seconds, then the `top` functions by own time."""
    stats = pstats.Stats(profiler)
    raw = stats.stats  # (file, line, name) -> (primitive calls, calls, own, cumulative, callers)
    total = max(v[3] for v in raw.values())
    lines = [f"profiled total {total:.2f} s", "", "| stage | calls | cumulative s | share |"]
    lines.append("|---|---:|---:|---:|")
    for label, (path, name) in STAGES.items():
        hits = [v for (f, _, n), v in raw.items() if n == name and path in f.replace("\\", "/")]
        if not hits:
            continue
        calls = sum(v[0] for v in hits)
        cumulative = max(v[3] for v in hits) if len(hits) > 1 else hits[0][3]
        lines.append(f"| {label} | {calls} | {cumulative:.2f} | {cumulative / total:.0%} |")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n\n" + out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--out", help="also write the raw profile here (for snakeviz etc.)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("carbon_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    carbon_args = [a for a in args.carbon_args if a != "--"] or ["--help"]
    seconds, profiler = profile_command(carbon_args)
    if args.out:
        profiler.dump_stats(args.out)
    print(f"carbon {' '.join(carbon_args)}: {seconds:.2f} s wall under cProfile")
    print(stage_table(profiler, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
