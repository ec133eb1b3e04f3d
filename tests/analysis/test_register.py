"""The disclosure register: offsets never netted, boundary, retired hardware, network
comparison, assurance stamp, and the operating update's figures."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date
from typing import Any

import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon.analysis.register import (
    assurance_block,
    boundary_block,
    network_comparison_block,
    offsets_block,
    retired_hardware_block,
)
from carbon.core.errors import ConfigError
from carbon.report.operating_update import operating_update_figures, operating_update_files
from carbon.results.document import ReportMeta, build_results
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site

META = ReportMeta("demo-2025-07-v1", 1, "draft", date(2025, 8, 1))


@pytest.fixture(scope="module")
def demo_run(demo_july):
    outcome, _ = demo_july  # the demo's July 2025, computed once (tests/conftest.py)
    return outcome, build_results(outcome, META)


def _leaves(node: Any, path: str = "") -> dict[str, Any]:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(_leaves(value, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(node, list):
        out = {}
        for i, value in enumerate(node):
            out.update(_leaves(value, f"{path}[{i}]"))
        return out
    return {path: node}


REGISTER = ("offsets", "boundary", "retired_hardware", "network_comparison", "assurance")


# --------------------------------------------------------------------------- offsets


def test_the_demo_lists_credits_beside_the_gross_inventory(demo_run) -> None:
    _, results = demo_run
    offsets = results["offsets"]
    assert [c["registry"] for c in offsets["register"]] == ["Verra VCS"]
    assert offsets["retired_tco2e"] == pytest.approx(1200.0)
    methane = offsets["avoided_methane"]
    assert [c["kind"] for c in methane["register"]] == ["avoided-methane"]
    assert methane["retired_tco2e"] == pytest.approx(850.0)
    assert offsets["netted"] is False
    gross = offsets["gross_inventory_tco2e"]
    assert gross["scope1"] == pytest.approx(results["scope1_kgco2e"]["total"] / 1000)
    assert gross["scope2_market"] == pytest.approx(results["scope2_market_kgco2e"]["total"] / 1000)
    assert offsets["declared_outside_period"] == 1  # the November credit


def test_no_results_figure_changes_when_credits_are_declared(demo_run) -> None:
    """Offsets never netted: without any credit, every figure outside the register is equal."""
    outcome, results = demo_run
    bare_site = outcome.site.model_copy(update={"offsets": []})
    bare = build_results(dataclasses.replace(outcome, site=bare_site), META)
    with_credits, without = _leaves(results), _leaves(bare)
    # the impact statement lists the avoided-methane credits (the register's own figures);
    # both inventory statements are compared with the rest
    skip = ("offsets", "config_sha256", "statements.impact")
    compared = [k for k in with_credits if not k.startswith(skip)]
    assert len(compared) > 500
    for key in compared:
        assert with_credits[key] == without[key], key
    assert bare["offsets"]["retired_tco2e"] == 0.0
    assert results["offsets"]["retired_tco2e"] > 0


def test_offsets_of_the_period_only_and_avoided_methane_apart() -> None:
    site = tiny_site(
        offsets=[
            {
                "registry": "Gold Standard",
                "project_type": "cookstoves",
                "vintage": 2023,
                "quantity": "1.5 kilotonne CO2e",
                "retired_on": "2025-01-31",
                "beneficiary": "Tiny",
            },
            {
                "registry": "CAR",
                "project_type": "flare gas to power",
                "kind": "avoided-methane",
                "vintage": 2024,
                "quantity": "400000 kg CO2e",
                "retired_on": "2025-01-01",
                "beneficiary": "Tiny",
            },
            {
                "registry": "Verra",
                "project_type": "landfill gas",
                "vintage": 2022,
                "quantity": "10 t CO2e",
                "retired_on": "2025-02-01",  # the next period (end exclusive)
                "beneficiary": "Tiny",
            },
        ]
    )
    block = offsets_block(site.offsets, date(2025, 1, 1), date(2025, 2, 1), {"scope1": 3.0})
    assert block["retired_tco2e"] == pytest.approx(1500.0)  # kt converted, methane excluded
    assert block["avoided_methane"]["retired_tco2e"] == pytest.approx(400.0)
    assert block["declared_outside_period"] == 1
    assert block["gross_inventory_tco2e"] == {"scope1": 3.0}


def test_an_offset_quantity_in_the_wrong_unit_is_refused() -> None:
    credit = {
        "registry": "Verra",
        "project_type": "x",
        "vintage": 2022,
        "quantity": "1200 MWh",
        "retired_on": "2025-01-02",
        "beneficiary": "Tiny",
    }
    with pytest.raises(ConfigError, match=r"offsets\[0\]\.quantity"):
        tiny_site(offsets=[credit])
    with pytest.raises(ConfigError, match=r"offsets\[0\]\.serial"):
        tiny_site(offsets=[{**credit, "quantity": "1 t CO2e", "serial": "x"}])


# --------------------------------------------------------------------------- boundary


def test_triple_net_tenant_is_flagged_with_its_scope_consequence(demo_run) -> None:
    _, results = demo_run
    boundary = results["boundary"]
    assert boundary["consolidation"] == "operational control"
    contracts = {c["party"]: c for c in boundary["power_contracts"]}
    nnn = contracts["tenant-2"]
    assert nnn["lease"] == "triple-net" and nnn["flagged"]
    assert "Scope 3 category 13" in nnn["treatment"]
    assert nnn["energy_kwh"] == results["tenants"]["by_tenant"]["tenant-2"]["energy_kwh"]
    assert not contracts["tenant-1"]["flagged"]
    assert "operator's Scope 2" in contracts["tenant-1"]["treatment"]
    assert boundary["changes_in_period"] == [
        {"site": "pecos-2", "event": "disposed", "on": "2025-07-31"}
    ]
    assert "regardless of who pays" in boundary["site_energy_rule"]


def test_boundary_absent_says_so_and_unknown_parties_are_refused() -> None:
    block = boundary_block(None, "tiny", date(2025, 1, 1), date(2025, 2, 1), None)
    assert block["declared"] is False and "not declared" in block["note"]
    with pytest.raises(ConfigError, match="party 'nobody'"):
        tiny_site(
            boundary={
                "consolidation": "operational control",
                "power_contracts": [
                    {"party": "nobody", "lease": "triple-net", "supply_contract_holder": "party"}
                ],
            }
        )
    with pytest.raises(ConfigError, match=r"boundary\.consolidation"):
        tiny_site(boundary={"consolidation": "whatever"})


# --------------------------------------------------------------------------- hardware


def test_retired_hardware_in_tonnes_and_wrong_units_refused() -> None:
    row = {
        "period": "2025-01",
        "kind": "gpu",
        "model": "H100",
        "units": 8,
        "mass": "850 kg",
        "disposal_route": "resale",
    }
    site = tiny_site(retired_hardware=[row, {**row, "kind": "asic", "mass": "2 t"}])
    block = retired_hardware_block(site.retired_hardware, "2025-01")
    assert block["mass_t"] == {"asic": 2.0, "gpu": pytest.approx(0.85), "total": 2.85}
    assert block["units"] == {"asic": 8, "gpu": 8, "total": 16}
    assert block["mass_t_by_route"] == {"resale": 2.85}
    with pytest.raises(ConfigError, match=r"retired_hardware\[0\]\.mass"):
        tiny_site(retired_hardware=[{**row, "mass": "12 kWh"}])
    with pytest.raises(ConfigError, match=r"retired_hardware\[0\]\.mass"):
        tiny_site(retired_hardware=[{**row, "mass": "12"}])  # no unit
    with pytest.raises(ConfigError, match=r"retired_hardware\[0\]\.disposal_route"):
        tiny_site(retired_hardware=[{**row, "disposal_route": "dumped"}])
    absent = retired_hardware_block((), "2025-01")
    assert absent["reported"] is False and absent["note"].startswith("not reported")
    other_month = retired_hardware_block(site.retired_hardware, "2025-02")
    assert other_month["reported"] and other_month["mass_t"]["total"] == 0.0


# --------------------------------------------------------------------------- network


def test_network_figures_keep_their_definitions_and_never_replace_metered_ones(demo_run) -> None:
    outcome, results = demo_run
    panel = {p["metric"]: p for p in results["network_comparison"]["panel"]}
    jth = panel["j_per_th"]
    assert jth["value"] == 28.0 and jth["definition"] and jth["coverage"] and jth["source"]
    assert jth["company"][0]["value"] == results["intensities"]["j_per_th"]  # metered, as is
    clean = panel["clean_share"]["company"]
    assert len(clean) == 3
    if "clean_energy_shares" not in results:
        assert all(c["value"] == "not available" for c in clean)
    # a reference value has no effect on any figure
    bare_site = outcome.site.model_copy(update={"network_reference": []})
    bare = build_results(dataclasses.replace(outcome, site=bare_site), META)
    assert bare["intensities"] == results["intensities"]
    assert network_comparison_block((), results)["declared"] is False


def test_a_network_reference_needs_its_unit() -> None:
    ref = {
        "name": "CBECI",
        "metric": "j_per_th",
        "value": "25 g CO2e/kWh",
        "definition": "d",
        "coverage": "c",
        "source": "s",
        "as_of": "2025",
    }
    with pytest.raises(ConfigError, match="not convertible to J/TH"):
        tiny_site(network_reference=[ref])
    with pytest.raises(ConfigError, match=r"network_reference\[0\]\.definition"):
        tiny_site(network_reference=[{k: v for k, v in ref.items() if k != "definition"}])


# --------------------------------------------------------------------------- assurance


def test_unassured_reports_carry_the_stamp(demo_run) -> None:
    _, results = demo_run
    assert results["assurance"]["stamp"] == "UNASSURED"
    assert results["assurance"]["assured"] is False
    from carbon.report.disclosure import report_context
    from carbon.report.render import render_html

    outcome, _ = demo_run
    html = render_html(
        report_context(results, outcome.power_by_workload, {"restatement": None, "signoff": None})
    )
    assert 'class="unassured-stamp">UNASSURED<' in html
    for title in ("Boundary, credits and retired hardware", "Network comparison"):
        assert title in html
    assert "Avoided-methane credits (flare-gas generation)" in html


def test_declared_assurance_and_its_level_rules() -> None:
    site = tiny_site(
        assurance={"standard": "ISAE 3410", "level": "limited", "provider": "Audit LLP"}
    )
    block = assurance_block(site.assurance)
    assert block["assured"] and block["stamp"] is None
    assert block["summary"] == "limited, ISAE 3410" and block["provider"] == "Audit LLP"
    with pytest.raises(ConfigError, match="AT-C 205 examination = reasonable"):
        tiny_site(assurance={"standard": "AT-C 205", "level": "limited", "provider": "CPA"})
    with pytest.raises(ConfigError, match=r"assurance\.standard"):
        tiny_site(assurance={"standard": "ISO 9001", "level": "limited", "provider": "x"})


def test_the_config_hash_of_a_site_without_a_register_is_unchanged() -> None:
    site = tiny_site()
    again = site_from_dict({**site.model_dump(mode="json")})
    assert again.sha256() == site.sha256()
    assert "offsets" not in json.dumps(site.model_dump(mode="json", exclude_defaults=True))
    assert tiny_site(fiscal_year={"start_month": 4}).sha256() != site.sha256()


# --------------------------------------------------------------------------- operating update


def test_operating_update_figures_equal_the_disclosure(demo_run) -> None:
    _, results = demo_run
    data = operating_update_figures(results)
    figures = {f["key"]: f["value"] for f in data["figures"]}
    assert figures["energy_mwh"] == pytest.approx(results["energy_kwh"]["total"] / 1000, rel=1e-12)
    assert figures["energy_ai_mwh"] == pytest.approx(results["energy_kwh"]["ai"] / 1000)
    assert figures["average_mw"] == pytest.approx(
        results["energy_kwh"]["total"] / 1000 / results["period"]["hours"], rel=1e-12
    )
    assert figures["btc_mined_self"] == results["intensities"]["btc_mined_self"]
    assert figures["j_per_th_realised"] == results["intensities"]["j_per_th"]
    assert figures["gpu_hours_sold"] == results["sector_metrics"]["activity"]["gpu_hours_sold"]
    for key, block in (
        ("scope1_tco2e", "scope1_kgco2e"),
        ("scope2_location_tco2e", "scope2_location_kgco2e"),
        ("scope2_market_tco2e", "scope2_market_kgco2e"),
    ):
        assert figures[key] == pytest.approx(results[block]["total"] / 1000, rel=1e-12)
    assert all(f["definition"] for f in data["figures"])
    shares = {s["key"]: s for s in data["clean_energy_shares"]}
    assert set(shares) == {
        "grid_carbon_free_location",
        "certificate_renewable_annual",
        "hourly_matched_cfe",
    }
    given = {
        "grid_carbon_free_location": {"value": 0.4, "label": "L", "definition": "D"},
    }
    with_shares = operating_update_figures({**results, "clean_energy_shares": given})
    first = with_shares["clean_energy_shares"][0]
    assert (first["value"], first["label"], first["definition"]) == (0.4, "L", "D")
    assert with_shares["clean_energy_shares"][1]["value"] is None


def test_operating_update_is_one_deterministic_page(demo_run) -> None:
    _, results = demo_run
    files = operating_update_files(results)
    again = operating_update_files(results)
    assert files == again
    reader = pypdf.PdfReader(io.BytesIO(files["operating-update.pdf"]))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Monthly operating update" in text.replace(
        "MONTHLY OPERATING UPDATE", "Monthly operating update"
    )
    assert json.loads(files["operating-update.json"])["parent_report_id"] == "demo-2025-07-v1"


@given(
    credits=st.lists(
        st.tuples(
            st.integers(1, 10**6),
            st.sampled_from(["offset", "avoided-methane"]),
            st.integers(0, 90),
        ),
        max_size=8,
    ),
    gross=st.floats(0, 1e9, allow_nan=False),
)
def test_credit_totals_are_sums_of_the_period_and_the_inventory_is_passed_through(
    credits: list[tuple[int, str, int]], gross: float
) -> None:
    from datetime import timedelta

    from carbon.site.register import OffsetCredit

    start, end = date(2025, 2, 1), date(2025, 3, 1)
    items = [
        OffsetCredit(
            registry="R",
            project_type="p",
            kind=kind,  # type: ignore[arg-type]
            vintage=2024,
            quantity=f"{tonnes} t CO2e",
            retired_on=date(2025, 1, 1) + timedelta(days=day),
            beneficiary="B",
        )
        for tonnes, kind, day in credits
    ]
    block = offsets_block(items, start, end, {"scope1": gross})
    inside = [(t, k) for t, k, d in credits if start <= date(2025, 1, 1) + timedelta(days=d) < end]
    assert block["retired_tco2e"] == sum(t for t, k in inside if k == "offset")
    assert block["avoided_methane"]["retired_tco2e"] == sum(
        t for t, k in inside if k == "avoided-methane"
    )
    assert block["gross_inventory_tco2e"] == {"scope1": gross}  # never reduced
    assert block["declared_outside_period"] == len(credits) - len(inside)
