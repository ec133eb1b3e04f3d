"""The imports each measured path does before its clock starts.

A path's figures are the work on the readings, not interpreter start-up: ``bench.child``
imports these before it starts the clock and reads the baseline RSS (reporting the time
apart, as ``import_seconds``), and the ``carbon_pool`` workers import the ``carbon`` path's
before any site is timed.
"""

from __future__ import annotations

import importlib
import time

__all__ = ["PRELOAD", "preload"]

#: path name -> the modules it imports before the clock starts
PRELOAD: dict[str, tuple[str, ...]] = {
    "carbon": (
        "carbon.quality.align",
        "carbon.analysis.period",
        "carbon.ingest.meters_long",
        "xarray",
    ),
    "prototype": (
        "carbon.quality.align",
        "carbon.analysis.period",
        "carbon.ingest.meters_long",
        "xarray",
    ),
    "duckdb": ("duckdb",),
    "pdf": (
        "carbon.workflow",
        "carbon.results.document",
        "carbon.report.disclosure",
        "carbon.report.operating_update",
        "carbon.report.render",
        "carbon.report.tenants",
        "weasyprint",
        "pypdf",
    ),
}


def preload(name: str) -> float:
    """Import what path `name` needs; the seconds it took."""
    start = time.perf_counter()
    for module in PRELOAD.get(name, ()):
        importlib.import_module(module)
    return time.perf_counter() - start
