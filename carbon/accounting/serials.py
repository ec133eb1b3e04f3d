"""Certificate serials: no MWh is claimed twice (Scope 2 Quality Criterion 2;
docs/methodology.md §1.3).

A :class:`SerialUse` is one application of a block of serials by an instrument at a site
for a consumption period. :func:`check_serials` refuses any serial applied twice, across
sites and periods, against the uses the ledger recorded before; :func:`find_overlaps`
gives every pair of uses that share serials.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from carbon.core.errors import SerialOverlapError
from carbon.site.instruments import SerialRange, label_key

__all__ = ["SerialUse", "check_serials", "find_overlaps", "serial_uses"]


@dataclass(frozen=True)
class SerialUse:
    """One application of a block of serials: which instrument, site and period used it."""

    instrument_id: str
    site_id: str
    consumption_start: datetime
    consumption_end: datetime
    serials: SerialRange

    def describe(self) -> str:
        return (
            f"instrument {self.instrument_id!r} at site {self.site_id!r} for "
            f"{self.consumption_start.isoformat()} – {self.consumption_end.isoformat()}"
        )


def serial_uses(instruments: Iterable[Any]) -> tuple[SerialUse, ...]:
    """The serial blocks the instruments apply (records without serials are skipped)."""
    uses = []
    for inst in instruments:
        block = getattr(inst, "serials", None)
        if block is not None:
            uses.append(
                SerialUse(
                    inst.id, inst.site_id, inst.consumption_start, inst.consumption_end, block
                )
            )
    return tuple(uses)


def find_overlaps(uses: Sequence[SerialUse]) -> list[tuple[SerialUse, SerialUse, tuple[int, int]]]:
    """Every pair of uses that share serials, with the shared numbers ``(first, last)``.

    The very same use listed twice (same instrument, site, period and block, e.g. a
    ledger entry of this run) is not an overlap.
    """
    groups: dict[tuple[str, str], list[SerialUse]] = {}
    for use in uses:
        groups.setdefault((label_key(use.serials.registry), use.serials.prefix), []).append(use)
    found = []
    for group in groups.values():
        group = sorted(group, key=lambda u: (u.serials.first, u.serials.last))
        active: list[SerialUse] = []
        for use in group:
            active = [a for a in active if a.serials.last >= use.serials.first]
            for other in active:
                if other == use:
                    continue
                shared = other.serials.overlap(use.serials)
                if shared is not None:
                    found.append((other, use, shared))
            active.append(use)
    return found


def check_serials(
    instruments: Iterable[Any], *, prior_uses: Sequence[SerialUse] = ()
) -> tuple[SerialUse, ...]:
    """Refuse any serial applied twice, across sites and periods (Quality Criterion 2).

    Parameters
    ----------
    instruments : iterable of Instrument
        The instruments about to be applied; those with serials are checked against
        each other and against `prior_uses`.
    prior_uses : sequence of SerialUse
        Serial blocks applied before (the ledger passes them in).

    Returns
    -------
    tuple of SerialUse
        The uses of `instruments`, for the ledger to persist.

    Raises
    ------
    SerialOverlapError
        Naming both uses (instrument ids, sites, periods) and the shared serial range,
        for every overlapping pair.
    """
    mine = serial_uses(instruments)
    overlaps = find_overlaps([*prior_uses, *mine])
    if overlaps:
        lines = [
            f"serials {a.serials.serial(lo)} … {a.serials.serial(hi)} "
            f"(registry {a.serials.registry}, {hi - lo + 1} MWh) are applied twice: "
            f"{a.describe()} and {b.describe()}"
            for a, b, (lo, hi) in overlaps
        ]
        raise SerialOverlapError(
            "no MWh may be claimed twice (Scope 2 Quality Criterion 2):\n  " + "\n  ".join(lines)
        )
    return mine
