"""Tests of carbon.core.units: the registry, GHG dimensions, GWP sets, rejected tokens.

Expected values come from METHODOLOGY §9 (conversions, GWP-100 table) and from
exact definitions (1 lb = 0.45359237 kg; 1 Btu_IT = 1055.05585262 J).
"""

from __future__ import annotations

import logging
from importlib import resources

import pint
import pytest
from hypothesis import given
from hypothesis import strategies as st

from carbon.core.errors import AmbiguousUnitError, UnitError
from carbon.core.units import (
    AMBIGUOUS_TOKENS,
    Q_,
    REDEFINED_BY_CARBON,
    parse_unit,
    ureg,
)
from carbon.factors.gwp import gwp, gwp_sets, to_co2e

# ---------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------


def test_ureg_is_the_application_registry():
    assert pint.get_application_registry().get() is ureg
    assert isinstance(Q_(1, "kg"), ureg.Quantity)


def test_registry_supports_pint_xarray():
    # pint-xarray refuses registries without force_ndarray_like / force_ndarray.
    assert ureg.force_ndarray_like


def _names_defined_in_units_txt() -> set[str]:
    """Unit names, symbols and aliases on the left of definitions in units.txt."""
    names: set[str] = set()
    text = (resources.files("carbon.core") / "units.txt").read_text(encoding="utf-8")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("@"):
            continue
        parts = [p.strip() for p in line.split("=")]
        names.add(parts[0])
        names.update(p for p in parts[2:] if p != "_")
    return names


def test_only_documented_names_are_redefined():
    """Every name of units.txt that pint already defines is listed in REDEFINED_BY_CARBON.

    The registry is built with on_redefinition="ignore" (no log noise), so this
    test is what stops an accidental redefinition.
    """
    default = pint.UnitRegistry()  # pint's own defaults, for comparison only
    collisions = {
        name
        for name in _names_defined_in_units_txt()
        if any(p == "" and s == "" for p, _n, s in default.parse_unit_name(name))
    }
    assert collisions == set(REDEFINED_BY_CARBON)


def test_building_the_registry_logs_nothing(caplog):
    from carbon.core.units import build_registry

    with caplog.at_level(logging.DEBUG, logger="pint"):
        build_registry()
    assert [r for r in caplog.records if r.name.startswith("pint")] == []


# ---------------------------------------------------------------------------------------
# Conversions (METHODOLOGY §9)
# ---------------------------------------------------------------------------------------


def test_lb_per_mwh_to_g_per_kwh_is_exact():
    assert Q_(1, "lb CO2e/MWh").to("g CO2e/kWh").magnitude == 0.45359237
    assert ureg("lb CO2e/MWh").to("g CO2e/kWh").magnitude == 0.45359237


def test_kg_per_mwh_equals_g_per_kwh():
    assert Q_(1, "kg CO2e/MWh").to("g CO2e/kWh").magnitude == pytest.approx(1.0, rel=1e-15)
    assert Q_(1, "t CO2e/MWh").to("g CO2e/kWh").magnitude == pytest.approx(1000.0, rel=1e-15)


def test_gas_rates_parse():
    for text in ("kg CO2e", "g CO2e/kWh", "lb CO2e/MWh", "lb CH4/MWh", "lb N2O/MWh", "t CO2"):
        assert ureg(text).magnitude == 1


def test_mmbtu_to_kwh():
    # METHODOLOGY §9: 1 MMBtu = 10^6 Btu_IT = 293.071 kWh (3 decimals published).
    assert Q_(1, "MMBtu").to("kWh").magnitude == pytest.approx(293.071, abs=5e-4)
    # Exact by definition: 1 Btu_IT = 1055.05585262 J.
    assert Q_(1, "MMBtu").to("J").magnitude == pytest.approx(1.05505585262e9, rel=1e-12)


def test_tonnes_and_explicit_mass_names():
    assert Q_(1, "t").to("kg").magnitude == 1000
    assert Q_(1, "tonne").to("kg").magnitude == 1000
    assert Q_(1, "short_ton").to("kg").magnitude == pytest.approx(907.18474, rel=1e-15)
    assert Q_(1, "US_ton").to("kg").magnitude == pytest.approx(907.18474, rel=1e-15)
    assert Q_(1, "kilotonne").to("t").magnitude == pytest.approx(1000, rel=1e-15)
    assert Q_(1, "long_ton").to("kg").magnitude == pytest.approx(1016.0469088, rel=1e-12)


def test_julian_year_and_knot_remain_available():
    assert Q_(1, "julian_year").to("day").magnitude == pytest.approx(365.25, rel=1e-15)
    assert Q_(1, "knot").to("m/s").magnitude == pytest.approx(1852 / 3600, rel=1e-12)


def test_power_and_energy_do_not_add():
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "kW") + Q_(1, "kWh")


def test_mwh_and_kwh():
    assert Q_(1, "MWh").to("kWh").magnitude == pytest.approx(1000, rel=1e-15)


