"""Value columns of meter files: units, numbers, quality codes, meter ids, the table built.

- **Units.** The unit is read from the column name (``energy_kwh``: the all-lowercase
  snake-case token, so ``mwh`` is megawatt-hours), from the header (``[kWh]``, parsed with
  :func:`carbon.core.units.parse_unit`), from a ``unit`` column, or given as ``unit=``.
  Energy is kept in its unit; average power is multiplied by the interval and returned in
  kWh (:func:`to_energy`); a power column whose interval is not known is refused with
  :class:`~carbon.core.errors.UnitError`.
- **Rows.** Nothing is dropped: duplicates and negatives stay in (the align stage flags
  them); an empty value cell is NaN flagged ``SOURCE_MISSING``.

Shared by the long, Parquet, wide and register readers (:mod:`carbon.ingest.meters_long_csv`,
:mod:`carbon.ingest.meters_wide_csv`, :mod:`carbon.ingest.meters_register_csv`) and the
Parquet cube (:mod:`carbon.quality.parquet_cube`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import InputDataError, UnitError, excerpt
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord
from carbon.core.units import parse_unit, ureg
from carbon.ingest.csv_text import first
from carbon.ingest.finite import refuse_non_finite

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

#: A value column named with its kind and unit (``energy_kwh``, ``power_kw``, ``register_wh``).
NAMED_COLUMN = re.compile(
    r"^(?P<kind>energy|power|register)_(?P<unit>gwh|mwh|kwh|wh|gw|mw|kw|w)$", re.IGNORECASE
)
#: Codes of a ``quality``/``status`` column (compared casefolded) -> flag.
QUALITY_CODES: dict[str, Flag] = {
    **dict.fromkeys(("", "good", "ok", "valid", "measured", "actual", "a"), Flag.MEASURED),
    **dict.fromkeys(
        ("estimated", "estimate", "est", "e", "substituted", "s"), Flag.SOURCE_ESTIMATED
    ),
    **dict.fromkeys(
        ("bad", "invalid", "missing", "m", "unavailable", "n/a", "nan"), Flag.SOURCE_MISSING
    ),
}


# ----------------------------------------------------------------------------- units
def unit_from_token(token: str) -> pint.Unit:
    """A unit token from a column name or header: snake-case map, aliases, then parse_unit."""
    token = token.strip()
    if token.lower() in SNAKE_UNITS and (token.islower() or token.isupper()):
        return parse_unit(SNAKE_UNITS[token.lower()])
    return parse_unit(_ALIASES.get(token, token))


def unit_kind(unit: pint.Unit) -> str:
    """``"energy"``, ``"power"`` or ``"other"``: what `unit` measures."""
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
    kind = unit_kind(unit)
    if kind == "energy":
        return values, unit
    if kind == "power":
        if hours is None:
            raise UnitError(
                f"{source}: line {line}: column {column!r} is average power [{unit:~}], "
                "and the interval is not known; pass interval= (e.g. '15min') so that "
                "energy = power × interval, or give energy per interval (e.g. energy_kwh)",
                path=source,
                line=line,
                reason="no-interval",
            )
        to_kw = float(ureg.Quantity(1.0, unit).to("kW").magnitude)
        return values * to_kw * hours, parse_unit("kWh")
    raise UnitError(
        f"{source}: line {line}: column {column!r} is in {unit:~}, which is neither energy "
        "(e.g. kWh) nor average power (e.g. kW); expected energy per interval",
        path=source,
        line=line,
        reason="unit",
    )


# ----------------------------------------------------------------------------- values
def parse_numbers(
    raw: pd.Series,
    *,
    lines: np.ndarray,
    source: str,
    column: str,
    meters: np.ndarray | None = None,
) -> np.ndarray:
    """Numbers from text (or numeric) cells; empty cells are NaN, anything else (``NaN``,
    ``inf``, ``1e999``, text) is an error naming the line."""
    if pd.api.types.is_numeric_dtype(raw):
        numbers = raw.to_numpy(dtype="float64", na_value=np.nan)
        refuse_non_finite(numbers, source=source, column=column, lines=lines, meters=meters)
        return numbers
    text = raw.astype(str).str.strip()
    empty = (text == "") | raw.isna()
    values = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & ~empty.to_numpy()
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {excerpt(raw.iloc[i])} is not a number; "
            "expected a decimal number or an empty cell",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    refuse_non_finite(values, source=source, column=column, lines=lines, raw=raw, meters=meters)
    return values


def quality_flags(frame: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray | None:
    """Flags of a ``quality``/``status`` column (:data:`QUALITY_CODES`); None without one."""
    column = next((c for c in frame.columns if c.casefold() in ("quality", "status")), None)
    if column is None:
        return None
    codes = frame[column].astype(str).str.strip().str.casefold()
    known = codes.isin(list(QUALITY_CODES)).to_numpy()
    if not known.all():
        i = first(~known)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {frame[column].iloc[i]!r} is not a known "
            f"quality code; expected one of: {', '.join(repr(k) for k in QUALITY_CODES if k)} "
            "(or empty)",
            path=source,
            line=int(lines[i]),
            reason="quality-code",
        )
    return codes.map({k: int(v) for k, v in QUALITY_CODES.items()}).to_numpy(dtype=np.int8)


def reading_flags(values: np.ndarray, quality: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Values and flags: NaN where the source says missing; every NaN is ``SOURCE_MISSING``."""
    flags = np.full(len(values), int(Flag.MEASURED), dtype=np.int8)
    if quality is not None:
        flags = quality.copy()
        values = np.where(flags == int(Flag.SOURCE_MISSING), np.nan, values)
    flags[np.isnan(values)] = int(Flag.SOURCE_MISSING)
    return values, flags


