"""Operating disclosures (DISCLOSURES items 2-7, 12, 15, 16, 18): definitions pinned.

Capacity stack and load factor, hashrate definitions and realised J/TH, per-BTC
intensities, the three clean-energy shares (independent, never summed), demand
response against a stated baseline, the energy cost bridge in currency units,
and water. Hand-computed values; the demo site for the integration checks.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pint
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon.analysis import capacity, clean_shares, sector
from carbon.analysis.cost_bridge import cost_bridge
from carbon.analysis.demand_response import curtailed_against_baseline
from carbon.analysis.hashrate import uptime
from carbon.analysis.operating import capacity_block
from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.money import parse_money
from carbon.core.units import Q_
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo(demo_july):
    """The demo's July 2025 computed once for the session (tests/conftest.py)."""
    return demo_july


def _series(values, unit: str, freq: str = "15min") -> xr.DataArray:
    times = pd.date_range("2025-07-01T05:00", periods=len(values), freq=freq)
    return xr.DataArray(
        np.asarray(values, float), coords={"time": times}, dims="time"
    ).pint.quantify(unit)


# --- capacity, average MW, load factor ---------------------------------------------------
def test_average_power_and_load_factor_hand_computed() -> None:
    # 60 806.9 MWh over 744 h = 81.73 MW; ÷ 120 MW energised = 0.6811
    avg = capacity.average_power(Q_(60_806.9, "MWh"), Q_(744, "h"))
    assert avg.to("MW").magnitude == pytest.approx(60_806.9 / 744, rel=1e-12)
    lf = capacity.load_factor(avg, Q_(120, "MW"))
    assert lf.magnitude == pytest.approx(60_806.9 / 744 / 120, rel=1e-12)
    # units convert: kWh and kW give the same answer
    avg_k = capacity.average_power(Q_(60_806_900, "kWh"), Q_(744 * 60, "min"))
    assert avg_k.to("MW").magnitude == pytest.approx(avg.magnitude, rel=1e-12)
    assert capacity.load_factor(Q_(81_729.7, "kW"), Q_(120, "MW")).magnitude == pytest.approx(
        0.68108, abs=1e-5
    )


def test_kw_and_kwh_mixing_is_refused() -> None:
    with pytest.raises(UnitError, match="energy"):
        capacity.average_power(Q_(80, "MW"), Q_(744, "h"))  # a capacity is not an energy
    with pytest.raises(UnitError, match="power"):
        capacity.load_factor(Q_(60_000, "MWh"), Q_(120, "MW"))
    with pytest.raises(UnitError, match="power"):
        capacity.load_factor(Q_(80, "MW"), Q_(120, "MWh"))
    with pytest.raises(UnitError, match="power"):
        curtailed_against_baseline(
            _series([1.0], "MWh"),
            pd.Timedelta(minutes=15),
            pd.Timestamp("2025-07-01T00:00", tz="America/Chicago"),
            pd.Timestamp("2025-07-01T01:00", tz="America/Chicago"),
            Q_(40, "MWh"),
        )


def _capacity_site(**extra):
    return tiny_site(
        capacity=[
            {"measure": "gross_energised", "value": "100 MW", "effective_from": "2024-01-01"},
            {"measure": "gross_energised", "value": "120 MW", "effective_from": "2025-07-15"},
            {
                "measure": "mining",
                "value": "80 MW",
                "effective_from": "2024-01-01",
                "effective_to": "2025-07-30",
            },
            {"measure": "mining", "value": "60 MW", "effective_from": "2025-08-01"},
        ],
        **extra,
    )


def test_capacity_in_effect_at_month_end() -> None:
    site = _capacity_site()
    at = capacity.capacity_at(site.capacity, datetime.date(2025, 7, 31))
    assert at["gross_energised"].to("MW").magnitude == 120  # the later record wins
    assert "mining" not in at  # 80 MW ended on 07-30, 60 MW starts 08-01: none in effect
    at_june = capacity.capacity_at(site.capacity, datetime.date(2025, 6, 30))
    assert at_june["gross_energised"].magnitude == 100
    assert at_june["mining"].magnitude == 80
    twice = [*site.capacity, site.capacity[0]]
    with pytest.raises(InputDataError, match="two records take effect on 2024-01-01"):
        capacity.capacity_at(twice, datetime.date(2025, 1, 1))


