"""Intervals by category, rows in and out, the completeness matrix (carbon.quality.categories)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from carbon.analysis.period import slice_flags, slice_period, slice_readings
from carbon.core.flags import Flag
from carbon.core.period import month
from carbon.core.units import ureg
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.quality.categories import CATEGORIES, CATEGORY_OF_FLAG, tally
from carbon.quality.impute import impute

Q = pd.Timedelta("15min")
CODES = [int(f) for f in Flag]


def test_every_flag_has_a_category() -> None:
    assert set(CATEGORY_OF_FLAG) == set(Flag)
    assert set(CATEGORY_OF_FLAG.values()) <= set(CATEGORIES)


@st.composite
def flagged_cubes(draw: st.DrawFn) -> tuple[xr.DataArray, xr.DataArray]:
    n_meters, n_time = draw(st.integers(1, 4)), draw(st.integers(1, 40))
    codes = np.array(
        draw(
            st.lists(st.sampled_from(CODES), min_size=n_meters * n_time, max_size=n_meters * n_time)
        ),
        dtype=np.int8,
    ).reshape(n_meters, n_time)
    no_value = np.isin(codes, [Flag.GAP, Flag.SOURCE_MISSING, Flag.DUPLICATE_CONFLICTING])
    values = np.where(no_value, np.nan, 2.0)
    coords = {
        "meter": [f"m{i}" for i in range(n_meters)],
        "time": pd.date_range("2025-03-08", periods=n_time, freq=Q),
    }
    energy = xr.DataArray(values, dims=("meter", "time"), coords=coords).pint.quantify(
        "kWh", unit_registry=ureg
    )
    return energy, xr.DataArray(codes, dims=("meter", "time"), coords=coords, name="flags")


@settings(max_examples=80, deadline=None)
@given(flagged_cubes(), st.sampled_from(["none", "linear"]))
def test_categories_add_up_to_the_intervals(case, method) -> None:
    energy, flags = case
    filled = impute(energy, flags, method=method, interval=Q, max_gap=pd.Timedelta("1h"))
    got = tally(
        flags,
        filled.flags,
        energy,
        None,
        rows_read={},
        native={},
        interval=Q,
        timezone="America/Chicago",
    )
    n_time = flags.sizes["time"]
    for i, m in enumerate(got.meters):
        assert sum(m.categories.values()) == m.intervals == n_time
        imputed = np.isin(filled.flags.values[i], [Flag.IMPUTED_LINEAR, Flag.IMPUTED_PROFILE])
        assert m.categories["imputed"] == imputed.sum()
        assert sum(m.imputed_from.values()) == m.categories["imputed"]
        assert m.categories["off_grid"] == 0
        measured = np.isin(flags.values[i], [Flag.MEASURED, Flag.DUPLICATE_IDENTICAL])
        measured &= ~imputed
        assert m.coverage == pytest.approx(measured.sum() / n_time)
        assert sum(got.completeness.measured[m.id]) == m.categories["measured"]
    assert sum(got.completeness.intervals) == n_time
    assert got.totals()["categories"]["measured"] == sum(
        m.categories["measured"] for m in got.meters
    )


def test_an_imputed_conflict_counts_as_imputed_and_says_what_it_was() -> None:
    time = pd.date_range("2025-01-01", periods=3, freq=Q)
    coords = {"meter": ["A"], "time": time}
    energy = xr.DataArray([[1.0, np.nan, 3.0]], dims=("meter", "time"), coords=coords)
    energy = energy.pint.quantify("kWh", unit_registry=ureg)
    flags = xr.DataArray(
        np.array([[0, int(Flag.DUPLICATE_CONFLICTING), 0]], dtype=np.int8),
        dims=("meter", "time"),
        coords=coords,
    )
    filled = impute(energy, flags, method="linear", interval=Q, max_gap=pd.Timedelta("1h"))
    got = tally(
        flags, filled.flags, energy, None, rows_read={}, native={}, interval=Q, timezone="UTC"
    )
    (meter,) = got.meters
    assert meter.categories["imputed"] == 1 and meter.categories["conflicting"] == 0
    assert meter.imputed_from == {"conflicting": 1}
    assert meter.coverage == pytest.approx(2 / 3)  # the imputed interval is not covered


def _frame(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": pd.to_datetime([r[1] for r in rows], utc=True),
            "meter_id": [r[0] for r in rows],
            "energy_kwh": [r[2] for r in rows],
        }
    )


def test_rows_in_equal_used_plus_flagged_plus_outside_the_period() -> None:
    # A: hourly; B: 15-minute readings summed to the hour. July 2025 in UTC.
    rows = [
        ("A", "2025-06-30T23:00:00Z", 5.0),  # outside the period
        ("A", "2025-07-01T00:00:00Z", 10.0),
        ("A", "2025-07-01T00:00:00Z", 10.0),  # identical duplicate: set aside
        ("A", "2025-07-01T01:00:00Z", 11.0),
        ("A", "2025-07-01T01:00:00Z", 12.0),  # conflicting: both set aside
        ("A", "2025-07-01T02:00:00Z", 13.0),
        *(("B", f"2025-07-01T00:{m:02d}:00Z", 1.0) for m in (0, 15, 30, 45)),
        *(("B", f"2025-07-01T01:{m:02d}:00Z", 1.0) for m in (0, 15, 30)),  # incomplete hour
        *(("B", f"2025-07-01T02:{m:02d}:00Z", 1.0) for m in (0, 15, 30, 45)),
    ]
    table = read_long_frame(_frame(rows), source="t.csv", sha256="0")
    cube = build_cube([table], ["A", "B"])
    assert cube.readings.values.sum(axis=1).tolist() == [6, 11]
    period = month("2025-07", "UTC")
    energy = slice_period(cube.energy, period, cube.interval)
    flags = slice_flags(cube.flags, period, cube.interval)
    got = tally(
        flags,
        flags,
        energy,
        slice_readings(cube.readings, period, cube.interval),
        rows_read=cube.rows_read,
        native=cube.native_interval,
        interval=cube.interval,
        timezone="UTC",
    )
    a, b = got.meters
    assert a.rows == {
        "in": 6,
        "used": 2,
        "flagged": 3,
        "flagged_duplicates": 1,
        "flagged_unusable": 2,
        "outside_period": 1,
    }
    assert b.rows == {
        "in": 11,
        "used": 8,
        "flagged": 3,
        "flagged_duplicates": 0,
        "flagged_unusable": 3,
        "outside_period": 0,
    }
    for m in (a, b):
        assert m.rows["in"] == m.rows["used"] + m.rows["flagged"] + m.rows["outside_period"]
    assert a.categories["conflicting"] == 1 and a.categories["measured"] == 2
    assert b.categories["missing"] == 744 - 2 and b.categories["measured"] == 2
    assert got.completeness.days[0] == "2025-07-01" and len(got.completeness.days) == 31
    assert got.completeness.measured["A"][:2] == (2, 0)


def test_an_unknown_flag_code_is_refused() -> None:
    coords = {"meter": ["A"], "time": pd.date_range("2025-01-01", periods=1, freq=Q)}
    energy = xr.DataArray([[1.0]], dims=("meter", "time"), coords=coords).pint.quantify(
        "kWh", unit_registry=ureg
    )
    flags = xr.DataArray(np.array([[42]], dtype=np.int8), dims=("meter", "time"), coords=coords)
    with pytest.raises(ValueError, match=r"flag code\(s\) \[42\]"):
        tally(flags, flags, energy, None, rows_read={}, native={}, interval=Q, timezone="UTC")


def test_completeness_counts_by_local_day_in_any_time_order():
    from carbon.quality.categories import _completeness

    times = pd.date_range("2025-03-08", periods=4 * 24 * 3, freq="15min").as_unit("ns")
    measured = np.random.default_rng(1).random((2, times.size)) > 0.2
    order = np.random.default_rng(2).permutation(times.size)
    ordered = _completeness(measured, times, "America/Chicago", ["a", "b"])
    shuffled = _completeness(measured[:, order], times[order], "America/Chicago", ["a", "b"])
    assert shuffled == ordered
    # local days across the DST change of 9 March 2025 (UTC-6 -> UTC-5)
    assert ordered.days[0] == "2025-03-07" and ordered.days[-1] == "2025-03-10"
    assert sum(ordered.intervals) == times.size
    local_day = times.tz_localize("UTC").tz_convert("America/Chicago").strftime("%Y-%m-%d")
    expected_a = [int(measured[0][np.asarray(local_day) == d].sum()) for d in ordered.days]
    assert list(ordered.measured["a"]) == expected_a
