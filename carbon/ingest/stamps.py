"""Interval-start stamps of meter files, to UTC.

Stamps are ISO 8601 with a UTC offset. A stamp without an offset is an error naming its
line unless ``timezone=`` (an IANA zone) is given; then it is local wall-clock time. A
local time that occurs twice (autumn fall-back) is placed by row order: for each meter,
its first occurrence is the earlier (daylight-saving) instant and later occurrences the
standard-time one. A local time that does not exist (spring-forward gap) is an error
naming its line. Also here: ``interval=`` as a duration (:func:`as_interval`) and the most
common step of each meter's stamps (:func:`mode_steps`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError, InputDataError
from carbon.ingest.csv_text import first

__all__ = [
    "IntervalLike",
    "as_interval",
    "check_timezone",
    "localise",
    "mode_steps",
    "parse_stamps",
    "unsettled_fold",
]

IntervalLike = pd.Timedelta | dt.timedelta | str | None

_TIME_WITH_OFFSET = re.compile(
    r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
)
# Project Haystack writes "2024-01-01T00:15:00-05:00 New_York": drop the city after an offset.
_HAYSTACK_CITY = r"(?P<off>(?:[zZ]|[+-]\d{2}:?\d{2}))\s+[A-Za-z_]+(?:/[A-Za-z_]+)*$"


def _meter(groups: np.ndarray | None, i: int) -> str | None:
    """The meter of row `i`, where the rows have one (the ``meter`` of an error)."""
    return None if groups is None else str(groups[i])


def check_timezone(timezone: str) -> str:
    """Validate an IANA zone name (``ConfigError`` otherwise)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:  # "Pacific" is a folder
        raise ConfigError(
            f"unknown IANA timezone {timezone!r} (e.g. 'America/Chicago')", reason="timezone"
        ) from exc
    return timezone


def localise(
    local: pd.DatetimeIndex,
    timezone: str,
    *,
    groups: np.ndarray | None,
    lines: np.ndarray,
    texts: Sequence[str],
    source: str,
    column: str,
) -> pd.DatetimeIndex:
    """Place naive local times in UTC; repeated local times are resolved by row order.

    Within each group (meter), the first occurrence of a local time is the
    daylight-saving (earlier) instant, later occurrences the standard-time one;
    for unambiguous times the choice is ignored. Nonexistent local times (the
    spring-forward gap) are an error naming the line.
    """
    check_timezone(timezone)
    keys = pd.DataFrame({"g": 0 if groups is None else groups, "t": local})
    occurrence = keys.groupby(["g", "t"], sort=False).cumcount().to_numpy()
    placed = pd.DatetimeIndex(local).tz_localize(
        timezone, ambiguous=occurrence == 0, nonexistent="NaT"
    )
    missing = np.asarray(placed.isna()) & ~np.asarray(pd.isna(local))
    if missing.any():
        i = first(missing)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {texts[i]!r} does not exist in {timezone} "
            f"(the hour skipped when clocks spring forward); expected a local time that "
            f"exists in {timezone}",
            path=source,
            line=int(lines[i]),
            timestamp=texts[i],
            meter=_meter(groups, i),
            reason="timestamp",
        )
    return placed.tz_convert("UTC").as_unit("ns")


def unsettled_fold(stamps: pd.DatetimeIndex, meters: np.ndarray, timezone: str) -> np.ndarray:
    """True for each UTC stamp whose local time in `timezone` occurs twice (the repeated hour
    at fall-back) while its meter has only this one of the two instants: read from a naive
    stamp, the file order could not tell which instant it was (:func:`localise` placed it at
    the first, daylight-saving one)."""
    utc = pd.DatetimeIndex(stamps)
    utc = utc.tz_localize("UTC") if utc.tz is None else utc.tz_convert("UTC")
    local = utc.tz_convert(timezone).tz_localize(None)
    as_dst = local.tz_localize(timezone, ambiguous=np.ones(len(local), bool), nonexistent="NaT")
    as_std = local.tz_localize(timezone, ambiguous=np.zeros(len(local), bool), nonexistent="NaT")
    folded = np.asarray(as_dst != as_std)
    if not folded.any():
        return folded
    keys = pd.DataFrame({"m": meters, "t": local})
    seen = keys.groupby(["m", "t"], sort=False)["t"].transform("size").to_numpy()
    return folded & (seen == 1)


