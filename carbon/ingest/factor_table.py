"""User-supplied emission-factor tables: residual mixes, supplier-specific and other factors.

Factors that carbon may not ship (AIB European Residual Mixes, Green-e Residual
Mix rates, a utility's own disclosure; docs/data-formats.md §5) are loaded from a CSV
the user holds a licence for. :func:`read_factor_table` checks every row and
returns a :class:`FactorTable`; :meth:`FactorTable.lookup` picks the factor of
one region, method and time, the most specific period first (hour, then
month, then year).

Columns (header names exact, any order; other columns are kept as text):

========= ================================================================
region    the source's region code (``DE``, ``ERCT``, ``AT-supplierX`` …)
period    ``2024`` (year), ``2024-07`` (month) or an hour in ISO 8601 with
          an offset (``2024-07-01T13:00+02:00``, ``2024-07-01T11:00Z``)
method    one of :data:`METHODS` (aliases in :data:`METHOD_ALIASES`)
gas       ``CO2``, ``CH4``, ``N2O`` or ``CO2e``
value     the factor, a non-negative number
unit      a pint unit of <gas> mass per energy, e.g. ``g CO2/kWh``,
          ``lb CO2e/MWh``; its gas must be the row's gas
source    publisher and document, e.g. ``AIB European Residual Mixes 2023``
edition   edition / vintage, e.g. ``2024-05-31 v1.0``
========= ================================================================

Optional columns checked when present: ``gwp_set`` (``AR4``/``AR5``/``AR6`` or
empty; the set embedded in a CO2e value) and ``basis`` (``direct``,
``lifecycle`` or empty).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import (
    FactorNotFoundError,
    InputDataError,
    PeriodError,
    UnitError,
)
from carbon.core.lineage import InputRecord, file_sha256
from carbon.core.units import GAS_DIMENSIONS, parse_unit, ureg
from carbon.factors.gwp import gwp_sets

__all__ = [
    "FACTOR_COLUMNS",
    "GASES",
    "METHODS",
    "METHOD_ALIASES",
    "FactorTable",
    "SiteFactorTables",
    "read_factor_table",
]

#: Required columns of a factor table CSV.
FACTOR_COLUMNS = ("region", "period", "method", "gas", "value", "unit", "source", "edition")
#: Allowed ``method`` values and what each means (docs/methodology.md §1.2, §1.3).
METHODS: Mapping[str, str] = {
    "location": "grid-average factor for the location-based method",
    "market-residual": "residual mix for the market-based method (AIB, Green-e)",
    "supplier": "supplier- or utility-specific delivered-electricity rate (market-based)",
    "contract": "rate of a contracted plant whose certificates come with the contract "
    "(market-based, direct contracts)",
}
#: Other spellings accepted for ``method`` (docs/data-formats.md §5 writes ``residual_mix``).
METHOD_ALIASES: Mapping[str, str] = {
    "residual_mix": "market-residual",
    "residual-mix": "market-residual",
    "market_residual": "market-residual",
    "supplier-specific": "supplier",
    "supplier_specific": "supplier",
}
#: Gas keys of a factor row.
GASES = ("CO2", "CH4", "N2O", "CO2e")
_BASES = ("direct", "lifecycle")
_KINDS = ("hour", "month", "year")  # most specific first

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])$")
_HOUR = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:00(?::00)?(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_HOUR_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}")


def _method_key(text: str) -> str | None:
    key = str(text).strip().casefold()
    key = METHOD_ALIASES.get(key, key)
    return key if key in METHODS else None


def _method_choices() -> str:
    return ", ".join(METHODS) + f" (aliases: {', '.join(METHOD_ALIASES)})"


@dataclass(frozen=True)
class FactorTable:
    """A checked factor table: one row per (region, method, gas, period).

    Attributes
    ----------
    frame : pandas.DataFrame
        The CSV's columns as text, except ``value`` (float64) and ``line``
        (int64, 1-based line in the file), with ``method`` canonical and these
        added: ``period_kind`` (``"year"``, ``"month"``, ``"hour"``), ``year``
        and ``month`` (int64; the calendar fields of the period, 0 where not
        applicable) and ``hour_start`` (datetime64[ns, UTC]; NaT unless hourly).
    record : InputRecord
        Path, SHA-256, rows and span of the file.
    """

    frame: pd.DataFrame = field(compare=False, repr=False)
    record: InputRecord

    def _rows(self, region: str, method: str, gas: str | None) -> pd.DataFrame:
        key = _method_key(method)
        if key is None:
            raise FactorNotFoundError(
                f"unknown method {method!r}; valid: {_method_choices()}", reason="unknown-method"
            )
        frame = self.frame
        mask = (frame["region"].str.casefold() == str(region).strip().casefold()) & (
            frame["method"] == key
        )
        if gas is not None:
            mask &= frame["gas"].str.casefold() == str(gas).strip().casefold()
        rows = frame[mask]
        if rows.empty:
            pairs = frame[["region", "method", "gas"]].drop_duplicates()
            have = "; ".join(f"{r.region}/{r.method}/{r.gas}" for r in pairs.itertuples())
            want = f"{region}/{key}" + (f"/{gas}" if gas else "")
            raise FactorNotFoundError(
                f"{self.record.path}: no factor for {want}; the table has (region/method/gas): "
                f"{have}",
                path=self.record.path,
                reason="factor-not-found",
            )
        return rows

    def lookup_row(
        self, region: str, method: str, when: object, *, gas: str | None = None
    ) -> Mapping[str, object]:
        """The row :meth:`lookup` uses, as a read-only mapping (source, edition, line …)."""
        rows = self._rows(region, method, gas)
        stamp = _when(when)
        hours = rows[rows["period_kind"] == "hour"]
        if stamp.tzinfo is None and not hours.empty:
            raise PeriodError(
                f"{self.record.path}: {region}/{method} has hourly factors, so the time "
                f"{when!r} needs a timezone (e.g. '2024-07-01T13:00+02:00' or a UTC timestamp)",
                path=self.record.path,
                timestamp=str(when),
                reason="naive-time",
            )
        picks = {
            "hour": hours[
                (stamp.tzinfo is not None)
                & (hours["hour_start"] <= _utc(stamp))
                & (_utc(stamp) < hours["hour_start"] + pd.Timedelta(hours=1))
            ]
            if not hours.empty
            else hours,
            "month": rows[
                (rows["period_kind"] == "month")
                & (rows["year"] == stamp.year)
                & (rows["month"] == stamp.month)
            ],
            "year": rows[(rows["period_kind"] == "year") & (rows["year"] == stamp.year)],
        }
        for kind in _KINDS:
            found = picks[kind]
            if found.empty:
                continue
            if len(found) > 1:
                gases = ", ".join(sorted(found["gas"]))
                raise FactorNotFoundError(
                    f"{self.record.path}: {region}/{method} for {stamp.isoformat()} has one "
                    f"factor per gas ({gases}); pass gas= to choose",
                    path=self.record.path,
                    timestamp=stamp.isoformat(),
                    reason="ambiguous-gas",
                )
            return MappingProxyType(found.iloc[0].to_dict())
        periods = ", ".join(sorted(set(rows["period"])))
        raise FactorNotFoundError(
            f"{self.record.path}: no {region}/{method} factor covers {stamp.isoformat()}; "
            f"periods in the table: {periods}",
            path=self.record.path,
            timestamp=stamp.isoformat(),
            reason="no-period",
        )

    def lookup(
        self, region: str, method: str, when: object, *, gas: str | None = None
    ) -> pint.Quantity:
        """The factor of `region` and `method` at `when`, most specific period first.

        Parameters
        ----------
        region : str
            Region code as in the table (case-insensitive).
        method : str
            One of :data:`METHODS` (or an alias).
        when : str, datetime, date or pandas.Timestamp
            The time the factor applies to. Year and month rows match on the
            calendar fields of `when` as given (its own wall clock when it has a
            timezone); hour rows match the instant, so `when` must carry a
            timezone when the table has hourly rows for this region and method.
        gas : str, optional
            ``CO2``, ``CH4``, ``N2O`` or ``CO2e``; needed when the table holds
            several gases for the chosen period.

        Returns
        -------
        pint.Quantity
            The factor in the row's unit [<gas> mass per energy], e.g.
            ``285.2 g CO2/kWh``.

        Raises
        ------
        FactorNotFoundError
            Unknown method; no row for region/method (the message lists what the
            table holds); no period covering `when` (lists the periods); several
            gases and no `gas`.
        PeriodError
            `when` cannot be read, or is naive while hourly rows exist.
        """
        row = self.lookup_row(region, method, when, gas=gas)
        return ureg.Quantity(float(row["value"]), parse_unit(str(row["unit"])))

    @property
    def regions(self) -> tuple[str, ...]:
        """Region codes in file order of first appearance."""
        return tuple(dict.fromkeys(self.frame["region"]))


@dataclass(frozen=True)
class SiteFactorTables:
    """The factor tables a site file declares (``[factors]``), read; None where not declared."""

    annual: FactorTable | None = None
    residual_mix: FactorTable | None = None

    @property
    def records(self) -> tuple[InputRecord, ...]:
        """The input records of the tables read, for the lineage."""
        return tuple(t.record for t in (self.annual, self.residual_mix) if t is not None)


def _when(when: object) -> pd.Timestamp:
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day)
    try:
        stamp = pd.Timestamp(when)
    except (ValueError, TypeError) as exc:
        raise PeriodError(
            f"cannot read the time {when!r} ({exc})", timestamp=str(when), reason="timestamp"
        ) from None
    if pd.isna(stamp):
        raise PeriodError(f"cannot read the time {when!r}", timestamp=str(when), reason="timestamp")
    return stamp


def _utc(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _fail(source: str, line: int, message: str, *, reason: str) -> InputDataError:
    return InputDataError(
        f"{source}: line {line}: {message}", path=source, line=int(line), reason=reason
    )


def _periods(text: pd.Series, lines: np.ndarray, source: str) -> pd.DataFrame:
    is_year = text.str.fullmatch(_YEAR).to_numpy(dtype=bool)
    is_month = text.str.fullmatch(_MONTH).to_numpy(dtype=bool)
    is_hour = text.str.fullmatch(_HOUR).to_numpy(dtype=bool)
    bad = ~(is_year | is_month | is_hour)
    if bad.any():
        i = _first(bad)
        hint = ""
        if _HOUR_LIKE.match(text.iloc[i]):
            hint = " (an hour needs an offset such as Z or +02:00 and minutes :00)"
        raise _fail(
            source,
            lines[i],
            f"period {text.iloc[i]!r} is not a year (2024), a month (2024-07) or an hour in "
            f"ISO 8601 with an offset (2024-07-01T13:00+02:00){hint}",
            reason="period",
        )
    hour_start = pd.to_datetime(text.where(is_hour), format="ISO8601", utc=True, errors="coerce")
    bad = is_hour & hour_start.isna().to_numpy()
    if bad.any():
        i = _first(bad)
        raise _fail(
            source, lines[i], f"period {text.iloc[i]!r} is not a valid date-time", reason="period"
        )
    year = pd.to_numeric(text.str.slice(0, 4)).to_numpy(dtype=np.int64)
    month = np.where(is_year, 0, pd.to_numeric(text.str.slice(5, 7), errors="coerce"))
    kind = np.where(is_hour, "hour", np.where(is_month, "month", "year"))
    # Hour rows keep the calendar fields of their own wall clock (for the record span).
    return pd.DataFrame(
        {
            "period_kind": kind,
            "year": year,
            "month": np.nan_to_num(month).astype(np.int64),
            "hour_start": pd.DatetimeIndex(hour_start).as_unit("ns"),
        },
        index=text.index,
    )


def _check_units(frame: pd.DataFrame, lines: np.ndarray, source: str) -> None:
    """Each (unit, gas) pair parses and is a mass of that gas per energy."""
    pairs = frame[["unit", "gas"]].drop_duplicates()
    for index, unit_text, gas in pairs.itertuples(name=None):  # distinct units, not rows
        line = lines[frame.index.get_loc(index)]
        try:
            unit = parse_unit(unit_text)
        except UnitError as exc:  # keeps the subclass (AmbiguousUnitError)
            raise type(exc)(
                f"{source}: line {line}: {exc}", path=source, line=int(line), reason=exc.reason
            ) from None
        if not ureg.Quantity(1.0, unit).is_compatible_with(f"g {gas}/kWh"):
            dims = ureg.Quantity(1.0, unit).dimensionality
            other = [g for g, d in {**GAS_DIMENSIONS, "CO2e": "[co2e]"}.items() if dims.get(d)]
            found = f"a unit of {', '.join(other)}" if other else f"dimensionality {dims}"
            raise UnitError(
                f"{source}: line {line}: gas is {gas} but unit {unit_text!r} is {found}; "
                f"expected {gas} mass per energy such as 'g {gas}/kWh' or 'lb {gas}/MWh'",
                path=source,
                line=int(line),
                reason="unit",
            )


def read_factor_table(path: str | Path) -> FactorTable:
    """Read and check a factor-table CSV (residual mixes, supplier factors …).

    Parameters
    ----------
    path : str or Path
        A UTF-8 CSV with the columns ``region, period, method, gas, value,
        unit, source, edition`` (see the module notes for each).

    Returns
    -------
    FactorTable
        Every row of the file, checked (none dropped).

    Raises
    ------
    InputDataError
        Missing columns; an empty region, source or edition; a period that is
        not a year, month or hour with offset; an unknown method (lists the
        choices) or gas; a value that is not a non-negative number; an unknown
        ``gwp_set`` or ``basis``; two rows for the same region, method, gas and
        period. The message names the file and line.
    UnitError
        A unit that does not parse, is ambiguous, or is not a mass of the row's
        gas per energy (``gas=CO2`` with ``g CO2e/kWh`` is an error).
    """
    # Long by design: one check per column in the file's terms, in order, each raising with the line
    # of the first bad row; split up, the parts would only hand the frame and its lines along.
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable UTF-8 CSV file ({exc})", path=source, reason="unreadable"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in FACTOR_COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; a factor table has "
            f"{', '.join(FACTOR_COLUMNS)}",
            path=source,
            line=1,
            reason="missing-column",
        )
    if frame.empty:
        raise InputDataError(
            f"{source}: line 2: no factor rows after the header",
            path=source,
            line=2,
            reason="empty",
        )
    frame = frame.apply(lambda col: col.str.strip())
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)

    for column in ("region", "source", "edition"):
        blank = (frame[column] == "").to_numpy()
        if blank.any():
            raise _fail(
                source,
                lines[_first(blank)],
                f"{column} is empty; every factor needs its region, source and edition",
                reason="missing-value",
            )
    method = frame["method"].str.casefold().replace(dict(METHOD_ALIASES))
    bad = ~method.isin(list(METHODS)).to_numpy()
    if bad.any():
        i = _first(bad)
        raise _fail(
            source,
            lines[i],
            f"method {frame['method'].iloc[i]!r} is not allowed; choose one of: "
            f"{_method_choices()}",
            reason="unknown-method",
        )
    frame["method"] = method
    gas_key = {g.casefold(): g for g in GASES}
    gas = frame["gas"].str.casefold().map(gas_key)
    bad = gas.isna().to_numpy()
    if bad.any():
        i = _first(bad)
        raise _fail(
            source,
            lines[i],
            f"gas {frame['gas'].iloc[i]!r} is not one of {', '.join(GASES)}",
            reason="unknown-gas",
        )
    frame["gas"] = gas.astype(str)
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = _first(bad)
        raise _fail(
            source,
            lines[i],
            f"value {frame['value'].iloc[i]!r} is not a non-negative number",
            reason="bad-number",
        )
    frame["value"] = values
    if "gwp_set" in frame.columns:
        frame["gwp_set"] = frame["gwp_set"].str.upper()
    if "basis" in frame.columns:
        frame["basis"] = frame["basis"].str.casefold()
    for column, allowed in (("gwp_set", gwp_sets()), ("basis", _BASES)):
        if column in frame.columns:
            bad = ~frame[column].isin(["", *allowed]).to_numpy()
            if bad.any():
                i = _first(bad)
                raise _fail(
                    source,
                    lines[i],
                    f"{column} {frame[column].iloc[i]!r} is not one of {', '.join(allowed)} "
                    "(or empty)",
                    reason="bad-value",
                )
    _check_units(frame, lines, source)
    periods = _periods(frame["period"], lines, source)
    frame = pd.concat([frame, periods], axis=1)
    frame["line"] = lines

    hour_ns = pd.Series(
        frame["hour_start"].dt.tz_localize(None).to_numpy().view("i8"), index=frame.index
    )  # NaT -> a sentinel integer, so every part of the key is plain text
    key = frame["region"].str.casefold() + "|" + frame["method"] + "|" + frame["gas"]
    key = key + "|" + frame["period_kind"] + "|" + frame["year"].astype(str)
    key = key + "|" + frame["month"].astype(str) + "|" + hour_ns.astype(str)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        both = lines[(key == key[dup].iloc[0]).to_numpy()]
        raise _fail(
            source,
            int(both[1]),
            f"duplicates line {both[0]}: the same region, method, gas and period "
            f"({frame['region'].iloc[both[0] - 2]}, {frame['method'].iloc[both[0] - 2]}, "
            f"{frame['gas'].iloc[both[0] - 2]}, {frame['period'].iloc[both[0] - 2]}); keep one "
            "edition per file",
            reason="duplicate",
        )

    starts, ends = _span(frame)
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(frame),
        start=starts,
        end=ends,
        kind="emission factor table (" + ", ".join(sorted(set(frame["method"]))) + ")",
    )
    return FactorTable(frame=frame.reset_index(drop=True), record=record)


def _span(frame: pd.DataFrame) -> tuple[str, str]:
    """Earliest period start and latest period end (year/month as dates, hours in UTC)."""
    year, month = frame["year"], frame["month"].where(frame["month"] > 0, 1)
    start = pd.to_datetime({"year": year, "month": month, "day": 1})
    end = start + pd.DateOffset(years=1)
    monthly = (frame["period_kind"] == "month").to_numpy()
    end = end.where(~monthly, start + pd.DateOffset(months=1))
    hourly = (frame["period_kind"] == "hour").to_numpy()
    hour = frame["hour_start"].dt.tz_localize(None)
    start = start.where(~hourly, hour)
    end = end.where(~hourly, hour + pd.Timedelta(hours=1))
    return start.min().isoformat(), end.max().isoformat()
