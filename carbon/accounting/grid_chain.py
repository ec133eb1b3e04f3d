"""Several hourly grid sources in one location-based hierarchy (docs/methodology.md §1.2).

A site may declare more than one ``[[grid]]`` source, most specific first. Interval
by interval, the first source with a usable value (present and not flagged
missing) supplies the factor; only where none has one does the hierarchy fall to
the eGRID subregion annual rate, then the national rate
(:func:`carbon.accounting.location.apply_factor_hierarchy`). Which source supplied each
interval is recorded, and the report gives the MWh share per source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.location import hold_positions
from carbon.core.errors import ConfigError
from carbon.core.flags import Flag
from carbon.core.units import ureg
from carbon.ingest.grid_table import GridIntensity

__all__ = ["NO_SOURCE", "SourceChain", "chain_grids", "chain_sources", "source_shares"]

#: Source index of an interval no hourly source covers (a fallback level is used).
NO_SOURCE = -1


@dataclass(frozen=True)
class SourceChain:
    """The combined hourly series and, per interval, which source supplied it."""

    intensity: xr.DataArray  # (time,) [g CO2e/kWh] on the energy's intervals; NaN = none usable
    source_index: xr.DataArray  # (time,) int8: index into `sources`, NO_SOURCE where none
    sources: tuple[str, ...]  # description of each source, in the site file's order


def _usable_on(grid: GridIntensity, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values [g CO2e/kWh] and the usable mask of one source on `times`: each time takes the
    value of the source interval that holds it (held constant over the interval)."""
    at = hold_positions(grid.intensity.indexes["time"], grid.resolution, pd.DatetimeIndex(times))
    magnitude = np.asarray(grid.intensity.pint.to("g CO2e/kWh").pint.magnitude, dtype="float64")
    inside = at >= 0
    v = (
        np.where(inside, magnitude[np.maximum(at, 0)], np.nan)
        if len(magnitude)
        else np.full(len(at), np.nan)
    )
    flag_codes = np.asarray(grid.flags.values)
    codes = (
        np.where(inside, flag_codes[np.maximum(at, 0)], int(Flag.GAP))
        if len(flag_codes)
        else np.full(len(at), int(Flag.GAP))
    )
    ok = np.isfinite(v) & (codes != int(Flag.SOURCE_MISSING)) & (codes != int(Flag.GAP))
    return v, ok


def chain_sources(grids: Sequence[GridIntensity], times: xr.DataArray) -> SourceChain:
    """The first usable value of `grids` (in order) for every interval of `times`.

    Every source must have the same resolution (the factor intervals of the
    report); a source on another resolution is refused rather than re-binned.
    """
    if not grids:
        raise ConfigError("no grid source to chain")
    resolution = grids[0].resolution
    for g in grids[1:]:
        if g.resolution != resolution:
            raise ConfigError(
                f"grid source {g.record.path!r} has {g.resolution} intervals, the first source "
                f"{grids[0].record.path!r} {resolution}; chained sources must share one resolution"
            )
    t = times.values
    combined = np.full(len(t), np.nan)
    index = np.full(len(t), NO_SOURCE, dtype=np.int8)
    for k, grid in enumerate(grids):  # loops over sources, never readings
        values, ok = _usable_on(grid, t)
        take = ok & (index == NO_SOURCE)
        combined[take] = values[take]
        index[take] = k
    coords = {"time": t}
    return SourceChain(
        intensity=xr.DataArray(combined, dims=("time",), coords=coords).pint.quantify(
            "g CO2e/kWh", unit_registry=ureg
        ),
        source_index=xr.DataArray(index, dims=("time",), coords=coords, name="grid_source"),
        sources=tuple(f"{g.source} ({g.record.path})" for g in grids),
    )


def chain_grids(
    grid: GridIntensity,
    more: Sequence[GridIntensity],
    times: xr.DataArray,
    interval: pd.Timedelta,
) -> SourceChain:
    """Chain the site's first grid source with the further ones on `times` (the factor
    intervals, or the finer common grid of a grid finer than the `interval` of the meters:
    :mod:`carbon.accounting.alignment`)."""
    return chain_sources([grid, *more], times)


def source_shares(
    chain: SourceChain | None, energy: xr.DataArray, emissions: xr.DataArray
) -> dict[str, Any]:
    """MWh, share of MWh, intervals and kg CO2e per hourly source (results.json numbers).

    `energy` and `emissions` are ``(workload, time)`` on the chain's intervals [kWh],
    [kg CO2e]. Without a chain (one source) the result is empty.
    """
    if chain is None:
        return {}
    e = energy.sum("workload").pint.to("MWh").pint.magnitude
    kg = emissions.sum("workload").pint.to("kg CO2e").pint.magnitude
    idx = np.asarray(chain.source_index.values)
    total = float(np.sum(e))
    rows = []
    for k, name in enumerate(chain.sources):
        mask = idx == k
        mwh = float(np.sum(np.where(mask, e, 0.0)))
        rows.append(
            {
                "source": name,
                "order": k + 1,
                "mwh": mwh,
                "share": mwh / total if total else None,
                "intervals": int(mask.sum()),
                "kgco2e": float(np.sum(np.where(mask, kg, 0.0))),
            }
        )
    first = pd.DatetimeIndex(chain.source_index["time"].values)
    return {
        "hourly_sources": rows,
        "hourly_source_rule": "per interval, the first source in the site file's order with a "
        f"usable value ({len(chain.sources)} sources, {first.size} intervals)",
    }
