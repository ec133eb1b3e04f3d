"""Meter files from a BMS, historian or sub-metering system: long, Parquet, wide, registers.

Every reader returns a :class:`~carbon.core.lineage.MeterTable`: energy per
interval, interval-start UTC, the source line of every row (docs/importers/meters-csv.md).

- :func:`read_meters_csv`: long form, one row per (interval start, meter):
  ``interval_start, meter_id, energy_kwh`` (or ``energy_wh``, ``energy_mwh``,
  or average power ``power_kw``/``power_w``/``power_mw``, converted to energy
  with the interval).
- :func:`read_meters_parquet`: the same columns in a Parquet file.
- :func:`read_wide_csv`: a timestamp column and one column per meter with the
  unit in the header (``HALL-A [kWh]``, ``HALL-A (kW)``, ``PDU-A1 kW``).
- :func:`read_register_csv`: cumulative energy registers, differenced per meter
  with rollover and reset detection.

Rules shared by all four:

- **Time.** Stamps are ISO 8601 with a UTC offset. A stamp without an offset is
  an error naming its line unless ``timezone=`` (an IANA zone) is given; then it
  is local wall-clock time. A local time that occurs twice (autumn fall-back) is
  placed by row order: for each meter, its first occurrence is the earlier
  (daylight-saving) instant and later occurrences the standard-time one. A local
  time that does not exist (spring-forward gap) is an error naming its line.
- **Units.** The unit is read from the column name (``energy_kwh``: the
  all-lowercase snake-case token, so ``mwh`` is megawatt-hours), from the header
  (``[kWh]``, parsed with :func:`carbon.core.units.parse_unit`), from a ``unit``
  column, or given as ``unit=``. Energy is kept in its unit; average power is
  multiplied by the interval (given, or per meter the most common step between
  its readings) and returned in kWh. A power column whose interval is neither
  given nor inferable is refused with :class:`~carbon.core.errors.UnitError`.
- **Rows.** Nothing is dropped: duplicates and negatives stay in (the align stage
  flags them); an empty value cell is NaN flagged ``SOURCE_MISSING``. Blank
  lines are not rows. ``line`` is the 1-based physical line of the row (files
  with quoted multi-line cells would shift it).
- **Errors.** :class:`~carbon.core.errors.InputDataError` names the file, the line
  and what was expected: empty file, bytes that are not UTF-8 (line and byte
  offset), missing columns, unparsable stamps or numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import AmbiguousUnitError, ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.core.units import parse_unit, ureg

__all__ = ["read_meters_csv", "read_meters_parquet", "read_register_csv", "read_wide_csv"]

IntervalLike = pd.Timedelta | dt.timedelta | str | None

#: All-lowercase (snake-case) or all-uppercase unit tokens in column names -> unit text.
#: ``mwh`` is the megawatt-hour here: snake-case names cannot carry case (PUDL convention).
SNAKE_UNITS: dict[str, str] = {
    "wh": "Wh",
    "kwh": "kWh",
    "mwh": "MWh",
    "gwh": "GWh",
    "w": "W",
    "kw": "kW",
    "mw": "MW",
    "gw": "GW",
}
#: Mixed-case spellings seen in real exports (Seattle City Light writes ``KWh``).
_ALIASES: dict[str, str] = {"KWh": "kWh", "KW": "kW", "therms": "therm"}

_NAMED_COLUMN = re.compile(
    r"^(?P<kind>energy|power|register)_(?P<unit>gwh|mwh|kwh|wh|gw|mw|kw|w)$", re.IGNORECASE
)
_TIME_WITH_OFFSET = re.compile(
    r"\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
)
# Project Haystack writes "2024-01-01T00:15:00-05:00 New_York": drop the city after an offset.
_HAYSTACK_CITY = r"(?P<off>(?:[zZ]|[+-]\d{2}:?\d{2}))\s+[A-Za-z_]+(?:/[A-Za-z_]+)*$"
_QUALITY: dict[str, Flag] = {
    **dict.fromkeys(("", "good", "ok", "valid", "measured", "actual", "a"), Flag.MEASURED),
    **dict.fromkeys(
        ("estimated", "estimate", "est", "e", "substituted", "s"), Flag.SOURCE_ESTIMATED
    ),
    **dict.fromkeys(
        ("bad", "invalid", "missing", "m", "unavailable", "n/a", "nan"), Flag.SOURCE_MISSING
    ),
}


# ----------------------------------------------------------------------------- reading text
def read_text(path: str | Path) -> str:
    """Read a text file as UTF-8 (a BOM is allowed); refuse empty files and other encodings."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputDataError(f"{source}: cannot read the file ({exc.strerror})") from None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if not data[bom:].strip():
        raise InputDataError(f"{source}: the file is empty; expected a header line and readings")
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        line = data[:offset].count(b"\n") + 1
        raise InputDataError(
            f"{source}: line {line}: byte 0x{data[offset]:02x} at byte offset {offset} is not "
            "UTF-8; expected a UTF-8 text file (re-save it as 'CSV UTF-8')"
        ) from None


