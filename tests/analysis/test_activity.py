"""Activity data ([[activity]] in the site file) and the sector metrics (METHODOLOGY 8),
checked against hand computations on a one-month site with flat loads."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from carbon.analysis.activity import HASHRATE_DEFINITIONS
from carbon.analysis.period import run_period
from carbon.core.errors import AmbiguousUnitError, ConfigError, UnitError
from carbon.core.period import month
from carbon.core.units import parse_quantity
from carbon.ingest.grid_table import read_hourly_intensity
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.results.document import ReportMeta, build_results
from tests.conftest import long_frame, tiny_site

METERS = [
    {"id": "REV", "role": "revenue"},
    {"id": "M", "role": "it", "parent": "REV", "workload": "mining"},
    {"id": "A", "role": "it", "parent": "REV", "workload": "ai"},
    {"id": "COOL", "role": "shared", "parent": "REV"},
]
ROW = {
    "period": "2025-01",
    "hashrate_installed": "1.1 PH/s",
    "hashrate_energised": "1.05 PH/s",
    "hashrate_average": "1.0 PH/s",
    "btc_mined_self": 0.5,
    "network_hashrate": "800 EH/s",
    "network_hashrate_note": "assumption for the test",
    "mean_fees_btc_per_block": 0.0,
    "gpu_count": 10,
    "gpu_hours_available": "7440 hour",
    "gpu_hours_sold": "6000 hour",
    "miners": [
        {"model": "S21", "count": 5, "rated_power": "3500 W", "rated_hashrate": "200 TH/s"},
        {"model": "old", "count": 1, "rated_power": "1 kW", "rated_hashrate": "20 TH/s"},
    ],
}


def _site(*rows: dict):
    return tiny_site(meters=METERS, activity=list(rows))


def _results(site) -> dict:
    """Flat January: REV 10, M 6, A 3, COOL 0.8 kWh per 15 min (0.2 unmetered); 400 g/kWh."""
    n = 31 * 96
    readings = long_frame({"REV": [10.0] * n, "M": [6.0] * n, "A": [3.0] * n, "COOL": [0.8] * n})
    cube = build_cube(
        [read_long_frame(readings, source="m.csv", sha256="11" * 32)], [m.id for m in site.meters]
    )
    hours = pd.date_range("2025-01-01", periods=744, freq="h", tz="UTC")
    grid = read_hourly_intensity(
        pd.DataFrame({"interval_start": hours, "intensity_gco2e_per_kwh": 400.0}),
        source="g.csv",
        sha256="22" * 32,
        description="flat test grid",
        region="TEST",
    )
    outcome = run_period(site, cube, grid, month("2025-01", "UTC"))
    return build_results(outcome, ReportMeta("t", 1, "draft", date(2025, 2, 1)))


# Hand computation (31 days = 744 h = 2,678,400 s; 2,976 intervals):
#   mining IT 6 × 2976 = 17,856 kWh; mining total = 6 + 1.0 × 6/9 per interval = 19,840 kWh
#   AI IT 3 × 2976 = 8,928 kWh; AI total = 3 + 1.0 × 3/9 per interval = 9,920 kWh
#   LB: mining 19,840 × 0.4 = 7,936 kg; AI 9,920 × 0.4 = 3,968 kg
MINING_IT, MINING_TOTAL, AI_IT, AI_TOTAL = 17856.0, 19840.0, 8928.0, 9920.0


@pytest.fixture(scope="module")
def results() -> dict:
    return _results(_site(ROW))


def fig(results: dict, key: str) -> float:
    return results["sector_metrics"]["figures"][key]["value"]


def test_fleet_efficiencies(results) -> None:
    # nameplate: (5·3500 + 1000) W / (5·200 + 20) TH/s, power-weighted, not the mean of 17.5 and 50
    assert fig(results, "fleet_efficiency_nameplate_j_per_th") == pytest.approx(18500 / 1020)
    # realised: 17,856 kWh × 3.6e6 J/kWh / (1,000 TH/s × 2,678,400 s) = 24 J/TH
    assert fig(results, "fleet_efficiency_realised_j_per_th") == pytest.approx(24.0)
    # facility: × mining PUE 19,840 / 17,856
    assert fig(results, "fleet_efficiency_facility_j_per_th") == pytest.approx(
        24.0 * MINING_TOTAL / MINING_IT
    )
    assert results["kpis"]["pue_by_workload"]["mining"] == pytest.approx(MINING_TOTAL / MINING_IT)


def test_per_btc_and_per_ph_day(results) -> None:
    mb_mining = results["scope2_market_kgco2e"]["mining"]
    assert fig(results, "energy_per_btc_mwh") == pytest.approx(MINING_TOTAL / 1000 / 0.5)
    assert fig(results, "emissions_per_btc_location_tco2e") == pytest.approx(7.936 / 0.5)
    assert fig(results, "emissions_per_btc_market_tco2e") == pytest.approx(mb_mining / 1000 / 0.5)
    assert fig(results, "emissions_per_ph_day_location_kgco2e") == pytest.approx(7936.0 / 31)
    assert fig(results, "emissions_per_ph_day_market_kgco2e") == pytest.approx(mb_mining / 31)
    # 144 × 3.125 × 1 PH/s / 800 EH/s
    assert fig(results, "expected_btc_per_day") == pytest.approx(144 * 3.125 * 1e3 / 8e8)


def test_gpu_hour_figures(results) -> None:
    mb_ai = results["scope2_market_kgco2e"]["ai"]
    assert fig(results, "energy_per_gpu_hour_it_kwh") == pytest.approx(AI_IT / 6000)
    assert fig(results, "energy_per_gpu_hour_facility_kwh") == pytest.approx(AI_TOTAL / 6000)
    assert fig(results, "emissions_per_gpu_hour_location_gco2e") == pytest.approx(
        AI_TOTAL * 400 / 6000
    )
    assert fig(results, "emissions_per_gpu_hour_market_gco2e") == pytest.approx(mb_ai * 1000 / 6000)
    assert fig(results, "gpu_utilisation") == pytest.approx(6000 / 7440)


def test_every_figure_names_its_definitions_and_unit(results) -> None:
    block = results["sector_metrics"]
    assert block["not_computed"] == {}
    for key, figure in block["figures"].items():
        assert figure["unit"] and figure["label"], key
        if figure["hashrate_definition"] is not None:
            assert figure["hashrate_definition"] in figure["label"], key
        if "location" in key or "market" in key:
            assert figure["basis"] in figure["label"], key
    for key in ("realised", "facility"):
        label = block["figures"][f"fleet_efficiency_{key}_j_per_th"]["label"]
        assert HASHRATE_DEFINITIONS["average"] in label
    nameplate = block["figures"]["fleet_efficiency_nameplate_j_per_th"]["label"]
    assert HASHRATE_DEFINITIONS["installed"] in nameplate
    assert "GPU-hours sold" in block["figures"]["energy_per_gpu_hour_it_kwh"]["label"]
    assert block["activity"]["hashrate_average_th_per_s"] == pytest.approx(1000.0)
    assert block["activity"]["gpu_hours_sold"] == pytest.approx(6000.0)
    assert any("assumption for the test" in a for a in block["assumptions"])


def test_hosted_hashrate_splits_the_mining_energy() -> None:
    results = _results(_site({**ROW, "hashrate_average_hosted": "250 TH/s"}))
    # self-mining share 750 / 1000 of the mining energy and emissions
    assert fig(results, "energy_per_btc_mwh") == pytest.approx(0.75 * MINING_TOTAL / 1000 / 0.5)
    assert fig(results, "emissions_per_btc_location_tco2e") == pytest.approx(0.75 * 7.936 / 0.5)
    # per PH/s-day uses all mining (self + hosted) over all average hashrate
    assert fig(results, "emissions_per_ph_day_location_kgco2e") == pytest.approx(7936.0 / 31)
    assert fig(results, "expected_btc_per_day") == pytest.approx(144 * 3.125 * 750 / 8e8)
    assert results["sector_metrics"]["activity"]["self_mining_share"] == pytest.approx(0.75)


def test_missing_inputs_are_named_not_guessed() -> None:
    row = {"period": "2025-01", "hashrate_average": "1 PH/s"}
    block = _results(_site(row))["sector_metrics"]
    assert "fleet_efficiency_realised_j_per_th" in block["figures"]
    assert "btc_mined_self" in block["not_computed"]["energy_per_btc_mwh"]
    assert "gpu_hours_sold" in block["not_computed"]["energy_per_gpu_hour_it_kwh"]
    other_month = _results(_site({**ROW, "period": "2025-02"}))["sector_metrics"]
    assert other_month["figures"] == {} and "2025-01" in other_month["not_computed"]["all"]


def test_site_without_activity_has_an_empty_block_and_its_old_hash() -> None:
    site = tiny_site(meters=METERS)
    assert site.activity == []
    assert _site().sha256() == site.sha256()
    block = _results(site)["sector_metrics"]
    assert block["figures"] == {} and block["activity"] is None


# --- validation ------------------------------------------------------------------------


def test_parse_quantity() -> None:
    assert float(parse_quantity("3.6 EH/s", "TH/s", "h").to("TH/s").magnitude) == pytest.approx(
        3.6e6
    )
    assert float(parse_quantity("1e6 hour", "hour", "g").magnitude) == 1e6
    with pytest.raises(UnitError, match="no unit"):
        parse_quantity("3.6", "TH/s", "hashrate_average")
    with pytest.raises(UnitError, match="not convertible to TH/s"):
        parse_quantity("3.6 MW", "TH/s", "hashrate_average")
    with pytest.raises(AmbiguousUnitError):
        parse_quantity("3 ton", "kg", "x")
    with pytest.raises(UnitError, match="does not start with a number"):
        parse_quantity("EH/s", "TH/s", "x")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hashrate_average": "1 MW"}, r"activity\[0\]\.hashrate_average"),
        ({"hashrate_installed": "3.6"}, "has no unit"),
        ({"gpu_hours_sold": "8000 hour"}, "gpu_hours_sold .* exceeds gpu_hours_available"),
        ({"hashrate_energised": "2 PH/s"}, "hashrate_energised .* exceeds hashrate_installed"),
        ({"period": "2025-13"}, r"activity\[0\]\.period"),
        ({"btc_mined_self": -1}, "btc_mined_self"),
        ({"hashrate_avg": "1 PH/s"}, "hashrate_avg"),
        ({"hashrate_average": None, "hashrate_average_hosted": "1 TH/s"}, "needs hashrate_average"),
    ],
)
def test_invalid_activity_rows_are_refused_with_the_key(change, message) -> None:
    with pytest.raises(ConfigError, match=message):
        _site({**ROW, **change})


def test_miner_groups_and_periods_are_checked() -> None:
    bad = {**ROW, "miners": [{**ROW["miners"][0], "rated_hashrate": "200 TH"}]}
    with pytest.raises(ConfigError, match="rated_hashrate"):
        _site(bad)
    with pytest.raises(ConfigError, match="repeated: 2025-01"):
        _site(ROW, ROW)
    with pytest.raises(ConfigError, match="not a meter"):
        _site({**ROW, "miners": [{**ROW["miners"][0], "hall": "NOPE"}]})
