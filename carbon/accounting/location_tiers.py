"""The tier of every location-based factor, and why a finer tier was not used
(docs/methodology.md §1.2, "Tiers of the location-based factor").

The 2025 Scope 2 consultation (a proposal, not in force) asks for the most precise
*accessible* location-based factor, finest in time and space, and for the tier used to be
disclosed. The tiers are data (:data:`TIERS`), in order; every interval of the grid the
factors were resolved on records the tier that priced it and, for every source of a finer
tier, why that source gave no usable value (:data:`REASONS`).

A grid source is in the ``hourly`` tier when its intervals are one hour (a balancing
area's or zone's hourly series) and in ``sub_hourly`` when they are shorter. Which source
is tried first is the site file's order of ``[[grid]]`` sources; the tiers only name what
was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.accounting.grid_chain import source_status
from carbon.accounting.location import LEVEL_NATIONAL, LEVEL_SUBREGION_ANNUAL
from carbon.ingest.grid_table import GridIntensity

__all__ = [
    "NOT_DECLARED",
    "NO_REGIONAL_RATE",
    "REASONS",
    "TIERS",
    "TIER_HOURLY",
    "TIER_NATIONAL",
    "TIER_REGIONAL",
    "TIER_SUB_HOURLY",
    "LocationTiers",
    "Tier",
    "TierSource",
    "resolve_tiers",
    "source_tier",
]

HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class Tier:
    """One tier of the location-based factor, most precise first."""

    key: str
    label: str
    space: str  # the area the factor describes
    time: str  # the time resolution of the factor


#: The tiers in order, most precise first (docs/methodology.md §1.2). A new tier is a new
#: entry; the results list every entry, used or not.
TIERS: tuple[Tier, ...] = (
    Tier("hourly", "hourly grid-area source", "balancing area or bidding zone", "hourly"),
    Tier("sub_hourly", "sub-hourly grid source", "the source's grid area", "sub-hourly"),
    Tier(
        "regional_annual",
        "regional annual factor",
        "eGRID subregion, or the region of the site's declared factor table",
        "annual",
    ),
    Tier("national_annual", "national annual factor", "country (eGRID US)", "annual"),
)
TIER_HOURLY, TIER_SUB_HOURLY, TIER_REGIONAL, TIER_NATIONAL = range(4)

#: Why a source of a finer tier did not price an interval: code -> (key, words). Codes 1-4
#: are :func:`carbon.accounting.grid_chain.source_status`; 0 (usable) appears only when the
#: site file ranks the finer source after the one used.
REASONS: dict[int, tuple[str, str]] = {
    0: ("ranked_after", "usable, but the site file lists it after the source used"),
    1: ("outside_span", "the interval lies outside the span the source covers"),
    2: ("no_row", "the source has no row for the interval (a hole in the file)"),
    3: ("flagged_missing", "the source flags the value missing or unusable"),
    4: ("no_value", "the source's row has no value"),
}
#: Reasons that belong to a whole tier rather than to one source's interval.
NOT_DECLARED = ("not_declared", "no source of this tier is declared for the site")
NO_REGIONAL_RATE = "no_regional_rate"


def source_tier(resolution: pd.Timedelta) -> int:
    """The tier of a grid source on `resolution`: hourly, or sub-hourly when shorter."""
    return TIER_HOURLY if resolution >= HOUR else TIER_SUB_HOURLY


@dataclass(frozen=True)
class TierSource:
    """One declared grid source as a tier member."""

    name: str
    path: str
    tier: int
    resolution: pd.Timedelta


@dataclass(frozen=True)
class LocationTiers:
    """Per interval of the grid the factors were resolved on: the tier used, the source used
    (-1 for an annual tier), each source's status, the energy and the emissions."""

    times: np.ndarray  # (n,) datetime64 interval starts, UTC
    step: pd.Timedelta  # the interval of `times`
    tier: np.ndarray  # (n,) int8 index into TIERS
    source: np.ndarray  # (n,) int8 index into `sources`, -1 where an annual tier priced it
    status: np.ndarray  # (sources, n) int8 source_status codes
    energy_kwh: np.ndarray  # (n,) all workloads
    kgco2e: np.ndarray  # (n,) all workloads
    sources: tuple[TierSource, ...]


def resolve_tiers(
    grids: Sequence[GridIntensity],
    times: np.ndarray,
    step: pd.Timedelta,
    levels: np.ndarray,
    source_index: np.ndarray | None,
    energy_kwh: np.ndarray,
    kgco2e: np.ndarray,
) -> LocationTiers:
    """The tiers of the intervals `times` (step `step`) whose factor hierarchy gave `levels`
    (:data:`carbon.accounting.location.FACTOR_LEVELS` codes) and, with several sources,
    `source_index` (the chain's source per interval; None: the one source)."""
    levels = np.asarray(levels)
    n = len(times)
    status = np.empty((len(grids), n), dtype=np.int8)
    for k, grid in enumerate(grids):  # loops over the sources, never over readings
        status[k] = source_status(grid, times)[1]
    sources = tuple(
        TierSource(
            f"{g.source} ({g.record.path})", g.record.path, source_tier(g.resolution), g.resolution
        )
        for g in grids
    )
    used = (
        np.asarray(source_index, dtype=np.int8)
        if source_index is not None
        else np.where(levels == 0, 0, -1).astype(np.int8)
    )
    used = np.where(levels == 0, used, -1).astype(np.int8)
    of_source = np.array([s.tier for s in sources], dtype=np.int8)
    tier = np.select(
        [levels == LEVEL_SUBREGION_ANNUAL, levels == LEVEL_NATIONAL],
        [TIER_REGIONAL, TIER_NATIONAL],
        of_source[np.maximum(used, 0)],
    ).astype(np.int8)
    return LocationTiers(
        times=np.asarray(times),
        step=step,
        tier=tier,
        source=used,
        status=status,
        energy_kwh=np.asarray(energy_kwh, dtype="float64"),
        kgco2e=np.asarray(kgco2e, dtype="float64"),
        sources=sources,
    )
