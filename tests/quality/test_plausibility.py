"""Plausibility checks (carbon.quality.plausibility): named bounds, counts, --strict, PUE < 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.core.errors import PlausibilityError
from carbon.quality.plausibility import (
    capacity_in_effect,
    check_plausibility,
    children_exceeding_parent,
)
from tests.conftest import tiny_site

TIMES = pd.date_range("2025-01-01", periods=8, freq="15min")  # naive UTC, as in the cube


def energy(rows: dict[str, list[float]]) -> xr.DataArray:
    values = np.array(list(rows.values()), dtype=float)
    return xr.DataArray(values, coords={"meter": list(rows), "time": TIMES}, dims=("meter", "time"))


def plain(kwh: float = 100.0) -> dict[str, list[float]]:
    return {m: [kwh] * 8 for m in ("REV", "M", "A", "X", "COOL")}


def test_a_clean_site_has_no_findings_and_states_its_bounds() -> None:
    found = check_plausibility(energy(plain()), pd.Timedelta("15min"), tiny_site())
    assert found.total == 0 and found.flags == ()
    assert found.counts() == dict.fromkeys(found.counts(), 0)
    assert found.as_dict()["bounds"]["max_site_power_mw"] == 2000.0
    found.refuse()  # nothing to refuse


def test_a_spike_is_counted_once_with_its_meter_file_and_interval() -> None:
    rows = plain()
    rows["M"][3] = 1e12
    found = check_plausibility(
        energy(rows), pd.Timedelta("15min"), tiny_site(), files={"M": "m.csv"}
    )
    assert found.counts()["above-capacity"] == 1
    flag = found.flags[0]
    assert (flag.subject, flag.path, flag.first) == ("M", "m.csv", "2025-01-01T00:45:00+00:00")
    with pytest.raises(PlausibilityError) as caught:
        found.refuse()
    error = caught.value
    assert (error.meter, error.path, error.reason) == ("M", "m.csv", "above-capacity")


def test_bounds_come_from_the_quality_table() -> None:
    site = tiny_site(quality={"max_site_power_mw": 0.1})  # 100 kW: 100 kWh per 15 min is 400 kW
    found = check_plausibility(energy(plain()), pd.Timedelta("15min"), site)
    assert found.counts()["above-capacity"] == 5 * 8
    assert found.counts()["site-average-above-capacity"] == 1


def test_the_approved_capacity_in_effect_is_the_bound() -> None:
    site = tiny_site(
        capacity=[
            {"measure": "interconnect_approved", "value": "0.2 MW", "effective_from": "2024-01-01"}
        ]
    )
    assert capacity_in_effect(site, TIMES, ("interconnect_approved",)).tolist() == [0.2] * 8
    found = check_plausibility(energy(plain()), pd.Timedelta("15min"), site)
    assert found.counts()["above-capacity"] == 5 * 8


def test_grid_intensity_range_and_ratio_to_the_annual_rate() -> None:
    hours = pd.date_range("2025-01-01", periods=4, freq="1h")
    kg_as_g = xr.DataArray([0.3, 0.35, 0.4, 0.3], coords={"time": hours}, dims="time")
    found = check_plausibility(
        energy(plain()),
        pd.Timedelta("15min"),
        tiny_site(),
        intensity=kg_as_g,
        grid_path="grid.csv",
        annual_rate=334.1,
    )
    assert found.counts()["intensity-far-from-annual"] == 1
    spike = xr.DataArray([300.0, 5000.0, -1.0, 310.0], coords={"time": hours}, dims="time")
    found = check_plausibility(
        energy(plain()), pd.Timedelta("15min"), tiny_site(), intensity=spike, annual_rate=None
    )
    assert found.counts()["intensity-out-of-range"] == 2
    assert found.notes and "not compared" in found.notes[0]


def test_pue_below_one_names_the_children_and_the_first_interval() -> None:
    rows = plain()
    rows["REV"] = [1000.0] * 8  # above the four sub-meters' 400 kWh, but for one interval
    rows["A"][2] = 5000.0
    why, fields = children_exceeding_parent(energy(rows), tiny_site())
    assert "A" in why and "REV" in why and "1 interval(s)" in why
    assert fields["meter"] == "REV" and fields["timestamp"] == "2025-01-01T00:30:00+00:00"
