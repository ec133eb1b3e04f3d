"""Meters and grid series of different intervals on one common grid (docs/methodology.md §2.4).

Location-based Scope 2 is ``Σ_f e_f · I_f`` over the intervals ``f`` of the finer common grid
(the greatest common divisor ``c`` of the meter interval ``Δm`` and the grid interval ``Δg``):

- the grid's intensity is held constant over each of its intervals;
- a meter reading is split over the fine intervals it covers in proportion to time. That is
  only needed where the meter interval is longer than ``c`` (a grid finer than the meters, or
  intervals that do not nest): the energy profile inside a reading is unknown, so the reading
  meets the time-weighted mean of the intensity over its interval. Such a period is flagged
  (``time_weighted``) and the report says so.

Where the grid interval is a multiple of the meter interval the sum is the same as summing
the energy up to the grid's intervals and multiplying once; that path
(:func:`carbon.accounting.location.to_resolution`) is kept as it is. Otherwise the figures
are computed on the fine grid and summed up to the *factor grid*, the least common multiple
``F`` of the two intervals (energy summed as metered, emissions summed, and the factor of an
``F`` interval the energy-weighted mean ``Σ e_f I_f / Σ e_f``; the time-weighted mean where the
interval has no energy). Market-based accounting stays on clock hours
(:func:`clock_hours`): the load is summed to hours, and the location-based rate of an hour
(its grid-average fallback) is again the energy-weighted mean.

Every interval here must divide one hour (1 min ... 1 h), so every common grid does too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.grid_chain import NO_SOURCE, SourceChain, chain_grids
from carbon.accounting.location import apply_factor_hierarchy, hold_positions, to_resolution
from carbon.accounting.location_tiers import LocationTiers, resolve_tiers
from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.quantified import quantified
from carbon.ingest.grid_table import GridIntensity

__all__ = [
    "HOUR",
    "AlignedLocation",
    "align_location",
    "alignment_note",
    "clock_hours",
    "factor_step",
    "fine_step",
    "is_exact",
    "location_on_fine_grid",
]

HOUR = pd.Timedelta(hours=1)
#: How the meters meet a grid finer than them (or one whose intervals do not nest with theirs).
TIME_WEIGHTED_RULE = (
    "meter readings longer than the common grid are split over it in proportion to time, so "
    "each reading meets the time-weighted mean of the grid intensity over its interval (the "
    "energy profile inside a reading is not metered)"
)


def _check(step: pd.Timedelta, what: str) -> None:
    if step <= pd.Timedelta(0) or HOUR % step != pd.Timedelta(0):
        raise InputDataError(
            f"{what} interval {step} does not divide one hour; meters and grid series must "
            "have intervals from 1 minute to 1 hour that divide the hour",
            reason="interval",
        )


def fine_step(interval: pd.Timedelta, resolution: pd.Timedelta) -> pd.Timedelta:
    """The finer common grid of meter `interval` and grid `resolution` (their gcd)."""
    _check(interval, "meter")
    _check(resolution, "grid")
    return pd.Timedelta(math.gcd(interval.value, resolution.value), unit="ns")


def factor_step(interval: pd.Timedelta, resolution: pd.Timedelta) -> pd.Timedelta:
    """The factor grid of the location-based figures: the lcm of the two intervals (≤ 1 h).

    The longer of the two where one divides the other (the grid's own intervals when the meters
    are finer, the meter interval when the grid is finer)."""
    _check(interval, "meter")
    _check(resolution, "grid")
    return pd.Timedelta(math.lcm(interval.value, resolution.value), unit="ns")


def is_exact(interval: pd.Timedelta, resolution: pd.Timedelta) -> bool:
    """True when the grid interval is a multiple of the meter interval: energy summed to the
    grid's intervals meets one intensity each, no reading is split."""
    return resolution >= interval and resolution % interval == pd.Timedelta(0)


def _held(values: np.ndarray, positions: np.ndarray, fill: object) -> np.ndarray:
    if not len(values):
        return np.full(len(positions), fill, dtype=values.dtype)
    return np.where(positions >= 0, values[np.maximum(positions, 0)], fill)


def _fine_times(times: pd.DatetimeIndex, interval: pd.Timedelta, step: pd.Timedelta) -> np.ndarray:
    k = interval // step
    base = pd.DatetimeIndex(times).as_unit("ns").asi8
    return (
        (base[:, None] + np.arange(k, dtype=np.int64) * step.value).ravel().astype("datetime64[ns]")
    )


