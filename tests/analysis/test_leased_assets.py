"""The boundary decides the scope (docs/methodology.md §1.1; docs/scope1-scope3.md): a tenant
holding operational control of its space leaves the operator's Scope 2 for Scope 3 cat. 13."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from carbon.analysis.leased_assets import apply_leased_assets
from carbon.results.statements import statements_block
from carbon.site.register import Boundary
from tests.conftest import tiny_site


def _boundary(consolidation: str = "operational control", control: bool = True) -> Boundary:
    return Boundary.model_validate(
        {
            "consolidation": consolidation,
            "power_contracts": [
                {
                    "party": "t1",
                    "lease": "triple-net",
                    "supply_contract_holder": "party",
                    "party_has_operational_control": control,
                }
            ],
        }
    )


def _results() -> dict:
    """One AI hall, 1,000 kWh at 400 g CO2e/kWh (400 kg); tenant t1 draws 600 kWh of it, so it
    carries 600/1000 of every Scope 2 figure: 240 kg LB, 180 of 300 kg MB (annual), 210 of
    350 kg MB (hourly); annual rate 380 g/kWh (380 kg; timing effect 20 kg)."""
    zero = {"mining": 0.0, "other": 0.0}
    return {
        "energy_kwh": {**zero, "ai": 1000.0, "total": 1000.0},
        "scope2_location_kgco2e": {**zero, "ai": 400.0, "total": 400.0},
        "scope2_market_kgco2e": {**zero, "ai": 300.0, "total": 300.0},
        "scope2_market_hourly_matching_kgco2e": {**zero, "ai": 350.0, "total": 350.0},
        "scope2_market_by_edition": {
            "ghgp-s2-2015": {
                "matching": "annual",
                "total_kgco2e": 300.0,
                "by_workload": {"ai": 300.0},
            },
            "ghgp-s2-2025-draft": {
                "matching": "hourly",
                "total_kgco2e": 320.0,
                "by_workload": {"ai": 320.0},
            },
        },
        "scope2_location_annual_factor_kgco2e": {
            "available": True,
            "total": 380.0,
            "factor_gco2e_per_kwh": 380.0,
            "timing_effect_kgco2e": 20.0,
        },
        "timing_effect_kgco2e": {**zero, "ai": 20.0, "total": 20.0},
        "scope1_kgco2e": {"total": 10.0},
        "scope3_cat3_kgco2e": {"total": 5.0},
        "tenants": {
            "by_tenant": {
                "t1": {
                    "workload": "ai",
                    "energy_kwh": 600.0,
                    "scope2_location_kgco2e": 240.0,
                    "scope2_market_kgco2e": 180.0,
                    "scope2_market_hourly_matching_kgco2e": 210.0,
                }
            }
        },
    }


def test_a_triple_net_tenant_in_control_moves_to_category_13_by_hand() -> None:
    r = apply_leased_assets(_results(), _boundary())
    assert r["scope2_location_kgco2e"]["ai"] == pytest.approx(160.0)  # 400 − 240
    assert r["scope2_location_kgco2e"]["total"] == pytest.approx(160.0)
    assert r["scope3_13_location_kgco2e"]["total"] == pytest.approx(240.0)
    assert r["scope2_market_kgco2e"]["total"] == pytest.approx(120.0)  # 300 − 180
    assert r["scope3_13_market_kgco2e"]["ai"] == pytest.approx(180.0)
    assert r["scope2_market_hourly_matching_kgco2e"]["total"] == pytest.approx(140.0)
    assert r["scope3_13_market_hourly_matching_kgco2e"]["total"] == pytest.approx(210.0)
    editions = r["scope2_market_by_edition"]
    assert editions["ghgp-s2-2015"]["total_kgco2e"] == pytest.approx(120.0)  # its own 180
    assert editions["ghgp-s2-2025-draft"]["total_kgco2e"] == pytest.approx(128.0)  # 320 × 0.4
    assert editions["ghgp-s2-2025-draft"]["scope3_13_kgco2e"] == pytest.approx(192.0)
    annual = r["scope2_location_annual_factor_kgco2e"]
    assert annual["total"] == pytest.approx(152.0)  # 380 − 600 kWh × 0.38
    assert annual["timing_effect_kgco2e"] == pytest.approx(8.0)  # 160 − 152
    assert r["timing_effect_kgco2e"]["ai"] == pytest.approx(8.0)  # 20 − (240 − 228)
    block = r["scope3_13_leased_assets"]
    assert [p["party"] for p in block["parties"]] == ["t1"]
    assert block["site_scope2_location_kgco2e"] == pytest.approx(400.0)
    # conserved on every basis: operator Scope 2 + category 13 = the site's Scope 2
    for basis in ("location", "market", "market_hourly_matching"):
        assert r[f"scope2_{basis}_kgco2e"]["total"] + r[f"scope3_13_{basis}_kgco2e"][
            "total"
        ] == pytest.approx(block[f"site_scope2_{basis}_kgco2e"])
    # energy and the tenant's own figures are physical: untouched
    assert r["energy_kwh"]["total"] == 1000.0
    assert r["tenants"]["by_tenant"]["t1"]["scope2_location_kgco2e"] == 240.0


def test_the_statements_carry_category_13_and_keep_the_total() -> None:
    r = apply_leased_assets(_results(), _boundary())
    s = statements_block(r)
    physical = {line["key"]: line["kgco2e"] for line in s["physical_inventory"]["lines"]}
    market = {line["key"]: line["kgco2e"] for line in s["market_inventory"]["lines"]}
    assert physical == pytest.approx(
        {"scope1": 10.0, "scope2_location": 160.0, "scope3_cat3": 5.0, "scope3_cat13": 240.0}
    )
    assert market["scope3_cat13"] == pytest.approx(180.0)
    assert s["physical_inventory"]["total_kgco2e"] == pytest.approx(10 + 400 + 5)
    assert s["market_inventory"]["total_kgco2e"] == pytest.approx(10 + 300 + 5)


@pytest.mark.parametrize(
    ("consolidation", "control"),
    [("financial control", True), ("equity share", True), ("operational control", False)],
)
def test_nothing_moves_without_operational_control_or_under_another_approach(
    consolidation: str, control: bool
) -> None:
    before = _results()
    r = apply_leased_assets(copy.deepcopy(before), _boundary(consolidation, control))
    for key in ("scope2_location_kgco2e", "scope2_market_kgco2e", "timing_effect_kgco2e"):
        assert r[key] == pytest.approx(before[key])
    for name, edition in r["scope2_market_by_edition"].items():
        assert edition["total_kgco2e"] == before["scope2_market_by_edition"][name]["total_kgco2e"]
    assert r["scope2_location_kgco2e"]["total"] == 400.0
    assert r["scope3_13_location_kgco2e"]["total"] == 0.0
    assert r["scope3_13_leased_assets"]["parties"] == []
    assert apply_leased_assets(_results(), None)["scope3_13_market_kgco2e"]["total"] == 0.0


def _site_with(contract: dict) -> object:
    meters = [
        {"id": "REV", "role": "revenue"},
        {"id": "A", "role": "it", "parent": "REV", "workload": "ai", "tenant": "t1"},
    ]
    boundary = {
        "consolidation": "operational control",
        "hosted_clients": [{"name": "HostCo", "workload": "mining"}],
        "power_contracts": [contract],
    }
    return tiny_site(meters=meters, boundary=boundary)


def test_the_site_file_declares_the_lease_and_refuses_what_cannot_be_measured() -> None:
    site = _site_with(
        {"party": "t1", "lease": "modified-gross", "supply_contract_holder": "operator"}
    )
    assert site.boundary.power_contracts[0].lease == "modified-gross"
    with pytest.raises((ValidationError, ValueError), match=r"power_contracts\[0\].*not a metered"):
        _site_with(
            {
                "party": "HostCo",
                "lease": "triple-net",
                "supply_contract_holder": "party",
                "party_has_operational_control": True,
            }
        )
    with pytest.raises((ValidationError, ValueError), match="contradicts lease = 'hosting'"):
        _site_with(
            {
                "party": "t1",
                "lease": "hosting",
                "supply_contract_holder": "operator",
                "party_has_operational_control": True,
            }
        )
    with pytest.raises((ValidationError, ValueError), match="lease"):
        _site_with({"party": "t1", "lease": "net-net", "supply_contract_holder": "party"})


def test_the_demo_triple_net_tenant_is_the_operator_s_category_13(demo_july) -> None:
    """The demo's tenant-2 (triple-net, holds its supply contract and controls its cage) under
    operational control: its 2,281.5 t location-based leave the operator's Scope 2 in July."""
    _, r = demo_july
    t2 = r["tenants"]["by_tenant"]["tenant-2"]
    block = r["scope3_13_leased_assets"]
    assert [p["party"] for p in block["parties"]] == ["tenant-2"]
    assert r["scope3_13_location_kgco2e"]["ai"] == t2["scope2_location_kgco2e"]
    assert round(t2["scope2_location_kgco2e"] / 1000, 1) == 2281.5
    assert r["scope3_13_market_kgco2e"]["total"] == t2["scope2_market_kgco2e"]
    site_lb = sum(t["scope2_location_kgco2e"] for t in r["tenants"]["by_tenant"].values())
    site_lb += r["tenants"]["not_tenanted"]["scope2_location_kgco2e"]
    assert r["scope2_location_kgco2e"]["total"] == pytest.approx(
        site_lb - t2["scope2_location_kgco2e"], rel=1e-12
    )
    assert r["scope2_location_kgco2e"]["mining"] + r["scope2_location_kgco2e"]["ai"] + r[
        "scope2_location_kgco2e"
    ]["other"] == pytest.approx(r["scope2_location_kgco2e"]["total"], rel=1e-12)
    contracts = {c["party"]: c["operator_scope"] for c in r["boundary"]["power_contracts"]}
    assert contracts == {
        "tenant-1": "scope2",
        "tenant-2": "scope3_cat13",
        "HostCo Mining (synthetic)": "scope2",
    }
    # total GHG unchanged by the move: only its split between scopes changes
    physical = r["statements"]["physical_inventory"]
    assert physical["total_kgco2e"] == pytest.approx(
        r["scope1_kgco2e"]["total"] + site_lb + (r["scope3_cat3_kgco2e"]["total"] or 0.0)
    )
    # the facility KPIs stay physical: PUE over the whole site's energy
    assert r["energy_kwh"]["total"] == pytest.approx(
        r["energy_kwh"]["mining"] + r["energy_kwh"]["ai"] + r["energy_kwh"]["other"]
    )
