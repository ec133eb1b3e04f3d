"""Location-based factor hierarchy per hour (METHODOLOGY 1.2): hourly source, then the eGRID
subregion annual rate, then the eGRID national rate; the level is recorded and reported."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.accounting.annual_factors import location_factors_for
from carbon.accounting.location import (
    FACTOR_LEVELS,
    LEVEL_HOURLY_SOURCE,
    LEVEL_NATIONAL,
    LEVEL_SUBREGION_ANNUAL,
    apply_factor_hierarchy,
    location_based,
)
from carbon.analysis.period import run_period
from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord
from carbon.core.period import month
from carbon.core.units import Q_, parse_unit, ureg
from carbon.factors.egrid import egrid_co2e_rate, latest_egrid_for_year
from carbon.ingest.grid_table import grid_from_table
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.results.document import ReportMeta, build_results
from tests.conftest import long_frame, tiny_site

HOURS = pd.date_range("2025-01-01", periods=6, freq="h")


def _intensity(values, times=HOURS) -> xr.DataArray:
    return xr.DataArray(
        np.asarray(values, dtype=float), dims=("time",), coords={"time": times}
    ).pint.quantify("g CO2e/kWh", unit_registry=ureg)


def _times(times) -> xr.DataArray:
    return xr.DataArray(times, dims=("time",), coords={"time": times})["time"]


# --- the pure step -----------------------------------------------------------------------


def test_nan_flagged_and_uncovered_hours_take_the_subregion_rate() -> None:
    source = _intensity([100.0, np.nan, 300.0, 400.0], HOURS[:4])  # hours 4, 5 not covered
    usable = xr.DataArray([True, False, False, True], dims=("time",), coords={"time": HOURS[:4]})
    factor, levels = apply_factor_hierarchy(
        source,
        usable,
        _times(HOURS),
        subregion_rate=Q_(736.629, "lb CO2e/MWh"),
        national_rate=Q_(800.0, "lb CO2e/MWh"),
    )
    sub = 736.629 * 0.45359237  # g/kWh
    assert factor.pint.to("g CO2e/kWh").pint.magnitude == pytest.approx(
        [100.0, sub, sub, 400.0, sub, sub]
    )
    assert levels.dtype == np.int8
    assert levels.values.tolist() == [0, 1, 1, 0, 1, 1]  # hour 2 is flagged unusable
    assert FACTOR_LEVELS[LEVEL_SUBREGION_ANNUAL] == "subregion_annual"


def test_unknown_region_falls_to_the_national_rate() -> None:
    factor, levels = apply_factor_hierarchy(
        _intensity([np.nan, 200.0], HOURS[:2]),
        None,
        _times(HOURS[:3]),
        subregion_rate=None,
        national_rate=Q_(0.5, "kg CO2e/kWh"),
    )
    assert factor.pint.magnitude.tolist() == [500.0, 200.0, 500.0]
    assert levels.values.tolist() == [LEVEL_NATIONAL, LEVEL_HOURLY_SOURCE, LEVEL_NATIONAL]


def test_location_based_itself_stays_strict() -> None:
    energy = xr.DataArray([1.0, 1.0], dims=("time",), coords={"time": HOURS[:2]}).pint.quantify(
        "kWh", unit_registry=ureg
    )
    with pytest.raises(InputDataError, match="missing for 1 interval"):
        location_based(energy, _intensity([100.0, np.nan], HOURS[:2]))


def test_fallback_levels_for_a_known_and_an_unknown_region() -> None:
    dataset_id, _ = latest_egrid_for_year(2025)
    sub, nat = location_factors_for(tiny_site(), 2025)
    assert sub is not None and sub.region == "ERCT"
    assert sub.rate.to("g CO2e/kWh").magnitude == pytest.approx(
        egrid_co2e_rate("ERCT", dataset_id, gwp_set="AR6")[0].to("g CO2e/kWh").magnitude
    )
    assert nat.region == "US"
    # a US site (declared) in a region unknown to eGRID: the national US rate
    site = tiny_site(
        site={
            "id": "t",
            "name": "T",
            "timezone": "UTC",
            "grid_region": "NOT-EGRID",
            "country": "US",
        }
    )
    sub, nat = location_factors_for(site, 2025)
    assert sub is None
    assert nat.rate == egrid_co2e_rate("US", dataset_id, gwp_set="AR6")[0]
    # the same region without a country is not taken for a US site: no eGRID level at all
    site = tiny_site(site={"id": "t", "name": "T", "timezone": "UTC", "grid_region": "NOT-EGRID"})
    assert location_factors_for(site, 2025) == (None, None)


# --- through the pipeline and results.json -------------------------------------------


def _grid_with_holes(hours: pd.DatetimeIndex, value: float, missing: slice) -> GridTable:
    values = np.full(len(hours), value)
    flags = np.full(len(hours), int(Flag.MEASURED), dtype=np.int8)
    values[missing] = np.nan
    flags[missing] = int(Flag.SOURCE_MISSING)
    frame = pd.DataFrame(
        {
            "interval_start": hours.tz_localize("UTC"),
            "value": values,
            "flag": flags,
            "line": np.arange(2, len(hours) + 2, dtype=np.int64),
        }
    )
    return GridTable(
        frame=frame,
        unit=parse_unit("g CO2e/kWh"),
        region="TEST",
        gas="CO2e",
        basis="direct",
        kind="average",
        resolution=pd.Timedelta(hours=1),
        record=InputRecord("grid.csv", "00" * 32, len(frame), None, None, "grid"),
        meta={},
    )


@pytest.fixture(scope="module")
def holed():
    site = tiny_site()
    n = 31 * 96
    readings = long_frame(
        {"REV": [9.6] * n, "M": [4.0] * n, "A": [3.0] * n, "X": [2.0] * n, "COOL": [0.5] * n}
    )
    cube = build_cube(
        [read_long_frame(readings, source="m.csv", sha256="11" * 32)], [m.id for m in site.meters]
    )
    # 744 hours in January; the series has 3 hours flagged missing and stops a day early.
    hours = pd.date_range("2025-01-01", periods=744 - 24, freq="h")
    grid = grid_from_table(_grid_with_holes(hours, 400.0, slice(10, 13)))
    outcome = run_period(site, cube, grid, month("2025-01", "UTC"))
    results = build_results(outcome, ReportMeta("t", 1, "draft", date(2025, 2, 1)))
    return outcome, results


def test_pipeline_records_the_level_of_every_hour(holed) -> None:
    outcome, _ = holed
    levels = outcome.location_factors.levels
    assert len(levels) == 744
    assert (levels.values[10:13] == LEVEL_SUBREGION_ANNUAL).all()
    assert (levels.values[-24:] == LEVEL_SUBREGION_ANNUAL).all()
    assert int((levels.values == LEVEL_HOURLY_SOURCE).sum()) == 744 - 27
    assert not np.isnan(outcome.intensity_used.pint.magnitude).any()


def test_location_based_total_is_the_hand_computation(holed) -> None:
    outcome, results = holed
    sub = outcome.location_factors.subregion.rate.to("g CO2e/kWh").magnitude
    per_hour_kwh = 4 * 9.6
    expected_kg = per_hour_kwh * (717 * 400.0 + 27 * float(sub)) / 1000.0
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(expected_kg, rel=1e-9)


def test_results_report_the_share_of_mwh_per_level(holed) -> None:
    _, results = holed
    block = results["scope2_location_factor_levels"]
    assert block["hourly_source_mwh"] == pytest.approx(717 * 38.4 / 1000)
    assert block["subregion_annual_mwh"] == pytest.approx(27 * 38.4 / 1000)
    assert block["national_mwh"] == 0.0
    assert block["shares"]["subregion_annual"] == pytest.approx(27 / 744)
    assert sum(block["shares"].values()) == pytest.approx(1.0)
    assert block["hours"] == {"hourly_source": 717, "subregion_annual": 27, "national": 0}
    assert block["fallback_spans_total"] == 2
    first, last = block["fallback_spans"]
    assert (first["start"], first["end"], first["intervals"]) == (
        "2025-01-01T10:00:00Z",
        "2025-01-01T13:00:00Z",
        3,
    )
    assert (last["start"], last["end"]) == ("2025-01-31T00:00:00Z", "2025-02-01T00:00:00Z")
    assert block["subregion_annual_factor"]["region"] == "ERCT"
    total_kg = results["scope2_location_kgco2e"]["total"]
    assert sum(block["kgco2e"].values()) == pytest.approx(total_kg)


def test_report_states_the_shares_and_the_fallback_hours(holed) -> None:
    from carbon.report.context import build_context
    from carbon.report.render import render_html

    outcome, results = holed
    html = " ".join(render_html(build_context(results, outcome.power_by_workload)).split())
    assert "Factor hierarchy" in html
    assert "the hourly grid source 96.4&nbsp;% (717&nbsp;intervals)" in html
    assert "(ERCT, egrid2023rev2) 3.6&nbsp;% (27&nbsp;intervals)" in html
    assert "2025-01-01T10:00:00Z to 2025-01-01T13:00:00Z (subregion annual)" in html
    # no [[activity]] in this site: the operations section says so instead of showing zeros
    assert "Operations and intensities" in html and "No sector metrics" in html
