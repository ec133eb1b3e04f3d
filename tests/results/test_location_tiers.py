"""Location-based factor tiers (docs/methodology.md §1.2): an hourly source with holes, a
5-minute source chained after it, and the eGRID subregion rate behind both, against a hand
computation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from carbon.analysis.period import run_period
from carbon.core.period import month
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.results.document import ReportMeta, build_results
from tests.conftest import flat_grid, long_frame, tiny_site

JANUARY = pd.date_range("2025-01-01", periods=744, freq="h")
FIVE = pd.Timedelta(minutes=5)


_grid = flat_grid


@pytest.fixture(scope="module")
def tiered():
    """15-minute meters, 38.4 kWh per hour in total (3.2 kWh per 5 minutes).

    Hourly source A (400 g/kWh) covers hours 0-719, flags hours 10-12 missing and has no row
    for hour 20. Five-minute source B (200 g/kWh) covers hours 0-699 and flags the first half
    of hour 11 missing. So, on the 5-minute common grid: A prices 716 hours; B hours 10, 12,
    20 and the second half of hour 11 (42 five-minute intervals); the eGRID subregion rate
    the first half of hour 11 and hours 720-743 (6 + 288 intervals)."""
    site = tiny_site()
    n = 31 * 96
    readings = long_frame(
        {"REV": [9.6] * n, "M": [4.0] * n, "A": [3.0] * n, "X": [2.0] * n, "COOL": [0.5] * n}
    )
    cube = build_cube(
        [read_long_frame(readings, source="m.csv", sha256="11" * 32)], [m.id for m in site.meters]
    )
    a = _grid("a.csv", JANUARY[:720].delete(20), 400.0, np.arange(10, 13), "1h")
    fives = pd.date_range("2025-01-01", periods=700 * 12, freq=FIVE)
    b = _grid("b.csv", fives, 200.0, np.arange(11 * 12, 11 * 12 + 6), "5min")
    outcome = run_period(site, cube, a, month("2025-01", "UTC"), more_grids=[b])
    return outcome, build_results(outcome, ReportMeta("t", 1, "draft", date(2025, 2, 1)))


def _tiers(results: dict) -> dict[str, dict]:
    return {row["tier"]: row for row in results["scope2_location_tiers"]["tiers"]}


def test_tiers_are_listed_in_order_with_what_each_priced(tiered) -> None:
    outcome, results = tiered
    block = results["scope2_location_tiers"]
    assert [r["tier"] for r in block["tiers"]] == [
        "hourly",
        "sub_hourly",
        "regional_annual",
        "national_annual",
    ]
    assert block["interval"] == "5-minute" and block["intervals"] == 744 * 12
    tiers = _tiers(results)
    sub = float(outcome.location_factors.subregion.rate.to("g CO2e/kWh").magnitude)
    assert tiers["hourly"]["intervals"] == 716 * 12
    assert tiers["sub_hourly"]["intervals"] == 42
    assert tiers["regional_annual"]["intervals"] == 6 + 288
    assert tiers["national_annual"]["intervals"] == 0
    assert tiers["hourly"]["mwh"] == pytest.approx(716 * 0.0384)
    assert tiers["sub_hourly"]["mwh"] == pytest.approx(42 * 0.0032)
    assert tiers["regional_annual"]["mwh"] == pytest.approx(294 * 0.0032)
    assert tiers["hourly"]["kgco2e"] == pytest.approx(716 * 38.4 * 0.4)
    assert tiers["sub_hourly"]["kgco2e"] == pytest.approx(42 * 3.2 * 0.2)
    assert tiers["regional_annual"]["kgco2e"] == pytest.approx(294 * 3.2 * sub / 1000)
    assert tiers["sub_hourly"]["first_interval"] == "2025-01-01T10:00:00Z"
    assert tiers["regional_annual"]["sources"][0]["factor_id"].startswith("egrid")
    assert tiers["sub_hourly"]["sources"][0]["path"] == "b.csv"


def test_tiers_sum_to_the_period_energy_and_the_location_based_total(tiered) -> None:
    outcome, results = tiered
    rows = results["scope2_location_tiers"]["tiers"]
    sub = float(outcome.location_factors.subregion.rate.to("g CO2e/kWh").magnitude)
    expected_kg = 38.4 * (716 * 400.0 + 3.5 * 200.0 + 24.5 * sub) / 1000.0
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(expected_kg, rel=1e-9)
    assert sum(r["kgco2e"] for r in rows) == pytest.approx(expected_kg, rel=1e-9)
    assert sum(r["mwh"] for r in rows) == pytest.approx(744 * 0.0384, rel=1e-12)
    assert sum(r["mwh"] for r in rows) == pytest.approx(
        results["energy_kwh"]["total"] / 1000.0, rel=1e-12
    )


def test_reasons_count_why_each_finer_tier_was_not_used(tiered) -> None:
    _, results = tiered
    tiers = _tiers(results)
    assert tiers["hourly"]["reasons"] == []

    def counts(tier: str) -> dict[tuple[str, str], int]:
        return {(r["finer_tier"], r["reason"]): r["intervals"] for r in tiers[tier]["reasons"]}

    # hours 10, 12 and the second half of 11 flagged missing in A, hour 20 has no row in A
    assert counts("sub_hourly") == {("hourly", "flagged_missing"): 30, ("hourly", "no_row"): 12}
    assert counts("regional_annual") == {
        ("hourly", "flagged_missing"): 6,
        ("hourly", "outside_span"): 288,
        ("sub_hourly", "flagged_missing"): 6,
        ("sub_hourly", "outside_span"): 288,
    }
    first = {
        (r["finer_tier"], r["reason"]): r["first_interval"] for r in tiers["sub_hourly"]["reasons"]
    }
    assert first[("hourly", "no_row")] == "2025-01-01T20:00:00Z"
    missing = [r for r in tiers["regional_annual"]["reasons"] if r["reason"] == "flagged_missing"]
    assert {r["first_interval"] for r in missing} == {"2025-01-01T11:00:00Z"}
    assert tiers["national_annual"]["available"] is True  # ERCT: the eGRID US rate exists