def _groups(n: int, times: np.ndarray, fine: pd.Timedelta, factor: pd.Timedelta) -> int:
    """How many fine intervals make one factor interval; refuses a ragged period."""
    size = factor // fine
    first = int(times[0].astype("datetime64[ns]").astype(np.int64)) if n else 0
    if n % size or first % factor.value:
        raise InputDataError(
            f"the period's {fine} intervals do not fill whole {factor} factor intervals "
            f"(first {pd.Timestamp(first).isoformat()}Z); readings must be aligned to the clock",
            reason="interval",
        )
    return size


@dataclass(frozen=True)
class AlignedLocation:
    """Location-based Scope 2 on the factor grid, computed on the finer common grid."""

    energy: xr.DataArray  # (workload, time F) [kWh], summed as metered
    emissions: xr.DataArray  # (workload, time F) [kg CO2e], Σ over the fine grid
    intensity: xr.DataArray  # (time F,) [g CO2e/kWh], energy-weighted mean
    levels: xr.DataArray  # (time F,) int8, the least specific factor level in the interval
    chain: SourceChain | None  # source per F interval (the least specific), when chained
    fine: pd.Timedelta  # the common grid c
    step: pd.Timedelta  # the factor grid F
    time_weighted: bool  # True: readings longer than c were split in proportion to time
    tiers: LocationTiers | None = None  # the tier of every fine interval


