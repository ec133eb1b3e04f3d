"""The report names the source of the grid carbon-free share in CFE%, or why it is missing."""

from __future__ import annotations

import re
from pathlib import Path

import carbon
from carbon.report import build_context, render_html
from tests.integration.test_example_site import write_example


def _cfe_rows(html: str) -> str:
    start = html.index("Google CFE%")
    return re.sub(r"\s+", " ", html[start : start + 1200])


def test_the_matching_table_shows_cfe_and_its_source(tmp_path: Path) -> None:
    write_example(tmp_path)  # an Electricity Maps file with Low Carbon Percentage 50.0
    results = carbon.run(carbon.load_site(tmp_path / "site.toml"), "2023-11", baseline="none")
    html = render_html(build_context(results.document, results.outcome.power_by_workload))
    rows = _cfe_rows(html)
    assert "50.0&nbsp;%" in rows
    source = results.document["grid_cfe"]["source"]
    assert source.endswith("(grid/US-TEX-ERCO_2023_hourly.csv)")
    assert f"Grid carbon-free share from {source}" in rows


def test_the_reason_is_shown_when_cfe_is_not_available(tmp_path: Path) -> None:
    write_example(tmp_path)
    path = tmp_path / "grid" / "US-TEX-ERCO_2023_hourly.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",50.0,40.0,", ",,40.0,"))
    results = carbon.run(carbon.load_site(tmp_path / "site.toml"), "2023-11", baseline="none")
    rows = _cfe_rows(
        render_html(build_context(results.document, results.outcome.power_by_workload))
    )
    assert "not available" in rows
    assert "no grid carbon-free share for 721 of 721 intervals" in rows
