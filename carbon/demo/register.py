"""The demo site's disclosure register: credits, boundary, retired hardware, network figures.

Synthetic, like the rest of the demo (the names end in "(synthetic)"). The two
CCAF network figures are the ones listed in docs/disclosure-items.md, item 22 (with their sources);
the network J/TH figure is an illustrative demo value and says so. No assurance
statement is declared: the demo is unassured and its PDF carries the stamp.
"""

from __future__ import annotations

from typing import Any

__all__ = ["demo_register"]


def demo_register(reporter: str, year: int) -> dict[str, Any]:
    """The site-file keys of the demo's register (a mapping validated with the site)."""
    # long: one data literal, the register as a site file would hold it
    return {
        "fiscal_year": {"start_month": 1, "naming": "end-year"},
        "offsets": [
            {
                "registry": "Verra VCS",
                "project_id": "VCS-0000 (synthetic)",
                "project_type": "landfill gas capture and flaring",
                "vintage": year - 3,
                "quantity": "1200 t CO2e",
                "serials": "VCS-SYN-2022-000001 to VCS-SYN-2022-001200",
                "retired_on": f"{year}-07-18",
                "beneficiary": reporter,
            },
            {
                "registry": "Climate Action Reserve",
                "project_id": "CAR-0000 (synthetic)",
                "project_type": "associated-gas power generation (flare gas to gensets, Permian)",
                "kind": "avoided-methane",
                "vintage": year - 1,
                "quantity": "850 t CO2e",
                "serials": "CAR-SYN-2024-000001 to CAR-SYN-2024-000850",
                "retired_on": f"{year}-07-25",
                "beneficiary": reporter,
            },
            {
                "registry": "Gold Standard",
                "project_id": "GS-0000 (synthetic)",
                "project_type": "improved cookstoves",
                "vintage": year - 2,
                "quantity": "500 t CO2e",
                "serials": "GS-SYN-2023-000001 to GS-SYN-2023-000500",
                "retired_on": f"{year}-11-12",
                "beneficiary": reporter,
            },
        ],
        "boundary": {
            "consolidation": "operational control",
            "base_year": year,
            "significance_threshold": 0.05,
            "sites": [
                {
                    "id": "demo",
                    "name": "Demo campus, West Texas (synthetic)",
                    "status": "in",
                    "control": "owned and operated",
                    "acquired_on": "2021-03-01",
                },
                {
                    "id": "pecos-2",
                    "name": "Pecos 2 mining site (synthetic)",
                    "status": "out",
                    "control": "owned and operated until sold",
                    "acquired_on": "2022-05-01",
                    "disposed_on": f"{year}-07-31",
                    "reason": "sold on 31 July; in the boundary up to that day (reported on its "
                    "own site file), out thereafter",
                },
                {
                    "id": "midland-flare",
                    "name": "Midland flare-gas pad (synthetic)",
                    "status": "out",
                    "control": "third-party operated",
                    "reason": "gensets owned and run by the gas producer; the company hosts no "
                    "machines there since January",
                },
            ],
            "hosted_clients": [
                {
                    "name": "HostCo Mining (synthetic)",
                    "workload": "mining",
                    "note": "hosting agreement for mining-hall space; no client machines ran "
                    "in 2025 (hosted hashrate and BTC are zero in the activity rows)",
                }
            ],
            "power_contracts": [
                {
                    "party": "tenant-1",
                    "lease": "colocation",
                    "supply_contract_holder": "operator",
                },
                {
                    "party": "tenant-2",
                    "lease": "triple-net",
                    "supply_contract_holder": "party",
                    "party_has_operational_control": True,
                    "note": "tenant buys its power from a retail provider on its own contract",
                },
                {
                    "party": "HostCo Mining (synthetic)",
                    "lease": "hosting",
                    "supply_contract_holder": "operator",
                },
            ],
        },
        "retired_hardware": [
            {
                "period": f"{year}-07",
                "kind": "asic",
                "model": "Antminer S19j Pro",
                "units": 1200,
                "mass": "15.7 t",
                "disposal_route": "recycling",
                "recipient": "certified e-waste recycler (synthetic)",
                "evidence": "R2v3 certificate of recycling SYN-0042",
            },
            {
                "period": f"{year}-07",
                "kind": "gpu",
                "model": "NVIDIA A100 PCIe",
                "units": 64,
                "mass": "110 kg",
                "disposal_route": "resale",
                "recipient": "hardware broker (synthetic)",
            },
            {
                "period": f"{year}-10",
                "kind": "asic",
                "model": "Antminer S19 XP",
                "units": 400,
                "mass": "5.8 t",
                "disposal_route": "resale",
            },
        ],
        "network_reference": [
            {
                "name": "CCAF: renewable and nuclear share of network power",
                "metric": "clean_share",
                "value": "37.6 percent",
                "definition": "share of the network's electricity from renewables and nuclear, "
                "from a modelled location of hashrate",
                "coverage": "whole Bitcoin network, modelled; not company data",
                "source": "Cambridge Centre for Alternative Finance (CCAF), as quoted by "
                "lockmeta.com",
                "as_of": "January 2022",
            },
            {
                "name": "CCAF: network emission intensity",
                "metric": "gco2e_per_kwh",
                "value": "506.71 g CO2e/kWh",
                "definition": "average emission intensity of the electricity the network is "
                "estimated to use, location-based",
                "coverage": "whole Bitcoin network, modelled, calendar 2021",
                "source": "CCAF, as quoted by xbo.com",
                "as_of": "2021",
            },
            {
                "name": "Network fleet efficiency (illustrative)",
                "metric": "j_per_th",
                "value": "28 J/TH",
                "definition": "power-weighted nameplate efficiency of the hardware assumed to "
                "run the network (CBECI-style best guess)",
                "coverage": "illustrative value for the synthetic demo: not a published figure",
                "source": "synthetic; replace with the CBECI figure of the period",
                "as_of": f"{year}",
            },
        ],
    }
