"""The record every KPI and sector metric returns, and how a period's length labels it.

A :class:`Metric` carries its value as a pint quantity with a display label, the
standard it follows and its notes. The standard KPIs are annual: a shorter period is
*interim* (:func:`period_is_interim`), and its label says so (:func:`label_suffix`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pint

from carbon.core.errors import InputDataError, UnitError

__all__ = ["ANNUAL_MONTHS", "Metric", "label_suffix", "period_is_interim"]

#: Months of the standard (annual) KPI period.
ANNUAL_MONTHS = 12


@dataclass(frozen=True)
class Metric:
    """One KPI or workload metric with its label and disclosures.

    Attributes
    ----------
    name : str
        Short name, e.g. ``"PUE"``, ``"CUE_LB"``, ``"J/TH realised"``.
    value : pint.Quantity
        The value with its unit (``dimensionless`` for ratios).
    label : str
        Display label naming category, basis and the interim flag where they apply.
    standard : str
        Standard or definition the value follows (a section of docs/methodology.md).
    interim : bool
        True when the period is shorter than the standard's 12 months.
    category : str or None
        PUE measurement category (``PUE1``/``PUE2``/``PUE3``) where applicable.
    basis : str or None
        ``"location-based"`` or ``"market-based"`` where applicable.
    notes : tuple of str
        Disclosures (caps applied, verify marks, zero stated explicitly).
    """

    name: str
    value: pint.Quantity
    label: str
    standard: str
    interim: bool = False
    category: str | None = None
    basis: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """The value as a float, for dimensionless metrics only (PUE, REF, ERF, …)."""
        if not self.value.dimensionless:
            raise UnitError(f"{self.name} has unit {self.value.units}; use .value.to(<unit>)")
        return float(self.value.to("dimensionless").magnitude)

    def magnitude(self, unit: str) -> float:
        """The value in `unit` as a float, e.g. ``m.magnitude("kg CO2e/kWh")``."""
        try:
            return float(self.value.to(unit).magnitude)
        except pint.DimensionalityError as exc:
            raise UnitError(
                f"{self.name} is in {self.value.units}, not convertible to {unit}"
            ) from exc


def period_is_interim(months: int, notes: list[str]) -> bool:
    """Whether a period of `months` is interim (under the standard's 12); notes say so.

    A period longer than 12 months is noted too. Raises :class:`InputDataError` unless
    `months` is a whole number ≥ 1.
    """
    if not isinstance(months, int | np.integer) or isinstance(months, bool) or months < 1:
        raise InputDataError(f"months must be a whole number ≥ 1, got {months!r}")
    if months < ANNUAL_MONTHS:
        notes.append(f"interim: covers {months} month(s); the standard KPI is annual (12 months)")
        return True
    if months > ANNUAL_MONTHS:
        notes.append(f"covers {months} months; the standard KPI is over 12 months")
    return False


def label_suffix(interim: bool, months: int) -> str:
    """The label's ``", interim: N months"`` part, empty for a full period."""
    if not interim:
        return ""
    return f", interim: {months} month" if months == 1 else f", interim: {months} months"
