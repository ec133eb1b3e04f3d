"""run_period's stages on numpy magnitudes give what their xarray formulations gave, bit for bit.

The oracle is :mod:`tests.properties.reference_stages` (the earlier code, verbatim). On
random sites (IT meters with fixed or changing workloads, shared meters by it-energy or
dedicated, meters in any cube order) and random readings (gaps, negatives, signed zeros,
intervals without IT load, magnitudes over sixteen decades, Wh or kWh) the attribution, the
quality counts and the reconciliation must equal the oracle's: the same float64 bytes (so
the same order of additions, down to the sign of zero), units, coordinates, names and
attributes. The fast paths that skip work (the period slice of a cube already on the period
grid, the selection of factors already on the wanted hours, row views instead of copies) are
checked against the path they skip.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon.accounting.location import apply_factor_hierarchy, location_based, to_resolution
from carbon.analysis.period import slice_flags, slice_period
from carbon.attribution.workloads import attribute
from carbon.core.arrays import sum_rows, take_rows
from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.core.quantified import quantified
from carbon.core.units import ureg
from carbon.quality.assess import assess, flag_counts
from carbon.quality.reconcile import reconcile
from carbon.site.load import site_from_dict
from carbon.site.meters import WORKLOADS
from tests.properties.reference_stages import (
    assess_reference,
    attribute_reference,
    reconcile_reference,
)

STEP = pd.Timedelta("15min")
START = pd.Timestamp("2025-03-01T00:00")


def same_array(got: xr.DataArray, want: xr.DataArray) -> None:
    """Equal bytes (NaN, signed zeros), units, dims, coordinates, name and attributes."""
    assert got.dims == want.dims
    assert got.pint.units == want.pint.units
    g, w = np.asarray(got.pint.magnitude), np.asarray(want.pint.magnitude)
    assert g.dtype == w.dtype and g.shape == w.shape
    assert g.tobytes() == w.tobytes()
    assert got.name == want.name
    assert got.attrs == want.attrs
    assert list(got.coords) == list(want.coords)
    for name in want.coords:
        assert got[name].dtype == want[name].dtype
        np.testing.assert_array_equal(got[name].values, want[name].values)


@st.composite
def sites_and_energy(draw: st.DrawFn) -> tuple:
    n_time = draw(st.integers(1, 24))
    n_it = draw(st.integers(1, 5))
    n_shared = draw(st.integers(0, 3))
    meters: list[dict] = [{"id": "REV", "role": "revenue"}]
    for i in range(n_it):  # test data: a few meters
        kind = draw(st.sampled_from(["fixed", "switch", "switch-outside"]))
        if kind == "fixed":
            workload: object = draw(st.sampled_from(["mining", "ai"]))
        else:
            minutes = draw(st.integers(-60, n_time * 15 + 60))
            if kind == "switch-outside":
                minutes = -120 if minutes % 2 else n_time * 15 + 120
            until = (START + pd.Timedelta(minutes=minutes)).tz_localize("UTC").isoformat()
            first, then = draw(st.permutations(["mining", "ai"]))
            workload = [{"until": until, "workload": first}, {"workload": then}]
        meters.append({"id": f"IT{i}", "role": "it", "parent": "REV", "workload": workload})
    for j in range(n_shared):
        entry: dict = {"id": f"S{j}", "role": "shared", "parent": "REV"}
        if draw(st.booleans()):
            entry.update(
                allocation="dedicated", dedicated_to=draw(st.sampled_from(["mining", "ai"]))
            )
        meters.append(entry)
    site = site_from_dict(
        {
            "site": {"id": "p", "name": "P", "timezone": "UTC", "grid_region": "ERCT"},
            "meters": meters,
        }
    )
    order = draw(st.permutations([m["id"] for m in meters]))
    values = np.array(
        draw(
            st.lists(
                st.one_of(
                    st.floats(-1e8, 1e8, allow_nan=False, allow_infinity=False).map(
                        lambda v: v if abs(v) >= 1e-6 else 0.0  # no overflow in ratios
                    ),
                    st.sampled_from([0.0, -0.0, np.nan, 1e-8, 3.0, np.inf, -np.inf]),
                ),
                min_size=len(order) * n_time,
                max_size=len(order) * n_time,
            )
        )
    ).reshape(len(order), n_time)
    values[order.index("REV")] = np.nan_to_num(values[order.index("REV")], nan=7.0)
    if n_time > 1 and draw(st.booleans()):  # an interval without any IT load
        for m in meters:
            if m["role"] == "it":
                values[order.index(m["id"]), 0] = 0.0
    unit = draw(st.sampled_from(["kWh", "Wh"]))
    energy = xr.DataArray(
        values,
        dims=("meter", "time"),
        coords={"meter": order, "time": pd.date_range(START, periods=n_time, freq=STEP)},
        name="energy",
    ).pint.quantify(unit, unit_registry=ureg)
    return site, energy


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites_and_energy())
def test_attribution_equals_the_xarray_formulation(case: tuple) -> None:
    site, energy = case
    with np.errstate(invalid="ignore", over="ignore"):  # infinite readings: inf - inf is NaN
        got = attribute(energy, site, STEP)
        want = attribute_reference(energy, site, STEP)
    if not site.meters_with_role("shared"):
        # the earlier code lost the unit here (xr.zeros_like of a pint array is plain zeros);
        # the same zeros now carry kWh
        assert want.shared.pint.units is None
        want = replace(want, shared=want.shared.pint.quantify("kWh", unit_registry=ureg))
    for part in ("it", "shared", "residual", "revenue", "unmetered", "total"):
        try:
            same_array(getattr(got, part), getattr(want, part))
        except AssertionError as exc:
            raise AssertionError(f"attribution.{part}: {exc}") from exc


def test_attribution_refuses_a_missing_revenue_reading_as_before() -> None:
    site = site_from_dict(
        {
            "site": {"id": "p", "name": "P", "timezone": "UTC", "grid_region": "ERCT"},
            "meters": [
                {"id": "REV", "role": "revenue"},
                {"id": "IT0", "role": "it", "parent": "REV", "workload": "ai"},
            ],
        }
    )
    energy = xr.DataArray(
        np.array([[1.0, np.nan], [0.5, 0.5]]),
        dims=("meter", "time"),
        coords={"meter": ["REV", "IT0"], "time": pd.date_range(START, periods=2, freq=STEP)},
    ).pint.quantify("kWh", unit_registry=ureg)
    with pytest.raises(InputDataError) as got:
        attribute(energy, site, STEP)
    with pytest.raises(InputDataError) as want:
        attribute_reference(energy, site, STEP)
    assert str(got.value) == str(want.value)
    only_revenue = energy.isel(meter=[0], time=[0])
    with pytest.raises(KeyError):  # a meter of the site missing from the cube
        attribute(only_revenue, site, STEP)
    with pytest.raises(KeyError):
        attribute_reference(only_revenue, site, STEP)


@st.composite
def cubes_with_flags(draw: st.DrawFn) -> tuple:
    n_meters, n_time = draw(st.integers(1, 5)), draw(st.integers(1, 30))
    ids = [f"m{i}" for i in range(n_meters)]
    codes = np.array(
        draw(st.lists(st.integers(-2, 13), min_size=n_meters * n_time, max_size=n_meters * n_time)),
        dtype=np.int8,
    ).reshape(n_meters, n_time)
    gaps = np.array(
        draw(st.lists(st.booleans(), min_size=n_meters * n_time, max_size=n_meters * n_time))
    ).reshape(n_meters, n_time)
    values = np.where(gaps, np.nan, 1.5)
    coords = {"meter": ids, "time": pd.date_range(START, periods=n_time, freq=STEP)}
    energy = xr.DataArray(values, dims=("meter", "time"), coords=coords).pint.quantify(
        "kWh", unit_registry=ureg
    )
    flags = xr.DataArray(codes, dims=("meter", "time"), coords=coords, name="flags")
    return ids, energy, flags


@settings(max_examples=100, deadline=None)
@given(cubes_with_flags())
def test_quality_counts_equal_the_comparisons(case: tuple) -> None:
    ids, energy, flags = case
    codes = flags.values
    want = np.stack([(codes == int(f)).sum(axis=1) for f in Flag], axis=1)
    np.testing.assert_array_equal(flag_counts(codes, len(Flag)), want)
    kwargs = {
        "roles": dict.fromkeys(ids, "it"),
        "rows_read": {ids[0]: 3},
        "duplicates": {ids[-1]: 1},
    }
    got, ref = assess(energy, flags, **kwargs), assess_reference(energy, flags, **kwargs)
    assert got.meters == ref.meters
    assert [m.as_dict() for m in got.meters] == [m.as_dict() for m in ref.meters]
    assert got.flags is flags


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sites_and_energy(), st.sampled_from([0.0, 0.03, 0.5]))
def test_reconciliation_equals_the_earlier_code(case: tuple, tolerance: float) -> None:
    site, energy = case
    with np.errstate(invalid="ignore", over="ignore"):  # infinite readings: inf - inf is NaN
        got = reconcile(energy, site, tolerance)
        want = reconcile_reference(energy, site, tolerance)
    assert repr([r.as_dict() for r in got]) == repr([r.as_dict() for r in want])


def test_row_views_equal_the_copies() -> None:
    values = np.random.default_rng(3).standard_normal((6, 50)) * 1e6
    for rows in ([1, 2, 3], [0], [2, 4], [3, 2], [0, 1, 2, 3, 4, 5]):
        view, copy = take_rows(values, rows), values[rows]
        assert view.flags.c_contiguous == copy.flags.c_contiguous
        assert view.strides == copy.strides
        assert view.tobytes() == copy.tobytes()
        assert view.sum(axis=0).tobytes() == copy.sum(axis=0).tobytes()
    assert take_rows(values, []).shape == values[[]].shape
    fortran = np.asfortranarray(values)
    assert take_rows(fortran, [1, 2]).tobytes() == fortran[[1, 2]].tobytes()


def test_quantified_equals_the_wrapped_quantity() -> None:
    time = pd.date_range(START, periods=744, freq="h")
    values = np.random.default_rng(4).random(744)
    got = quantified(values, "kg CO2e", ("time",), {"time": time}, name="x", attrs={"a": 1})
    want = xr.DataArray(
        ureg.Quantity(values, "kg CO2e"),
        dims=("time",),
        coords={"time": time},
        name="x",
        attrs={"a": 1},
    )
    same_array(got, want)
    xr.testing.assert_identical(got, want)


@pytest.mark.parametrize(("on_grid", "unit"), [(True, "ns"), (False, "ns"), (False, "us")])
def test_period_slice_of_a_cube_on_the_grid_is_the_reindexed_cube(on_grid: bool, unit: str) -> None:
    period = Period(
        label="2025-03",
        start=pd.Timestamp("2025-03-01T00:00", tz="UTC"),
        end=pd.Timestamp("2025-03-02T00:00", tz="UTC"),
    )
    # on the grid: exactly the period, in ns as cubes hold time; off it: the data start two
    # hours late, or cover the period in microseconds (which a reindex turns into ns)
    late = not on_grid and unit == "ns"
    start = START + pd.Timedelta(hours=2) if late else START
    time = pd.date_range(start, "2025-03-02T00:00", freq=STEP, inclusive="left").as_unit(unit)
    rng = np.random.default_rng(5)
    coords = {"meter": ["a", "b"], "time": time}
    energy = xr.DataArray(
        rng.random((2, time.size)), dims=("meter", "time"), coords=coords, name="energy"
    ).pint.quantify("kWh", unit_registry=ureg)
    flags = xr.DataArray(
        rng.integers(0, 3, (2, time.size)).astype(np.int8), dims=("meter", "time"), coords=coords
    )
    expected = pd.date_range(START, "2025-03-02T00:00", freq=STEP, inclusive="left")
    got_energy = slice_period(energy, period, STEP)
    got_flags = slice_flags(flags, period, STEP)
    assert (got_energy is energy) == on_grid  # the fast path returns the cube itself
    assert (got_flags is flags) == on_grid
    same_array(got_energy, energy.reindex(time=expected))
    want_flags = flags.reindex(time=expected, fill_value=int(Flag.GAP))
    xr.testing.assert_identical(got_flags, want_flags)
    assert got_flags.dtype == want_flags.dtype


@pytest.mark.parametrize("extra_hours", [0, 3])
def test_location_based_with_factors_on_the_hours_or_beyond_them(extra_hours: int) -> None:
    hours = pd.date_range(START, periods=48, freq="h")
    rng = np.random.default_rng(6)
    energy = xr.DataArray(
        rng.random((3, 48)) * 100,
        dims=("workload", "time"),
        coords={"workload": list(WORKLOADS), "time": hours},
    ).pint.quantify("kWh", unit_registry=ureg)
    more = pd.date_range(
        START - pd.Timedelta(hours=extra_hours), periods=48 + 2 * extra_hours, freq="h"
    )
    factors = xr.DataArray(
        rng.random(more.size) * 500, dims=("time",), coords={"time": more}, name="intensity"
    ).pint.quantify("g CO2e/kWh", unit_registry=ureg)
    got = location_based(energy, factors)
    want = (energy * factors.sel(time=energy["time"])).pint.to("kg CO2e")
    same_array(got, want)


@pytest.mark.parametrize("with_flags", [True, False])
def test_factor_hierarchy_on_the_wanted_hours_or_beyond_them(with_flags: bool) -> None:
    hours = pd.date_range(START, periods=48, freq="h")
    wider = pd.date_range(START - pd.Timedelta(hours=5), periods=60, freq="h")
    rng = np.random.default_rng(7)
    values = rng.random(wider.size) * 400
    values[[6, 20]] = np.nan
    ok = rng.random(wider.size) > 0.2
    results = []
    for axis in (hours, wider):  # the source exactly on the hours, then around them
        take = wider.get_indexer(axis)
        source = xr.DataArray(values[take], dims=("time",), coords={"time": axis})
        usable = xr.DataArray(ok[take], dims=("time",), coords={"time": axis})
        results.append(
            apply_factor_hierarchy(
                source.pint.quantify("g CO2e/kWh", unit_registry=ureg),
                usable if with_flags else None,
                xr.DataArray(hours, dims=("time",), coords={"time": hours}),
                subregion_rate=ureg.Quantity(380.0, "g CO2e/kWh"),
                national_rate=ureg.Quantity(370.0, "g CO2e/kWh"),
            )
        )
    (exact, exact_levels), (wide, wide_levels) = results
    same_array(exact, wide)
    xr.testing.assert_identical(exact_levels, wide_levels)
    # and what xarray's reindex gives (the formulation the hierarchy was written with)
    plain = xr.DataArray(values, dims=("time",), coords={"time": wider}).reindex(time=hours)
    good = np.isfinite(plain.values)
    if with_flags:
        flags = xr.DataArray(ok, dims=("time",), coords={"time": wider})
        good &= flags.reindex(time=hours, fill_value=False).values
    want = np.where(good, plain.values, 380.0)
    assert np.asarray(wide.pint.magnitude).tobytes() == want.tobytes()
    assert (exact_levels.values == 1).sum() >= 2  # the NaN hours took the subregion rate


def test_alignment_check_on_integer_nanoseconds() -> None:
    time = pd.date_range("1969-12-31T22:00", periods=12, freq="15min")  # across the epoch
    energy = xr.DataArray(
        np.ones((1, 12)), dims=("workload", "time"), coords={"workload": ["ai"], "time": time}
    ).pint.quantify("kWh", unit_registry=ureg)
    hourly = to_resolution(energy, STEP, pd.Timedelta(hours=1))
    assert hourly.sizes["time"] == 3
    assert hourly.attrs == {}
    shifted = energy.assign_coords(time=time + pd.Timedelta(minutes=5))
    with pytest.raises(InputDataError, match="crosses a 0 days 01:00:00 factor boundary"):
        to_resolution(shifted, STEP, pd.Timedelta(hours=1))


@pytest.mark.parametrize("unit", ["kg CO2e/kWh", "g CO2e/kWh"])  # converted, or as it is
@pytest.mark.parametrize("dtype", ["float64", "int64"])
@pytest.mark.parametrize("shift", [0, 2, -3])
def test_market_hourly_values_equal_the_reindexed_series(dtype: str, shift: int, unit: str) -> None:
    from carbon.accounting.hourly_inputs import on_hours

    hours = pd.date_range(START, periods=24, freq="h")
    axis = hours + pd.Timedelta(hours=shift)  # the same hours, or shifted (some absent)
    data = xr.DataArray(
        (np.arange(24) * 7 + 1).astype(dtype), dims=("time",), coords={"time": axis}
    ).pint.quantify("g CO2e/kWh", unit_registry=ureg)
    need = np.zeros(24, bool)  # absent hours are allowed here, so both give NaN there
    got = on_hours(data, unit, hours, "rate", need=need)
    want = data.pint.to(unit).pint.dequantify().reindex(time=hours).to_numpy()
    assert got.dtype == want.dtype
    assert got.tobytes() == want.tobytes()


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 40),
    st.lists(st.integers(0, 11), min_size=0, max_size=15),
    st.integers(0, 2**32 - 1),
)
def test_row_sums_without_copies_equal_the_sum_of_the_copy(
    n_rows: int, n_time: int, rows: list[int], seed: int
) -> None:
    rows = [r % n_rows for r in rows]
    rng = np.random.default_rng(seed)
    values = rng.standard_normal((n_rows, n_time)) * 10.0 ** rng.integers(-8, 8, (n_rows, n_time))
    values[rng.random(values.shape) < 0.05] = -0.0
    for layout in (values, np.asfortranarray(values)):
        got, want = sum_rows(layout, rows), layout[rows].sum(axis=0)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert got.tobytes() == want.tobytes()
    if n_rows > 3 and n_time > 1:  # the attribution's case: a run of rows, then a few others
        order = [*range(3, n_rows), 0, 2, 1]
        assert sum_rows(values, order).tobytes() == values[order].sum(axis=0).tobytes()