def parse_meter_ids(frame: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray:
    """The ``meter_id`` column, stripped; an empty id is an error naming its line."""
    raw = frame["meter_id"]
    ids = raw.astype(str).str.strip()
    empty = (raw.isna() | (ids == "")).to_numpy()
    if empty.any():
        i = first(empty)
        raise InputDataError(
            f"{source}: line {lines[i]}: meter_id is empty; expected a meter id",
            path=source,
            line=int(lines[i]),
            reason="missing-meter-id",
        )
    return ids.to_numpy(dtype=object)


def check_meters(
    ids: np.ndarray, meter_ids: Sequence[str] | None, lines: np.ndarray, source: str
) -> None:
    """With `meter_ids`, refuse a row of any other meter and an expected meter without rows."""
    if meter_ids is None:
        return
    wanted = [str(m) for m in meter_ids]
    unknown = ~pd.Index(ids).isin(wanted)
    if unknown.any():
        i = first(np.asarray(unknown))
        raise InputDataError(
            f"{source}: line {lines[i]}: meter id {ids[i]!r} is not one of the expected "
            f"meters ({', '.join(wanted)})",
            path=source,
            line=int(lines[i]),
            meter=str(ids[i]),
            reason="unknown-meter",
        )
    absent = [m for m in wanted if m not in set(ids)]
    if absent:
        raise InputDataError(
            f"{source}: no readings for meter(s) {', '.join(absent)}",
            path=source,
            reason="missing-meter",
        )


def pick_value_column(
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
                f"{', '.join(repr(c) for c in columns)}",
                path=source,
                line=1,
                reason="missing-column",
            )
        column = value_column
    else:
        named = [c for c in columns if (m := NAMED_COLUMN.match(c)) and m["kind"].lower() in kinds]
        if len(named) > 1:
            raise InputDataError(
                f"{source}: line 1: several value columns ({', '.join(named)}); "
                "pass value_column= to choose one",
                path=source,
                line=1,
                reason="ambiguous-column",
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
                f"unit=; the columns are {', '.join(repr(c) for c in columns)}",
                path=source,
                line=1,
                reason="missing-column",
            )
    match = NAMED_COLUMN.match(column)
    named_unit = unit_from_token(match["unit"]) if match else None
    given = parse_unit(unit) if unit is not None else None
    if given is not None and named_unit is not None and given != named_unit:
        raise UnitError(
            f"{source}: line 1: column {column!r} names the unit {named_unit:~} but "
            f"unit={unit!r} was given; rename the column or drop unit=",
            path=source,
            line=1,
            reason="unit",
        )
    chosen = given or named_unit
    if chosen is None and "unit" in columns:
        units = frame["unit"].astype(str).str.strip()
        distinct = list(dict.fromkeys(units))
        if len(distinct) != 1:
            i = first((units != distinct[0]).to_numpy())
            raise UnitError(
                f"{source}: line {lines[i]}: unit {units.iloc[i]!r} differs from "
                f"{distinct[0]!r}; expected one unit per file",
                path=source,
                line=int(lines[i]),
                reason="unit",
            )
        try:
            chosen = unit_from_token(distinct[0])
        except UnitError as exc:
            raise UnitError(
                f"{source}: line {lines[0]}: unit {excerpt(distinct[0])}: {exc}",
                path=source,
                line=int(lines[0]),
                reason=exc.reason,
            ) from None
    if chosen is None:
        raise UnitError(
            f"{source}: line 1: column {column!r} carries no unit; name it with its unit "
            "(energy_kwh, energy_wh, energy_mwh, power_kw ...), add a 'unit' column, "
            "or pass unit= (e.g. 'kWh')",
            path=source,
            line=1,
            reason="unit",
        )
    return column, chosen


def meter_record(
    source: str,
    sha256: str,
    rows: int,
    starts: pd.DatetimeIndex,
    span: pd.Timedelta | None,
    kind: str,
) -> InputRecord:
    """The input record of a meter file: its rows and the span of its intervals."""
    return InputRecord(
        path=source,
        sha256=sha256,
        rows=rows,
        start=starts.min().isoformat(),
        end=(starts.max() + (span or pd.Timedelta(0))).isoformat(),
        kind=kind,
    )


def meter_frame(
    starts: pd.DatetimeIndex,
    ids: np.ndarray,
    values: np.ndarray,
    flags: np.ndarray,
    lines: np.ndarray,
) -> pd.DataFrame:
    """The frame of a :class:`~carbon.core.lineage.MeterTable` (its columns and dtypes)."""
    return pd.DataFrame(
        {
            "interval_start": pd.DatetimeIndex(starts).as_unit("ns"),
            "meter_id": pd.Series(ids, dtype=object).astype(str).to_numpy(),
            "value": np.asarray(values, dtype="float64"),
            "flag": np.asarray(flags, dtype=np.int8),
            "line": np.asarray(lines, dtype=np.int64),
        }
    )


def by_meter_and_instant(data: pd.DataFrame, source: str, what: str) -> pd.DataFrame:
    """`data` (columns ``m`` meter, ``t`` instant, ``line``) sorted by meter, instant and
    line, with a meter read twice at one instant refused, naming both lines. `what` names
    the reading in the message (e.g. "one register reading")."""
    data = data.sort_values(["m", "t", "line"], kind="stable").reset_index(drop=True)
    same_meter = data["m"].eq(data["m"].shift()).to_numpy()
    repeated = same_meter & data["t"].eq(data["t"].shift()).to_numpy()
    if repeated.any():
        i = first(repeated)
        raise InputDataError(
            f"{source}: line {data['line'].iloc[i]}: meter {data['m'].iloc[i]!r} is read "
            f"twice at {data['t'].iloc[i].isoformat()} (also line {data['line'].iloc[i - 1]}); "
            f"expected {what} per meter and instant",
            path=source,
            line=int(data["line"].iloc[i]),
            meter=str(data["m"].iloc[i]),
            timestamp=data["t"].iloc[i].isoformat(),
            reason="duplicate",
        )
    return data
