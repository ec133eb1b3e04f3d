"""Reporting periods: local calendar months mapped to UTC instants.

UTC is used inside; the site timezone only sets period boundaries and display
(docs/how-it-works.md "Time rules"). A month runs from local midnight on its first day
to local midnight on the first day of the next month, so DST months have 743 or
745 hours. Month lengths come from the timestamps, never from a unit called
``month``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from carbon.core.errors import PeriodError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)`` of a site."""

    label: str
    start: pd.Timestamp  # tz-aware, site timezone
    end: pd.Timestamp  # tz-aware, site timezone (exclusive)

    @property
    def timezone(self) -> str:
        return str(self.start.tz)

    @property
    def start_utc(self) -> pd.Timestamp:
        return self.start.tz_convert("UTC")

    @property
    def end_utc(self) -> pd.Timestamp:
        return self.end.tz_convert("UTC")

    @property
    def hours(self) -> float:
        """Elapsed hours (743 or 745 across a DST change)."""
        return (self.end_utc - self.start_utc) / pd.Timedelta(hours=1)

    def words(self) -> str:
        """The period for display, e.g. ``July 2025``."""
        return self.start.strftime("%B %Y")

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "hours": self.hours,
        }


def month(label: str, timezone: str) -> Period:
    """The local calendar month ``YYYY-MM`` in `timezone`."""
    match = _MONTH.match(label)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError(f"period {label!r} is not a month in the form YYYY-MM (e.g. 2025-07)")
    year, mon = int(match.group(1)), int(match.group(2))
    tz = ZoneInfo(timezone)
    start = pd.Timestamp(datetime(year, mon, 1), tz=tz)
    nxt = (year + 1, 1) if mon == 12 else (year, mon + 1)
    end = pd.Timestamp(datetime(nxt[0], nxt[1], 1), tz=tz)
    return Period(label=label, start=start, end=end)


def next_full_month_after(instant: datetime, timezone: str) -> Period:
    """The first whole local month that starts at or after `instant`."""
    local = pd.Timestamp(instant).tz_convert(timezone)
    if local == local.normalize() and local.day == 1:
        year, mon = local.year, local.month
    else:
        year, mon = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return month(f"{year:04d}-{mon:02d}", timezone)
