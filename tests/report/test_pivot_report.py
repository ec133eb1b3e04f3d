"""'What changed' section: presence only with a baseline; the pivot charts are deterministic."""

from __future__ import annotations

from carbon.report.pivot_charts import trend_svg, waterfall_svg
from carbon.report.pivot_context import changed_context


def block(baseline_kg: float, period_kg: float, effects_kg: dict[str, float]) -> dict:
    return {
        "baseline_kgco2e": baseline_kg,
        "period_kgco2e": period_kg,
        "delta_kgco2e": period_kg - baseline_kg,
        "effects": effects_kg,
        "zero_limits": {},
        "multiplicative": None,
    }


EFFECTS_DOWN = {
    "activity": -3000.0,
    "structure": 1000.0,
    "intensity": 10.0,
    "carbon_intensity": -10.0,
}


def test_no_section_without_a_baseline():
    assert changed_context({}, intensity=None, power_by_workload=None, timezone="UTC") is None


def test_charts_are_deterministic():
    decomposition = {
        "location": block(10_000.0, 8_000.0, EFFECTS_DOWN),
        "market": block(9_000.0, 7_000.0, EFFECTS_DOWN),
    }
    assert waterfall_svg(decomposition, "2025-05", "2025-07") == waterfall_svg(
        decomposition, "2025-05", "2025-07"
    )
    row = {
        "energy_kwh": {"mining": 1000.0, "ai": 500.0},
        "scope2_location_kgco2e": {"mining": 400.0, "ai": 200.0},
        "scope2_market_kgco2e": {"mining": 300.0, "ai": 100.0},
    }
    trend = {"months": [{"period": "2025-05", **row}, {"period": "2025-06", **row}]}
    conversions = [{"meter": "HALL-D", "at": "2025-06-14T12:00:00-05:00", "to": "ai"}]
    first = trend_svg(trend, conversions)
    assert first == trend_svg(trend, conversions)
    assert first.startswith("<?xml")
    assert first != trend_svg(trend, [])  # the conversion is marked
