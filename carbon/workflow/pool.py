"""Report a fleet's sites in parallel worker processes (``carbon report --fleet --workers N``).

Sites are independent and a site's pipeline runs on one core (apart from pyarrow's
decoding), so N worker processes report N sites at a time. Each site goes through the same
:func:`carbon.workflow.fleet_site.report_site` as the serial loop, in a process of its own;
the report files and summary rows are the same bytes, only the order in which sites finish
differs (the summary keeps the fleet file's order).

Workers are started with the ``spawn`` method: a fresh interpreter that imports carbon
itself. ``fork`` is not safe here: the parent has threads by then (the progress bar's
refresh thread, the thread pools of OpenBLAS and Arrow), and a forked child inherits their
locks in whatever state they were, which can deadlock it. ``spawn`` behaves the same on
Linux, macOS and Windows; its cost is each worker importing carbon once (1 to 2 s), paid
once per worker, not per site.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from carbon.core.errors import ConfigError
from carbon.workflow.fleet_site import failed_row, report_site

__all__ = ["START_METHOD", "check_workers", "report_sites_in_processes"]

#: how worker processes start (see the module notes)
START_METHOD = "spawn"


def check_workers(workers: int) -> int:
    """`workers` if it is a usable worker count, else a ConfigError naming the option."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError(
            f"--workers must be a whole number of processes >= 1; got {workers!r}",
            reason="bad-workers",
        )
    return workers


def report_sites_in_processes(
    jobs: Sequence[tuple[Path, str]],
    period: str,
    out: Path,
    options: dict[str, Any],
    workers: int,
    record: Callable[[str, dict[str, Any]], None],
) -> None:
    """Report every ``(site_file, listed)`` of `jobs` on `workers` processes.

    `record(listed, row)` is called in this process as each site finishes (in the order they
    finish). A worker that dies takes its site down as an error row, never the fleet.
    """
    check_workers(workers)
    if not jobs:
        return
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {
            pool.submit(report_site, site_file, listed, period, out, options): listed
            for site_file, listed in jobs
        }
        for future in as_completed(futures):
            listed = futures.pop(future)
            try:
                row = future.result()
            except BrokenProcessPool as exc:  # a worker died (killed, out of memory)
                row = failed_row(listed, RuntimeError(f"the worker process died ({exc})"))
            except Exception as exc:  # e.g. the row could not be sent back
                row = failed_row(listed, exc)
            record(listed, row)
