"""The registry remembers parsed unit expressions, with the same result as parsing afresh."""

from __future__ import annotations

import pint
import pytest

from carbon.core.units import build_registry, ureg

EXPRESSIONS = ["kWh", "g CO2e/kWh", "kg CO2e", "kg CO2e/kWh", "MWh", "lb CO2 / MWh", "J/TH"]


@pytest.mark.parametrize("text", EXPRESSIONS)
def test_a_remembered_expression_parses_as_a_fresh_registry_parses_it(text: str) -> None:
    fresh = pint.UnitRegistry(force_ndarray_like=True)  # pint's own, uncached parser
    first, again = ureg.parse_units_as_container(text), ureg.parse_units_as_container(text)
    assert first is again  # the second one is the remembered one
    assert ureg.Quantity(1.5, text).units == ureg.Unit(text)
    if "CO2" not in text and "TH" not in text:  # carbon's own dimensions aside
        assert str(ureg.Unit(text)) == str(fresh.Unit(text))
        mine, theirs = ureg.Quantity(1.0, text), fresh.Quantity(1.0, text)
        assert mine.to_base_units().magnitude == theirs.to_base_units().magnitude


def test_each_registry_has_its_own_memory_and_refusals_are_not_remembered() -> None:
    other = build_registry()
    assert other.parse_units_as_container("kWh") == ureg.parse_units_as_container("kWh")
    assert other.parse_units_as_container is not ureg.parse_units_as_container
    for _ in range(2):  # refused both times
        with pytest.raises(pint.UndefinedUnitError):
            ureg.parse_units_as_container("not_a_unit_at_all")
    info = ureg.parse_units_as_container.cache_info()
    assert info.hits > 0 and info.currsize <= info.maxsize
