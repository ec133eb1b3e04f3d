"""The estimated-energy breakdown of a meter tree follows the attribution's key anchors: a
hall's own cooling meter, estimated by its source, is AI energy only, never split by the
site-wide IT key (docs/methodology.md §5.6, §6.1).

Site (1 hour of 15-minute intervals): revenue 3.0 kWh per interval; hall-ai (IT, ai) 1.2 kWh,
with below it cooling-ai (shared, it-energy key) 0.4 kWh; hall-mining (IT, mining) 1.2 kWh.
cooling-ai is marked ``estimated`` in its first two intervals. Its key anchor is hall-ai, whose
own IT energy (1.2 − 0.4 = 0.8 kWh) is all ai, so the estimated energy is 2 × 0.4 = 0.8 kWh of
ai and none of mining; the site-wide key (0.8 : 1.2) would have put 0.32 kWh on mining."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.analysis.data_quality import estimated_energy
from carbon.attribution.workloads import key_meters
from carbon.core.period import Period
from carbon.workflow.inputs import site_data

START = pd.Timestamp("2025-07-01T00:00:00Z")

SITE = """\
[site]
id = "nested-cooling"
name = "Nested cooling"
timezone = "UTC"
grid_region = "ERCT"

[[grid]]
source = "table"
path = "grid.csv"
region = "ERCOT (test)"

[[meters]]
id = "revenue"
role = "revenue"
file = "meters.csv"

[[meters]]
id = "hall-ai"
role = "it"
workload = "ai"
file = "meters.csv"

[[meters]]
id = "cooling-ai"
role = "shared"
parent = "hall-ai"
file = "meters.csv"

[[meters]]
id = "hall-mining"
role = "it"
workload = "mining"
file = "meters.csv"
"""


def _write(folder: Path) -> Path:
    pd.DataFrame(
        {
            "interval_start": pd.date_range(START, periods=3, freq="h").strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "intensity_gco2e_per_kwh": 400.0,
        }
    ).to_csv(folder / "grid.csv", index=False)
    rows = []
    for k, t in enumerate(pd.date_range(START, periods=4, freq="15min")):
        stamp = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows += [
            (stamp, "revenue", 3.0, "good"),
            (stamp, "hall-ai", 1.2, "good"),
            (stamp, "cooling-ai", 0.4, "estimated" if k < 2 else "good"),
            (stamp, "hall-mining", 1.2, "good"),
        ]
    pd.DataFrame(rows, columns=["interval_start", "meter_id", "energy_kwh", "quality"]).to_csv(
        folder / "meters.csv", index=False
    )
    (folder / "site.toml").write_text(SITE, encoding="utf-8")
    return folder / "site.toml"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    data = site_data(_write(tmp_path_factory.mktemp("nested")))
    return data.run(Period("2025-07-01", START, START + pd.Timedelta(hours=1)))


def test_a_nested_shared_meter_keys_on_the_it_meters_below_its_anchor(outcome):
    assert key_meters(outcome.site) == {"cooling-ai": ["hall-ai"]}
    part = estimated_energy(outcome)
    got = dict(
        zip(
            [str(w) for w in part["workload"].values],
            np.asarray(part.sum("time").pint.to("kWh").pint.magnitude, dtype=float),
            strict=True,
        )
    )
    assert got["ai"] == pytest.approx(0.8, rel=1e-12)
    assert got["mining"] == 0.0
    assert got["other"] == 0.0


def test_the_attribution_sends_the_same_cooling_to_ai(outcome):
    shared = outcome.attribution.shared.sum("time").pint.to("kWh").pint.magnitude
    workloads = [str(w) for w in outcome.attribution.shared["workload"].values]
    got = dict(zip(workloads, shared, strict=True))
    assert float(got["ai"]) == pytest.approx(4 * 0.4, rel=1e-12)
    assert float(got["mining"]) == 0.0
