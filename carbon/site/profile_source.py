"""Where an instrument's hourly profile came from, and what reading it left out.

An instrument of the instruments CSV whose ``profile`` names a file
(:mod:`carbon.site.profile_files`) carries a :class:`ProfileSource`: the file's input
record (it joins the report's lineage), its format, the hours of the consumption window
whose data were incomplete, the energy outside the window, and the GC bundles left out
(another beneficiary, another site, another device, not cancelled). Nothing is dropped
silently: :meth:`ProfileSource.note` states all of it for the hours a report uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.core.lineage import InputRecord

__all__ = ["ProfileSource"]


@dataclass(frozen=True, eq=False)
class ProfileSource:
    """An instrument's profile file and what reading it counted but did not use.

    ``incomplete_hours`` are tz-naive UTC hour starts inside the consumption window
    whose intervals were missing in whole or part (they hold only the energy present);
    ``outside_kwh`` is the file's energy outside the window [kWh] (``outside_hours``
    hours), not used; ``left_out`` says which GC bundles were not this instrument's.
    """

    record: InputRecord
    format: str
    incomplete_hours: np.ndarray  # datetime64[ns], tz-naive UTC
    outside_hours: int = 0
    outside_kwh: float = 0.0
    left_out: tuple[str, ...] = ()
    granular: bool = False  # a granular certificate export: the bundles are the certificates
    issuances: np.ndarray | None = None  # issuance ids of the bundles used (granular only)
    issuance_lines: np.ndarray | None = None  # their lines in the export

    def note(self, hours: pd.DatetimeIndex) -> str:
        """What a report over `hours` (tz-naive UTC, inside the consumption window) should
        state about this profile: incomplete hours among them, energy outside the window
        and bundles left out."""
        parts = []
        gaps = pd.DatetimeIndex(self.incomplete_hours)
        hit = gaps[gaps.isin(hours)]
        if len(hit):
            parts.append(
                f"{len(hit)} hour(s) lack complete profile data and count only the energy "
                f"present (first {hit[0].isoformat()}Z)"
            )
        if self.outside_hours:
            parts.append(
                f"{self.outside_hours} hour(s) of the file ({self.outside_kwh / 1000:.6g} MWh) "
                "lie outside the consumption period and are not used"
            )
        parts.extend(self.left_out)
        detail = "; ".join(parts) if parts else "complete over the period"
        return f"profile {self.record.path} ({self.format}): {detail}"
