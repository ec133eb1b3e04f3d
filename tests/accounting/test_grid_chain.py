"""Several hourly grid sources chained in the location-based hierarchy (METHODOLOGY 1.2)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from carbon.accounting.grid_chain import NO_SOURCE, chain_sources
from carbon.accounting.location import LEVEL_HOURLY_SOURCE, LEVEL_SUBREGION_ANNUAL
from carbon.analysis.period import run_period
from carbon.core.errors import ConfigError
from carbon.core.period import month
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.results.document import ReportMeta, build_results
from tests.conftest import flat_grid, long_frame, tiny_site

JANUARY = pd.date_range("2025-01-01", periods=744, freq="h")


_grid = flat_grid


@pytest.fixture(scope="module")
def chained():
    """Source A (400 g/kWh) misses hours 10-12 and stops a day early (720 hours); source B
    (200 g/kWh) covers the month but misses hours 700-743. So: A 717 hours, B 3 hours
    (10-12), and hours 720-743 fall to the eGRID subregion rate."""
    site = tiny_site()
    n = 31 * 96
    readings = long_frame(
        {"REV": [9.6] * n, "M": [4.0] * n, "A": [3.0] * n, "X": [2.0] * n, "COOL": [0.5] * n}
    )
    cube = build_cube(
        [read_long_frame(readings, source="m.csv", sha256="11" * 32)], [m.id for m in site.meters]
    )
    a = _grid("a.csv", JANUARY[:720], 400.0, slice(10, 13))
    b = _grid("b.csv", JANUARY, 200.0, slice(700, 744))
    outcome = run_period(site, cube, a, month("2025-01", "UTC"), more_grids=[b])
    return outcome, build_results(outcome, ReportMeta("t", 1, "draft", date(2025, 2, 1)))


def test_each_hour_takes_the_first_usable_source(chained) -> None:
    outcome, _ = chained
    index = outcome.location_factors.chain.source_index.values
    assert (index[10:13] == 1).all() and (index[:10] == 0).all() and (index[13:720] == 0).all()
    assert (index[720:] == NO_SOURCE).all()
    levels = outcome.location_factors.levels.values
    assert (levels[:720] == LEVEL_HOURLY_SOURCE).all()
    assert (levels[720:] == LEVEL_SUBREGION_ANNUAL).all()


def test_location_based_total_is_the_hand_computation(chained) -> None:
    outcome, results = chained
    sub = float(outcome.location_factors.subregion.rate.to("g CO2e/kWh").magnitude)
    expected = 38.4 * (717 * 400.0 + 3 * 200.0 + 24 * sub) / 1000.0  # kWh/h × g/kWh → kg
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(expected, rel=1e-9)


def test_results_give_the_share_per_source_and_level(chained) -> None:
    _, results = chained
    block = results["scope2_location_factor_levels"]
    first, second = block["hourly_sources"]
    assert first["source"].endswith("(a.csv)") and second["source"].endswith("(b.csv)")
    assert first["intervals"] == 717 and second["intervals"] == 3
    assert first["mwh"] == pytest.approx(717 * 0.0384) and second["mwh"] == pytest.approx(
        3 * 0.0384
    )
    assert first["share"] + second["share"] + block["shares"]["subregion_annual"] == pytest.approx(
        1
    )
    assert block["hours"] == {"hourly_source": 720, "subregion_annual": 24, "national": 0}
    assert second["kgco2e"] == pytest.approx(3 * 38.4 * 0.2)
    assert [i["path"] for i in results["inputs"]][-2:] == ["a.csv", "b.csv"]


def test_a_source_finer_than_the_intervals_read_is_refused() -> None:
    a = _grid("a.csv", JANUARY[:4], 400.0, slice(0, 0))
    half = pd.date_range("2025-01-01", periods=8, freq="30min")
    b = _grid("b.csv", half, 300.0, slice(0, 0), step="30min")
    times = a.intensity["time"]
    with pytest.raises(ConfigError, match=r"'b\.csv' has 0 days 00:30:00 intervals, finer than"):
        chain_sources([a, b], times)


def test_report_lists_each_source(chained) -> None:
    from carbon.report.context import build_context
    from carbon.report.render import render_html

    outcome, results = chained
    html = " ".join(render_html(build_context(results, outcome.power_by_workload)).split())
    assert "of which source 2: " in html and "(b.csv)" in html
