"""Scope 1 from genset fuel (METHODOLOGY 1.5), checked against hand computations.

Factors: 40 CFR 98 Table C-1/C-2 as quoted in METHODOLOGY 1.5. Tolerances: rtol 1e-9
for arithmetic on exact decimal inputs (float rounding only).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pint
import pytest
import xarray as xr
from pydantic import ValidationError

from carbon.accounting.fuel_records import FuelRecord, SiteFactors, fuel_record_from_dict
from carbon.accounting.grid_purchase import grid_purchased
from carbon.accounting.scope1 import (
    DEFAULT_DATASET,
    combustion_factors,
    fuel_emissions,
    fuel_energy_hhv,
    scope1_emissions,
    stationary_fuels,
)
from carbon.core.errors import (
    ChecksumError,
    FactorNotFoundError,
    InputDataError,
    UnitError,
)
from carbon.core.resources import factors_root
from carbon.core.units import Q_
from carbon.factors.catalogue import load_dataset

RTOL = 1e-9


def kg(q: pint.Quantity, unit: str) -> float:
    return float(q.to(unit).magnitude)


def gas_record(quantity="1000 MMBtu", **kw) -> FuelRecord:
    return FuelRecord(
        genset_id=kw.pop("genset_id", "G1"),
        fuel=kw.pop("fuel", "natural_gas_pipeline"),
        quantity=quantity,
        period=kw.pop("period", "2025-07"),
        **kw,
    )


# ---------------------------------------------------------------------------------------
# The shipped dataset
# ---------------------------------------------------------------------------------------
def test_dataset_values_match_methodology():
    ng = combustion_factors("natural_gas_pipeline")
    assert kg(ng.co2, "kg CO2/MMBtu") == pytest.approx(53.06, rel=RTOL)
    assert kg(ng.ch4, "g CH4/MMBtu") == pytest.approx(1.0, rel=RTOL)
    assert kg(ng.n2o, "g N2O/MMBtu") == pytest.approx(0.10, rel=RTOL)
    assert kg(ng.heat_content, "MMBtu/ft**3") == pytest.approx(0.001026, rel=RTOL)
    d2 = combustion_factors("distillate_fuel_oil_no2")
    assert kg(d2.co2, "kg CO2/MMBtu") == pytest.approx(73.96, rel=RTOL)
    assert kg(d2.ch4, "g CH4/MMBtu") == pytest.approx(3.0, rel=RTOL)
    assert kg(d2.n2o, "g N2O/MMBtu") == pytest.approx(0.60, rel=RTOL)
    assert d2.heat_content is None  # liquids need a stated heat content


def test_dataset_metadata_and_provenance():
    ds = load_dataset(DEFAULT_DATASET)
    assert ds.kind == "stationary_combustion_factors"
    assert ds.path == "epa/ghg_hub_stationary/stationary_combustion.csv"
    assert ds.publisher == "US EPA"
    assert "public domain" in ds.licence
    assert "verify hub edition" in ds.metadata["verify"]
    table = ds.table()
    assert set(table["heating_value_basis"]) == {"HHV"}
    assert set(table["cfr_table"]) == {"C-1", "C-2"}
    assert (table["provenance"] != "").all()
    assert table["provenance_detail"].str.contains("verify hub edition").all()
    assert stationary_fuels() == ("distillate_fuel_oil_no2", "natural_gas_pipeline")
    ng = combustion_factors("natural_gas_pipeline")
    assert ng.dataset_id == DEFAULT_DATASET and ng.sha256 == ds.sha256
    assert set(ng.provenance) == {"CO2", "CH4", "N2O", "heat_content"}


def test_tampered_dataset_is_refused(tmp_path: Path):
    root = tmp_path / "factors"
    shutil.copytree(Path(str(factors_root())), root)
    csv_path = root / "epa/ghg_hub_stationary/stationary_combustion.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"53.06", b"50.06"))
    with pytest.raises(ChecksumError, match=r"stationary_combustion\.csv"):
        load_dataset(DEFAULT_DATASET, root=root)


def test_metadata_sha256_is_that_of_the_csv():
    import hashlib

    folder = Path(str(factors_root())) / "epa/ghg_hub_stationary"
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    data = (folder / meta["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["sha256"]


def test_a_non_stationary_dataset_is_refused():
    with pytest.raises(FactorNotFoundError, match="stationary"):
        combustion_factors("natural_gas_pipeline", dataset_id="egrid2023rev2")


# ---------------------------------------------------------------------------------------
# Hand computations
# ---------------------------------------------------------------------------------------
def test_1000_mmbtu_pipeline_gas_ar6():
    # 53,060 kg CO2 + 1 kg CH4 × 29.8 + 0.1 kg N2O × 273 = 53,117.1 kg CO2e
    out = fuel_emissions(gas_record())
    assert kg(out.co2, "kg CO2") == pytest.approx(53_060.0, rel=RTOL)
    assert kg(out.ch4, "kg CH4") == pytest.approx(1.0, rel=RTOL)
    assert kg(out.n2o, "kg N2O") == pytest.approx(0.1, rel=RTOL)
    assert kg(out.co2e, "kg CO2e") == pytest.approx(53_060 + 29.8 + 27.3, rel=RTOL)
    assert kg(out.biogenic_co2, "kg CO2") == 0.0
    assert out.gwp_set == "AR6"
    assert float(out.gwp_ch4.magnitude) == 29.8  # fossil CH4 (METHODOLOGY 9)
    assert float(out.gwp_n2o.magnitude) == 273
    assert out.factor_sources["CO2"].startswith(DEFAULT_DATASET)
    assert any("reciprocating" in n for n in out.notes)


@pytest.mark.parametrize(
    ("gwp_set", "expected"),
    # combustion CH4 at the set's fossil value: AR6 29.8, AR5 30 (not the generic 28), AR4 25
    [("AR6", 53_060 + 29.8 + 27.3), ("AR5", 53_060 + 30 + 26.5), ("AR4", 53_060 + 25 + 29.8)],
)
def test_gwp_set_is_selectable(gwp_set, expected):
    out = fuel_emissions(gas_record(), gwp_set=gwp_set)
    assert kg(out.co2e, "kg CO2e") == pytest.approx(expected, rel=RTOL)
    assert out.gwp_set == gwp_set


def test_scope1_ch4_and_n2o_by_hand_under_ar5_and_ar6():
    """1,000 MMBtu of diesel (Table C-1/C-2: 73.96 kg CO2, 3.0 g CH4, 0.60 g N2O per MMBtu) and
    a gas engine with a stack-tested slip of 0.5 kg CH4/MMBtu on 1,000 MMBtu:

    diesel  AR6: 73,960 + 3.0 × 29.8 + 0.6 × 273 = 74,213.2 kg CO2e
            AR5: 73,960 + 3.0 × 30   + 0.6 × 265 = 74,209.0 kg CO2e
    engine  CH4 500 kg: AR6 500 × 29.8 = 14,900; AR5 500 × 30 = 15,000 (the generic 28 would
            give 14,000); N2O 0.1 kg: AR6 27.3, AR5 26.5; CO2 53,060.
    """
    diesel = gas_record(fuel="distillate_fuel_oil_no2", genset_id="GEN-DIESEL")
    engine = gas_record(
        genset_id="GEN-GAS",
        site_factors=SiteFactors(ch4="0.5 kg CH4/MMBtu", source="stack test 2025-03"),
    )
    expected = {
        "AR6": (73_960 + 3.0 * 29.8 + 0.6 * 273, 53_060 + 500 * 29.8 + 0.1 * 273),
        "AR5": (73_960 + 3.0 * 30 + 0.6 * 265, 53_060 + 500 * 30 + 0.1 * 265),
    }
    assert expected["AR6"][0] == pytest.approx(74_213.2)
    assert expected["AR5"][0] == pytest.approx(74_209.0)
    for gwp_set, (want_diesel, want_engine) in expected.items():
        result = scope1_emissions([diesel, engine], gwp_set=gwp_set)
        got = result.by_genset()
        assert kg(got["GEN-DIESEL"], "kg CO2e") == pytest.approx(want_diesel, rel=RTOL)
        assert kg(got["GEN-GAS"], "kg CO2e") == pytest.approx(want_engine, rel=RTOL)
        assert kg(result.co2e, "kg CO2e") == pytest.approx(want_diesel + want_engine, rel=RTOL)
        assert kg(result.ch4, "kg CH4") == pytest.approx(503.0, rel=RTOL)  # the same gas mass
    ar5 = fuel_emissions(engine, gwp_set="AR5")
    assert float(ar5.gwp_ch4.magnitude) == 30  # fossil, not the generic 28


def test_unknown_gwp_set_lists_choices():
    with pytest.raises(UnitError, match="AR6"):
        fuel_emissions(gas_record(), gwp_set="AR7")


def test_gases_keep_their_dimensions():
    out = fuel_emissions(gas_record())
    with pytest.raises(pint.DimensionalityError):
        out.co2 + out.co2e
    with pytest.raises(pint.DimensionalityError):
        out.ch4 + out.n2o


def test_scf_uses_the_table_c1_heat_content():
    # 1,000,000 scf × 0.001026 MMBtu/scf = 1,026 MMBtu; CO2 = 1,026 × 53.06 kg
    for quantity in ("1000000 scf", "1 MMscf", "1000 Mscf", Q_(1e6, "ft**3"), "1e6 cubic_foot"):
        rec = gas_record(quantity)
        assert kg(fuel_energy_hhv(rec), "MMBtu") == pytest.approx(1026.0, rel=RTOL)
        assert kg(fuel_emissions(rec).co2, "kg CO2") == pytest.approx(1026 * 53.06, rel=RTOL)


def test_energy_units_convert_to_mmbtu():
    rec = gas_record(Q_(293.071, "kWh"))  # METHODOLOGY 9: 1 MMBtu = 293.071 kWh
    assert kg(fuel_energy_hhv(rec), "MMBtu") == pytest.approx(1.0, rel=1e-6)
    rec = gas_record("1.055056 GJ")
    assert kg(fuel_energy_hhv(rec), "MMBtu") == pytest.approx(1.0, rel=1e-6)


def test_cubic_metres_of_gas_need_a_heat_content():
    with pytest.raises(UnitError, match="heat_content"):
        fuel_emissions(gas_record("1000 m**3"))
    rec = gas_record("1000 m**3", heat_content="0.0366 MMBtu/m**3")
    assert kg(fuel_energy_hhv(rec), "MMBtu") == pytest.approx(36.6, rel=RTOL)


def test_diesel_gallons_need_a_stated_heat_content():
    with pytest.raises(UnitError, match="liquids need a stated factor"):
        fuel_emissions(gas_record("1000 gallon", fuel="distillate_fuel_oil_no2"))
    rec = gas_record(
        "1000 gallon", fuel="distillate_fuel_oil_no2", heat_content="0.138 MMBtu/gallon"
    )
    out = fuel_emissions(rec)
    # 138 MMBtu: CO2 138 × 73.96; CH4 138 × 3 g; N2O 138 × 0.6 g
    assert kg(out.energy_hhv, "MMBtu") == pytest.approx(138.0, rel=RTOL)
    assert kg(out.co2, "kg CO2") == pytest.approx(10_206.48, rel=RTOL)
    assert kg(out.ch4, "kg CH4") == pytest.approx(0.414, rel=RTOL)
    assert kg(out.n2o, "kg N2O") == pytest.approx(0.0828, rel=RTOL)
    assert kg(out.co2e, "kg CO2e") == pytest.approx(
        10_206.48 + 0.414 * 29.8 + 0.0828 * 273, rel=RTOL
    )


def test_litres_with_a_stated_heat_content():
    rec = gas_record("1000 L", fuel="distillate_fuel_oil_no2", heat_content="38.6 MJ/L")
    assert kg(fuel_energy_hhv(rec), "MJ") == pytest.approx(38_600.0, rel=RTOL)


def test_lhv_is_refused_without_a_conversion():
    with pytest.raises(ValidationError, match="hhv_per_lhv"):
        gas_record(heating_value_basis="LHV")
    with pytest.raises(ValidationError, match="only meaningful"):
        gas_record(hhv_per_lhv=1.108)


def test_lhv_with_a_conversion():
    rec = gas_record(heating_value_basis="LHV", hhv_per_lhv=1.108)
    out = fuel_emissions(rec)
    assert kg(out.energy_hhv, "MMBtu") == pytest.approx(1108.0, rel=RTOL)
    assert kg(out.co2, "kg CO2") == pytest.approx(1108 * 53.06, rel=RTOL)
    assert any("LHV" in n for n in out.notes)


def test_lhv_volume_needs_an_lhv_heat_content():
    rec = gas_record("1000000 scf", heating_value_basis="LHV", hhv_per_lhv=1.108)
    with pytest.raises(UnitError, match="LHV"):
        fuel_energy_hhv(rec)
    rec = gas_record(
        "1000000 scf",
        heating_value_basis="LHV",
        hhv_per_lhv=1.108,
        heat_content="0.000926 MMBtu/scf",
    )
    assert kg(fuel_energy_hhv(rec), "MMBtu") == pytest.approx(926 * 1.108, rel=RTOL)


def test_site_specific_ch4_replaces_the_default_for_that_gas_only():
    site = SiteFactors(ch4="0.567 kg CH4/MMBtu", source="stack test 2025-03, report 17")
    out = fuel_emissions(gas_record(site_factors=site))
    assert kg(out.ch4, "kg CH4") == pytest.approx(567.0, rel=RTOL)
    assert kg(out.co2, "kg CO2") == pytest.approx(53_060.0, rel=RTOL)
    assert kg(out.co2e, "kg CO2e") == pytest.approx(53_060 + 567 * 29.8 + 27.3, rel=RTOL)
    assert out.factor_sources["CH4"] == "site-specific: stack test 2025-03, report 17"
    assert out.factor_sources["N2O"].startswith(DEFAULT_DATASET)
    assert not any("reciprocating" in n for n in out.notes)


def test_site_factor_units_are_checked():
    with pytest.raises(ValidationError, match="kg CH4/MMBtu"):
        SiteFactors(ch4="0.5 kg CO2/MMBtu", source="x")
    with pytest.raises(ValidationError, match="at least one"):
        SiteFactors(source="x")


def test_unknown_fuel_needs_site_factors():
    with pytest.raises(FactorNotFoundError, match="natural_gas_pipeline"):
        fuel_emissions(gas_record(fuel="flare_gas"))
    site = SiteFactors(
        co2="60 kg CO2/MMBtu", ch4="0.5 kg CH4/MMBtu", n2o="0.0001 kg N2O/MMBtu", source="lab"
    )
    out = fuel_emissions(gas_record(fuel="flare_gas", site_factors=site))
    assert kg(out.co2, "kg CO2") == pytest.approx(60_000.0, rel=RTOL)


def test_biogenic_co2_is_kept_apart_and_ch4_uses_the_non_fossil_gwp():
    site = SiteFactors(
        co2="52.07 kg CO2/MMBtu", ch4="3.2 g CH4/MMBtu", n2o="0.63 g N2O/MMBtu", source="lab"
    )
    rec = gas_record(fuel="landfill_gas", site_factors=site, biogenic=True)
    out = fuel_emissions(rec)
    assert kg(out.co2, "kg CO2") == 0.0
    assert kg(out.biogenic_co2, "kg CO2") == pytest.approx(52_070.0, rel=RTOL)
    assert float(out.gwp_ch4.magnitude) == 27.0  # AR6 non-fossil
    assert kg(out.co2e, "kg CO2e") == pytest.approx(3.2 * 27.0 + 0.63 * 273, rel=RTOL)
    ar5 = fuel_emissions(rec, gwp_set="AR5")  # AR5 has no non-fossil row: generic 28
    assert float(ar5.gwp_ch4.magnitude) == 28


@pytest.mark.parametrize(
    ("quantity", "match"),
    [
        ("-5 MMBtu", "negative"),
        ("5 kg", "energy or a volume"),
        ("5 ton", "ambiguous"),
        ("5 MBtu", "ambiguous"),
        ("abc", "number"),
        (5.0, "pint Quantity"),
        (Q_(np.array([1.0, 2.0]), "MMBtu"), "one value"),
        ("2 MMBtu/Mscf", "whole unit"),
    ],
)
def test_bad_quantities_are_refused(quantity, match):
    with pytest.raises(ValidationError, match=match):
        gas_record(quantity)


def test_heat_content_with_an_energy_quantity_is_refused():
    with pytest.raises(ValidationError, match="already an energy"):
        gas_record("10 MMBtu", heat_content="0.001026 MMBtu/scf")


def test_record_is_frozen_and_strict():
    rec = gas_record()
    with pytest.raises(ValidationError):
        rec.fuel = "x"
    with pytest.raises(ValidationError, match="extra"):
        gas_record(colour="red")


def test_fuel_record_from_dict_names_the_key():
    with pytest.raises(InputDataError, match="quantity"):
        fuel_record_from_dict(
            {"genset_id": "G1", "fuel": "natural_gas_pipeline", "quantity": "5 kg", "period": "x"},
            source="fuel.csv line 3",
        )
    rec = fuel_record_from_dict(
        {"genset_id": "G1", "fuel": "natural_gas_pipeline", "quantity": "5 MMBtu", "period": "p"}
    )
    assert kg(rec.quantity, "MMBtu") == 5.0


def test_scope1_totals_and_by_genset():
    records = [
        gas_record("1000 MMBtu", genset_id="G1"),
        gas_record("500 MMBtu", genset_id="G2"),
        gas_record(
            "1000 gallon",
            genset_id="G2",
            fuel="distillate_fuel_oil_no2",
            heat_content="0.138 MMBtu/gallon",
        ),
    ]
    result = scope1_emissions(records)
    parts = [fuel_emissions(r) for r in records]
    total = sum(kg(p.co2e, "kg CO2e") for p in parts)
    assert kg(result.co2e, "kg CO2e") == pytest.approx(total, rel=RTOL)
    assert kg(result.co2, "kg CO2") == pytest.approx(1500 * 53.06 + 138 * 73.96, rel=RTOL)
    assert kg(result.energy_hhv, "MMBtu") == pytest.approx(1638.0, rel=RTOL)
    by = result.by_genset()
    assert set(by) == {"G1", "G2"}
    assert kg(by["G1"], "kg CO2e") == pytest.approx(kg(parts[0].co2e, "kg CO2e"), rel=RTOL)
    assert result.dataset_id == DEFAULT_DATASET and result.dataset_sha256
    assert result.gwp_set == "AR6"


def test_scope1_of_no_records_is_zero_and_validates_the_set():
    assert kg(scope1_emissions([]).co2e, "kg CO2e") == 0.0
    with pytest.raises(UnitError):
        scope1_emissions([], gwp_set="AR9")


# ---------------------------------------------------------------------------------------
# No double counting with Scope 2
# ---------------------------------------------------------------------------------------
def _series(values, unit="kWh"):
    time = pd.date_range("2025-07-01", periods=len(values), freq="h")
    return xr.DataArray(
        np.array(values, float), dims=("time",), coords={"time": time}
    ).pint.quantify(unit)


def test_grid_purchased_removes_onsite_generation():
    out = grid_purchased(Q_(10, "MWh"), Q_(4000, "kWh"))
    assert kg(out, "kWh") == pytest.approx(6000.0, rel=RTOL)
    series = grid_purchased(_series([100, 80, 120]), _series([30, 80, 0]))
    assert series.pint.to("kWh").pint.magnitude.tolist() == [70.0, 0.0, 120.0]


def test_grid_purchased_refuses_to_net_exports():
    # Interval 2 exports 20 kWh; the total (180 − 130) would look fine if netted.
    with pytest.raises(InputDataError, match="never netted"):
        grid_purchased(_series([100, 80]), _series([30, 100]))
    with pytest.raises(InputDataError, match="exported"):
        grid_purchased(Q_(1, "MWh"), Q_(1.5, "MWh"))


@pytest.mark.parametrize(
    ("consumption", "generation", "error"),
    [
        (Q_(-1, "kWh"), Q_(0, "kWh"), InputDataError),
        (Q_(1, "kWh"), Q_(np.nan, "kWh"), InputDataError),
        (Q_(1, "kg"), Q_(0, "kWh"), UnitError),
        (1.0, Q_(0, "kWh"), UnitError),
    ],
)
def test_grid_purchased_bad_inputs(consumption, generation, error):
    with pytest.raises(error):
        grid_purchased(consumption, generation)


def test_grid_purchased_refuses_misaligned_series():
    shifted = _series([1, 1, 1]).assign_coords(
        time=pd.date_range("2025-07-01 01:00", periods=3, freq="h")
    )
    with pytest.raises(InputDataError, match="same intervals"):
        grid_purchased(_series([5, 5, 5]), shifted)