def test_capacity_never_stands_in_for_energy_across_a_meter_gap() -> None:
    """A month with a gap in the revenue meter reports metered energy only; average MW is
    metered energy ÷ hours of the period, not capacity × hours."""
    site = _capacity_site()
    # 4 intervals of 15 min: 25 MWh each would be 100 MW; one interval missing
    revenue = _series([25.0, 25.0, np.nan, 25.0], "MWh")
    period = SimpleNamespace(end=pd.Timestamp("2025-08-01", tz="UTC"), hours=1.0)
    outcome = SimpleNamespace(
        site=site, period=period, attribution=SimpleNamespace(revenue=revenue)
    )
    block = capacity_block(outcome)
    assert block["metered_energy_mwh"] == pytest.approx(75.0)
    assert block["metered_intervals_without_data"] == 1
    assert block["average_mw"] == pytest.approx(75.0)  # 75 MWh / 1 h, gap not filled
    assert block["load_factor"] == pytest.approx(75.0 / 120.0)
    assert block["month_end"]["gross_energised_mw"] == 120.0
    assert block["month_end"]["mining_mw"] is None


def test_demo_capacity_block(demo) -> None:
    _, results = demo
    cap = results["capacity"]
    assert cap["month_end"]["date"] == "2025-07-31"
    assert cap["metered_energy_mwh"] == pytest.approx(results["energy_kwh"]["total"] / 1000)
    assert cap["average_mw"] == pytest.approx(cap["metered_energy_mwh"] / cap["hours"])
    assert cap["load_factor"] == pytest.approx(
        cap["average_mw"] / cap["month_end"]["gross_energised_mw"]
    )
    assert cap["month_end"]["mining_mw"] == 67.0  # HALL-D left mining on 2025-06-14
    assert cap["month_end"]["critical_it_billable_mw"] == 28.0
    assert {p["status"] for p in cap["pipeline"]} >= {"under_construction", "approved"}
    assert all(p["in_future"] for p in cap["pipeline"])
    assert "not actuals" in cap["pipeline_label"]


# --- hashrate and fleet efficiency -------------------------------------------------------
def test_realised_j_per_th_from_metered_energy_and_delivered_hashes() -> None:
    # 1 000 kWh in one hour at 200 TH/s: 3.6e9 J / (200 TH/s × 3600 s = 720 000 TH) = 5000 J/TH
    m = sector.realised_efficiency(Q_(1000, "kWh"), Q_(200, "TH/s"), pd.Timedelta(hours=1))
    assert m.value.to("J/TH").magnitude == pytest.approx(5000.0, rel=1e-12)
    assert uptime(Q_(2.6, "EH/s"), Q_(3.7, "EH/s")).magnitude == pytest.approx(2.6 / 3.7)
    with pytest.raises(UnitError):
        uptime(Q_(2.6, "EH/s"), Q_(3.7, "MW"))


def test_demo_hashrate_definitions_and_realised_j_per_th(demo) -> None:
    _, results = demo
    h = results["hashrate"]
    assert {"installed", "energised", "average_operating", "uptime"} <= set(h)
    for entry in h.values():
        assert entry["definition"] and entry["unit"]
    # realised J/TH by hand from results.json: mining IT kWh × 3.6e6 J / (TH/s × seconds)
    seconds = results["period"]["hours"] * 3600
    th_s = h["average_operating"]["value"] * 1000  # PH/s → TH/s
    by_hand = results["it_energy_kwh"]["mining"] * 3.6e6 / (th_s * seconds)
    assert h["fleet_efficiency_realised"]["value"] == pytest.approx(by_hand, rel=1e-9)
    assert h["uptime"]["value"] == pytest.approx(
        h["average_operating"]["value"] / h["energised"]["value"], rel=1e-12
    )
    # rated J/TH is power-weighted: Σ count·W / Σ count·TH/s, not the mean of model ratings
    miners = results["sector_metrics"]["activity"]["miners"]
    weighted = sum(m["count"] * m["rated_power_w"] for m in miners) / sum(
        m["count"] * m["rated_hashrate_th_per_s"] for m in miners
    )
    assert h["fleet_efficiency_rated"]["value"] == pytest.approx(weighted, rel=1e-12)
    assert weighted != pytest.approx(np.mean([m["nameplate_j_per_th"] for m in miners]))
    assert h["fleet_efficiency_facility"]["value"] > h["fleet_efficiency_realised"]["value"]


