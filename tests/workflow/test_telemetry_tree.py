"""A three-level meter tree (revenue → hall → PDUs → GPUs) read from jittered telemetry,
through the site-file pipeline. Hand values: tests/workflow/telemetry_site.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carbon.analysis.activity import telemetry_hashrate
from carbon.analysis.sector import realised_efficiency
from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.workflow.inputs import site_data
from tests.workflow.telemetry_site import START, write_site

DAY = Period("2025-07-01", START, START + pd.Timedelta(days=1))


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    site = write_site(tmp_path_factory.mktemp("tree"), days=1)
    return site_data(site).run(DAY)


def _kwh(data) -> np.ndarray:
    return np.asarray(data.pint.to("kWh").pint.magnitude, dtype=float)


def test_jittered_gpu_scrapes_and_pdu_registers_land_on_the_15_minute_grid(outcome):
    energy = outcome.energy.sel(time=outcome.energy["time"])  # the day's 96 intervals
    assert energy.sizes["time"] == 96
    for gpu in ("gpu-1a", "gpu-1b", "gpu-2a", "gpu-2b"):  # 700 W × 15 min = 0.175 kWh
        assert _kwh(energy.sel(meter=gpu)) == pytest.approx(np.full(96, 0.175), rel=1e-9)
    for pdu in ("pdu-1", "pdu-2"):  # 2.0 kW × 15 min; registers written to 1e-9 kWh
        assert _kwh(energy.sel(meter=pdu)) == pytest.approx(np.full(96, 0.5), rel=1e-7)
    assert _kwh(energy.sel(meter="miner-1")) == pytest.approx(np.full(96, 0.75), rel=1e-9)
    assert (np.asarray(outcome.quality.flags.values) == int(Flag.MEASURED)).all()


def test_attributed_energy_sums_to_metered_without_double_counting(outcome):
    split = outcome.attribution
    total = _kwh(split.total.sum("time"))
    workloads = [str(w) for w in split.total["workload"].values]
    got = dict(zip(workloads, total, strict=True))
    # IT: ai = hall-ai 4.2 kW (GPUs 2.8 + PDU remainders 1.2 + hall remainder 0.2), mining 3.0
    it = dict(zip(workloads, _kwh(split.it.sum("time")), strict=True))
    assert it["ai"] == pytest.approx(4.2 * 24, rel=1e-9)
    assert it["mining"] == pytest.approx(3.0 * 24, rel=1e-9)
    # cooling 24 kWh and unmetered 7.2 kWh pro rata to IT 100.8 : 72
    assert got["ai"] == pytest.approx(100.8 + 24 * 100.8 / 172.8 + 7.2 * 100.8 / 172.8)
    assert got["mining"] == pytest.approx(72 + 24 * 72 / 172.8 + 7.2 * 72 / 172.8)
    assert sum(total) == pytest.approx(_kwh(split.revenue.sum()), rel=1e-12)
    assert float(_kwh(split.revenue.sum())) == pytest.approx(8.5 * 24)


def test_every_level_is_reconciled(outcome):
    found = {r.parent: r for r in outcome.reconciliation}
    assert set(found) == {"revenue", "hall-ai", "pdu-1", "pdu-2", "hall-mining"}
    assert found["pdu-1"].residual_kwh == pytest.approx((2.0 - 1.4) * 24, rel=1e-7)
    assert found["hall-ai"].residual_kwh == pytest.approx((4.2 - 4.0) * 24)
    assert all(r.breaches == 0 for r in found.values())


def test_miner_hashes_give_the_realised_j_per_th(outcome):
    hashrate, words = telemetry_hashrate(outcome.hashes, pd.Timedelta(days=1))
    assert float(hashrate.to("TH/s").magnitude) == pytest.approx(150.0)
    assert "miner-1" in words and "100.0%" in words
    mining_it = outcome.attribution.it.sel(workload="mining")
    realised = realised_efficiency(mining_it, hashrate, pd.Timedelta(days=1))
    assert float(realised.value.to("J/TH").magnitude) == pytest.approx(20.0)  # 3 kW / 150 TH/s
