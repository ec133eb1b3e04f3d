"""Reconciliation of the revenue meter against the utility's invoices
(docs/methodology.md §5.3).

Each bill that overlaps the reporting period is compared with the revenue meter over the
bill's own period ``[start, end)`` (a date is local midnight of the site): the metered
energy is the sum of the revenue meter's readings as read (before any imputation) over
the meter intervals inside the bill period. The bill *passes* when
``|metered − invoiced| ÷ invoiced`` is at most the tolerance (``[quality]
invoice_tolerance_pct``) and is a *breach* otherwise. A bill the meter data do not
cover in full (intervals without a reading, or a bill period outside the data or off
the meter's interval boundaries) is *incomplete*: shown with what was metered and why,
never passed or failed on part of its period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.period import Period
from carbon.core.units import parse_quantity
from carbon.site.invoices import Invoice
from carbon.site.model import SiteConfig

__all__ = ["InvoiceCheck", "check_invoices", "invoice_bounds"]

PASS, BREACH, INCOMPLETE = "pass", "breach", "incomplete"


@dataclass(frozen=True)
class InvoiceCheck:
    """One bill against the revenue meter."""

    id: str | None
    label: str
    start: str  # UTC, ISO 8601
    end: str
    start_local: str  # the same instants in the site's time zone
    end_local: str
    source: str | None
    file: str | None
    sha256: str | None
    invoiced_kwh: float
    metered_kwh: float
    difference_kwh: float | None  # metered − invoiced (None when incomplete)
    difference: float | None  # ÷ invoiced
    tolerance: float  # a ratio
    intervals: int  # meter intervals in the bill period
    intervals_metered: int  # of which with a reading
    status: str  # pass | breach | incomplete
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _utc(value: date | datetime, timezone: str) -> pd.Timestamp:
    if isinstance(value, datetime):
        return pd.Timestamp(value).tz_convert("UTC")
    return pd.Timestamp(datetime.combine(value, time())).tz_localize(timezone).tz_convert("UTC")


def invoice_bounds(invoice: Invoice, timezone: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The bill period ``[start, end)`` in UTC (a date is local midnight of `timezone`)."""
    return _utc(invoice.start, timezone), _utc(invoice.end, timezone)


def _check(
    invoice: Invoice,
    revenue: np.ndarray,
    times: pd.DatetimeIndex,
    interval: pd.Timedelta,
    tolerance: float,
    timezone: str,
) -> InvoiceCheck:
    start, end = invoice_bounds(invoice, timezone)
    invoiced = float(parse_quantity(invoice.energy, "kWh", "energy").to("kWh").magnitude)
    inside = (times >= start) & (times < end)
    values = revenue[inside]
    metered = float(np.nansum(values)) if values.size else 0.0
    expected = int((end - start) // interval)
    have = int(np.count_nonzero(~np.isnan(values)))
    note = ""
    origin = times[0] if len(times) else start
    if (start - origin) % interval or (end - origin) % interval:
        note = f"the bill period does not fall on the meter's {interval} interval boundaries"
    elif have < expected:
        note = f"the revenue meter has a reading for {have} of the bill's {expected} intervals"
    if note:
        status, difference_kwh, difference = INCOMPLETE, None, None
    else:
        difference_kwh = metered - invoiced
        difference = difference_kwh / invoiced if invoiced else None
        within = difference is not None and abs(difference) <= tolerance + 1e-12
        status = PASS if within or (invoiced == 0 and metered == 0) else BREACH
    return InvoiceCheck(
        id=invoice.id,
        label=invoice.label,
        start=start.isoformat(),
        end=end.isoformat(),
        start_local=start.tz_convert(timezone).isoformat(),
        end_local=end.tz_convert(timezone).isoformat(),
        source=invoice.source,
        file=invoice.file,
        sha256=invoice.sha256,
        invoiced_kwh=invoiced,
        metered_kwh=metered,
        difference_kwh=difference_kwh,
        difference=difference,
        tolerance=tolerance,
        intervals=expected,
        intervals_metered=have,
        status=status,
        note=note,
    )


def check_invoices(
    energy: xr.DataArray,
    site: SiteConfig,
    interval: pd.Timedelta,
    period: Period | None = None,
) -> tuple[InvoiceCheck, ...]:
    """Every bill of `site` that overlaps `period` (all bills without one) against the
    revenue meter's row of `energy` (the whole cube as read, [energy])."""
    if not site.invoices:
        return ()
    timezone = site.site.timezone
    revenue = np.asarray(
        energy.sel(meter=site.revenue_meter.id).pint.to("kWh").pint.magnitude, dtype=float
    )
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    tolerance = site.quality.invoice_tolerance_pct / 100.0
    checks = []
    for invoice in site.invoices:  # loop over bills
        start, end = invoice_bounds(invoice, timezone)
        if period is not None and (end <= period.start_utc or start >= period.end_utc):
            continue
        checks.append(_check(invoice, revenue, times, interval, tolerance, timezone))
    return tuple(checks)
