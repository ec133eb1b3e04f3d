"""Sites with 15-minute meters and a 5-minute (WattTime) or 30-minute (NESO) grid report, and
their location-based Scope 2 equals an independent calculation (docs/methodology.md §2.4)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.period import month
from carbon.workflow.inputs import site_data
from tests.integration.subhourly_sites import NESO_FILE, WATTTIME_FILE, write_site

LB_PER_MWH_TO_G_PER_KWH = 0.45359237


def _revenue(folder: Path) -> pd.Series:
    """The revenue meter's kWh per 15-minute interval, indexed by UTC interval start."""
    frame = pd.read_csv(folder / "meters.csv")
    rev = frame[frame["meter_id"] == "REV"]
    index = pd.to_datetime(rev["interval_start"], utc=True)
    return pd.Series(rev["energy_kwh"].to_numpy(), index=pd.DatetimeIndex(index)).sort_index()


def _grid(folder: Path, kind: str) -> pd.Series:
    """The grid intensity [g CO2e/kWh] per source interval, read with pandas and json only."""
    if kind == "watttime":
        frame = pd.read_csv(folder / "grid" / WATTTIME_FILE)
        index = pd.DatetimeIndex(pd.to_datetime(frame["point_time"], utc=True))
        return pd.Series(frame["value"].to_numpy() * LB_PER_MWH_TO_G_PER_KWH, index=index)
    rows = json.loads((folder / "grid" / NESO_FILE).read_text(encoding="utf-8"))["data"]
    values = [
        r["intensity"]["actual"]
        if r["intensity"]["actual"] is not None
        else r["intensity"]["forecast"]
        for r in rows
    ]
    index = pd.DatetimeIndex(pd.to_datetime([r["from"] for r in rows], utc=True))
    return pd.Series(np.asarray(values, dtype=float), index=index)


def _independent(folder: Path, kind: str) -> pd.Series:
    """kg CO2e per 15-minute meter interval: energy × the intensity over the interval (the
    mean of the three 5-minute values; the held 30-minute value)."""
    rev, grid = _revenue(folder), _grid(folder, kind)
    if kind == "watttime":
        factor = grid.resample("15min").mean().reindex(rev.index)
    else:
        factor = grid.reindex(rev.index.floor("30min")).set_axis(rev.index)
    assert not factor.isna().any()
    return rev * factor / 1000.0


@pytest.fixture(scope="module", params=["watttime", "neso"])
def site_run(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    data = site_data(write_site(folder, request.param))
    outcome = data.run(month("2024-02", data.site.site.timezone))
    return request.param, folder, outcome


def test_location_based_equals_the_independent_sum(site_run) -> None:
    kind, folder, outcome = site_run
    expected = _independent(folder, kind)
    total = float(outcome.hourly_emissions.sum().pint.to("kg CO2e").pint.magnitude)
    assert total == pytest.approx(expected.sum(), rel=1e-9)
    # the factor grid: the meter interval against a finer grid, the grid's own against a coarser
    step = {"watttime": pd.Timedelta("15min"), "neso": pd.Timedelta("30min")}[kind]
    assert outcome.factor_step == step
    times = pd.DatetimeIndex(outcome.hourly_emissions["time"].values)
    assert (times[1:] - times[:-1] == step).all()
    # sub-hourly basis, interval by interval
    mine = outcome.hourly_emissions.sum("workload").pint.to("kg CO2e").pint.magnitude
    theirs = expected.groupby(expected.index.floor(step)).sum()
    np.testing.assert_allclose(np.asarray(mine), theirs.to_numpy(), rtol=1e-9)
    # the energy is the metered energy, summed, never split
    kwh = float(outcome.hourly_energy.sum().pint.to("kWh").pint.magnitude)
    assert kwh == pytest.approx(_revenue(folder).sum(), rel=1e-12)


def test_hourly_basis_equals_the_independent_sum(site_run) -> None:
    kind, folder, outcome = site_run
    expected = _independent(folder, kind)
    by_hour = expected.groupby(expected.index.floor("1h")).sum()
    mine = outcome.hourly_emissions.sum("workload").pint.to("kg CO2e").pint.dequantify()
    mine_h = mine.to_series().groupby(pd.DatetimeIndex(mine["time"].values).floor("1h")).sum()
    np.testing.assert_allclose(mine_h.to_numpy(), by_hour.to_numpy(), rtol=1e-9)
    # market-based runs on clock hours; with no instrument and no residual mix every hour takes
    # the grid average, whose energy-weighted hourly rate gives back the location-based sum
    market = outcome.scopes.market
    assert len(market.load["time"]) == len(by_hour)
    assert set(np.asarray(market.remainder_source.values).tolist()) == {"grid_average"}
    hourly_mb = np.asarray(market.total_hourly.pint.to("kg CO2e").pint.magnitude)
    np.testing.assert_allclose(hourly_mb, by_hour.to_numpy(), rtol=1e-9)


def test_the_report_states_the_alignment(tmp_path: Path) -> None:
    site = write_site(tmp_path, "watttime")
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(site),
            "--period",
            "2024-02",
            "--out",
            str(tmp_path / "r"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    grid = results["grid_intensity_gco2e_per_kwh"]
    assert grid["resolution"] == "5-minute"
    assert grid["coarsened_to_meter_interval"] is True
    assert "common 5-minute grid" in grid["alignment"] and "time-weighted" in grid["alignment"]
    expected = _independent(tmp_path, "watttime").sum()
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(expected, rel=1e-9)
    assert results["scope2_location_factor_levels"]["interval"] == "15-minute"