def test_demo_production_block(demo) -> None:
    _, results = demo
    p = results["production"]
    f = p["figures"]
    assert p["btc_mined_self"] > 0
    assert f["energy_per_btc_self_mwh"]["value"] == pytest.approx(
        results["energy_kwh"]["mining"] / 1000 / p["btc_mined_self"], rel=1e-9
    )
    for basis in ("location", "market"):
        assert f[f"emissions_per_btc_self_{basis}_tco2e"]["value"] > 0
        assert f[f"emissions_per_ph_day_{basis}_kgco2e"]["value"] > 0
    days = results["period"]["hours"] / 24
    ph_s = results["hashrate"]["average_operating"]["value"]
    assert f["energy_per_ph_day_kwh"]["value"] == pytest.approx(
        results["energy_kwh"]["mining"] / (ph_s * days), rel=1e-9
    )
    assert "hosted" in p["not_computed"]["energy_per_btc_hosted_mwh"]


# --- the three clean-energy shares ---------------------------------------------------------
def test_three_shares_hand_computed() -> None:
    load = _series([1.0, 3.0], "MWh", freq="1h")
    c_h = _series([0.5, 0.1], "dimensionless", freq="1h")
    gen = _series([2.0, 1.0], "MWh", freq="1h")
    # Σ L·c / Σ L = (0.5 + 0.3) / 4
    assert clean_shares.grid_carbon_free_share(load, c_h).magnitude == pytest.approx(0.2)
    # Σ min(L, G) / Σ L = (1 + 1) / 4
    assert clean_shares.hourly_matched_share(load, gen).magnitude == pytest.approx(0.5)
    assert clean_shares.certificate_renewable_share(
        Q_(3000, "kWh"), Q_(4, "MWh")
    ).magnitude == pytest.approx(0.75)
    # over-retirement caps at 100 %, never above
    assert clean_shares.certificate_renewable_share(Q_(5, "MWh"), Q_(4, "MWh")).magnitude == 1.0
    with pytest.raises(UnitError):
        clean_shares.certificate_renewable_share(Q_(3, "MW"), Q_(4, "MWh"))
    with pytest.raises(InputDataError):
        clean_shares.grid_carbon_free_share(load, _series([0.5, 1.2], "dimensionless", "1h"))


def _share_outcome(*, c: float, cert_mwh: float, gen_mwh: list[float]):
    """A two-hour outcome with just what the three shares read (load 1 and 3 MWh)."""
    times = pd.date_range("2025-07-01T05:00", periods=2, freq="1h")
    load = xr.DataArray(
        np.array([[1.0, 3.0]]), coords={"workload": ["mining"], "time": times}
    ).pint.quantify("MWh")
    gen = xr.DataArray(
        np.array([[gen_mwh]]),
        coords={"instrument": ["ppa-wind"], "workload": ["mining"], "time": times},
    ).pint.quantify("MWh")
    register = [
        SimpleNamespace(
            instrument_id="ppa-wind",
            status="applied",
            kind="certificate",
            technology="wind",
            available_mwh=cert_mwh,
        )
    ]
    return SimpleNamespace(
        period=SimpleNamespace(label="2025-07"),
        hourly_energy=load,
        site=SimpleNamespace(
            grid_carbon_free=[SimpleNamespace(period="2025-07", share=c, source="test")]
        ),
        attribution=SimpleNamespace(revenue=load.sel(workload="mining")),
        scopes=SimpleNamespace(
            market=SimpleNamespace(register=register, generation_hourly=gen, load=load)
        ),
    )