def location_on_fine_grid(
    energy: xr.DataArray,
    interval: pd.Timedelta,
    factor: np.ndarray,
    levels: np.ndarray,
    step: pd.Timedelta,
    fine: pd.Timedelta,
) -> tuple[xr.DataArray, xr.DataArray, np.ndarray, np.ndarray]:
    """``energy(workload, time)`` [kWh] on `interval` against `factor` [g CO2e/kWh] and
    `levels` on the fine grid (``interval/fine`` values per reading, in time order): the
    energy, the emissions [kg CO2e], the energy-weighted factor and the levels on `step`."""
    kwh = energy.pint.to("kWh").transpose(..., "time")
    times = pd.DatetimeIndex(kwh["time"].values)
    values = np.asarray(kwh.pint.magnitude, dtype="float64")
    k = interval // fine
    n_fine = len(times) * k
    fine_times = _fine_times(times, interval, fine)
    size = _groups(n_fine, fine_times, fine, step)
    # energy in proportion to time over the fine grid, times the held factor [g/kWh -> kg]
    e_fine = np.repeat(values / k, k, axis=-1)
    kg_fine = e_fine * factor / 1000.0
    lead = values.shape[:-1]
    kg = kg_fine.reshape(*lead, n_fine // size, size).sum(axis=-1)
    e_step = to_resolution(kwh, interval, step) if step != interval else kwh
    e_total = np.asarray(e_step.pint.magnitude, dtype="float64").reshape(-1, n_fine // size)
    total_e = e_total.sum(axis=0)
    total_kg = kg.reshape(-1, n_fine // size).sum(axis=0)
    time_mean = factor.reshape(-1, size).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(total_e != 0, total_kg * 1000.0 / total_e, time_mean)
    level_step = levels.reshape(-1, size).max(axis=1).astype(np.int8)
    coords = {d: kwh[d].values for d in kwh.dims if d != "time"}
    coords["time"] = e_step["time"].values
    emissions = quantified(kg, "kg CO2e", kwh.dims, coords)
    return e_step, emissions, weighted, level_step


def align_location(
    grid: GridIntensity,
    more_grids: Sequence[GridIntensity],
    energy: xr.DataArray,
    interval: pd.Timedelta,
    *,
    subregion_rate: object | None,
    national_rate: object | None,
    no_fallback: str = "",
) -> AlignedLocation:
    """Location-based Scope 2 of `energy` ``(workload, time)`` [kWh] on `interval` against the
    site's grid sources, for a grid that is finer than the meters or does not nest with them.

    The factor hierarchy (docs/methodology.md §1.2) is applied on the fine grid: every fine
    interval takes the first usable source value, else the annual fallback. Sources of several
    resolutions are read on the finest common grid of all of them and the meters."""
    fine = fine_step(interval, grid.resolution)
    for more in more_grids:
        fine = min(fine, fine_step(fine, more.resolution))
    step = factor_step(interval, grid.resolution)
    times = pd.DatetimeIndex(energy["time"].values)
    fine_times = xr.DataArray(_fine_times(times, interval, fine), dims=("time",))
    fine_times = fine_times.assign_coords(time=fine_times.values)
    chain = chain_grids(grid, more_grids, fine_times["time"], interval) if more_grids else None
    if chain is not None:
        source, usable = chain.intensity, None
    else:
        positions = hold_positions(
            grid.intensity.indexes["time"], grid.resolution, fine_times.values
        )
        magnitude = np.asarray(grid.intensity.pint.to("g CO2e/kWh").pint.magnitude, dtype=float)
        codes = np.asarray(grid.flags.values)
        ok = (codes != int(Flag.SOURCE_MISSING)) & (codes != int(Flag.GAP))
        coords = {"time": fine_times.values}
        source = quantified(_held(magnitude, positions, np.nan), "g CO2e/kWh", ("time",), coords)
        usable = xr.DataArray(_held(ok, positions, False), dims=("time",), coords=coords)
    factor, levels = apply_factor_hierarchy(
        source,
        usable,
        fine_times["time"],
        subregion_rate=subregion_rate,
        national_rate=national_rate,
        no_fallback=no_fallback,
    )
    e_step, emissions, weighted, level_step = location_on_fine_grid(
        energy,
        interval,
        np.asarray(factor.pint.magnitude, dtype=float),
        np.asarray(levels.values),
        step,
        fine,
    )
    kwh = np.asarray(energy.pint.to("kWh").transpose(..., "time").pint.magnitude, dtype=float)
    k = interval // fine
    e_fine = np.repeat(kwh.reshape(-1, kwh.shape[-1]).sum(axis=0) / k, k)
    factor_fine = np.asarray(factor.pint.magnitude, dtype=float)
    tiers = resolve_tiers(
        [grid, *more_grids],
        fine_times.values,
        fine,
        np.asarray(levels.values),
        None if chain is None else np.asarray(chain.source_index.values),
        e_fine,
        e_fine * factor_fine / 1000.0,
    )
    coords = {"time": e_step["time"].values}
    intensity = quantified(weighted, "g CO2e/kWh", ("time",), coords, name="intensity")
    level_da = levels.isel(time=slice(None, None, step // fine)).copy(data=level_step)
    return AlignedLocation(
        energy=e_step,
        emissions=emissions,
        intensity=intensity,
        levels=level_da,
        chain=None if chain is None else _chain_on(chain, step // fine, intensity),
        fine=fine,
        step=step,
        time_weighted=interval > fine,
        tiers=tiers,
    )


def _chain_on(chain: SourceChain, size: int, intensity: xr.DataArray) -> SourceChain:
    """The chain's record on the factor grid: per interval, NO_SOURCE if any fine interval had
    no usable source, else the least specific (highest) source index used."""
    index = np.asarray(chain.source_index.values).reshape(-1, size)
    worst = np.where((index == NO_SOURCE).any(axis=1), NO_SOURCE, index.max(axis=1))
    coords = {"time": intensity["time"].values}
    return SourceChain(
        intensity=intensity,
        source_index=xr.DataArray(
            worst.astype(np.int8), dims=("time",), coords=coords, name="grid_source"
        ),
        sources=chain.sources,
    )


def _words(step: pd.Timedelta) -> str:
    minutes = step / pd.Timedelta(minutes=1)
    return "1-hour" if step == HOUR else f"{minutes:g}-minute"


def alignment_note(interval: pd.Timedelta, resolution: pd.Timedelta) -> str:
    """How meters on `interval` met a grid on `resolution`, in words for results.json."""
    if is_exact(interval, resolution):
        return (
            f"{_words(interval)} meter energy summed to the grid's {_words(resolution)} "
            "intervals, each sum at that interval's intensity (exact)"
        )
    fine, step = fine_step(interval, resolution), factor_step(interval, resolution)
    return (
        f"{_words(interval)} meters against a {_words(resolution)} grid: computed on the common "
        f"{_words(fine)} grid and summed to {_words(step)} factor intervals; " + TIME_WEIGHTED_RULE
    )


def clock_hours(
    energy: xr.DataArray, emissions: xr.DataArray, intensity: xr.DataArray, step: pd.Timedelta
) -> tuple[xr.DataArray, xr.DataArray]:
    """The load per clock hour [kWh] and the location-based rate of each hour [g CO2e/kWh]
    (energy-weighted; the time-weighted mean in an hour without energy), for market-based
    accounting. On an hourly factor grid both come back unchanged."""
    if step == HOUR:
        return energy, intensity
    load = to_resolution(energy, step, HOUR)
    kg = to_resolution(emissions.sum("workload"), step, HOUR)
    kwh = np.asarray(load.sum("workload").pint.to("kWh").pint.magnitude, dtype=float)
    per = HOUR // step
    mean = np.asarray(intensity.pint.to("g CO2e/kWh").pint.magnitude, dtype=float)
    mean = mean.reshape(-1, per).mean(axis=1)
    grams = np.asarray(kg.pint.to("kg CO2e").pint.magnitude, dtype=float) * 1000.0
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(kwh != 0, grams / kwh, mean)
    coords = {"time": load["time"].values}
    return load, quantified(rate, "g CO2e/kWh", ("time",), coords, name="intensity")
