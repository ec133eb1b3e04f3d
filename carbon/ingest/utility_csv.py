"""Utility interval CSV ("Download My Data", Green Button CSV of PG&E, ComEd, SCL and others).

:func:`read_utility_csv` reads the file a customer downloads from the utility's
portal (docs/data-formats.md §3.2; docs/importers/utility-csv.md):

- a preamble (``Name,…``, ``Address,"…"``, ``Account Number,…``, ``Service,…``,
  blank line) before the header; it is skipped and not kept (it holds personal data);
- header variants ``TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES``,
  ``…,USAGE (kWh),COST,NOTES``, ``…,IMPORT (kWh),EXPORT (kWh),COST,NOTES``
  (``IMPORT (KWh)`` in Seattle City Light files), gas ``USAGE (therms)``;
  extra cost columns are ignored, and so is ``COST`` (money is not energy);
- ``DATE`` as ``YYYY-MM-DD`` or ``M/D/YYYY``; ``START TIME``/``END TIME`` as
  ``HH:MM`` (``H:MM AM`` accepted), local wall clock without offset. ``END TIME``
  is the *last minute* of the interval (``00:14``), so the interval ends one
  minute later (``00:15``); where it is missing, the next row's start is used.

Local times are placed in UTC with the site's time zone. A local hour that occurs
twice (autumn fall-back) is resolved by row order: its first rows are the
daylight-saving hour, the repeated rows the standard-time hour. The hour skipped
in spring is simply absent from such files and needs nothing; a row that claims a
local time inside it is an error naming its line.

Meter ids: a ``USAGE`` column is the meter ``<meter>``; ``IMPORT``/``EXPORT``
columns become two meters ``<meter>:import`` and ``<meter>:export`` (never
netted). ``<meter>`` is `meter_id`, default ``"utility"``. A row whose NOTES
mention an estimate (``* This data was estimated``) is flagged SOURCE_ESTIMATED;
an empty usage cell is NaN, flagged SOURCE_MISSING.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import InputDataError, UnitError, excerpt
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.core.units import ureg
from carbon.ingest.csv_text import first, read_csv_text, read_text
from carbon.ingest.finite import refuse_non_finite
from carbon.ingest.meter_values import unit_from_token
from carbon.ingest.stamps import check_timezone, localise

__all__ = ["DEFAULT_METER_ID", "read_utility_csv"]

#: The meter id used when none is given (``utility``, ``utility:import`` …).
DEFAULT_METER_ID = "utility"
_HEADER_SCAN_LINES = 60  # the header is looked for in the first lines only
_VALUE = re.compile(r"^(?P<kind>USAGE|IMPORT|EXPORT)(?:\s*\((?P<unit>[^)]*)\))?$", re.IGNORECASE)
_TIME = r"^(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[AaPp][Mm])?$"
_ESTIMATED = re.compile(r"estimat", re.IGNORECASE)


def _normalise(name: str) -> str:
    return " ".join(str(name).split()).upper()


def _header_line(text: str, source: str) -> int:
    """0-based index of the header line (the first with DATE and START TIME)."""
    lines = text.splitlines()
    for index, line in enumerate(lines[:_HEADER_SCAN_LINES]):  # loop over preamble lines
        cells = {_normalise(c) for c in next(csv.reader([line]), [])}
        if {"DATE", "START TIME"} <= cells:
            return index
    raise InputDataError(
        f"{source}: no header line found in the first {_HEADER_SCAN_LINES} lines; expected "
        "a utility interval CSV with a header such as "
        "'TYPE,DATE,START TIME,END TIME,USAGE (kWh),COST,NOTES'",
        path=source,
        reason="missing-header",
    )


def _unit(token: str, source: str, where: str) -> pint.Unit:
    try:
        unit = unit_from_token(token)
    except UnitError as exc:
        raise UnitError(f"{source}: {where}: {exc}", path=source, reason="unit") from None
    if not ureg.Quantity(1.0, unit).check("[energy]"):
        raise UnitError(
            f"{source}: {where}: usage is in {unit:~}, which is not an energy unit; expected "
            "kWh (electricity) or therms (gas) per interval",
            path=source,
            reason="unit",
        )
    return unit


def _times(
    raw: pd.Series, lines: np.ndarray, source: str, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """``HH:MM[:SS][ AM|PM]`` → (seconds after midnight, whether seconds were written)."""
    text = raw.astype(str).str.strip()
    parts = text.str.extract(_TIME)
    bad = parts["h"].isna().to_numpy().copy()
    hours = pd.to_numeric(parts["h"], errors="coerce").to_numpy()
    minutes = pd.to_numeric(parts["m"], errors="coerce").to_numpy()
    seconds = pd.to_numeric(parts["s"], errors="coerce").fillna(0).to_numpy()
    ampm = parts["ampm"].str.upper().to_numpy(dtype=object, na_value="")
    pm, am = ampm == "PM", ampm == "AM"
    bad |= (am | pm) & ((hours < 1) | (hours > 12))
    hours = np.where(am & (hours == 12), 0, np.where(pm & (hours != 12), hours + 12, hours))
    bad |= (hours > 23) | (minutes > 59) | (seconds > 59)
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {raw.iloc[i]!r} is not a time of day; "
            "expected HH:MM (e.g. 00:14)",
            path=source,
            line=int(lines[i]),
            timestamp=str(raw.iloc[i]),
            reason="timestamp",
        )
    total = hours * 3600 + minutes * 60 + seconds
    return total.astype("int64"), parts["s"].notna().to_numpy()


def _dates(raw: pd.Series, lines: np.ndarray, source: str) -> pd.DatetimeIndex:
    text = raw.astype(str).str.strip()
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
    dates = pd.DatetimeIndex(iso.fillna(us)).as_unit("ns")
    bad = np.asarray(dates.isna())
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: DATE {raw.iloc[i]!r} is not a date; expected "
            "YYYY-MM-DD or M/D/YYYY",
            path=source,
            line=int(lines[i]),
            timestamp=str(raw.iloc[i]),
            reason="timestamp",
        )
    return dates


def _usage(raw: pd.Series, lines: np.ndarray, source: str, column: str) -> np.ndarray:
    text = raw.astype(str).str.strip().str.replace(",", "", regex=False)
    empty = (text == "").to_numpy()
    values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & ~empty
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {excerpt(raw.iloc[i])} is not a number; "
            "expected the usage of the interval (e.g. 0.42) or an empty cell",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    refuse_non_finite(values, source=source, column=column, lines=lines, raw=raw)
    return values


def _value_columns(
    frame: pd.DataFrame, header: int, lines: np.ndarray, source: str
) -> list[tuple[str, str, pint.Unit, np.ndarray]]:
    """(column, kind, unit, per-row factor to that unit) for USAGE/IMPORT/EXPORT columns."""
    found = []
    for column in frame.columns:  # loop over columns
        match = _VALUE.match(" ".join(str(column).split()))
        if match:
            found.append((column, match["kind"].upper(), match["unit"]))
    if not found:
        raise InputDataError(
            f"{source}: line {header}: no usage column; expected USAGE, USAGE (kWh), or "
            "IMPORT (kWh) and EXPORT (kWh); the columns are "
            f"{', '.join(repr(c) for c in frame.columns)}",
            path=source,
            line=int(header),
            reason="missing-column",
        )
    units_column = next((c for c in frame.columns if _normalise(c) == "UNITS"), None)
    result = []
    for column, kind, token in found:  # loop over value columns
        if token is not None:
            unit = _unit(token, source, f"line {header}: column {column!r}")
            result.append((column, kind, unit, np.ones(len(frame))))
            continue
        if units_column is None:
            raise UnitError(
                f"{source}: line {header}: column {column!r} has no unit and there is no "
                "UNITS column; expected 'USAGE (kWh)' or a UNITS column",
                path=source,
                line=int(header),
                reason="unit",
            )
        texts = frame[units_column].astype(str).str.strip()
        distinct = list(dict.fromkeys(texts))
        parsed = {}
        for token_text in distinct:  # loop over distinct unit spellings
            where = f"line {lines[first((texts == token_text).to_numpy())]}: UNITS"
            parsed[token_text] = _unit(token_text, source, where)
        unit = parsed[distinct[0]]
        factors = {t: float(ureg.Quantity(1.0, u).to(unit).magnitude) for t, u in parsed.items()}
        result.append((column, kind, unit, texts.map(factors).to_numpy(dtype=float)))
    return result


def read_utility_csv(path: str | Path, *, timezone: str, meter_id: str | None = None) -> MeterTable:
    """Read a utility "Download My Data" interval CSV.

    Parameters
    ----------
    path : str or Path
        The downloaded file (preamble, header, one row per interval).
    timezone : str
        The site's IANA zone (e.g. ``America/Los_Angeles``); the file's times are
        local wall clock without offset.
    meter_id : str, optional
        The meter id to give the readings; default ``"utility"``. With IMPORT
        and EXPORT columns the ids are ``<meter_id>:import`` and ``<meter_id>:export``.

    Returns
    -------
    MeterTable
        One row per data row and usage column, ``interval_start`` in UTC,
        ``value`` in the file's unit (kWh, or therm for gas), ``interval`` the
        most common row length when all rows agree, else None. ``labels`` per
        meter: ``type`` (``Electric usage`` …), ``direction``, ``column``.

    Raises
    ------
    InputDataError
        Empty file, non-UTF-8 bytes, no header, a date, time or number that does
        not parse, a local time in the spring-forward gap, several TYPEs in one
        file. The message names the file and the line.
    UnitError
        A usage unit that is not energy (e.g. ``kW``), or missing.
    ConfigError
        `timezone` is not an IANA zone.
    """
    # Long by design: the preamble, header, stamps and value columns of the download are read in
    # file order; each refusal names the file and line.
    source = str(path)
    check_timezone(timezone)
    text = read_text(path)
    header = _header_line(text, source)
    body = "\n".join(text.splitlines()[header:])
    frame, lines = read_csv_text(body, source, first_line=header + 1)
    columns = {_normalise(c): c for c in frame.columns}
    base = DEFAULT_METER_ID if meter_id is None else str(meter_id)

    kind = _service_type(frame, columns, lines, source)
    dates = _dates(frame[columns["DATE"]], lines, source)
    start_s, _ = _times(frame[columns["START TIME"]], lines, source, "START TIME")
    local_start = dates + pd.to_timedelta(start_s, unit="s")
    texts = (
        frame[columns["DATE"]].astype(str).str.strip()
        + " "
        + frame[columns["START TIME"]].astype(str).str.strip()
    ).tolist()
    starts = localise(
        local_start,
        timezone,
        groups=None,
        lines=lines,
        texts=texts,
        source=source,
        column="DATE START TIME",
    )
    interval = _interval(frame, columns, start_s, starts, lines, source)

    notes = columns.get("NOTES")
    estimated = (
        frame[notes].astype(str).str.contains(_ESTIMATED).to_numpy()
        if notes is not None
        else np.zeros(len(frame), dtype=bool)
    )
    value_columns = _value_columns(frame, header + 1, lines, source)
    split = any(k in ("IMPORT", "EXPORT") for _c, k, _u, _f in value_columns)
    unit = value_columns[0][2]
    parts, labels = [], {}
    for column, kind_of, own_unit, factors in value_columns:  # loop over value columns
        values = _usage(frame[column], lines, source, column) * factors
        values = values * float(ureg.Quantity(1.0, own_unit).to(unit).magnitude)
        flags = np.where(estimated, int(Flag.SOURCE_ESTIMATED), int(Flag.MEASURED))
        flags = np.where(np.isnan(values), int(Flag.SOURCE_MISSING), flags).astype(np.int8)
        meter = f"{base}:{kind_of.lower()}" if split and kind_of != "USAGE" else base
        if meter in labels:
            raise InputDataError(
                f"{source}: line {header + 1}: two usage columns for meter {meter!r} "
                f"({labels[meter]['column']!r} and {column!r})",
                path=source,
                line=int(header + 1),
                meter=meter,
                reason="duplicate-column",
            )
        labels[meter] = {
            "source": "utility interval CSV",
            "type": kind,
            "column": column,
            "direction": {"USAGE": "net usage (as billed)", "IMPORT": "import (delivered)"}.get(
                kind_of, "export (received from the site)"
            ),
        }
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": starts,
                    "meter_id": meter,
                    "value": values,
                    "flag": flags,
                    "line": lines,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table["meter_id"] = table["meter_id"].astype(str)
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(frame),
        start=starts.min().isoformat(),
        end=(starts.max() + (interval or pd.Timedelta(0))).isoformat(),
        kind=f"utility interval CSV ({kind or 'usage'}, local {timezone})",
    )
    return MeterTable(frame=table, unit=unit, interval=interval, record=record, labels=labels)


def _service_type(
    frame: pd.DataFrame, columns: dict[str, str], lines: np.ndarray, source: str
) -> str:
    if "TYPE" not in columns:
        return ""
    types = frame[columns["TYPE"]].astype(str).str.strip()
    distinct = [t for t in dict.fromkeys(types) if t]
    if len(distinct) > 1:
        i = first((types == distinct[1]).to_numpy())
        raise InputDataError(
            f"{source}: line {lines[i]}: TYPE {distinct[1]!r} differs from {distinct[0]!r}; "
            "expected one service per file (download electric and gas separately)",
            path=source,
            line=int(lines[i]),
            reason="several-services",
        )
    return distinct[0] if distinct else ""


def _interval(
    frame: pd.DataFrame,
    columns: dict[str, str],
    start_s: np.ndarray,
    starts: pd.DatetimeIndex,
    lines: np.ndarray,
    source: str,
) -> pd.Timedelta | None:
    """The native interval: END TIME (inclusive last minute) + 1 min − START TIME, by wall clock.

    Where END TIME is missing (no column or an empty cell) the step to the next
    row is used. Returns the common length, or None when rows differ.
    """
    end_column = columns.get("END TIME")
    step_to_next = np.zeros(len(starts), dtype=np.int64)
    step_to_next[:-1] = np.diff(starts.asi8)
    lengths = pd.to_timedelta(np.where(step_to_next > 0, step_to_next, 0), unit="ns")
    known = step_to_next > 0
    if end_column is not None:
        raw = frame[end_column].astype(str).str.strip()
        present = (raw != "").to_numpy()
        if present.any():
            end_s = np.zeros(len(frame), dtype="int64")
            with_seconds = np.zeros(len(frame), dtype=bool)
            end_s[present], with_seconds[present] = _times(
                raw[present], lines[present], source, "END TIME"
            )
            end_s = end_s + np.where(with_seconds, 1, 60)  # inclusive last minute (or second)
            wall = end_s - start_s
            wall = np.where(wall <= 0, wall + 86400, wall)  # an interval ending after midnight
            lengths = pd.to_timedelta(np.where(present, wall, lengths.asi8 // 10**9), unit="s")
            known = present | known
    if not known.any():
        return None
    distinct = pd.unique(lengths[known])
    return pd.Timedelta(distinct[0]) if len(distinct) == 1 else None
