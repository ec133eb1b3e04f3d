"""The grid's carbon-free share chained across [[grid]] sources (METHODOLOGY §2.2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.accounting.grid_cfe import NO_SOURCE, chain_cfe
from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord
from carbon.core.units import parse_unit, ureg
from carbon.ingest.grid_table import grid_from_table

HOUR = pd.Timedelta("1h")


def _grid(name: str, starts: pd.DatetimeIndex, share: np.ndarray | None, step: str = "1h"):
    frame = pd.DataFrame(
        {
            "interval_start": starts.tz_localize("UTC"),
            "value": np.full(len(starts), 300.0),
            "flag": np.full(len(starts), int(Flag.MEASURED), dtype=np.int8),
            "line": np.arange(2, len(starts) + 2, dtype=np.int64),
        }
    )
    meta = {}
    if share is not None:
        frame["cfe_share"] = share
        meta["cfe_basis"] = f"{name}'s carbon-free set"
    return grid_from_table(
        GridTable(
            frame=frame,
            unit=parse_unit("g CO2e/kWh"),
            region="TEST",
            gas="CO2e",
            basis="direct",
            kind="average",
            resolution=pd.Timedelta(step),
            record=InputRecord(name, "00" * 32, len(frame), None, None, "grid"),
            meta=meta,
        )
    )


def _times(n: int, step: str = "1h") -> xr.DataArray:
    t = pd.date_range("2025-01-01", periods=n, freq=step)
    return xr.DataArray(t, dims="time", coords={"time": t})


def _values(chain) -> np.ndarray:
    return np.asarray(chain.share.pint.to("dimensionless").pint.magnitude)


def test_first_source_with_a_share_fills_each_hour():
    hours = pd.date_range("2025-01-01", periods=6, freq="h")
    a = np.array([0.1, np.nan, 0.3, np.nan, 0.5, 0.6])
    b = np.array([0.9, 0.8, 0.7, np.nan, 0.9, 0.9])
    chain = chain_cfe([_grid("a.csv", hours, a), _grid("b.csv", hours, b)], _times(6), HOUR)
    assert _values(chain)[[0, 1, 2, 4, 5]].tolist() == [0.1, 0.8, 0.3, 0.5, 0.6]
    assert np.isnan(_values(chain)[3])
    assert chain.source_index.values.tolist() == [0, 1, 0, NO_SOURCE, 0, 0]
    assert chain.missing == 1 and chain.usable_share() is None
    assert "no grid carbon-free share for 1 of 6 intervals (first 2025-01-01T03:00:00Z)" in (
        chain.reason()
    )


def test_a_source_without_a_share_is_passed_over_and_named():
    hours = pd.date_range("2025-01-01", periods=3, freq="h")
    first = _grid("eia.csv", hours, None)
    second = _grid("em.csv", hours, np.array([0.2, 0.4, 0.6]))
    chain = chain_cfe([first, second], _times(3), HOUR)
    assert chain.complete and chain.source_index.values.tolist() == [1, 1, 1]
    load = xr.DataArray([1.0, 2.0, 3.0], dims="time").pint.quantify("MWh", unit_registry=ureg)
    summary = chain.summary(load)
    assert summary["source"].endswith("(em.csv)") and summary["available"]
    assert [r["intervals"] for r in summary["sources"]] == [0, 3]
    assert summary["sources"][0]["carbon_free_basis"] is None
    assert summary["sources"][1]["mwh"] == 6.0


def test_several_sources_are_each_named_with_their_hours():
    hours = pd.date_range("2025-01-01", periods=4, freq="h")
    a = _grid("a.csv", hours, np.array([0.5, np.nan, 0.5, 0.5]))
    b = _grid("b.csv", hours, np.full(4, 0.1))
    load = xr.DataArray(np.ones(4), dims="time").pint.quantify("kWh", unit_registry=ureg)
    summary = chain_cfe([a, b], _times(4), HOUR).summary(load)
    assert summary["source"] == (
        "a.csv (TEST, hourly average) (a.csv) (3 intervals); "
        "b.csv (TEST, hourly average) (b.csv) (1 intervals)"
    )


def test_no_source_with_a_share_gives_the_reason():
    hours = pd.date_range("2025-01-01", periods=2, freq="h")
    chain = chain_cfe([_grid("eia.csv", hours, None)], _times(2), HOUR)
    assert chain.usable_share() is None
    assert "no [[grid]] source of the site gives a carbon-free share" in chain.reason()


def test_half_hourly_source_is_averaged_over_the_hour():
    halves = pd.date_range("2025-01-01", periods=6, freq="30min")
    share = np.array([0.2, 0.4, 0.5, 0.5, 0.1, np.nan])
    chain = chain_cfe([_grid("neso.json", halves, share, "30min")], _times(3), HOUR)
    values = _values(chain)
    assert values[:2].tolist() == pytest.approx([0.3, 0.5])
    assert np.isnan(values[2])  # one half-hour without a share: the hour has none


def test_hourly_source_gives_its_value_to_quarter_hours():
    hours = pd.date_range("2025-01-01", periods=2, freq="h")
    grid = _grid("em.csv", hours, np.array([0.25, 0.75]))
    chain = chain_cfe([grid], _times(8, "15min"), pd.Timedelta("15min"))
    assert _values(chain).tolist() == [0.25] * 4 + [0.75] * 4


def test_step_not_divisible_is_refused():
    starts = pd.date_range("2025-01-01", periods=6, freq="10min")
    grid = _grid("odd.csv", starts, np.full(6, 0.5), "10min")
    with pytest.raises(ConfigError, match="do not divide"):
        chain_cfe([grid], _times(4, "15min"), pd.Timedelta("15min"))


def test_share_outside_zero_to_one_is_refused_naming_the_line():
    hours = pd.date_range("2025-01-01", periods=3, freq="h")
    with pytest.raises(InputDataError, match=r"x.csv: line 3: carbon-free share 1.2"):
        _grid("x.csv", hours, np.array([0.5, 1.2, 0.5]))
