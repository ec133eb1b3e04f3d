"""The side documents of a report (tenant statements, operating update), made in a second
process while this one lays the disclosure out.

The disclosure's manifest records the hash of every side document and is embedded in the
disclosure PDF, so the side documents must exist before the PDF is written; but they do not
have to exist before it is laid out, which is about half of its rendering time. With
``parallel=True`` a worker process (started with ``spawn``, as the fleet pool's workers are:
see :mod:`carbon.workflow.pool`) makes them from the results while this process draws the
charts and lays the disclosure out. The bytes are the same as when they are made here (same
templates, fonts and dates); only the wall time changes.

``carbon demo`` and ``carbon report --site`` use the worker when this process may run on two
or more processors (:func:`parallel_by_default`); the fleet's worker processes do not (each
already has a core of its own) and neither does the Python API unless asked. Setting
``CARBON_PARALLEL_DOCUMENTS=0`` turns it off (``1`` forces it on).

If the worker fails for any reason (a bug, a killed process, an error that does not cross
the process boundary), the documents are made again in this process, which then raises the
error itself if there is one: the worker saves time, never changes what is written.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from carbon.core.errors import ConfigError
from carbon.report.operating_update import operating_update_files
from carbon.report.tenants import tenant_statements

__all__ = [
    "ENV_VARIABLE",
    "PendingSideDocuments",
    "SideDocuments",
    "make_side_documents",
    "parallel_by_default",
    "side_document_worker",
    "start_side_documents",
]

#: environment variable that turns the worker off (``0``) or on (``1``) whatever the CPUs
ENV_VARIABLE = "CARBON_PARALLEL_DOCUMENTS"

#: file name -> bytes of the tenant statements, and of the operating update (PDF and JSON)
SideDocuments = tuple[dict[str, bytes], dict[str, bytes]]


def make_side_documents(results: dict[str, Any]) -> SideDocuments:
    """The tenant statements and the operating update of `results`, made in this process."""
    return tenant_statements(results), operating_update_files(results)


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def parallel_by_default() -> bool:
    """Whether a single report makes its side documents in a second process: the
    ``CARBON_PARALLEL_DOCUMENTS`` setting (``0`` or ``1``) if set, else two or more usable
    CPUs."""
    value = os.environ.get(ENV_VARIABLE)
    if value is None or value.strip() == "":
        return _usable_cpus() >= 2
    if value.strip() in ("0", "1"):
        return value.strip() == "1"
    raise ConfigError(
        f"{ENV_VARIABLE} must be 0 (side documents made in the report's own process) or 1 "
        f"(in a second process); got {value!r}",
        reason="bad-environment",
    )


def _warm_up() -> None:
    """Runs first in the worker: the imports are done (unpickling this function imported
    this module, hence the report templates' code and WeasyPrint's) before the work arrives."""


@contextlib.contextmanager
def side_document_worker(parallel: bool) -> Iterator[Executor | None]:
    """A one-process pool for the side documents (None when not `parallel`), started now so
    that its imports overlap this process's work; shut down (after its task) on exit."""
    if not parallel:
        yield None
        return
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        executor.submit(_warm_up)
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


class PendingSideDocuments:
    """The side documents being made; :meth:`result` waits for them. :attr:`made_in` says
    where they were made: ``"this process"``, ``"worker"``, or ``"this process (the worker
    failed: ...)"``."""

    def __init__(self, results: dict[str, Any], worker: Executor | None) -> None:
        self._results = results
        self._future = worker.submit(make_side_documents, results) if worker else None
        self._made: SideDocuments | None = None
        self.made_in = "worker" if worker else "this process"
        if self._future is None:
            self._made = make_side_documents(results)

    def result(self) -> SideDocuments:
        """The tenant statements and the operating update (waits for the worker)."""
        if self._made is None:
            assert self._future is not None
            try:
                self._made = self._future.result()
            except Exception as exc:
                # Made again here: an error of the documents themselves is raised here, as
                # without the worker; a failure of the worker alone is said, not hidden.
                self._made = make_side_documents(self._results)
                failure = f"the worker failed: {type(exc).__name__}: {exc}"
                self.made_in = f"this process ({failure})"
                warnings.warn(
                    f"the side documents were made in this process: {failure}",
                    RuntimeWarning,
                    stacklevel=2,
                )
        return self._made


def start_side_documents(results: dict[str, Any], worker: Executor | None) -> PendingSideDocuments:
    """Start making the side documents of `results`, on `worker` if given, else here and now."""
    return PendingSideDocuments(results, worker)
