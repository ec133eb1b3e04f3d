"""Computing one period of a site or of the demo: the pipeline's outcome and its results.

A :class:`PeriodRun` is a period computed and ready to publish: the outcome, the inputs
it came from, what identifies them in the manifest, the instruments whose serials the
ledger records, and the baseline the pivot analysis compares with. Nothing is written
here (:mod:`carbon.workflow.publish` writes the version folder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon.analysis.period import PeriodOutcome
from carbon.core.lineage import file_sha256
from carbon.core.period import Period, month
from carbon.ledger.prior_uses import prior_uses_for
from carbon.pivot.baseline import AUTO, check_request
from carbon.results.document import ReportMeta, build_results
from carbon.workflow.compare import baseline_choice, extend_results
from carbon.workflow.inputs import (
    SiteData,
    demo_instruments,
    demo_site_data,
    demo_site_id,
    site_data,
)

__all__ = ["PeriodRun", "compute_demo", "compute_site", "run_demo_period", "run_site_period"]


@dataclass(frozen=True)
class PeriodRun:
    """A period computed from a site's inputs, ready to be published."""

    data: SiteData
    outcome: PeriodOutcome
    #: what names the inputs in the manifest beyond their hashes (the site file, or the
    #: demo generator)
    extra_manifest: dict[str, object]
    #: the instruments whose applied serials an issued version records in the ledger
    instruments: tuple[Any, ...] = ()
    #: the baseline the pivot analysis compares the period with: ``auto`` (chosen by the
    #: default rule), a spec, or ``none``/None (no comparison)
    baseline: str | None = None

    def results(self, meta: ReportMeta) -> dict[str, Any]:
        """``results.json`` of the period for a version (`meta`), with the pivot analysis."""
        results = build_results(self.outcome, meta)
        results.update(extend_results(self.data, self.outcome, results, self.baseline))
        return results


def _check_baseline(data: SiteData, period: Period, baseline: str | None) -> None:
    """Refuse a named baseline that is no period, does not precede `period` or lies outside
    the data (``auto`` and ``none`` always pass)."""
    baseline_choice(data, period, baseline)


def run_demo_period(
    period: Period, out: Path, *, restate: bool = False, baseline: str | None = AUTO
) -> PeriodRun:
    """Generate the demo's inputs and compute `period`.

    Serial blocks already issued under `out` count as claimed (the period's own unless
    it is restated). The results compare the period with `baseline`
    (:mod:`carbon.workflow.compare`): ``auto`` (the default) a baseline chosen by the rule
    of :func:`carbon.pivot.baseline.choose_baseline`, ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` or
    ``same-month-last-year`` that period, ``none`` (or None) no comparison.
    """
    if baseline:
        check_request(baseline, period)  # a malformed or late baseline fails before computing
    data, generator = demo_site_data()
    _check_baseline(data, period, baseline)
    outcome = data.run(period, prior_uses_for(out, demo_site_id(), period.label, restate))
    return PeriodRun(data, outcome, {"demo": generator}, demo_instruments(), baseline)


def run_site_period(
    site_file: Path,
    period_label: str,
    out: Path,
    *,
    restate: bool = False,
    baseline: str | None = AUTO,
    strict: bool = False,
) -> PeriodRun:
    """Read a site file and its inputs and compute one month (see :func:`run_demo_period`).

    With `strict`, an implausible input (:mod:`carbon.quality.plausibility`) is refused, and so
    is an undeclared meter in a shared meter file (otherwise its rows are counted, not read)."""
    data = site_data(site_file, strict=strict)
    period = month(period_label, data.site.site.timezone)
    _check_baseline(data, period, baseline)  # a bad or unavailable baseline fails first
    outcome = data.run(period, prior_uses_for(out, data.site.site.id, period_label, restate))
    if strict and outcome.plausibility is not None:
        outcome.plausibility.refuse()
    extra = {"site_file": {"path": Path(site_file).name, "sha256": file_sha256(site_file)}}
    return PeriodRun(data, outcome, extra, tuple(data.instruments), baseline)


def compute_demo(
    period: Period, prior_uses: Sequence[Any] = ()
) -> tuple[PeriodOutcome, dict[str, object]]:
    """Generate the demo inputs and run the pipeline on `period` (no files written)."""
    data, generator = demo_site_data()
    return data.run(period, prior_uses), generator


def compute_site(
    site_file: Path, period_label: str, prior_uses: Sequence[Any] = ()
) -> PeriodOutcome:
    """Read a site file and its inputs and run the pipeline on one month."""
    data = site_data(site_file)
    return data.run(month(period_label, data.site.site.timezone), prior_uses)
