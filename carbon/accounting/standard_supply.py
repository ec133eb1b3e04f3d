"""The standard supply service claim of the 2025 Scope 2 draft (docs/methodology.md §1.8).

A reporter claims only its pro-rata share of publicly funded or mandated clean supply:
``claim = SSS clean MWh ÷ utility retail sales MWh × own load``. The utility publishes its
figures for a year, not per hour, so the share ``s`` of the ``[[standard_supply]]`` row
that applies to an hour (by the local date of the hour) is applied to that hour's load:
``claim_h = s · L_h``. The claim can never exceed the share; what the reporter does not
claim stays with the utility's other customers and cannot be transferred to another
reporter, site or hour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError
from carbon.site.standard_supply import StandardSupply

__all__ = ["SupplyShare", "standard_supply_share"]


@dataclass(frozen=True)
class SupplyShare:
    """The clean share ``s_h`` per hour and which row gave it (−1 = none)."""

    share: np.ndarray  # (time,) fraction 0..1
    row: np.ndarray  # (time,) int index into `rows`, -1 where no row applies
    rows: tuple[StandardSupply, ...]


def standard_supply_share(
    rows: Sequence[StandardSupply], hours: pd.DatetimeIndex, timezone: str
) -> SupplyShare:
    """The clean share of the standard supply on each of `hours` (tz-naive UTC starts).

    A row applies to the hours whose local date lies in ``[applies_from, applies_to)``;
    two rows applying to one hour is an error naming both.
    """
    local = pd.DatetimeIndex(hours).tz_localize("UTC").tz_convert(timezone)
    days = local.normalize().tz_localize(None).to_numpy()
    share = np.zeros(len(hours))
    which = np.full(len(hours), -1, dtype=np.int64)
    for k, row in enumerate(rows):  # loops over declarations, never hours
        inside = (days >= np.datetime64(row.applies_from)) & (days < np.datetime64(row.applies_to))
        clash = inside & (which >= 0)
        if clash.any():
            other = rows[int(which[np.argmax(clash)])]
            raise ConfigError(
                f"standard_supply: rows for {other.utility!r} ({other.applies_from} – "
                f"{other.applies_to}) and {row.utility!r} ({row.applies_from} – "
                f"{row.applies_to}) both apply to {pd.Timestamp(local[np.argmax(clash)]).date()}; "
                "keep one row per day"
            )
        share[inside] = row.share
        which[inside] = k
    return SupplyShare(share=share, row=which, rows=tuple(rows))
