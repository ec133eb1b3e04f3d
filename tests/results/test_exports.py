"""The filing exports (docs/exports.md): every export of the demo validates against its
schema, the schemas kept in the package are the models', and the figures equal
independent calculations from results.json."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest

from carbon.results.document import results_json_bytes
from carbon.results.exports import EXPORTS, SCHEMA_DIR, export_documents, export_files, schema_bytes
from carbon.results.exports.esrs_ifrs import LineItem

NAMES = ("mica", "eed", "esrs-ifrs")


@pytest.fixture(scope="module")
def results(demo_july) -> dict:
    return demo_july[1]


@pytest.fixture(scope="module")
def files(results) -> dict[str, bytes]:
    return export_files(results)


@pytest.fixture(scope="module")
def docs(files) -> dict[str, dict]:
    return {name: json.loads(files[f"exports/{name}.json"]) for name in NAMES}


def test_the_three_exports_are_written(files) -> None:
    assert sorted(files) == [f"exports/{n}.json" for n in sorted(NAMES)]
    assert set(EXPORTS) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_export_validates_against_its_schema(name, files) -> None:
    model, _ = EXPORTS[name]
    # the schema kept in the package is the one the model generates ...
    assert (SCHEMA_DIR / f"{name}.json").read_bytes() == schema_bytes(name), (
        "schema out of date: run python -m carbon.results.exports"
    )
    # ... and the export as written validates against that model (extra keys refused)
    document = model.model_validate_json(files[f"exports/{name}.json"])
    assert document.model_dump(mode="json") == json.loads(files[f"exports/{name}.json"])
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(json.loads(files[f"exports/{name}.json"]))


def test_an_unknown_key_or_a_wrong_type_is_refused(files) -> None:
    model, _ = EXPORTS["mica"]
    data = json.loads(files["exports/mica.json"])
    with pytest.raises(ValueError, match="extra"):
        model.model_validate({**data, "surprise": 1})
    data["indicators"]["energy_consumption_kwh"] = "a lot"
    with pytest.raises(ValueError, match="energy_consumption_kwh"):
        model.model_validate(data)


def test_exports_point_at_the_results_they_came_from(results, docs) -> None:
    sha = hashlib.sha256(results_json_bytes(results)).hexdigest()
    for doc in docs.values():
        assert doc["source"]["results_json_sha256"] == sha
        assert doc["source"]["report_id"] == "demo-x"
        assert doc["site"]["period_label"] == "2025-07"
        assert doc["site"]["covers_calendar_year"] is False


# --------------------------------------------------------------------------- MiCA


def test_mica_is_the_mining_share_computed_independently(results, docs) -> None:
    m = docs["mica"]["indicators"]
    r = results
    share = r["energy_kwh"]["mining"] / r["energy_kwh"]["total"]
    scope1_t = r["scope1_kgco2e"]["total"] / 1000 * share
    location_t = r["scope2_location_kgco2e"]["mining"] / 1000
    market_t = r["scope2_market_kgco2e"]["mining"] / 1000
    ths = r["hashrate"]["average_operating"]["value"] * 1000  # PH/s → TH/s
    assert m["energy_consumption_kwh"] == pytest.approx(r["energy_kwh"]["mining"])
    assert m["scope1_tco2e"] == pytest.approx(scope1_t)
    assert m["scope2_location_based_tco2e"] == pytest.approx(location_t)
    assert m["ghg_scope1_2_market_based_tco2e"] == pytest.approx(scope1_t + market_t)
    assert m["average_operating_hashrate_ths"] == pytest.approx(2_620_200.0)
    assert m["energy_intensity_kwh_per_ths"] == pytest.approx(r["energy_kwh"]["mining"] / ths)
    assert m["ghg_intensity_location_based_kgco2e_per_ths"] == pytest.approx(
        (scope1_t + location_t) * 1000 / ths
    )
    # the demo mines for itself only: per BTC = all mining emissions ÷ BTC mined
    assert r["production"]["btc_mined_hosted"] == 0.0
    btc = r["production"]["btc_mined_self"]
    assert m["ghg_intensity_location_based_kgco2e_per_btc"] == pytest.approx(
        (scope1_t + location_t) * 1000 / btc
    )
    assert m["energy_intensity_kwh_per_btc"] == pytest.approx(r["energy_kwh"]["mining"] / btc)
    renewable = 4319.71640685748 / 38795.86759865804  # certificate MWh of mining ÷ its MWh
    assert m["renewable_energy_share_fraction"] == pytest.approx(renewable)
    assert m["non_renewable_energy_share_fraction"] == pytest.approx(1 - renewable)
    # the register: 1,200 ASICs, 15.7 t, all to a recycler; the 64 GPUs resold are not mining
    assert m["ewaste_retired_asic_units"] == 1200
    assert m["ewaste_retired_asic_t"] == pytest.approx(15.7)
    assert m["ewaste_weee_t"] == pytest.approx(15.7)
    assert m["ewaste_weee_non_recycled_share_fraction"] == 0.0
    assert docs["mica"]["gwp_set"] == "AR6" and docs["mica"]["not_available"] == {}


def test_mica_without_a_register_or_hashrate_says_why(results) -> None:
    trimmed = copy.deepcopy(results)
    trimmed["retired_hardware"] = {"reported": False}
    trimmed["hashrate"]["average_operating"]["value"] = None
    mica = export_documents(trimmed)["mica"].model_dump()
    assert mica["indicators"]["ewaste_retired_asic_t"] is None
    assert mica["indicators"]["energy_intensity_kwh_per_ths"] is None
    assert "retired-hardware register" in mica["not_available"]["ewaste_retired_asic_t"]
    assert "hashrate" in mica["not_available"]["energy_intensity_kwh_per_ths"]


# --------------------------------------------------------------------------- EED


def test_eed_computes_what_it_can_and_lists_the_rest(results, docs) -> None:
    fields = {f["id"]: f for f in docs["eed"]["fields"]}
    r = results
    e_dc, e_it = r["kpis"]["dc_energy_kwh"]["total"], r["it_energy_kwh"]["total"]
    assert fields["total_energy_consumption"]["value"] == pytest.approx(e_dc)
    assert fields["pue"]["value"] == pytest.approx(e_dc / e_it)
    assert fields["wue"]["value"] == pytest.approx(17600.0 * 1000 / e_it)  # m³ → L
    # mining halls 67 MW + AI critical IT energised 28 MW at the month end
    assert fields["installed_it_power_demand"]["value"] == pytest.approx(95_000.0)
    assert fields["installed_it_power_demand"]["unit"] == "kW"
    # renewable: 6,000 MWh of RECs + 6,920.25 MWh of the solar PPA; the virtual PPA whose
    # certificates were sold is not counted
    go = fields["renewable_energy_guarantees_of_origin"]["value"]
    ppa = fields["renewable_energy_ppa"]["value"]
    assert go == pytest.approx(6_000_000.0)
    assert go + ppa == pytest.approx(fields["renewable_energy_total"]["value"])
    for f in fields.values():
        assert f["reference"].startswith("Delegated Regulation (EU) 2024/1364")
        assert f["reference_status"] == "to be confirmed"
        assert (f["value"] is None) == (f["status"] == "to be supplied")
    supplied = {i for i, f in fields.items() if f["status"] == "to be supplied"}
    assert {"total_floor_area", "data_traffic", "refrigerants", "location"} <= supplied


def test_eed_renewable_share_under_both_definitions(results, docs) -> None:
    current, proposed = docs["eed"]["renewable_share"]
    e_dc = results["kpis"]["dc_energy_kwh"]["total"]
    assert current["definition"] == "current" and current["rule_status"] == "in force"
    assert current["share_fraction"] == pytest.approx(results["kpis"]["ref"])
    hourly_kwh = results["market_based"]["metrics"]["hourly_matched_mwh"] * 1000
    assert proposed["renewable_kwh"] == pytest.approx(hourly_kwh)
    assert proposed["share_fraction"] == pytest.approx(hourly_kwh / e_dc)
    assert proposed["rule_status"].startswith("proposal")
    assert any("15-minute" in c for c in proposed["conditions_not_checked"])


def test_eed_takes_declared_floor_areas(results) -> None:
    declared = copy.deepcopy(results)
    declared["eed"] = {"total_floor_area_m2": 12000.0, "data_centre_type": "colocation"}
    fields = {f.id: f for f in export_documents(declared)["eed"].fields}
    assert fields["total_floor_area"].value == 12000.0
    assert fields["total_floor_area"].status == "declared"
    assert fields["data_centre_type"].value == "colocation"
    assert fields["computer_room_floor_area"].status == "to be supplied"


# --------------------------------------------------------------------------- ESRS / IFRS


def test_esrs_ifrs_line_items_name_their_gwp_set(results, docs) -> None:
    items = {i["id"]: i for i in docs["esrs-ifrs"]["line_items"]}
    for item in items.values():
        if item["unit"] == "t CO2e" and item["status"] == "reported":
            assert item["gwp_set"] == "AR6", item["id"]
        if item["unit"] == "MWh":
            assert item["gwp_set"] is None
        assert item["reference_status"] == "to be confirmed"
    r = results
    total_lb = (
        r["scope1_kgco2e"]["total"]
        + r["scope2_location_kgco2e"]["total"]
        + r["scope3_3_td_losses_kgco2e"]["total"]
        + r["scope3_13_location_kgco2e"]["total"]
    ) / 1000
    assert items["e1_6_total_location"]["value"] == pytest.approx(total_lb)
    # the demo's triple-net tenant: out of Scope 2, in category 13, on each basis
    cat13 = r["scope3_13_leased_assets"]
    assert items["e1_6_scope3_cat13_location"]["value"] == pytest.approx(
        cat13["location_kgco2e"] / 1000
    )
    assert items["e1_6_scope3_cat13_market"]["value"] == pytest.approx(
        cat13["market_kgco2e"] / 1000
    )
    assert items["e1_6_scope2_location"]["value"] == pytest.approx(
        (cat13["site_scope2_location_kgco2e"] - cat13["location_kgco2e"]) / 1000
    )
    assert items["e1_6_scope2_market"]["reference"] == "E1-6 para 49(b)"
    assert items["s2_29a_scope2_location"]["value"] == pytest.approx(
        r["scope2_location_kgco2e"]["total"] / 1000
    )
    assert items["e1_5_total_energy"]["value"] == pytest.approx(
        r["kpis"]["dc_energy_kwh"]["total"] / 1000
    )
    assert items["e1_6_ghg_intensity"]["status"] == "not available"
    assert set(docs["esrs-ifrs"]["gwp_sets"]) == {"AR6"}


def test_a_co2e_figure_without_its_gwp_set_is_refused() -> None:
    with pytest.raises(ValueError, match="GWP set"):
        LineItem(
            id="x",
            framework="ESRS E1",
            reference="E1-6",
            reference_status="to be confirmed",
            label="x",
            status="reported",
            value=1.0,
            unit="t CO2e",
            gwp_set=None,
            basis="",
        )
