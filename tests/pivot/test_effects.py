"""Baseline periods, decomposition from results, timing per workload, curtailment,
counterfactual: hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.analysis.curtailment import NO_MARGINAL_SOURCE, curtailment
from carbon.core.errors import PeriodError, UnitError
from carbon.core.period import month
from carbon.core.units import ureg
from carbon.pivot.baseline import baseline_period, check_within
from carbon.pivot.counterfactual import counterfactual
from carbon.pivot.effects import decomposition_block, load_shape_by_workload, timing_by_workload

TZ = "America/Chicago"


# --- baseline periods ---------------------------------------------------------------------


def test_baseline_forms():
    period = month("2025-07", TZ)
    assert baseline_period("2025-05", period).label == "2025-05"
    q2 = baseline_period("2025-Q2", period)
    assert (q2.start.month, q2.end.month, q2.start.year) == (4, 7, 2025)
    assert q2.hours == pytest.approx(91 * 24)
    year = baseline_period("2024", period)
    assert (year.start.year, year.end.year) == (2024, 2025)
    last = baseline_period("same-month-last-year", period)
    assert last.label == "2024-07"
    assert str(last.start.tz) == TZ


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("2025-13", "is not a period"),
        ("last month", "is not a period"),
        ("2025-07", "does not end before"),
        ("2025-Q3", "does not end before"),
        ("2025", "does not end before"),
    ],
)
def test_baseline_refused(spec, message):
    with pytest.raises(PeriodError, match=message):
        baseline_period(spec, month("2025-07", TZ))


def test_baseline_outside_the_data():
    base = baseline_period("same-month-last-year", month("2025-07", TZ))
    with pytest.raises(PeriodError, match="outside the meter data"):
        check_within(base, pd.Timestamp("2025-01-01T06:00Z"), pd.Timestamp("2026-01-01T06:00Z"))


# --- decomposition and timing from results documents ----------------------------------------


def _results(mining, ai, market_scale=1.0, other=(0.0, 0.0)):
    """A results fragment: workload = (IT kWh, facility kWh, LB kg)."""
    return {
        "it_energy_kwh": {"mining": mining[0], "ai": ai[0], "other": 0.0, "total": 0.0},
        "energy_kwh": {"mining": mining[1], "ai": ai[1], "other": other[0], "total": 0.0},
        "scope2_location_kgco2e": {"mining": mining[2], "ai": ai[2], "other": other[1]},
        "scope2_market_kgco2e": {
            "mining": mining[2] * market_scale,
            "ai": ai[2] * market_scale,
            "other": other[1],
        },
    }


def test_decomposition_block_matches_methodology_7_in_kg():
    """METHODOLOGY 7 test vector written as a results document (kWh, kg CO2e)."""
    base = _results((100e3, 110e3, 44e3), (0.0, 0.0, 0.0))
    current = _results((60e3, 64.8e3, 22.68e3), (60e3, 78e3, 27.3e3), other=(500.0, 200.0))
    block = decomposition_block(base, current)
    for basis in ("location", "market"):
        effects = block[basis]["effects"]
        assert effects["activity"] == pytest.approx(5865.5, abs=0.05)
        assert effects["structure"] == pytest.approx(5000.7, abs=0.05)
        assert effects["intensity"] == pytest.approx(-590.3, abs=0.05)
        assert effects["carbon_intensity"] == pytest.approx(-4295.9, abs=0.05)
        assert sum(effects.values()) == pytest.approx(block[basis]["delta_kgco2e"], rel=1e-12)
        assert block[basis]["zero_limits"]["ai"].startswith("absent in the base period")
        # 'other' has no IT energy: outside the identity, its change reported beside it
        assert block[basis]["unattributed_delta_kgco2e"] == 200.0


def test_timing_by_workload_hand_computed():
    """At 400 g/kWh annual: mining 1,000 kWh with 380 kg hourly → -20 kg; AI 500 kWh with
    210 kg → +10 kg; the total equals the site's hourly − annual figure."""
    results = {
        "energy_kwh": {"mining": 1000.0, "ai": 500.0, "total": 1500.0},
        "scope2_location_kgco2e": {"mining": 380.0, "ai": 210.0, "total": 590.0},
        "scope2_location_annual_factor_kgco2e": {"factor_gco2e_per_kwh": 400.0},
    }
    got = timing_by_workload(results)
    assert got["mining"] == pytest.approx(-20.0)
    assert got["ai"] == pytest.approx(10.0)
    assert got["total"] == pytest.approx(590.0 - 1500.0 * 0.4)


