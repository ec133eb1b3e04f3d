"""Monte Carlo uncertainty: seeded and deterministic, centred on the inventory, widths that
follow from the stated classes, units refused."""

from __future__ import annotations

import numpy as np
import pytest

from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.pivot.uncertainty import Components, propagate


def components(**change) -> Components:
    """Two IT meters (A mining, B half mining / half AI), an overhead pool, one revenue meter.
    IT: mining 1,000 + 200 kWh, AI 200 kWh; overhead 100 + 20 kWh; revenue 1,520 kWh.
    Factor-weighted at a flat 0.5 kg/kWh."""
    it = np.array([[1000.0, 0.0], [200.0, 200.0]])
    over = np.array([100.0, 20.0])
    base = dict(
        workloads=["mining", "ai"],
        it_meters=["A", "B"],
        revenue=ureg.Quantity(1520.0, "kWh"),
        revenue_weighted=ureg.Quantity(760.0, "kg CO2e"),
        revenue_imputed=ureg.Quantity(0.0, "kWh"),
        revenue_imputed_weighted=ureg.Quantity(0.0, "kg CO2e"),
        it=ureg.Quantity(it, "kWh"),
        it_weighted=ureg.Quantity(it * 0.5, "kg CO2e"),
        it_imputed=ureg.Quantity(np.zeros((2, 2)), "kWh"),
        it_imputed_weighted=ureg.Quantity(np.zeros((2, 2)), "kg CO2e"),
        overhead=ureg.Quantity(over, "kWh"),
        overhead_weighted=ureg.Quantity(over * 0.5, "kg CO2e"),
        market=ureg.Quantity(np.array([300.0, 50.0]), "kg CO2e"),
        revenue_class=0.5,
        it_classes=[1.0, 1.0],
        factor_half_width=0.10,
        keyed=[True, True],
    )
    base.update(change)
    return Components(**base)


def test_same_seed_same_output_and_another_seed_differs():
    a = propagate(components(), draws=5000, seed=7)
    b = propagate(components(), draws=5000, seed=7)
    c = propagate(components(), draws=5000, seed=8)
    assert a == b
    assert a["scope2_location_kgco2e"]["low"] != c["scope2_location_kgco2e"]["low"]


def test_centred_on_the_inventory_with_the_stated_widths():
    got = propagate(components(), draws=40_000, seed=1)
    energy = got["energy_kwh"]
    assert energy["point"] == pytest.approx(1520.0)
    assert energy["central"] == pytest.approx(1520.0, rel=1e-3)
    # total energy = the revenue meter: class 0.5 read as the 95 % bound → ±0.5 %
    assert (energy["high"] - energy["low"]) / 2 / 1520.0 == pytest.approx(0.005, rel=0.05)
    lb = got["scope2_location_kgco2e"]
    assert lb["point"] == pytest.approx(760.0)
    # revenue ±0.5 % and factor ±10 % combine in quadrature: ≈ ±10.01 %
    half = (lb["high"] - lb["low"]) / 2 / 760.0
    assert half == pytest.approx(np.hypot(0.005, 0.10), rel=0.05)
    assert got["scope2_market_kgco2e"]["point"] == pytest.approx(350.0)
    assert {"energy_kwh_mining", "scope2_location_kgco2e_ai"} <= set(got)


def test_no_uncertainty_gives_the_point_value():
    got = propagate(
        components(revenue_class=0.0, it_classes=[0.0, 0.0], factor_half_width=0.0, keyed=[0, 0]),
        draws=1000,
        seed=3,
    )
    for key in ("energy_kwh_mining", "energy_kwh_ai", "scope2_location_kgco2e"):
        fig = got[key]
        assert fig["low"] == pytest.approx(fig["point"], rel=1e-12)
        assert fig["high"] == pytest.approx(fig["point"], rel=1e-12)


def test_sub_meter_and_key_uncertainty_move_workloads_not_the_total():
    """With an exact revenue meter and factor, IT sub-meter errors and key ranges shift energy
    between workloads, while the total stays the revenue meter's reading."""
    got = propagate(
        components(revenue_class=0.0, factor_half_width=0.0, it_classes=[2.0, 2.0]),
        draws=5000,
        seed=5,
    )
    assert got["energy_kwh"]["high"] - got["energy_kwh"]["low"] == pytest.approx(0.0, abs=1e-9)
    assert got["energy_kwh_ai"]["high"] > got["energy_kwh_ai"]["low"] + 1.0


def test_imputed_energy_widens_the_interval():
    plain = propagate(components(), draws=5000, seed=2)
    imputed = propagate(
        components(
            revenue_imputed=ureg.Quantity(200.0, "kWh"),
            revenue_imputed_weighted=ureg.Quantity(100.0, "kg CO2e"),
        ),
        draws=5000,
        seed=2,
    )
    width = lambda g: g["energy_kwh"]["high"] - g["energy_kwh"]["low"]  # noqa: E731
    assert width(imputed) > 5 * width(plain)


def test_wrong_units_are_refused():
    with pytest.raises(UnitError, match="revenue energy"):
        propagate(components(revenue=ureg.Quantity(1520.0, "kW")), draws=10)
    with pytest.raises(UnitError, match="market-based"):
        propagate(components(market=ureg.Quantity(np.array([1.0, 1.0]), "kg CO2")), draws=10)
