"""The demo shows both editions: results.json, the section's context and the gap."""

from __future__ import annotations

import pytest

from carbon.report.editions_context import editions_context
from carbon.report.sections import numbered_sections
from carbon.site.standard_supply import StandardSupply


def test_demo_results_carry_both_editions(demo_july) -> None:
    outcome, results = demo_july
    by = results["scope2_market_by_edition"]
    assert list(by) == ["ghgp-s2-2015", "ghgp-s2-2025-draft"]
    assert by["ghgp-s2-2015"]["total_kgco2e"] == results["scope2_market_kgco2e"]["total"]
    # the demo's synthetic standard supply: 1,150,000 ÷ 9,800,000 of every hour's load
    (row,) = outcome.site.standard_supply
    assert isinstance(row, StandardSupply)
    load = results["energy_kwh"]["total"]
    claim = by["ghgp-s2-2025-draft"]["standard_supply_kwh"]
    assert claim == pytest.approx(load * 1_150_000 / 9_800_000, rel=1e-9)
    # the wind certificates have no hourly data: counted in 2015, not in the draft
    tiers = by["ghgp-s2-2025-draft"]["generation_tiers"]
    assert tiers["not_counted"]["instruments"] == ["rec-wind-2025-07"]
    assert tiers["not_counted"]["kwh"] == pytest.approx(6_000_000.0)


def test_the_gap_adds_up_and_the_section_is_in_the_body(demo_july) -> None:
    _, results = demo_july
    context = editions_context(results)
    assert context["base_equals_reported"] is True
    *parts, total = context["gap"]
    by = results["scope2_market_by_edition"]
    difference_t = (
        by["ghgp-s2-2025-draft"]["total_kgco2e"] - by["ghgp-s2-2015"]["total_kgco2e"]
    ) / 1000
    assert total["t"] == pytest.approx(difference_t, rel=1e-9)
    assert sum(p["t"] for p in parts) == pytest.approx(difference_t, rel=1e-9)
    # hourly matching loses the wind certificates' MWh and solar surplus hours: an increase;
    # the standard supply claim lowers it
    assert parts[0]["t"] > 0 and parts[1]["t"] < 0
    sections = {s["id"]: s for s in numbered_sections(results, ("core",))}
    assert not sections["editions"]["appendix"]
    assert sections["editions"]["number"] == sections["scopes"]["number"] + 1
    assert editions_context({}) is None