def test_load_shape_by_workload_hand_computed():
    """Two hours at 200 and 600 g/kWh (mean 400). Mining draws 900 + 100 kWh (curtailed in the
    dirty hour): 180 + 60 = 240 kg against 1,000 × 0.4 = 400 kg → −160 kg. AI flat 250 + 250:
    50 + 150 = 200 kg against 200 kg → 0."""
    results = {
        "energy_kwh": {"mining": 1000.0, "ai": 500.0, "total": 1500.0},
        "scope2_location_kgco2e": {"mining": 240.0, "ai": 200.0, "total": 440.0},
        "grid_intensity_gco2e_per_kwh": {"period_mean": 400.0},
    }
    got = load_shape_by_workload(results)
    assert got["mining"] == pytest.approx(-160.0)
    assert got["ai"] == pytest.approx(0.0, abs=1e-9)
    assert got["total"] == pytest.approx(-160.0)


def test_meter_accuracy_class_in_the_site_file():
    from carbon.site.meters import Meter

    assert Meter(id="REV", role="revenue", accuracy_class=0.2).accuracy_class == 0.2
    assert Meter(id="REV", role="revenue").accuracy_class is None
    with pytest.raises(ValueError, match="accuracy_class"):
        Meter(id="REV", role="revenue", accuracy_class=25.0)


# --- curtailment ----------------------------------------------------------------------------

INTERVAL = pd.Timedelta("15min")


def _series(values, unit="kWh", start="2025-07-01T05:00"):
    times = pd.date_range(start, periods=len(values), freq=INTERVAL)
    return xr.DataArray(np.asarray(values, float), dims=("time",), coords={"time": times})


def test_curtailment_hand_computed():
    """Reference = median power of loaded intervals. 8 intervals of 2,500 kWh (10 MW) and two of
    125 kWh (0.5 MW): reference 10,000 kW; 2 curtailed intervals = 0.5 h; each 9,500 kW short
    for 0.25 h → 4,750 kWh."""
    energy = _series([2500.0] * 8 + [125.0, 125.0]).pint.quantify("kWh")
    got = curtailment(energy, INTERVAL)
    assert got["reference_power_kw"] == pytest.approx(10_000.0)
    assert got["curtailed_intervals"] == 2
    assert got["curtailed_hours"] == pytest.approx(0.5)
    assert got["curtailed_energy_kwh"] == pytest.approx(4750.0)
    assert got["avoided_emissions"] == NO_MARGINAL_SOURCE
    assert "outside the inventory" in got["label"]


def test_curtailment_avoided_emissions_at_the_marginal_rate():
    """MOER 1,000 lb CO2/MWh = 0.45359237 kg CO2/kWh; 4,750 kWh curtailed → 2,154.56 kg CO2."""
    energy = _series([2500.0] * 8 + [125.0, 125.0]).pint.quantify("kWh")
    moer = _series([1000.0] * 10).pint.quantify("lb CO2/MWh")
    got = curtailment(energy, INTERVAL, marginal_rate=moer, marginal_source="WattTime MOER")
    avoided = got["avoided_emissions"]
    assert avoided["kg"] == pytest.approx(4750.0 * 0.45359237)
    assert avoided["gas"] == "CO2"
    assert "outside the inventory" in avoided["label"]


def test_curtailment_refuses_bad_units_and_missing_rates():
    energy = _series([2500.0] * 8 + [125.0, 125.0]).pint.quantify("kWh")
    with pytest.raises(UnitError, match="mining IT energy"):
        curtailment(_series([1.0] * 10).pint.quantify("kW"), INTERVAL)
    with pytest.raises(UnitError, match="marginal emission rate"):
        curtailment(energy, INTERVAL, marginal_rate=_series([1.0] * 10).pint.quantify("kWh"))
    gap = _series([1000.0] * 9 + [np.nan]).pint.quantify("lb CO2/MWh")
    with pytest.raises(UnitError, match="missing for 1 curtailed interval"):
        curtailment(energy, INTERVAL, marginal_rate=gap)


def test_curtailment_without_mining_load():
    got = curtailment(_series([0.0] * 4).pint.quantify("kWh"), INTERVAL)
    assert got["curtailed_intervals"] == 0
    assert got["reference_power_kw"] is None


# --- counterfactual -------------------------------------------------------------------------


