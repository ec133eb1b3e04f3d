"""The three statements (physical inventory, market inventory, impact) are kept apart: no impact
input moves an inventory total, and no impact figure is netted into an inventory."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from carbon.core.period import month
from carbon.results.document import ReportMeta, build_results
from carbon.results.statements import statements_block
from carbon.workflow import site_data
from carbon.workflow.compare import extend_results
from tests.integration.test_example_site import write_example

KG_PER_KWH_AT_1000_LB_PER_MWH = 0.45359237  # 1,000 lb/MWh = 453.59237 kg/MWh

DOCUMENT = {
    "gwp_set": "AR6",
    "energy_kwh": {"mining": 700.0, "ai": 300.0, "total": 1000.0},
    "scope1_kgco2e": {"total": 50.0, "by_genset": {"G": 50.0}},
    "scope2_location_kgco2e": {"mining": 280.0, "ai": 120.0, "total": 400.0},
    "scope2_market_kgco2e": {"mining": 210.0, "ai": 40.0, "total": 250.0},
    "scope3_cat3_kgco2e": {"total": 18.0},
    "curtailment": {"curtailed_energy_kwh": 90.0, "avoided_emissions": {"kg": 70.0}},
    "demand_response": {"totals": {"events": 2, "curtailed_mwh": 0.08}},
    "demand_response_marginal": {"kg": 60.0, "gas": "CO2"},
    "offsets": {"avoided_methane": {"register": [{"tco2e": 5.0}], "retired_tco2e": 5.0}},
    "counterfactual": {
        "available": True,
        "scope2_location_kgco2e": 150.0,
        "actual": {"scope2_location_kgco2e": 170.0},
    },
}


def test_inventory_totals_by_hand_and_impact_kept_apart():
    """Physical: 50 + 400 + 18 = 468 kg; market: 50 + 250 + 18 = 318 kg; the impact figures
    (70 kg and 60 kg avoided, 5 t avoided methane, the scenario) appear only in the impact
    statement."""
    got = statements_block(DOCUMENT)
    physical, market = got["physical_inventory"], got["market_inventory"]
    assert physical["total_kgco2e"] == pytest.approx(468.0)
    assert market["total_kgco2e"] == pytest.approx(318.0)
    assert [line["source_key"] for line in physical["lines"]] == [
        "scope1_kgco2e.total",
        "scope2_location_kgco2e.total",
        "scope3_cat3_kgco2e.total",
    ]
    assert market["lines"][1]["kgco2e"] == 250.0
    assert physical["includes_impact_figures"] is False
    items = {item["key"]: item for item in got["impact"]["items"]}
    assert set(items) == {"curtailment", "demand_response", "avoided_flaring", "stayed_mining"}
    assert items["demand_response"]["avoided_emissions_marginal"]["kg"] == 60.0
    assert items["avoided_flaring"]["credits_retired_tco2e"] == 5.0
    assert items["stayed_mining"]["actual_minus_scenario_location_kgco2e"] == pytest.approx(20.0)
    assert got["impact"]["netted_into_inventory"] is False
    inventories = json.dumps([physical, market])
    for impact_value in ("70.0", "60.0", "90.0", "150.0", "170.0"):
        assert impact_value not in inventories
    assert "proposal" in got["status"]["separate_statements"]


def test_no_impact_input_moves_an_inventory():
    """Every impact key changed, removed or emptied: both inventory statements stay identical."""
    base = statements_block(DOCUMENT)
    changed = copy.deepcopy(DOCUMENT)
    changed["curtailment"] = {"curtailed_energy_kwh": 1e9, "avoided_emissions": {"kg": 1e9}}
    changed["demand_response"] = {"totals": {"events": 99, "curtailed_mwh": 1e6}}
    changed["demand_response_marginal"] = {"kg": -1e9}
    changed["offsets"] = {"avoided_methane": {"register": [], "retired_tco2e": 0.0}}
    changed["counterfactual"] = {"available": False, "reason": "no data"}
    for variant in (changed, {k: v for k, v in DOCUMENT.items() if k not in ("curtailment",)}):
        got = statements_block(variant)
        assert got["physical_inventory"] == base["physical_inventory"]
        assert got["market_inventory"] == base["market_inventory"]
        assert got["impact"] != base["impact"]


def _example_with_dr(folder: Path, baseline_mw: float, marginal: bool) -> dict:
    """The example site (November 2023) with both halls curtailed to 10 kWh per interval for two
    hours on 2 November (14:00-16:00 CDT), one demand-response event over that window with the
    stated baseline, and optionally a flat 1,000 lb CO2/MWh WattTime MOER."""
    from tests.pivot.test_effects import _moer_file

    write_example(folder)
    meters = pd.read_csv(folder / "meters.csv")
    stamps = pd.date_range("2023-11-02T14:00", periods=8, freq="15min", tz="America/Chicago")
    window = meters["interval_start"].isin([t.isoformat() for t in stamps])
    halls = window & meters["meter_id"].isin(["HALL-A", "HALL-B"])
    drop = meters.loc[halls].groupby("interval_start")["energy_kwh"].sum() - 20.0
    meters.loc[halls, "energy_kwh"] = 10.0
    rev = window & meters["meter_id"].eq("REV")
    meters.loc[rev, "energy_kwh"] -= meters.loc[rev, "interval_start"].map(drop).to_numpy()
    meters.to_csv(folder / "meters.csv", index=False)
    extra = (
        "\n[[demand_response]]\n"
        'programme = "ERCOT ERS (test)"\nevent_id = "DR-1"\n'
        'start = "2023-11-02T14:00:00-05:00"\nend = "2023-11-02T16:00:00-05:00"\n'
        f'baseline = "{baseline_mw} MW"\ncredits = "1000 USD"\n'
    )
    if marginal:
        _moer_file(folder / "moer.json", [1000.0] * (12 * 24 * 31), start="2023-11-01T00:00Z")
        extra += '\n[marginal_rate]\nsource = "watttime"\npath = "moer.json"\n'
    with (folder / "site.toml").open("a", encoding="utf-8") as f:
        f.write(extra)
    data = site_data(folder / "site.toml")
    outcome = data.run(month("2023-11", data.site.site.timezone))
    results = build_results(outcome, ReportMeta("x", 1, "draft", date(2023, 12, 1)))
    results.update(extend_results(data, outcome, results, "none"))
    return results


def test_pipeline_inventories_do_not_depend_on_marginal_rates_or_dr_events(tmp_path):
    """The same site run twice through the pipeline: once with a 36 MW event baseline and no
    marginal rate, once with a 40 MW baseline and a 1,000 lb CO2/MWh MOER. The inventories are
    identical; the impact statement changes. By hand, the second event avoids
    8 × (40,000 kW × 0.25 h − 20 kWh) = 79,840 kWh × 0.45359237 kg/kWh = 36,214.8 kg CO2."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _example_with_dr(tmp_path / "a", 36.0, marginal=False)
    second = _example_with_dr(tmp_path / "b", 40.0, marginal=True)
    for name in ("physical_inventory", "market_inventory"):
        assert first["statements"][name] == second["statements"][name]
    for key in ("scope2_location_kgco2e", "scope2_market_kgco2e", "scope1_kgco2e"):
        assert first[key] == second[key]
    impact = {i["key"]: i for i in second["statements"]["impact"]["items"]}
    dr = impact["demand_response"]
    assert dr["curtailed_mwh"] == pytest.approx(79.84)
    avoided = dr["avoided_emissions_marginal"]
    assert avoided["kg"] == pytest.approx(79_840 * KG_PER_KWH_AT_1000_LB_PER_MWH, rel=1e-9)
    assert avoided["kg"] == pytest.approx(36_214.8, abs=0.1)
    assert avoided["gas"] == "CO2" and avoided["by_event_kg"]["DR-1"] == avoided["kg"]
    before = {i["key"]: i for i in first["statements"]["impact"]["items"]}
    assert before["demand_response"]["curtailed_mwh"] == pytest.approx(8 * (9.0 - 0.02))
    assert isinstance(before["demand_response"]["avoided_emissions_marginal"], str)
