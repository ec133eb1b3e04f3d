"""Tenant statements state the lease type, who holds the supply contract and the
allocation key, from the site file's power contracts and the results' allocation."""

from __future__ import annotations

from carbon.report.tenants import render_statement_html, tenant_figures


def test_lease_supply_contract_and_allocation_key(demo_july) -> None:
    _, results = demo_july
    one, two = tenant_figures(results, "tenant-1"), tenant_figures(results, "tenant-2")
    assert (one["lease"], one["supply_contract_holder"]) == ("colocation", "operator")
    assert (two["lease"], two["supply_contract_holder"]) == ("triple-net", "party")
    assert one["allocation_key"].startswith("IT energy metered at HALL-D")
    assert "COOL-AI dedicated to AI hosting" in one["allocation_key"]
    assert "COOL-MINING" not in one["allocation_key"]  # dedicated to the other workload
    html = render_statement_html(results, "tenant-2")
    assert "triple-net (the tenant pays for its power)" in html
    assert "Supply contract held by</th><td>the tenant" in html


def test_an_undeclared_contract_says_so(demo_july) -> None:
    _, results = demo_july
    bare = {**results, "boundary": {**results["boundary"], "power_contracts": []}}
    assert tenant_figures(bare, "tenant-3")["lease"] is None
    assert "not declared in the site file ([[boundary.power_contracts]])" in (
        render_statement_html(bare, "tenant-3")
    )
