"""Several GWP sets in one run (docs/methodology.md "Several GWP sets in one run"): each set's
totals from the same per-gas masses and rates, each figure stating its set."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from carbon.accounting.fuel_records import FuelRecord
from carbon.accounting.gwp_sets import figures_by_gwp_set, gwp_sets_for
from carbon.analysis.gwp_figures import gwp_sets_block
from carbon.core.errors import UnitError
from carbon.core.units import Q_
from carbon.factors.egrid import egrid_rate


def test_demo_gwp_sets_by_hand(demo_july):
    """The demo's diesel record under AR5: CO2 + 30 × CH4 + 265 × N2O from its per-gas masses
    (AR6: 29.8 and 273 give the report's own Scope 1); Scope 2 rests on the hourly source only,
    so it is the same figure in both sets."""
    _, results = demo_july
    block = results["gwp_sets"]
    gases = results["scope1_gases"]
    ar5, ar6 = block["sets"]["AR5"], block["sets"]["AR6"]
    assert block["reporting_set"] == "AR6" and list(block["sets"]) == ["AR6", "AR5"]
    assert ar6["scope1_kgco2e"] == pytest.approx(results["scope1_kgco2e"]["total"], rel=1e-12)
    assert ar6["scope1_kgco2e"] == pytest.approx(
        gases["co2_kg"] + 29.8 * gases["ch4_kg"] + 273 * gases["n2o_kg"], rel=1e-12
    )
    assert ar5["scope1_kgco2e"] == pytest.approx(
        gases["co2_kg"] + 30 * gases["ch4_kg"] + 265 * gases["n2o_kg"], rel=1e-12
    )
    assert (ar5["gwp_ch4_combustion"], ar5["gwp_n2o"]) == (30.0, 265.0)
    assert ar6["scope3_3_td_losses_kgco2e"] == results["scope3_3_td_losses_kgco2e"]["total"]
    assert ar5["scope2_location_kgco2e"] == ar6["scope2_location_kgco2e"]
    assert ar6["scope2_location_kgco2e"] == pytest.approx(
        results["scope2_location_kgco2e"]["total"], rel=1e-12
    )
    # the demo's triple-net tenant: out of Scope 2 in every set, in category 13 and the totals
    assert ar5["scope3_13_market_kgco2e"] == results["scope3_13_market_kgco2e"]["total"] > 0
    assert ar6["scope3_13_location_kgco2e"] == pytest.approx(
        results["scope3_13_location_kgco2e"]["total"], rel=1e-12
    )
    assert ar5["total_market_based_kgco2e"] == pytest.approx(
        ar5["scope1_kgco2e"]
        + ar5["scope2_market_kgco2e"]
        + ar5["scope3_3_td_losses_kgco2e"]
        + ar5["scope3_13_market_kgco2e"]
    )
    assert any("ESRS" in use for use in ar6["used_by"])
    assert any("GHGRP" in use for use in ar5["used_by"])
    assert block["figures"]["scope1_kgco2e"]["gwp_set"] == "AR6"
    assert block["figures"]["scope2_market_kgco2e"]["recomputed_per_set"] == "no"


def test_egrid_fallback_hours_are_restated_per_set():
    """Hours that took the eGRID ERCT annual rate scale with that rate under each set: 1,000 kg
    at the AR6 rate become 1,000 × rate_AR5 / rate_AR6 under AR5 (rate_AR5 is eGRID2023's
    published CO2e, rate_AR6 rebuilt from the per-gas rates); hourly-source hours do not move."""
    figures = figures_by_gwp_set([], Q_(1000.0, "MWh"), "ERCT", "egrid2023rev2", ("AR6", "AR5"))
    co2 = egrid_rate("ERCT", "egrid2023rev2", "CO2").to("lb CO2/MWh").magnitude
    ch4 = egrid_rate("ERCT", "egrid2023rev2", "CH4").to("lb CH4/MWh").magnitude
    n2o = egrid_rate("ERCT", "egrid2023rev2", "N2O").to("lb N2O/MWh").magnitude
    ar6_rate = co2 + 29.8 * ch4 + 273 * n2o
    ar5_rate = figures["AR5"].subregion_rate.to("lb CO2e/MWh").magnitude
    assert figures["AR6"].subregion_rate.to("lb CO2e/MWh").magnitude == pytest.approx(ar6_rate)
    outcome = SimpleNamespace(
        scopes=SimpleNamespace(by_gwp_set=figures),
        site=SimpleNamespace(reporting=SimpleNamespace(gwp_set="AR6")),
        grid=SimpleNamespace(gas_note=""),
        location_factors=SimpleNamespace(national=object(), us_site=True),  # a US site: eGRID hours
    )
    results = {
        "scope2_location_kgco2e": {"total": 5000.0},
        "scope2_market_kgco2e": {"total": 100.0},
        "scope2_location_factor_levels": {
            "kgco2e": {"hourly_source": 4000.0, "subregion_annual": 1000.0, "national": 0.0},
            "subregion_annual_factor": {"factor_id": "egrid2023rev2"},
            "national_factor": {"factor_id": "egrid2023rev2"},
        },
    }
    block = gwp_sets_block(outcome, results)
    assert block["sets"]["AR6"]["scope2_location_kgco2e"] == pytest.approx(5000.0)
    assert block["sets"]["AR5"]["scope2_location_kgco2e"] == pytest.approx(
        4000.0 + 1000.0 * ar5_rate / ar6_rate
    )
    assert block["sets"]["AR5"]["scope1_kgco2e"] == 0.0
    # a declared (non-eGRID) annual factor is published CO2e: not restated
    results["scope2_location_factor_levels"]["subregion_annual_factor"] = {"factor_id": "table"}
    assert gwp_sets_block(outcome, results)["sets"]["AR5"]["scope2_location_kgco2e"] == 5000.0


def test_sets_order_and_unknown_set():
    assert gwp_sets_for("ar4") == ("AR4", "AR6", "AR5")
    assert gwp_sets_for("AR5") == ("AR5", "AR6")
    rec = FuelRecord(genset_id="G", fuel="natural_gas_pipeline", quantity="1 MMBtu", period="x")
    with pytest.raises(UnitError, match="AR6"):
        figures_by_gwp_set([rec], Q_(1.0, "MWh"), "ERCT", "egrid2023rev2", ("AR7",))
