"""Data quality told interval by interval: every interval of the period in one category,
every row read in one bucket, and a meter × day completeness matrix.

Per meter, each interval of the period falls into exactly one category, from its flag
after imputation (:data:`CATEGORY_OF_FLAG`), so the categories add up to the intervals
of the period. An interval filled by imputation counts as ``imputed`` whatever it was
before; what it was is kept in ``imputed_from`` (a conflicting duplicate that was
imputed is told as such). Coverage counts ``measured`` intervals only.

Rows, per meter: ``rows in = rows used + rows flagged + rows outside the period``.
A row is *used* when its value is summed into an interval's energy (flagged or not:
negative, above-rated and source-estimated values are used as read); *flagged* rows
are set aside: identical duplicates (``duplicates``) and the rows of intervals without a
usable value (``unusable``: conflicting duplicates, incomplete intervals, values the
source marks missing). Rows whose interval lies outside the period are counted apart.
Nothing is dropped, filled or clipped here; this module only counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.flags import Flag

__all__ = [
    "CATEGORIES",
    "CATEGORY_OF_FLAG",
    "Completeness",
    "MeterTally",
    "QualityTally",
    "tally",
]

#: The interval categories, in the order the report shows them.
CATEGORIES: tuple[str, ...] = (
    "measured",
    "missing",
    "imputed",
    "estimated",
    "conflicting",
    "negative",
    "spike",
    "counter_reset",
    "off_grid",
    "partial",
)

#: The category of each flag code (every code of :class:`carbon.core.flags.Flag` has one).
#: ``off_grid`` has no flag: a reading off the common interval grid is refused when the
#: cube is built (an error naming file and line), so it is never counted as an interval.
CATEGORY_OF_FLAG: dict[Flag, str] = {
    Flag.MEASURED: "measured",
    Flag.DUPLICATE_IDENTICAL: "measured",  # read twice with the same value: used once
    Flag.GAP: "missing",
    Flag.SOURCE_MISSING: "missing",
    Flag.IMPUTED_LINEAR: "imputed",
    Flag.IMPUTED_PROFILE: "imputed",
    Flag.SOURCE_ESTIMATED: "estimated",
    Flag.DUPLICATE_CONFLICTING: "conflicting",
    Flag.NEGATIVE: "negative",
    Flag.ABOVE_RATED: "spike",
    Flag.COUNTER_RESET: "counter_reset",
    Flag.PARTIAL: "partial",  # telemetry covering part of the interval (carbon.quality.apportion)
}

_UNKNOWN = -1


def _lookup() -> np.ndarray:
    """Flag code (0 … 255 after ``astype(uint8)``) → category index, -1 for an unknown code."""
    table = np.full(256, _UNKNOWN, dtype=np.int16)
    for flag, name in CATEGORY_OF_FLAG.items():
        table[int(flag)] = CATEGORIES.index(name)
    return table


_CATEGORY_INDEX = _lookup()


@dataclass(frozen=True)
class MeterTally:
    """One meter's intervals by category and rows by bucket over the period."""

    id: str
    intervals: int
    categories: dict[str, int]
    imputed_from: dict[str, int]
    coverage: float | None  # measured ÷ intervals
    rows: dict[str, int] | None  # None when the cube does not record rows per cell

    def as_dict(self) -> dict[str, object]:
        return {
            "intervals": self.intervals,
            "categories": dict(self.categories),
            "imputed_from": dict(self.imputed_from),
            "coverage": self.coverage,
            "rows": None if self.rows is None else dict(self.rows),
        }


@dataclass(frozen=True)
class Completeness:
    """Measured intervals per meter and local day of the period."""

    days: tuple[str, ...]  # local dates, ISO 8601
    intervals: tuple[int, ...]  # intervals of each day in the period (DST days differ)
    measured: dict[str, tuple[int, ...]]  # meter → measured intervals per day

    def as_dict(self) -> dict[str, object]:
        return {
            "days": list(self.days),
            "intervals": list(self.intervals),
            "measured": {m: list(v) for m, v in self.measured.items()},
        }


@dataclass(frozen=True)
class QualityTally:
    """The period's tally: per meter, and the completeness matrix."""

    meters: tuple[MeterTally, ...]
    completeness: Completeness

    def totals(self) -> dict[str, object]:
        """Intervals by category and rows by bucket, summed over the meters."""
        categories = {c: sum(m.categories[c] for m in self.meters) for c in CATEGORIES}
        counted = [m.rows for m in self.meters if m.rows is not None]
        rows = (
            {k: sum(r[k] for r in counted) for k in counted[0]}
            if counted and len(counted) == len(self.meters)
            else None
        )
        return {
            "intervals": sum(m.intervals for m in self.meters),
            "categories": categories,
            "rows": rows,
        }


def _category_indices(codes: np.ndarray) -> np.ndarray:
    """Category index of every cell; an unknown flag code is an error, never guessed."""
    index = _CATEGORY_INDEX[codes.astype(np.uint8)]
    unknown = (index == _UNKNOWN) | (codes < 0)
    if unknown.any():
        bad = sorted({int(c) for c in np.asarray(codes)[unknown].ravel().tolist()})
        raise ValueError(f"flag code(s) {bad} have no data-quality category")
    return index


