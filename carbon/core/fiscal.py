"""Fiscal years and fiscal quarters: which calendar months they hold.

Naming (the site file's ``[fiscal_year] naming``):

- ``end-year`` (default): a fiscal year is named by the calendar year in which it
  **ends**. Start month 7: FY2025 = July 2024 to June 2025 (the convention of
  US filers such as those with June or September year ends).
- ``start-year``: named by the calendar year in which it **begins**. Start month
  4: FY2025 = April 2025 to March 2026.

With start month 1 both name the calendar year. Quarters are numbered from the
first month of the fiscal year: ``FY2025-Q1`` holds its first three months.
Months are the site's local calendar months (:mod:`carbon.core.period`).
"""

from __future__ import annotations

import re
from typing import Literal

from carbon.core.errors import PeriodError

__all__ = ["fiscal_label_months", "fiscal_of_month", "fiscal_year_months", "prior_label"]

Naming = Literal["end-year", "start-year"]
_FY = re.compile(r"^FY(\d{4})(?:-Q([1-4]))?$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _first_year(fy: int, start_month: int, naming: Naming) -> int:
    """The calendar year of the first month of fiscal year `fy`."""
    if start_month == 1 or naming == "start-year":
        return fy
    return fy - 1


def fiscal_year_months(fy: int, start_month: int, naming: Naming = "end-year") -> list[str]:
    """The twelve ``YYYY-MM`` labels of fiscal year `fy`, in order."""
    if not 1 <= start_month <= 12:
        raise PeriodError(f"fiscal-year start month must be 1 to 12; got {start_month}")
    year = _first_year(fy, start_month, naming)
    out = []
    for i in range(12):
        m = start_month - 1 + i
        out.append(f"{year + m // 12:04d}-{m % 12 + 1:02d}")
    return out


def fiscal_label_months(label: str, start_month: int, naming: Naming = "end-year") -> list[str]:
    """The months of ``FY2025`` (twelve) or ``FY2025-Q3`` (three)."""
    match = _FY.match(label)
    if not match:
        raise PeriodError(f"not a fiscal period: {label!r} (expected FY2025 or FY2025-Q3)")
    months = fiscal_year_months(int(match.group(1)), start_month, naming)
    if match.group(2) is None:
        return months
    q = int(match.group(2))
    return months[3 * (q - 1) : 3 * q]


def fiscal_of_month(label: str, start_month: int, naming: Naming = "end-year") -> tuple[int, int]:
    """The fiscal year and quarter (1-4) of month ``YYYY-MM``."""
    match = _MONTH.match(label)
    if not match:
        raise PeriodError(f"not a month label YYYY-MM: {label!r}")
    year, month = int(match.group(1)), int(match.group(2))
    offset = (month - start_month) % 12
    first_year = year if month >= start_month else year - 1
    fy = first_year if start_month == 1 or naming == "start-year" else first_year + 1
    return fy, offset // 3 + 1


def year_ago_label(label: str) -> str | None:
    """The same quarter one fiscal year earlier (``FY2025-Q3`` → ``FY2024-Q3``), the
    comparative of a quarterly filing; None for a fiscal year, whose prior period already
    is the year before (:func:`prior_label`)."""
    match = _FY.match(label)
    if not match:
        raise PeriodError(f"not a fiscal period: {label!r} (expected FY2025 or FY2025-Q3)")
    if match.group(2) is None:
        return None
    return f"FY{int(match.group(1)) - 1}-Q{match.group(2)}"


def prior_label(label: str) -> str:
    """The fiscal period before `label`: the previous fiscal year for ``FY2025``
    (``FY2024``); the preceding quarter for a quarter (``FY2025-Q3`` → ``FY2025-Q2``,
    ``FY2025-Q1`` → ``FY2024-Q4``), as in a sequential quarterly comparison."""
    match = _FY.match(label)
    if not match:
        raise PeriodError(f"not a fiscal period: {label!r} (expected FY2025 or FY2025-Q3)")
    year = int(match.group(1))
    if match.group(2) is None:
        return f"FY{year - 1}"
    q = int(match.group(2))
    return f"FY{year}-Q{q - 1}" if q > 1 else f"FY{year - 1}-Q4"
