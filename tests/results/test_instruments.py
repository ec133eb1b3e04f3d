"""The instrument register of results.json (carbon.results.instruments), on the demo."""

from __future__ import annotations

import pytest


def _rows(results: dict) -> dict[str, dict]:
    return {r["instrument_id"]: r for r in results["market_based"]["register"]}


def test_a_certificate_is_traced_by_registry_serials_vintage_and_retirement(demo_july) -> None:
    rec = _rows(demo_july[1])["rec-wind-2025-07"]
    assert rec["registry"] == "ERCOT REC program (synthetic)"
    assert (rec["serial_start"], rec["serial_end"]) == (
        "DEMO-WND-2025-000001",
        "DEMO-WND-2025-006000",
    )
    assert rec["serial_count"] == 6000 == rec["volume_mwh"]
    assert (rec["vintage_start"], rec["vintage_end"]) == ("2025-06-01", "2025-07-31")
    assert rec["retirement_date"] == "2025-08-20" and rec["beneficiary"]
    assert rec["surplus_annual_mwh"] == pytest.approx(rec["available_mwh"] - rec["used_annual_mwh"])


def test_the_residual_mix_states_its_rate_and_the_load_it_covers(demo_july) -> None:
    results = demo_july[1]
    mix = _rows(results)["residual-ercot-synthetic"]
    coverage = results["market_based"]["coverage_mwh"]
    assert mix["covered_annual_mwh"] == pytest.approx(coverage["annual"]["residual_mix"])
    assert mix["covered_hourly_mwh"] == pytest.approx(coverage["hourly"]["residual_mix"])
    assert mix["covered_annual_mwh"] > 40_000
    assert mix["rate_gco2e_per_kwh"] == pytest.approx(1.06 * 334.129, rel=1e-3)
    assert mix["surplus_annual_mwh"] is None


def test_an_excluded_instrument_names_the_criterion_it_fails(demo_july) -> None:
    vppa = _rows(demo_july[1])["vppa-wind-sold-recs"]
    assert vppa["status"] == "excluded" and vppa["volume_mwh"] == 4000.0
    (failed,) = vppa["criteria_failed"]
    assert failed["criterion"] == 7 and "not retained" in failed["reason"]
