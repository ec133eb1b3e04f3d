"""The integer-key cube builder equals the reference builder on random inputs.

``carbon.quality.align.build_cube`` (carbon's path, :mod:`carbon.quality.cube`) must give the
same cube as ``build_cube_reference`` (the readable pandas implementation): the same energy
bit for bit (NaN where the reference has NaN), the same flags, rows read, identical
duplicates counted, conflicting duplicates listed with the same values and source lines, the
same native intervals; and where the reference refuses the input, the same error message.

Inputs mix meters with different native intervals, several source tables, gaps, identical
and conflicting duplicates, missing values, negatives, unsorted rows, categorical and plain
meter ids, off-grid stamps and spans across the DST changes of a local time zone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube, build_cube_reference

METERS = ["REV", "A", "B", "C"]
# local midnights just before the 2025 DST changes in New York (spring forward, fall back)
STARTS = ["2025-03-08T22:00", "2025-11-01T23:00", "2025-06-30T23:45"]


@st.composite
def fleets(draw: st.DrawFn) -> tuple[list[pd.DataFrame], list[pd.Timedelta | None], list[str]]:
    n_meters = draw(st.integers(1, 4))
    ids = METERS[:n_meters]
    start = pd.Timestamp(draw(st.sampled_from(STARTS)), tz="America/New_York")
    coarse = draw(st.sampled_from([15, 30, 60]))
    hours = draw(st.integers(1, 6))
    rows = []
    for meter in ids:  # build the readings meter by meter (test data, small)
        minutes = draw(st.sampled_from([m for m in (5, 15, coarse) if coarse % m == 0]))
        n = hours * 60 // minutes
        stamps = start + pd.to_timedelta(np.arange(n) * minutes, unit="min")
        values = np.round(
            draw(st.lists(st.floats(-1, 50, allow_nan=False), min_size=n, max_size=n)), 1
        )
        frame = pd.DataFrame({"interval_start": stamps, "meter_id": meter, "energy_kwh": values})
        rows.append(frame)
    frame = pd.concat(rows, ignore_index=True)
    n = len(frame)
    drop = draw(st.lists(st.integers(0, n - 1), max_size=4))
    missing = draw(st.lists(st.integers(0, n - 1), max_size=2))
    frame.loc[missing, "energy_kwh"] = np.nan
    same = draw(st.lists(st.integers(0, n - 1), max_size=3))
    other = draw(st.lists(st.integers(0, n - 1), max_size=3))
    extra = [frame.iloc[same]]
    conflicting = frame.iloc[other].copy()
    conflicting["energy_kwh"] = conflicting["energy_kwh"] + 1.0
    extra.append(conflicting)
    if draw(st.booleans()):  # one stamp off every grid
        odd = frame.iloc[[draw(st.integers(0, n - 1))]].copy()
        odd["interval_start"] = odd["interval_start"] + pd.Timedelta(minutes=2)
        extra.append(odd)
    frame = pd.concat([frame.drop(index=drop), *extra], ignore_index=True)
    if draw(st.booleans()):
        frame = frame.sample(frac=1.0, random_state=draw(st.integers(0, 2**16)))
    frame = frame.reset_index(drop=True)
    cut = draw(st.integers(0, len(frame)))
    parts = [p for p in (frame.iloc[:cut], frame.iloc[cut:]) if len(p)] or [frame]
    declared = [
        draw(st.sampled_from([None, pd.Timedelta(minutes=coarse)])) if len(parts) == 1 else None
        for _ in parts
    ]
    if draw(st.booleans()):
        parts = [p.assign(meter_id=p["meter_id"].astype("category")) for p in parts]
    return parts, declared, ids


def _tables(parts, declared):
    return [
        read_long_frame(
            part.reset_index(drop=True),
            source=f"meters-{i}.csv",
            sha256="0" * 64,
            interval=step,
        )
        for i, (part, step) in enumerate(zip(parts, declared, strict=True))
    ]


def _listed(conflicts):
    """Conflicts with their values as bytes, so that NaN equals NaN."""
    return [
        (c.meter, c.interval_start, np.array(c.values_kwh).tobytes(), c.sources) for c in conflicts
    ]


def _outcome(builder, tables, ids):
    try:
        return builder(tables, ids)
    except InputDataError as exc:
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fleets())
def test_fast_cube_equals_reference(case) -> None:
    parts, declared, ids = case
    # an empty file is refused when it is read (tests/ingest), before any cube is built
    assume(all(not part.empty for part in parts))
    tables = _tables(parts, declared)
    fast = _outcome(build_cube, tables, ids)
    reference = _outcome(build_cube_reference, tables, ids)
    if isinstance(reference, Exception):
        assert isinstance(fast, InputDataError), f"reference refused: {reference}"
        assert str(fast) == str(reference)
        return
    assert not isinstance(fast, Exception), f"fast path refused: {fast}"
    got = fast.energy.pint.dequantify().values
    want = reference.energy.pint.dequantify().values
    assert fast.energy.pint.units == reference.energy.pint.units
    assert got.tobytes() == want.tobytes()  # bit for bit, NaN included
    np.testing.assert_array_equal(fast.flags.values, reference.flags.values)
    assert fast.energy["time"].equals(reference.energy["time"])
    assert fast.energy["meter"].equals(reference.energy["meter"])
    assert fast.interval == reference.interval
    assert fast.native_interval == reference.native_interval
    assert fast.rows_read == reference.rows_read
    assert fast.duplicates_identical == reference.duplicates_identical
    assert _listed(fast.conflicts) == _listed(reference.conflicts)
    assert fast.records == reference.records
    assert fast.readings.dtype == reference.readings.dtype
    np.testing.assert_array_equal(fast.readings.values, reference.readings.values)
    per_meter = fast.readings.values.sum(axis=1).tolist()
    assert dict(zip(ids, per_meter, strict=True)) == fast.rows_read


def test_generator_reaches_the_cases_that_matter() -> None:
    """The comparison above is only as good as its inputs: check that a fixed draw of them
    holds duplicates of both kinds, gaps, missing values and refusals."""
    seen = {"identical": 0, "conflict": 0, "gap": 0, "missing": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, database=None, derandomize=True)
    @given(fleets())
    def count(case) -> None:
        parts, declared, ids = case
        cube = _outcome(build_cube_reference, _tables(parts, declared), ids)
        if isinstance(cube, Exception):
            seen["refused"] += 1
            return
        seen["identical"] += sum(cube.duplicates_identical.values()) > 0
        seen["conflict"] += len(cube.conflicts) > 0
        seen["gap"] += bool((cube.flags.values == int(Flag.GAP)).any())
        seen["missing"] += bool((cube.flags.values == int(Flag.SOURCE_MISSING)).any())

    count()
    assert all(n > 0 for n in seen.values()), seen


@pytest.mark.parametrize("categorical", [False, True])
def test_unknown_meter_is_named_with_its_line(categorical: bool) -> None:
    frame = pd.DataFrame(
        {
            "interval_start": pd.date_range("2025-01-01", periods=3, freq="15min", tz="UTC"),
            "meter_id": ["REV", "GHOST", "REV"],
            "energy_kwh": [1.0, 2.0, 3.0],
        }
    )
    if categorical:
        frame["meter_id"] = frame["meter_id"].astype("category")
    tables = _tables([frame], [None])
    with pytest.raises(InputDataError) as fast:
        build_cube(tables, ["REV"])
    with pytest.raises(InputDataError) as reference:
        build_cube_reference(tables, ["REV"])
    assert str(fast.value) == str(reference.value)
    assert "meters-0.csv: line 3: meter id 'GHOST'" in str(fast.value)
