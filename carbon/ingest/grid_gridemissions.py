"""gridemissions (de Chalendar) CO2 intensity files: ``CO2i_<BA>_D`` columns.

:func:`read_gridemissions_co2i` reads one BA's consumption-based intensity from
a wide gridemissions ``…_co2i.csv`` file (first column ``period``, then one
``CO2i_<BA>_D`` column per balancing authority, in kg/MWh) into a
:class:`~carbon.core.lineage.GridTable`.

- Time: ``period`` is naive UTC and inherits EIA-930's hour-*ending* label, so
  interval start = ``period`` − 1 h (docs/data-formats.md §2.2, §7).
- Accounting: consumption-based (flow-traced through EIA-930 interchange, after
  physics-based reconciliation).
- Basis: **life-cycle**, not direct. gridemissions multiplies generation by its
  default factors (``gridemissions/emissions.py``: WAT 4, NUC 16, SUN 46,
  NG 469, WND 12, COL 1000, OIL 840, OTH 439, UNK 439, BIO 230, GEO 42 kg/MWh),
  which are life-cycle medians: a direct (combustion) rate for hydro, wind,
  solar or nuclear would be 0. The real 2023 sample shows it: all-hydro BAs
  (HQT, MHEB, YAD) read exactly 4 kg/MWh, the WAT factor. So the default is
  ``basis="lifecycle"`` and ``gas="CO2e"`` (life-cycle medians are CO2-eq),
  which Scope 2 refuses. Pass ``basis="direct"`` only for a file you produced
  with direct-combustion CO2 factors yourself.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, span_record
from carbon.core.units import parse_unit

__all__ = ["read_gridemissions_co2i"]

HOUR = pd.Timedelta(hours=1)
BASES = ("lifecycle", "direct")
_COLUMN = re.compile(r"^CO2i_(?P<ba>[A-Za-z0-9]+)_D$")


def read_gridemissions_co2i(path: str | Path, *, ba: str, basis: str = "lifecycle") -> GridTable:
    """Read one BA's hourly consumption-based CO2 intensity from a gridemissions file.

    Parameters
    ----------
    path : str or Path
        A gridemissions ``…_co2i.csv`` file (wide: ``period``, ``CO2i_<BA>_D`` …).
    ba : str
        Balancing-authority code, e.g. ``"ERCO"`` (case-insensitive).
    basis : {"lifecycle", "direct"}
        ``"lifecycle"`` (default) for files made with gridemissions' own
        factors, which are life-cycle medians; ``"direct"`` only for a file
        produced with direct-combustion CO2 factors.

    Returns
    -------
    GridTable
        One row per data line: ``interval_start`` (``period`` − 1 h, UTC),
        ``value`` [kg CO2e/MWh for ``"lifecycle"``, kg CO2/MWh for
        ``"direct"``], ``flag`` (``MEASURED``; ``SOURCE_MISSING`` where the
        cell is empty), ``line``. ``kind`` is ``"average"``; ``meta`` says the
        series is consumption-based.

    Raises
    ------
    ConfigError
        `basis` is not one of the choices.
    InputDataError
        No ``period`` column, `ba` not in the file (the message lists the BAs
        that are), an unparseable stamp or number (file and line named).

    References
    ----------
    .. [1] J. A. de Chalendar, J. Taggart, S. M. Benson, "Tracking emissions in the
       US electricity system", PNAS 116 (51), 2019, doi:10.1073/pnas.1912950116
    .. [2] https://github.com/jdechalendar/gridemissions (MIT)
    """
    # Long by design: the file's checks in order (columns, BA, stamps, values), each naming the file
    # and line, then the table and its meta.
    if basis not in BASES:
        raise ConfigError(
            f"basis {basis!r} is not valid; choose one of: {', '.join(BASES)}", reason="bad-option"
        )
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable UTF-8 CSV file ({exc}); expected a UTF-8 CSV export",
            path=source,
            reason="unreadable",
        ) from None
    columns = [c.strip() for c in frame.columns]
    frame.columns = columns
    if not columns or columns[0] != "period":
        raise InputDataError(
            f"{source}: line 1: the first column is {columns[0] if columns else ''!r}; a "
            "gridemissions file starts with 'period' followed by CO2i_<BA>_D columns",
            path=source,
            line=1,
            reason="missing-column",
        )
    available = {m["ba"].upper(): c for c in columns if (m := _COLUMN.match(c))}
    key = ba.strip().upper()
    if key not in available:
        listed = ", ".join(sorted(available)) or "none (no CO2i_<BA>_D columns)"
        raise InputDataError(
            f"{source}: balancing authority {ba!r} has no column CO2i_{key}_D; available: {listed}",
            path=source,
            reason="unknown-region",
        )
    column = available[key]
    if frame.empty:
        raise InputDataError(
            f"{source}: line 2: no data rows after the header", path=source, line=2, reason="empty"
        )
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)

    period = frame["period"].str.strip()
    stamps = pd.to_datetime(period, format="ISO8601", errors="coerce")
    bad = stamps.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: period {period.iloc[i]!r} is not a date-time; "
            "expected YYYY-MM-DD HH:MM:SS (UTC, hour ending)",
            path=source,
            line=int(lines[i]),
            timestamp=period.iloc[i],
            reason="timestamp",
        )
    stamps = pd.DatetimeIndex(stamps)
    if stamps.tz is None:
        stamps = stamps.tz_localize("UTC")
    # Hour-ending label -> interval start (docs/data-formats.md §7).
    starts = stamps.tz_convert("UTC").as_unit("ns") - HOUR

    text = frame[column].str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & (text != "").to_numpy() & ~text.str.casefold().eq("nan").to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} is not a number; "
            "expected a decimal number in g/kWh or an empty cell",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    flags = np.where(np.isnan(values), int(Flag.SOURCE_MISSING), int(Flag.MEASURED)).astype(np.int8)
    gas = "CO2e" if basis == "lifecycle" else "CO2"
    table = pd.DataFrame({"interval_start": starts, "value": values, "flag": flags, "line": lines})
    meta = {
        "source": "gridemissions (de Chalendar), consumption-based CO2 intensity",
        "column": column,
        "accounting": "consumption-based (flow-traced through EIA-930 interchange)",
        "basis_note": (
            "gridemissions' default factors are life-cycle medians (WAT 4, NUC 16, SUN 46, "
            "NG 469, WND 12, COL 1000, OIL 840, OTH/UNK 439, BIO 230, GEO 42 kg/MWh), so the "
            "file is life-cycle CO2-eq although its columns say CO2"
            if basis == "lifecycle"
            else "basis 'direct' asserted by the caller (file made with direct CO2 factors)"
        ),
        "time_convention": "period is the hour-ending label (naive UTC); interval start = "
        "period - 1 h",
        "available_bas": ", ".join(sorted(available)),
        "missing_hours": str(int(np.isnan(values).sum())),
        "licence": "gridemissions code MIT; cite de Chalendar et al., PNAS 2019; data from "
        "EIA-930 (public domain)",
    }
    record = span_record(
        path,
        source,
        len(table),
        starts,
        HOUR,
        f"grid intensity (gridemissions CO2i, {key}, consumption-based, {basis})",
    )
    return GridTable(
        frame=table,
        unit=parse_unit(f"kg {gas}/MWh"),
        region=key,
        gas=gas,
        basis=basis,
        kind="average",
        resolution=HOUR,
        record=record,
        meta=meta,
    )
