"""Data quality: per meter and interval flags, and the counts the report shows.

Nothing is dropped, filled or clipped here: the stage only looks and counts.
Flags (``int8`` codes, one per meter and interval):

====  ===========================================================
code  meaning
====  ===========================================================
0     measured
1     gap: no reading for the interval
2     negative reading (kept as read)
====  ===========================================================

Identical duplicate rows were collapsed by the reader and are counted here;
conflicting duplicates never get this far (the reader refuses them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

MEASURED, GAP, NEGATIVE = 0, 1, 2
FLAG_NAMES = {MEASURED: "measured", GAP: "gap", NEGATIVE: "negative"}


@dataclass(frozen=True)
class MeterQuality:
    """Counts for one meter over the reporting period."""

    id: str
    role: str
    expected_intervals: int
    present: int
    missing: int
    negatives: int
    duplicates: int
    rows_read: int
    first_gap: str | None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class QualityReport:
    """The data-quality findings of one period."""

    flags: xr.DataArray  # (meter, time) int8 codes
    meters: tuple[MeterQuality, ...]

    @property
    def total_gaps(self) -> int:
        return sum(m.missing for m in self.meters)

    def as_dict(self) -> dict[str, object]:
        return {
            "flag_codes": {str(k): v for k, v in FLAG_NAMES.items()},
            "meters": [m.as_dict() for m in self.meters],
            "total_gaps": self.total_gaps,
            "total_negatives": sum(m.negatives for m in self.meters),
            "total_duplicates": sum(m.duplicates for m in self.meters),
        }


def flag_intervals(energy: xr.DataArray) -> xr.DataArray:
    """Flag every (meter, interval): measured, gap or negative."""
    magnitude = energy.pint.to("kWh").pint.magnitude if hasattr(energy, "pint") else energy
    values = np.asarray(magnitude)
    codes = np.where(np.isnan(values), GAP, np.where(values < 0, NEGATIVE, MEASURED)).astype(
        np.int8
    )
    return xr.DataArray(codes, dims=energy.dims, coords=energy.coords, name="flags")


def assess(
    energy: xr.DataArray,
    *,
    roles: dict[str, str],
    rows_read: dict[str, int],
    duplicates: dict[str, int],
) -> QualityReport:
    """Count gaps, negatives and duplicates per meter in the period cube `energy`."""
    flags = flag_intervals(energy)
    codes = flags.values
    n_time = codes.shape[1]
    gaps = (codes == GAP).sum(axis=1)
    negatives = (codes == NEGATIVE).sum(axis=1)
    first_gap_pos = np.argmax(codes == GAP, axis=1)
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    meters = []
    for i, meter in enumerate(energy["meter"].values.tolist()):
        meters.append(
            MeterQuality(
                id=meter,
                role=roles[meter],
                expected_intervals=n_time,
                present=int(n_time - gaps[i]),
                missing=int(gaps[i]),
                negatives=int(negatives[i]),
                duplicates=int(duplicates.get(meter, 0)),
                rows_read=int(rows_read.get(meter, 0)),
                first_gap=times[first_gap_pos[i]].isoformat() if gaps[i] else None,
            )
        )
    return QualityReport(flags=flags, meters=tuple(meters))
