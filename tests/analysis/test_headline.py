"""KPIs (METHODOLOGY 3) and the summary keys of results.json, on the demo site."""

from __future__ import annotations

from dataclasses import replace

import pytest

from carbon.analysis.headline import kpi_metrics, kpis_extra
from carbon.site.load import site_from_dict


@pytest.fixture
def demo(demo_july):
    """The demo's July 2025 computed once for the session (tests/conftest.py)."""
    return demo_july


def test_ref_counts_retired_renewable_instruments_only(demo) -> None:
    """REF = E_ren / E_DC (ISO/IEC 30134-3): applied renewable certificates and PPAs with
    certificates retained; the virtual PPA whose certificates were sold is excluded."""
    _, results = demo
    register = results["market_based"]["register"]
    renewable = sum(
        r["available_mwh"]
        for r in register
        if r["status"] == "applied"
        and r["kind"] in ("certificate", "ppa")
        and r["technology"] in ("wind", "solar")
    )
    e_dc_mwh = results["kpis"]["dc_energy_kwh"]["total"] / 1000
    assert results["kpis"]["ref"] == pytest.approx(min(1.0, renewable / e_dc_mwh), rel=1e-12)
    assert 0 < results["kpis"]["ref"] < 1
    notes = " ".join(results["kpis"]["details"]["ref"]["notes"])
    assert "vppa-wind-sold-recs: excluded" in notes


def test_erf_is_zero_without_reuse_and_ere_equals_pue(demo) -> None:
    _, results = demo
    k = results["kpis"]
    assert k["erf"] == 0.0
    assert k["ere"] == pytest.approx(k["pue"], rel=1e-12)
    assert any("ERF = 0" in n for n in k["details"]["erf"]["notes"])


def test_heat_reuse_gives_erf_and_ere(demo) -> None:
    """ERF = E_reuse/E_DC and ERE = (1 − ERF)·PUE (ISO/IEC 30134-6)."""
    outcome, results = demo
    data = outcome.site.model_dump(mode="json")
    data["heat_reuse"] = [{"period": "2025-07", "energy": "3000 MWh", "destination": "greenhouse"}]
    outcome = replace(outcome, site=site_from_dict(data))
    extra = kpis_extra(outcome)
    e_dc = results["kpis"]["dc_energy_kwh"]["total"]
    assert extra["erf"] == pytest.approx(3.0e6 / e_dc, rel=1e-12)
    assert extra["ere"] == pytest.approx((1 - extra["erf"]) * results["kpis"]["pue"], rel=1e-12)
    assert extra["heat_reuse_kwh"] == pytest.approx(3.0e6)


def test_cue_both_bases_and_wue(demo) -> None:
    """CUE = (Scope 2 + Scope 1 of on-site combustion) ÷ E_IT on each basis [kg CO2e/kWh]
    (ISO/IEC 30134-8, METHODOLOGY 3); WUE = water [L] ÷ E_IT [kWh]: 17 600 m³ in July 2025
    at the demo = 1.76e7 L."""
    _, results = demo
    k = results["kpis"]
    it = results["it_energy_kwh"]["total"]
    s1 = results["scope1_kgco2e"]["total"]
    assert s1 > 0  # the demo's diesel test runs
    # CUE is a facility KPI: the site's Scope 2, a tenant in Scope 3 cat. 13 included
    site = results["scope3_13_leased_assets"]
    assert k["cue_location"] == pytest.approx(
        (site["site_scope2_location_kgco2e"] + s1) / it, rel=1e-12
    )
    assert k["cue_market"] == pytest.approx(
        (site["site_scope2_market_kgco2e"] + s1) / it, rel=1e-12
    )
    assert k["cue_market"] == pytest.approx(
        results["cue_kgco2e_per_kwh_it"]["market_based"], rel=1e-12
    )
    assert k["cue_location"] == pytest.approx(
        results["cue_kgco2e_per_kwh_it"]["location_based"], rel=1e-12
    )
    assert k["wue"] == pytest.approx(17_600 * 1000 / it, rel=1e-12)
    assert k["details"]["wue"]["unit"] == "L/kWh"


def test_subsystem_partial_pues_rebuild_the_pue(demo) -> None:
    """PUE = Σ pPUE_j − (n − 1) when the subsystems cover all non-IT energy (Green Grid WP#49)."""
    _, results = demo
    partial = results["kpis"]["partial_pue"]
    assert partial["pue_from_subsystems"] == pytest.approx(results["kpis"]["pue"], rel=1e-12)
    assert set(partial["subsystems"]) == {
        "COOL-MINING",
        "COOL-AI",
        "OFFICE",
        "unmetered residual",
        "on-site fuel",
    }
    assert partial["zones"]["ai"] == pytest.approx(results["kpis"]["pue_by_workload"]["ai"])


