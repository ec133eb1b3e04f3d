"""Wiring for the SBTi CNZS V2.0 tracker: which months are computed, and the ``sbti`` block.

Every whole local month of the meter data from January of the target's base year up to the
report period is run through the same :func:`carbon.analysis.period.run_period` as the
report (the period itself is not run again), tallied by calendar year and handed to
:func:`carbon.analysis.targets.tracker`. Months after the report period are left out, so a
report states the trajectory as of its period.
"""

from __future__ import annotations

from typing import Any

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.targets import month_tally, no_targets_block, tracker, year_tally
from carbon.core.errors import PeriodError
from carbon.core.period import Period, month
from carbon.workflow.inputs import SiteData
from carbon.workflow.months import MonthRuns

__all__ = ["sbti_block", "tracker_months"]


def tracker_months(data: SiteData, base_year: int, period: Period) -> list[Period]:
    """The whole local months from January of `base_year` to `period` that the meter data
    cover entirely."""
    start, end = data.span()
    first = int(start.tz_convert(period.timezone).year)
    out: list[Period] = []
    for year in range(max(base_year, first), int(period.label[:4]) + 1):
        for m in range(1, 13):
            candidate = month(f"{year:04d}-{m:02d}", period.timezone)
            if candidate.end > period.end:
                break
            if candidate.start_utc >= start and candidate.end_utc <= end:
                out.append(candidate)
    return out


def sbti_block(
    data: SiteData, outcome: PeriodOutcome, runs: MonthRuns | None = None
) -> dict[str, Any]:
    """The ``sbti`` block of ``results.json`` for the period of `outcome` (one line's worth,
    ``available: false``, for a site without ``[targets]``). `runs` holds the months the
    report computes anyway (trend, baseline), so none is run twice."""
    targets = data.site.targets
    if targets is None:
        return no_targets_block()
    runs = MonthRuns(data) if runs is None else runs
    tallies: dict[int, list[Any]] = {}
    skipped: list[dict[str, str]] = []
    for period in tracker_months(data, targets.base_year, outcome.period):
        if period.label == outcome.period.label:
            tally = month_tally(outcome)
        else:
            try:
                tally = runs.summary(period)[1]
            except PeriodError as exc:  # named, not hidden; the year then counts as partial
                skipped.append({"period": period.label, "reason": str(exc)})
                continue
        tallies.setdefault(tally.year, []).append(tally)
    years = [year_tally(y, months) for y, months in sorted(tallies.items())]
    return tracker(targets, years, skipped)
