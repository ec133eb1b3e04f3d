"""``carbon validate``: read everything a site declares and report its data quality.

No accounting and no files: the meters' coverage, negative, estimated, duplicate and
conflicting readings, the reconciliation of each parent meter with its children, and a
list of the problems found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from carbon.analysis.period import slice_flags, slice_period, slice_readings
from carbon.core.period import month
from carbon.quality.assess import assess
from carbon.quality.categories import tally
from carbon.quality.invoices import check_invoices
from carbon.quality.reconcile import reconcile
from carbon.quality.sources import read_site
from carbon.site.load import load_site

__all__ = ["Validation", "validate_site"]


@dataclass(frozen=True)
class Validation:
    """What `carbon validate` found."""

    summary: dict[str, object]
    problems: list[str]


def validate_site(site_file: Path, period_label: str | None = None) -> Validation:
    """Read everything a site declares and report data quality (no accounting, no files)."""
    site = load_site(site_file)
    base = Path(site_file).parent
    inputs = read_site(site, base)
    cube = inputs.cube
    energy, flags, readings = cube.energy, cube.flags, cube.readings
    span, period = None, None
    if period_label is not None:
        period = month(period_label, site.site.timezone)
        energy = slice_period(energy, period, cube.interval)
        flags = slice_flags(flags, period, cube.interval)
        readings = slice_readings(readings, period, cube.interval)
        span = period.as_dict()
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
    found = replace(found, tally=counted, invoices=bills)
    recs = reconcile(energy, site, site.quality.reconciliation_tolerance)
    problems = []
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
    times = energy["time"].values
    summary = {
        "site": site.site.id,
        "period": span,
        "data_span": {
            "start": str(times[0]) + "Z" if len(times) else None,
            "end": str(times[-1] + cube.interval.to_timedelta64()) + "Z" if len(times) else None,
            "interval": cube.interval.isoformat(),
        },
        "inputs": [r.as_dict() for r in (*cube.records, inputs.grid.record)],
        "quality": found.as_dict(),
        "reconciliation": [r.as_dict() for r in recs],
        "problems": problems,
    }
    return Validation(summary=summary, problems=problems)
