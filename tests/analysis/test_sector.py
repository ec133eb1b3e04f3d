"""Workload metrics (METHODOLOGY 8): hashrate, J/TH, BTC, GPU-hours."""

from __future__ import annotations

import pandas as pd
import pytest

from carbon.analysis.kpis import pue
from carbon.analysis.metric import Metric
from carbon.analysis.sector import (
    BLOCKS_PER_DAY,
    SUBSIDY_BTC_SINCE_2024_HALVING,
    MinerModel,
    emissions_per_btc,
    emissions_per_gpu_hour,
    emissions_per_ph_day,
    energy_per_btc,
    energy_per_gpu_hour,
    expected_btc_per_day,
    facility_efficiency,
    hashrate,
    nameplate_efficiency,
    realised_efficiency,
    utilisation,
)
from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import Q_

RTOL = 1e-9


def mag(q, unit):
    return float(q.to(unit).magnitude)


def test_hashrate_units():
    assert mag(hashrate(Q_(1, "EH/s"), "PH/s"), "PH/s") == pytest.approx(1e3, rel=RTOL)
    assert mag(hashrate(Q_(1, "EH/s")), "TH/s") == pytest.approx(1e6, rel=RTOL)
    assert mag(hashrate(Q_(2.5e6, "TH/s"), "EH/s"), "EH/s") == pytest.approx(2.5, rel=RTOL)
    with pytest.raises(UnitError, match="hash/time"):
        hashrate(Q_(1, "kWh"))
    with pytest.raises(UnitError, match="not a hashrate"):
        hashrate(Q_(1, "TH/s"), "kW")
    with pytest.raises(UnitError):
        hashrate(5.0)


def test_one_j_per_th_is_one_watt_per_th_per_second():
    assert mag(Q_(1, "W") / Q_(1, "TH/s"), "J/TH") == pytest.approx(1.0, rel=RTOL)


FLEET = [
    MinerModel("S19j Pro", 1000, Q_(3050, "W"), Q_(100, "TH/s")),  # 30.5 J/TH
    MinerModel("S21", 100, Q_(3500, "W"), Q_(200, "TH/s")),  # 17.5 J/TH
]


def test_nameplate_is_power_weighted_not_the_mean_of_models():
    m = nameplate_efficiency(FLEET)
    expected = (1000 * 3050 + 100 * 3500) / (1000 * 100 + 100 * 200)  # 28.333…
    assert m.magnitude("J/TH") == pytest.approx(expected, rel=RTOL)
    arithmetic_mean = (30.5 + 17.5) / 2  # 24.0, what must NOT be returned
    assert m.magnitude("J/TH") != pytest.approx(arithmetic_mean, rel=1e-3)
    assert FLEET[0].efficiency == Q_(30.5, "J/TH")
    assert "1100 units" in m.notes[0]


def test_nameplate_needs_hashrate_and_valid_models():
    with pytest.raises(InputDataError):
        nameplate_efficiency([])
    with pytest.raises(InputDataError):
        MinerModel("x", -1, Q_(1, "W"), Q_(1, "TH/s"))
    with pytest.raises(UnitError):
        MinerModel("x", 1, Q_(1, "kWh"), Q_(1, "TH/s"))
    with pytest.raises(InputDataError):
        MinerModel("x", 1, Q_(1, "W"), Q_(0, "TH/s"))


def test_realised_matches_the_methodology_formula():
    # (E[kWh] × 3.6e6) / (H_avg[TH/s] × seconds)
    e_kwh, h_ths, seconds = 1_000_000.0, 1.2e6, 30 * 86400
    m = realised_efficiency(Q_(e_kwh, "kWh"), Q_(h_ths, "TH/s"), Q_(seconds, "s"))
    assert m.magnitude("J/TH") == pytest.approx(e_kwh * 3.6e6 / (h_ths * seconds), rel=RTOL)
    same = realised_efficiency(Q_(1000, "MWh"), Q_(1.2, "EH/s"), pd.Timedelta(days=30))
    assert same.magnitude("J/TH") == pytest.approx(m.magnitude("J/TH"), rel=RTOL)


def test_facility_efficiency_multiplies_by_mining_pue():
    realised = realised_efficiency(Q_(1000, "MWh"), Q_(1, "EH/s"), Q_(720, "hour"))
    p = pue(Q_(1030, "MWh"), Q_(1000, "MWh"), it_metered_at="pdu_output", months=12)
    for mining_pue in (p, p.value, 1.03):
        m = facility_efficiency(realised, mining_pue)
        assert m.magnitude("J/TH") == pytest.approx(realised.magnitude("J/TH") * 1.03, rel=RTOL)
    with pytest.raises(InputDataError):
        facility_efficiency(realised, 0.9)


