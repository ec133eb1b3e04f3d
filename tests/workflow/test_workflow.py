"""End to end: the demo writes a complete report folder whose figures hold together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import OutputExistsError
from carbon.workflow import write_demo_report


@pytest.fixture
def written(demo_draft):
    """``carbon demo``'s folder, written once for the test session (tests/conftest.py)."""
    return demo_draft


def test_writes_the_four_files(written) -> None:
    assert written.path.parts[-3:] == ("demo", "2025-07", "v1")
    names = sorted(p.name for p in written.path.iterdir())
    assert names == [
        "disclosure.pdf",
        "exports",
        "manifest.json",
        "operating-update.json",
        "operating-update.pdf",
        "render-series.json",
        "results.csv",
        "results.json",
        "tenants",
    ]
    assert sorted(p.name for p in (written.path / "exports").iterdir()) == [
        "eed.json",
        "esrs-ifrs.json",
        "mica.json",
    ]
    assert sorted(p.name for p in (written.path / "tenants").iterdir()) == [
        "tenant-1.pdf",
        "tenant-2.pdf",
        "tenant-3.pdf",
    ]
    assert not [
        p for p in written.path.parent.iterdir() if p.name.startswith(".")
    ]  # no staging left


def test_results_json_has_the_documented_keys(written) -> None:
    results = json.loads((written.path / "results.json").read_text())
    for key in (
        "site",
        "period",
        "energy_kwh",
        "it_energy_kwh",
        "scope2_location_kgco2e",
        "kpis",
        "factors",
        "inputs",
        "software_version",
    ):
        assert key in results
    assert results["period"]["start"] == "2025-07-01T00:00:00-05:00"
    assert results["period"]["end"] == "2025-08-01T00:00:00-05:00"
    assert results["period"]["timezone"] == "America/Chicago"
    assert {"mining", "ai", "total"} <= set(results["energy_kwh"])
    assert results["factors"][0]["id"] == "egrid2023rev2"
    assert len(results["factors"][0]["sha256"]) == 64
    assert all(len(i["sha256"]) == 64 and i["rows"] > 0 for i in results["inputs"])
    assert results["kpis"]["pue"] > 1.0


def test_figures_hold_together(written) -> None:
    r = written.results
    outcome = written.outcome
    revenue_kwh = float(outcome.attribution.revenue.sum().pint.to("kWh").pint.magnitude)
    assert r["energy_kwh"]["total"] == pytest.approx(revenue_kwh, rel=1e-12)
    parts = sum(v for k, v in r["energy_kwh"].items() if k != "total")
    assert parts == pytest.approx(r["energy_kwh"]["total"], rel=1e-12)
    lb = sum(v for k, v in r["scope2_location_kgco2e"].items() if k != "total")
    assert lb == pytest.approx(r["scope2_location_kgco2e"]["total"], rel=1e-12)
    # location-based total = Σ hourly energy × hourly intensity, recomputed here independently
    hourly = outcome.hourly_energy.sum("workload").pint.to("kWh").pint.magnitude
    ef = (
        outcome.grid.intensity.sel(time=outcome.hourly_energy["time"])
        .pint.to("g CO2e/kWh")
        .pint.magnitude
    )
    # the site's figure: the operator's Scope 2 plus the tenant in Scope 3 cat. 13 (§1.1)
    assert r["scope2_location_kgco2e"]["total"] + r["scope3_13_location_kgco2e"][
        "total"
    ] == pytest.approx(float((hourly * ef).sum()) / 1000, rel=1e-12)
    overhead = r["energy_kwh"]["total"] - r["it_energy_kwh"]["total"]
    assert r["overhead_energy_kwh"]["total"] == pytest.approx(overhead, rel=1e-9)
    gap = next(m for m in r["quality"]["meters"] if m["id"] == "OFFICE")
    assert gap["missing"] == 3  # the demo's deliberate gap is counted, not filled


def test_manifest_hashes_the_results(written) -> None:
    import hashlib

    manifest = json.loads((written.path / "manifest.json").read_text())
    for name in ("results.json", "results.csv"):
        assert (
            manifest["results"][name]
            == hashlib.sha256((written.path / name).read_bytes()).hexdigest()
        )
    assert manifest["demo"]["seed"] > 0


def test_pdf_has_at_least_four_pages_and_embeds_the_data(written) -> None:
    from pypdf import PdfReader

    reader = PdfReader(written.path / "disclosure.pdf")
    assert len(reader.pages) >= 4
    embedded = reader.attachments
    assert set(embedded) >= {"results.json", "results.csv", "manifest.json"}
    assert embedded["results.json"][0] == (written.path / "results.json").read_bytes()


def test_an_existing_version_is_never_overwritten(written) -> None:
    before = (written.path / "disclosure.pdf").read_bytes()
    with pytest.raises(OutputExistsError, match="never overwritten"):
        write_demo_report(written.path.parents[2])
    assert (written.path / "disclosure.pdf").read_bytes() == before


def test_same_inputs_give_the_same_bytes(written, tmp_path: Path) -> None:
    again = write_demo_report(tmp_path)
    for name in ("results.json", "results.csv", "manifest.json", "disclosure.pdf"):
        assert (again.path / name).read_bytes() == (written.path / name).read_bytes(), name


