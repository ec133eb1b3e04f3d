"""Capacity stack, average power and load factor (docs/disclosure-items.md items 2-4).

Capacity is what a site *could* draw (MW, from contracts, approvals and
energisation records); energy is what it *did* draw (MWh, from meters). The two
never stand in for each other:

- the capacity stack is the value of each measure in effect at the month end
  (the latest record whose ``effective_from`` ≤ month end and whose
  ``effective_to``, if any, ≥ month end);
- average power = metered energy ÷ hours of the period [MW], computed from
  energy only (a gap in the meters stays a gap; capacity × hours is never used);
- load factor = average power ÷ energised capacity [fraction].

The contracted pipeline (future capacity with expected dates) is kept apart and
labelled as not actuals.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pint

from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import parse_quantity, ureg

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from carbon.site.operating import CapacityRecord, PipelineEntry

__all__ = [
    "CAPACITY_DEFINITIONS",
    "average_power",
    "capacity_at",
    "load_factor",
    "pipeline_rows",
    "records_in_effect",
]

#: Each capacity measure and what it means, as the report prints it.
CAPACITY_DEFINITIONS: dict[str, str] = {
    "interconnect_approved": "utility/ISO approved interconnection capacity at the point of "
    "interconnection",
    "gross_energised": "gross capacity energised (transformers and feeders in service)",
    "mining": "capacity energised for Bitcoin mining (hall IT rating)",
    "critical_it_contracted": "critical IT capacity under signed contracts with AI/HPC tenants",
    "critical_it_energised": "critical IT capacity energised and available to tenants",
    "critical_it_billable": "critical IT capacity on which tenants are billed",
    "average_mw": "metered site energy (revenue meter) ÷ hours of the period; from energy, never "
    "from capacity",
    "load_factor": "average MW ÷ gross energised MW at the month end",
}


def _power(q: Any, what: str) -> pint.Quantity:
    if not isinstance(q, ureg.Quantity):
        raise UnitError(f"{what} must be a pint Quantity [MW], got {type(q).__name__}")
    if not q.is_compatible_with("MW"):
        raise UnitError(f"{what} must be a power (kW, MW), got {q.units}")
    return q.to("MW")


def records_in_effect(records: Sequence[CapacityRecord], when: date) -> dict[str, CapacityRecord]:
    """Per measure, the record in effect on `when`: the latest ``effective_from`` ≤ `when`
    whose ``effective_to`` (inclusive), if any, is ≥ `when`.

    Two records of one measure taking effect on the same day raise an error.
    """
    chosen: dict[str, CapacityRecord] = {}
    for r in records:
        if r.effective_from > when or (r.effective_to is not None and r.effective_to < when):
            continue
        prior = chosen.get(r.measure)
        if prior is not None and prior.effective_from == r.effective_from:
            raise InputDataError(
                f"capacity {r.measure}: two records take effect on {r.effective_from}"
            )
        if prior is None or r.effective_from > prior.effective_from:
            chosen[r.measure] = r
    return chosen


def capacity_at(records: Sequence[CapacityRecord], when: date) -> dict[str, pint.Quantity]:
    """The value of each measure in effect on `when` [MW]; measures with none are absent."""
    return {
        measure: parse_quantity(r.value, "MW", f"capacity {measure}").to("MW")
        for measure, r in records_in_effect(records, when).items()
    }


def average_power(energy: Any, hours: Any) -> pint.Quantity:
    """Average power = energy ÷ hours [MW].

    Parameters
    ----------
    energy : pint.Quantity
        Metered energy of the period [energy]; a power (MW) is refused.
    hours : pint.Quantity
        Length of the period [time].
    """
    if not isinstance(energy, ureg.Quantity) or not energy.is_compatible_with("MWh"):
        got = getattr(energy, "units", type(energy).__name__)
        raise UnitError(f"average power needs an energy (kWh, MWh), got {got}")
    if not isinstance(hours, ureg.Quantity) or not hours.is_compatible_with("h"):
        got = getattr(hours, "units", type(hours).__name__)
        raise UnitError(f"average power needs a duration (h), got {got}")
    if float(hours.to("h").magnitude) <= 0:
        raise InputDataError("the period must have a positive length")
    return (energy / hours).to("MW")


def load_factor(average: Any, energised: Any) -> pint.Quantity:
    """Load factor = average power ÷ energised capacity [dimensionless]."""
    avg = _power(average, "average power")
    cap = _power(energised, "energised capacity")
    if float(cap.magnitude) <= 0:
        raise InputDataError("energised capacity must be positive for a load factor")
    return (avg / cap).to("dimensionless")


def pipeline_rows(entries: Sequence[PipelineEntry], after: date) -> list[dict[str, Any]]:
    """The contracted pipeline as plain rows (MW in the key), expected after `after`."""
    rows = []
    for e in sorted(entries, key=lambda e: (e.expected, e.name)):
        rows.append(
            {
                "name": e.name,
                "measure": e.measure,
                "capacity_mw": float(
                    parse_quantity(e.capacity, "MW", "capacity").to("MW").magnitude
                ),
                "expected": e.expected.isoformat(),
                "status": e.status,
                "counterparty": e.counterparty,
                "source": e.source,
                "in_future": e.expected > after,
            }
        )
    return rows