# ---------------------------------------------------------------------------------------
# Hashrate
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("symbol", ["kH", "MH", "GH", "TH", "PH", "EH", "ZH"])
def test_hash_units_are_hashes_not_henries(symbol):
    assert ureg.Quantity(1, symbol).dimensionality == ureg.Quantity(1, "hash").dimensionality
    assert "[current]" not in ureg.Quantity(1, symbol).dimensionality


def test_hash_unit_steps():
    assert Q_(1, "EH/s").to("TH/s").magnitude == pytest.approx(1e6, rel=1e-15)
    assert Q_(1, "PH/s").to("TH/s").magnitude == pytest.approx(1e3, rel=1e-15)
    assert Q_(1, "TH").to("GH").magnitude == pytest.approx(1e3, rel=1e-15)
    assert Q_(1, "ZH/s").to("EH/s").magnitude == pytest.approx(1e3, rel=1e-15)
    assert Q_(1, "MH").to("kH").magnitude == pytest.approx(1e3, rel=1e-15)
    assert Q_(1, "kH").to("hash").magnitude == pytest.approx(1e3, rel=1e-15)


def test_joule_per_terahash_is_watt_per_terahash_per_second():
    assert Q_(1, "J/TH").to("W/(TH/s)").magnitude == pytest.approx(1.0, rel=1e-15)
    assert Q_(1, "J/TH") == Q_(1, "W/(TH/s)")


def test_miner_power_from_efficiency_and_hashrate():
    # 21.5 J/TH at 140 TH/s draws 3010 W.
    power = Q_(21.5, "J/TH") * Q_(140, "TH/s")
    assert power.to("W").magnitude == pytest.approx(3010, rel=1e-12)


# ---------------------------------------------------------------------------------------
# CO2e and gases
# ---------------------------------------------------------------------------------------


def test_co2_and_co2e_do_not_add():
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "kg CO2") + Q_(1, "kg CO2e")


@pytest.mark.parametrize("gas", ["CO2", "CH4", "N2O"])
def test_no_gas_converts_to_co2e_without_a_gwp_set(gas):
    with pytest.raises(pint.DimensionalityError):
        Q_(1, f"kg {gas}").to("kg CO2e")


def test_gases_are_distinct_dimensions():
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "kg CH4").to("kg N2O")


# METHODOLOGY §9, GWP-100 table.
GWP100 = [
    ("AR4", "CO2", 1),
    ("AR4", "CH4", 25),
    ("AR4", "N2O", 298),
    ("AR5", "CO2", 1),
    ("AR5", "CH4", 28),
    ("AR5", "N2O", 265),
    ("AR6", "CO2", 1),
    ("AR6", "CH4", 29.8),
    ("AR6", "CH4_nonfossil", 27.0),
    ("AR6", "N2O", 273),
]


@pytest.mark.parametrize(("gwp_set", "gas", "value"), GWP100)
def test_gwp_values(gwp_set, gas, value):
    g = gwp(gas, gwp_set)
    base = gas.split("_")[0]
    assert g.magnitude == value
    assert g.units == ureg.Unit(f"CO2e/{base}")


def test_gwp_sets_shipped():
    assert set(gwp_sets()) >= {"AR4", "AR5", "AR6"}


def test_gwp_set_is_case_insensitive():
    assert gwp("CH4", "ar6").magnitude == 29.8


def test_ar6_ch4_default_is_fossil():
    assert gwp("CH4", "AR6") == gwp("CH4_fossil", "AR6")


@pytest.mark.parametrize(("gwp_set", "gas", "value"), GWP100)
def test_to_co2e_each_set(gwp_set, gas, value):
    base = gas.split("_")[0]
    key = None if gas == base else gas
    result = to_co2e(Q_(2.0, f"kg {base}"), gwp_set, gas_key=key)
    assert result.units == ureg.Unit("kg CO2e")
    assert result.magnitude == pytest.approx(2.0 * value, rel=1e-12)


def test_to_co2e_keeps_the_rest_of_the_unit():
    result = to_co2e(Q_(0.5, "lb N2O/MWh"), "AR5")
    assert result.units == ureg.Unit("lb CO2e/MWh")
    assert result.magnitude == pytest.approx(132.5, rel=1e-12)


def test_to_co2e_passes_co2e_through():
    q = Q_(3.0, "t CO2e")
    assert to_co2e(q, "AR6") == q


@pytest.mark.parametrize("text", ["kg", "kWh", "kg CH4 * kg N2O / kg", "kg CH4 * N2O", "1/CH4"])
def test_to_co2e_needs_exactly_one_gas(text):
    with pytest.raises(UnitError):
        to_co2e(Q_(1.0, text), "AR6")


def test_to_co2e_rejects_plain_numbers():
    with pytest.raises(UnitError):
        to_co2e(1.0, "AR6")  # type: ignore[arg-type]