def test_shares_are_independent_of_each_other() -> None:
    """Changing one share's own input moves that share and no other."""
    from carbon.analysis.operating import clean_shares_block

    def values(**kw):
        args = {"c": 0.3, "cert_mwh": 2.0, "gen_mwh": [2.0, 1.0], **kw}
        s = clean_shares_block(_share_outcome(**args))
        return {k: s[k]["value"] for k in clean_shares.SHARE_LABELS}

    base = values()
    # by hand: grid 0.3; certificates 2/4; hourly (min(1,2) + min(3,1)) / 4
    assert base == pytest.approx(
        {
            "grid_carbon_free_location": 0.3,
            "certificate_renewable_annual": 0.5,
            "hourly_matched_cfe": 0.5,
        }
    )
    for change, moved in (
        ({"c": 0.6}, "grid_carbon_free_location"),
        ({"cert_mwh": 3.0}, "certificate_renewable_annual"),
        ({"gen_mwh": [0.0, 3.0]}, "hourly_matched_cfe"),
    ):
        after = values(**change)
        assert after[moved] != pytest.approx(base[moved])
        for key in set(base) - {moved}:
            assert after[key] == pytest.approx(base[key]), (change, key)


def test_demo_shares_each_from_its_own_input(demo) -> None:
    outcome, results = demo
    s = results["clean_energy_shares"]
    row = next(r for r in outcome.site.grid_carbon_free if r.period == "2025-07")
    assert s["grid_carbon_free_location"]["value"] == pytest.approx(row.share, rel=1e-12)
    assert s["hourly_matched_cfe"]["value"] == pytest.approx(
        results["market_based"]["metrics"]["hourly_matched_share"], rel=1e-12
    )
    cert = s["certificate_renewable_annual"]
    assert cert["value"] == pytest.approx(cert["certificate_mwh"] / cert["consumption_mwh"])
    assert [s[k]["label"] for k in clean_shares.SHARE_LABELS] == list(
        clean_shares.SHARE_LABELS.values()
    )
    assert "Google" in s["hourly_matched_cfe"]["definition"]
    values = [s[k]["value"] for k in clean_shares.SHARE_LABELS]
    assert len(set(values)) == 3


def _numbers(node):
    if isinstance(node, dict):
        for v in node.values():
            yield from _numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from _numbers(v)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield float(node)


def test_no_total_of_the_shares_anywhere_in_results(demo) -> None:
    _, results = demo
    s = results["clean_energy_shares"]
    a, b, c = (s[k]["value"] for k in clean_shares.SHARE_LABELS)
    sums = [a + b, a + c, b + c, a + b + c, (a + b + c) / 3]
    numbers = list(_numbers(results))
    for total in sums:
        assert not any(abs(x - total) < 1e-9 for x in numbers), total
    assert set(s) == {*clean_shares.SHARE_LABELS, "note"}


def test_no_sustainable_or_zero_carbon_wording(demo) -> None:
    _, results = demo
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "templates").rglob("*.j2")]
    texts.append(json.dumps(results, ensure_ascii=False))
    for text in texts:
        lowered = text.lower()
        assert "sustainable" not in lowered
        assert "zero-carbon" not in lowered and "zero carbon" not in lowered


# --- demand response ----------------------------------------------------------------------
def test_curtailed_mwh_against_stated_baseline_hand_computed() -> None:
    # 40 MW baseline over 15-min intervals = 10 MWh each; metered [10, 2, 0, 10, 1] MWh
    mining = _series([10.0, 2.0, 0.0, 10.0, 1.0], "MWh")
    start = pd.Timestamp("2025-07-01T00:00", tz="America/Chicago")  # 05:00 UTC
    end = start + pd.Timedelta(hours=1)  # the fifth interval is outside the window
    curtailed, hours, missing = curtailed_against_baseline(
        mining, pd.Timedelta(minutes=15), start, end, Q_(40, "MW")
    )
    assert curtailed.to("MWh").magnitude == pytest.approx(0 + 8 + 10 + 0)
    assert hours.to("h").magnitude == 1.0 and missing == 0


