"""PDU power sampled at jittered instants, read from a site file: the long CSV stamped
``timestamp`` with a ``power_kw`` column is integrated by the trapezoid rule and put on the
15-minute grid by time overlap (docs/methodology.md §6.2). Hand values below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.workflow.inputs import site_data

START = pd.Timestamp("2025-07-01T00:00:00Z")
DAY = Period("2025-07-01", START, START + pd.Timedelta(days=1))
SECOND = pd.Timedelta(seconds=1)

SITE = """\
[site]
id = "pdu-power"
name = "PDU power samples"
timezone = "UTC"
grid_region = "ERCT"

[[grid]]
source = "table"
path = "grid.csv"
region = "ERCOT (test)"

[[meters]]
id = "revenue"
role = "revenue"
file = "revenue.csv"

[[meters]]
id = "pdu-ramp"
role = "it"
workload = "ai"
file = "pdu_power.csv"

[[meters]]
id = "pdu-flat"
role = "it"
workload = "mining"
file = "pdu_power.csv"
"""


def _ramp_kw(t: pd.DatetimeIndex) -> np.ndarray:
    """pdu-ramp draws 10 kW + 2 kW per hour since START: linear, so the trapezoid is exact."""
    return 10.0 + 2.0 * ((t - START) / pd.Timedelta(hours=1))


def _write(folder: Path) -> Path:
    hours = pd.date_range(START, periods=26, freq="h")
    pd.DataFrame(
        {"interval_start": hours.strftime("%Y-%m-%dT%H:%M:%SZ"), "intensity_gco2e_per_kwh": 400.0}
    ).to_csv(folder / "grid.csv", index=False)
    quarters = pd.date_range(START, periods=96, freq="15min")
    pd.DataFrame(
        {
            "interval_start": quarters.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "meter_id": "revenue",
            "energy_kwh": 25.0,
        }
    ).to_csv(folder / "revenue.csv", index=False)
    # pdu-ramp: every 15 minutes at hh:mm:17, jittered by a fixed −4 … +4 s pattern
    ramp = pd.date_range(START - pd.Timedelta(minutes=15), periods=99, freq="15min")
    ramp = ramp + pd.Timedelta(seconds=17) + pd.to_timedelta(np.arange(99) % 9 - 4, unit="s")
    # pdu-flat: 4 kW every 5 minutes at hh:mm:20; the samples at 00:20, 00:25, 00:30 are lost
    flat = pd.date_range(START - pd.Timedelta(minutes=5), periods=292, freq="5min")
    flat = flat + pd.Timedelta(seconds=20)
    flat = flat[~flat.isin([START + pd.Timedelta(minutes=m, seconds=20) for m in (20, 25, 30)])]
    rows = pd.concat(
        [
            pd.DataFrame({"timestamp": ramp, "meter_id": "pdu-ramp", "power_kw": _ramp_kw(ramp)}),
            pd.DataFrame({"timestamp": flat, "meter_id": "pdu-flat", "power_kw": 4.0}),
        ]
    ).sort_values("timestamp")
    rows["timestamp"] = rows["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    rows.to_csv(folder / "pdu_power.csv", index=False, float_format="%.12g")
    site = folder / "site.toml"
    site.write_text(SITE, encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    return site_data(_write(tmp_path_factory.mktemp("pdu"))).run(DAY)


def _kwh(data) -> np.ndarray:
    return np.asarray(data.pint.to("kWh").pint.magnitude, dtype=float)


def test_a_linear_power_ramp_sampled_off_the_grid_integrates_exactly(outcome):
    got = _kwh(outcome.energy.sel(meter="pdu-ramp"))
    # ∫ (10 + 2h) dh over [k/4, (k+1)/4) = 2.5 + (k+1)²/16 − k²/16 = 2.5 + (2k + 1)/16
    k = np.arange(96)
    assert got[:4] == pytest.approx([2.5625, 2.6875, 2.8125, 2.9375], rel=1e-9)
    assert got == pytest.approx(2.5 + (2 * k + 1) / 16, rel=1e-9)
    flags = np.asarray(outcome.quality.flags.sel(meter="pdu-ramp").values)
    assert (flags == int(Flag.MEASURED)).all()


def test_lost_samples_leave_a_gap_with_partial_coverage_at_its_edges(outcome):
    got = _kwh(outcome.energy.sel(meter="pdu-flat"))
    flags = np.asarray(outcome.quality.flags.sel(meter="pdu-flat").values)
    # the span 00:15:20 → 00:35:20 (20 min > 3 × 5 min) is a gap: 00:15–00:30 holds only
    # 00:15:00–00:15:20, 00:30–00:45 only 00:35:20–00:45:00, both at 4 kW
    assert got[1] == pytest.approx(4.0 * 20 / 3600, rel=1e-9)
    assert got[2] == pytest.approx(4.0 * (9 * 60 + 40) / 3600, rel=1e-9)
    assert flags[1] == flags[2] == int(Flag.PARTIAL)
    others = np.r_[0, 3:96]
    assert got[others] == pytest.approx(np.full(94, 1.0), rel=1e-9)  # 4 kW × 15 min
    assert (flags[others] == int(Flag.MEASURED)).all()


def test_the_attribution_keeps_what_the_gap_lost_in_the_unmetered_residual(outcome):
    split = outcome.attribution
    it = dict(
        zip([str(w) for w in split.it["workload"].values], _kwh(split.it.sum("time")), strict=True)
    )
    # ∫ (10 + 2h) dh over a day = 240 + 576 = 816 kWh; pdu-flat 96 kWh less the gap's 20 min
    assert it["ai"] == pytest.approx(816.0, rel=1e-9)
    lost = 4.0 * 20 / 60  # 00:15:20 → 00:35:20 at 4 kW
    assert it["mining"] == pytest.approx(96.0 - lost, rel=1e-9)
    assert float(_kwh(split.total.sum())) == pytest.approx(25.0 * 96, rel=1e-12)
