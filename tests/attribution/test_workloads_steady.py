"""IT energy per workload without the dense share array equals the dense formula.

``attribution.it_by_workload`` sends meters whose workload does not change inside the window
through a (meter x workload) matrix and only the changing ones through per-interval shares;
``(energy * workload_shares).sum("meter")`` is the definition it must reproduce.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.attribution.workloads import fixed_workloads, it_by_workload, workload_shares
from carbon.core.units import ureg
from carbon.demo import site as demo

STEP = pd.Timedelta("15min")


# the demo hall converts at 2025-06-14 17:00 UTC: windows before it, across it, starting on
# it, starting with an interval that straddles it, and after it
@pytest.mark.parametrize(
    "start", ["2025-05-01", "2025-06-13", "2025-06-14 17:00", "2025-06-14 16:52", "2025-07-01"]
)
def test_matches_the_dense_shares(start: str) -> None:
    site = demo.demo_site()
    ids = [m.id for m in site.meters_with_role("it")]
    time = pd.date_range(start, periods=4 * 24 * 3, freq=STEP)
    energy = xr.DataArray(
        np.random.default_rng(1).random((len(ids), time.size)),
        dims=("meter", "time"),
        coords={"meter": ids, "time": time},
    ).pint.quantify("kWh", unit_registry=ureg)
    got = it_by_workload(energy, site, time, STEP)
    want = (energy.pint.dequantify() * workload_shares(site, time, STEP)).sum("meter")
    assert got.pint.units == ureg.kWh
    np.testing.assert_allclose(
        got.pint.dequantify().transpose("workload", "time").values,
        want.transpose("workload", "time").values,
        rtol=1e-13,
        atol=0.0,
    )


def test_a_meter_changing_inside_the_window_is_not_fixed() -> None:
    site = demo.demo_site()
    switching = [m.id for m in site.meters_with_role("it") if not isinstance(m.workload, str)]
    assert switching  # the demo converts a hall
    across = pd.date_range("2025-06-10", "2025-06-20", freq=STEP, inclusive="left")
    before = pd.date_range("2025-05-01", "2025-05-10", freq=STEP, inclusive="left")
    assert not set(switching) & set(fixed_workloads(site, across, STEP))
    assert set(switching) <= set(fixed_workloads(site, before, STEP))