def test_demo_demand_response_kept_apart(demo) -> None:
    _, results = demo
    dr = results["demand_response"]
    assert dr["totals"]["events"] == len(dr["events"]) > 0
    assert dr["totals"]["curtailed_mwh"] == pytest.approx(
        sum(e["curtailed_mwh"] for e in dr["events"])
    )
    assert set(dr["totals"]["credits_by_currency"]) == {"USD"}
    assert "outside energy and emissions" in dr["label"]
    assert dr["metered_curtailment"]["curtailed_hours"] > 0
    # credits never change energy: site energy equals the metered revenue meter
    rev = next(m for m in results["meters"] if m["role"] == "revenue")
    assert results["energy_kwh"]["total"] == pytest.approx(rev["energy_kwh"], rel=1e-9)


# --- energy cost bridge ------------------------------------------------------------------
def test_cost_bridge_hand_computed() -> None:
    b = cost_bridge(
        energy_charges=Q_(1000, "USD"),
        metered_energy=Q_(10_000, "kWh"),
        credits=Q_(100, "USD"),
        hedges=Q_(-50, "USD"),
        certificates=Q_(20, "USD"),
        self_mining_energy=Q_(5, "MWh"),
        btc_mined_self=0.5,
    )
    assert b["net"].to("USD").magnitude == pytest.approx(1000 - 100 - 50 + 20)
    assert b["gross_per_mwh"].to("USD/MWh").magnitude == pytest.approx(100.0)
    assert b["net_per_mwh"].to("USD/MWh").magnitude == pytest.approx(87.0)
    assert b["net_per_btc"].to("USD").magnitude == pytest.approx(870 * 0.5 / 0.5)


def test_currency_mixing_and_money_as_energy_are_refused() -> None:
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "USD") + Q_(1, "EUR")
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "USD").to("MWh")
    with pytest.raises(UnitError, match="never converted"):
        cost_bridge(energy_charges=Q_(1, "USD"), metered_energy=Q_(1, "MWh"), credits=Q_(1, "EUR"))
    with pytest.raises(UnitError, match="energy"):
        cost_bridge(energy_charges=Q_(1, "USD"), metered_energy=Q_(1, "USD"))
    with pytest.raises(UnitError, match="not an amount of money"):
        parse_money("12 MWh", "energy_charges")
    assert parse_money("-12.5 USD", "hedges").magnitude == -12.5


def test_demo_energy_cost(demo) -> None:
    _, results = demo
    c = results["energy_cost"]
    assert c["currency"] == "USD"
    assert c["net"] == pytest.approx(c["gross"] - c["credits"] + c["hedges"] + c["certificates"])
    assert c["gross_per_mwh"] == pytest.approx(c["gross"] / c["metered_energy_mwh"])
    assert c["metered_energy_mwh"] == pytest.approx(results["energy_kwh"]["total"] / 1000)
    assert c["credits"] == pytest.approx(
        results["demand_response"]["totals"]["credits_by_currency"]["USD"]
    )


# --- water ---------------------------------------------------------------------------------
def test_demo_water(demo) -> None:
    _, results = demo
    w = results["water"]
    assert w["withdrawal_m3"] == 17_600  # the demo's July bill
    assert w["consumption_m3"] < w["withdrawal_m3"]
    # WUE = withdrawal [L] / IT energy [kWh]
    assert w["wue_l_per_kwh"] == pytest.approx(
        w["withdrawal_m3"] * 1000 / results["it_energy_kwh"]["total"], rel=1e-12
    )
    assert w["wue_l_per_kwh"] == pytest.approx(results["kpis"]["wue"], rel=1e-12)
    assert {h["hall"]: h["cooling"] for h in w["cooling_by_hall"]}["HALL-A"] == "air"