def _rows(read: np.ndarray, valued: np.ndarray, per_cell: int, rows_read: int) -> dict[str, int]:
    """The rows of one meter: in, used, flagged (duplicates, unusable), outside the period."""
    used = per_cell * int(np.count_nonzero(valued))
    in_period = int(read.sum())
    duplicates = int(read[valued].sum()) - used
    unusable = int(read[~valued].sum())
    outside = rows_read - in_period
    if duplicates < 0 or outside < 0:
        raise ValueError(
            f"rows do not add up (in {rows_read}, in the period {in_period}, used {used})"
        )
    return {
        "in": rows_read,
        "used": used,
        "flagged": duplicates + unusable,
        "flagged_duplicates": duplicates,
        "flagged_unusable": unusable,
        "outside_period": outside,
    }


def _completeness(
    measured: np.ndarray, times: pd.DatetimeIndex, timezone: str, meters: list[str]
) -> Completeness:
    local = times.tz_localize("UTC").tz_convert(timezone).tz_localize(None)
    # the local calendar day of every interval as a whole number (days since 1970-01-01,
    # local time); only the distinct days are formatted as dates
    day_numbers = local.as_unit("ns").asi8 // (86_400 * 10**9)
    distinct, day_index = np.unique(day_numbers, return_inverse=True)
    days = pd.to_datetime(distinct, unit="D").strftime("%Y-%m-%d")
    n_days = len(distinct)
    per_day = np.bincount(day_index, minlength=n_days)
    # every meter's measured intervals per day in one pass: columns grouped by day (already
    # so on the period's grid; the stable sort keeps any order correct), summed per group
    order = np.argsort(day_index, kind="stable")
    starts = np.concatenate(([0], np.cumsum(per_day)[:-1]))
    counts = np.add.reduceat(np.asarray(measured)[:, order], starts, axis=1, dtype=np.int64)
    by_meter = {meter: tuple(int(c) for c in counts[i].tolist()) for i, meter in enumerate(meters)}
    return Completeness(
        days=tuple(str(d) for d in days.tolist()),
        intervals=tuple(int(n) for n in per_day.tolist()),
        measured=by_meter,
    )


def tally(
    flags_read: xr.DataArray,
    flags_used: xr.DataArray,
    energy_read: xr.DataArray,
    readings: xr.DataArray | None,
    *,
    rows_read: dict[str, int],
    native: dict[str, pd.Timedelta],
    interval: pd.Timedelta,
    timezone: str,
) -> QualityTally:
    """Count the period's intervals by category and its rows by bucket, per meter.

    Parameters
    ----------
    flags_read, energy_read
        ``flags(meter, time)`` and ``energy(meter, time)`` [kWh] of the period as read
        (before imputation); NaN where an interval has no usable value.
    flags_used
        The flags after imputation (``IMPUTED_*`` where a value was filled).
    readings
        ``readings(meter, time)``: rows of the inputs per cell of the period (the cube's
        :attr:`~carbon.quality.cube_model.MeterCube.readings` sliced to the period), or None.
    rows_read, native
        Per meter: rows read over all inputs, and the native interval of its readings.
    interval
        The common interval; a complete cell holds ``interval ÷ native`` rows.
    timezone
        The site's IANA time zone (the days of the completeness matrix are local days).
    """
    meters = [str(m) for m in flags_used["meter"].values]
    used_codes = np.asarray(flags_used.values)
    read_codes = np.asarray(flags_read.values)
    final = _category_indices(used_codes)
    before = _category_indices(read_codes)
    imputed = final == CATEGORIES.index("imputed")
    values = np.asarray(energy_read.pint.to("kWh").pint.magnitude)
    valued = ~np.isnan(values)
    counted = np.asarray(readings.values) if readings is not None else None
    n_categories = len(CATEGORIES)
    n_time = used_codes.shape[1]
    out = []
    for i, meter in enumerate(meters):  # loop over meters
        counts = np.bincount(final[i], minlength=n_categories)
        was = np.bincount(before[i][imputed[i]], minlength=n_categories)
        own = native.get(meter, interval)
        rows = (
            None
            if counted is None
            else _rows(counted[i], valued[i], int(interval // own), int(rows_read.get(meter, 0)))
        )
        out.append(
            MeterTally(
                id=meter,
                intervals=n_time,
                categories={c: int(n) for c, n in zip(CATEGORIES, counts.tolist(), strict=True)},
                imputed_from={
                    c: int(n) for c, n in zip(CATEGORIES, was.tolist(), strict=True) if n
                },
                coverage=int(counts[0]) / n_time if n_time else None,
                rows=rows,
            )
        )
    times = pd.DatetimeIndex(flags_used["time"].values)
    completeness = _completeness(final == CATEGORIES.index("measured"), times, timezone, meters)
    return QualityTally(meters=tuple(out), completeness=completeness)
