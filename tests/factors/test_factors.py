"""Tests of carbon.factors.catalogue and the shipped datasets in factors/.

The published figures below are typed in from DATA-FORMATS §1.3 (EPA eGRID2022
and eGRID2023rev2 subregion total-output rates, lb/MWh, 3 decimals; grid gross
loss per interconnect) on purpose: they are not read from our CSVs, so a
transcription error in scripts/build_factors.py shows up here. Where EPA's
Power Profiler files are available (../shared/real-samples) the CO2, CO2e and
grid-loss values are also compared with them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from carbon.core.errors import ChecksumError, FactorError, FactorNotFoundError
from carbon.core.resources import factors_root
from carbon.core.units import ureg
from carbon.factors.catalogue import FactorDataset, list_datasets, load_dataset
from carbon.factors.egrid import (
    egrid_co2e_rate,
    egrid_grid_gross_loss,
    egrid_rate,
    latest_egrid_for_year,
)
from carbon.factors.gwp import gwp100_table

REAL_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_factors.py"

# DATA-FORMATS §1.3: subregion | 2022 CO2 CH4 N2O CO2e | 2023rev2 CO2 CH4 N2O CO2e | 2023rev2
# CO2e in kg/MWh (1 decimal).
PUBLISHED = """
AKGD 1052.114 0.088 0.012 1057.841 899.633 0.086 0.012 905.109 410.6
AKMS 495.772 0.023 0.004 497.557 520.483 0.026 0.004 522.400 237.0
AZNM 776.036 0.051 0.007 779.382 703.703 0.039 0.005 706.189 320.3
CAMX 497.443 0.030 0.004 499.278 428.464 0.025 0.003 429.983 195.0
ERCT 771.083 0.049 0.007 774.298 733.862 0.043 0.006 736.629 334.1
FRCC 813.846 0.048 0.006 816.893 782.262 0.041 0.005 784.785 356.0
HIMS 1155.486 0.124 0.019 1163.065 1123.371 0.146 0.022 1133.294 514.1
HIOA 1575.407 0.163 0.025 1586.947 1489.548 0.134 0.021 1498.947 679.9
MROE 1479.621 0.133 0.019 1488.688 1397.313 0.116 0.017 1404.963 637.3
MROW 936.485 0.102 0.015 943.418 920.130 0.097 0.014 926.552 420.3
NEWE 536.428 0.063 0.008 540.480 539.275 0.063 0.008 543.178 246.4
NWPP 602.088 0.056 0.008 605.872 631.735 0.054 0.008 635.267 288.2
NYCW 885.233 0.023 0.003 886.580 864.469 0.022 0.002 865.744 392.7
NYLI 1200.708 0.135 0.018 1209.311 1180.672 0.140 0.018 1189.333 539.5
NYUP 274.559 0.015 0.002 275.389 242.089 0.011 0.001 242.776 110.1
PRMS 1593.481 0.087 0.014 1599.922 1543.073 0.077 0.012 1548.530 702.4
RFCE 657.386 0.045 0.006 660.311 596.904 0.036 0.005 599.170 271.8
RFCM 1216.404 0.116 0.016 1224.187 970.617 0.082 0.012 975.978 442.7
RFCW 1000.053 0.087 0.012 1005.904 911.424 0.071 0.010 916.054 415.5
RMPA 1124.887 0.101 0.014 1131.733 1036.601 0.090 0.013 1042.539 472.9
SPNO 952.575 0.100 0.014 959.381 861.999 0.087 0.012 867.740 393.6
SPSO 970.398 0.072 0.010 975.253 872.042 0.054 0.008 875.567 397.2
SRMV 801.015 0.040 0.006 803.658 739.720 0.032 0.004 741.741 336.4
SRMW 1369.887 0.151 0.022 1380.154 1239.839 0.132 0.019 1248.582 566.3
SRSO 893.290 0.064 0.009 897.659 842.329 0.056 0.008 846.007 383.7
SRTV 933.067 0.082 0.012 938.625 898.079 0.079 0.011 903.306 409.7
SRVC 622.987 0.047 0.007 625.874 593.419 0.045 0.006 596.326 270.5
US 823.149 0.066 0.009 827.520 767.209 0.057 0.008 770.884 349.7
"""
TABLE = {
    line.split()[0]: [float(v) for v in line.split()[1:]] for line in PUBLISHED.strip().splitlines()
}
SUBREGIONS = sorted(TABLE)
GASES = ("CO2", "CH4", "N2O", "CO2e")
EDITIONS = {"egrid2022": 0, "egrid2023rev2": 4}  # column offset in TABLE rows

# DATA-FORMATS §1.3: grid gross loss per interconnect [fraction], and the Power
# Profiler interconnect map (everything not listed is Eastern; PRMS carries the
# Eastern value in the file).
GGL = {
    "egrid2022": {
        "Eastern": 0.051,
        "Western": 0.051,
        "ERCOT": 0.051,
        "Alaska": 0.050,
        "Hawaii": 0.054,
        "U.S.": 0.051,
    },
    "egrid2023rev2": {
        "Eastern": 0.042,
        "Western": 0.041,
        "ERCOT": 0.042,
        "Alaska": 0.041,
        "Hawaii": 0.044,
        "U.S.": 0.042,
    },
}
INTERCONNECT = {
    "AKGD": "Alaska",
    "AKMS": "Alaska",
    "HIMS": "Hawaii",
    "HIOA": "Hawaii",
    "ERCT": "ERCOT",
    "CAMX": "Western",
    "NWPP": "Western",
    "AZNM": "Western",
    "RMPA": "Western",
    "US": "U.S.",
}

# DATA-FORMATS §1.3: the eGRID2023rev2 CH4/N2O values resting on third-party copies.
THIRD_PARTY_2023 = {
    (s, g) for s in ("AZNM", "FRCC", "NYCW", "SPSO", "SRSO") for g in ("CH4", "N2O")
} | {("RFCM", "N2O")}


def _published(dataset_id: str, subregion: str, gas: str) -> float:
    return TABLE[subregion][EDITIONS[dataset_id] + GASES.index(gas)]


# ---------------------------------------------------------------------------------------
# Published figures read back exactly
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("gas", GASES)
@pytest.mark.parametrize("dataset_id", list(EDITIONS))
def test_every_published_rate_reads_back(dataset_id, gas):
    for subregion in SUBREGIONS:
        rate = egrid_rate(subregion, dataset_id, gas)
        assert rate.units == ureg.Unit(f"lb {gas}/MWh"), subregion
        assert rate.magnitude == _published(dataset_id, subregion, gas), subregion


def test_2023rev2_co2e_in_kg_per_mwh():
    for subregion in SUBREGIONS:
        kg = egrid_rate(subregion, "egrid2023rev2", "CO2e").to("kg CO2e/MWh").magnitude
        assert round(float(kg), 1) == TABLE[subregion][8], subregion


@pytest.mark.parametrize("dataset_id", list(EDITIONS))
def test_every_grid_gross_loss_reads_back(dataset_id):
    for subregion in SUBREGIONS:
        loss = egrid_grid_gross_loss(subregion, dataset_id)
        assert loss.dimensionless
        expected = GGL[dataset_id][INTERCONNECT.get(subregion, "Eastern")]
        assert loss.magnitude == expected, subregion


@pytest.mark.parametrize("dataset_id", list(EDITIONS))
def test_dataset_holds_exactly_the_published_rows(dataset_id):
    table = load_dataset(dataset_id).table()
    assert sorted(set(table["subregion"])) == SUBREGIONS
    assert len(SUBREGIONS) == 28  # 27 subregions + US
    rates = table[table["quantity"] == "total_output_emission_rate"]
    assert len(rates) == 28 * 4
    assert len(table) == 28 * 5


def test_ch4_and_n2o_are_gas_dimensioned():
    assert egrid_rate("ERCT", "egrid2023rev2", "CH4").check("[mass] * [ch4] / [energy]")
    assert egrid_rate("ERCT", "egrid2023rev2", "N2O").check("[mass] * [n2o] / [energy]")


def test_lookup_is_case_insensitive():
    assert egrid_rate("erct", "eGRID2023rev2", "co2e") == egrid_rate(
        "ERCT", "egrid2023rev2", "CO2e"
    )


# ---------------------------------------------------------------------------------------
# Provenance and metadata
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset_id", list(EDITIONS))
def test_field_codes(dataset_id):
    table = load_dataset(dataset_id).table()
    codes = {"CO2": "CO2RTA", "CH4": "CH4RTA", "N2O": "N2ORTA", "CO2e": "C2ERTA"}
    for row in table.itertuples():
        if row.quantity == "grid_gross_loss":
            assert row.field_code == "GGRSLOSS"
        else:
            prefix = "US" if row.subregion == "US" else "SR"
            assert row.field_code == prefix + codes[row.gas]


def test_provenance_egrid2022():
    table = load_dataset("egrid2022").table()
    for row in table.itertuples():
        expected = "cross-checked" if row.gas in ("CH4", "N2O") else "verified"
        assert row.provenance == expected, (row.subregion, row.gas)


def test_provenance_egrid2023rev2():
    table = load_dataset("egrid2023rev2").table()
    for row in table.itertuples():
        if (row.subregion, row.gas) in THIRD_PARTY_2023:
            assert row.provenance == "third-party", (row.subregion, row.gas)
        else:
            assert row.provenance == "verified", (row.subregion, row.gas)
        assert row.provenance_detail


def test_units_column_parses():
    from carbon.core.units import parse_unit

    for dataset in list_datasets():
        for unit in set(dataset.table()["unit"]):
            parse_unit(unit)


@pytest.mark.parametrize(
    ("dataset_id", "edition", "revision", "data_year", "gwp_set", "commit"),
    [
        ("egrid2022", "eGRID2022", None, 2022, "AR4", "afce916ff6bab03ab5e19b3270fbd2141ca5bd22"),
        (
            "egrid2023rev2",
            "eGRID2023",
            "rev2",
            2023,
            "AR5",
            "9463d66807efcf2ec11fad6c1f8caa3916084aef",
        ),
    ],
)
def test_egrid_metadata(dataset_id, edition, revision, data_year, gwp_set, commit):
    ds = load_dataset(dataset_id)
    assert ds.id == dataset_id
    assert ds.kind == "egrid_subregion_rates"
    assert ds.publisher == "US EPA"
    assert ds.edition == edition
    assert ds.revision == revision
    assert ds.data_year == data_year
    assert ds.gwp_set == gwp_set
    assert ds.release_date
    assert ds.source_url == "https://www.epa.gov/egrid"
    assert any(commit in url for url in ds.source_urls)
    assert "public domain" in ds.licence
    assert ds.path == f"epa/{dataset_id}/subregion_rates.csv"
    meta = ds.metadata
    assert meta["field_codes"]["subregion"]["CO2e"] == "SRC2ERTA"
    assert meta["field_codes"]["national"]["CO2e"] == "USC2ERTA"
    assert meta["field_codes"]["grid_gross_loss"] == "GGRSLOSS"
    assert meta["transcription_note"]


def test_release_dates():
    # DATA-FORMATS §1.1.
    assert load_dataset("egrid2022").release_date == "2024-01-30"
    assert load_dataset("egrid2023rev2").release_date == "2025-06-12"


def test_sha256_matches_the_shipped_file():
    for ds in list_datasets():
        data = (factors_root() / ds.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == ds.sha256


def test_list_datasets():
    ids = [d.id for d in list_datasets()]
    assert {"egrid2022", "egrid2023rev2", "ipcc_gwp100"} <= set(ids)
    assert all(isinstance(d, FactorDataset) for d in list_datasets())


def test_dataset_is_frozen_and_table_is_a_copy():
    ds = load_dataset("egrid2022")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.id = "other"  # type: ignore[misc]
    table = ds.table()
    table.loc[:, "value"] = 0.0
    assert egrid_rate("ERCT", "egrid2022", "CO2").magnitude == 771.083


def test_shipped_datasets_are_cached():
    assert load_dataset("egrid2022") is load_dataset("egrid2022")


# ---------------------------------------------------------------------------------------
# Checksums
# ---------------------------------------------------------------------------------------


@pytest.fixture
def factors_copy(tmp_path) -> Path:
    """A writable copy of the shipped factors folder."""
    source = Path(str(factors_root()))
    target = tmp_path / "factors"
    shutil.copytree(source, target)
    return target


def test_untampered_copy_loads(factors_copy):
    ds = load_dataset("egrid2022", root=factors_copy)
    assert ds.sha256 == load_dataset("egrid2022").sha256


def test_tampered_copy_raises_checksum_error(factors_copy):
    csv_path = factors_copy / "epa" / "egrid2022" / "subregion_rates.csv"
    text = csv_path.read_text(encoding="utf-8")
    assert "771.083" in text
    csv_path.write_text(text.replace("771.083", "771.084"), encoding="utf-8")
    expected = json.loads((csv_path.parent / "metadata.json").read_text())["sha256"]
    actual = hashlib.sha256(csv_path.read_bytes()).hexdigest()
    with pytest.raises(ChecksumError) as info:
        load_dataset("egrid2022", root=factors_copy)
    message = str(info.value)
    assert "subregion_rates.csv" in message
    assert expected in message and actual in message


def test_tampered_copy_fails_in_list_datasets(factors_copy):
    csv_path = factors_copy / "ipcc" / "gwp100" / "gwp100.csv"
    csv_path.write_bytes(csv_path.read_bytes().replace(b"29.8", b"29.9"))
    with pytest.raises(ChecksumError):
        list_datasets(root=factors_copy)


def test_tampered_shipped_folder_is_detected(factors_copy, monkeypatch):
    """The same check runs on the default folder (factors_root monkeypatched)."""
    import carbon.factors.catalogue as factors

    csv_path = factors_copy / "epa" / "egrid2023rev2" / "subregion_rates.csv"
    csv_path.write_bytes(csv_path.read_bytes() + b"\n")
    monkeypatch.setattr(factors, "factors_root", lambda: factors_copy)
    factors._shipped_index.cache_clear()
    factors._load_shipped.cache_clear()
    try:
        with pytest.raises(ChecksumError):
            factors.load_dataset("egrid2023rev2")
    finally:
        monkeypatch.undo()
        factors._shipped_index.cache_clear()
        factors._load_shipped.cache_clear()
    assert factors.load_dataset("egrid2023rev2").id == "egrid2023rev2"


def test_missing_csv_is_a_factor_error(factors_copy):
    (factors_copy / "epa" / "egrid2022" / "subregion_rates.csv").unlink()
    with pytest.raises(FactorError):
        load_dataset("egrid2022", root=factors_copy)


# ---------------------------------------------------------------------------------------
# Unknown keys
# ---------------------------------------------------------------------------------------


def test_unknown_dataset_lists_choices():
    with pytest.raises(FactorNotFoundError) as info:
        load_dataset("egrid2019")
    assert "egrid2022" in str(info.value) and "egrid2023rev2" in str(info.value)
    with pytest.raises(FactorNotFoundError) as info:
        egrid_rate("ERCT", "egrid2019", "CO2")
    assert "egrid2023rev2" in str(info.value)


def test_gwp_table_is_not_an_egrid_dataset():
    with pytest.raises(FactorNotFoundError):
        egrid_rate("ERCT", "ipcc_gwp100", "CO2")


def test_unknown_subregion_lists_choices():
    with pytest.raises(FactorNotFoundError) as info:
        egrid_rate("XXXX", "egrid2023rev2", "CO2")
    assert "XXXX" in str(info.value) and "ERCT" in str(info.value)
    with pytest.raises(FactorNotFoundError):
        egrid_grid_gross_loss("XXXX", "egrid2023rev2")


def test_unknown_gas_lists_choices():
    with pytest.raises(FactorNotFoundError) as info:
        egrid_rate("ERCT", "egrid2023rev2", "SF6")
    assert "SF6" in str(info.value) and "N2O" in str(info.value)


def test_factor_not_found_is_a_key_error():
    with pytest.raises(KeyError):
        egrid_rate("XXXX", "egrid2023rev2", "CO2")


# ---------------------------------------------------------------------------------------
# CO2e under another GWP set
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("gwp_set", [None, "AR4", "ar4"])
def test_published_co2e_when_sets_match(gwp_set):
    rate, recomputed = egrid_co2e_rate("ERCT", "egrid2022", gwp_set)
    assert not recomputed
    assert rate.magnitude == 774.298
    assert rate.units == ureg.Unit("lb CO2e/MWh")


def test_egrid2022_recomputed_under_ar5():
    for subregion in SUBREGIONS:
        co2, ch4, n2o, published = (_published("egrid2022", subregion, g) for g in GASES)
        rate, recomputed = egrid_co2e_rate(subregion, "egrid2022", "AR5")
        assert recomputed
        assert rate.units == ureg.Unit("lb CO2e/MWh")
        assert rate.magnitude == pytest.approx(co2 + 28 * ch4 + 265 * n2o, rel=1e-12)
        assert rate.magnitude != published, subregion


def test_egrid2023rev2_published_is_ar5_and_recomputed_under_ar6():
    rate, recomputed = egrid_co2e_rate("NYLI", "egrid2023rev2", "AR5")
    assert (rate.magnitude, recomputed) == (1189.333, False)
    co2, ch4, n2o, _ = (_published("egrid2023rev2", "NYLI", g) for g in GASES)
    rate, recomputed = egrid_co2e_rate("NYLI", "egrid2023rev2", "AR6")
    assert recomputed
    assert rate.magnitude == pytest.approx(co2 + 29.8 * ch4 + 273 * n2o, rel=1e-12)


@pytest.mark.parametrize(
    ("dataset_id", "gwp_set", "ch4", "n2o", "exceptions"),
    [
        ("egrid2022", "AR4", 25, 298, {"HIMS", "SRVC"}),  # DATA-FORMATS §1.2
        ("egrid2023rev2", "AR5", 28, 265, set()),
    ],
)
def test_embedded_gwp_set_closes_within_rounding(dataset_id, gwp_set, ch4, n2o, exceptions):
    """Rebuilding EPA's CO2e from the rounded per-gas rates closes within rounding.

    Each published figure is rounded to 0.0005, so the rebuild can differ from the
    published CO2e by at most 0.0005 * (1 + 1 + GWP_CH4 + GWP_N2O).
    """
    tolerance = 0.0005 * (2 + ch4 + n2o)
    misses = set()
    for subregion in SUBREGIONS:
        co2, c, n, published = (_published(dataset_id, subregion, g) for g in GASES)
        if abs(co2 + ch4 * c + n2o * n - published) > tolerance:
            misses.add(subregion)
    assert misses == exceptions


def test_unknown_gwp_set_in_recompute():
    from carbon.core.errors import UnitError

    with pytest.raises(UnitError):
        egrid_co2e_rate("ERCT", "egrid2022", "AR7")


# ---------------------------------------------------------------------------------------
# Edition choice
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2022, ("egrid2022", True)),
        (2023, ("egrid2023rev2", True)),
        (2024, ("egrid2023rev2", False)),
        (2026, ("egrid2023rev2", False)),
    ],
)
def test_latest_egrid_for_year(year, expected):
    assert latest_egrid_for_year(year) == expected


def test_no_egrid_before_the_first_edition():
    with pytest.raises(FactorNotFoundError) as info:
        latest_egrid_for_year(2021)
    assert "egrid2022" in str(info.value)


# ---------------------------------------------------------------------------------------
# GWP table
# ---------------------------------------------------------------------------------------


def test_gwp100_table_matches_methodology():
    # METHODOLOGY §9.
    table = gwp100_table()
    assert dict(table["AR4"]) == {"CO2": 1, "CH4": 25, "N2O": 298}
    assert table["AR5"]["CH4"] == 28 and table["AR5"]["N2O"] == 265
    assert table["AR6"]["CH4"] == 29.8
    assert table["AR6"]["CH4_nonfossil"] == 27.0
    assert table["AR6"]["N2O"] == 273
    assert all(table[s]["CO2"] == 1 for s in table)


def test_gwp100_metadata():
    ds = load_dataset("ipcc_gwp100")
    assert ds.kind == "gwp100"
    assert ds.publisher == "IPCC"
    assert ds.path == "ipcc/gwp100/gwp100.csv"
    assert any("Table 7.15" in s for s in ds.table()["source"])
    assert any("Table 8.7" in s for s in ds.table()["source"])


# ---------------------------------------------------------------------------------------
# The files are what scripts/build_factors.py writes
# ---------------------------------------------------------------------------------------


def test_factors_are_up_to_date_with_the_build_script(monkeypatch):
    if not BUILD_SCRIPT.is_file():
        pytest.skip("scripts/build_factors.py is not available (installed package)")
    spec = importlib.util.spec_from_file_location("build_factors", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "build_factors", module)  # dataclasses need it
    spec.loader.exec_module(module)
    root = Path(str(factors_root()))
    for rel, data in module.build().items():
        assert (root / rel).read_bytes() == data, rel


# ---------------------------------------------------------------------------------------
# Cross-check against EPA's Power Profiler files (../shared/real-samples)
# ---------------------------------------------------------------------------------------


def _power_profiler(name: str) -> dict[str, dict]:
    path = REAL_SAMPLES / name
    if not path.is_file():
        pytest.skip(f"{path} is not available on this machine")
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    rows = {}
    for feature in features:
        props = feature["properties"]
        if props.get("type") == "subregion":
            rows[props["name"]] = props
        elif props.get("type") == "national":  # name "National"
            rows["US"] = props
    return rows


@pytest.mark.parametrize(
    ("dataset_id", "file_name", "data_year"),
    [
        ("egrid2022", "epa_power_profiler_subregion_egrid2022.json", 2022),
        ("egrid2023rev2", "epa_power_profiler_subregion_egrid2023rev2.json", 2023),
    ],
)
def test_against_power_profiler(dataset_id, file_name, data_year):
    rows = _power_profiler(file_name)
    assert sorted(rows) == SUBREGIONS  # 27 subregions + national
    for subregion, props in rows.items():
        assert props["dataYear"] == data_year
        factors = props["emissionFactor"]
        assert factors["co2EmissionRate"]["units"] == "lb/MWh"
        co2 = egrid_rate(subregion, dataset_id, "CO2").magnitude
        co2e = egrid_rate(subregion, dataset_id, "CO2e").magnitude
        assert co2 == factors["co2EmissionRate"]["value"], subregion
        assert co2e == factors["co2eEmissionRate"]["value"], subregion
        loss = egrid_grid_gross_loss(subregion, dataset_id).magnitude
        assert loss == props["gridLoss"]["value"], subregion
