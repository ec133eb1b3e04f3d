"""'What changed' section: sign-aware wording, presence only with a baseline, deterministic SVG."""

from __future__ import annotations

from carbon.report.pivot_charts import trend_svg, waterfall_svg
from carbon.report.pivot_context import basis_sentences, changed_context


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


def test_wording_follows_the_sign():
    head, detail = basis_sentences(
        "location", block(10_000.0, 8_000.0, EFFECTS_DOWN), "2025-05", "2025-07"
    )
    assert head.startswith("Location-based Scope 2 fell by 2.0 t CO2e (−20.0 %)")
    assert "from 10.0 t CO2e in 2025-05 to 8.0 t CO2e in 2025-07" in head
    # ranked by size; a negative effect "lowered", a positive one "raised"; 10 kg is negligible
    assert detail.index("activity") < detail.index("structure")
    assert "activity (total IT energy) lowered emissions by 3.0 t CO2e" in detail
    assert "structure (the mix of mining and AI in IT energy) raised emissions by 1.0 t" in detail
    assert "left emissions about unchanged" in detail
    rose, _ = basis_sentences(
        "market", block(8_000.0, 10_000.0, EFFECTS_DOWN), "2025-05", "2025-07"
    )
    assert rose.startswith("Market-based Scope 2 rose by 2.0 t CO2e (+25.0 %)")
    same, _ = basis_sentences("market", block(8_000.0, 8_010.0, EFFECTS_DOWN), "a", "b")
    assert "about unchanged" in same


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
    first = trend_svg(trend, {"2025-06": "HALL-D → AI hosting"})
    assert first == trend_svg(trend, {"2025-06": "HALL-D → AI hosting"})
    assert first.startswith("<?xml")
