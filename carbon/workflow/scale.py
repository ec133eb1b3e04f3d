"""Run the pipeline on dask-backed xarray, on one machine or a dask.distributed cluster.

There is no second code path for the arithmetic: :func:`run_period_dask` chunks the cube
along ``meter`` and ``time`` and hands it to the same :func:`carbon.analysis.period.run_period`;
xarray, pint-xarray and dask carry every operation to the chunks. What differs is only the
chunking, the scheduler and the final :func:`materialise`, which computes every lazy array of
the outcome in one pass over the task graph (so the report code downstream gets numpy arrays
and never recomputes the graph).

Results equal the in-memory path to rounding: dask sums a reduction chunk by chunk and then
adds the partial sums, so the order of floating-point additions differs (relative
differences of order 1e-16 per sum; ``tests/workflow/test_scale.py`` holds them to 1e-12).

dask is imported inside the functions that use it, for start-up time: only a dask-backed run
needs it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import xarray as xr

from carbon.analysis.period import PeriodOutcome, run_period
from carbon.core.errors import ConfigError
from carbon.quality.cube_model import MeterCube

#: default chunk sizes: a week of 1-minute intervals, 50 meters (4 MB per chunk). Smaller
#: chunks multiply the tasks: a day of minutes x 32 meters took 25 s a site on a LocalCluster,
#: against 4 s with these.
TIME_CHUNK = 10080
METER_CHUNK = 50


def chunk_cube(
    cube: MeterCube,
    *,
    time: int = TIME_CHUNK,
    meter: int = METER_CHUNK,
    client: Any | None = None,
) -> MeterCube:
    """The cube with its energy [kWh] and flags as dask arrays chunked along meter and time.

    With a dask.distributed `client`, each array is scattered to the workers once and the
    chunks are slices of that copy: the task graphs then hold the scattered array's key,
    not the numbers. Embedded in the graph instead, the cube travels with every ``compute``
    (run_period computes a few dozen scalars on the way), and on a cluster in this process
    the streams' logs of recent messages kept every copy (see :data:`IN_PROCESS_LOG_LENGTH`).
    """
    chunks = {"meter": meter, "time": time}
    units = cube.energy.pint.units
    energy = cube.energy.pint.dequantify()
    if client is None:
        return dataclasses.replace(
            cube,
            energy=energy.chunk(chunks).pint.quantify(units),
            flags=cube.flags.chunk(chunks),
        )
    return dataclasses.replace(
        cube,
        energy=_scattered(energy, chunks, client).pint.quantify(units),
        flags=_scattered(cube.flags, chunks, client),
    )


def _scattered(array: xr.DataArray, chunks: dict[str, int], client: Any) -> xr.DataArray:
    """`array` (numpy-backed) scattered to the workers, as a dask array of `chunks`."""
    import dask.array as da

    values = array.values
    future = client.scatter(values, hash=False)
    lazy = da.from_delayed(future, shape=values.shape, dtype=values.dtype)
    lazy = lazy.rechunk(tuple(chunks.get(d, -1) for d in array.dims))
    return array.copy(data=lazy)


def current_client() -> Any | None:
    """The dask.distributed client dask computes on now, or None (another scheduler)."""
    import dask.base

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        return None
    client = getattr(dask.base.get_scheduler(), "__self__", None)
    return client if isinstance(client, Client) else None


def _lazy_arrays(value: Any, found: list[xr.DataArray], seen: set[int]) -> None:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, xr.DataArray):
        if _wraps_dask(value):
            found.append(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _lazy_arrays(getattr(value, field.name), found, seen)
    elif isinstance(value, list | tuple):
        for item in value:
            _lazy_arrays(item, found, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _lazy_arrays(item, found, seen)


def _wraps_dask(array: xr.DataArray) -> bool:
    import dask

    return dask.is_dask_collection(array)


def _replace(value: Any, done: dict[int, xr.DataArray]) -> Any:
    if isinstance(value, xr.DataArray):
        return done.get(id(value), value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            old = getattr(value, field.name)
            new = _replace(old, done)
            if new is not old:
                changes[field.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, list | tuple):
        items = [_replace(item, done) for item in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items) if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        changed = {k: _replace(v, done) for k, v in value.items()}
        return changed if any(changed[k] is not value[k] for k in value) else value
    return value


def materialise(outcome: Any) -> Any:
    """`outcome` with every dask-backed DataArray computed, in one ``dask.compute`` call."""
    import dask

    found: list[xr.DataArray] = []
    _lazy_arrays(outcome, found, set())
    if not found:
        return outcome
    computed = dask.compute(*found)
    return _replace(outcome, {id(a): c for a, c in zip(found, computed, strict=True)})


def run_period_dask(
    site: Any,
    cube: MeterCube,
    grid: Any,
    period: Any,
    instruments: Sequence[Any] = (),
    prior_uses: Sequence[Any] = (),
    *,
    time_chunk: int = TIME_CHUNK,
    meter_chunk: int = METER_CHUNK,
) -> PeriodOutcome:
    """:func:`carbon.analysis.period.run_period` on the cube chunked for dask, then computed.

    The computation runs on whichever dask scheduler is current (see :func:`dask_client`).
    """
    chunked = chunk_cube(cube, time=time_chunk, meter=meter_chunk, client=current_client())
    return materialise(run_period(site, chunked, grid, period, instruments, prior_uses))


#: messages each stream keeps in its log of recent messages (dask's default is 1,000) when
#: the cluster runs in this process. Over TCP a message of 1 MB or more is logged as
#: "large-message"; the in-process transport reports every message as 1 byte, so the log
#: keeps whole task graphs, with any numpy array embedded in them (run_period combines a
#: few, e.g. the switching meters' workload shares, 10 MB a site): without a bound that
#: held 0.4 GiB more per site until 1,000 messages (about 35 sites) were logged.
IN_PROCESS_LOG_LENGTH = 20


@contextmanager
def dask_client(
    scheduler: str, *, workers: int | None = None, processes: bool = True
) -> Iterator[Any]:
    """A dask.distributed client: ``local`` starts a LocalCluster, else connect to an address.

    ``threads`` uses dask's threaded scheduler in this process instead (no distributed
    client; yields None): the lightest way to run the dask-backed pipeline on one machine.

    ``local`` runs one single-threaded worker per core (or `workers`), as processes, or as
    threads of this process with ``processes=False`` (whose memory then shows in this
    process's peak RSS, which is what the benchmark measures).
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise ConfigError(
            "--scheduler needs dask.distributed: pip install 'dask[array]' distributed",
            reason="dask-missing",
        ) from None
    if scheduler == "threads":
        import dask

        with dask.config.set(scheduler="threads"):
            yield None
        return
    if scheduler == "local":
        import dask

        if processes:
            shape = {"n_workers": workers, "threads_per_worker": 1}
            logs = {}
        else:  # one worker whose threads share this process (numpy releases the GIL)
            shape = {"n_workers": 1, "threads_per_worker": workers or os.cpu_count() or 1}
            logs = {"distributed.admin.low-level-log-length": IN_PROCESS_LOG_LENGTH}
        with dask.config.set(logs):
            cluster = LocalCluster(**shape, processes=processes, dashboard_address=None)
            client = Client(cluster)
            try:
                yield client
            finally:
                client.close()
                cluster.close()
        return
    if "://" not in scheduler and ":" not in scheduler:
        raise ConfigError(
            f"--scheduler {scheduler!r}: expected 'local', 'threads' or a scheduler address "
            "such as tcp://10.0.0.5:8786",
            reason="bad-scheduler",
        )
    try:
        client = Client(scheduler, timeout="10s")
    except OSError as exc:
        raise ConfigError(
            f"--scheduler {scheduler}: cannot reach the scheduler ({exc})",
            reason="scheduler-unreachable",
        ) from None
    try:
        yield client
    finally:
        client.close()
