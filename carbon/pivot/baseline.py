"""Baseline periods for a comparison: a month, a quarter, a year, or the same month last year;
and the rule that chooses one when none is named.

A baseline is computed with the same pipeline as the reporting period; this
module only names it. Labels: ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` and the word
``same-month-last-year`` (resolved against the reporting period). ``auto`` (the
default of ``carbon report`` and ``carbon demo``) chooses one by the rule of
:func:`choose_baseline`; ``none`` turns the comparison off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from carbon.core.errors import PeriodError
from carbon.core.period import Period, month

__all__ = [
    "AUTO",
    "NONE",
    "SAME_MONTH_LAST_YEAR",
    "BaselineChoice",
    "baseline_period",
    "check_request",
    "check_within",
    "choose_baseline",
]

SAME_MONTH_LAST_YEAR = "same-month-last-year"
#: Choose the baseline by the default rule (:func:`choose_baseline`).
AUTO = "auto"
#: No baseline: the report describes the period alone.
NONE = "none"

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


def _within(found: Period, data_start: pd.Timestamp, data_end: pd.Timestamp) -> bool:
    return found.start_utc >= data_start and found.end_utc <= data_end


def _shifted(period: Period, months: int) -> Period:
    """The local month `months` before the month `period` starts in."""
    start = period.start - pd.DateOffset(months=months)
    return month(f"{start.year:04d}-{start.month:02d}", period.timezone)


def _last_full_month_before(instant: pd.Timestamp, timezone: str) -> Period:
    """The last whole local month that ends at or before `instant`."""
    local = instant.tz_convert(timezone)
    current = month(f"{local.year:04d}-{local.month:02d}", timezone)
    return current if current.end <= local else _shifted(current, 1)


@dataclass(frozen=True)
class BaselineChoice:
    """The baseline a report compares with, and the rule that chose it (or why there is none)."""

    #: what was asked for: ``auto``, ``none`` or a baseline spec
    requested: str
    #: the baseline period, or None when there is no comparison
    period: Period | None
    #: which rule chose the baseline, in words
    rule: str
    #: why there is no baseline (None when there is one)
    reason: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The ``baseline_choice`` block of results.json."""
        return {
            "requested": self.requested,
            "period": None if self.period is None else self.period.label,
            "rule": self.rule,
            "reason": self.reason,
        }


def check_request(spec: str, period: Period) -> None:
    """Refuse, before anything is computed, a named baseline that is no period or does not
    precede `period` (``auto`` and ``none`` always pass)."""
    if spec.strip() not in (AUTO, NONE):
        baseline_period(spec, period)


def choose_baseline(
    spec: str | None,
    period: Period,
    data_start: pd.Timestamp,
    data_end: pd.Timestamp,
    conversion: tuple[str, pd.Timestamp] | None = None,
) -> BaselineChoice:
    """The baseline of `period` for the request `spec` (``auto``, ``none``/None, or a spec).

    `conversion` is the first conversion of a hall from mining to another workload
    before the period ends (meter id, UTC instant), if any; the data span
    ``[data_start, data_end)`` (UTC). ``auto`` chooses, with a conversion, the same month
    a year earlier when the data hold it and it ends by the conversion, else the last
    whole month before the conversion; without one, the same month a year earlier, else
    the prior month. When the data hold neither, there is no baseline and the choice
    says why. A named spec must lie inside the data (:func:`check_within`).
    """
    text = (spec or NONE).strip()
    if text == NONE:
        return BaselineChoice(
            NONE,
            None,
            "no baseline requested (--baseline none)",
            "the comparison with a baseline was turned off (--baseline none)",
        )
    if text != AUTO:
        found = baseline_period(text, period)
        check_within(found, data_start, data_end)
        return BaselineChoice(text, found, f"requested (--baseline {text})")
    year_ago = _shifted(period, 12)
    prior = _shifted(period, 1)
    unlike = ""
    if conversion is not None and conversion[1] < period.end_utc:
        meter, at = conversion
        when = at.tz_convert(period.timezone)
        what = f"the first conversion, {meter} on {when.day} {when.strftime('%B %Y')}"
        if _within(year_ago, data_start, data_end) and year_ago.end_utc <= at:
            return BaselineChoice(AUTO, year_ago, f"the same month a year earlier, before {what}")
        before = _last_full_month_before(at, period.timezone)
        if _within(before, data_start, data_end) and before.end <= period.start:
            return BaselineChoice(AUTO, before, f"the last full month before {what}")
        unlike = (
            f"; no month before {what}, is in the meter data, so this is not a "
            "pre-conversion baseline"
        )
    if _within(year_ago, data_start, data_end):
        return BaselineChoice(AUTO, year_ago, "the same month a year earlier" + unlike)
    if _within(prior, data_start, data_end):
        return BaselineChoice(
            AUTO, prior, "the prior month (the data do not reach a year back)" + unlike
        )
    return BaselineChoice(
        AUTO,
        None,
        "none available",
        f"the meter data hold neither the same month a year earlier ({year_ago.label}) nor "
        f"the prior month ({prior.label})" + (f", nor a month before {what}" if unlike else ""),
    )
