"""LMDI-I decomposition (METHODOLOGY section 7): test vector, zero limits, units, invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.pivot.decomposition import EFFECTS, PeriodFactors, lmdi, log_mean


def period(**workloads: tuple[float, float, float]) -> PeriodFactors:
    """name=(IT MWh, facility MWh, t CO2e) → PeriodFactors with units."""
    return PeriodFactors(
        it_energy={n: ureg.Quantity(v[0], "MWh") for n, v in workloads.items()},
        facility_energy={n: ureg.Quantity(v[1], "MWh") for n, v in workloads.items()},
        emissions={n: ureg.Quantity(v[2], "t CO2e") for n, v in workloads.items()},
    )


def effects_t(result) -> dict[str, float]:
    return {x: float(result.effects[x].to("t CO2e").magnitude) for x in EFFECTS}


# METHODOLOGY 7 test vector. Period 0: mining only, Q = 100 MWh_IT, I = 1.10, F = 0.40 t/MWh.
# Period T: Q = 120, S = 0.5/0.5, mining I = 1.08, AI I = 1.30, F = 0.35 for both.
BASE = period(mining=(100.0, 110.0, 44.0))
CURRENT = period(mining=(60.0, 64.8, 22.68), ai=(60.0, 78.0, 27.3))


def test_methodology_7_test_vector():
    """Published: act +5.8655, str +5.0007, int -0.5903, emf -4.2959 (sum 5.98). The published
    values are rounded to 4 decimals, so they are matched to half a unit in the 4th decimal."""
    result = lmdi(BASE, CURRENT)
    got = effects_t(result)
    expected = {
        "activity": 5.8655,
        "structure": 5.0007,
        "intensity": -0.5903,
        "carbon_intensity": -4.2959,
    }
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=5e-5), name
    assert sum(got.values()) == pytest.approx(5.98, abs=1e-12)
    assert float(result.delta.to("t CO2e").magnitude) == pytest.approx(5.98, abs=1e-12)
    # AI is absent at 0: its whole C^T (27.3 t) sits in structure, nothing elsewhere.
    assert float(result.by_workload["structure"]["ai"].magnitude) == pytest.approx(27.3)
    for name in ("activity", "intensity", "carbon_intensity"):
        assert float(result.by_workload[name]["ai"].magnitude) == 0.0
    assert "absent in the base period" in result.limits["ai"]


def _delta_substituted(delta: float) -> dict[str, float]:
    """The same vector with AI's period-0 share set to δ (its I and F at period-T values)
    and the plain formula: the small-number substitution METHODOLOGY 7 advises against."""
    out = dict.fromkeys(EFFECTS, 0.0)
    q0 = [100.0, 100.0 * delta]
    i0, f0 = [1.10, 1.30], [0.40, 0.35]
    qt, it, ft = [60.0, 60.0], [1.08, 1.30], [0.35, 0.35]
    q0_total, qt_total = sum(q0), sum(qt)
    for j in range(2):
        c0 = q0[j] * i0[j] * f0[j]
        ct = qt[j] * it[j] * ft[j]
        w = log_mean(ct, c0)
        x0 = (q0_total, q0[j] / q0_total, i0[j], f0[j])
        xt = (qt_total, qt[j] / qt_total, it[j], ft[j])
        for k, name in enumerate(EFFECTS):
            out[name] += w * math.log(xt[k] / x0[k])
    return out


def test_delta_substitution_converges_only_logarithmically():
    """METHODOLOGY 7: δ = 1e-12 gives act 6.049 and str 4.817 instead of 5.8655 / 5.0007 —
    an error of about 0.18 t that shrinks only with ln(1/δ). The analytic limit has none."""
    sub = _delta_substituted(1e-12)
    assert sub["activity"] == pytest.approx(6.049, abs=5e-4)
    assert sub["structure"] == pytest.approx(4.817, abs=5e-4)
    exact = effects_t(lmdi(BASE, CURRENT))
    assert abs(sub["activity"] - exact["activity"]) > 0.15
    # a million times smaller δ still leaves an error of more than 0.1 t
    assert abs(_delta_substituted(1e-18)["activity"] - exact["activity"]) > 0.1


def test_full_conversion_mining_disappears():
    """Hand computation: period 0 mining only (100 MWh_IT, PUE 1.10, 0.40 t/MWh → 44 t);
    period T AI only (80 MWh_IT, PUE 1.25, 0.40 t/MWh → 40 t). Mining's -44 t goes to
    structure (S^T = 0), AI's +40 t to structure (S^0 = 0): activity, intensity and
    carbon intensity are exactly 0, structure = -4 t."""
    result = lmdi(period(mining=(100.0, 110.0, 44.0)), period(ai=(80.0, 100.0, 40.0)))
    got = effects_t(result)
    assert got["structure"] == pytest.approx(-4.0, abs=1e-12)
    assert got["activity"] == 0.0
    assert got["intensity"] == 0.0
    assert got["carbon_intensity"] == 0.0
    assert float(result.by_workload["structure"]["mining"].magnitude) == pytest.approx(-44.0)
    assert "-C^0 to structure" in result.limits["mining"]
    assert result.multiplicative["structure"] == pytest.approx(40.0 / 44.0)


def test_factor_drops_to_zero():
    """Market-based AI fully covered by certificates at T (F^T = 0, other factors positive):
    ΔC_emf,ai = -C_ai^0 and AI's other effects are 0 (METHODOLOGY 7).

    Period 0: mining 50 MWh_IT, PUE 1.1 → 55 MWh, 22 t; AI 50, PUE 1.2 → 60 MWh, 24 t.
    Period T: the same energy; mining 22 t; AI 0 t. Mining unchanged → 0 everywhere.
    """
    base = period(mining=(50.0, 55.0, 22.0), ai=(50.0, 60.0, 24.0))
    current = period(mining=(50.0, 55.0, 22.0), ai=(50.0, 60.0, 0.0))
    result = lmdi(base, current)
    got = effects_t(result)
    assert got == {
        "activity": 0.0,
        "structure": 0.0,
        "intensity": 0.0,
        "carbon_intensity": pytest.approx(-24.0, abs=1e-12),
    }
    assert "-C^0 to carbon_intensity" in result.limits["ai"]


def test_zero_in_both_periods_gives_nothing():
    result = lmdi(
        period(mining=(10.0, 11.0, 4.0), ai=(0.0, 0.0, 0.0)), period(mining=(10.0, 11.0, 4.0))
    )
    assert all(v == 0.0 for v in effects_t(result).values())
    assert result.limits["ai"].startswith("zero in both periods")


def test_multiplicative_product_is_the_ratio():
    result = lmdi(BASE, CURRENT)
    product = math.prod(result.multiplicative.values())
    assert product == pytest.approx(49.98 / 44.0, rel=1e-12)
    # ln D_x is proportional to ΔC_x with the common weight L(C^T, C^0)
    weight = log_mean(49.98, 44.0)
    for name in EFFECTS:
        expected = math.exp(float(result.effects[name].magnitude) / weight)
        assert result.multiplicative[name] == pytest.approx(expected, rel=1e-12)


def test_multiplicative_undefined_when_a_total_is_zero():
    result = lmdi(period(ai=(10.0, 12.0, 5.0)), period(ai=(10.0, 12.0, 0.0)))
    assert result.multiplicative is None
    assert effects_t(result)["carbon_intensity"] == pytest.approx(-5.0)


def test_units_are_converted():
    """kWh and kg CO2e give the same effects as MWh and t CO2e."""
    base = PeriodFactors(
        it_energy={"mining": ureg.Quantity(100_000.0, "kWh")},
        facility_energy={"mining": ureg.Quantity(0.11, "GWh")},
        emissions={"mining": ureg.Quantity(44_000.0, "kg CO2e")},
    )
    result = lmdi(base, CURRENT)
    assert effects_t(result)["structure"] == pytest.approx(5.0007, abs=5e-5)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("it_energy", ureg.Quantity(100.0, "MW")),  # power, not energy
        ("emissions", ureg.Quantity(44.0, "t CO2")),  # a gas is not CO2e
        ("emissions", ureg.Quantity(44.0, "MWh")),
        ("facility_energy", 110.0),  # a bare number
    ],
)
def test_wrong_dimensions_are_refused(field, value):
    data = {
        "it_energy": {"mining": ureg.Quantity(100.0, "MWh")},
        "facility_energy": {"mining": ureg.Quantity(110.0, "MWh")},
        "emissions": {"mining": ureg.Quantity(44.0, "t CO2e")},
    }
    data[field] = {"mining": value}
    with pytest.raises(UnitError, match="mining"):
        lmdi(PeriodFactors(**data), CURRENT)


def test_facility_energy_without_it_energy_is_refused():
    with pytest.raises(ValueError, match="no IT energy"):
        lmdi(period(mining=(100.0, 110.0, 44.0), other=(0.0, 5.0, 2.0)), CURRENT)


def test_log_mean():
    assert log_mean(3.0, 3.0) == 3.0
    assert log_mean(0.0, 2.0) == 0.0
    assert log_mean(2.0, 0.0) == 0.0
    assert log_mean(math.e, 1.0) == pytest.approx(math.e - 1.0)
    # nearly equal arguments: close to their mean, no cancellation
    assert log_mean(1.0 + 1e-12, 1.0) == pytest.approx(1.0 + 5e-13, rel=1e-15)


# --- property: the effects always sum to the change, zeros included -------------------------

_amount = st.one_of(st.just(0.0), st.floats(min_value=1e-3, max_value=1e6))
_ratio = st.floats(min_value=1.0, max_value=3.0)  # facility per IT energy ≥ 1
_rate = st.one_of(st.just(0.0), st.floats(min_value=1e-4, max_value=2.0))  # t/MWh


@st.composite
def periods(draw):
    out = {}
    for name in ("mining", "ai", "other"):
        q = draw(_amount)
        e = q * draw(_ratio)
        out[name] = (q, e, e * draw(_rate))
    return period(**out)


@settings(max_examples=300, deadline=None)
@given(periods(), periods())
def test_effects_sum_to_the_change(base, current):
    result = lmdi(base, current)
    delta = float(result.delta.to("t CO2e").magnitude)
    total = sum(effects_t(result).values())
    scale = max(float(result.emissions_0.magnitude), float(result.emissions_t.magnitude), 1.0)
    assert abs(total - delta) <= 1e-9 * scale
    if result.multiplicative is not None:
        ratio = float(result.emissions_t.magnitude) / float(result.emissions_0.magnitude)
        assert math.prod(result.multiplicative.values()) == pytest.approx(ratio, rel=1e-9)
