"""Baseline periods for a comparison: a month, a quarter, a year, or the same month last year.

A baseline is computed with the same pipeline as the reporting period; this
module only names it. Labels: ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` and the word
``same-month-last-year`` (resolved against the reporting period).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from carbon.core.errors import PeriodError
from carbon.core.period import Period, month

__all__ = ["SAME_MONTH_LAST_YEAR", "baseline_period", "check_within"]

SAME_MONTH_LAST_YEAR = "same-month-last-year"

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def _span(label: str, first: tuple[int, int], after: tuple[int, int], timezone: str) -> Period:
    tz = ZoneInfo(timezone)
    start = pd.Timestamp(datetime(first[0], first[1], 1), tz=tz)
    end = pd.Timestamp(datetime(after[0], after[1], 1), tz=tz)
    return Period(label=label, start=start, end=end)


def baseline_period(spec: str, period: Period) -> Period:
    """The baseline named by `spec`, in the reporting period's timezone.

    ``2025-05`` a month, ``2025-Q2`` a quarter, ``2024`` a calendar year (all
    local time), ``same-month-last-year`` the reporting month one year earlier.
    The baseline must end no later than the reporting period starts.
    """
    text = spec.strip()
    tz = period.timezone
    if text == SAME_MONTH_LAST_YEAR:
        start = period.start
        if period.end != (start + pd.DateOffset(months=1)).normalize() or start.day != 1:
            raise PeriodError(
                f"--baseline {SAME_MONTH_LAST_YEAR} needs a one-month reporting period; "
                f"{period.label} is not one"
            )
        found = month(f"{start.year - 1:04d}-{start.month:02d}", tz)
    elif match := _QUARTER.match(text):
        year, q = int(match.group(1)), int(match.group(2))
        first = (year, 3 * q - 2)
        after = (year + 1, 1) if q == 4 else (year, 3 * q + 1)
        found = _span(text, first, after, tz)
    elif match := _YEAR.match(text):
        year = int(match.group(1))
        found = _span(text, (year, 1), (year + 1, 1), tz)
    else:
        try:
            found = month(text, tz)
        except PeriodError:
            raise PeriodError(
                f"--baseline {spec!r} is not a period: use YYYY-MM (2025-05), YYYY-Qn (2025-Q2), "
                f"YYYY (2024) or {SAME_MONTH_LAST_YEAR}"
            ) from None
    if found.end > period.start:
        raise PeriodError(
            f"baseline {found.label} ({found.start.date()} to {found.end.date()}) does not end "
            f"before the reporting period {period.label} starts ({period.start.date()}); a "
            "baseline must precede the period it is compared with"
        )
    return found


def check_within(baseline: Period, data_start: pd.Timestamp, data_end: pd.Timestamp) -> None:
    """Refuse a baseline that is not wholly inside the meter data span ``[start, end)`` (UTC)."""
    if baseline.start_utc < data_start or baseline.end_utc > data_end:
        raise PeriodError(
            f"baseline {baseline.label} ({baseline.start.isoformat()} to "
            f"{baseline.end.isoformat()}) lies outside the meter data, which span "
            f"{data_start.isoformat()} to {data_end.isoformat()}; choose a baseline inside it"
        )
