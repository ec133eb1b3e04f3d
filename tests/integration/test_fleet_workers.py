"""``carbon report --fleet --workers N``: the sites reported in worker processes give the same
files, byte for byte, as the serial run (carbon.workflow.pool)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import ConfigError
from carbon.workflow.fleet import run_fleet
from tests.integration.test_fleet import _site


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    for site_id in ("pecos", "ely", "broken"):
        _site(tmp_path / site_id, site_id)
    meters = tmp_path / "broken" / "meters.csv"
    frame = pd.read_csv(meters, dtype={"energy_kwh": str})
    frame.loc[3, "energy_kwh"] = "lots"
    frame.to_csv(meters, index=False)
    path = tmp_path / "fleet.toml"
    path.write_text(
        '[fleet]\nname = "texas"\n'
        'sites = ["pecos/site.toml", "broken/site.toml", "ely/site.toml"]\n',
        encoding="utf-8",
    )
    return path


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow  # two runs of the fleet, one on spawned workers that import carbon: ~30 s
def test_two_workers_write_the_serial_run_byte_for_byte(
    fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import carbon.workflow.fleet

    pools: list[int] = []
    original = carbon.workflow.fleet.report_sites_in_processes

    def spy(jobs, period, out, options, workers, record):
        pools.append(workers)
        return original(jobs, period, out, options, workers, record)

    monkeypatch.setattr(carbon.workflow.fleet, "report_sites_in_processes", spy)
    outputs = {}
    for name, extra in (("serial", []), ("pool", ["--workers", "2"])):
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)  # the same relative --out, so the summaries' paths agree
        args = ["report", "--fleet", str(fleet), "--period", "2023-11", "--out", "reports"]
        result = CliRunner().invoke(app, [*args, *extra])
        assert result.exit_code == 1, result.output  # the broken site fails in both runs
        assert "broken/site.toml" in result.output and "not a number" in result.output
        outputs[name] = _files(folder / "reports")
    assert pools == [2]  # the second run went through the process pool, the first did not
    serial, pool = outputs["serial"], outputs["pool"]
    assert sorted(pool) == sorted(serial)
    for name in ("pecos", "ely"):
        assert f"{name}/2023-11/v1/disclosure.pdf" in serial
        assert f"{name}/2023-11/v1/results.json" in serial
    assert "_fleets/texas/2023-11/v1/summary.csv" in serial
    differ = [name for name in serial if pool[name] != serial[name]]
    assert differ == []
    summary = json.loads(serial["_fleets/texas/2023-11/v1/summary.json"])
    assert [r["status"] for r in summary["sites"]] == ["ok", "error", "ok"]


def test_workers_are_checked(fleet: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--workers must be a whole number"):
        run_fleet(fleet, "2023-11", tmp_path / "out", workers=0)
    with pytest.raises(ConfigError, match="a scheduler at an address has its own workers"):
        run_fleet(fleet, "2023-11", tmp_path / "out", workers=2, scheduler="tcp://10.0.0.5:8786")
    site = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(fleet.parent / "ely" / "site.toml"),
            "--period",
            "2023-11",
            "--workers",
            "2",
        ],
    )
    assert isinstance(site.exception, ConfigError)
    assert "--workers is used with --fleet only" in str(site.exception)
