"""The pipeline on dask-backed xarray gives the in-memory results (carbon.workflow.scale).

A small bench fleet (2 sites x 6 meters x 15 min x 3 days, with a hall switching from
mining to AI) runs through :func:`carbon.analysis.period.run_period` twice: on the numpy cube and on
the same cube chunked along meter and time, computed on a dask.distributed LocalCluster.
dask sums each chunk and then the partial sums, so additions happen in another order: the
figures agree to rounding, held here to 1e-12 relative (observed: about 1e-16).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.fleet import FleetSpec, generate, period, site_config
from carbon.analysis.period import run_period
from carbon.ingest.grid_table import read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.workflow.scale import chunk_cube, dask_client, run_period_dask

SPEC = FleetSpec(sites=2, meters=6, days=3, interval="15min", seed=11)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return generate(SPEC, tmp_path_factory.mktemp("fleet") / "small")


def _inputs(fleet, site_id: str):
    site = fleet.site(site_id)
    path = fleet.site_path(site_id)
    frame = pd.read_parquet(path).rename(columns={"ts": "interval_start"})
    config = site_config(fleet, site_id)
    table = read_long_frame(frame, source=str(path), sha256="0" * 64, interval=SPEC.interval_td)
    cube = build_cube([table], [m.id for m in config.meters])
    intensity = fleet.intensity_path(site.region)
    grid = read_hourly_intensity(
        pd.read_parquet(intensity),
        source=str(intensity),
        sha256="0" * 64,
        description="synthetic",
        region=site.region,
    )
    return config, cube, grid, period(fleet, site_id)


def _magnitude(array) -> np.ndarray:
    return np.asarray(array.pint.dequantify().values, dtype=float)


def _close(a, b) -> None:
    a, b = _magnitude(a), _magnitude(b)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=0.0)


def test_chunked_cube_is_dask_backed(fleet) -> None:
    _, cube, _, _ = _inputs(fleet, "s000")
    chunked = chunk_cube(cube, time=96, meter=4)
    assert chunked.energy.pint.magnitude.chunks[1][0] == 96
    assert chunked.energy.pint.units == cube.energy.pint.units
    np.testing.assert_array_equal(_magnitude(chunked.energy), _magnitude(cube.energy))


@pytest.mark.parametrize(("site_id", "scheduler"), [("s000", "local"), ("s001", "threads")])
def test_dask_outcome_equals_in_memory(fleet, site_id: str, scheduler: str) -> None:
    config, cube, grid, span = _inputs(fleet, site_id)
    memory = run_period(config, cube, grid, span)
    with dask_client(scheduler, workers=1, processes=False) as client:
        lazy = run_period_dask(config, cube, grid, span, time_chunk=96, meter_chunk=4)
        if scheduler == "local":
            assert client.scheduler_info()["workers"]  # it ran on the cluster
    assert isinstance(lazy.hourly_emissions.pint.magnitude, np.ndarray)  # materialised
    for name in ("hourly_energy", "hourly_emissions", "intensity_used", "energy"):
        _close(getattr(lazy, name), getattr(memory, name))
    for part in ("it", "shared", "residual", "revenue", "unmetered"):
        _close(getattr(lazy.attribution, part), getattr(memory.attribution, part))
    _close(lazy.annual_view_total, memory.annual_view_total)
    assert lazy.quality.total_gaps == memory.quality.total_gaps
    assert [m.present for m in lazy.quality.meters] == [m.present for m in memory.quality.meters]
    assert lazy.reconciliation == memory.reconciliation
    total = _magnitude(memory.hourly_emissions).sum()
    assert total > 0 and abs(_magnitude(lazy.hourly_emissions).sum() - total) <= 1e-12 * total


def test_scheduler_address_must_look_like_one() -> None:
    from carbon.core.errors import ConfigError

    with (
        pytest.raises(ConfigError, match="expected 'local', 'threads' or a scheduler address"),
        dask_client("nowhere"),
    ):
        pass


def _bytes_in_graph(array) -> int:
    """Bytes of the numpy arrays embedded in the task graph behind `array`."""
    graph = dict(array.pint.dequantify().data.__dask_graph__())
    values = [getattr(task, "value", task) for task in graph.values()]
    return sum(v.nbytes for v in values if isinstance(v, np.ndarray))


def test_on_a_cluster_the_cube_is_scattered_not_embedded(fleet) -> None:
    _, cube, _, _ = _inputs(fleet, "s000")
    embedded = chunk_cube(cube, time=96, meter=4)
    assert _bytes_in_graph(embedded.energy) == cube.energy.pint.magnitude.nbytes
    with dask_client("local", workers=1, processes=False) as client:
        scattered = chunk_cube(cube, time=96, meter=4, client=client)
        assert _bytes_in_graph(scattered.energy) == 0
        assert scattered.energy.pint.magnitude.chunks == embedded.energy.pint.magnitude.chunks
        assert scattered.energy.pint.units == cube.energy.pint.units
        np.testing.assert_array_equal(_magnitude(scattered.energy), _magnitude(cube.energy))
        np.testing.assert_array_equal(scattered.flags.values, cube.flags.values)


def test_in_process_cluster_bounds_its_message_logs() -> None:
    # the in-process transport counts every message as 1 byte, so dask's log of recent
    # messages would keep whole task graphs (see carbon.workflow.scale.IN_PROCESS_LOG_LENGTH)
    import dask
    import distributed  # noqa: F401 - registers the distributed.* config keys read below

    from carbon.workflow.scale import IN_PROCESS_LOG_LENGTH, current_client

    default = dask.config.get("distributed.admin.low-level-log-length")
    assert default > IN_PROCESS_LOG_LENGTH
    with dask_client("local", workers=1, processes=False) as client:
        assert current_client() is client
        assert client.scheduler_comm.recent_message_log.maxlen == IN_PROCESS_LOG_LENGTH
    assert dask.config.get("distributed.admin.low-level-log-length") == default
    with dask_client("threads"):
        assert current_client() is None
