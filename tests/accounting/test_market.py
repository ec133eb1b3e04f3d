"""Market-based Scope 2: instruments, quality criteria, serials, allocation, matching.

Worked example: METHODOLOGY section 2 (one day, flat 10 MW AI load, 30 MW x 8 h solar PPA,
grid CFE 40 % off-solar, EF_res 0.5 t/MWh). Its results are exact integers or thirds, so
tolerances are 1e-9 relative (float round-off only).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from pydantic import ValidationError

from carbon.accounting.allocation import allocate
from carbon.accounting.claims import ClaimContext, VintageRule, check_quality
from carbon.accounting.market import GRID_AVERAGE_FLAG, market_based
from carbon.accounting.matching import (
    METRICS,
    annual_matching_emissions,
    hourly_matching_emissions,
    matching_metrics,
)
from carbon.accounting.serials import SerialUse, check_serials, serial_uses
from carbon.core.errors import (
    AllocationError,
    ConfigError,
    InputDataError,
    SerialOverlapError,
    UnitError,
)
from carbon.core.units import ureg
from carbon.site.instruments import (
    Certificate,
    GreenTariff,
    PowerPurchaseAgreement,
    ResidualMix,
    SupplierFactor,
)
from carbon.site.instruments_csv import CSV_COLUMNS, read_instruments_csv

DOCS = Path(__file__).resolve().parents[2] / "docs" / "market-based.md"
HOURS = pd.date_range("2025-06-01", periods=24, freq="h")
DAY_START, DAY_END = "2025-06-01T00:00:00+00:00", "2025-06-02T00:00:00+00:00"
SOLAR = np.where((HOURS.hour >= 8) & (HOURS.hour < 16), 30.0, 0.0)  # MWh per hour
CONTEXT = ClaimContext(reporter="Acme Compute", site_id="pecos", market_boundary="ERCOT")
EF_RES = ureg.Quantity(0.5, "t CO2e/MWh")
RTOL = 1e-9


def series(values: Any, unit: str, hours: pd.DatetimeIndex = HOURS) -> xr.DataArray:
    return xr.DataArray(
        np.asarray(values, float), dims="time", coords={"time": hours}
    ).pint.quantify(unit, unit_registry=ureg)


def load_of(unit: str = "MWh", **workloads: Any) -> xr.DataArray:
    names = list(workloads)
    values = np.array(
        [np.broadcast_to(np.asarray(workloads[w], float), HOURS.shape) for w in names]
    )
    return xr.DataArray(
        values, dims=("workload", "time"), coords={"workload": names, "time": HOURS}
    ).pint.quantify(unit, unit_registry=ureg)


def contract_fields(**overrides: Any) -> dict[str, Any]:
    data = {
        "market_boundary": "ERCOT",
        "consumption_start": DAY_START,
        "consumption_end": DAY_END,
        "site_id": "pecos",
        "beneficiary": "Acme Compute",
        "location": "Pecos County, TX",
        "commissioning_date": "2024-03-01",
        "retirement_date": "2025-07-15",
    }
    data.update(overrides)
    return data


def solar_ppa(**overrides: Any) -> PowerPurchaseAgreement:
    data = contract_fields(
        id="ppa-sun",
        generator_id="SOL-7",
        technology="solar",
        profile=series(SOLAR, "MWh"),
        ppa_type="physical",
        certificates_retained=True,
    )
    data.update(overrides)
    return PowerPurchaseAgreement.model_validate(data)


def rec(**overrides: Any) -> Certificate:
    data = contract_fields(
        id="rec-1",
        generator_id="WND-42",
        technology="wind",
        generation_start="2025-05-01",
        generation_end="2025-05-31",
        volume=ureg.Quantity(100, "MWh"),
        registry="ERCOT REC",
        serial_start="TX-WND-2025-000001",
        serial_end="TX-WND-2025-000100",
    )
    data.update(overrides)
    return Certificate.model_validate(data)


def cfe_share() -> xr.DataArray:
    return series(np.where(SOLAR > 0, 0.0, 0.4), "dimensionless")


def kg(da: xr.DataArray) -> float:
    return float(da.sum().pint.to("kg CO2e").pint.magnitude)


# --------------------------------------------------------------------------- worked example


def test_worked_example_section_2_reproduced_exactly() -> None:
    result = market_based(
        load_of(ai=10.0), [solar_ppa()], CONTEXT, residual_factor=EF_RES, grid_cfe_share=cfe_share()
    )
    m = result.metrics
    # Annual-style matching: 100 % matched, MB = 0 t.
    assert m.annual_match == 1.0
    assert result.total_annual_kgco2e == 0.0
    # Hourly matching: 80 MWh matched (160 MWh stranded), M_hr = 33 %, MB = 160 x 0.5 = 80 t.
    assert m.hourly_matched_mwh == pytest.approx(80.0, rel=RTOL)
    assert m.hourly_matched_share == pytest.approx(1 / 3, rel=RTOL)
    assert round(100 * m.hourly_matched_share) == 33
    assert result.total_hourly_kgco2e == pytest.approx(80_000.0, rel=RTOL)
    (ppa,) = result.register
    assert ppa.hourly_available_mwh - ppa.used_hourly_mwh == pytest.approx(160.0, rel=RTOL)
    # Google CFE% = (80 + 0.4 x 160) / 240 = 60 %.
    assert m.cfe_share == pytest.approx(0.60, rel=RTOL)
    # Per workload equals the boundary here (one workload).
    assert kg(result.hourly) == pytest.approx(80_000.0, rel=RTOL)
    assert kg(result.annual) == 0.0
    assert result.coverage_mwh["hourly"]["ppa"] == pytest.approx(80.0, rel=RTOL)
    assert result.coverage_mwh["hourly"]["residual_mix"] == pytest.approx(160.0, rel=RTOL)
    assert result.coverage_mwh["annual"]["ppa"] == pytest.approx(240.0, rel=RTOL)
    assert result.notes == ()


def test_worked_example_with_the_formula_functions() -> None:
    load, gen = series(np.full(24, 10.0), "MWh"), series(SOLAR, "MWh")
    assert float(annual_matching_emissions(load, gen, EF_RES).to("t CO2e").magnitude) == 0.0
    hourly = hourly_matching_emissions(load, gen, EF_RES)
    assert float(hourly.sum().pint.to("t CO2e").pint.magnitude) == pytest.approx(80.0, rel=RTOL)
    m = matching_metrics(load, gen, cfe_share())
    assert (m.annual_match, m.hourly_matched_share, m.cfe_share) == pytest.approx(
        (1.0, 1 / 3, 0.6), rel=RTOL
    )


def test_miner_in_the_solar_hours_scores_100_percent_on_both_bases() -> None:
    result = market_based(
        load_of(mining=SOLAR),
        [solar_ppa()],
        CONTEXT,
        residual_factor=EF_RES,
        grid_cfe_share=cfe_share(),
    )
    m = result.metrics
    assert (m.annual_match, m.hourly_matched_share, m.cfe_share) == (1.0, 1.0, 1.0)
    assert result.total_annual_kgco2e == 0.0
    assert result.total_hourly_kgco2e == 0.0


def test_metric_labels_are_methodology_section_2s() -> None:
    labels = {m.key: (m.label, m.includes_grid_cfe) for m in METRICS}
    assert labels == {
        "annual_match": ("Annual match", False),
        "hourly_matched_share": ("Hourly matched share (EnergyTag-style)", False),
        "cfe_share": ("Google CFE%", True),
    }
    assert "CFE% includes grid CFE" in DOCS.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- allocation


def test_pro_rata_allocation_follows_hourly_load_and_adds_up() -> None:
    load = load_of(ai=10.0, mining=SOLAR)
    result = market_based(load, [solar_ppa()], CONTEXT, residual_factor=EF_RES)
    (ppa,) = result.register
    # Solar hours: AI 10 of 40 MW, mining 30 of 40: AI gets 7.5 MWh x 8 h, mining 22.5 x 8.
    assert ppa.allocated_mwh == pytest.approx({"ai": 60.0, "mining": 180.0}, rel=RTOL)
    assert sum(ppa.allocated_mwh.values()) == pytest.approx(ppa.available_mwh, rel=RTOL)
    # Pro rata only: workloads add up to the boundary on both bases.
    assert result.workload_minus_total_kgco2e == pytest.approx({"hourly": 0, "annual": 0}, abs=1e-6)
    # Hourly: uncovered = 10 MWh x 8 h + 10 MWh x 16 h = 240 MWh -> 120 t.
    assert result.total_hourly_kgco2e == pytest.approx(120_000.0, rel=RTOL)
    by_workload = result.hourly.sum("time").pint.to("t CO2e").pint.magnitude
    # AI: 2.5 MWh x 8 h + 10 x 16 = 180 MWh -> 90 t; mining: 7.5 x 8 = 60 MWh -> 30 t.
    assert by_workload.tolist() == pytest.approx([90.0, 30.0], rel=RTOL)  # ai, mining


def test_designated_surplus_covers_other_workloads_in_the_same_hour() -> None:
    load = load_of(ai=10.0, mining=SOLAR)
    ppa = solar_ppa(profile=series(SOLAR * 4 / 3, "MWh"), designated_to="mining")  # 40 MW
    result = market_based(load, [ppa], CONTEXT, residual_factor=EF_RES)
    # Mining's own load first (8 h x 30 MW); the 10 MW it cannot use goes to AI in the same hours.
    assert result.register[0].allocated_mwh == pytest.approx({"ai": 80.0, "mining": 240.0})
    assert result.metrics_by_workload["mining"].hourly_matched_share == 1.0
    assert result.metrics_by_workload["ai"].hourly_matched_share == pytest.approx(1 / 3)
    # Boundary: solar hours L = 40 = G, so only AI's 16 dark hours are uncovered: 160 MWh -> 80 t.
    assert result.total_hourly_kgco2e == pytest.approx(80_000.0, rel=RTOL)
    # Workloads add up to the boundary (METHODOLOGY 1.1): AI's 160 uncovered MWh -> 80 t.
    assert kg(result.hourly) == pytest.approx(80_000.0, rel=RTOL)
    assert result.workload_minus_total_kgco2e["hourly"] == pytest.approx(0.0, abs=1e-6)


def test_allocate_keys_and_sums() -> None:
    gen = xr.concat([series(SOLAR, "MWh"), series(np.full(24, 2.0), "MWh")], "instrument")
    gen = gen.assign_coords(instrument=["sun", "flat"])
    load = load_of(ai=np.where(HOURS.hour < 12, 10.0, 0.0), mining=np.where(HOURS.hour < 6, 0, 5))
    for key in ("hourly", "annual"):
        out = allocate(gen, load, {"flat": "ai"}, key=key)
        assert out.dims == ("instrument", "workload", "time")
        sums = out.sum(("workload", "time")).pint.to("MWh").pint.magnitude
        assert sums.tolist() == pytest.approx([240.0, 48.0], rel=RTOL)
        flat_mining = out.sel(instrument="flat", workload="mining").sum().pint.to("MWh")
        to_mining = float(flat_mining.pint.magnitude)
        if key == "annual":
            assert to_mining == 0.0
        else:  # hours 12-23: AI has no load, so its designated 2 MWh/h meet mining's deficit
            assert to_mining == pytest.approx(24.0, rel=RTOL)
    annual = allocate(gen, load, key="annual").sel(instrument="sun").sum("time")
    # Period shares: ai 120 MWh, mining 90 MWh of 210.
    assert annual.pint.to("MWh").pint.magnitude.tolist() == pytest.approx(
        [240 * 120 / 210, 240 * 90 / 210], rel=RTOL
    )


def test_allocation_in_an_hour_without_load_uses_period_shares() -> None:
    gen = series(np.full(24, 1.0), "MWh").expand_dims(instrument=["x"])
    load = load_of(ai=np.where(HOURS.hour == 0, 0.0, 3.0), mining=np.where(HOURS.hour == 0, 0, 1))
    out = allocate(gen, load).sel(instrument="x", time=HOURS[0]).pint.to("MWh")
    assert out.pint.magnitude.tolist() == pytest.approx([0.75, 0.25], rel=RTOL)


def test_allocation_errors_name_the_instrument_and_choices() -> None:
    gen = series(np.full(24, 1.0), "MWh").expand_dims(instrument=["x"])
    with pytest.raises(ConfigError, match=r"'x' is designated to 'gpu'.*valid choices: ai, mining"):
        allocate(gen, load_of(ai=1.0, mining=1.0), {"x": "gpu"})
    with pytest.raises(AllocationError, match="'x': no load in the boundary"):
        allocate(gen, load_of(ai=0.0))


# --------------------------------------------------------------------------- quality criteria


def supplier(**overrides: Any) -> SupplierFactor:
    data = {
        "id": "sup",
        "market_boundary": "ERCOT",
        "consumption_start": DAY_START,
        "consumption_end": DAY_END,
        "site_id": "pecos",
        "supplier": "Pecos Power Co-op",
        "emission_rate": ureg.Quantity(700, "lb CO2e/MWh"),
        "delivered_basis": True,
        "net_of_sold_attributes": True,
    }
    data.update(overrides)
    return SupplierFactor.model_validate(data)


def residual_mix(**overrides: Any) -> ResidualMix:
    data = {
        "id": "rm",
        "market_boundary": "ERCOT",
        "consumption_start": DAY_START,
        "consumption_end": DAY_END,
        "emission_rate": ureg.Quantity(500, "g CO2e/kWh"),
        "adjusted_for_claims": True,
    }
    data.update(overrides)
    return ResidualMix.model_validate(data)


PRIOR = SerialUse(
    "rec-2024-h2",
    "odessa",
    pd.Timestamp("2024-07-01T00:00:00-05:00").to_pydatetime(),
    pd.Timestamp("2025-01-01T00:00:00-06:00").to_pydatetime(),
    rec().serials,
)

CRITERION_CASES = {
    1: (rec(technology="natural_gas"), (), "no emission rate for its natural_gas generation"),
    2: (rec(), (PRIOR,), "also applied by instrument 'rec-2024-h2' at site 'odessa'"),
    3: (rec(beneficiary="Someone Else"), (), "retired for 'Someone Else', not for the reporter"),
    4: (
        rec(generation_start="2023-01-01", generation_end="2023-12-31"),
        (),
        "generated 2023-01-01 – 2023-12-31, outside 2024-12-01 – 2025-09-01",
    ),
    5: (rec(market_boundary="PJM"), (), "market boundary 'PJM' differs from the site's 'ERCOT'"),
    6: (supplier(delivered_basis=False), (), "not computed on delivered electricity"),
    7: (solar_ppa(certificates_retained=False), (), "null power, its MWh take the residual mix"),
    8: (residual_mix(adjusted_for_claims=False), (), "not adjusted for claimed attributes"),
}


@pytest.mark.parametrize("criterion", sorted(CRITERION_CASES))
def test_each_quality_criterion_fails_once(criterion: int) -> None:
    instrument, prior, reason = CRITERION_CASES[criterion]
    result = check_quality(instrument, CONTEXT, prior_uses=prior)
    assert not result.passed
    assert [f.criterion for f in result.failures] == [criterion]
    assert criterion in result.checked
    assert reason in result.failures[0].reason
    assert str(result.failures[0]).startswith(f"criterion {criterion} (")


def test_valid_instruments_pass_the_criteria_that_apply() -> None:
    assert check_quality(rec(), CONTEXT).checked == (1, 2, 3, 4, 5)
    assert check_quality(solar_ppa(), CONTEXT).checked == (1, 2, 3, 4, 5, 7)
    assert check_quality(supplier(), CONTEXT).checked == (5, 6)
    assert check_quality(residual_mix(), CONTEXT).checked == (5, 8)
    for inst in (rec(), solar_ppa(), supplier(), residual_mix()):
        assert check_quality(inst, CONTEXT).passed, inst.id


def test_retirement_missing_and_vintage_rule_configurable() -> None:
    result = check_quality(rec(retirement_date=None), CONTEXT)
    assert [f.criterion for f in result.failures] == [3]
    old = rec(generation_start="2025-01-01", generation_end="2025-01-31")  # 4 months before June
    assert check_quality(old, CONTEXT).passed
    strict = VintageRule(months_before=0, months_after=0)
    assert [f.criterion for f in check_quality(old, CONTEXT, vintage_rule=strict).failures] == [4]


def test_excluded_instrument_keeps_its_reason_and_takes_no_mwh() -> None:
    bad = solar_ppa(id="vppa", ppa_type="virtual", certificates_retained=False)
    result = market_based(load_of(ai=10.0), [bad], CONTEXT, residual_factor=EF_RES)
    assert result.total_annual_kgco2e == pytest.approx(120_000.0, rel=RTOL)  # 240 MWh x 0.5
    assert result.total_hourly_kgco2e == pytest.approx(120_000.0, rel=RTOL)
    (excluded,) = result.excluded
    assert excluded.instrument_id == "vppa"
    assert excluded.reasons == (
        "criterion 7 (attribute claims to the reporter alone): the certificates of the virtual "
        "PPA were not retained for the reporter: null power, its MWh take the residual mix",
    )
    assert result.metrics.annual_match == 0.0


def test_instruments_elsewhere_are_not_applicable() -> None:
    other_site = rec(id="r-odessa", site_id="odessa")
    later = rec(
        id="r-later",
        serial_start="TX-WND-2025-000101",
        serial_end="TX-WND-2025-000200",
        consumption_start="2025-07-01T00:00:00+00:00",
        consumption_end="2025-08-01T00:00:00+00:00",
    )
    result = market_based(load_of(ai=10.0), [other_site, later], CONTEXT, residual_factor=EF_RES)
    assert [o.status for o in result.register] == ["not-applicable", "not-applicable"]
    assert "another site ('odessa')" in result.register[0].note
    assert "outside the load's hours" in result.register[1].note


# --------------------------------------------------------------------------- serials


def test_serial_overlap_across_two_periods_names_both_uses() -> None:
    q1 = rec(
        id="rec-q1",
        consumption_start="2025-01-01T00:00:00-06:00",
        consumption_end="2025-04-01T00:00:00-05:00",
        serial_start="TX-WND-2025-000001",
        serial_end="TX-WND-2025-000600",
        volume=ureg.Quantity(600, "MWh"),
    )
    q2 = rec(
        id="rec-q2",
        consumption_start="2025-04-01T00:00:00-05:00",
        consumption_end="2025-07-01T00:00:00-05:00",
        serial_start="TX-WND-2025-000500",
        serial_end="TX-WND-2025-000999",
        volume=ureg.Quantity(500, "MWh"),
    )
    with pytest.raises(SerialOverlapError) as err:
        check_serials([q1, q2])
    message = str(err.value)
    assert (
        "serials TX-WND-2025-000500 … TX-WND-2025-000600 (registry ERCOT REC, 101 MWh)" in message
    )
    assert (
        "instrument 'rec-q1' at site 'pecos' for 2025-01-01T00:00:00-06:00 – "
        "2025-04-01T00:00:00-05:00" in message
    )
    assert (
        "instrument 'rec-q2' at site 'pecos' for 2025-04-01T00:00:00-05:00 – "
        "2025-07-01T00:00:00-05:00" in message
    )
    with pytest.raises(SerialOverlapError):
        market_based(load_of(ai=1.0), [q1, q2], CONTEXT, residual_factor=EF_RES)


def test_serial_overlap_with_a_prior_use_at_another_site() -> None:
    with pytest.raises(SerialOverlapError, match=r"'rec-2024-h2' at site 'odessa'.*'rec-1' at"):
        check_serials([rec()], prior_uses=[PRIOR])


def test_serials_that_do_not_overlap_pass_and_are_returned() -> None:
    a = rec(id="a")
    b = rec(id="b", serial_start="TX-WND-2025-000101", serial_end="TX-WND-2025-000200")
    c = rec(id="c", registry="M-RETS")  # same numbers, another registry
    d = rec(id="d", serial_start="TX-SOL-2025-000001", serial_end="TX-SOL-2025-000100")
    uses = check_serials([a, b, c, d, solar_ppa()])
    assert [u.instrument_id for u in uses] == ["a", "b", "c", "d"]
    # The same use already in the ledger (a re-run) is not a double claim.
    assert check_serials([a], prior_uses=serial_uses([a])) == serial_uses([a])
    # Zero padding does not hide an overlap.
    e = rec(id="e", serial_start="TX-WND-2025-100", serial_end="TX-WND-2025-199")
    with pytest.raises(SerialOverlapError, match="TX-WND-2025-000100 … TX-WND-2025-000100"):
        check_serials([a, e])


def test_serial_block_must_match_the_volume() -> None:
    with pytest.raises(
        ValidationError, match=r"are 100 certificates \(1 MWh each\) but the volume"
    ):
        rec(volume=ureg.Quantity(99, "MWh"))
    with pytest.raises(ValidationError, match="different prefixes"):
        rec(serial_end="TX-SOL-2025-000100")


# --------------------------------------------------------------------------- units


def test_power_profile_where_energy_is_expected_fails_loudly() -> None:
    with pytest.raises(ValidationError, match="profile must be convertible to kWh; got megawatt"):
        solar_ppa(profile=series(SOLAR, "MW"))
    with pytest.raises(UnitError, match="load must be convertible to kWh; got megawatt"):
        market_based(load_of("MW", ai=10.0), [], CONTEXT, residual_factor=EF_RES)
    with pytest.raises(ValidationError, match="volume must be convertible to kWh; got megawatt"):
        rec(volume=ureg.Quantity(100, "MW"))


def test_residual_factor_in_lb_per_mwh_or_g_per_kwh_gives_the_same_result() -> None:
    g_per_kwh = ureg.Quantity(500, "g CO2e/kWh")
    lb_per_mwh = g_per_kwh.to("lb CO2e/MWh")
    assert float(lb_per_mwh.magnitude) == pytest.approx(1102.3113, rel=1e-7)
    runs = [
        market_based(load_of(ai=10.0), [solar_ppa()], CONTEXT, residual_factor=f)
        for f in (g_per_kwh, lb_per_mwh, EF_RES)
    ]
    for run in runs:
        assert run.total_hourly_kgco2e == pytest.approx(80_000.0, rel=RTOL)
        assert run.total_annual_kgco2e == 0.0


def test_rate_units_are_checked() -> None:
    with pytest.raises(UnitError, match="residual factor must be convertible to kg CO2e/kWh"):
        market_based(load_of(ai=1.0), [], CONTEXT, residual_factor=ureg.Quantity(500, "g CO2/kWh"))
    with pytest.raises(ValidationError, match="emission_rate must be convertible to g CO2e/kWh"):
        supplier(emission_rate=ureg.Quantity(700, "lb/MWh"))
    with pytest.raises(ValidationError, match="a wind instrument carries 0 g CO2e/kWh"):
        rec(emission_rate=ureg.Quantity(10, "g CO2e/kWh"))


def test_grid_cfe_share_in_percent_equals_fraction() -> None:
    percent = series(np.where(SOLAR > 0, 0.0, 40.0), "percent")
    result = market_based(
        load_of(ai=10.0), [solar_ppa()], CONTEXT, residual_factor=EF_RES, grid_cfe_share=percent
    )
    assert result.metrics.cfe_share == pytest.approx(0.6, rel=RTOL)
    plain = xr.DataArray(np.full(24, 40.0), dims="time", coords={"time": HOURS})
    with pytest.raises(InputDataError, match=r"must lie in \[0, 1\]"):
        market_based(load_of(ai=10.0), [], CONTEXT, residual_factor=EF_RES, grid_cfe_share=plain)


# --------------------------------------------------------------------------- instruments and rates


def test_fossil_certificate_adds_its_own_rate_and_is_not_carbon_free() -> None:
    gas = rec(
        id="gas",
        technology="natural_gas",
        emission_rate=ureg.Quantity(400, "g CO2e/kWh"),
        profile=series(np.full(24, 100 / 24), "MWh"),
        volume=None,
    )
    result = market_based(load_of(ai=10.0), [gas], CONTEXT, residual_factor=EF_RES)
    # (240 - 100) MWh x 0.5 t + 100 MWh x 0.4 t = 110 t on both bases (flat cover, never surplus).
    assert result.total_annual_kgco2e == pytest.approx(110_000.0, rel=RTOL)
    assert result.total_hourly_kgco2e == pytest.approx(110_000.0, rel=RTOL)
    assert result.metrics.annual_match == 0.0
    assert result.coverage_mwh["annual"]["certificate"] == pytest.approx(100.0, rel=RTOL)


def test_certificate_without_profile_counts_on_the_annual_basis_only_by_default() -> None:
    year = rec(
        id="rec-2025",
        consumption_start="2025-01-01T00:00:00+00:00",
        consumption_end="2026-01-01T00:00:00+00:00",
        generation_start="2025-01-01",
        generation_end="2025-12-31",
        serial_end="TX-WND-2025-008760",
        volume=ureg.Quantity(8760, "MWh"),
    )
    default = market_based(load_of(ai=10.0), [year], CONTEXT, residual_factor=EF_RES)
    (outcome,) = default.register
    assert outcome.available_mwh == pytest.approx(24.0, rel=RTOL)  # 1 MWh per hour of the year
    assert outcome.hourly_available_mwh == 0.0
    assert default.total_annual_kgco2e == pytest.approx((240 - 24) * 500, rel=RTOL)
    assert default.total_hourly_kgco2e == pytest.approx(240 * 500, rel=RTOL)
    assert "has no hourly profile" in default.notes[0] and "counts none" in default.notes[0]
    flat = market_based(
        load_of(ai=10.0), [year], CONTEXT, residual_factor=EF_RES, unprofiled_hourly="flat"
    )
    assert flat.total_hourly_kgco2e == pytest.approx((240 - 24) * 500, rel=RTOL)


def test_profile_missing_an_hour_is_an_error() -> None:
    short = series(SOLAR[:20], "MWh", HOURS[:20])
    ppa = solar_ppa(profile=short)
    with pytest.raises(InputDataError, match=r"profile of instrument 'ppa-sun' is missing for 4"):
        market_based(load_of(ai=10.0), [ppa], CONTEXT, residual_factor=EF_RES)


def test_negative_or_missing_load_is_an_error() -> None:
    with pytest.raises(InputDataError, match=r"load of 'mining' at 2025-06-01T03:00:00Z is -1.0"):
        market_based(
            load_of(ai=1.0, mining=np.where(HOURS.hour == 3, -1.0, 1.0)),
            [],
            CONTEXT,
            residual_factor=EF_RES,
        )
    with pytest.raises(InputDataError, match="is nan"):
        market_based(load_of(ai=np.nan), [], CONTEXT, residual_factor=EF_RES)


def test_load_must_be_consecutive_clock_hours() -> None:
    quarter = pd.date_range("2025-06-01", periods=4, freq="15min")
    load = xr.DataArray(
        np.ones((1, 4)), dims=("workload", "time"), coords={"workload": ["ai"], "time": quarter}
    ).pint.quantify("kWh", unit_registry=ureg)
    with pytest.raises(InputDataError, match="not on the hour; sum energy to clock hours"):
        market_based(load, [], CONTEXT, residual_factor=EF_RES)


# --------------------------------------------------------------------------- residual hierarchy


def test_supplier_factor_comes_before_the_residual_mix() -> None:
    result = market_based(load_of(ai=10.0), [supplier(), residual_mix()], CONTEXT)
    assert set(result.remainder_source.values.tolist()) == {"supplier_factor"}
    expected = 240 * float(ureg.Quantity(700, "lb CO2e/MWh").to("kg CO2e/MWh").magnitude)
    assert result.total_annual_kgco2e == pytest.approx(expected, rel=RTOL)
    assert result.coverage_mwh["annual"]["supplier_factor"] == pytest.approx(240.0, rel=RTOL)
    assert result.register[1].status == "applied"


def test_failed_supplier_factor_falls_back_to_the_residual_mix() -> None:
    result = market_based(
        load_of(ai=10.0), [supplier(net_of_sold_attributes=False), residual_mix()], CONTEXT
    )
    assert set(result.remainder_source.values.tolist()) == {"residual_mix"}
    assert result.total_hourly_kgco2e == pytest.approx(120_000.0, rel=RTOL)
    assert result.excluded[0].failures[0].criterion == 6


def test_grid_average_only_without_a_residual_mix_and_flagged() -> None:
    grid = ureg.Quantity(400, "g CO2e/kWh")
    with_mix = market_based(load_of(ai=10.0), [residual_mix()], CONTEXT, grid_average=grid)
    assert with_mix.total_hourly_kgco2e == pytest.approx(120_000.0, rel=RTOL)
    assert not any(GRID_AVERAGE_FLAG in n for n in with_mix.notes)
    unadjusted = residual_mix(adjusted_for_claims=False)
    result = market_based(load_of(ai=10.0), [unadjusted], CONTEXT, grid_average=grid)
    assert result.total_hourly_kgco2e == pytest.approx(96_000.0, rel=RTOL)
    assert GRID_AVERAGE_FLAG == "residual mix unavailable; grid average used"
    assert f"{GRID_AVERAGE_FLAG} (24 of 24 hours)" in result.notes
    assert result.coverage_mwh["hourly"]["grid_average"] == pytest.approx(240.0, rel=RTOL)
    assert result.excluded[0].failures[0].criterion == 8


def test_no_rate_for_uncovered_load_is_an_error() -> None:
    with pytest.raises(InputDataError, match="no rate for uncovered load in 24 hour"):
        market_based(load_of(ai=10.0), [], CONTEXT)
    with pytest.raises(ConfigError, match="residual factor was passed and residual-mix records"):
        market_based(load_of(ai=10.0), [residual_mix()], CONTEXT, residual_factor=EF_RES)


def test_hourly_residual_factor_and_its_load_weighted_annual_mean() -> None:
    ef = series(np.where(HOURS.hour < 12, 300.0, 700.0), "g CO2e/kWh")
    load = load_of(ai=np.where(HOURS.hour < 12, 10.0, 30.0))  # 120 + 360 MWh
    result = market_based(load, [], CONTEXT, residual_factor=ef)
    assert result.total_hourly_kgco2e == pytest.approx(120 * 300 + 360 * 700, rel=RTOL)
    # Annual: load-weighted mean (120*300 + 360*700)/480 = 600 g/kWh, times 480 MWh: the same.
    assert result.total_annual_kgco2e == pytest.approx(288_000.0, rel=RTOL)
    assert any("load-weighted mean 600 kg CO2e/MWh" in n for n in result.notes)
    assert result.remainder_factor.pint.units == ureg.Unit("g CO2e/kWh")


# --------------------------------------------------------------------------- CSV


def documented_example(tmp_path: Path) -> Path:
    block = re.search(r"```csv\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert block is not None
    path = tmp_path / "instruments.csv"
    path.write_text(block.group(1), encoding="utf-8")
    return path


def test_documented_csv_example_reads(tmp_path: Path) -> None:
    records = read_instruments_csv(documented_example(tmp_path))
    assert [type(r) for r in records] == [
        Certificate,
        PowerPurchaseAgreement,
        GreenTariff,
        SupplierFactor,
        ResidualMix,
    ]
    cert, ppa, tariff, sup, mix = records
    assert cert.serials.count == 1500 and float(cert.energy.to("MWh").magnitude) == 1500.0
    assert cert.consumption_end.isoformat() == "2025-04-01T00:00:00-05:00"
    assert ppa.ppa_type == "physical" and ppa.certificates_retained and ppa.designated_to == "ai"
    assert float(tariff.emission_rate.magnitude) == 0.0
    assert sup.emission_rate == ureg.Quantity(700, "lb CO2e/MWh")
    assert mix.adjusted_for_claims
    header = documented_example(tmp_path).read_text().splitlines()[0].split(",")
    assert sorted(header) == sorted(CSV_COLUMNS)


def write_csv(tmp_path: Path, edit: tuple[str, str] | None = None, extra: str = "") -> Path:
    text = documented_example(tmp_path).read_text(encoding="utf-8")
    if edit is not None:
        assert edit[0] in text
        text = text.replace(edit[0], edit[1], 1)
    path = tmp_path / "edited.csv"
    path.write_text(text + extra, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            (",wind,", ",windy,"),
            r"edited\.csv, line 2, column technology: .*'wind', 'solar', 'hydro', 'nuclear'",
        ),
        (
            (",certificate,", ",rec,"),
            r"line 2, column kind: 'rec' is not an instrument kind; valid choices: certificate, ",
        ),
        ((",physical,", ",financial,"), r"line 3, column ppa_type: .*'physical' or 'virtual'"),
        (
            (",physical,true,", ",physical,maybe,"),
            r"line 3, column certificates_retained: 'maybe' is not a yes/no value; valid choices",
        ),
        ((",700,lb CO2e/MWh,", ",700,ton CO2e/MWh,"), r"line 5, column emission_rate_unit: ambig"),
        ((",1500,MWh,", ",1500,,"), r"line 2, column volume_unit: empty"),
        (
            (",true,,residual mix", ",true,ai,residual mix"),
            r"line 6, column designated_to: does not apply to kind 'residual_mix'",
        ),
        (
            ("2025-04-01T00:00:00-05:00,ERCOT", "2025-04-01T00:00:00,ERCOT"),
            r"line 2, column consumption_end: .*needs a UTC offset",
        ),
        (("instrument_id,kind,", "instrument_id,kind_of,"), r"line 1: unknown column.*'kind_of'"),
    ],
)
def test_csv_errors_name_file_line_column_and_choices(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = write_csv(tmp_path, edit)
    with pytest.raises(InputDataError, match=message) as err:
        read_instruments_csv(path)
    assert str(path) in str(err.value)


def test_csv_repeated_instrument_id_names_both_lines(tmp_path: Path) -> None:
    text = documented_example(tmp_path).read_text(encoding="utf-8").splitlines()
    path = write_csv(tmp_path, extra=text[4] + "\n")
    with pytest.raises(InputDataError, match="line 7, column instrument_id: 'sup-2025' is already"):
        read_instruments_csv(path)


def test_csv_instruments_feed_the_calculation(tmp_path: Path) -> None:
    records = read_instruments_csv(documented_example(tmp_path))
    context = ClaimContext(reporter="acme compute", site_id="pecos", market_boundary="ercot")
    result = market_based(load_of(ai=10.0, mining=20.0), records, context)
    statuses = {o.instrument_id: o.status for o in result.register}
    assert statuses == {
        "rec-2025-q1": "not-applicable",  # Q1 consumption; the load is in June
        "ppa-sun": "applied",
        "tariff-hydro": "applied",
        "sup-2025": "applied",
        "rm-ercot": "applied",
    }
    # Annual basis: ppa 120000 MWh/8760 h x 24 h to AI, tariff 500/8760 x 24 pro rata.
    ppa = next(o for o in result.register if o.instrument_id == "ppa-sun")
    assert ppa.allocated_mwh["ai"] == 0.0  # hourly basis counts an unprofiled PPA as nothing
    # AI's 240 MWh are covered first; the designated PPA's surplus goes to mining's uncovered
    # load, as on the hourly basis, so the workloads add up to the boundary on both bases.
    ppa_mwh = 120000 * 24 / 8760
    assert ppa.allocated_annual_mwh == pytest.approx({"ai": 240.0, "mining": ppa_mwh - 240.0})
    annual_ai = result.generation_annual.sel(instrument="ppa-sun", workload="ai").sum()
    assert float(annual_ai.pint.to("MWh").pint.magnitude) == pytest.approx(240.0)
    assert abs(result.workload_minus_total_kgco2e["annual"]) < 1e-6


def test_with_profile_gives_a_csv_ppa_an_hourly_shape(tmp_path: Path) -> None:
    ppa = read_instruments_csv(documented_example(tmp_path))[1]
    shaped = ppa.with_profile(series(SOLAR, "MWh"))
    assert shaped.volume is None and shaped.profile is not None
    assert float(shaped.energy.to("MWh").magnitude) == 240.0
    with pytest.raises(ValidationError, match="profile must be convertible to kWh; got kilowatt"):
        ppa.with_profile(series(SOLAR, "kW"))


def test_summary_is_plain_numbers_with_units_in_the_keys() -> None:
    bad = rec(id="late", generation_start="2023-01-01", generation_end="2023-01-31")
    result = market_based(
        load_of(ai=10.0),
        [solar_ppa(), bad],
        CONTEXT,
        residual_factor=EF_RES,
        grid_cfe_share=cfe_share(),
    )
    summary = result.summary()
    assert summary["mb_annual_matching_kgco2e"] == 0.0
    assert summary["mb_hourly_matching_by_workload_kgco2e"] == pytest.approx({"ai": 80_000.0})
    assert summary["metric_labels"]["hourly_matched_share"] == (
        "Hourly matched share (EnergyTag-style)"
    )
    assert summary["metrics"]["cfe_share"] == pytest.approx(0.6)
    assert summary["excluded"][0]["instrument_id"] == "late"
    assert summary["excluded"][0]["reasons"][0].startswith("criterion 4 (")
    json.dumps(summary)  # JSON-ready: no numpy or pint objects
