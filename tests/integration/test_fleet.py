"""``carbon report --fleet``: every site reported as --site reports it, a summary, and a
failing site named without stopping the others."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import ConfigError
from carbon.workflow.fleet import load_fleet
from tests.integration.test_example_site import write_example


def _site(folder: Path, site_id: str) -> None:
    folder.mkdir()
    write_example(folder)
    toml = (folder / "site.toml").read_text(encoding="utf-8")
    (folder / "site.toml").write_text(toml.replace('id = "pecos"', f'id = "{site_id}"'))


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    _site(tmp_path / "pecos", "pecos")
    _site(tmp_path / "ely", "ely")
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[fleet]\nname = "texas"\nsites = ["pecos/site.toml", "ely/site.toml"]\n',
        encoding="utf-8",
    )
    return path


def _run(fleet: Path, out: Path):
    return CliRunner().invoke(
        app, ["report", "--fleet", str(fleet), "--period", "2023-11", "--out", str(out)]
    )


def test_fleet_reports_every_site_and_writes_the_summary(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = _run(fleet, out)
    assert result.exit_code == 0, result.output
    assert "2 of 2 sites reported" in result.output
    for site_id in ("pecos", "ely"):
        assert (out / site_id / "2023-11" / "v1" / "disclosure.pdf").is_file()
    folder = out / "_fleets" / "texas" / "2023-11" / "v1"
    summary = json.loads((folder / "summary.json").read_text())
    assert (summary["sites_ok"], summary["sites_failed"]) == (2, 0)
    rows = {r["site_id"]: r for r in summary["sites"]}
    single = json.loads((out / "pecos" / "2023-11" / "v1" / "results.json").read_text())
    assert rows["pecos"]["energy_kwh"] == single["energy_kwh"]["total"]
    assert rows["pecos"]["scope2_location_kgco2e"] == single["scope2_location_kgco2e"]["total"]
    # the two sites read the same data: the fleet total is twice one site's, to rounding
    totals = summary["totals_over_ok_sites"]
    assert totals["energy_kwh"] == pytest.approx(2 * single["energy_kwh"]["total"], rel=1e-12)
    with open(folder / "summary.csv", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert [r["site_file"] for r in table] == ["pecos/site.toml", "ely/site.toml"]
    assert {r["status"] for r in table} == {"ok"}
    # a second run writes a new summary version and never overwrites; the sites, already
    # reported for the period, now refuse (no --restate) and are named as failures
    again = _run(fleet, out)
    assert again.exit_code == 1
    assert (out / "_fleets" / "texas" / "2023-11" / "v2" / "summary.json").is_file()
    assert "pecos/site.toml" in again.output and "already exists" in again.output


def test_a_failing_site_is_named_and_the_others_complete(fleet: Path, tmp_path: Path) -> None:
    meters = tmp_path / "ely" / "meters.csv"
    frame = pd.read_csv(meters, dtype={"energy_kwh": str})
    frame.loc[3, "energy_kwh"] = "lots"
    frame.to_csv(meters, index=False)
    out = tmp_path / "reports"
    result = _run(fleet, out)
    assert result.exit_code == 1
    assert "ely/site.toml" in result.output and "not a number" in result.output
    assert (out / "pecos" / "2023-11" / "v1" / "disclosure.pdf").is_file()
    assert not (out / "ely").exists()
    summary = json.loads(
        (out / "_fleets" / "texas" / "2023-11" / "v1" / "summary.json").read_text()
    )
    (ely,) = [r for r in summary["sites"] if r["site_file"] == "ely/site.toml"]
    assert ely["status"] == "error" and "meters.csv" in ely["error"]
    assert summary["sites_failed"] == 1 and summary["sites_ok"] == 1


def test_fleet_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "fleet.toml"
    path.write_text('[fleet]\nname = "a b"\nsites = ["x.toml"]\n')
    with pytest.raises(ConfigError, match="name must be letters"):
        load_fleet(path)
    path.write_text('[fleet]\nname = "ab"\nsites = []\n')
    with pytest.raises(ConfigError, match="non-empty list"):
        load_fleet(path)
    result = CliRunner().invoke(app, ["report", "--period", "2023-11"])
    assert isinstance(result.exception, ConfigError)
    assert "either --site FILE or --fleet FILE" in str(result.exception)


@pytest.mark.slow  # starts a dask LocalCluster and writes two sites
def test_fleet_on_a_local_dask_cluster(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--fleet",
            str(fleet),
            "--period",
            "2023-11",
            "--out",
            str(out),
            "--scheduler",
            "local",
            "--baseline",
            "none",  # the scheduler is the subject here
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(
        (out / "_fleets" / "texas" / "2023-11" / "v1" / "summary.json").read_text()
    )
    assert [r["site_file"] for r in summary["sites"]] == ["pecos/site.toml", "ely/site.toml"]
    assert summary["sites_ok"] == 2
    assert (out / "ely" / "2023-11" / "v1" / "disclosure.pdf").is_file()
    threads = CliRunner().invoke(
        app, ["report", "--fleet", str(fleet), "--period", "2023-11", "--scheduler", "threads"]
    )
    assert isinstance(threads.exception, ConfigError)  # main() maps it to exit 2
    assert "'threads' is for" in str(threads.exception)
