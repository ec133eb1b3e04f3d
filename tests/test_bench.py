"""Smoke test of the benchmark suite: a tiny fleet, every reference equals carbon's totals.

No timings are asserted (timings never go in unit tests); ``python -m bench`` measures them.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.fleet import FleetSpec, generate
from bench.measure import Stopwatch
from bench.paths import PATHS, carbon_path, compare

SPEC = FleetSpec(sites=2, meters=4, days=2, interval="15min", seed=7)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    return generate(SPEC, tmp_path_factory.mktemp("fleet") / "tiny")


@pytest.fixture(scope="module")
def carbon_totals(fleet):
    return carbon_path(fleet, Stopwatch())


def test_fleet_layout(fleet):
    path = fleet.site_path("s000")
    assert path.parent.name == "site=s000"
    table = pq.read_table(path)
    assert table.schema.field("ts").type == pa.timestamp("ms", tz="UTC")
    assert pa.types.is_dictionary(table.schema.field("meter_id").type)
    assert table.schema.field("energy_kwh").type == pa.float64()
    assert table.num_rows == SPEC.meters * SPEC.intervals
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    roles = fleet.site_meters("s000")["role"].tolist()
    assert roles.count("revenue") == 1 and "shared" in roles and "it" in roles
    assert (fleet.meters["workload"] == "mining>ai").sum() >= SPEC.sites  # >= 1 switch per site
    for region in fleet.regions():
        assert fleet.intensity_path(region).is_file()


def test_generator_is_deterministic(fleet, tmp_path):
    again = generate(SPEC, tmp_path / "again")
    a = pq.read_table(fleet.site_path("s001"))
    b = pq.read_table(again.site_path("s001"))
    assert a.equals(b)
    assert fleet.meters.equals(again.meters)


def test_carbon_totals_are_complete(fleet, carbon_totals):
    assert set(carbon_totals.index.get_level_values("site")) == {"s000", "s001"}
    assert (carbon_totals["energy_kwh"] >= 0).all()
    # the switching hall makes both workloads appear
    by_workload = carbon_totals.groupby(level="workload").sum()
    assert by_workload.loc["mining", "energy_kwh"] > 0
    assert by_workload.loc["ai", "energy_kwh"] > 0


@pytest.mark.parametrize("name", [n for n in PATHS if n != "carbon"])
def test_reference_equals_carbon(fleet, carbon_totals, name):
    if name == "duckdb" and importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb is not installed (the bench extra)")
    totals = PATHS[name](fleet, Stopwatch())
    check = compare(totals, carbon_totals)
    assert check["ok"], check


def test_compare_detects_a_difference(carbon_totals):
    off = carbon_totals.copy()
    off.iloc[0, 1] *= 1 + 1e-6
    assert not compare(off, carbon_totals)["ok"]
    assert np.isclose(compare(off, carbon_totals)["max_relative_difference"], 1e-6, rtol=1e-3)
