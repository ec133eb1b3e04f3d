"""A region unknown to eGRID: Scope 3.3(c) is reported as not available, with the reason."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from carbon.accounting.period_accounting import td_losses_or_reason
from carbon.analysis.period import run_period
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord
from carbon.core.period import month
from carbon.core.units import Q_, parse_unit
from carbon.ingest.grid_table import grid_from_table
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.results.document import ReportMeta, build_results
from tests.conftest import long_frame, tiny_site


def _grid(hours: pd.DatetimeIndex, value: float) -> GridTable:
    frame = pd.DataFrame(
        {
            "interval_start": hours.tz_localize("UTC"),
            "value": np.full(len(hours), value),
            "flag": np.full(len(hours), int(Flag.MEASURED), dtype=np.int8),
            "line": np.arange(2, len(hours) + 2, dtype=np.int64),
        }
    )
    return GridTable(
        frame=frame,
        unit=parse_unit("g CO2e/kWh"),
        region="GB",
        gas="CO2e",
        basis="direct",
        kind="average",
        resolution=pd.Timedelta(hours=1),
        record=InputRecord("neso.csv", "00" * 32, len(frame), None, None, "grid"),
        meta={},
    )


@pytest.fixture(scope="module")
def british():
    site = tiny_site(site={"id": "gb", "name": "GB", "timezone": "UTC", "grid_region": "GB"})
    n = 31 * 96
    readings = long_frame(
        {"REV": [9.6] * n, "M": [4.0] * n, "A": [3.0] * n, "X": [2.0] * n, "COOL": [0.5] * n}
    )
    cube = build_cube(
        [read_long_frame(readings, source="m.csv", sha256="11" * 32)], [m.id for m in site.meters]
    )
    grid = grid_from_table(_grid(pd.date_range("2025-01-01", periods=744, freq="h"), 150.0))
    outcome = run_period(site, cube, grid, month("2025-01", "UTC"))
    return outcome, build_results(outcome, ReportMeta("gb-1", 1, "draft", date(2025, 2, 1)))


def test_unknown_region_reports_td_losses_as_not_available(british) -> None:
    outcome, results = british
    td = results["scope3_3_td_losses_kgco2e"]
    assert td["available"] is False and td["total"] is None
    assert "no grid gross loss factor for region 'GB'" in td["reason"]
    assert results["scope3_cat3_kgco2e"]["total"] is None
    assert "not available" in results["scope3_cat3_kgco2e"]["note"]
    # Scope 2 still stands on the hourly source alone: 38.4 kWh/h × 744 h × 150 g/kWh
    expected = 38.4 * 744 * 150.0 / 1000
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(expected, rel=1e-9)
    assert outcome.scopes.td_losses is None


def test_known_region_still_computes_td_losses() -> None:
    td, why = td_losses_or_reason(Q_(1000.0, "MWh"), "ERCT", "egrid2023rev2", "AR6")
    assert why is None and td is not None
    assert td.lost_energy.to("MWh").magnitude == pytest.approx(1000 * 0.042 / 0.958, rel=1e-9)


def test_the_pdf_says_why(british) -> None:
    from carbon.report.context import build_context
    from carbon.report.render import render_html

    outcome, results = british
    html = " ".join(render_html(build_context(results, outcome.power_by_workload)).split())
    assert "no grid gross loss factor for region" in html


def test_a_site_without_tenants_reports_everything_as_not_tenanted(british) -> None:
    _, results = british
    block = results["tenants"]
    assert block["by_tenant"] == {}
    assert block["not_tenanted"]["meters"] == ["M", "A", "X"]
    for key in ("energy_kwh", "it_energy_kwh", "scope2_location_kgco2e", "scope2_market_kgco2e"):
        assert block["not_tenanted"][key] == pytest.approx(results[key]["total"], rel=1e-12)
