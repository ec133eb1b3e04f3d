"""A hall converting at 12:07 under an hourly revenue meter: the 15-minute IT meter's own
readings split the hour, the instant apportioned by time inside its 15-minute reading
(docs/methodology.md §6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carbon.attribution.workloads import attribute
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.quality.split_points import split_points
from tests.conftest import long_frame, tiny_site

SCHEDULE = [
    {"until": "2025-01-01T12:07:00+00:00", "workload": "mining"},
    {"workload": "ai"},
]


def _site():
    site = tiny_site()
    data = site.model_dump(mode="json")
    data["meters"][3]["workload"] = SCHEDULE
    return type(site).model_validate(data)


def _kwh(da) -> np.ndarray:
    return np.asarray(da.pint.to("kWh").pint.magnitude)


def _tables():
    start = "2025-01-01T11:00:00+00:00"
    hourly = read_long_frame(
        long_frame({"REV": [400.0, 420.0, 410.0]}, start=start, freq="1h"),
        source="rev.csv",
        sha256="0",
        interval=pd.Timedelta("1h"),
    )
    quarter = {
        "M": [50.0] * 12,
        "A": [20.0] * 12,
        "X": [25.0, 25, 25, 25, 40, 10, 20, 30, 30, 30, 30, 30],
        "COOL": [8.0] * 12,
    }
    fine = read_long_frame(
        long_frame(quarter, start=start),
        source="it.csv",
        sha256="0",
        interval=pd.Timedelta("15min"),
    )
    return [hourly, fine]


def test_hourly_revenue_meter_keeps_the_fifteen_minute_split() -> None:
    site = _site()
    tables = _tables()
    cube = build_cube(tables, [m.id for m in site.meters])
    assert cube.interval == pd.Timedelta("1h")
    points = split_points(tables, site, cube)
    # in the 12:00 hour, X read 40 kWh in 12:00-12:15; 7 of its 15 minutes precede 12:07
    ((instant, before),) = points["X"]
    assert pd.Timestamp(instant, tz="UTC") == pd.Timestamp("2025-01-01T12:07Z")
    assert before == pytest.approx(40 * 7 / 15, rel=1e-12)
    split = attribute(cube.energy, site, cube.interval, points)
    mining = _kwh(split.it.sel(workload="mining"))
    ai = _kwh(split.it.sel(workload="ai"))
    # 11:00 hour all mining for X; 12:00 hour: 18.67 mining, 40*8/15 + 10 + 20 + 30 AI
    x_mining_12 = 40 * 7 / 15
    x_ai_12 = 40 * 8 / 15 + 10 + 20 + 30
    assert mining.tolist() == pytest.approx([200 + 100, 200 + x_mining_12, 200], rel=1e-12)
    assert ai.tolist() == pytest.approx([80, 80 + x_ai_12, 80 + 120], rel=1e-12)
    # the facility total is still the revenue meter, hour by hour
    assert _kwh(split.total.sum("workload")).tolist() == pytest.approx([400, 420, 410])


def test_without_the_split_points_the_hour_is_split_by_time() -> None:
    """What the hourly cell alone gives: 7/60 of the 100 kWh X read in the hour."""
    site = _site()
    cube = build_cube(_tables(), [m.id for m in site.meters])
    split = attribute(cube.energy, site, cube.interval)
    assert _kwh(split.it.sel(workload="mining"))[1] == pytest.approx(200 + 100 * 7 / 60)


def test_meters_as_fine_as_the_cube_need_no_split_points() -> None:
    site = _site()
    table = read_long_frame(
        long_frame({"REV": [130.0], "M": [60.0], "A": [20.0], "X": [30.0], "COOL": [12.0]}),
        source="t",
        sha256="0",
        interval=pd.Timedelta("15min"),
    )
    cube = build_cube([table], [m.id for m in site.meters])
    assert split_points([table], site, cube) == {}
