"""The meter cube's types and the rules its builders share.

:class:`MeterCube` is what :func:`carbon.quality.align.build_cube` (and the builders behind
it, :mod:`carbon.quality.cube` and :mod:`carbon.quality.parquet_cube`) return;
:class:`ConflictingDuplicate` is one of its records of a meter interval read twice with
different values. :data:`SEVERITY` and :data:`BY_SEVERITY` rank the flags of the readings
that fall into one cell (the most severe wins), and :func:`is_conflicting` says which
repeated readings conflict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord

#: One hour: every common interval divides it or is a multiple of it.
HOUR = pd.Timedelta(hours=1)

# Severity order when several readings fall into one common interval (later wins). A cell
# without every reading it should hold is at least a GAP; a more specific reason wins over GAP.
_ORDER = (
    Flag.MEASURED,
    Flag.IMPUTED_LINEAR,
    Flag.IMPUTED_PROFILE,
    Flag.DUPLICATE_IDENTICAL,
    Flag.SOURCE_ESTIMATED,
    Flag.ABOVE_RATED,
    Flag.NEGATIVE,
    Flag.PARTIAL,
    Flag.GAP,
    Flag.COUNTER_RESET,
    Flag.SOURCE_MISSING,
    Flag.DUPLICATE_CONFLICTING,
)
#: Flag code -> its rank in the order above.
SEVERITY = np.zeros(max(int(f) for f in Flag) + 1, dtype=np.int8)
SEVERITY[[int(f) for f in _ORDER]] = np.arange(len(_ORDER))
#: Rank -> flag code (the inverse of :data:`SEVERITY`).
BY_SEVERITY = np.array([int(f) for f in _ORDER], dtype=np.int8)


@dataclass(frozen=True)
class ConflictingDuplicate:
    """One meter interval read more than once with different values."""

    meter: str
    interval_start: str
    values_kwh: tuple[float, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SetAside:
    """Rows of an input file not taken as they stand, counted: the readings of an undeclared
    meter of a shared file (``undeclared-meter``: not read), or naive local stamps in the
    repeated fall-back hour whose instant the file order cannot settle
    (``ambiguous-local-time``: placed at the first, daylight-saving instant)."""

    path: str
    meter: str  # the id as the file writes it
    rows: int
    first_line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class MeterCube:
    """All meters of a site on one grid."""

    energy: xr.DataArray  # (meter, time) [kWh]; NaN = no usable reading
    flags: xr.DataArray  # (meter, time) int8 Flag codes
    interval: pd.Timedelta  # the common interval
    native_interval: dict[str, pd.Timedelta]
    rows_read: dict[str, int]  # rows per meter, over all inputs
    duplicates_identical: dict[str, int]
    conflicts: tuple[ConflictingDuplicate, ...]
    records: tuple[InputRecord, ...]
    #: (meter, time) how many rows of the inputs fell into each cell: every row read,
    #: duplicates and rows without a usable value included (``Σ = rows_read``). None only
    #: for a cube built elsewhere; the quality stage then cannot split the rows.
    readings: xr.DataArray | None = None
    #: IT meter -> ((change instant [UTC ns], kWh read in its cell before it), ...) for IT
    #: meters finer than the cube that change workload inside a cell
    #: (:mod:`carbon.quality.split_points`); empty where none does
    split_points: Mapping[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)
    #: rows of the inputs set aside or placed by rule, counted (:class:`SetAside`)
    set_aside: tuple[SetAside, ...] = ()


def readings_array(counts: np.ndarray, energy: xr.DataArray) -> xr.DataArray:
    """``counts`` (one per cell, flat or (meter, time)) as the cube's ``readings`` array:
    ``uint16`` when every count fits, else ``int64`` (the same rule for every builder)."""
    counts = np.asarray(counts).reshape(energy.shape)
    dtype = np.uint16 if counts.size == 0 or int(counts.max()) < 2**16 else np.int64
    return xr.DataArray(
        counts.astype(dtype, copy=False),
        dims=("meter", "time"),
        coords={"meter": energy["meter"], "time": energy["time"]},
        name="readings",
    )


def is_conflicting(spread: pd.DataFrame) -> pd.Series:
    """Which groups of readings of one meter and interval conflict.

    `spread` holds per group the ``min``, ``max``, ``size`` and ``count`` (non-missing
    readings). Readings conflict when they carry different values, or when some are missing
    and others are not (a missing reading never silently stands in for a value, nor the other
    way round). Readings that are all missing agree: the interval stays a gap.
    """
    repeated = spread["size"] > 1
    partly_missing = (spread["count"] > 0) & (spread["count"] < spread["size"])
    differ = (spread["count"] == spread["size"]) & (spread["min"] != spread["max"])
    return repeated & (partly_missing | differ)