def test_pue_metric_is_interim_for_a_month(demo) -> None:
    outcome, _ = demo
    metrics = kpi_metrics(outcome)
    assert metrics["pue"].interim and metrics["pue"].category == "PUE1"


def test_summary_keys_repeat_the_existing_figures(demo) -> None:
    _, results = demo
    assert results["scope3_cat3_kgco2e"]["total"] == results["scope3_3_td_losses_kgco2e"]["total"]
    metrics = results["market_based"]["metrics"]
    assert results["matching"] == {
        "annual_match": metrics["annual_match"],
        "hourly_match": metrics["hourly_matched_share"],
        "cfe": metrics["cfe_share"],
    }
    figures = results["sector_metrics"]["figures"]
    i = results["intensities"]
    assert i["kwh_per_btc"] == pytest.approx(figures["energy_per_btc_mwh"]["value"] * 1000)
    assert i["kgco2e_per_btc_market"] == pytest.approx(
        figures["emissions_per_btc_market_tco2e"]["value"] * 1000
    )
    assert i["j_per_th"] == pytest.approx(figures["fleet_efficiency_realised_j_per_th"]["value"])
    assert i["gco2e_per_gpu_hour_location"] == pytest.approx(
        figures["emissions_per_gpu_hour_location_gco2e"]["value"]
    )
    levels = results["scope2_location_factor_levels"]
    assert results["factor_levels"]["shares"] == levels["shares"]
    assert "latest" in results["factor_levels"]["annual_factor_note"]  # 2025: eGRID2023 used


def test_timing_effect_per_workload_adds_up(demo) -> None:
    """timing effect = hourly LB − annual-factor LB, per workload and for the site."""
    _, results = demo
    effect = results["timing_effect_kgco2e"]
    annual = results["scope2_location_annual_factor_kgco2e"]
    assert effect["total"] == pytest.approx(annual["timing_effect_kgco2e"], rel=1e-9)
    assert effect["mining"] + effect["ai"] + effect["other"] == pytest.approx(effect["total"])
    rate_kg = annual["factor_gco2e_per_kwh"] / 1000
    # the operator's AI Scope 2 and energy: without tenant-2 (Scope 3 cat. 13)
    (moved,) = results["scope3_13_leased_assets"]["parties"]
    ai_kwh = results["energy_kwh"]["ai"] - moved["energy_kwh"]
    expected_ai = results["scope2_location_kgco2e"]["ai"] - ai_kwh * rate_kg
    assert effect["ai"] == pytest.approx(expected_ai, rel=1e-9)


def test_results_csv_carries_the_new_headline_rows(demo) -> None:
    import csv
    import io

    from carbon.results.document import results_csv_bytes

    _, results = demo
    rows = list(csv.DictReader(io.StringIO(results_csv_bytes(results).decode())))
    got = {(r["metric"], r["workload"]): r for r in rows}
    assert (
        float(got[("scope2_market", "total")]["value"]) == results["scope2_market_kgco2e"]["total"]
    )
    assert got[("cue_market", "total")]["unit"] == "kg CO2e/kWh"
    assert float(got[("wue", "total")]["value"]) == pytest.approx(results["kpis"]["wue"])
    assert got[("cfe", "total")]["value"] == ""  # not available: empty, never 0
    assert float(got[("tenant_energy", "tenant-2")]["value"]) == pytest.approx(
        results["tenants"]["by_tenant"]["tenant-2"]["energy_kwh"]
    )
    assert float(got[("scope3_cat3", "total")]["value"]) == pytest.approx(
        results["scope3_cat3_kgco2e"]["total"]
    )
    assert got[("kgco2e_per_btc_location", "total")]["unit"] == "kg CO2e/BTC"


def test_cli_summary_prints_the_market_based_column(capsys, demo, tmp_path) -> None:
    from carbon.cli_output import print_summary

    _, results = demo
    print_summary(results, tmp_path)
    out = capsys.readouterr().out
    assert "market-based" in out
    assert f"{results['scope2_market_kgco2e']['total'] / 1000:,.1f}" in out


def test_hall_partial_pues_weighted_by_it_rebuild_the_attributed_energy(demo) -> None:
    """Σ_h pPUE_h · E_IT,h = the energy attributed to workloads (all but 'other')."""
    _, results = demo
    halls = results["kpis"]["pue_by_hall"]
    assert set(halls) == {"HALL-A", "HALL-B", "HALL-C", "HALL-D", "HALL-E1", "HALL-E2"}
    it = {m["id"]: m["energy_kwh"] for m in results["meters"]}
    rebuilt = sum(halls[h] * it[h] for h in halls)
    attributed = results["energy_kwh"]["total"] - results["energy_kwh"]["other"]
    assert rebuilt == pytest.approx(attributed, rel=1e-9)
    # HALL-D is all AI in July: its pPUE is the AI halls' one
    assert halls["HALL-D"] == pytest.approx(results["kpis"]["pue_by_workload"]["ai"], rel=2e-3)


