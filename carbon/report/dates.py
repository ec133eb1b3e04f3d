"""Dates of the report in words: the period (``July 2025``), a day, a local time.

Read by the disclosure and by the short documents beside it (their header).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from carbon.core.errors import ReportContextError

__all__ = [
    "day_words",
    "local_display",
    "local_stamp",
    "parse_datetime",
    "period_in_words",
]


def parse_datetime(text: str) -> datetime:
    """An ISO 8601 date-time, or :class:`ReportContextError`."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ReportContextError(f"not an ISO 8601 date-time: {text!r}") from None


def day_words(day: date) -> str:
    """``2025-08-01`` → ``1 August 2025``."""
    return f"{day.day} {day:%B %Y}"


def period_in_words(start: datetime, end: datetime) -> str:
    """``2025-07-01 .. 2025-08-01`` → ``July 2025``; a year → ``2025``; else a day range.

    ``end`` is exclusive (the start of the next period), as in results.json.
    """
    whole_days = start.time() == end.time() == datetime.min.time()
    if whole_days and start.day == 1 and end.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month
        if months == 1:
            return f"{start:%B %Y}"
        if months == 12 and start.month == 1:
            return f"{start.year}"
        if months > 1:
            last = end - timedelta(days=1)
            if start.year == last.year:
                return f"{start:%B} – {last:%B %Y}"
            return f"{start:%B %Y} – {last:%B %Y}"
    if whole_days:
        last = (end - timedelta(days=1)).date()
        return f"{day_words(start.date())} – {day_words(last)}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def local_display(moment: datetime) -> str:
    """``2025-07-01 00:00 (UTC-05:00)``: local time with its offset."""
    offset = moment.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}" if offset else ""
    return f"{moment:%Y-%m-%d %H:%M} (UTC{offset})" if offset else f"{moment:%Y-%m-%d %H:%M}"


def local_stamp(text: object, timezone: str) -> str:
    """An ISO 8601 date-time from results.json (any offset; naive means UTC) as the site's
    local time with its offset, ``2025-07-09 14:00 (UTC-05:00)``; a text that is not a
    date-time is returned as it is, and an empty one stays empty."""
    if text is None or str(text) == "":
        return ""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return local_display(moment.astimezone(ZoneInfo(timezone)))
