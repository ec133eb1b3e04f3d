"""Meters and grid series of different intervals on the finer common grid
(docs/methodology.md §2.4): hand-computed cases and a property over random interval pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon.accounting.alignment import (
    clock_hours,
    factor_step,
    fine_step,
    is_exact,
    location_on_fine_grid,
)
from carbon.core.errors import InputDataError
from carbon.core.quantified import quantified

MIN = pd.Timedelta(minutes=1)


def _energy(values: list[float], step: pd.Timedelta, start: str = "2024-02-01") -> object:
    times = pd.date_range(start, periods=len(values), freq=step)
    return quantified(
        np.asarray([values], dtype=float),
        "kWh",
        ("workload", "time"),
        {"workload": ["ai"], "time": times},
    )


def _held(intensity: list[float], resolution: pd.Timedelta, fine: pd.Timedelta) -> np.ndarray:
    return np.repeat(np.asarray(intensity, dtype=float), resolution // fine)


def test_steps() -> None:
    assert fine_step(15 * MIN, 5 * MIN) == 5 * MIN and factor_step(15 * MIN, 5 * MIN) == 15 * MIN
    assert fine_step(15 * MIN, 30 * MIN) == 15 * MIN and factor_step(15 * MIN, 30 * MIN) == 30 * MIN
    assert fine_step(10 * MIN, 15 * MIN) == 5 * MIN and factor_step(10 * MIN, 15 * MIN) == 30 * MIN
    assert is_exact(15 * MIN, 60 * MIN) and not is_exact(15 * MIN, 5 * MIN)
    with pytest.raises(InputDataError, match="does not divide one hour"):
        fine_step(7 * MIN, 5 * MIN)


def test_fifteen_minute_meter_against_five_minute_grid() -> None:
    # 3 kWh meets (100+200+300)/3 = 200 g/kWh, 6 kWh meets 500: 0.6 + 3.0 kg
    fine = 5 * MIN
    energy, kg, weighted, levels = location_on_fine_grid(
        _energy([3.0, 6.0], 15 * MIN),
        15 * MIN,
        _held([100, 200, 300, 400, 500, 600], fine, fine),
        np.array([0, 0, 1, 0, 0, 0], dtype=np.int8),
        15 * MIN,
        fine,
    )
    assert np.asarray(kg.pint.to("kg CO2e").pint.magnitude)[0].tolist() == pytest.approx([0.6, 3.0])
    assert weighted.tolist() == pytest.approx([200.0, 500.0])
    assert levels.tolist() == [1, 0]  # the least specific level of the interval
    assert np.asarray(energy.pint.magnitude).tolist() == [[3.0, 6.0]]


def test_ten_minute_meter_against_fifteen_minute_grid() -> None:
    # fine grid 5 min: energy 3,3 | 3,3 | 6,6 against 100,100,100 | 400,400,400
    fine = fine_step(10 * MIN, 15 * MIN)
    step = factor_step(10 * MIN, 15 * MIN)
    energy, kg, weighted, _ = location_on_fine_grid(
        _energy([6.0, 6.0, 12.0], 10 * MIN),
        10 * MIN,
        _held([100, 400], 15 * MIN, fine),
        np.zeros(6, dtype=np.int8),
        step,
        fine,
    )
    assert float(kg.sum().pint.magnitude) == pytest.approx(6.9)
    assert weighted.tolist() == pytest.approx([6900 / 24])  # energy-weighted, not (100+400)/2
    assert np.asarray(energy.pint.magnitude).tolist() == [[24.0]]


def test_clock_hours_use_the_energy_weighted_rate() -> None:
    step = 30 * MIN
    energy = _energy([10.0, 30.0, 0.0, 0.0], step)
    intensity = quantified(
        np.array([100.0, 300.0, 200.0, 400.0]),
        "g CO2e/kWh",
        ("time",),
        {"time": energy["time"].values},
    )
    emissions = (energy * intensity).pint.to("kg CO2e")
    load, rate = clock_hours(energy, emissions, intensity, step)
    assert np.asarray(load.pint.magnitude).tolist() == [[40.0, 0.0]]
    # (10·100 + 30·300)/40 = 250; an hour without load: the time-weighted mean 300
    assert np.asarray(rate.pint.magnitude).tolist() == pytest.approx([250.0, 300.0])


METER_MINUTES = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60]
GRID_MINUTES = [5, 15, 30, 60]


@settings(max_examples=60, deadline=None)
@given(
    meter=st.sampled_from(METER_MINUTES),
    grid=st.sampled_from(GRID_MINUTES),
    seed=st.integers(0, 2**32 - 1),
)
def test_alignment_conserves_energy_and_matches_the_overlap_sum(meter, grid, seed) -> None:
    rng = np.random.default_rng(seed)
    dm, dg = meter * MIN, grid * MIN
    span = 120  # minutes: two hours, a multiple of every interval above
    e = rng.uniform(0, 100, span // meter)
    i = rng.uniform(0, 1000, span // grid)
    fine, step = fine_step(dm, dg), factor_step(dm, dg)
    energy, kg, weighted, _ = location_on_fine_grid(
        _energy(e.tolist(), dm),
        dm,
        _held(i.tolist(), dg, fine),
        np.zeros(span * MIN // fine, dtype=np.int8),
        step,
        fine,
    )
    # independent: every (meter, grid) interval pair by its overlap in minutes
    m0 = np.arange(len(e)) * meter
    g0 = np.arange(len(i)) * grid
    overlap = np.clip(
        np.minimum(m0[:, None] + meter, g0[None, :] + grid) - np.maximum(m0[:, None], g0[None, :]),
        0,
        None,
    )
    expected_kg = float(np.sum(e[:, None] * overlap / meter * i[None, :])) / 1000.0
    assert float(kg.sum().pint.to("kg CO2e").pint.magnitude) == pytest.approx(expected_kg, rel=1e-9)
    assert float(energy.sum().pint.to("kWh").pint.magnitude) == pytest.approx(e.sum(), rel=1e-12)
    # the energy-weighted factor times the energy gives the emissions back, interval by interval
    per = np.asarray(energy.pint.magnitude)[0] * weighted / 1000.0
    np.testing.assert_allclose(per, np.asarray(kg.pint.magnitude)[0], rtol=1e-9)
