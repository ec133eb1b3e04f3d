"""A site's marginal emission-rate series (WattTime MOER) on the meter intervals.

Used only for the avoided emissions of curtailment (docs/methodology.md §8); a marginal
rate never enters the inventory, and this module hands it to nothing else.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable
from carbon.ingest.grid_watttime import read_watttime
from carbon.site.model import SiteConfig
from carbon.site.paths import resolve_input

__all__ = ["marginal_on_intervals", "read_marginal"]


def read_marginal(site: SiteConfig, base: Path) -> GridTable | None:
    """The site's declared ``[marginal_rate]`` series, or None when none is declared."""
    declared = site.marginal_rate
    if declared is None:
        return None
    path = resolve_input(
        Path(base),
        declared.path,
        what="[marginal_rate] path",
        key="marginal_rate.path",
        allow_outside=site.allow_paths_outside,
    )
    table = read_watttime(path, region=declared.region)
    if table.kind != "marginal":
        raise ConfigError(
            f"[marginal_rate] {declared.path}: a {table.kind} series; avoided emissions need a "
            "marginal rate (WattTime co2_moer)"
        )
    return table


def marginal_on_intervals(
    table: GridTable, times: pd.DatetimeIndex, interval: pd.Timedelta
) -> xr.DataArray:
    """The marginal rate of every meter interval ``(time,)`` in the table's unit.

    A finer series is averaged over the meter interval (every sub-interval
    needed; otherwise NaN); a coarser one gives each meter interval the value of
    the interval it falls in. Values the source marks missing are NaN, never filled.
    """
    frame = table.frame
    stamps = pd.DatetimeIndex(frame["interval_start"]).tz_convert("UTC").tz_localize(None)
    values = frame["value"].to_numpy(dtype=float)
    values = np.where(frame["flag"].to_numpy() == int(Flag.SOURCE_MISSING), np.nan, values)
    series = pd.Series(values, index=stamps).sort_index()
    if series.index.has_duplicates:
        raise InputDataError(f"{table.record.path}: repeated marginal-rate timestamps")
    wanted = pd.DatetimeIndex(times)
    if table.resolution <= interval:
        if interval % table.resolution != pd.Timedelta(0):
            raise InputDataError(
                f"{table.record.path}: a {table.resolution} marginal series does not divide the "
                f"{interval} meter interval"
            )
        per = int(interval / table.resolution)
        grouped = series.groupby(series.index.floor(interval))
        mean = grouped.mean().where(grouped.count() == per)
        out = mean.reindex(wanted)
    else:
        out = series.reindex(wanted.floor(table.resolution))
    return xr.DataArray(
        out.to_numpy(dtype=float), dims=("time",), coords={"time": wanted}
    ).pint.quantify(table.unit)
