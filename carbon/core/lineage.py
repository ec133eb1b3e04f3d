"""The lineage record every reader returns for the manifest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pint


@dataclass(frozen=True)
class InputRecord:
    """One input as the manifest lists it: where it came from, its hash, rows and span."""

    path: str
    sha256: str
    rows: int
    start: str | None
    end: str | None
    kind: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def file_sha256_in_background(path: str | Path) -> Callable[[], str]:
    """Start hashing `path` on a second thread; the function returned waits for the digest.

    Reading and hashing release the GIL, so a file's hash costs no wall time while the
    caller decodes the same file (the hash is of the bytes on disk, as :func:`file_sha256`).
    """
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    future = executor.submit(file_sha256, path)
    executor.shutdown(wait=False)  # the thread ends with its one task
    return future.result


# --- What importers return -------------------------------------------------------------------
# Every `read_*` function of carbon.ingest returns one of the two tables below: long-form rows in
# interval-start UTC, the unit as a pint Unit (never implied by a column name alone), the source's
# own quality/estimation codes mapped to carbon.core.flags.Flag, and the source line (or record
# number) of every row so that later stages can name it in errors.

METER_COLUMNS = ("interval_start", "meter_id", "value", "flag", "line")
#: The further columns of a table of spans between point samples (telemetry): where each
#: span ends and the power at its two ends (NaN for a counter span). The quality stage puts
#: such a table on the meter grid by time overlap (carbon.quality.apportion).
SPAN_COLUMNS = ("interval_end", "power_start", "power_end")
GRID_COLUMNS = ("interval_start", "value", "flag", "line")
#: Optional column of a grid table: the grid's carbon-free share of the interval, a fraction
#: 0..1 (NaN where the source gives none); which fuels count is in ``meta["cfe_basis"]``.
GRID_CFE_COLUMN = "cfe_share"


@dataclass(frozen=True)
class MeterTable:
    """Meter energy readings from one source, long form.

    ``frame`` columns: ``interval_start`` (datetime64[ns, UTC]), ``meter_id`` (str),
    ``value`` (float64, energy per interval in ``unit``; NaN only where the source
    marks the value missing, flagged ``SOURCE_MISSING``), ``flag`` (int8,
    :class:`carbon.core.flags.Flag`), ``line`` (int64, 1-based line or record number in
    the source). Rows are never dropped by a reader: duplicates, negatives and
    resets stay in and are flagged. A table read from point samples also has the
    :data:`SPAN_COLUMNS`: its rows are spans between samples, not grid intervals.
    """

    frame: pd.DataFrame
    unit: pint.Unit  # an energy unit (kWh, Wh, J, mJ ...)
    interval: pd.Timedelta | None  # native interval length when the source states or implies it
    record: InputRecord
    labels: dict[str, dict[str, str]]  # meter_id -> source labels (e.g. DCGM pod/namespace)


@dataclass(frozen=True)
class GridTable:
    """A grid carbon-intensity series from one source, long form.

    ``frame`` columns: ``interval_start`` (datetime64[ns, UTC]), ``value`` (float64,
    in ``unit``), ``flag`` (int8: MEASURED, or SOURCE_ESTIMATED where the source says
    so), ``line`` (int64). A source that gives the grid's carbon-free share adds the
    column :data:`GRID_CFE_COLUMN` (fraction 0..1, NaN where it has none) and says in
    ``meta["cfe_basis"]`` which generation counts as carbon-free.
    """

    frame: pd.DataFrame
    unit: pint.Unit  # CO2e (or CO2) mass per energy, e.g. g CO2e/kWh, lb CO2/MWh
    region: str  # the source's zone / balancing authority / area code
    gas: str  # "CO2e" or "CO2"
    basis: str  # "direct" (combustion) or "lifecycle"
    kind: str  # "average" or "marginal"
    resolution: pd.Timedelta
    record: InputRecord
    meta: dict[str, str]  # source-specific facts worth keeping (model date, data source, edition)


def span_record(
    path: str | Path,
    source: str,
    rows: int,
    starts: pd.DatetimeIndex,
    step: pd.Timedelta,
    kind: str,
) -> InputRecord:
    """The record of a file whose rows hold intervals starting at `starts`, each `step` long.

    `path` is hashed; `source` is how the file is named in messages and the manifest.
    """
    return InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=rows,
        start=starts.min().isoformat(),
        end=(starts.max() + step).isoformat(),
        kind=kind,
    )