def test_unknown_gwp_set_lists_choices():
    with pytest.raises(UnitError) as info:
        gwp("CH4", "AR7")
    message = str(info.value)
    assert "AR7" in message
    for name in ("AR4", "AR5", "AR6"):
        assert name in message


def test_unknown_gas_lists_choices():
    with pytest.raises(UnitError) as info:
        gwp("SF6", "AR6")
    assert "SF6" in str(info.value)
    assert "CH4" in str(info.value) and "N2O" in str(info.value)


def test_gas_key_must_match_the_gas():
    with pytest.raises(UnitError):
        to_co2e(Q_(1.0, "kg N2O"), "AR6", gas_key="CH4_nonfossil")


# ---------------------------------------------------------------------------------------
# Ambiguous tokens: refused by parse_unit, and not convertible through ureg
# ---------------------------------------------------------------------------------------


def test_ton_is_rejected():
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit("ton")
    message = str(info.value)
    assert "'ton'" in message and "'t'" in message and "short_ton" in message
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "ton").to("kg")


def test_kt_is_rejected():
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit("kt CO2e")
    message = str(info.value)
    assert "'kt'" in message and "kilotonne" in message
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "kt").to("t")
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "kt").to("knot")


def test_month_is_rejected():
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit("kWh/month")
    message = str(info.value)
    assert "'month'" in message and "timestamps" in message
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "month").to("day")


def test_year_is_rejected():
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit("t CO2e/year")
    message = str(info.value)
    assert "'year'" in message and "timestamps" in message
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "year").to("day")


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("tons", "tons"),
        ("kton", "kton"),
        ("short_ton * ton", "ton"),
        ("MWh/yr", "yr"),
        ("kWh/a", "a"),
        ("century", "century"),
        ("months", "months"),
        ("MBtu", "MBtu"),
        ("mWh", "mWh"),
        ("H/s", "H"),
    ],
)
def test_other_ambiguous_spellings_are_rejected(text, token):
    with pytest.raises(AmbiguousUnitError) as info:
        parse_unit(text)
    assert repr(token) in str(info.value)


@pytest.mark.parametrize("text", ["yr", "a", "century", "tons", "kton", "MBtu", "mWh"])
def test_ambiguous_units_do_not_convert_through_ureg(text):
    q = Q_(1, text)
    for target in ("kg", "s", "J"):
        with pytest.raises(pint.DimensionalityError):
            q.to(target)


def test_every_listed_token_is_refused():
    for token in AMBIGUOUS_TOKENS:
        with pytest.raises(AmbiguousUnitError):
            parse_unit(token)


def test_ambiguous_unit_error_is_a_unit_error():
    assert issubclass(AmbiguousUnitError, UnitError)


# ---------------------------------------------------------------------------------------
# parse_unit
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "kWh",
        "MWh",
        "kW",
        "lb CO2e/MWh",
        "g CO2e / kWh",
        "kg CO2e",
        "t CO2e",
        "lb CH4/MWh",
        "J/TH",
        "TH/s",
        "EH/s",
        "MMBtu",
        "short_ton",
        "kilotonne",
        "julian_year",
        "dimensionless",
        "percent",
        "kg*CO2e/kWh",
        "W/(TH/s)",
    ],
)
def test_parse_unit_accepts(text):
    unit = parse_unit(text)
    assert isinstance(unit, ureg.Unit)
    assert unit == ureg.parse_units(text)


@pytest.mark.parametrize("text", ["furlongs_per_fortnight_x", "kWh/foo", "tCO2e", "gCO2eq/kWh"])
def test_parse_unit_unknown_unit(text):
    with pytest.raises(UnitError) as info:
        parse_unit(text)
    assert not isinstance(info.value, AmbiguousUnitError)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", "1e3 kg", "kg +", "kg/(", None])
def test_parse_unit_malformed(text):
    with pytest.raises(UnitError):
        parse_unit(text)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------

finite = st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(finite)
def test_round_trip_g_per_kwh_lb_per_mwh(x):
    there = Q_(x, "g CO2e/kWh").to("lb CO2e/MWh")
    back = there.to("g CO2e/kWh")
    assert back.magnitude == pytest.approx(x, rel=1e-12)


@given(finite)
def test_round_trip_kwh_mmbtu(x):
    back = Q_(x, "kWh").to("MMBtu").to("kWh")
    assert back.magnitude == pytest.approx(x, rel=1e-12)


@given(finite)
def test_round_trip_hashrate(x):
    back = Q_(x, "TH/s").to("EH/s").to("TH/s")
    assert back.magnitude == pytest.approx(x, rel=1e-12)


@given(finite, st.sampled_from(["AR4", "AR5", "AR6"]))
def test_to_co2e_is_linear(x, gwp_set):
    one = to_co2e(Q_(1.0, "kg CH4"), gwp_set)
    assert to_co2e(Q_(x, "kg CH4"), gwp_set).magnitude == pytest.approx(
        x * one.magnitude, rel=1e-12
    )