def test_e_dc_adds_the_genset_fuel_to_the_electricity(demo) -> None:
    """E_DC = all energy crossing the boundary (ISO/IEC 30134-2, METHODOLOGY 3): the revenue
    meter plus the demo's July diesel, 2,900 gal × 0.138 MMBtu/gal (HHV, as its [[fuel]]
    record states) × 293.0711 kWh/MMBtu = 117,287.04 kWh; PUE = E_DC ÷ E_IT."""
    _, results = demo
    dc = results["kpis"]["dc_energy_kwh"]
    assert dc["electricity"] == pytest.approx(results["energy_kwh"]["total"], rel=1e-12)
    assert dc["fuels_hhv"] == pytest.approx(2900 * 0.138 * 293.0710701722, rel=1e-9)
    assert dc["fuels_hhv"] == pytest.approx(
        results["scope1_gases"]["fuel_energy_mmbtu_hhv"] * 293.0710701722, rel=1e-9
    )
    assert dc["total"] == pytest.approx(dc["electricity"] + dc["fuels_hhv"], rel=1e-12)
    it = results["it_energy_kwh"]["total"]
    assert results["kpis"]["pue"] == pytest.approx(dc["total"] / it, rel=1e-12)
    assert results["kpis"]["details"]["pue"]["value"] == pytest.approx(
        results["kpis"]["pue"], rel=1e-12
    )
    assert results["kpis"]["pue"] > results["energy_kwh"]["total"] / it
    assert any("on-site fuel" in n for n in results["kpis"]["details"]["pue"]["notes"])


def test_e_dc_is_the_electricity_alone_without_fuel(demo) -> None:
    """A period without [[fuel]] records: E_DC is the revenue meter, CUE is Scope 2 ÷ E_IT."""
    from carbon.accounting.scope1 import scope1_emissions
    from carbon.analysis.boundary_energy import boundary_energy, facility_pue

    outcome, results = demo
    scopes = replace(outcome.scopes, scope1=scope1_emissions([]))
    bare = replace(outcome, scopes=scopes)
    boundary = boundary_energy(bare)
    assert boundary.fuels.magnitude == 0 and boundary.combustion.magnitude == 0
    assert boundary.total.to("kWh").magnitude == pytest.approx(results["energy_kwh"]["total"])
    it = results["it_energy_kwh"]["total"]
    assert facility_pue(bare) == pytest.approx(results["energy_kwh"]["total"] / it, rel=1e-12)
    extra = kpis_extra(bare)
    assert "on-site fuel" not in extra["partial_pue"]["subsystems"]
    assert extra["cue_location"] == pytest.approx(
        results["scope3_13_leased_assets"]["site_scope2_location_kgco2e"] / it, rel=1e-12
    )


def test_pue_category_follows_where_the_site_meters_it(demo) -> None:
    """[reporting] it_metered_at sets the PUE category (Green Grid PUE1/2/3, ISO/IEC 30134-2
    basic/intermediate/advanced) in results.json and in the KPI details alike."""
    from carbon.analysis.headline import pue_category

    outcome, results = demo
    assert results["kpis"]["pue_category"].startswith("PUE1 (basic): ")
    data = outcome.site.model_dump(mode="json")
    data["reporting"]["it_metered_at"] = "pdu_output"
    pdu = replace(outcome, site=site_from_dict(data))
    assert pue_category(pdu) == "PUE2 (intermediate): IT energy metered at the PDU outputs"
    assert kpi_metrics(pdu)["pue"].category == "PUE2"
    data["reporting"]["it_metered_at"] = "hall_feeders"
    with pytest.raises(ValueError, match="it_metered_at"):
        site_from_dict(data)


def test_every_declared_figure_is_a_key_of_the_demo_results(demo) -> None:
    """Catches a mistyped key path in carbon.results.fields (the pivot keys are added by the
    workflow, baseline keys need --baseline; the demo has no hosted BTC and one grid source)."""
    from carbon.results.fields import FIELDS

    _, results = demo
    paths: list[str] = []

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else key)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]")
        else:
            paths.append(path)

    walk(results, "")
    only_with_baseline = ("baseline.", "decomposition.", "counterfactual.", "pivot_trend.")
    pivot = ("timing_effect_by_", "load_shape_effect_", "curtailment.", "uncertainty.", "sbti.")
    missing = [
        key
        for key, figure in FIELDS.items()
        if not key.startswith(only_with_baseline + pivot)
        and key != "production.figures.energy_per_btc_hosted_mwh.value"
        and not key.startswith("scope2_location_factor_levels.hourly_sources[]")
        # every demo hour is on its hourly source: no tier has a reason row
        and not key.startswith("scope2_location_tiers.tiers[].reasons[]")
        and not any(figure.matches(p) for p in paths)
    ]
    assert missing == [], missing