def read_csv_text(text: str, source: str, first_line: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse CSV text (header first) into string columns; drop blank lines, keep line numbers.

    `first_line` is the file line of the header. Returns the frame and the 1-based
    file line of each of its rows.
    """
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(f"{source}: not a readable CSV file ({exc})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    lines = np.arange(first_line + 1, first_line + 1 + len(frame), dtype=np.int64)
    blank = (frame.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    lines = lines[~blank]
    if frame.empty:
        raise InputDataError(f"{source}: line {first_line + 1}: no readings after the header")
    return frame, lines


def first(mask: np.ndarray) -> int:
    """Index of the first True in `mask`."""
    return int(np.argmax(mask))


# ----------------------------------------------------------------------------- time
def check_timezone(timezone: str) -> str:
    """Validate an IANA zone name (``ConfigError`` otherwise)."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError) as exc:  # "Pacific" is a folder
        raise ConfigError(f"unknown IANA timezone {timezone!r} (e.g. 'America/Chicago')") from exc
    return timezone


def localise(
    local: pd.DatetimeIndex,
    timezone: str,
    *,
    groups: np.ndarray | None,
    lines: np.ndarray,
    texts: Sequence[str],
    source: str,
    column: str,
) -> pd.DatetimeIndex:
    """Place naive local times in UTC; repeated local times are resolved by row order.

    Within each group (meter), the first occurrence of a local time is the
    daylight-saving (earlier) instant, later occurrences the standard-time one;
    for unambiguous times the choice is ignored. Nonexistent local times (the
    spring-forward gap) are an error naming the line.
    """
    check_timezone(timezone)
    keys = pd.DataFrame({"g": 0 if groups is None else groups, "t": local})
    occurrence = keys.groupby(["g", "t"], sort=False).cumcount().to_numpy()
    placed = pd.DatetimeIndex(local).tz_localize(
        timezone, ambiguous=occurrence == 0, nonexistent="NaT"
    )
    missing = np.asarray(placed.isna()) & ~np.asarray(pd.isna(local))
    if missing.any():
        i = first(missing)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {texts[i]!r} does not exist in {timezone} "
            f"(the hour skipped when clocks spring forward); expected a local time that "
            f"exists in {timezone}"
        )
    return placed.tz_convert("UTC").as_unit("ns")


