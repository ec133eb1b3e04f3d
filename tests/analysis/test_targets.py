"""The SBTi CNZS V2.0 tracker (carbon.analysis.targets): path, trajectory, growth and shares
against figures computed by hand from a small synthetic history."""

from __future__ import annotations

import math

import pytest

from carbon.analysis.targets import YearTally, linear_path, month_tally, tracker, year_tally
from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.site.targets import Targets

Q = ureg.Quantity


def _tally(year, n_months, location_t, electricity_gwh, matched=None, load=None, grid=None):
    """A year of `n_months` months (12, or 6 = January to June of a non-leap year)."""
    hours = {12: 8760.0, 6: 4344.0}[n_months]  # Jan–Jun: 181 days

    def gwh(v):
        return None if v is None else Q(v, "GWh")

    return YearTally(
        year=year,
        months=tuple(f"{year}-{m:02d}" for m in range(1, n_months + 1)),
        hours=hours,
        location=Q(location_t, "t CO2e"),
        electricity=Q(electricity_gwh, "GWh"),
        matched=gwh(matched),
        matching_load=gwh(load),
        grid_low_carbon=gwh(grid),
    )


#: 2023 complete (the base, from the meter data), 2024 complete, 2025 January to June.
HISTORY = [
    _tally(2023, 12, 1000.0, 100.0, matched=10.0, load=100.0, grid=30.0),
    _tally(2024, 12, 950.0, 130.0, matched=26.0, load=130.0, grid=39.0),
    _tally(2025, 6, 500.0, 70.0, matched=14.0, load=70.0, grid=None),
]
TARGET = Targets(base_year=2023, target_year=2027, reduction_pct=40.0)


def test_linear_path_by_hand() -> None:
    base = Q(1000.0, "t CO2e")
    # 1000 · (1 − 0.4 · k/4): 1000, 900, 800, 700, 600, then held at 600
    expected = {2023: 1000.0, 2024: 900.0, 2025: 800.0, 2026: 700.0, 2027: 600.0, 2029: 600.0}
    for year, tonnes in expected.items():
        got = linear_path(base, 0.4, 2023, 2027, year).to("t CO2e").magnitude
        assert float(got) == pytest.approx(tonnes)
    with pytest.raises(UnitError):
        linear_path(Q(1000.0, "kWh"), 0.4, 2023, 2027, 2024)
    with pytest.raises(ValueError, match="precedes"):
        linear_path(base, 0.4, 2023, 2027, 2022)


def test_trajectory_path_and_verdicts_by_hand() -> None:
    block = tracker(TARGET, HISTORY)
    assert block["available"] is True
    assert block["base_year"]["source"] == "meter data"
    assert block["base_year"]["location_kgco2e"] == pytest.approx(1_000_000.0)
    assert block["target_kgco2e"] == pytest.approx(600_000.0)
    assert block["annual_reduction_kgco2e"] == pytest.approx(100_000.0)
    assert [p["year"] for p in block["path"]] == [2023, 2024, 2025, 2026, 2027]
    assert [p["kgco2e"] for p in block["path"]] == pytest.approx([1e6, 9e5, 8e5, 7e5, 6e5])
    base, y2024, y2025 = block["years"]
    assert base["on_path"] is None and base["change_vs_base"] == 0.0
    # 2024: 950 t against a path of 900 t: 5 % below the base, above the path
    assert y2024["path_kgco2e"] == pytest.approx(900_000.0)
    assert y2024["change_vs_base"] == pytest.approx(-0.05)
    assert y2024["on_path"] is False
    assert y2024["hourly_matched_share"] == pytest.approx(26 / 130)
    assert y2024["low_carbon_share"] == pytest.approx((26 + 39) / 130)
    # 2025 is partial: no verdict; annualised 500 t · 8760 / 4344 h
    assert y2025["complete"] is False and y2025["on_path"] is None
    assert "change_vs_base" not in y2025
    assert y2025["annualised_location_kgco2e"] == pytest.approx(500_000.0 * 8760 / 4344)
    assert y2025["low_carbon_share"] is None  # no grid carbon-free share for those months
    assert y2025["hourly_matched_share"] == pytest.approx(0.2)


