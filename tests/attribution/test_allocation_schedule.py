"""Effective-dated, versioned allocation keys of a shared meter (``allocation_schedule``)."""

from __future__ import annotations

import pandas as pd
import pytest
import xarray as xr

from carbon.attribution.workloads import attribute
from carbon.core.errors import ConfigError
from carbon.core.units import ureg
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site

SCHEDULE = [
    {"key": "it-energy", "version": "v1", "until": "2025-01-01T00:07:00+00:00"},
    {"key": "dedicated", "dedicated_to": "ai", "version": "v2"},
]


def site_with(schedule: list[dict]) -> object:
    site = tiny_site()
    data = site.model_dump(mode="json", exclude_none=True)
    data["meters"] = [m for m in data["meters"] if m["id"] != "X"]
    cool = next(m for m in data["meters"] if m["id"] == "COOL")
    cool.pop("allocation", None)
    cool["allocation_schedule"] = schedule
    return site_from_dict(data)


def test_a_key_change_inside_an_interval_splits_it_by_time() -> None:
    """15-minute readings, two intervals: M (mining) 30, A (AI) 10, COOL 8, REV 50 kWh each,
    so the unmetered residual is 2 kWh an interval.

    COOL's key changes from v1 it-energy (mining 0.75, AI 0.25) to v2 dedicated to AI at
    00:07: the 00:00 interval is 7/15 v1 and 8/15 v2, so mining gets 8·7/15·0.75 = 2.8 kWh and
    AI 8·(7/15·0.25 + 8/15) = 5.2 kWh; the 00:15 interval is all AI's (8 kWh). The residual
    follows it-energy: 1.5 and 0.5 kWh an interval. Mining 60 + 2.8 + 3 = 65.8 kWh, AI
    20 + 13.2 + 1 = 34.2 kWh, together the revenue meter's 100 kWh.
    """
    site = site_with(SCHEDULE)
    time = pd.date_range("2025-01-01", periods=2, freq="15min")
    values = {"REV": 50.0, "M": 30.0, "A": 10.0, "COOL": 8.0}
    energy = xr.DataArray(
        [[values[m]] * 2 for m in values],
        dims=("meter", "time"),
        coords={"meter": list(values), "time": time},
    ).pint.quantify("kWh", unit_registry=ureg)
    split = attribute(energy, site, pd.Timedelta(minutes=15))
    shared = split.shared.pint.to("kWh").pint.dequantify()
    assert shared.sel(workload="mining").values.tolist() == pytest.approx([2.8, 0.0])
    assert shared.sel(workload="ai").values.tolist() == pytest.approx([5.2, 8.0])
    total = split.total.sum("time").pint.to("kWh").pint.dequantify()
    assert float(total.sel(workload="mining")) == pytest.approx(65.8)
    assert float(total.sel(workload="ai")) == pytest.approx(34.2)
    assert float(total.sum()) == pytest.approx(100.0)


def test_schedule_rules_name_the_meter() -> None:
    with pytest.raises(ConfigError, match="'dedicated_to' goes with key 'dedicated'"):
        site_with([{"key": "dedicated", "version": "v1"}])
    with pytest.raises(ConfigError, match=r"COOL.*last allocation span must have no 'until'"):
        site_with([{**SCHEDULE[0]}])
    with pytest.raises(ConfigError, match="version"):
        site_with([{"key": "it-energy"}])