# --- site-file validation -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {
                "capacity": [
                    {"measure": "mining", "value": "80 MWh", "effective_from": "2025-01-01"}
                ]
            },
            "capacity[0].value",
        ),
        (
            {"capacity": [{"measure": "minng", "value": "80 MW", "effective_from": "2025-01-01"}]},
            "capacity[0].measure",
        ),
        (
            {
                "capacity": [
                    {
                        "measure": "mining",
                        "value": "80 MW",
                        "effective_from": "2025-01-01",
                        "colour": "red",
                    }
                ]
            },
            "capacity[0].colour",
        ),
        (
            {
                "energy_cost": [
                    {"period": "2025-07", "energy_charges": "10 USD", "certificate_spend": "2 EUR"}
                ]
            },
            "one currency per row",
        ),
        (
            {"energy_cost": [{"period": "2025-07", "energy_charges": "10 MWh"}]},
            "energy_cost[0].energy_charges",
        ),
        ({"cooling": [{"hall": "NOPE", "cooling": "air"}]}, "hall 'NOPE' is not a meter"),
        (
            {
                "demand_response": [
                    {
                        "programme": "p",
                        "event_id": "e",
                        "start": "2025-07-01T15:00:00-05:00",
                        "end": "2025-07-01T14:00:00-05:00",
                        "baseline": "40 MW",
                    }
                ]
            },
            "is not after start",
        ),
        (
            {
                "demand_response": [
                    {
                        "programme": "p",
                        "event_id": "e",
                        "start": "2025-07-01T15:00:00",
                        "end": "2025-07-01T16:00:00-05:00",
                        "baseline": "40 MW",
                    }
                ]
            },
            "UTC offset",
        ),
        (
            {"grid_carbon_free": [{"period": "2025-07", "share": 1.4, "source": "x"}]},
            "grid_carbon_free[0].share",
        ),
    ],
)
def test_site_file_errors_name_the_key(extra, message) -> None:
    data = {
        "site": {"id": "tiny", "name": "Tiny", "timezone": "UTC", "grid_region": "ERCT"},
        "meters": [
            {"id": "REV", "role": "revenue"},
            {"id": "M", "role": "it", "parent": "REV", "workload": "mining"},
        ],
        **extra,
    }
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        site_from_dict(data, source="site.toml")


def test_sites_without_the_new_keys_keep_their_hash() -> None:
    """The tiny site's configuration hash as it was before these keys existed."""
    site = tiny_site()
    assert site.sha256() == "448e4fa0f51bb332889853e78aee55513f391ddf1dfa44072612555f122cfa8c"
    assert _capacity_site().sha256() != site.sha256()


# --- hand-computed flat month (tests/analysis/test_activity.py's site) -----------------------
def test_flat_month_hand_computed_with_hosted_clients() -> None:
    """Flat January (744 h): REV 10 kWh per 15 min = 40 kW; mining IT 17,856 kWh, mining total
    19,840 kWh; 1.0 PH/s average of which 0.25 PH/s hosted."""
    from tests.analysis.test_activity import METERS, MINING_TOTAL, ROW, _results

    row = {**ROW, "hashrate_average_hosted": "250 TH/s", "btc_mined_hosted": 0.2}
    site = tiny_site(
        meters=METERS,
        activity=[row],
        capacity=[{"measure": "gross_energised", "value": "50 kW", "effective_from": "2024-12-01"}],
        energy_cost=[
            {"period": "2025-01", "energy_charges": "1000 USD", "hedge_settlements": "-100 USD"}
        ],
    )
    results = _results(site)
    h = results["hashrate"]
    assert h["installed"]["value"] == pytest.approx(1.1)
    assert h["energised"]["value"] == pytest.approx(1.05)
    assert h["average_operating_self"]["value"] == pytest.approx(0.75)
    assert h["average_operating_hosted"]["value"] == pytest.approx(0.25)
    assert h["uptime"]["value"] == pytest.approx(1.0 / 1.05)
    # realised: 17,856 kWh × 3.6e6 J/kWh / (1,000 TH/s × 2,678,400 s) = 24 J/TH
    assert h["fleet_efficiency_realised"]["value"] == pytest.approx(24.0)
    f = results["production"]["figures"]
    assert f["energy_per_btc_self_mwh"]["value"] == pytest.approx(0.75 * MINING_TOTAL / 1000 / 0.5)
    assert f["energy_per_btc_hosted_mwh"]["value"] == pytest.approx(
        0.25 * MINING_TOTAL / 1000 / 0.2
    )
    assert f["energy_per_ph_day_kwh"]["value"] == pytest.approx(MINING_TOTAL / (1.0 * 31))
    cap = results["capacity"]
    assert cap["average_mw"] == pytest.approx(0.04)  # 29,760 kWh / 744 h
    assert cap["load_factor"] == pytest.approx(0.8)  # 0.04 MW / 0.05 MW
    cost = results["energy_cost"]
    assert cost["net"] == pytest.approx(900.0)
    assert cost["gross_per_mwh"] == pytest.approx(1000 / 29.76)
    assert cost["net_per_btc"] == pytest.approx(900 * (0.75 * MINING_TOTAL / 29760) / 0.5)
    # no grid share row: not computed, never borrowed from another share
    grid = results["clean_energy_shares"]["grid_carbon_free_location"]
    assert grid["value"] is None and "no [[grid_carbon_free]]" in grid["not_computed"]
    assert results["water"]["withdrawal_m3"] is None