def test_realised_refuses_bad_inputs():
    with pytest.raises(InputDataError):
        realised_efficiency(Q_(1, "MWh"), Q_(0, "TH/s"), Q_(1, "hour"))
    with pytest.raises(InputDataError):
        realised_efficiency(Q_(1, "MWh"), Q_(1, "TH/s"), Q_(0, "hour"))
    with pytest.raises(UnitError):
        realised_efficiency(Q_(1, "MWh"), Q_([1.0, 2.0], "TH/s"), Q_(1, "hour"))
    with pytest.raises(UnitError):
        realised_efficiency(Q_(1, "MWh"), Q_(1, "TH/s"), Q_(1, "month"))


def test_expected_btc_per_day():
    m = expected_btc_per_day(Q_(8, "EH/s"), Q_(800, "EH/s"), mean_fees_per_block_btc=0.05)
    expected = 144 * (3.125 + 0.05) * 0.01
    assert m.magnitude("1/day") == pytest.approx(expected, rel=RTOL)
    assert BLOCKS_PER_DAY == 144 and SUBSIDY_BTC_SINCE_2024_HALVING == 3.125
    mixed = expected_btc_per_day(Q_(8e6, "TH/s"), Q_(800, "EH/s"), mean_fees_per_block_btc=0.05)
    assert mixed.magnitude("1/day") == pytest.approx(expected, rel=RTOL)
    with pytest.raises(InputDataError):
        expected_btc_per_day(Q_(900, "EH/s"), Q_(800, "EH/s"), mean_fees_per_block_btc=0.0)


def test_energy_and_emissions_per_btc():
    e = energy_per_btc(Q_(50_000, "MWh"), 250)
    assert e.magnitude("MWh") == pytest.approx(200.0, rel=RTOL)
    lb = emissions_per_btc(Q_(20_000, "t CO2e"), Q_(250, ""), basis="location-based")
    mb = emissions_per_btc(Q_(5_000_000, "kg CO2e"), 250, basis="market-based")
    assert lb.name == "tCO2e/BTC_LB" and mb.name == "tCO2e/BTC_MB"
    assert lb.magnitude("t CO2e") == pytest.approx(80.0, rel=RTOL)
    assert mb.magnitude("t CO2e") == pytest.approx(20.0, rel=RTOL)
    with pytest.raises(InputDataError):
        energy_per_btc(Q_(1, "MWh"), 0)
    with pytest.raises(UnitError):
        energy_per_btc(Q_(1, "MWh"), Q_(1, "kg"))
    with pytest.raises(InputDataError):
        emissions_per_btc(Q_(1, "t CO2e"), 1, basis="average")


def test_kg_co2e_per_ph_day():
    m = emissions_per_ph_day(Q_(100, "t CO2e"), Q_(1, "EH/s"), Q_(30, "day"), basis="market-based")
    assert m.magnitude("kg CO2e / (PH/s) / day") == pytest.approx(100_000 / (1000 * 30), rel=RTOL)
    assert m.basis == "market-based"


def test_gpu_hour_metrics():
    it = energy_per_gpu_hour(Q_(700, "MWh"), Q_(1e6, "hour"), level="IT")
    fac = energy_per_gpu_hour(Q_(910, "MWh"), Q_(1e6, "hour"), level="facility")
    assert it.magnitude("kWh/hour") == pytest.approx(0.7, rel=RTOL)
    assert fac.magnitude("kWh/hour") == pytest.approx(0.91, rel=RTOL)
    assert "IT" in it.label and "facility" in fac.label
    lb = emissions_per_gpu_hour(Q_(300, "t CO2e"), Q_(1e6, "hour"), basis="location-based")
    assert lb.magnitude("g CO2e/hour") == pytest.approx(300.0, rel=RTOL)
    assert lb.name == "gCO2e/GPU-h_LB"
    with pytest.raises(InputDataError):
        energy_per_gpu_hour(Q_(1, "MWh"), Q_(1, "hour"), level="rack")
    with pytest.raises(InputDataError):
        energy_per_gpu_hour(Q_(1, "MWh"), Q_(0, "hour"), level="IT")


def test_utilisation():
    m = utilisation(Q_(6000, "hour"), Q_(8000, "hour"))
    assert isinstance(m, Metric) and m.ratio == pytest.approx(0.75, rel=RTOL)
    with pytest.raises(InputDataError, match="exceed"):
        utilisation(Q_(9000, "hour"), Q_(8000, "hour"))