def test_cli_demo_prints_summary_and_path(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--period", "2025-06", "--out", str(tmp_path), "--baseline", "none"]
    )
    assert result.exit_code == 0, result.output
    assert "Mining" in result.output and "AI hosting" in result.output
    assert str(tmp_path / "demo" / "2025-06" / "v1") in result.output.replace("\n", "")
    results = json.loads((tmp_path / "demo" / "2025-06" / "v1" / "results.json").read_text())
    assert results["energy_kwh"]["mining"] > 0 and results["energy_kwh"]["ai"] > 0
    # --baseline none: no comparison, and the results say so
    assert "decomposition" not in results and results["baseline_choice"]["requested"] == "none"


def test_scope1_market_based_and_td_losses_are_reported(written) -> None:
    r = written.results
    assert r["gwp_set"] == "AR6"
    # Scope 1: July's 2,900 US gallons of diesel at 0.138 MMBtu/gal and 73.96 kg CO2/MMBtu
    mmbtu = 2900 * 0.138
    assert r["scope1_gases"]["fuel_energy_mmbtu_hhv"] == pytest.approx(mmbtu)
    assert r["scope1_gases"]["co2_kg"] == pytest.approx(mmbtu * 73.96)
    expected_co2e = mmbtu * (73.96 + 29.8 * 3.0e-3 + 273 * 0.6e-3)
    assert r["scope1_kgco2e"]["total"] == pytest.approx(expected_co2e)
    # Market-based: both bases, per workload summing to the total; hourly ≥ annual here
    for key in ("scope2_market_kgco2e", "scope2_market_hourly_matching_kgco2e"):
        parts = sum(v for k, v in r[key].items() if k != "total")
        assert parts == pytest.approx(r[key]["total"], rel=1e-9)
    assert r["scope2_market_hourly_matching_kgco2e"]["total"] >= r["scope2_market_kgco2e"]["total"]
    (excluded,) = r["market_based"]["excluded"]
    assert excluded["instrument_id"] == "vppa-wind-sold-recs"
    assert "criterion 7" in excluded["reasons"][0]
    # T&D: A · r · EF with r = λ/(1-λ), λ = 4.2 % (eGRID2023rev2 ERCT)
    td = r["scope3_3_td_losses_kgco2e"]
    assert td["loss_ratio"] == pytest.approx(0.042 / 0.958)
    assert td["lost_energy_kwh"] == pytest.approx(r["energy_kwh"]["total"] * 0.042 / 0.958)
    ids = {f["id"] for f in r["factors"]}
    assert {"egrid2023rev2", "ipcc_gwp100", "epa_ghg_hub_stationary"} <= ids


def test_demo_records_the_factor_level_of_every_hour(written) -> None:
    block = written.results["scope2_location_factor_levels"]
    # the demo's synthetic grid series is complete: every hour uses it
    assert block["hours"] == {"hourly_source": 744, "subregion_annual": 0, "national": 0}
    assert block["shares"]["hourly_source"] == pytest.approx(1.0)
    assert block["hourly_source_mwh"] * 1000 == pytest.approx(
        written.results["energy_kwh"]["total"], rel=1e-9
    )
    assert block["subregion_annual_factor"]["factor_id"] == "egrid2023rev2"
    levels = written.outcome.location_factors.levels
    assert levels.sizes["time"] == 744 and int(levels.max()) == 0


def test_demo_sector_metrics_are_plausible_and_labelled(written) -> None:
    sector = written.results["sector_metrics"]
    figures = sector["figures"]
    assert sector["not_computed"] == {}
    for key in ("nameplate", "realised", "facility"):
        assert 15.0 < figures[f"fleet_efficiency_{key}_j_per_th"]["value"] < 22.0, key
    assert figures["fleet_efficiency_realised_j_per_th"]["value"] == pytest.approx(
        17.4757 * 1.04, rel=0.01
    )  # nameplate × the demo's realised penalty
    activity = sector["activity"]
    assert activity["network_hashrate_th_per_s"] == pytest.approx(800e6)
    assert "assumption" in activity["network_hashrate_note"]
    days = written.results["period"]["hours"] / 24
    # BTC come from the unrounded hashrate; the row states it to 0.1 PH/s
    assert activity["btc_mined_self"] == pytest.approx(
        figures["expected_btc_per_day"]["value"] * days, rel=1e-4
    )
    mining_kwh = written.results["energy_kwh"]["mining"]
    assert figures["energy_per_btc_mwh"]["value"] == pytest.approx(
        mining_kwh / 1000 / activity["btc_mined_self"]
    )
    assert 0.5 < figures["gpu_utilisation"]["value"] < 1.0
    assert 1.0 < figures["energy_per_gpu_hour_it_kwh"]["value"] < 2.0
    for figure in figures.values():
        if figure["hashrate_definition"]:
            assert figure["hashrate_definition"] in figure["label"]


def test_pdf_has_the_operations_section_and_factor_shares(written) -> None:
    from pypdf import PdfReader

    reader = PdfReader(written.path / "disclosure.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "Operations and intensities" in text
    assert "Fleet efficiency, realised [J/TH]" in text
    assert "Emissions per GPU-hour, MB [g CO" in text
    assert "Factor hierarchy" in text and "the hourly grid source 100.0" in text
