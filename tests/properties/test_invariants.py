"""Invariants of attribution and accounting, over generated inputs (hypothesis).

- attributed workload energy sums to the revenue meter in every interval (1e-9 relative);
- location-based emissions equal Σ energy × intensity, hour by hour;
- scaling all energy by k scales emissions by k;
- the cube built from readings does not depend on row order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carbon.accounting.location import location_based, to_hourly
from carbon.attribution.workloads import attribute
from carbon.core.units import ureg
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from tests.conftest import long_frame, tiny_site

INTERVAL = pd.Timedelta("15min")
N_HOURS = 3
N = 4 * N_HOURS
SITE = tiny_site()
IDS = [m.id for m in SITE.meters]

readings = st.floats(min_value=0.0, max_value=5e4, allow_nan=False, allow_infinity=False)
child_block = arrays(np.float64, (4, N), elements=readings)  # M, A, X, COOL
losses = arrays(np.float64, (N,), elements=st.floats(min_value=-10.0, max_value=1e3))
intensities = arrays(np.float64, (N_HOURS,), elements=st.floats(min_value=0.0, max_value=1500.0))


def build(children: np.ndarray, loss: np.ndarray):
    revenue = children.sum(axis=0) + loss
    values = {"REV": revenue, **dict(zip(IDS[1:], children, strict=True))}
    frame = long_frame({k: list(v) for k, v in values.items()})
    table = read_long_frame(frame, source="gen", sha256="0", interval=INTERVAL)
    return build_cube([table], IDS)


def intensity_da(values: np.ndarray, like) -> object:
    import xarray as xr

    hours = pd.date_range("2025-01-01", periods=N_HOURS, freq="1h")
    return xr.DataArray(values, dims="time", coords={"time": hours}).pint.quantify(
        "g CO2e/kWh", unit_registry=ureg
    )


@settings(max_examples=60, deadline=None)
@given(children=child_block, loss=losses)
def test_workload_energy_sums_to_revenue_every_interval(children, loss) -> None:
    r = build(children, loss)
    split = attribute(r.energy, SITE, INTERVAL)
    attributed = np.asarray(split.total.sum("workload").pint.to("kWh").pint.magnitude)
    revenue = np.asarray(split.revenue.pint.to("kWh").pint.magnitude)
    scale = np.maximum(np.abs(revenue), 1.0)
    assert np.all(np.abs(attributed - revenue) <= 1e-9 * scale)


@settings(max_examples=60, deadline=None)
@given(children=child_block, loss=losses, ef=intensities)
def test_location_based_equals_sum_of_energy_times_intensity(children, loss, ef) -> None:
    r = build(children, loss)
    split = attribute(r.energy, SITE, INTERVAL)
    hourly = to_hourly(split.total, INTERVAL)
    emissions = location_based(hourly, intensity_da(ef, hourly))
    got = float(emissions.sum().pint.to("kg CO2e").pint.magnitude)
    revenue_kwh = np.asarray(split.revenue.pint.to("kWh").pint.magnitude).reshape(N_HOURS, 4).sum(1)
    expected = float(np.sum(revenue_kwh * ef) / 1000.0)  # g → kg
    assert abs(got - expected) <= 1e-9 * max(abs(expected), 1.0)


@settings(max_examples=30, deadline=None)
@given(
    children=child_block, loss=losses, ef=intensities, k=st.floats(min_value=1e-3, max_value=1e3)
)
def test_scaling_energy_scales_emissions(children, loss, ef, k) -> None:
    def total(scale: float) -> float:
        r = build(children * scale, loss * scale)
        split = attribute(r.energy, SITE, INTERVAL)
        hourly = to_hourly(split.total, INTERVAL)
        return float(location_based(hourly, intensity_da(ef, hourly)).sum().pint.magnitude)

    base, scaled = total(1.0), total(k)
    assert abs(scaled - k * base) <= 1e-9 * max(abs(k * base), 1.0)


@settings(max_examples=30, deadline=None)
@given(children=child_block, loss=losses, seed=st.integers(0, 2**32 - 1))
def test_cube_does_not_depend_on_row_order(children, loss, seed) -> None:
    revenue = children.sum(axis=0) + loss
    frame = long_frame(
        {"REV": list(revenue), **{k: list(v) for k, v in zip(IDS[1:], children, strict=True)}}
    )
    shuffled = frame.sample(frac=1.0, random_state=np.random.RandomState(seed % 2**32))
    a = build_cube([read_long_frame(frame, source="a", sha256="0", interval=INTERVAL)], IDS)
    b = build_cube([read_long_frame(shuffled, source="b", sha256="0", interval=INTERVAL)], IDS)
    assert np.array_equal(np.asarray(a.energy.pint.magnitude), np.asarray(b.energy.pint.magnitude))


@settings(max_examples=50, deadline=None)
@given(value=st.floats(min_value=1e-6, max_value=1e6))
def test_intensity_units_round_trip(value) -> None:
    q = ureg.Quantity(value, "g CO2e/kWh")
    back = q.to("lb CO2e/MWh").to("kg CO2e/MWh").to("g CO2e/kWh")
    assert abs(back.magnitude - value) <= 1e-12 * value
