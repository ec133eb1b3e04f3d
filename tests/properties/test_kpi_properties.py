"""KPI and Scope 1 invariants over generated inputs (hypothesis).

- PUE ≥ 1 whenever E_DC ≥ E_IT;
- Σ pPUE_j − (n−1) = PUE when the subsystems cover all non-IT energy;
- ERE = (1 − ERF)·PUE;
- CUE = CEF × PUE for a single source;
- scaling fuel by k scales Scope 1 (every gas and CO2e) by k;
- J/TH does not depend on the units of the inputs (kWh vs MWh, TH/s vs PH/s, s vs h).

Tolerances: rtol 1e-9, float rounding of a few operations on values within 1e-3…1e9.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon.accounting.fuel_records import FuelRecord
from carbon.accounting.scope1 import fuel_emissions
from carbon.analysis.kpis import (
    cue,
    ere,
    erf,
    partial_pue_subsystems,
    pue,
    pue_from_partials,
    source_emissions,
)
from carbon.analysis.sector import realised_efficiency
from carbon.core.units import Q_

RTOL = 1e-9
energy = st.floats(min_value=1e-3, max_value=1e9, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
months = st.integers(min_value=1, max_value=24)


@given(it=energy, extra=st.floats(min_value=0.0, max_value=1e9), n=months)
def test_pue_at_least_one(it, extra, n):
    m = pue(Q_(it + extra, "kWh"), Q_(it, "kWh"), it_metered_at="pdu_output", months=n)
    assert m.ratio >= 1.0
    assert m.interim == (n < 12)


@given(
    it=energy, subsystems=st.lists(st.floats(min_value=0.0, max_value=1e9), min_size=1, max_size=8)
)
def test_sum_of_partials_minus_n_minus_one_is_pue(it, subsystems):
    parts = {f"s{i}": Q_(e, "kWh") for i, e in enumerate(subsystems)}
    total = pue(Q_(it + sum(subsystems), "kWh"), Q_(it, "kWh"), it_metered_at="it_input", months=12)
    combined = pue_from_partials(partial_pue_subsystems(Q_(it, "kWh"), parts, months=12))
    assert float(combined.magnitude) == pytest.approx(total.ratio, rel=RTOL)


@given(it=energy, extra=st.floats(min_value=0.0, max_value=1e9), share=fraction)
def test_ere_is_one_minus_erf_times_pue(it, extra, share):
    e_dc = Q_(it + extra, "kWh")
    e_it = Q_(it, "kWh")
    reuse = e_dc * share
    f = erf(e_dc, reuse, months=12)
    r = ere(e_dc, e_it, reuse, months=12)
    p = pue(e_dc, e_it, it_metered_at="ups_output", months=12)
    # Near full reuse, 1 - ERF cancels to ~1e-16 and PUE multiplies that rounding error, so the
    # absolute tolerance scales with PUE (found by hypothesis: PUE 37,273 with ERF = 1 - 1e-16).
    assert r.ratio == pytest.approx(
        (1 - f.ratio) * p.ratio, rel=RTOL, abs=1e-12 * max(1.0, p.ratio)
    )


@given(
    it=energy,
    extra=st.floats(min_value=0.0, max_value=1e9),
    cef=st.floats(min_value=0.0, max_value=2000.0),
)
def test_cue_single_source_is_cef_times_pue(it, extra, cef):
    e_dc, e_it = Q_(it + extra, "kWh"), Q_(it, "kWh")
    factor = Q_(cef, "g CO2e/kWh")
    c = cue(source_emissions(e_dc, factor), e_it, basis="market-based", months=12)
    p = pue(e_dc, e_it, it_metered_at="ups_output", months=12)
    expected = float((factor * p.value).to("kg CO2e/kWh").magnitude)
    assert c.magnitude("kg CO2e/kWh") == pytest.approx(expected, rel=RTOL, abs=1e-15)


@given(
    amount=st.floats(min_value=1e-3, max_value=1e7),
    k=st.floats(min_value=1e-3, max_value=1e3),
    unit=st.sampled_from(["MMBtu", "scf", "kWh", "GJ"]),
    fuel=st.sampled_from(["natural_gas_pipeline", "distillate_fuel_oil_no2"]),
    gwp_set=st.sampled_from(["AR4", "AR5", "AR6"]),
)
def test_scaling_fuel_scales_scope1(amount, k, unit, fuel, gwp_set):
    if unit == "scf" and fuel != "natural_gas_pipeline":
        unit = "MMBtu"

    def rec(x: float) -> FuelRecord:
        return FuelRecord(
            genset_id="G", fuel=fuel, quantity=Q_(x, unit.replace("scf", "ft**3")), period="2025-07"
        )

    base = fuel_emissions(rec(amount), gwp_set=gwp_set)
    scaled = fuel_emissions(rec(amount * k), gwp_set=gwp_set)
    for name, u in (("co2", "kg CO2"), ("ch4", "kg CH4"), ("n2o", "kg N2O"), ("co2e", "kg CO2e")):
        a = float(getattr(base, name).to(u).magnitude)
        b = float(getattr(scaled, name).to(u).magnitude)
        assert b == pytest.approx(k * a, rel=RTOL)


@given(
    e_mwh=st.floats(min_value=1e-3, max_value=1e6),
    h_phs=st.floats(min_value=1e-3, max_value=1e6),
    hours=st.floats(min_value=1e-2, max_value=1e4),
)
def test_j_per_th_is_unit_invariant(e_mwh, h_phs, hours):
    a = realised_efficiency(Q_(e_mwh, "MWh"), Q_(h_phs, "PH/s"), Q_(hours, "hour"))
    b = realised_efficiency(Q_(e_mwh * 1e3, "kWh"), Q_(h_phs * 1e3, "TH/s"), Q_(hours * 3600, "s"))
    c = realised_efficiency(Q_(e_mwh * 3.6e9, "J"), Q_(h_phs / 1e3, "EH/s"), Q_(hours / 24, "day"))
    assert b.magnitude("J/TH") == pytest.approx(a.magnitude("J/TH"), rel=RTOL)
    assert c.magnitude("J/TH") == pytest.approx(a.magnitude("J/TH"), rel=RTOL)
    formula = (e_mwh * 1e3 * 3.6e6) / (h_phs * 1e3 * hours * 3600)
    assert a.magnitude("J/TH") == pytest.approx(formula, rel=RTOL)