def parse_stamps(
    values: pd.Series,
    *,
    lines: np.ndarray,
    source: str,
    column: str,
    timezone: str | None,
    groups: np.ndarray | None = None,
) -> pd.DatetimeIndex:
    """ISO 8601 stamps (text or datetimes) to UTC; naive ones need `timezone`."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.DatetimeIndex(values)
        if stamps.isna().any():
            i = first(np.asarray(stamps.isna()))
            raise InputDataError(f"{source}: row {lines[i]}: {column} is empty")
        if stamps.tz is not None:
            return stamps.tz_convert("UTC").as_unit("ns")
        texts = stamps.astype(str).tolist()
        if timezone is None:
            raise InputDataError(
                f"{source}: row {lines[0]}: {column} {texts[0]} has no time zone; expected "
                "tz-aware timestamps, or pass timezone= (IANA name) for local wall-clock times"
            )
        return localise(
            stamps, timezone, groups=groups, lines=lines, texts=texts, source=source, column=column
        )
    text = values.astype(str).str.strip().str.replace(_HAYSTACK_CITY, r"\g<off>", regex=True)
    empty = (text == "").to_numpy()
    if empty.any():
        i = first(empty)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} is empty; expected an ISO 8601 date-time "
            "with offset, e.g. 2025-07-01T00:15:00-05:00"
        )
    aware = text.str.contains(_TIME_WITH_OFFSET).to_numpy()
    result = pd.to_datetime(text.where(aware), format="ISO8601", utc=True, errors="coerce")
    result = pd.DatetimeIndex(result).as_unit("ns")
    if (~aware).any():
        if timezone is None:
            i = first(~aware)
            raise InputDataError(
                f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} has no UTC offset; "
                "expected ISO 8601 with an offset (e.g. 2025-07-01T00:15:00-05:00), or pass "
                "timezone= (the site's IANA zone) to read local wall-clock times"
            )
        naive = pd.DatetimeIndex(
            pd.to_datetime(text[~aware], format="ISO8601", errors="coerce")
        ).as_unit("ns")
        bad = np.asarray(naive.isna())
        if bad.any():
            i = np.flatnonzero(~aware)[first(bad)]
            raise InputDataError(
                f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} is not an ISO 8601 "
                "date-time; expected e.g. 2025-07-01T00:15:00-05:00"
            )
        placed = localise(
            naive,
            timezone,
            groups=None if groups is None else groups[~aware],
            lines=lines[~aware],
            texts=text[~aware].tolist(),
            source=source,
            column=column,
        )
        result = result.to_series().to_numpy(copy=True)
        result[~aware] = placed.to_numpy()
        result = pd.DatetimeIndex(result).as_unit("ns")
    bad = np.asarray(result.isna())
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {text.iloc[i]!r} is not an ISO 8601 "
            "date-time; expected e.g. 2025-07-01T00:15:00-05:00"
        )
    return result


def as_interval(interval: IntervalLike) -> pd.Timedelta | None:
    """``interval=`` as a positive Timedelta (``"15min"``, ``timedelta(hours=1)``) or None."""
    if interval is None:
        return None
    try:
        step = pd.Timedelta(interval)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"interval {interval!r} is not a duration (e.g. '15min', '1h')") from exc
    if pd.isna(step) or step <= pd.Timedelta(0):
        raise ConfigError(f"interval {interval!r} must be a positive duration")
    return step


def mode_steps(stamps: pd.DatetimeIndex, meters: np.ndarray) -> dict[str, pd.Timedelta]:
    """Per meter, the most common positive step between its sorted interval starts."""
    frame = pd.DataFrame({"m": meters, "t": stamps}).drop_duplicates()
    frame = frame.sort_values(["m", "t"], kind="stable")
    step = frame.groupby("m", sort=False)["t"].diff()
    frame = frame.assign(step=step)[step > pd.Timedelta(0)]
    return {  # loop over meters
        str(m): pd.Timedelta(s.mode().iloc[0]) for m, s in frame.groupby("m", sort=True)["step"]
    }


# ----------------------------------------------------------------------------- units
def unit_from_token(token: str) -> pint.Unit:
    """A unit token from a column name or header: snake-case map, aliases, then parse_unit."""
    token = token.strip()
    if token.lower() in SNAKE_UNITS and (token.islower() or token.isupper()):
        return parse_unit(SNAKE_UNITS[token.lower()])
    return parse_unit(_ALIASES.get(token, token))


def _dimension(unit: pint.Unit) -> str:
    quantity = ureg.Quantity(1.0, unit)
    if quantity.check("[energy]"):
        return "energy"
    if quantity.check("[power]"):
        return "power"
    return "other"


def to_energy(
    values: np.ndarray,
    unit: pint.Unit,
    hours: np.ndarray | float | None,
    *,
    source: str,
    column: str,
    line: int = 1,
) -> tuple[np.ndarray, pint.Unit]:
    """Energy per interval: energy as is; average power × interval [h] → kWh."""
    kind = _dimension(unit)
    if kind == "energy":
        return values, unit
    if kind == "power":
        if hours is None:
            raise UnitError(
                f"{source}: line {line}: column {column!r} is average power [{unit:~}], "
                "and the interval is not known; pass interval= (e.g. '15min') so that "
                "energy = power × interval, or give energy per interval (e.g. energy_kwh)"
            )
        to_kw = float(ureg.Quantity(1.0, unit).to("kW").magnitude)
        return values * to_kw * hours, parse_unit("kWh")
    raise UnitError(
        f"{source}: line {line}: column {column!r} is in {unit:~}, which is neither energy "
        "(e.g. kWh) nor average power (e.g. kW); expected energy per interval"
    )


# ----------------------------------------------------------------------------- values
def parse_numbers(raw: pd.Series, *, lines: np.ndarray, source: str, column: str) -> np.ndarray:
    """Numbers from text (or numeric) cells; empty cells are NaN, anything else is an error."""
    if pd.api.types.is_numeric_dtype(raw):
        return raw.to_numpy(dtype="float64", na_value=np.nan)
    text = raw.astype(str).str.strip()
    empty = (text == "") | raw.isna()
    values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & ~empty.to_numpy()
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {raw.iloc[i]!r} is not a number; "
            "expected a decimal number or an empty cell"
        )
    return values


def _quality_flags(frame: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray | None:
    column = next((c for c in frame.columns if c.casefold() in ("quality", "status")), None)
    if column is None:
        return None
    codes = frame[column].astype(str).str.strip().str.casefold()
    known = codes.isin(list(_QUALITY)).to_numpy()
    if not known.all():
        i = first(~known)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {frame[column].iloc[i]!r} is not a known "
            f"quality code; expected one of: {', '.join(repr(k) for k in _QUALITY if k)} "
            "(or empty)"
        )
    return codes.map({k: int(v) for k, v in _QUALITY.items()}).to_numpy(dtype=np.int8)


def _flags(values: np.ndarray, quality: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    flags = np.full(len(values), int(Flag.MEASURED), dtype=np.int8)
    if quality is not None:
        flags = quality.copy()
        values = np.where(flags == int(Flag.SOURCE_MISSING), np.nan, values)
    flags[np.isnan(values)] = int(Flag.SOURCE_MISSING)
    return values, flags


def _meter_ids(frame: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray:
    raw = frame["meter_id"]
    ids = raw.astype(str).str.strip()
    empty = (raw.isna() | (ids == "")).to_numpy()
    if empty.any():
        i = first(empty)
        raise InputDataError(f"{source}: line {lines[i]}: meter_id is empty; expected a meter id")
    return ids.to_numpy(dtype=object)


def _check_meters(
    ids: np.ndarray, meter_ids: Sequence[str] | None, lines: np.ndarray, source: str
) -> None:
    if meter_ids is None:
        return
    wanted = [str(m) for m in meter_ids]
    unknown = ~pd.Index(ids).isin(wanted)
    if unknown.any():
        i = first(np.asarray(unknown))
        raise InputDataError(
            f"{source}: line {lines[i]}: meter id {ids[i]!r} is not one of the expected "
            f"meters ({', '.join(wanted)})"
        )
    absent = [m for m in wanted if m not in set(ids)]
    if absent:
        raise InputDataError(f"{source}: no readings for meter(s) {', '.join(absent)}")


def _value_column(
    frame: pd.DataFrame,
    value_column: str | None,
    unit: str | None,
    kinds: tuple[str, ...],
    source: str,
    lines: np.ndarray,
) -> tuple[str, pint.Unit]:
    """Pick the value column and its unit (name suffix, ``unit=``, or a ``unit`` column)."""
    columns = list(frame.columns)
    if value_column is not None:
        if value_column not in columns:
            raise InputDataError(
                f"{source}: line 1: no column {value_column!r}; the columns are "
                f"{', '.join(repr(c) for c in columns)}"
            )
        column = value_column
    else:
        named = [c for c in columns if (m := _NAMED_COLUMN.match(c)) and m["kind"].lower() in kinds]
        if len(named) > 1:
            raise InputDataError(
                f"{source}: line 1: several value columns ({', '.join(named)}); "
                "pass value_column= to choose one"
            )
        if named:
            column = named[0]
        elif "value" in columns:
            column = "value"
        else:
            examples = ", ".join(f"{k}_kwh" for k in kinds)
            raise InputDataError(
                f"{source}: line 1: no value column; expected one named with its unit "
                f"({examples}{', power_kw' if 'power' in kinds else ''}) or 'value' with "
                f"unit=; the columns are {', '.join(repr(c) for c in columns)}"
            )
    match = _NAMED_COLUMN.match(column)
    named_unit = unit_from_token(match["unit"]) if match else None
    given = parse_unit(unit) if unit is not None else None
    if given is not None and named_unit is not None and given != named_unit:
        raise UnitError(
            f"{source}: line 1: column {column!r} names the unit {named_unit:~} but "
            f"unit={unit!r} was given; rename the column or drop unit="
        )
    chosen = given or named_unit
    if chosen is None and "unit" in columns:
        units = frame["unit"].astype(str).str.strip()
        distinct = list(dict.fromkeys(units))
        if len(distinct) != 1:
            i = first((units != distinct[0]).to_numpy())
            raise UnitError(
                f"{source}: line {lines[i]}: unit {units.iloc[i]!r} differs from "
                f"{distinct[0]!r}; expected one unit per file"
            )
        chosen = unit_from_token(distinct[0])
    if chosen is None:
        raise UnitError(
            f"{source}: line 1: column {column!r} carries no unit; name it with its unit "
            "(energy_kwh, energy_wh, energy_mwh, power_kw ...), add a 'unit' column, "
            "or pass unit= (e.g. 'kWh')"
        )
    return column, chosen


def _record(
    source: str,
    sha256: str,
    rows: int,
    starts: pd.DatetimeIndex,
    span: pd.Timedelta | None,
    kind: str,
) -> InputRecord:
    return InputRecord(
        path=source,
        sha256=sha256,
        rows=rows,
        start=starts.min().isoformat(),
        end=(starts.max() + (span or pd.Timedelta(0))).isoformat(),
        kind=kind,
    )


def _table(
    starts: pd.DatetimeIndex,
    ids: np.ndarray,
    values: np.ndarray,
    flags: np.ndarray,
    lines: np.ndarray,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "interval_start": pd.DatetimeIndex(starts).as_unit("ns"),
            "meter_id": pd.Series(ids, dtype=object).astype(str).to_numpy(),
            "value": np.asarray(values, dtype="float64"),
            "flag": np.asarray(flags, dtype=np.int8),
            "line": np.asarray(lines, dtype=np.int64),
        }
    )


# ----------------------------------------------------------------------------- long form
def _read_long(
    frame: pd.DataFrame,
    lines: np.ndarray,
    *,
    source: str,
    sha256: str,
    kind: str,
    meter_ids: Sequence[str] | None,
    value_column: str | None,
    unit: str | None,
    interval: IntervalLike,
    timezone: str | None,
) -> MeterTable:
    missing = [c for c in ("interval_start", "meter_id") if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; expected "
            "interval_start, meter_id and a value column such as energy_kwh"
        )
    column, units = _value_column(frame, value_column, unit, ("energy", "power"), source, lines)
    step = as_interval(interval)
    ids = _meter_ids(frame, lines, source)
    _check_meters(ids, meter_ids, lines, source)
    starts = parse_stamps(
        frame["interval_start"],
        lines=lines,
        source=source,
        column="interval_start",
        timezone=timezone,
        groups=ids,
    )
    values = parse_numbers(frame[column], lines=lines, source=source, column=column)
    hours, used = None, step
    if _dimension(units) == "power":
        if step is not None:
            hours = step / pd.Timedelta(hours=1)
        else:
            steps = mode_steps(starts, ids)
            lonely = ~pd.Index(ids).isin(list(steps))
            if lonely.any():
                i = first(np.asarray(lonely))
                raise UnitError(
                    f"{source}: line {lines[i]}: column {column!r} is average power "
                    f"[{units:~}] and meter {ids[i]!r} has a single reading, so its "
                    "interval cannot be inferred; pass interval= (e.g. '15min')"
                )
            per_meter = pd.Series(steps)
            hours = (pd.Series(ids).map(per_meter) / pd.Timedelta(hours=1)).to_numpy(float)
            distinct = set(steps.values())
            used = distinct.pop() if len(distinct) == 1 else None
    values, energy_unit = to_energy(values, units, hours, source=source, column=column)
    values, flags = _flags(values, _quality_flags(frame, lines, source))
    table = _table(starts, ids, values, flags, lines)
    span = used or min(mode_steps(starts, ids).values(), default=None)
    record = _record(source, sha256, len(table), starts, span, kind)
    return MeterTable(frame=table, unit=energy_unit, interval=used, record=record, labels={})


def read_meters_csv(
    path: str | Path,
    *,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read a long meter CSV: one row per (interval start, meter).

    Parameters
    ----------
    path : str or Path
        CSV with columns ``interval_start`` (ISO 8601 with offset), ``meter_id``
        and one value column: energy per interval named with its unit
        (``energy_kwh``, ``energy_wh``, ``energy_mwh``), average power
        (``power_kw``, ``power_w``, ``power_mw``), or ``value`` with `unit` or a
        ``unit`` column. An optional ``quality``/``status`` column maps
        ``good``/``ok``/``valid`` to MEASURED, ``estimated``/``e``/``substituted``
        to SOURCE_ESTIMATED, ``bad``/``invalid``/``missing`` to SOURCE_MISSING.
    meter_ids : list of str, optional
        The meters expected in the file; a row of any other meter, or an
        expected meter without rows, is an error. Default: accept every id.
    value_column : str, optional
        The value column, when the file has several or an unusual name.
    unit : str, optional
        Unit of the value column when its name carries none [energy or power].
    interval : str or Timedelta, optional
        Native interval length (e.g. ``"15min"``). Needed for power columns
        unless it can be inferred per meter from the stamps.
    timezone : str, optional
        IANA zone for stamps written without an offset (see the module notes).

    Returns
    -------
    MeterTable
        One row per data line; ``value`` in the file's energy unit, or [kWh] for
        a power column.

    Raises
    ------
    InputDataError
        Empty file, non-UTF-8 bytes, missing columns, a stamp without offset
        (and no `timezone`), a nonexistent local time, an unparsable number.
    UnitError
        No unit, a unit that is neither energy nor power, or a power column whose
        interval is neither given nor inferable.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    return _read_long(
        frame,
        lines,
        source=source,
        sha256=file_sha256(path),
        kind="meter readings (long CSV)",
        meter_ids=meter_ids,
        value_column=value_column,
        unit=unit,
        interval=interval,
        timezone=timezone,
    )


def read_meters_parquet(
    path: str | Path,
    *,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read a long meter table from Parquet (same columns and rules as :func:`read_meters_csv`).

    ``interval_start`` may be a timezone-aware timestamp column or ISO 8601 text;
    a naive timestamp column needs `timezone`. ``line`` is the 1-based row number.
    """
    source = str(path)
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise InputDataError(f"{source}: the file is empty; expected a Parquet table")
    try:
        frame = pd.read_parquet(path, engine="pyarrow")
    except (OSError, ValueError, TypeError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputDataError(f"{source}: not a readable Parquet file ({exc})") from None
    if frame.empty:
        raise InputDataError(f"{source}: the Parquet table holds no rows")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    lines = np.arange(1, len(frame) + 1, dtype=np.int64)
    return _read_long(
        frame,
        lines,
        source=source,
        sha256=file_sha256(path),
        kind="meter readings (Parquet)",
        meter_ids=meter_ids,
        value_column=value_column,
        unit=unit,
        interval=interval,
        timezone=timezone,
    )


# ----------------------------------------------------------------------------- wide form
_BRACKETED = re.compile(r"^(?P<name>.*?)\s*(?:\[(?P<a>[^\]]+)\]|\((?P<b>[^)]+)\))\s*$")
_TRAILING = re.compile(r"^(?P<name>.+?)[\s_]+(?P<unit>[A-Za-z]+)$")


def _header_unit(column: str, unit: str | None, source: str) -> tuple[str, pint.Unit]:
    """``HALL-A [kWh]`` / ``HALL-A (kW)`` / ``PDU-A1 kW`` → (meter name, unit)."""
    match = _BRACKETED.match(column)
    if match and match["name"]:
        token = match["a"] or match["b"]
        try:
            return match["name"], unit_from_token(token)
        except UnitError as exc:
            raise UnitError(f"{source}: line 1: column {column!r}: {exc}") from None
    match = _TRAILING.match(column)
    if match:
        try:
            parsed = unit_from_token(match["unit"])
        except AmbiguousUnitError as exc:
            raise UnitError(f"{source}: line 1: column {column!r}: {exc}") from None
        except UnitError:
            parsed = None
        if parsed is not None and _dimension(parsed) != "other":
            return match["name"], parsed
    if unit is not None:
        return column, parse_unit(unit)
    raise UnitError(
        f"{source}: line 1: column {column!r} has no unit in its header; expected "
        "'NAME [kWh]', 'NAME (kW)' or 'NAME kWh', or pass unit="
    )


def read_wide_csv(
    path: str | Path,
    *,
    timestamp_column: str = "interval_start",
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read a wide CSV: one timestamp column and one column per meter, unit in the header.

    Parameters
    ----------
    path : str or Path
        E.g. ``interval_start,HALL-A [kWh],HALL-B (kW)``. Headers ``NAME [unit]``,
        ``NAME (unit)`` or ``NAME unit``; the meter id is ``NAME``.
    timestamp_column : str
        The stamp column (ISO 8601 with offset, or local with `timezone`).
    meter_ids : list of str, optional
        Read only these meters' columns (by ``NAME``); default every column.
    value_column : str, optional
        Read only this one meter column (by ``NAME`` or full header).
    unit : str, optional
        Unit for headers that carry none.
    interval : str or Timedelta, optional
        Native interval; power columns use it, else the most common step.
    timezone : str, optional
        IANA zone for stamps without offset (repeated local times by row order).

    Returns
    -------
    MeterTable
        Long form, (data rows × meters) rows, ordered by line then column; every
        row of a line carries that line. ``value`` in the columns' common energy
        unit, or [kWh] when the units differ or any column is power.

    Raises
    ------
    InputDataError
        As :func:`read_meters_csv`; also two columns for one meter name.
    UnitError
        A header without unit (and no `unit`), a non-energy/power unit, or
        power without a known interval.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    if timestamp_column not in frame.columns:
        raise InputDataError(
            f"{source}: line 1: no timestamp column {timestamp_column!r}; the columns are "
            f"{', '.join(repr(c) for c in frame.columns)} (pass timestamp_column=)"
        )
    meters: dict[str, tuple[str, pint.Unit]] = {}
    for column in frame.columns:  # loop over columns
        if column == timestamp_column:
            continue
        name, parsed = _header_unit(column, unit, source)
        name = name.strip()
        if name in meters:
            raise InputDataError(
                f"{source}: line 1: columns {meters[name][0]!r} and {column!r} are both "
                f"meter {name!r}; expected one column per meter"
            )
        meters[name] = (column, parsed)
    wanted = list(meter_ids) if meter_ids is not None else None
    if value_column is not None:
        by_header = {c: n for n, (c, _u) in meters.items()}
        wanted = [by_header.get(value_column, value_column)]
    if wanted is not None:
        absent = [m for m in wanted if m not in meters]
        if absent:
            raise InputDataError(
                f"{source}: line 1: no column for meter(s) {', '.join(absent)}; the meter "
                f"columns are {', '.join(meters)}"
            )
        meters = {m: meters[m] for m in wanted}
    if not meters:
        raise InputDataError(f"{source}: line 1: no meter columns besides {timestamp_column!r}")
    starts = parse_stamps(
        frame[timestamp_column],
        lines=lines,
        source=source,
        column=timestamp_column,
        timezone=timezone,
    )
    step = as_interval(interval)
    if step is None and any(_dimension(u) == "power" for _c, u in meters.values()):
        steps = mode_steps(starts, np.zeros(len(starts), dtype=object))
        step = next(iter(steps.values()), None)
    hours = None if step is None else step / pd.Timedelta(hours=1)
    # One energy unit shared by every column is kept; anything else becomes kWh.
    same_energy = len({u for _c, u in meters.values()}) == 1 and all(
        _dimension(u) == "energy" for _c, u in meters.values()
    )
    columns, unit_out = [], parse_unit("kWh")
    for column, parsed in meters.values():  # loop over meter columns
        raw = parse_numbers(frame[column], lines=lines, source=source, column=column)
        energy, energy_unit = to_energy(raw, parsed, hours, source=source, column=column)
        if same_energy:
            unit_out = energy_unit
        else:
            energy = energy * float(ureg.Quantity(1.0, energy_unit).to("kWh").magnitude)
        columns.append(energy)
    matrix = np.column_stack(columns)  # rows × meters
    n, m = matrix.shape
    values = matrix.ravel()
    values, flags = _flags(values, None)
    table = _table(
        starts.repeat(m),
        np.tile(np.array(list(meters), dtype=object), n),
        values,
        flags,
        np.repeat(lines, m),
    )
    used = step
    record = _record(source, file_sha256(path), n, starts, step, "meter readings (wide CSV)")
    return MeterTable(frame=table, unit=unit_out, interval=used, record=record, labels={})


# ----------------------------------------------------------------------------- registers
#: A step of a register is "small" when it is at most this many times the meter's
#: median positive step: the bound for a rollover's wrapped step and a reset's new reading.
RESET_TOLERANCE = 10.0


def _modulus(rollover: float | None, readings: pd.Series) -> pd.Series:
    """Per reading, the register's modulus: `rollover`, else the next power of ten above its max."""
    if rollover is not None:
        return pd.Series(float(rollover), index=readings.index)
    top = readings.groupby(level=0).transform("max").clip(lower=1.0)
    return 10.0 ** np.ceil(np.log10(top + 1.0))


def read_register_csv(
    path: str | Path,
    *,
    rollover: float | None = None,
    meter_ids: Sequence[str] | None = None,
    value_column: str | None = None,
    unit: str | None = None,
    interval: IntervalLike = None,
    timezone: str | None = None,
) -> MeterTable:
    """Read cumulative energy registers and difference them into energy per interval.

    Parameters
    ----------
    path : str or Path
        Long CSV: ``timestamp`` (or ``interval_start``; the instant of the
        reading, ISO 8601 with offset), ``meter_id`` and the register, named with
        its unit (``register_kwh``, ``energy_kwh``, ``register_wh`` ...) or
        ``value`` with `unit` or a ``unit`` column.
    rollover : float, optional
        The modulus at which the register wraps to zero (``100000`` for five
        digits, ``2**32``). Default: per meter, the next power of ten above its
        largest reading (a register that reached 99 990 wraps at 100 000).
    meter_ids, value_column, unit, interval, timezone
        As in :func:`read_meters_csv`; `unit` must be an energy unit.

    Returns
    -------
    MeterTable
        Per meter, readings are sorted by time and each consecutive pair
        (t₀, R₀), (t₁, R₁) gives one interval starting at t₀ with value
        R₁ − R₀, carrying the line of the reading R₁ that closes it. A meter's
        first reading only opens its series, so the frame has (readings − meters)
        rows. Where R₁ < R₀ (with modulus M, median positive step s, k = 10):

        - rollover, if R₁ + M − R₀ ≤ k·s: value R₁ + M − R₀, flag COUNTER_RESET;
        - reset, else if R₁ ≤ k·s (back to about zero): value R₁, the energy
          since the reset (a lower bound: what was counted between R₀ and the
          reset is lost), flag COUNTER_RESET;
        - otherwise (an unexplained drop): value NaN, flag COUNTER_RESET.

        No negative value is ever produced. An interval next to an empty
        reading is NaN, flagged SOURCE_MISSING.

    Raises
    ------
    InputDataError
        As :func:`read_meters_csv`; also a meter read twice at one instant.
    UnitError
        The register is not in an energy unit.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    stamp_column = next((c for c in ("timestamp", "interval_start") if c in frame.columns), None)
    if stamp_column is None or "meter_id" not in frame.columns:
        raise InputDataError(
            f"{source}: line 1: expected the columns timestamp (or interval_start), meter_id "
            "and a register column such as register_kwh; the columns are "
            f"{', '.join(repr(c) for c in frame.columns)}"
        )
    column, units = _value_column(frame, value_column, unit, ("register", "energy"), source, lines)
    if _dimension(units) != "energy":
        raise UnitError(
            f"{source}: line 1: register column {column!r} is in {units:~}; a cumulative "
            "register counts energy (e.g. kWh). Power registers need integrating instead."
        )
    if rollover is not None and not (np.isfinite(rollover) and rollover > 0):
        raise ConfigError(f"rollover {rollover!r} must be a positive number (e.g. 100000, 2**32)")
    ids = _meter_ids(frame, lines, source)
    _check_meters(ids, meter_ids, lines, source)
    stamps = parse_stamps(
        frame[stamp_column],
        lines=lines,
        source=source,
        column=stamp_column,
        timezone=timezone,
        groups=ids,
    )
    readings = parse_numbers(frame[column], lines=lines, source=source, column=column)
    negative = readings < 0
    if negative.any():
        i = first(negative)
        raise InputDataError(
            f"{source}: line {lines[i]}: register {readings[i]} is negative; a cumulative "
            "register counts up from zero"
        )
    data = pd.DataFrame({"m": ids, "t": stamps, "r": readings, "line": lines})
    data = data.sort_values(["m", "t", "line"], kind="stable").reset_index(drop=True)
    same_meter = data["m"].eq(data["m"].shift()).to_numpy()
    repeated = same_meter & data["t"].eq(data["t"].shift()).to_numpy()
    if repeated.any():
        i = first(repeated)
        raise InputDataError(
            f"{source}: line {data['line'].iloc[i]}: meter {data['m'].iloc[i]!r} is read "
            f"twice at {data['t'].iloc[i].isoformat()} (also line {data['line'].iloc[i - 1]}); "
            "expected one register reading per meter and instant"
        )
    previous = data["r"].shift().to_numpy()
    current = data["r"].to_numpy()
    step = current - previous
    by_meter = pd.Series(step, index=data["m"]).where(same_meter)
    typical = by_meter.where(by_meter > 0).groupby(level=0).transform("median")
    bound = (RESET_TOLERANCE * typical.fillna(0.0)).to_numpy()
    modulus = _modulus(rollover, pd.Series(current, index=data["m"])).to_numpy()
    wrapped = current + modulus - previous
    drop = step < 0
    is_rollover = drop & (wrapped >= 0) & (wrapped <= bound)
    is_reset = drop & ~is_rollover & (current <= bound)
    values = np.where(is_rollover, wrapped, np.where(is_reset, current, step))
    values = np.where(drop & ~is_rollover & ~is_reset, np.nan, values)
    flags = np.full(len(data), int(Flag.MEASURED), dtype=np.int8)
    flags[np.isnan(step)] = int(Flag.SOURCE_MISSING)
    flags[drop] = int(Flag.COUNTER_RESET)
    keep = same_meter
    starts = pd.DatetimeIndex(data["t"].shift()[keep]).as_unit("ns")
    if not keep.any():
        raise InputDataError(
            f"{source}: every meter has a single register reading; at least two readings "
            "per meter are needed to form an interval"
        )
    table = _table(
        starts,
        data["m"].to_numpy()[keep],
        values[keep],
        flags[keep],
        data["line"].to_numpy()[keep],
    )
    step_used = as_interval(interval)
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(frame),
        start=stamps.min().isoformat(),
        end=stamps.max().isoformat(),
        kind="meter registers (cumulative, differenced)",
    )
    labels = {
        str(m): {"register_rollover": f"{modulus[(data['m'] == m).to_numpy()][0]:g}"}
        for m in pd.unique(data["m"])  # loop over meters
    }
    return MeterTable(frame=table, unit=units, interval=step_used, record=record, labels=labels)
