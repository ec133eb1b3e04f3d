"""Energy and Scope 2 resting on imputed or estimated values (carbon.analysis.data_quality)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.analysis.data_quality import estimated_block, estimated_energy
from carbon.attribution.workloads import attribute
from carbon.core.flags import Flag
from carbon.core.units import ureg
from tests.conftest import tiny_site

Q = pd.Timedelta("15min")


def _outcome(flags: dict[str, list[int]]) -> SimpleNamespace:
    # one interval: REV 130, M 60 (mining), A 20 (ai), X 30 (7/15 mining), COOL 12 (it-energy)
    site = tiny_site()
    values = {"REV": [130.0], "M": [60.0], "A": [20.0], "X": [30.0], "COOL": [12.0]}
    coords = {"meter": list(values), "time": pd.date_range("2025-01-01", periods=1, freq=Q)}
    energy = xr.DataArray(list(values.values()), dims=("meter", "time"), coords=coords)
    energy = energy.pint.quantify("kWh", unit_registry=ureg)
    codes = np.array([flags.get(m, [0]) for m in values], dtype=np.int8)
    return SimpleNamespace(
        site=site,
        energy=energy,
        interval=Q,
        attribution=attribute(energy, site, Q),
        quality=SimpleNamespace(flags=xr.DataArray(codes, dims=("meter", "time"), coords=coords)),
    )


def _kwh(part: xr.DataArray) -> dict[str, float]:
    total = part.sum("time").pint.to("kWh").pint.magnitude
    return {str(w): float(v) for w, v in zip(part["workload"].values, total, strict=True)}


def test_nothing_estimated_rests_on_nothing() -> None:
    assert _kwh(estimated_energy(_outcome({}))) == {"mining": 0.0, "ai": 0.0, "other": 0.0}


def test_an_estimated_it_meter_follows_its_workload_shares() -> None:
    got = _kwh(estimated_energy(_outcome({"X": [int(Flag.IMPUTED_LINEAR)]})))
    assert got == pytest.approx({"mining": 14.0, "ai": 16.0, "other": 0.0})  # 30 split 7:8


def test_an_estimated_shared_meter_follows_the_it_energy_key() -> None:
    got = _kwh(estimated_energy(_outcome({"COOL": [int(Flag.SOURCE_ESTIMATED)]})))
    mining, ai = 60 + 14, 20 + 16
    assert got["mining"] == pytest.approx(12 * mining / (mining + ai))
    assert got["ai"] == pytest.approx(12 * ai / (mining + ai))


def test_an_estimated_revenue_meter_puts_the_residual_on_estimates() -> None:
    outcome = _outcome({"REV": [int(Flag.IMPUTED_LINEAR)]})
    got = _kwh(estimated_energy(outcome))
    residual = _kwh(outcome.attribution.residual)
    assert got == pytest.approx(residual)
    assert sum(got.values()) == pytest.approx(130 - 60 - 20 - 30 - 12)


def test_the_demo_block_states_shares_of_its_own_figures(demo_july) -> None:
    outcome, results = demo_july
    block = results["quality"]["estimated"]
    assert set(block["energy_kwh"]) == set(results["energy_kwh"])
    assert block["energy_kwh"]["total"] == 0.0  # the demo imputes nothing
    assert block["scope2_location_share"]["total"] == 0.0
    again = estimated_block(outcome, results)
    assert again == block


def test_estimated_revenue_readings_carry_location_and_market_based_shares(demo_july) -> None:
    outcome, results = demo_july
    flags = outcome.quality.flags.copy()
    flags.loc[{"meter": "REV"}] = int(Flag.SOURCE_ESTIMATED)  # every revenue reading estimated
    marked = dataclasses.replace(outcome, quality=dataclasses.replace(outcome.quality, flags=flags))
    block = estimated_block(marked, results)
    residual_kwh = float(outcome.attribution.residual.sum().pint.to("kWh").pint.magnitude)
    assert block["energy_kwh"]["total"] == pytest.approx(residual_kwh)
    for workload in ("mining", "ai"):
        share = block["energy_share"][workload]
        assert 0 < share < 0.1
        market = results["scope2_market_kgco2e"][workload] * share
        assert block["scope2_market_kgco2e"][workload] == pytest.approx(market)
        assert 0 < block["scope2_location_share"][workload] < 0.1
    lb = sum(block["scope2_location_kgco2e"][w] for w in ("mining", "ai", "other"))
    assert block["scope2_location_kgco2e"]["total"] == pytest.approx(lb)
