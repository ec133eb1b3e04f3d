"""``carbon validate``: read everything a site declares and report its data quality.

No files are written: the meters' coverage, negative, estimated, duplicate and conflicting
readings, the reconciliation of each parent meter with its children, the plausibility
checks (:mod:`carbon.quality.plausibility`) and a list of the problems found.

``validate`` refuses what ``report`` refuses: every input is read the same way
(:func:`carbon.workflow.inputs.site_data`), every ``[[fuel]]`` record is checked as the
accounting checks it, and with ``--period`` the month is computed as ``report`` computes it
(attribution, scopes, KPIs, the results document): an error ``report`` would raise for that
month is listed as a problem (``refusals`` in the summary: the error's fields, naming file,
meter and interval), and raised under ``--strict``, as is a plausibility finding.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from carbon.accounting.annual_factors import location_factors_for
from carbon.accounting.fuel_records import fuel_record_from_dict
from carbon.analysis.period import (
    plausibility_between,
    slice_flags,
    slice_period,
    slice_readings,
)
from carbon.core.errors import CarbonError
from carbon.core.period import Period, month
from carbon.quality.assess import assess
from carbon.quality.categories import tally
from carbon.quality.invoices import check_invoices
from carbon.quality.plausibility import PlausibilityReport
from carbon.quality.reconcile import reconcile
from carbon.results.document import ReportMeta, build_results
from carbon.workflow.inputs import SiteData, site_data

__all__ = ["Validation", "validate_site"]


@dataclass(frozen=True)
class Validation:
    """What `carbon validate` found."""

    summary: dict[str, object]
    problems: list[str]


def period_plausibility_of(data: SiteData, period: Period) -> PlausibilityReport:
    """The plausibility checks of one period, where the month itself cannot be computed."""
    cube = data.cube
    return _span_plausibility(
        replace(
            data,
            cube=replace(
                cube,
                energy=slice_period(cube.energy, period, cube.interval),
                flags=slice_flags(cube.flags, period, cube.interval),
            ),
        )
    )


def _span_plausibility(data: SiteData) -> PlausibilityReport:
    """The plausibility checks over the whole data span (no period given)."""
    cube, site = data.cube, data.site
    times = pd.DatetimeIndex(cube.energy["time"].values)
    subregion, _ = location_factors_for(
        site, int(times[0].year), None if data.factor_tables is None else data.factor_tables.annual
    )
    return plausibility_between(
        site,
        cube.energy,
        cube.flags,
        cube.interval,
        data.grid,
        subregion,
        start=times[0],
        end=times[-1] + cube.interval,
    )


def validate_site(
    site_file: Path, period_label: str | None = None, *, strict: bool = False
) -> Validation:
    """Read everything a site declares and report data quality (no files written).

    With `period_label` the month is also computed as ``carbon report`` computes it; with
    `strict` a plausibility finding raises :class:`~carbon.core.errors.PlausibilityError`, and
    an undeclared meter in a shared meter file is refused (otherwise its rows are counted).
    """
    data = site_data(Path(site_file), strict=strict)
    site, cube = data.site, data.cube
    for i, record in enumerate(site.fuel):  # the checks the accounting makes of each record
        try:
            fuel_record_from_dict(record, source=f"{site_file} [[fuel]][{i}]")
        except CarbonError as exc:
            raise type(exc)(str(exc), path=site_file, key=f"fuel[{i}]", reason=exc.reason) from None
    energy, flags, readings = cube.energy, cube.flags, cube.readings
    span, period = None, None
    refusals: list[dict[str, object]] = []
    if period_label is not None:
        period = month(period_label, site.site.timezone)
        energy = slice_period(energy, period, cube.interval)
        flags = slice_flags(flags, period, cube.interval)
        readings = slice_readings(readings, period, cube.interval)
        span = period.as_dict()
        try:  # every check `report` makes of the month
            outcome = data.run(period)
            build_results(outcome, ReportMeta("validate", 1, "draft", period.end.date()))
            plausible = outcome.plausibility
        except CarbonError as exc:  # `report` would refuse the month: listed, or raised
            if strict:
                raise
            refusals.append(exc.to_dict())
            plausible = period_plausibility_of(data, period)
    else:
        plausible = _span_plausibility(data)
    if strict and plausible is not None:
        plausible.refuse()
    roles = {m.id: m.role for m in site.meters}
    found = assess(
        energy,
        flags,
        roles=roles,
        rows_read=cube.rows_read,
        duplicates=cube.duplicates_identical,
        conflicts=cube.conflicts,
    )
    counted = tally(
        flags,
        flags,
        energy,
        readings,
        rows_read=cube.rows_read,
        native=cube.native_interval,
        interval=cube.interval,
        timezone=site.site.timezone,
    )
    bills = check_invoices(cube.energy, site, cube.interval, period)
    found = replace(found, tally=counted, invoices=bills, set_aside=cube.set_aside)
    recs = reconcile(energy, site, site.quality.reconciliation_tolerance)
    problems, notes = [], []
    for r in cube.set_aside:  # counted and listed; the gaps they leave are problems of their own
        if r.reason == "undeclared-meter":
            notes.append(
                f"{r.path}: meter id {r.meter!r} is not declared for this file: {r.rows} row(s) "
                f"ignored (first line {r.first_line}; --strict refuses them)"
            )
        else:
            notes.append(
                f"{r.path}: meter {r.meter!r}: {r.rows} local time(s) in the repeated fall-back "
                f"hour without their twin, placed in daylight time (first line {r.first_line})"
            )
    for m in found.meters:
        if m.missing:
            problems.append(f"meter {m.id}: {m.missing} interval(s) without a usable reading")
        if m.negatives:
            problems.append(f"meter {m.id}: {m.negatives} negative reading(s)")
        for name in ("counter-reset", "source-missing", "above-rated"):
            if m.flag_counts.get(name):
                problems.append(f"meter {m.id}: {m.flag_counts[name]} interval(s) flagged {name}")
    for c in found.conflicts:
        problems.append(
            f"meter {c.meter}: conflicting readings {c.values_kwh} kWh for {c.interval_start} "
            f"({', '.join(c.sources)})"
        )
    for bill in bills:
        if bill.status == "breach":
            problems.append(
                f"invoice {bill.label}: metered {bill.metered_kwh:,.1f} kWh against "
                f"{bill.invoiced_kwh:,.1f} kWh invoiced ({bill.difference:+.2%}), beyond "
                f"{bill.tolerance:.1%}"
            )
        elif bill.status == "incomplete":
            problems.append(f"invoice {bill.label}: not reconciled: {bill.note}")
    for r in recs:
        if r.breaches:
            problems.append(
                f"reconciliation {r.parent}: {r.breaches} interval(s) beyond "
                f"{r.tolerance:.1%} between the meter and its children"
            )
    problems.extend(f"carbon report would refuse the period: {r['message']}" for r in refusals)
    if plausible is not None:
        problems.extend(f"implausible: {flag.message()}" for flag in plausible.flags)
    times = energy["time"].values
    summary = {
        "site": site.site.id,
        "period": span,
        "data_span": {
            "start": str(times[0]) + "Z" if len(times) else None,
            "end": str(times[-1] + cube.interval.to_timedelta64()) + "Z" if len(times) else None,
            "interval": cube.interval.isoformat(),
        },
        "inputs": [r.as_dict() for r in (*cube.records, data.grid.record)],
        "quality": found.as_dict(),
        "reconciliation": [r.as_dict() for r in recs],
        "plausibility": None if plausible is None else plausible.as_dict(),
        "refusals": refusals,
        "problems": problems,
        "notes": notes,
    }
    return Validation(summary=summary, problems=problems)
