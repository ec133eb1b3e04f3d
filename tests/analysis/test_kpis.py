"""ISO/IEC 30134 KPIs (METHODOLOGY 3), checked by hand."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.analysis.kpis import (
    EN50600_DIESEL_KWH_PER_L,
    EN50600_GAS_KWH_PER_M3,
    cue,
    ere,
    erf,
    fuel_energy,
    partial_pue_subsystems,
    partial_pue_zone,
    pue,
    pue_from_partials,
    pue_ratio,
    ref,
    source_emissions,
    wue,
    wue_source,
)
from carbon.analysis.metric import Metric
from carbon.core.errors import InputDataError, UnitError
from carbon.core.totals import total_of
from carbon.core.units import Q_

RTOL = 1e-9


def cube(values, unit="kWh"):
    """(workload, time) DataArray like carbon.attribution.workloads produces."""
    values = np.asarray(values, float)
    time = pd.date_range("2025-01-01", periods=values.shape[1], freq="h")
    return xr.DataArray(
        values,
        dims=("workload", "time"),
        coords={"workload": ["mining", "ai", "other"][: values.shape[0]], "time": time},
    ).pint.quantify(unit)


# ---------------------------------------------------------------------------------------
# total_of and Metric
# ---------------------------------------------------------------------------------------
def test_total_of_sums_every_dimension_and_converts():
    data = cube([[1, 2], [3, 4]], "MWh")
    assert total_of(data, "kWh", "x") == Q_(10_000, "kWh")
    assert total_of(Q_([1.0, 2.0], "kWh"), "Wh", "x") == Q_(3000, "Wh")


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (10.0, UnitError, "pint Quantity"),
        (Q_(1, "kg"), UnitError, "convertible"),
        (Q_(np.nan, "kWh"), InputDataError, "missing"),
        (Q_(-1, "kWh"), InputDataError, "negative"),
        (xr.DataArray([1.0, 2.0]), UnitError, "no unit"),
    ],
)
def test_total_of_refuses(value, error, match):
    with pytest.raises(error, match=match):
        total_of(value, "kWh", "energy")


def test_metric_ratio_only_for_dimensionless():
    m = pue(Q_(130, "kWh"), Q_(100, "kWh"), it_metered_at="ups_output", months=12)
    assert m.ratio == pytest.approx(1.3, rel=RTOL)
    assert m.magnitude("percent") == pytest.approx(130, rel=RTOL)
    c = cue(Q_(40, "kg CO2e"), Q_(100, "kWh"), basis="location-based", months=12)
    with pytest.raises(UnitError, match="has unit"):
        _ = c.ratio
    with pytest.raises(UnitError, match="not convertible"):
        c.magnitude("L/kWh")
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "x"  # type: ignore[misc]


# ---------------------------------------------------------------------------------------
# PUE
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("point", "category", "level"),
    [
        ("ups_output", "PUE1", "basic"),
        ("pdu_output", "PUE2", "intermediate"),
        ("it_input", "PUE3", "advanced"),
    ],
)
def test_pue_category_from_metering_point(point, category, level):
    m = pue(Q_(1.3, "GWh"), Q_(1000, "MWh"), it_metered_at=point, months=12)
    assert isinstance(m, Metric)
    assert m.ratio == pytest.approx(1.3, rel=RTOL)
    assert m.category == category
    assert category in m.label
    assert any(level in n for n in m.notes)
    assert not m.interim


def test_pue_of_cubes_is_ratio_of_totals_not_mean_of_ratios():
    dc = cube([[120, 300], [0, 0]])
    it = cube([[100, 100], [0, 0]])
    m = pue(dc, it, it_metered_at="pdu_output", months=12)
    assert m.ratio == pytest.approx(420 / 200, rel=RTOL)  # mean of ratios would be 2.1 too
    dc2 = cube([[110, 300]])
    it2 = cube([[100, 200]])
    m2 = pue(dc2, it2, it_metered_at="pdu_output", months=12)
    assert m2.ratio == pytest.approx(410 / 300, rel=RTOL)
    assert m2.ratio != pytest.approx((1.1 + 1.5) / 2)


def test_pue_ratio_is_the_kpi_ratio_and_none_without_it_energy():
    dc = cube([[120, 300], [0, 0]])
    it = cube([[100, 100], [0, 0]])
    assert pue_ratio(dc, it) == pue(dc, it, it_metered_at="ups_output", months=1).ratio
    assert pue_ratio(Q_(5.0, "MWh"), Q_(4000.0, "kWh")) == 1.25
    assert pue_ratio(cube([[3, 4]]), cube([[0, 0]])) is None  # no IT energy: no PUE
    with pytest.raises(InputDataError, match="E_IT has missing values"):
        pue_ratio(dc, cube([[np.nan, 1.0], [0, 0]]))


def test_pue_interim_under_twelve_months():
    m = pue(Q_(130, "kWh"), Q_(100, "kWh"), it_metered_at="it_input", months=3)
    assert m.interim
    assert "interim" in m.label and "3 months" in m.label
    assert any("interim" in n for n in m.notes)
    long = pue(Q_(130, "kWh"), Q_(100, "kWh"), it_metered_at="it_input", months=13)
    assert not long.interim and any("13 months" in n for n in long.notes)


def test_pue_below_one_is_an_error():
    with pytest.raises(InputDataError, match="below 1"):
        pue(Q_(99, "kWh"), Q_(100, "kWh"), it_metered_at="ups_output", months=12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"it_metered_at": "rack"}, "valid choices"),
        ({"months": 0}, "months"),
        ({"months": 1.5}, "months"),
    ],
)
def test_pue_bad_arguments(kwargs, match):
    args = {"it_metered_at": "ups_output", "months": 12, **kwargs}
    with pytest.raises(InputDataError, match=match):
        pue(Q_(130, "kWh"), Q_(100, "kWh"), **args)


def test_pue_needs_it_energy():
    with pytest.raises(InputDataError, match="positive"):
        pue(Q_(130, "kWh"), Q_(0, "kWh"), it_metered_at="ups_output", months=12)


def test_fuel_energy_en50600_examples():
    assert fuel_energy(Q_(100, "L"), EN50600_DIESEL_KWH_PER_L) == Q_(990, "kWh")
    e = fuel_energy(Q_(10, "m**3"), EN50600_GAS_KWH_PER_M3)
    assert float(e.to("kWh").magnitude) == pytest.approx(105.0, rel=RTOL)
    with pytest.raises(UnitError, match="stated"):
        fuel_energy(Q_(100, "L"), 9.9)
    with pytest.raises(UnitError):
        fuel_energy(Q_(100, "kg"), EN50600_DIESEL_KWH_PER_L)


def test_pue_with_fuel_in_e_dc():
    grid = Q_(1000, "MWh")
    diesel = fuel_energy(Q_(10_000, "L"), EN50600_DIESEL_KWH_PER_L)  # 99 MWh
    m = pue(grid + diesel, Q_(900, "MWh"), it_metered_at="ups_output", months=12)
    assert m.ratio == pytest.approx(1099 / 900, rel=RTOL)


# ---------------------------------------------------------------------------------------
# Partial PUE
# ---------------------------------------------------------------------------------------
def test_partial_pue_zone():
    mining = partial_pue_zone("mining hall", Q_(1000, "MWh"), Q_(30, "MWh"), months=12)
    ai = partial_pue_zone("AI hall", Q_(500, "MWh"), Q_(150, "MWh"), months=6)
    assert mining.ratio == pytest.approx(1.03, rel=RTOL)
    assert ai.ratio == pytest.approx(1.3, rel=RTOL)
    assert "mining hall" in mining.label and ai.interim


def test_subsystem_identity_by_hand():
    it = Q_(1000, "MWh")
    subs = {"cooling": Q_(250, "MWh"), "ups_losses": Q_(60, "MWh"), "lighting": Q_(10, "MWh")}
    parts = partial_pue_subsystems(it, subs, months=12)
    assert parts["cooling"].ratio == pytest.approx(1.25, rel=RTOL)
    assert parts["ups_losses"].ratio == pytest.approx(1.06, rel=RTOL)
    total = pue(Q_(1320, "MWh"), it, it_metered_at="ups_output", months=12)
    combined = pue_from_partials(parts)
    assert float(combined.magnitude) == pytest.approx(total.ratio, rel=RTOL)
    assert float(pue_from_partials(list(parts.values())).magnitude) == pytest.approx(1.32)


def test_partial_pue_refuses_empty():
    with pytest.raises(InputDataError):
        partial_pue_subsystems(Q_(1, "kWh"), {}, months=12)
    with pytest.raises(InputDataError):
        pue_from_partials({})


# ---------------------------------------------------------------------------------------
# REF, ERF, ERE
# ---------------------------------------------------------------------------------------
def test_ref_sums_the_three_parts():
    m = ref(
        Q_(1000, "MWh"),
        onsite_renewable_retained=Q_(100, "MWh"),
        certificates_retired=Q_(300, "MWh"),
        utility_renewable_documented=Q_(50_000, "kWh"),
        months=12,
    )
    assert m.ratio == pytest.approx(0.45, rel=RTOL)
    assert m.label == "REF" and not m.interim


def test_ref_is_capped_at_one():
    m = ref(
        Q_(1000, "MWh"),
        onsite_renewable_retained=Q_(900, "MWh"),
        certificates_retired=Q_(300, "MWh"),
        utility_renewable_documented=Q_(0, "kWh"),
        months=12,
    )
    assert m.ratio == 1.0
    assert any("capped" in n for n in m.notes)


def test_ref_interim_and_needs_e_dc():
    m = ref(
        Q_(10, "MWh"),
        onsite_renewable_retained=Q_(0, "MWh"),
        certificates_retired=Q_(0, "MWh"),
        utility_renewable_documented=Q_(0, "MWh"),
        months=1,
    )
    assert m.interim and m.ratio == 0.0
    with pytest.raises(InputDataError):
        ref(
            Q_(0, "MWh"),
            onsite_renewable_retained=Q_(0, "MWh"),
            certificates_retired=Q_(0, "MWh"),
            utility_renewable_documented=Q_(0, "MWh"),
            months=12,
        )


def test_erf_and_ere_by_hand():
    e_dc, e_it, reuse = Q_(1300, "MWh"), Q_(1000, "MWh"), Q_(130, "MWh")
    f = erf(e_dc, reuse, months=12)
    r = ere(e_dc, e_it, reuse, months=12)
    p = pue(e_dc, e_it, it_metered_at="ups_output", months=12)
    assert f.ratio == pytest.approx(0.1, rel=RTOL)
    assert r.ratio == pytest.approx(1.17, rel=RTOL)
    assert r.ratio == pytest.approx((1 - f.ratio) * p.ratio, rel=RTOL)


def test_no_reuse_states_erf_zero_explicitly():
    f = erf(Q_(1300, "MWh"), Q_(0, "kWh"), months=12)
    assert f.ratio == 0.0
    assert any("ERF = 0" in n for n in f.notes)
    r = ere(Q_(1300, "MWh"), Q_(1000, "MWh"), Q_(0, "kWh"), months=12)
    assert r.ratio == pytest.approx(1.3, rel=RTOL)
    assert any("ERF = 0" in n for n in r.notes)


def test_reuse_above_e_dc_is_an_error():
    with pytest.raises(InputDataError):
        erf(Q_(1, "MWh"), Q_(2, "MWh"), months=12)
    with pytest.raises(InputDataError):
        ere(Q_(1, "MWh"), Q_(1, "MWh"), Q_(2, "MWh"), months=12)


# ---------------------------------------------------------------------------------------
# CUE
# ---------------------------------------------------------------------------------------
def test_cue_lb_and_mb_are_labelled_separately():
    e_it = Q_(1000, "MWh")
    lb = cue(Q_(400, "t CO2e"), e_it, basis="location-based", months=12)
    mb = cue(Q_(100, "t CO2e"), e_it, basis="market-based", months=12)
    assert lb.name == "CUE_LB" and mb.name == "CUE_MB"
    assert lb.basis == "location-based" and "CUE_LB" in lb.label
    assert lb.magnitude("kg CO2e/kWh") == pytest.approx(0.4, rel=RTOL)
    assert mb.magnitude("kg CO2e/kWh") == pytest.approx(0.1, rel=RTOL)


def test_cue_single_source_equals_cef_times_pue():
    e_dc, e_it = Q_(1300, "MWh"), Q_(1000, "MWh")
    cef = Q_(736.629, "lb CO2e/MWh")
    c = cue(source_emissions(e_dc, cef), e_it, basis="location-based", months=12)
    p = pue(e_dc, e_it, it_metered_at="ups_output", months=12)
    assert c.magnitude("kg CO2e/kWh") == pytest.approx(
        float((cef * p.value).to("kg CO2e/kWh").magnitude), rel=RTOL
    )


def test_cue_several_sources_with_onsite_combustion():
    grid = source_emissions(Q_(800, "MWh"), Q_(0.4, "kg CO2e/kWh"))  # 320 t
    genset = Q_(53_117.1, "kg CO2e")  # actual Scope 1 of the fuel
    c = cue(grid + genset, Q_(1000, "MWh"), basis="location-based", months=12)
    assert c.magnitude("kg CO2e/kWh") == pytest.approx((320_000 + 53_117.1) / 1e6, rel=RTOL)


def test_cue_hourly_series():
    energy = cube([[100, 200]])
    factor = xr.DataArray(
        [0.5, 0.25], dims=("time",), coords={"time": energy["time"].values}
    ).pint.quantify("kg CO2e/kWh")
    assert source_emissions(energy, factor) == Q_(100.0, "kg CO2e")


def test_cue_refuses_co2_only_and_bad_basis():
    with pytest.raises(UnitError, match="kg CO2e"):
        cue(Q_(1, "t CO2"), Q_(1, "MWh"), basis="location-based", months=12)
    with pytest.raises(InputDataError, match="valid choices"):
        cue(Q_(1, "t CO2e"), Q_(1, "MWh"), basis="residual", months=12)
    with pytest.raises(UnitError):
        source_emissions(Q_(1, "MWh"), 0.4)


# ---------------------------------------------------------------------------------------
# WUE
# ---------------------------------------------------------------------------------------
def test_wue_converts_cubic_metres_to_litres():
    m = wue(Q_(1800, "m**3"), Q_(1000, "MWh"), months=12)
    assert m.magnitude("L/kWh") == pytest.approx(1.8, rel=RTOL)
    assert str(m.value.units) == "liter / kilowatt_hour"


def test_wue_source_records_the_open_point():
    m = wue_source(Q_(1800, "m**3"), Q_(1000, "MWh"), Q_(1300, "MWh"), Q_(1.0, "L/kWh"), months=12)
    assert m.magnitude("L/kWh") == pytest.approx(1.8 + 1.3, rel=RTOL)
    assert any("verify energy basis" in n for n in m.notes)


def test_wue_refuses_mass_of_water():
    with pytest.raises(UnitError):
        wue(Q_(1000, "kg"), Q_(1, "MWh"), months=12)
