"""Smoke test of the benchmark suite: a tiny fleet, every reference equals carbon's totals.

The CLI paths (``end_to_end``, ``fleet_dask``) run on a one-site fleet and must write every
file and the fleet summary, with the carbon path's totals. No timings are asserted (timings
never go in unit tests); ``python -m bench`` measures them.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.cli_fleet import cli_fleet
from bench.end_to_end import run_fleet_report
from bench.fleet import FleetSpec, generate, site_config
from bench.measure import Stopwatch
from bench.paths import PATHS, carbon_path, compare
from bench.targets import targets
from carbon.site.load import load_site

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
    if name.startswith("duckdb") and importlib.util.find_spec("duckdb") is None:
        pytest.skip("duckdb is not installed (the bench extra)")
    totals = PATHS[name](fleet, Stopwatch())
    check = compare(totals, carbon_totals)
    assert check["ok"], check


def test_compare_detects_a_difference(carbon_totals):
    off = carbon_totals.copy()
    off.iloc[0, 1] *= 1 + 1e-6
    assert not compare(off, carbon_totals)["ok"]
    assert np.isclose(compare(off, carbon_totals)["max_relative_difference"], 1e-6, rtol=1e-3)


# --------------------------------------------------------------------------- the CLI paths

E2E_SPEC = FleetSpec(sites=1, meters=5, days=31, interval="1h", seed=11)


@pytest.fixture(scope="module")
def e2e_fleet(tmp_path_factory):
    fleet = generate(E2E_SPEC, tmp_path_factory.mktemp("e2e") / "one")
    cli_fleet(fleet)
    return fleet


def test_cli_form_is_the_carbon_paths_site(e2e_fleet):
    """The written site file loads to the model the carbon path builds (meters, schedules)."""
    root = e2e_fleet.root / "cli"
    assert (root / "fleet.toml").read_text().count("site.toml") == E2E_SPEC.sites
    written = load_site(root / "s000" / "site.toml")
    built = site_config(e2e_fleet, "s000")
    assert [(m.id, m.role, m.parent) for m in written.meters] == [
        (m.id, m.role, m.parent) for m in built.meters
    ]
    assert [m.workload_spans() for m in written.meters if m.role == "it"] == [
        m.workload_spans() for m in built.meters if m.role == "it"
    ]
    readings = pq.read_table(root / "s000" / "meters.parquet")
    original = pq.read_table(e2e_fleet.site_path("s000"))
    assert readings.column_names == ["interval_start", "meter_id", "energy_kwh"]
    assert readings.rename_columns(original.column_names).equals(original)


def _check_fleet_run(fleet, figures):
    written = figures["written"]
    assert written["missing"] == []
    assert {"disclosure.pdf", "results.json", "manifest.json"} <= set(written["files_per_site"])
    assert written["ledger_rows"] == E2E_SPEC.sites  # issued: one ledger row per site
    assert any(name.endswith("summary.csv") for name in written["summary"])
    assert figures["peak_rss_gib"] > 0 and figures["processes"] >= 1
    # the summary's site totals are the carbon path's, summed over workloads
    reference = pd.DataFrame(figures["totals"]).set_index(["site", "workload"])
    check = compare(reference, carbon_path(fleet, Stopwatch()))
    assert check["ok"], check


def test_end_to_end_writes_every_file(e2e_fleet):
    _check_fleet_run(e2e_fleet, run_fleet_report(e2e_fleet.root, workers=1, scheduler=None))


@pytest.mark.slow  # a LocalCluster's start plus a full report
def test_fleet_dask_writes_every_file(e2e_fleet):
    _check_fleet_run(e2e_fleet, run_fleet_report(e2e_fleet.root, workers=1, scheduler="local"))


def test_targets_say_met_or_missed():
    """Hand-made figures: each ratio as defined, against its threshold."""
    doc = {
        "paths": {
            "floor": {"seconds_min": 1.0},
            "carbon": {
                "seconds_min": 1.25,
                "work_rss_over_site_readings": 1.0,
                "peak_rss_over_readings": 0.1,
            },
            "end_to_end": {"seconds_min": 3.5},
            "fleet_dask": {"seconds_min": 4.2},
        },
        "pdf": {"seconds_per_page_render": 0.05, "seconds_per_page_report": 0.1},
        "cli": {"demo_seconds": 4.5, "help_seconds": 0.2, "verify_over_demo": 1.5},
    }
    out = targets(doc)
    assert out["carbon_vs_floor"]["value"] == pytest.approx(1.25)
    assert not out["carbon_vs_floor"]["met"]  # 1.25 > 1.2
    assert out["end_to_end_vs_carbon"]["value"] == pytest.approx(2.8)
    assert out["end_to_end_vs_carbon"]["met"]
    assert out["fleet_dask_vs_pool"]["value"] == pytest.approx(1.2)
    assert out["fleet_dask_vs_pool"]["met"]  # at the threshold is met
    assert out["pdf"]["met"] and out["help_seconds"]["met"] and out["verify_vs_report"]["met"]
    assert not out["demo_seconds"]["met"]
    assert all(entry["what"] for entry in out.values())
