"""Telemetry spans onto the meter grid: counters by overlap, power by trapezoid, the gap rule."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from carbon.core.flags import Flag
from carbon.quality.apportion import Spans, apportion_spans

STEP = pd.Timedelta(minutes=15)
ORIGIN = pd.Timestamp("2025-07-01T00:00:00Z")


def _t(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2025-07-01T{clock}Z")


def _spans(samples: list[tuple[str, str]], values: list[float], power=None) -> Spans:
    starts = [_t(a) for a, _ in samples]
    ends = [_t(b) for _, b in samples]
    p0 = [np.nan] * len(samples) if power is None else [p for p, _ in power]
    p1 = [np.nan] * len(samples) if power is None else [p for _, p in power]
    return Spans(
        pd.DataFrame(
            {
                "meter_id": "gpu",
                "interval_start": starts,
                "interval_end": ends,
                "value": values,
                "flag": np.zeros(len(samples), dtype=np.int8),
                "line": np.arange(1, len(samples) + 1, dtype=np.int64),
                "power_start": p0,
                "power_end": p1,
            }
        )
    )


def test_jittered_counter_differences_are_split_by_time_overlap():
    # scrapes at 00:00:17, 00:15:17, 00:30:17: 900 J then 1800 J (1 W, then 2 W)
    spans = _spans([("00:00:17", "00:15:17"), ("00:15:17", "00:30:17")], [900.0, 1800.0])
    out = apportion_spans(spans, step=STEP, origin=ORIGIN)
    # 00:00-00:15: 883 s at 1 W; 00:15-00:30: 17 s at 1 W + 883 s at 2 W; 00:30-: 17 s at 2 W
    assert out["value"].tolist() == pytest.approx([883.0, 1783.0, 34.0])
    assert out["coverage"].tolist() == pytest.approx([883 / 900, 1.0, 17 / 900])
    assert out["flag"].tolist() == [Flag.PARTIAL, Flag.MEASURED, Flag.PARTIAL]
    assert out["value"].sum() == pytest.approx(2700.0)  # nothing lost, nothing added


def test_power_samples_integrate_as_a_trapezoid_split_at_the_boundary():
    # 0 W at 00:10 rising linearly to 100 W at 00:20: 30 000 J, of which
    # 00:10-00:15 holds ∫0..300 s (100/600)·t dt = 7 500 J and 00:15-00:20 22 500 J
    spans = _spans([("00:10:00", "00:20:00")], [30_000.0], power=[(0.0, 100.0)])
    out = apportion_spans(spans, step=STEP, origin=ORIGIN)
    assert out["value"].tolist() == pytest.approx([7_500.0, 22_500.0])
    assert out["coverage"].tolist() == pytest.approx([1 / 3, 1 / 3])


def test_a_gap_longer_than_three_median_spans_is_not_bridged():
    # 5-minute power samples at a flat 120 W (36 000 J per span), then one 60-minute gap
    clocks = ["00:00", "00:05", "00:10", "00:15", "00:20", "01:20", "01:25", "01:30"]
    pairs = [(f"{a}:00", f"{b}:00") for a, b in itertools.pairwise(clocks)]
    seconds = [(_t(b) - _t(a)).total_seconds() for a, b in pairs]
    spans = _spans(pairs, [120.0 * s for s in seconds], power=[(120.0, 120.0)] * len(pairs))
    out = apportion_spans(spans, step=STEP, origin=ORIGIN).set_index("interval_start")
    assert out.loc[_t("00:00:00"), "value"] == pytest.approx(108_000.0)  # 900 s × 120 W
    assert out.loc[_t("00:15:00"), "value"] == pytest.approx(36_000.0)  # 00:15-00:20 only
    assert out.loc[_t("00:15:00"), "coverage"] == pytest.approx(1 / 3)
    assert out.loc[_t("00:15:00"), "flag"] == Flag.PARTIAL
    for clock in ("00:30:00", "00:45:00", "01:00:00"):  # inside the gap: no value, never filled
        assert np.isnan(out.loc[_t(clock), "value"])
        assert out.loc[_t(clock), "flag"] == Flag.GAP
        assert out.loc[_t(clock), "coverage"] == 0.0
    assert out.loc[_t("01:15:00"), "value"] == pytest.approx(72_000.0)  # 01:20-01:30
    assert out.loc[_t("01:15:00"), "flag"] == Flag.PARTIAL


def test_an_unusable_span_covers_nothing_and_keeps_its_flag():
    spans = _spans([("00:00:00", "00:15:00"), ("00:15:00", "00:30:00")], [900.0, np.nan])
    spans.frame.loc[1, "flag"] = np.int8(Flag.SOURCE_MISSING)
    out = apportion_spans(spans, step=STEP, origin=ORIGIN)
    assert out["value"].iloc[0] == pytest.approx(900.0)
    assert np.isnan(out["value"].iloc[1])
    assert out["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_MISSING]
