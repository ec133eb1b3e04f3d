"""Data quality: the counts and findings the report shows, per meter and period.

The flags themselves (:class:`carbon.core.flags.Flag`, one per meter and interval)
are set by the importers (source codes) and by alignment (gaps, duplicates,
negatives). This stage only counts and lists them; it drops, fills and clips
nothing. Rows are conserved: every row read is either inside the period on the
grid, outside the period, or a counted duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.flags import FLAG_NAMES, Flag
from carbon.quality.categories import QualityTally
from carbon.quality.cube_model import ConflictingDuplicate, SetAside
from carbon.quality.invoices import BREACH, INCOMPLETE, InvoiceCheck


@dataclass(frozen=True)
class MeterQuality:
    """Counts for one meter over the reporting period."""

    id: str
    role: str
    expected_intervals: int
    present: int
    missing: int
    negatives: int
    estimated: int
    duplicates: int
    conflicting: int
    rows_read: int
    first_gap: str | None
    flag_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class QualityReport:
    """The data-quality findings of one period."""

    flags: xr.DataArray  # (meter, time) int8 codes
    meters: tuple[MeterQuality, ...]
    conflicts: tuple[ConflictingDuplicate, ...]
    #: intervals by category, rows by bucket, completeness (:mod:`carbon.quality.categories`)
    tally: QualityTally | None = None
    #: the utility bills against the revenue meter (:mod:`carbon.quality.invoices`)
    invoices: tuple[InvoiceCheck, ...] = ()
    #: input rows set aside or placed by rule (:class:`carbon.quality.cube_model.SetAside`)
    set_aside: tuple[SetAside, ...] = ()

    @property
    def total_gaps(self) -> int:
        return sum(m.missing for m in self.meters)

    def as_dict(self) -> dict[str, object]:
        meters = [m.as_dict() for m in self.meters]
        out: dict[str, object] = {
            "flag_codes": {str(k): v for k, v in FLAG_NAMES.items()},
            "meters": meters,
            "total_gaps": self.total_gaps,
            "total_negatives": sum(m.negatives for m in self.meters),
            "total_duplicates": sum(m.duplicates for m in self.meters),
            "conflicting_duplicates": [c.__dict__ for c in self.conflicts],
        }
        if self.tally is not None:
            for row, counted in zip(meters, self.tally.meters, strict=True):
                row.update(counted.as_dict())
            out["totals"] = self.tally.totals()
            out["completeness"] = self.tally.completeness.as_dict()
        if self.invoices:
            out["invoices"] = {
                "tolerance": self.invoices[0].tolerance,
                "checked": len(self.invoices),
                "breaches": sum(c.status == BREACH for c in self.invoices),
                "incomplete": sum(c.status == INCOMPLETE for c in self.invoices),
                "bills": [c.as_dict() for c in self.invoices],
            }
        if self.set_aside:  # absent when nothing was set aside
            out["set_aside"] = [r.as_dict() for r in self.set_aside]
        return out


def flag_counts(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """``counts[meter, code]``: how often each code in ``range(n_codes)`` occurs per row.

    Equal to ``(codes == code).sum(axis=1)`` for every code (codes outside the range are not
    counted), in one pass: the non-zero cells (normally few) are counted by one
    ``np.bincount`` of ``row * n_codes + code``, and the zeros are what is left of each row.
    """
    n_rows, n_time = codes.shape
    flat = codes.reshape(-1)
    cells = np.flatnonzero(flat)
    code = flat[cells].astype(np.intp)
    row = cells // max(n_time, 1)
    counted = (code > 0) & (code < n_codes)
    counts = np.bincount(
        row[counted] * n_codes + code[counted], minlength=n_rows * n_codes
    ).reshape(n_rows, n_codes)
    if n_codes:
        counts[:, 0] = n_time - np.bincount(row, minlength=n_rows)
    return counts


def assess(
    energy: xr.DataArray,
    flags: xr.DataArray,
    *,
    roles: dict[str, str],
    rows_read: dict[str, int],
    duplicates: dict[str, int],
    conflicts: tuple[ConflictingDuplicate, ...] = (),
) -> QualityReport:
    """Count the flags of the period cube per meter.

    Parameters
    ----------
    energy
        ``energy(meter, time)`` [kWh] over the period; NaN where no usable reading.
    flags
        ``flags(meter, time)`` codes on the same grid.
    roles, rows_read, duplicates
        Per meter: its role, rows read over all inputs, identical duplicates.
    conflicts
        Conflicting duplicates found while aligning (listed if inside the period).
    """
    codes = np.asarray(flags.values)
    values = np.asarray(energy.pint.to("kWh").pint.magnitude)
    n_time = codes.shape[1]
    counts = flag_counts(codes, len(Flag)).tolist()  # (meter, flag)
    # a row whose sum is not NaN has no NaN (NaN stays NaN through a sum): only the others
    # are searched cell by cell
    searched = np.flatnonzero(np.isnan(values.sum(axis=1)))
    gaps = {int(i): np.isnan(values[i]) for i in searched}
    missing = [0] * len(values)
    for i, row in gaps.items():  # loop over meters with a NaN
        missing[i] = int(np.count_nonzero(row))
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    start, end = times[0], times[-1] if n_time else times[0]
    named = [(int(f), FLAG_NAMES[int(f)]) for f in Flag if f != Flag.MEASURED]
    meters = []
    for i, meter in enumerate(energy["meter"].values.tolist()):  # loop over meters
        row = counts[i]
        meters.append(
            MeterQuality(
                id=meter,
                role=roles[meter],
                expected_intervals=n_time,
                present=n_time - missing[i],
                missing=missing[i],
                negatives=row[int(Flag.NEGATIVE)],
                estimated=row[int(Flag.SOURCE_ESTIMATED)],
                duplicates=int(duplicates.get(meter, 0)),
                conflicting=row[int(Flag.DUPLICATE_CONFLICTING)],
                rows_read=int(rows_read.get(meter, 0)),
                first_gap=times[int(np.argmax(gaps[i]))].isoformat() if missing[i] else None,
                flag_counts={name: row[code] for code, name in named if row[code]},
            )
        )
    in_period = tuple(c for c in conflicts if start <= pd.Timestamp(c.interval_start) <= end)
    return QualityReport(flags=flags, meters=tuple(meters), conflicts=in_period)
