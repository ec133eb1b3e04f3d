"""Market-based Scope 2 under both editions, on the worked example of docs/methodology.md §2
and small variations of it; every expected value is computed by hand in the docstring."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from carbon.accounting.editions import EDITIONS, EDITIONS_BY_KEY
from carbon.accounting.market import market_based
from carbon.accounting.scope2_editions import market_by_edition
from carbon.core.errors import ConfigError
from carbon.core.units import ureg
from carbon.site.standard_supply import StandardSupply
from tests.accounting.test_market import (
    CONTEXT,
    EF_RES,
    HOURS,
    RTOL,
    SOLAR,
    load_of,
    rec,
    series,
    solar_ppa,
)

BASE, DRAFT = "ghgp-s2-2015", "ghgp-s2-2025-draft"
FLAT_LB = series(np.full(24, 0.4), "kg CO2e/kWh")


def _editions(load, instruments, *, lb=FLAT_LB, cfe=None, supply=(), **market_kw):
    market = market_based(load, instruments, CONTEXT, **market_kw)
    return market, market_by_edition(
        market, instruments, location_rate=lb, grid_cfe_share=cfe, standard_supply=supply
    )


def _supply(clean: str = "250 MWh", sales: str = "1000 MWh", **kw) -> StandardSupply:
    data = {
        "utility": "Example Power & Light",
        "programme": "state RPS",
        "clean_energy": clean,
        "retail_sales": sales,
        "data_year": 2024,
        "applies_from": date(2025, 6, 1),
        "applies_to": date(2025, 6, 2),
        "source": "utility disclosure label 2024",
    }
    data.update(kw)
    return StandardSupply.model_validate(data)


def test_the_edition_list_is_data_and_names_the_status() -> None:
    assert [e.key for e in EDITIONS] == [BASE, DRAFT]
    assert EDITIONS_BY_KEY[BASE].status == "in force"
    assert EDITIONS_BY_KEY[DRAFT].status == "proposal, consultation Oct 2025 – Jan 2026"
    assert EDITIONS_BY_KEY[DRAFT].exemption_thresholds_gwh == (5.0, 10.0, 50.0)
    assert "grid_average" not in EDITIONS_BY_KEY[DRAFT].residual_fallbacks


def test_worked_example_under_both_editions() -> None:
    """10 MWh/h for 24 h = 240 MWh; solar 30 MWh/h for 8 h = 240 MWh; EF_res 0.5 t/MWh.
    2015: matched min(240, 240) = 240 MWh, 0 t. Draft: matched 8 × 10 = 80 MWh, 160 MWh
    uncovered × 0.5 = 80 t, the hourly-matching figure of the same market result."""
    market, by = _editions(load_of(ai=10.0), [solar_ppa()], residual_factor=EF_RES)
    base, draft = by[BASE], by[DRAFT]
    assert base.matched_kwh == pytest.approx(240_000.0, rel=RTOL)
    assert base.total_kgco2e == pytest.approx(0.0, abs=1e-6)
    assert base.total_kgco2e == market.total_annual_kgco2e
    assert draft.matched_kwh == pytest.approx(80_000.0, rel=RTOL)
    assert draft.residual_kwh == pytest.approx(160_000.0, rel=RTOL)
    assert draft.total_kgco2e == pytest.approx(80_000.0, rel=RTOL)
    assert draft.total_kgco2e == pytest.approx(market.total_hourly_kgco2e, rel=RTOL)
    # the hours whose rate the residual mix gives (all 24), the load it priced (16 hours)
    assert draft.residual_sources == {
        "residual_mix": {"kwh": pytest.approx(160_000.0), "hours": 24}
    }
    summary = draft.summary()
    assert summary["status"].startswith("proposal")
    assert summary["load_tiers"]["interval_meter"]["hours"] == 24
    assert summary["generation_tiers"]["certificates_with_hourly_production"]["instruments"] == [
        "ppa-sun"
    ]


def test_standard_supply_claim_comes_first() -> None:
    """Share 250/1000 = 0.25: claim 0.25 × 240 = 60 MWh; the rest 7.5 MWh/h; solar covers
    8 × 7.5 = 60 MWh; 16 × 7.5 = 120 MWh uncovered × 0.5 = 60 t."""
    _, by = _editions(load_of(ai=10.0), [solar_ppa()], supply=[_supply()], residual_factor=EF_RES)
    draft = by[DRAFT]
    assert draft.standard_supply_kwh == pytest.approx(60_000.0, rel=RTOL)
    assert draft.matched_kwh == pytest.approx(60_000.0, rel=RTOL)
    assert draft.residual_kwh == pytest.approx(120_000.0, rel=RTOL)
    assert draft.total_kgco2e == pytest.approx(60_000.0, rel=RTOL)
    (row,) = draft.standard_supply["rows"]
    assert row["share"] == 0.25 and row["hours"] == 24
    assert by[BASE].standard_supply_kwh == 0.0  # no such rule in 2015


def test_fallback_is_fossil_only_then_conservative_never_the_grid_average() -> None:
    """12 MWh/h (288 MWh), solar 240 MWh, no residual mix; location-based rate 0.3 kg/kWh in
    the 8 solar hours, 0.45 otherwise; c_h = 0.4 off-solar.
    2015: 48 MWh uncovered × load-weighted grid average (8·0.3 + 16·0.45)/24 = 0.4 → 19.2 t.
    Draft: 16 × 12 = 192 MWh uncovered × 0.45/(1 − 0.4) = 0.75 → 144 t; without c_h the
    conservative rate, the highest hourly rate 0.45 → 86.4 t."""
    lb = series(np.where(SOLAR > 0, 0.3, 0.45), "kg CO2e/kWh")
    cfe = series(np.where(SOLAR > 0, 0.0, 0.4), "dimensionless")
    load = load_of(ai=12.0)
    _, by = _editions(load, [solar_ppa()], lb=lb, cfe=cfe, grid_average=lb)
    assert by[BASE].total_kgco2e == pytest.approx(19_200.0, rel=RTOL)
    assert by[BASE].residual_sources["grid_average"]["hours"] == 24
    assert by[DRAFT].total_kgco2e == pytest.approx(144_000.0, rel=RTOL)
    assert set(by[DRAFT].residual_sources) == {"fossil_only"}
    _, by = _editions(load, [solar_ppa()], lb=lb, cfe=None, grid_average=lb)
    assert by[DRAFT].total_kgco2e == pytest.approx(86_400.0, rel=RTOL)
    assert by[DRAFT].residual_fallback_rates["conservative"] == pytest.approx(450.0)
    assert any("conservative rate" in a for a in by[DRAFT].assumptions)


def test_a_certificate_without_hourly_data_counts_only_under_2015() -> None:
    """100 MWh of wind certificates without a profile, 10 MWh/h: 2015 matches 100 MWh
    (140 × 0.5 = 70 t); the draft counts none (240 × 0.5 = 120 t)."""
    _, by = _editions(load_of(mining=10.0), [rec()], residual_factor=EF_RES)
    assert by[BASE].matched_kwh == pytest.approx(100_000.0, rel=RTOL)
    assert by[BASE].total_kgco2e == pytest.approx(70_000.0, rel=RTOL)
    assert by[DRAFT].matched_kwh == 0.0
    assert by[DRAFT].total_kgco2e == pytest.approx(120_000.0, rel=RTOL)
    assert by[DRAFT].generation_tiers["not_counted"]["instruments"] == ["rec-1"]


@pytest.mark.parametrize(
    ("mwh_per_hour", "exempt"),
    [(0.5, [True, True, True]), (1.0, [False, True, True]), (10.0, [False, False, False])],
)
def test_exemption_thresholds(mwh_per_hour: float, exempt: list[bool]) -> None:
    """Annualised: 0.5 MWh/h × 8,760 = 4.38 GWh; 1 → 8.76 GWh; 10 → 87.6 GWh."""
    _, by = _editions(load_of(ai=mwh_per_hour), [], residual_factor=EF_RES)
    block = by[DRAFT].exemption
    assert block["annual_consumption_gwh"] == pytest.approx(mwh_per_hour * 8.76, rel=RTOL)
    assert [t["exempt"] for t in block["thresholds"]] == exempt
    assert by[BASE].exemption is None


def test_two_supply_rows_for_one_day_are_refused() -> None:
    market = market_based(load_of(ai=10.0), [], CONTEXT, residual_factor=EF_RES)
    with pytest.raises(ConfigError, match="both apply to 2025-06-01"):
        market_by_edition(
            market, [], location_rate=FLAT_LB, standard_supply=[_supply(), _supply(utility="B")]
        )


def test_standard_supply_rows_are_checked() -> None:
    with pytest.raises(ValueError, match="exceeds retail_sales"):
        _supply(clean="2000 MWh")
    with pytest.raises(ValueError, match="not convertible to MWh"):
        _supply(clean="25 kg")
    assert _supply(clean="0.25 TWh", sales="1 TWh").share == pytest.approx(0.25)
    assert ureg.Quantity(1, "TWh").to("MWh").magnitude == 1e6
    assert len(HOURS) == 24