def test_demo_html_shows_each_item_under_its_definition(demo) -> None:
    """The rendered sections carry the fixed share labels, the named hashrate definitions,
    the pipeline apart from actuals, and no 'sustainable' / 'zero-carbon' wording."""
    import html as html_lib
    import re

    from carbon.report.context import build_context
    from carbon.report.render import render_html

    outcome, results = demo
    page = render_html(build_context(results, outcome.power_by_workload))
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    for label in clean_shares.SHARE_LABELS.values():
        assert label in text
    assert "Contracted pipeline: not actuals" in text
    assert "Capacity stack at the month end (2025-07-31), actuals" in text
    assert "Σ P_rated / Σ H_rated" in text and "hashes delivered" in text
    assert "Curtailed vs baseline" in text and "Energy cost bridge (money, not energy)" in text
    assert "Water withdrawal (total site input)" in text and "adiabatic" in text
    lowered = text.lower()
    assert "sustainable" not in lowered and "zero-carbon" not in lowered


def test_hourly_matched_share_methodology_2_worked_example() -> None:
    """METHODOLOGY 2 worked example: flat 10 MW for 24 h (240 MWh), solar PPA 30 MW for 8 h:
    matched 80 MWh, M_hr = 80 / 240 = 33 % (exact; no tolerance needed)."""
    load = _series([10.0] * 24, "MWh", freq="1h")
    solar = _series([0.0] * 8 + [30.0] * 8 + [0.0] * 8, "MWh", freq="1h")
    assert clean_shares.hourly_matched_share(load, solar).magnitude == pytest.approx(80 / 240)
    # annual certificates for the same 240 MWh would back 100 %: a different share
    assert clean_shares.certificate_renewable_share(Q_(240, "MWh"), Q_(240, "MWh")).magnitude == 1


_HOURS = st.integers(min_value=1, max_value=48)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_share_invariants(data) -> None:
    """0 ≤ M_hr ≤ min(1, ΣG/ΣL); the grid share lies between the smallest and largest c_h."""
    n = data.draw(_HOURS)
    pos = st.floats(min_value=0.01, max_value=100.0, allow_nan=False)
    load = data.draw(st.lists(pos, min_size=n, max_size=n))
    gen = data.draw(st.lists(st.floats(0.0, 100.0), min_size=n, max_size=n))
    c = data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    l_da, g_da = _series(load, "MWh", "1h"), _series(gen, "MWh", "1h")
    m_hr = clean_shares.hourly_matched_share(l_da, g_da).magnitude
    assert 0.0 <= m_hr <= min(1.0, sum(gen) / sum(load)) + 1e-12
    grid = clean_shares.grid_carbon_free_share(l_da, _series(c, "dimensionless", "1h")).magnitude
    assert min(c) - 1e-12 <= grid <= max(c) + 1e-12


@settings(max_examples=60, deadline=None)
@given(
    st.floats(min_value=0.1, max_value=1e6),
    st.floats(min_value=1.0, max_value=8784.0),
    st.floats(min_value=0.1, max_value=1e3),
)
def test_load_factor_times_capacity_and_hours_gives_back_the_energy(mwh, hours, cap_mw) -> None:
    avg = capacity.average_power(Q_(mwh, "MWh"), Q_(hours, "h"))
    lf = capacity.load_factor(avg, Q_(cap_mw, "MW"))
    back = (lf * Q_(cap_mw, "MW") * Q_(hours, "h")).to("MWh").magnitude
    assert back == pytest.approx(mwh, rel=1e-9)
