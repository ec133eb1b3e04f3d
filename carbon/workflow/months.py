"""The months a report computes besides its period, each run once.

The monthly trend of the pivot pages and the Scope 2 target tracker both need whole months
before the period run through the same pipeline as the report; the baseline is one of them.
:class:`MonthRuns` runs a month the first time either asks for it and keeps only what the
two read of it (the trend row's totals and the tracker's tally), not the month's arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.targets import YearTally, month_tally
from carbon.core.errors import PeriodError
from carbon.core.period import Period
from carbon.results.document import workload_totals
from carbon.workflow.inputs import SiteData

__all__ = ["MonthRuns", "MonthSummary"]

#: A computed month as its readers need it: the trend row's totals, the tracker's tally.
MonthSummary = tuple[dict[str, dict[str, float]], YearTally]


@dataclass
class MonthRuns:
    """Months of one site, each run at most once per report."""

    data: SiteData
    _done: dict[str, MonthSummary | PeriodError] = field(default_factory=dict)

    def record(self, outcome: PeriodOutcome) -> MonthSummary:
        """Keep the summary of a month run elsewhere (the baseline), so it is not run again."""
        summary = (workload_totals(outcome), month_tally(outcome))
        self._done[outcome.period.label] = summary
        return summary

    def summary(self, period: Period) -> MonthSummary:
        """The month's summary, running it the first time. A month the pipeline refuses
        raises its :class:`PeriodError` each time it is asked for."""
        got: Any = self._done.get(period.label)
        if got is None:
            try:
                got = self.record(self.data.run(period))
            except PeriodError as exc:
                self._done[period.label] = exc
                raise
        if isinstance(got, PeriodError):
            raise got
        return got
