"""The demo's utility invoices (synthetic, labelled so): one bill per meter-read cycle.

The utility reads the revenue meter at local midnight on the 15th; each bill states the
metered energy of its cycle with a small billing difference, one of them beyond the
demo's 2 % invoice tolerance (an estimated read on the utility's side), so the
reconciliation in the data-quality section has a breach to show.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from carbon.demo.timeline import TIMEZONE

__all__ = ["demo_invoices"]

#: Billing difference of each cycle (invoiced ÷ metered − 1), January–December cycles.
_DIFFERENCE = (0.004, -0.003, 0.002, 0.001, -0.004, 0.003, 0.026, -0.002, 0.001, 0.003, -0.001)


def demo_invoices(times: pd.DatetimeIndex, revenue_kwh: np.ndarray, year: int) -> list[dict]:
    """``[[invoices]]`` rows for the cycles ``[M-15, M+1-15)`` inside the demo year.

    `times` are the interval starts (UTC) of `revenue_kwh`, the revenue meter's readings.
    """
    rows = []
    for month, difference in enumerate(_DIFFERENCE, start=1):  # loop over bills
        start, end = date(year, month, 15), date(year, month + 1, 15)
        inside = (times >= _midnight(start)) & (times < _midnight(end))
        metered = float(revenue_kwh[inside].sum())
        rows.append(
            {
                "id": f"DEMO-INV-{year}-{month:02d}",
                "start": start,
                "end": end,
                "energy": f"{round(metered * (1.0 + difference))} kWh",
                "file": f"synthetic utility bill DEMO-INV-{year}-{month:02d}.pdf",
            }
        )
    return rows


def _midnight(day: date) -> pd.Timestamp:
    """Local midnight of `day` at the demo site, in UTC."""
    return pd.Timestamp(day).tz_localize(TIMEZONE).tz_convert("UTC")
