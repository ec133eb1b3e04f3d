"""The grid's carbon-free share ``c_h`` of every load interval, chained across the site's
``[[grid]]`` sources like the intensity (docs/methodology.md §2.5).

Interval by interval, the first source (in the site file's order) with a usable share
supplies ``c_h``; which source that was is recorded. A source on finer intervals than the
load gives the mean of its sub-intervals (flat load inside the interval, as for the
intensity; any sub-interval without a share leaves the interval without one); a coarser
source gives its value to each interval inside its own. Google's CFE% needs ``c_h`` for
every hour: where some intervals have no share from any source, CFE% is not available and
the reason (how many intervals, the first one) is kept, never a figure over part of the
period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import ConfigError
from carbon.core.units import ureg
from carbon.factors.carbon_free import CARBON_FREE_SET
from carbon.ingest.grid_table import GridIntensity

__all__ = ["NO_SOURCE", "CfeChain", "chain_cfe"]

#: Source index of an interval no source gives a carbon-free share for.
NO_SOURCE = -1


@dataclass(frozen=True)
class CfeChain:
    """The grid's carbon-free share on the load's intervals and, per interval, its source."""

    share: xr.DataArray  # (time,) [dimensionless] 0..1; NaN where no source has one
    source_index: xr.DataArray  # (time,) int8 index into `sources`; NO_SOURCE where none
    sources: tuple[str, ...]  # every [[grid]] source, in the site file's order
    bases: tuple[str, ...]  # what each source counts as carbon-free ("" = gives no share)

    @property
    def missing(self) -> int:
        """Intervals without a share from any source."""
        return int((np.asarray(self.source_index.values) == NO_SOURCE).sum())

    @property
    def complete(self) -> bool:
        return self.missing == 0

    def usable_share(self) -> xr.DataArray | None:
        """``c_h`` for the CFE% when every interval has one, else None (never partial)."""
        return self.share if self.complete else None

    def reason(self) -> str | None:
        """Why CFE% is not available, or None when it is."""
        if self.complete:
            return None
        idx = np.asarray(self.source_index.values)
        first = pd.Timestamp(self.share["time"].values[int(np.argmax(idx == NO_SOURCE))])
        given = [s for s, b in zip(self.sources, self.bases, strict=True) if b]
        if not given:
            return (
                "no [[grid]] source of the site gives a carbon-free share (an Electricity "
                "Maps, EIA-930, ENTSO-E or NESO regional file does)"
            )
        have = f"the sources with a share ({'; '.join(given)}) do not cover them"
        return (
            f"no grid carbon-free share for {self.missing} of {idx.size} intervals (first "
            f"{first.isoformat()}Z): {have}; Google CFE% needs a share for every hour and is "
            "not computed over part of the period"
        )

    def summary(self, load: xr.DataArray) -> dict[str, Any]:
        """The results block: per source the intervals and MWh whose share it gave, the
        source of the CFE% (one name, or each source's part), the reason when unavailable.

        `load` is the boundary's load on the chain's intervals ``(time,)`` [energy].
        """
        mwh = np.asarray(load.pint.to("MWh").pint.magnitude, dtype="float64")
        idx = np.asarray(self.source_index.values)
        rows = [
            {
                "source": name,
                "order": k + 1,
                "intervals": int((idx == k).sum()),
                "mwh": float(mwh[idx == k].sum()),
                "carbon_free_basis": basis or None,
            }
            for k, (name, basis) in enumerate(zip(self.sources, self.bases, strict=True))
        ]
        used = [r for r in rows if r["intervals"]]
        if not self.complete:
            source = None
        elif len(used) == 1:
            source = used[0]["source"]
        else:
            source = "; ".join(f"{r['source']} ({r['intervals']} intervals)" for r in used)
        return {
            "available": self.complete,
            "source": source,
            "sources": rows,
            "missing_intervals": self.missing,
            "not_available": self.reason(),
            "carbon_free_set": CARBON_FREE_SET,
            "rule": "per interval, the first [[grid]] source in the site file's order with a "
            "carbon-free share; CFE% only when every interval of the period has one",
        }


def _share_on(grid: GridIntensity, times: pd.DatetimeIndex, step: pd.Timedelta) -> np.ndarray:
    """One source's share [fraction] on `times` (intervals of length `step`); NaN = none."""
    if grid.cfe_share is None:
        return np.full(len(times), np.nan)
    values = np.asarray(grid.cfe_share.pint.to("dimensionless").pint.magnitude, dtype="float64")
    have = pd.DatetimeIndex(grid.cfe_share["time"].values)
    res = grid.resolution
    if res <= step:
        if step % res != pd.Timedelta(0):
            raise ConfigError(
                f"grid source {grid.record.path!r}: its {res} intervals do not divide the "
                f"{step} intervals of the load; the carbon-free share cannot be averaged"
            )
        n = step // res
        offsets = (np.arange(n, dtype=np.int64) * res.value).astype("timedelta64[ns]")
        stamps = times.values.astype("datetime64[ns]")[:, None] + offsets[None, :]
        at = have.get_indexer(pd.DatetimeIndex(stamps.ravel())).reshape(len(times), n)
        sub = np.where(at >= 0, values[at], np.nan) if len(values) else np.full(at.shape, np.nan)
        return sub.mean(axis=1)  # NaN when any sub-interval has none
    if not len(have):
        return np.full(len(times), np.nan)
    origin = have[0].value
    ns = times.as_unit("ns").asi8
    at = have.get_indexer(pd.DatetimeIndex(origin + ((ns - origin) // res.value) * res.value))
    return np.where(at >= 0, values[at], np.nan)


def chain_cfe(grids: Sequence[GridIntensity], times: xr.DataArray, step: pd.Timedelta) -> CfeChain:
    """The first usable carbon-free share of `grids` (in order) on every interval of `times`.

    `times` are the load's interval starts (tz-naive UTC), each `step` long.
    """
    if not grids:
        raise ConfigError("no grid source to take a carbon-free share from")
    t = pd.DatetimeIndex(times.values)
    share = np.full(len(t), np.nan)
    index = np.full(len(t), NO_SOURCE, dtype=np.int8)
    for k, grid in enumerate(grids):  # loops over sources, never readings
        values = _share_on(grid, t, step)
        take = np.isfinite(values) & (index == NO_SOURCE)
        share[take] = values[take]
        index[take] = k
    coords = {"time": t.values}
    return CfeChain(
        share=xr.DataArray(share, dims=("time",), coords=coords, name="cfe").pint.quantify(
            "dimensionless", unit_registry=ureg
        ),
        source_index=xr.DataArray(index, dims=("time",), coords=coords, name="cfe_source"),
        sources=tuple(f"{g.source} ({g.record.path})" for g in grids),
        bases=tuple(g.cfe_basis if g.cfe_share is not None else "" for g in grids),
    )