def test_rapid_growth_by_hand() -> None:
    growth = tracker(TARGET, HISTORY)["rapid_growth"]
    latest = 70.0 * 8760 / 4344  # GWh, 2025 annualised
    expected = math.sqrt(latest / 100.0) - 1.0  # two years from 2023: ≈ 18.8 %/yr
    assert growth["growth_per_year"] == pytest.approx(expected)
    assert growth["rapid"] is True and growth["provisional"] is True
    assert growth["latest_electricity_kwh"] == pytest.approx(latest * 1e6)
    # complete years only: 2024 against 2023, 30 % > 10 %; with a 40 % threshold, not rapid
    slow = Targets(
        base_year=2023, target_year=2027, reduction_pct=40.0, rapid_growth_threshold_pct=40
    )
    g = tracker(slow, HISTORY[:2])["rapid_growth"]
    assert g["growth_per_year"] == pytest.approx(0.30)
    assert g["rapid"] is False and g["provisional"] is False


def test_a_declared_base_year_replaces_the_data_of_that_year() -> None:
    declared = Targets(
        base_year=2023,
        target_year=2027,
        reduction_pct=40.0,
        base_year_location="1200 t CO2e",
        base_year_electricity="0.11 TWh",
        source="2023 inventory",
    )
    block = tracker(declared, HISTORY)
    first = block["years"][0]
    assert first["source"] == "declared" and first["months"] == []
    assert first["location_kgco2e"] == pytest.approx(1_200_000.0)
    assert block["base_year"]["source"] == "2023 inventory"
    assert block["years"][1]["path_kgco2e"] == pytest.approx(1_200_000.0 * (1 - 0.4 / 4))
    assert block["rapid_growth"]["base_electricity_kwh"] == pytest.approx(110e6)


def test_without_base_year_figures_the_tracker_says_why() -> None:
    late = Targets(base_year=2025, target_year=2030, reduction_pct=30.0)
    block = tracker(late, HISTORY)  # 2025 has 6 of 12 months
    assert block["available"] is False
    assert "targets.base_year_location" in block["reason"] and "6 of the 12" in block["reason"]


def test_year_tally_adds_months_and_keeps_unknown_shares_unknown() -> None:
    a = _tally(2025, 6, 100.0, 10.0, matched=1.0, load=10.0, grid=2.0)
    b = _tally(2025, 6, 50.0, 5.0, matched=1.0, load=5.0, grid=None)
    both = year_tally(2025, [a, b])
    assert float(both.location.to("t CO2e").magnitude) == pytest.approx(150.0)
    assert float(both.matched.to("GWh").magnitude) == pytest.approx(2.0)
    assert both.grid_low_carbon is None
    with pytest.raises(ValueError, match="outside"):
        year_tally(2024, [a])


def test_month_tally_matches_the_reported_month(demo_july) -> None:
    outcome, results = demo_july
    tally = month_tally(outcome)
    assert tally.months == ("2025-07",) and tally.hours == 744.0
    kg = float(tally.location.to("kg CO2e").magnitude)
    assert kg == pytest.approx(results["scope2_location_kgco2e"]["total"], rel=1e-12)
    kwh = float(tally.electricity.to("kWh").magnitude)
    assert kwh == pytest.approx(results["energy_kwh"]["total"], rel=1e-12)
    load = float(tally.matching_load.to("kWh").magnitude)
    matched = float(tally.matched.to("kWh").magnitude)
    assert matched / load == pytest.approx(results["matching"]["hourly_match"], rel=1e-12)
    # the demo's grid gives no hourly carbon-free share: the month's declared share c applies,
    # c · (Σ L − Σ min(L, G))
    c = next(r.share for r in outcome.site.grid_carbon_free if r.period == "2025-07")
    grid = float(tally.grid_low_carbon.to("kWh").magnitude)
    assert grid == pytest.approx(c * (load - matched), rel=1e-12)