def test_counterfactual_hand_computed():
    """Reference window: hall D drew 100 kWh per interval, the fleet (A) 300 → share 1/3.
    Period (2 hours of 15 min): A draws 600 kWh per interval, D (now AI) 150, converted before
    the period. Scenario IT = 200 kWh × 8 = 1,600 kWh; × PUE 1.1 = 1,760 kWh; at 500 g/kWh →
    880 kg; market-based at 0.3 kg/kWh → 528 kg. Actual: 1,200 kWh IT."""
    ref_times = pd.date_range("2025-06-01", periods=8, freq=INTERVAL)
    reference = xr.DataArray(
        np.array([[300.0] * 8, [100.0] * 8]),
        dims=("meter", "time"),
        coords={"meter": ["A", "D"], "time": ref_times},
    ).pint.quantify("kWh")
    times = pd.date_range("2025-07-01T05:00", periods=8, freq=INTERVAL)
    period = xr.DataArray(
        np.array([[600.0] * 8, [150.0] * 8]),
        dims=("meter", "time"),
        coords={"meter": ["A", "D"], "time": times},
    ).pint.quantify("kWh")
    hours = pd.date_range("2025-07-01T05:00", periods=2, freq="1h")
    intensity = xr.DataArray([500.0, 500.0], dims=("time",), coords={"time": hours}).pint.quantify(
        "g CO2e/kWh"
    )
    got = counterfactual(
        reference_energy=reference,
        period_energy=period,
        converted={"D": pd.Timestamp("2025-06-14T17:00Z")},
        fleet=["A"],
        interval=INTERVAL,
        factor_resolution=pd.Timedelta("1h"),
        intensity=intensity,
        mining_pue=ureg.Quantity(1.1, ""),
        mining_market_rate=ureg.Quantity(0.3, "kg CO2e/kWh"),
        ai_pue=ureg.Quantity(1.2, ""),
        realised_j_per_th=ureg.Quantity(20.0, "J/TH"),
    )
    assert got["available"]
    assert got["halls"][0]["share_of_fleet_before"] == pytest.approx(1 / 3)
    assert got["it_energy_kwh"] == pytest.approx(1600.0)
    assert got["facility_energy_kwh"] == pytest.approx(1760.0)
    assert got["scope2_location_kgco2e"] == pytest.approx(880.0)
    assert got["scope2_market_kgco2e"] == pytest.approx(528.0)
    assert got["actual"]["it_energy_kwh"] == pytest.approx(1200.0)
    assert got["actual"]["scope2_location_kgco2e"] == pytest.approx(1200.0 * 1.2 * 0.5)
    # 1,600 kWh over 2 h = 800 kW; ÷ 20 W per TH/s = 40,000 TH/s
    assert got["average_hashrate_th_per_s"] == pytest.approx(40_000.0)
    assert got["label"].startswith("Scenario, not inventory")


def test_counterfactual_conversion_inside_the_period():
    """Same data, hall D converting one hour into the period: only the last 4 intervals are
    scenario (4 × 200 = 800 kWh IT), and the hashrate averages over that hour: 800 kW ÷ 20."""
    ref_times = pd.date_range("2025-06-01", periods=8, freq=INTERVAL)
    reference = xr.DataArray(
        np.array([[300.0] * 8, [100.0] * 8]),
        dims=("meter", "time"),
        coords={"meter": ["A", "D"], "time": ref_times},
    ).pint.quantify("kWh")
    times = pd.date_range("2025-07-01T05:00", periods=8, freq=INTERVAL)
    period = xr.DataArray(
        np.array([[600.0] * 8, [150.0] * 8]),
        dims=("meter", "time"),
        coords={"meter": ["A", "D"], "time": times},
    ).pint.quantify("kWh")
    hours = pd.date_range("2025-07-01T05:00", periods=2, freq="1h")
    intensity = xr.DataArray([400.0, 500.0], dims=("time",), coords={"time": hours}).pint.quantify(
        "g CO2e/kWh"
    )
    got = counterfactual(
        reference_energy=reference,
        period_energy=period,
        converted={"D": pd.Timestamp("2025-07-01T06:00Z")},
        fleet=["A"],
        interval=INTERVAL,
        factor_resolution=pd.Timedelta("1h"),
        intensity=intensity,
        mining_pue=ureg.Quantity(1.0, ""),
        mining_market_rate=ureg.Quantity(0.3, "kg CO2e/kWh"),
        realised_j_per_th=ureg.Quantity(20.0, "J/TH"),
    )
    assert got["it_energy_kwh"] == pytest.approx(800.0)
    assert got["scope2_location_kgco2e"] == pytest.approx(800.0 * 0.5)  # second hour only
    assert got["actual"]["it_energy_kwh"] == pytest.approx(600.0)
    assert got["average_hashrate_th_per_s"] == pytest.approx(40_000.0)


