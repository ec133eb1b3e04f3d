"""Shared fixtures: a tiny hand-made site and helpers to build readings, and the written
reports that several modules read (the demo's July 2025 as a draft, issued, and restated;
the example site's November 2023 issued).

Writing a report renders its PDFs, seconds of CPU each time; the session-scoped reports
here are written once per test process (once per xdist worker) and only read. A test that
changes a report, or writes next to it, works on :func:`copy_reports` of it.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.analysis.period import PeriodOutcome
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord
from carbon.core.units import parse_unit
from carbon.ingest.grid_table import GridIntensity, grid_from_table
from carbon.results.document import ReportMeta, build_results
from carbon.site.load import site_from_dict
from carbon.site.model import SiteConfig
from carbon.workflow import compute_demo, demo_period, write_demo_report, write_site_report
from carbon.workflow.publish import WrittenReport

REAL_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"
#: the session-scoped written reports below
SHARED_REPORTS = frozenset({"demo_draft", "demo_issued", "demo_restated", "example_issued"})


# --------------------------------------------------------------------------- the test processes


def pytest_configure(config: pytest.Config) -> None:
    """Collect cyclic garbage less often in the test processes (each xdist worker).

    Rendering a PDF allocates millions of short-lived objects; with Python's default
    thresholds (700, 10, 10) the collector runs thousands of times per report. Writing the
    demo report took 7.1 s of CPU with them and 5.3 s with (50 000, 10, 10). Only when
    garbage is collected changes, not what is computed. Processes the tests start
    (``python -m carbon``, the fleet's worker pool, a dask cluster) keep Python's default,
    as they have outside the tests.

    The report commands make their side documents in a second process when two CPUs are
    free (:mod:`carbon.workflow.side_documents`); under xdist every CPU already runs a test
    worker, so the tests make them in-process (``CARBON_PARALLEL_DOCUMENTS=0``, inherited by
    the processes they start) and ``tests/workflow/test_side_documents.py`` checks that the
    second process writes the same bytes.
    """
    gc.set_threshold(50_000, 10, 10)
    os.environ.setdefault("CARBON_PARALLEL_DOCUMENTS", "0")


# --------------------------------------------------------------------------- running in parallel


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` (pyproject.toml): one worker per physical core this process may run on.

    pytest-xdist counts the machine's physical cores; in a container or under ``taskset``
    allowed fewer CPUs than the host has, that would start more workers than can run.
    PYTEST_XDIST_AUTO_NUM_WORKERS and ``-n logical`` keep their pytest-xdist meaning.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses != "auto":
        return None
    try:
        import psutil  # installed with distributed
    except ImportError:
        physical = os.cpu_count() or 1
    else:
        physical = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else physical
    return max(1, min(physical, allowed))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the modules that read the session's written reports (SHARED_REPORTS) first.

    With ``--dist worksteal`` the first worker starts on them and keeps them, so each report
    is written once in the run rather than once per worker that happens to reach a reader.
    The order within a module, and of everything else, is kept.
    """
    uses = {i.path for i in items if SHARED_REPORTS & set(getattr(i, "fixturenames", ()))}
    readers = [i for i in items if i.path in uses]
    items[:] = readers + [i for i in items if i.path not in uses]


@pytest.fixture
def real_samples() -> Path:
    """The shared folder of real published files; tests using it skip where it is absent."""
    if not REAL_SAMPLES.is_dir():
        pytest.skip("../shared/real-samples is not available on this machine")
    return REAL_SAMPLES


def tiny_site(**overrides: object) -> SiteConfig:
    """Revenue, mining hall, AI hall, a hall converting at 00:07 UTC, one shared meter."""
    data = {
        "site": {"id": "tiny", "name": "Tiny", "timezone": "UTC", "grid_region": "ERCT"},
        "meters": [
            {"id": "REV", "role": "revenue"},
            {"id": "M", "role": "it", "parent": "REV", "workload": "mining"},
            {"id": "A", "role": "it", "parent": "REV", "workload": "ai"},
            {
                "id": "X",
                "role": "it",
                "parent": "REV",
                "workload": [
                    {"until": "2025-01-01T00:07:00+00:00", "workload": "mining"},
                    {"workload": "ai"},
                ],
            },
            {"id": "COOL", "role": "shared", "parent": "REV"},
        ],
    }
    data.update(overrides)
    return site_from_dict(data)


def flat_grid(
    name: str,
    stamps: pd.DatetimeIndex,
    value: float,
    missing: slice | np.ndarray,
    step: str = "1h",
) -> GridIntensity:
    """A grid source of `value` g CO2e/kWh on `stamps` (tz-naive UTC interval starts, `step`
    apart), with the intervals `missing` selects flagged SOURCE_MISSING (value NaN)."""
    values = np.full(len(stamps), value)
    flags = np.full(len(stamps), int(Flag.MEASURED), dtype=np.int8)
    values[missing] = np.nan
    flags[missing] = int(Flag.SOURCE_MISSING)
    frame = pd.DataFrame(
        {
            "interval_start": stamps.tz_localize("UTC"),
            "value": values,
            "flag": flags,
            "line": np.arange(2, len(stamps) + 2, dtype=np.int64),
        }
    )
    return grid_from_table(
        GridTable(
            frame=frame,
            unit=parse_unit("g CO2e/kWh"),
            region="TEST",
            gas="CO2e",
            basis="direct",
            kind="average",
            resolution=pd.Timedelta(step),
            record=InputRecord(name, "00" * 32, len(frame), None, None, "grid"),
            meta={},
        )
    )


def long_frame(
    values: dict[str, list[float]], start: str = "2025-01-01T00:00:00+00:00", freq: str = "15min"
) -> pd.DataFrame:
    """A long readings table from per-meter value lists (same length, regular grid)."""
    n = len(next(iter(values.values())))
    times = pd.date_range(start, periods=n, freq=freq)
    frames = [
        pd.DataFrame({"interval_start": times, "meter_id": meter, "energy_kwh": vals})
        for meter, vals in values.items()
    ]
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------- the demo computed


@pytest.fixture(scope="session")
def demo_july() -> tuple[PeriodOutcome, dict]:
    """The demo's July 2025 computed, nothing written: its outcome and its results document
    (report id ``demo-x``, a draft dated 2025-08-01). Read only."""
    outcome, _ = compute_demo(demo_period(None))
    meta = ReportMeta("demo-x", 1, "draft", datetime.date(2025, 8, 1))
    return outcome, build_results(outcome, meta)


# --------------------------------------------------------------------------- written reports


def copy_tree(written: WrittenReport, source: Path, target: Path) -> WrittenReport:
    """A copy of the folder `source` holding `written` at `target`, which must not exist
    yet; the same report, its path pointing into the copy."""
    shutil.copytree(source, target)
    return dataclasses.replace(written, path=target / written.path.relative_to(source))


def copy_reports(written: WrittenReport, root: Path) -> WrittenReport:
    """A copy of the report root holding `written` (every version folder, the ledger) at
    `root`; the same report, its path pointing into the copy."""
    return copy_tree(written, written.path.parents[2], root)  # <root>/<site>/<period>/v<N>


@pytest.fixture(scope="session")
def demo_draft(tmp_path_factory: pytest.TempPathFactory) -> WrittenReport:
    """``carbon demo``: the demo's July 2025 written as a draft. Read only."""
    return write_demo_report(tmp_path_factory.mktemp("demo-draft"))


@pytest.fixture(scope="session")
def demo_issued(tmp_path_factory: pytest.TempPathFactory) -> WrittenReport:
    """The demo's July 2025 issued: v1 and its ledger row. Read only."""
    return write_demo_report(tmp_path_factory.mktemp("demo-issued"), status="issued")


@pytest.fixture(scope="session")
def demo_restated(
    tmp_path_factory: pytest.TempPathFactory, demo_issued: WrittenReport
) -> tuple[WrittenReport, WrittenReport]:
    """v1 and v2 of the demo's July 2025: a copy of `demo_issued`, then restated without
    any change (``--restate --reason "reviewed, no change"``). Read only."""
    v1 = copy_reports(demo_issued, tmp_path_factory.mktemp("demo-restated") / "reports")
    root = v1.path.parents[2]
    v2 = write_demo_report(root, status="issued", restate=True, reason="reviewed, no change")
    return v1, v2


@pytest.fixture(scope="session")
def example_issued(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WrittenReport]:
    """The documented example site (its folder) and its November 2023 issued under
    ``<folder>/reports``. Read only: copy the folder to change an input."""
    from tests.integration.test_example_site import write_example

    folder = tmp_path_factory.mktemp("example-site")
    write_example(folder)
    written = write_site_report(
        folder / "site.toml", "2023-11", folder / "reports", status="issued"
    )
    return folder, written