def parse_stamps(
    values: pd.Series,
    *,
    lines: np.ndarray,
    source: str,
    column: str,
    timezone: str | None,
    groups: np.ndarray | None = None,
) -> pd.DatetimeIndex:
    """ISO 8601 stamps (text or datetimes) to UTC; naive ones need `timezone`."""
    # Long by design: the three shapes of a stamp column (datetimes, text with offsets, local text)
    # share their checks and error texts.
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
        if stamps.isna().any():
            i = first(np.asarray(stamps.isna()))
            raise InputDataError(
                f"{source}: row {lines[i]}: {column} is empty",
                path=source,
                line=int(lines[i]),
                meter=_meter(groups, i),
                reason="timestamp",
            )
        if stamps.tz is not None:
            return stamps.tz_convert("UTC").as_unit("ns")
        texts = stamps.astype(str).tolist()
        if timezone is None:
            raise InputDataError(
                f"{source}: row {lines[0]}: {column} {texts[0]} has no time zone; expected "
                "tz-aware timestamps, or declare the zone of local wall-clock times ('timezone' "
                "on the meter in the site file; timezone= in the API)",
                path=source,
                line=int(lines[0]),
                timestamp=texts[0],
                meter=_meter(groups, 0),
                reason="timestamp",
            )
        return localise(
            stamps, timezone, groups=groups, lines=lines, texts=texts, source=source, column=column
        )
    text = values.astype(str).str.strip().str.replace(_HAYSTACK_CITY, r"\g<off>", regex=True)
    empty = (text == "").to_numpy()
    if empty.any():
        i = first(empty)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} is empty; expected an ISO 8601 date-time "
            "with offset, e.g. 2025-07-01T00:15:00-05:00",
            path=source,
            line=int(lines[i]),
            meter=_meter(groups, i),
            reason="timestamp",
        )
    aware = text.str.contains(_TIME_WITH_OFFSET).to_numpy()
    result = pd.to_datetime(text.where(aware), format="ISO8601", utc=True, errors="coerce")
    result = pd.DatetimeIndex(result).as_unit("ns")
    if (~aware).any():
        if timezone is None:
            i = first(~aware)
            raise InputDataError(
                f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} has no UTC offset; "
                "expected ISO 8601 with an offset (e.g. 2025-07-01T00:15:00-05:00), or declare "
                "the zone of local wall-clock times: 'timezone' on the meter in the site file "
                '(e.g. timezone = "America/Chicago"; timezone= in the API)',
                path=source,
                line=int(lines[i]),
                timestamp=text.iloc[i],
                meter=_meter(groups, i),
                reason="timestamp",
            )
        naive = pd.DatetimeIndex(
            pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
        ).as_unit("ns")
        bad = np.asarray(naive.isna())
        if bad.any():
            i = np.flatnonzero(~aware)[first(bad)]
            raise InputDataError(
                f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} is not an ISO 8601 "
                "date-time; expected e.g. 2025-07-01T00:15:00-05:00",
                path=source,
                line=int(lines[i]),
                timestamp=text.iloc[i],
                meter=_meter(groups, i),
                reason="timestamp",
            )
        placed = localise(
            naive,
            timezone,
            groups=None if groups is None else groups[~aware],
            lines=lines[~aware],
            texts=text[~aware].tolist(),
            source=source,
            column=column,
        )
        result = result.to_series().to_numpy(copy=True)
        result[~aware] = placed.to_numpy()
        result = pd.DatetimeIndex(result).as_unit("ns")
    bad = np.asarray(result.isna())
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} is not an ISO 8601 "
            "date-time; expected e.g. 2025-07-01T00:15:00-05:00",
            path=source,
            line=int(lines[i]),
            timestamp=text.iloc[i],
            meter=_meter(groups, i),
            reason="timestamp",
        )
    return result


def as_interval(interval: IntervalLike) -> pd.Timedelta | None:
    """``interval=`` as a positive Timedelta (``"15min"``, ``timedelta(hours=1)``) or None."""
    if interval is None:
        return None
    try:
        step = pd.Timedelta(interval)
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"interval {interval!r} is not a duration (e.g. '15min', '1h')", reason="interval"
        ) from exc
    if pd.isna(step) or step <= pd.Timedelta(0):
        raise ConfigError(f"interval {interval!r} must be a positive duration", reason="interval")
    return step


def mode_steps(stamps: pd.DatetimeIndex, meters: np.ndarray) -> dict[str, pd.Timedelta]:
    """Per meter, the most common positive step between its sorted interval starts."""
    frame = pd.DataFrame({"m": meters, "t": stamps}).drop_duplicates()
    frame = frame.sort_values(["m", "t"], kind="stable")
    step = frame.groupby("m", sort=False)["t"].diff()
    frame = frame.assign(step=step)[step > pd.Timedelta(0)]
    return {  # loop over meters
        str(m): pd.Timedelta(s.mode().iloc[0]) for m, s in frame.groupby("m", sort=True)["step"]
    }