def test_counterfactual_without_a_conversion():
    got = counterfactual(
        reference_energy=None,
        period_energy=None,
        converted={},
        fleet=["A"],
        interval=INTERVAL,
        factor_resolution=pd.Timedelta("1h"),
        intensity=None,
        mining_pue=ureg.Quantity(1.1, ""),
        mining_market_rate=ureg.Quantity(0.3, "kg CO2e/kWh"),
    )
    assert got["available"] is False


# --- marginal rate on the meter intervals ----------------------------------------------------


def _moer_file(path, values, start="2023-11-01T05:00Z", step="5min"):
    import json

    times = pd.date_range(start, periods=len(values), freq=step)
    points = [{"point_time": t.isoformat(), "value": v} for t, v in zip(times, values, strict=True)]
    meta = {
        "region": "ERCOT_WEST",
        "signal_type": "co2_moer",
        "units": "lbs_co2_per_mwh",
        "data_point_period_seconds": int(pd.Timedelta(step).total_seconds()),
        "model": {"date": "2023-03-01"},
    }
    path.write_text(json.dumps({"data": points, "meta": meta}), encoding="utf-8")
    return path


def test_marginal_rate_is_averaged_onto_meter_intervals(tmp_path):
    """5-minute MOER 900..905 lb/MWh onto 15-minute intervals: means 901 and 904; a missing
    5-minute point leaves its meter interval without a rate (NaN), never filled."""
    from carbon.analysis.marginal import marginal_on_intervals
    from carbon.ingest.grid_watttime import read_watttime

    table = read_watttime(_moer_file(tmp_path / "moer.json", [900, 901, 902, 903, 904, 905]))
    times = pd.date_range("2023-11-01T05:00", periods=3, freq=INTERVAL)
    got = marginal_on_intervals(table, times, INTERVAL)
    values = got.pint.to("lb CO2/MWh").pint.magnitude
    assert values[0] == pytest.approx(901.0)
    assert values[1] == pytest.approx(904.0)
    assert np.isnan(values[2])  # no data after 05:30
    gap = read_watttime(_moer_file(tmp_path / "gap.json", [900, None, 902]))
    assert np.isnan(marginal_on_intervals(gap, times[:1], INTERVAL).pint.magnitude[0])


def test_site_with_a_marginal_rate_reports_avoided_emissions(tmp_path):
    """The example site (November 2023) with a flat 1,000 lb CO2/MWh MOER: avoided emissions =
    curtailed kWh × 0.45359237 kg/kWh, labelled outside the inventory with the source named."""
    from carbon.core.period import month
    from carbon.results.document import ReportMeta, build_results
    from carbon.workflow import site_data
    from carbon.workflow.compare import period_blocks
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    # Curtail both halls for two hours on 2 November (10 kWh per interval), the revenue meter
    # dropping by the same energy.
    meters = pd.read_csv(tmp_path / "meters.csv")
    stamps = pd.date_range("2023-11-02T14:00", periods=8, freq=INTERVAL, tz="America/Chicago")
    window = meters["interval_start"].isin([t.isoformat() for t in stamps])
    halls = window & meters["meter_id"].isin(["HALL-A", "HALL-B"])
    drop = meters.loc[halls].groupby("interval_start")["energy_kwh"].sum() - 20.0
    meters.loc[halls, "energy_kwh"] = 10.0
    rev = window & meters["meter_id"].eq("REV")
    meters.loc[rev, "energy_kwh"] -= meters.loc[rev, "interval_start"].map(drop).to_numpy()
    meters.to_csv(tmp_path / "meters.csv", index=False)
    n = 12 * 24 * 31
    _moer_file(tmp_path / "moer.json", [1000.0] * n, start="2023-11-01T00:00Z")
    site_file = tmp_path / "site.toml"
    with site_file.open("a", encoding="utf-8") as f:
        f.write('\n[marginal_rate]\nsource = "watttime"\npath = "moer.json"\n')
    data = site_data(site_file)
    outcome = data.run(month("2023-11", data.site.site.timezone))
    from datetime import date

    results = build_results(outcome, ReportMeta("x", 1, "draft", date(2023, 12, 1)))
    block = period_blocks(outcome, results, data.marginal)["curtailment"]
    avoided = block["avoided_emissions"]
    assert block["curtailed_intervals"] == 8
    assert block["curtailed_energy_kwh"] > 8 * 0.25 * 0.5 * block["reference_power_kw"]
    assert avoided["gas"] == "CO2"
    assert avoided["kg"] == pytest.approx(block["curtailed_energy_kwh"] * 0.45359237, rel=1e-9)
    assert "ERCOT_WEST" in avoided["source"] and "outside the inventory" in avoided["label"]
