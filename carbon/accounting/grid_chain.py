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

__all__ = [
    "NO_SOURCE",
    "SourceChain",
    "chain_grids",
    "chain_sources",
    "source_shares",
    "source_status",
]

#: Source index of an interval no hourly source covers (a fallback level is used).
NO_SOURCE = -1


@dataclass(frozen=True)
class SourceChain:
    """The combined hourly series and, per interval, which source supplied it."""

    intensity: xr.DataArray  # (time,) [g CO2e/kWh] on the energy's intervals; NaN = none usable
    source_index: xr.DataArray  # (time,) int8: index into `sources`, NO_SOURCE where none
    sources: tuple[str, ...]  # description of each source, in the site file's order


#: Why a source gives no usable value for an interval (0: it gives one), per source and
#: interval (docs/methodology.md §1.2, location-based tiers).
USABLE, OUTSIDE_SPAN, NO_ROW, FLAGGED_MISSING, NO_VALUE = 0, 1, 2, 3, 4


def source_status(grid: GridIntensity, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values [g CO2e/kWh] of one source on `times` (each time takes the value of the source
    interval that holds it, held constant over the interval) and, per time, why the value is
    not usable: :data:`USABLE`, :data:`OUTSIDE_SPAN` (before or after the source's span),
    :data:`NO_ROW` (a hole in the file), :data:`FLAGGED_MISSING` (the source flags it
    missing) or :data:`NO_VALUE` (a row without a value)."""
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
    status = np.select(
        [~inside, codes == int(Flag.GAP), codes == int(Flag.SOURCE_MISSING), ~np.isfinite(v)],
        [OUTSIDE_SPAN, NO_ROW, FLAGGED_MISSING, NO_VALUE],
        USABLE,
    ).astype(np.int8)
    return v, status


def _usable_on(grid: GridIntensity, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values [g CO2e/kWh] and the usable mask of one source on `times`."""
    v, status = source_status(grid, times)
    return v, status == USABLE


def chain_sources(grids: Sequence[GridIntensity], times: xr.DataArray) -> SourceChain:
    """The first usable value of `grids` (in order) for every interval of `times`.

    `times` must be no coarser than any source (sources of several resolutions are read on
    their finest common grid: :mod:`carbon.accounting.alignment`); a source finer than
    `times` is refused rather than sampled.
    """
    if not grids:
        raise ConfigError("no grid source to chain")
    t = times.values
    spacing = pd.Timedelta(t[1] - t[0]) if len(t) > 1 else pd.Timedelta(0)
    for g in grids:
        if spacing > g.resolution:
            raise ConfigError(
                f"grid source {g.record.path!r} has {g.resolution} intervals, finer than the "
                f"{spacing} intervals it would be read on; chained sources are read on the "
                "finest common grid, never sampled"
            )
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
