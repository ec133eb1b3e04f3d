"""A site file with two [[grid]] sources: the second fills the first one's missing hours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbon.cli import app
from tests.integration.test_example_site import write_example

SECOND = """
[[grid]]
source = "electricitymaps"
path = "grid/second.csv"
"""


def test_two_sources_chain_hour_by_hour(tmp_path: Path) -> None:
    write_example(tmp_path)
    first = tmp_path / "grid" / "US-TEX-ERCO_2023_hourly.csv"
    lines = first.read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], lines[1:]
    dropped = [r for r in rows if r.startswith("2023-11-10 0")]  # ten hours, 00:00 to 09:00 UTC
    assert len(dropped) == 10
    first.write_text("\n".join([header, *(r for r in rows if r not in dropped)]) + "\n")
    second = [header] + [r.replace(",eia.gov,", ",second,") for r in rows]
    (tmp_path / "grid" / "second.csv").write_text("\n".join(second) + "\n", encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(site.read_text(encoding="utf-8") + SECOND, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(site),
            "--period",
            "2023-11",
            "--out",
            str(tmp_path / "r"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    levels = json.loads(result.output)["scope2_location_factor_levels"]
    first_src, second_src = levels["hourly_sources"]
    assert second_src["intervals"] == 10 and second_src["source"].endswith("(grid/second.csv)")
    assert first_src["intervals"] == 30 * 24 + 1 - 10
    assert levels["hours"]["subregion_annual"] == 0
    assert first_src["share"] + second_src["share"] == pytest.approx(1.0, rel=1e-12)
