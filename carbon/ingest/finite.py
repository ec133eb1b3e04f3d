"""Every number read is finite: ``inf``, ``-Infinity`` and ``1e999`` are refused, as ``NaN`` is.

A reader parses its cells with pandas or ``json``, both of which turn ``inf``, ``Infinity`` and
a number too large for a double (``1e999``) into ±infinity. Such a value is never a reading:
it is refused here with the file, the line (or record) and the meter, like a cell that is not
a number. :func:`refuse_non_finite` checks an array as a reader parses it (with the text of
the cell); :func:`check_meter_tables` and :func:`check_grid_table` check what a reader returns
(the one list of importers, :mod:`carbon.ingest.registry`, runs them on every table), so no
importer can hand an infinite value on.

Missing values stay NaN where a format allows them (an empty cell, a source's own missing
code); they are flagged, never refused here. DCGM's exposition format writes ``NaN`` and
``±Inf`` for a blank sample, and its reader counts those as missing samples
(:mod:`carbon.ingest.dcgm_exposition`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, excerpt
from carbon.core.lineage import GridTable, MeterTable

__all__ = ["check_grid_table", "check_meter_tables", "refuse_non_finite"]


def refuse_non_finite(
    values: np.ndarray,
    *,
    source: str,
    column: str,
    lines: Sequence[int] | np.ndarray | None = None,
    raw: Sequence[object] | pd.Series | None = None,
    meters: Sequence[object] | np.ndarray | None = None,
) -> None:
    """Raise :class:`InputDataError` (reason ``non-finite``) at the first ±infinite value.

    `lines` are the 1-based file lines (or record numbers) of the values, `raw` the cells as
    written (quoted, cut to a short excerpt) and `meters` the meter id of each value.
    """
    infinite = np.isinf(np.asarray(values, dtype="float64"))
    if not infinite.any():
        return
    i = int(np.argmax(infinite))
    line = None if lines is None else int(np.asarray(lines)[i])
    meter = None if meters is None else str(np.asarray(meters, dtype=object)[i])
    written = (
        excerpt(raw.iloc[i] if isinstance(raw, pd.Series) else raw[i])
        if raw is not None
        else repr(float(np.asarray(values)[i]))
    )
    where = f"line {line}: " if line is not None else ""
    of_meter = f" (meter {meter})" if meter is not None else ""
    raise InputDataError(
        f"{source}: {where}{column} {written}{of_meter} is not a finite number "
        f"({int(infinite.sum())} such value(s) in the file); expected a finite decimal number, "
        "or an empty cell for a missing reading",
        path=source,
        line=line,
        meter=meter,
        reason="non-finite",
    )


def check_meter_tables(tables: list[MeterTable]) -> list[MeterTable]:
    """`tables` as given, after refusing any ±infinite value (naming file, line and meter)."""
    for table in tables:  # loop over the tables of one file
        frame = table.frame
        refuse_non_finite(
            frame["value"].to_numpy(dtype="float64"),
            source=table.record.path,
            column="value",
            lines=frame["line"].to_numpy(),
            meters=frame["meter_id"].to_numpy(dtype=object),
        )
    return tables


def check_grid_table(table: GridTable) -> GridTable:
    """`table` as given, after refusing any ±infinite intensity (naming file and line)."""
    frame = table.frame
    refuse_non_finite(
        frame["value"].to_numpy(dtype="float64"),
        source=table.record.path,
        column="intensity",
        lines=frame["line"].to_numpy(),
    )
    return table
