"""EIA-930 six-month BALANCE bulk files: hourly production-based intensity of one BA.

:func:`read_eia930_balance` reads ``EIA930_BALANCE_YYYY_Jan_Jun.csv`` (or
``…_Jul_Dec.csv``), keeps the rows of one balancing authority and computes, for
every hour,

    intensity = Σ_fuel gen_fuel × EF_fuel / Σ_fuel gen_fuel      [lb CO2/MWh]

from the ``Net Generation (MW) from <Fuel>`` columns, which are MW averaged
over the hour, i.e. MWh. This is a **production-based, direct (combustion)**
CO2 rate: it ignores imports and upstream emissions. Default fuel rates are the
shipped dataset ``eia930_fuel_direct_co2_2023`` (``factors/eia930_fuel/``; EIA
FAQ 74, 2023 data); see ``docs/importers/eia930.md`` for which values are
verified and which are assumptions.

Rules (docs/data-formats.md §2.1, §7):

- Time: ``UTC Time at End of Hour`` (``MM/DD/YYYY h:mm:ss AM``) is the end of
  the hour, so interval start = stamp − 1 h. The local column is ignored: local
  hours repeat or vanish at DST changes.
- Numbers: thousands separators (``"1,060"``) are removed; blank is missing.
- Per fuel, the ``(Adjusted)`` value is used where the file has that column and
  the cell is filled, else the reported value. An hour is ``SOURCE_ESTIMATED``
  when, for any fuel that enters the sum, the ``(Imputed)`` cell is filled or
  the ``(Adjusted)`` value differs from the reported one (or fills a blank).
- Fuel columns are open-ended and matched after collapsing whitespace (one file
  has ``Pumped Storage  (Adjusted)``). A fuel without a factor and with
  non-zero generation is an error naming the column; never a silent zero.
- Sub-categories of EIA's 2024-07 split (``Solar with Integrated Battery
  Storage`` …) count only in hours where their parent column (``Solar``) is
  blank, so a file holding both never double counts. Storage categories are
  left out of numerator and denominator. Negative generation (station load,
  pumping) is clipped to zero; the number of clipped cells is kept in ``meta``.
- An hour is ``SOURCE_MISSING`` (value NaN) when no fuel is reported, when the
  total is zero, or when a fuel family that has an ``(Adjusted)`` column and
  data in other hours is blank in that hour (blank there means missing, not
  zero).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GRID_CFE_COLUMN, GridTable, span_record
from carbon.core.units import parse_unit, ureg
from carbon.factors.carbon_free import (
    CARBON_FREE_SET,
    EIA930_COMBINED_HYDRO,
    eia930_is_carbon_free,
)
from carbon.factors.catalogue import load_dataset
from carbon.ingest.finite import refuse_non_finite

__all__ = ["DEFAULT_FUEL_FACTORS", "EIA930_TIME_FORMAT", "read_eia930_balance"]

HOUR = pd.Timedelta(hours=1)
#: Dataset id of the default fuel rates in ``factors/eia930_fuel/``.
DEFAULT_FUEL_FACTORS = "eia930_fuel_direct_co2_2023"
#: Format of the bulk files' time columns, e.g. ``07/01/2020 6:00:00 AM``.
EIA930_TIME_FORMAT = "%m/%d/%Y %I:%M:%S %p"

_PREFIX = "net generation (mw) from "
_VARIANTS = {" (imputed)": "imputed", " (adjusted)": "adjusted"}
_BA = "balancing authority"
_UTC = "utc time at end of hour"
_CATEGORIES = ("combustion", "zero", "storage")


def _normalise(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


def _collapse(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(name)).split())


@dataclass(frozen=True)
class _Fuel:
    name: str  # as written in the factor table or fuel_factors
    category: str  # combustion | zero | storage
    parent: str  # normalised key of the parent fuel, or ""
    rate: float  # in the table's unit


@dataclass
class _Columns:
    name: str  # fuel name as written in the file (whitespace collapsed)
    raw: str | None = None
    imputed: str | None = None
    adjusted: str | None = None


# --------------------------------------------------------------------------------------
# Fuel factors
# --------------------------------------------------------------------------------------
def _as_quantity(name: str, value: object) -> pint.Quantity:
    if isinstance(value, str):
        try:
            value = ureg.Quantity(value)
        except (pint.PintError, ValueError, AttributeError, TypeError) as exc:
            raise UnitError(
                f"fuel_factors[{name!r}]: cannot parse {value!r} ({exc})", reason="unit"
            ) from None
    if not isinstance(value, ureg.Quantity):
        raise UnitError(
            f"fuel_factors[{name!r}] = {value!r} has no unit; give a pint Quantity or a string "
            "such as '900 lb CO2/MWh' or '410 kg CO2e/MWh'",
            reason="unit",
        )
    return value


def _gas_of(name: str, q: pint.Quantity) -> str:
    for gas in ("CO2", "CO2e"):
        if q.is_compatible_with(f"lb {gas}/MWh"):
            return gas
    raise UnitError(
        f"fuel_factors[{name!r}] is in {q.units}, not a CO2 or CO2e mass per energy "
        "(e.g. lb CO2/MWh, kg CO2e/MWh)",
        reason="unit",
    )


def _fuel_table(
    fuel_factors: Mapping[str, object] | None,
) -> tuple[dict[str, _Fuel], str, str, str]:
    """Fuel key -> _Fuel, the unit text, the gas, and a description of the overrides."""
    dataset = load_dataset(DEFAULT_FUEL_FACTORS)
    quantities: dict[str, tuple[str, str, str, pint.Quantity]] = {}
    for row in dataset.table().itertuples(index=False):  # the factor table, not the data
        quantities[_normalise(row.fuel)] = (
            row.fuel,
            row.category,
            _normalise(row.parent) if row.parent else "",
            ureg.Quantity(float(row.value), parse_unit(row.unit)),
        )
    overrides = []
    for name, value in (fuel_factors or {}).items():
        key = _normalise(name)
        q = _as_quantity(name, value)
        _gas_of(name, q)
        if float(q.magnitude) < 0:
            raise ConfigError(f"fuel_factors[{name!r}] = {q} is negative", reason="negative")
        if key in quantities:
            default_name, category, parent, _old = quantities[key]
            if category == "storage":
                raise ConfigError(
                    f"fuel_factors[{name!r}]: {default_name} is storage, which is left out of "
                    "the intensity (numerator and denominator); a factor for it has no effect",
                    reason="bad-option",
                )
            quantities[key] = (default_name, category, parent, q)
        else:
            quantities[key] = (str(name), "combustion", "", q)
        overrides.append(f"{name}={q:~}")
    gases = {_gas_of(n, q): n for n, _c, _p, q in quantities.values() if float(q.magnitude) != 0}
    if len(gases) > 1:
        raise UnitError(
            "the fuel factors mix CO2 and CO2e rates "
            f"(e.g. {gases.get('CO2')!r} in CO2, {gases.get('CO2e')!r} in CO2e); the defaults "
            "are lb CO2/MWh, so give every non-zero fuel in the same gas",
            reason="unit",
        )
    gas = next(iter(gases), "CO2")
    unit = f"lb {gas}/MWh"
    table = {  # a zero rate is zero in either gas
        key: _Fuel(name, category, parent, float(q.to(unit).magnitude) if q.magnitude else 0.0)
        for key, (name, category, parent, q) in quantities.items()
    }
    return table, unit, gas, "; ".join(overrides)


# --------------------------------------------------------------------------------------
# File
# --------------------------------------------------------------------------------------
def _fuel_columns(columns: list[str]) -> dict[str, _Columns]:
    found: dict[str, _Columns] = {}
    for column in columns:
        key = _normalise(column)
        if not key.startswith(_PREFIX):
            continue
        variant, cut = "raw", 0
        for suffix, name in _VARIANTS.items():
            if key.endswith(suffix):
                variant, cut = name, len(suffix)
                break
        fuel = key[len(_PREFIX) : len(key) - cut]
        written = _collapse(column)
        written = written[len(_PREFIX) : len(written) - cut]
        entry = found.setdefault(fuel, _Columns(name=written))
        setattr(entry, variant, column)
    return found


def _numbers(text: pd.Series, column: str, lines: np.ndarray, source: str) -> np.ndarray:
    """MW values of one column: thousands separators removed, blank -> NaN."""
    cleaned = text.str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & (cleaned != "").to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: {_collapse(column)!r} is {text.iloc[i]!r}; "
            'expected a number in MW (thousands separators such as "1,060" are fine) or blank',
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    refuse_non_finite(values, source=source, column=_collapse(column), lines=lines, raw=text)
    return values


def _interval_starts(text: pd.Series, lines: np.ndarray, source: str) -> pd.DatetimeIndex:
    stripped = text.str.strip()
    stamps = pd.to_datetime(stripped, format=EIA930_TIME_FORMAT, errors="coerce")
    bad = stamps.isna().to_numpy()
    if bad.any():  # newer or re-saved files may carry ISO stamps
        iso = pd.to_datetime(stripped[bad], format="ISO8601", errors="coerce")
        if getattr(iso.dt, "tz", None) is not None:
            iso = iso.dt.tz_convert("UTC").dt.tz_localize(None)
        stamps = stamps.copy()
        stamps[bad] = iso
        bad = stamps.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: UTC Time at End of Hour {text.iloc[i]!r} is not a "
            "date-time; expected MM/DD/YYYY h:mm:ss AM, e.g. 07/01/2020 6:00:00 AM",
            path=source,
            line=int(lines[i]),
            timestamp=text.iloc[i],
            reason="timestamp",
        )
    # Hour-ending label -> interval start (docs/data-formats.md §7).
    return pd.DatetimeIndex(stamps).as_unit("ns").tz_localize("UTC") - HOUR


def _read(path: str | Path, source: str) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable UTF-8 CSV file ({exc}); expected a UTF-8 CSV export",
            path=source,
            reason="unreadable",
        ) from None


def read_eia930_balance(
    path: str | Path, *, ba: str, fuel_factors: Mapping[str, object] | None = None
) -> GridTable:
    """Hourly production-based direct CO2 intensity of one BA from an EIA-930 BALANCE file.

    Parameters
    ----------
    path : str or Path
        A six-month bulk file, e.g. ``EIA930_BALANCE_2024_Jul_Dec.csv``.
    ba : str
        Balancing-authority code as in the ``Balancing Authority`` column,
        e.g. ``"ERCO"`` (case-insensitive).
    fuel_factors : Mapping[str, pint.Quantity or str], optional
        Rates that replace or extend the defaults, keyed by the fuel name as in
        ``Net Generation (MW) from <Fuel>`` (case and spacing ignored), e.g.
        ``{"Other Fuel Sources": "0 lb CO2/MWh"}`` [mass CO2 or CO2e per
        energy]. All non-zero rates must be of one gas; a fuel that is not in
        the defaults is counted as combustion.

    Returns
    -------
    GridTable
        One row per row of `ba` in the file: ``interval_start`` (UTC hour start
        = ``UTC Time at End of Hour`` − 1 h), ``value`` [lb CO2/MWh, or lb
        CO2e/MWh when `fuel_factors` are CO2e], ``flag`` (``MEASURED``,
        ``SOURCE_ESTIMATED`` or ``SOURCE_MISSING``, see the module notes),
        ``line`` (1-based line in the file). ``basis`` is ``"direct"``,
        ``kind`` ``"average"``; ``meta`` names the factor dataset, the rates
        used, and counts of estimated, missing and clipped values.

    Raises
    ------
    InputDataError
        Missing columns, unknown `ba` (the message lists the BAs in the file),
        an unparseable stamp or number, or a fuel column without a factor that
        has non-zero generation (the message names the column and line).
    UnitError, ConfigError
        Invalid `fuel_factors`.

    References
    ----------
    .. [1] U.S. EIA, Hourly Electric Grid Monitor (Form EIA-930), bulk downloads,
       https://www.eia.gov/electricity/gridmonitor/
    .. [2] U.S. EIA, FAQ "How much carbon dioxide is produced per kilowatthour of
       U.S. electricity generation?", https://www.eia.gov/tools/faqs/faq.php?id=74&t=11
    """
    # Long by design: the file's checks in order (columns, BA, stamps, generation), then the
    # intensity and its record; each refusal names the file and line.
    source = str(path)
    fuels, unit_text, gas, overrides = _fuel_table(fuel_factors)
    frame = _read(path, source)
    by_name = {_normalise(c): c for c in frame.columns}
    missing = [n for n in (_BA, _UTC) if n not in by_name]
    if missing:
        raise InputDataError(
            f"{source}: line 1: not an EIA-930 BALANCE file; missing column(s) "
            f"{', '.join(repr(m.title()) for m in missing)} (expected 'Balancing Authority', "
            "'UTC Time at End of Hour' and 'Net Generation (MW) from <Fuel>' columns)",
            path=source,
            line=1,
            reason="missing-column",
        )
    columns = _fuel_columns(list(frame.columns))
    if not columns:
        raise InputDataError(
            f"{source}: line 1: no 'Net Generation (MW) from <Fuel>' columns; the intensity "
            "needs the fuel-type generation",
            path=source,
            line=1,
            reason="missing-column",
        )
    codes = frame[by_name[_BA]].str.strip()
    selected = (codes.str.upper() == ba.strip().upper()).to_numpy()
    if not selected.any():
        available = ", ".join(sorted(set(codes) - {""})) or "none"
        raise InputDataError(
            f"{source}: balancing authority {ba!r} is not in the file; available: {available}",
            path=source,
            reason="unknown-region",
        )
    rows = frame.loc[selected]
    lines = np.flatnonzero(selected).astype(np.int64) + 2
    starts = _interval_starts(rows[by_name[_UTC]], lines, source)

    gen, est, rates, meta_counts = _generation(rows, columns, fuels, lines, source)
    present = ~np.isnan(gen)
    total = np.where(present, gen, 0.0).sum(axis=1)
    emitted = np.where(present, gen * rates, 0.0).sum(axis=1)
    incomplete = meta_counts.pop("_incomplete")
    missing_hours = ~present.any(axis=1) | (total <= 0) | incomplete
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(missing_hours, np.nan, emitted / np.where(total > 0, total, 1.0))
    flags = np.where((est & present).any(axis=1), int(Flag.SOURCE_ESTIMATED), int(Flag.MEASURED))
    flags = np.where(missing_hours, int(Flag.SOURCE_MISSING), flags).astype(np.int8)

    table = pd.DataFrame({"interval_start": starts, "value": values, "flag": flags, "line": lines})
    used = meta_counts["_used"]
    free = np.array([eia930_is_carbon_free(k) for k in used])  # one per fuel column
    carbon_free = np.where(present[:, free], gen[:, free], 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        table[GRID_CFE_COLUMN] = np.where(
            missing_hours, np.nan, carbon_free / np.where(total > 0, total, 1.0)
        )
    combined = EIA930_COMBINED_HYDRO in used and bool(
        present[:, used.index(EIA930_COMBINED_HYDRO)].any()
    )
    meta = {
        "source": "EIA-930 BALANCE bulk file; intensity computed by carbon",
        "accounting": "production-based (generation inside the BA; imports ignored)",
        "formula": "sum(gen_fuel * EF_fuel) / sum(gen_fuel) per hour, MW = MWh per hour",
        "factor_dataset": DEFAULT_FUEL_FACTORS,
        "factor_sha256": load_dataset(DEFAULT_FUEL_FACTORS).sha256,
        "factor_overrides": overrides,
        "fuel_rates": "; ".join(
            f"{columns[k].name}={fuels[k].rate:g} {unit_text}" for k in meta_counts["_used"]
        ),
        "time_convention": "UTC Time at End of Hour minus 1 h = interval start (UTC)",
        "estimated_rule": "(Imputed) cell filled, or (Adjusted) differs from reported",
        "estimated_hours": str(int((flags == int(Flag.SOURCE_ESTIMATED)).sum())),
        "missing_hours": str(int(missing_hours.sum())),
        "file_rows": str(len(frame)),
        "licence": "U.S. government work, public domain; EIA asks for citation",
        "cfe_basis": "EIA-930 net generation by fuel inside the BA (production-based): "
        f"{CARBON_FREE_SET}; carbon-free fuels here: "
        + ", ".join(columns[k].name for k in used if eia930_is_carbon_free(k))
        + (
            "; the file's 'Hydropower and Pumped Storage' column nets pumped storage in "
            "and cannot be split, so it counts as hydro"
            if combined
            else ""
        )
        + f"; negative cells counted as zero: {meta_counts['clipped_negative_cells']}",
        "cfe_formula": "sum(gen of carbon-free fuels) / sum(gen of all fuels but storage); "
        "negative cells count as zero in both sums",
    }
    meta_counts.pop("_used")
    meta.update({k: str(v) for k, v in meta_counts.items()})
    record = span_record(
        path,
        source,
        len(table),
        starts,
        HOUR,
        f"grid intensity (EIA-930 BALANCE, {ba.strip().upper()}, production-based, direct)",
    )
    return GridTable(
        frame=table,
        unit=parse_unit(unit_text),
        region=ba.strip().upper(),
        gas=gas,
        basis="direct",
        kind="average",
        resolution=HOUR,
        record=record,
        meta=meta,
    )


def _generation(
    rows: pd.DataFrame,
    columns: dict[str, _Columns],
    fuels: dict[str, _Fuel],
    lines: np.ndarray,
    source: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, object]]:
    """Generation (n × fuel, NaN = blank), estimated mask, rates and counts for meta."""
    # Long by design: per fuel column, the reported, adjusted and imputed values are combined under
    # one rule, with the refusal of generation without a factor.
    n = len(rows)
    blank = np.full(n, np.nan)
    values: dict[str, np.ndarray] = {}
    estimated: dict[str, np.ndarray] = {}
    adjusted_fuels: set[str] = set()
    ignored = []
    for key, cols in columns.items():  # one pass per fuel column, vectorised over rows
        raw = _numbers(rows[cols.raw], cols.raw, lines, source) if cols.raw else blank
        adj = _numbers(rows[cols.adjusted], cols.adjusted, lines, source) if cols.adjusted else None
        imp = _numbers(rows[cols.imputed], cols.imputed, lines, source) if cols.imputed else None
        value = raw if adj is None else np.where(np.isnan(adj), raw, adj)
        if key not in fuels:
            nonzero = ~np.isnan(value) & (value != 0)
            if imp is not None:
                nonzero |= ~np.isnan(imp) & (imp != 0)
            if nonzero.any():
                i = int(np.argmax(nonzero))
                known = ", ".join(f.name for f in fuels.values())
                raise InputDataError(
                    f"{source}: line {lines[i]}: column 'Net Generation (MW) from {cols.name}' "
                    f"has generation {value[i]:g} MW but no emission factor; known fuels: "
                    f"{known}. Pass fuel_factors={{{cols.name!r}: <rate>}} to read it",
                    path=source,
                    line=int(lines[i]),
                    reason="no-factor",
                )
            ignored.append(cols.name)
            continue
        mask = np.zeros(n, dtype=bool)
        if imp is not None:
            mask |= ~np.isnan(imp)
        if adj is not None:
            if cols.raw:  # without a reported column there is nothing to compare against
                mask |= ~np.isnan(adj) & (np.isnan(raw) | (adj != raw))
            adjusted_fuels.add(key)
        values[key] = value
        estimated[key] = mask

    # Parent rule: a sub-category counts only where its parent is blank.
    overlap = np.zeros(n, dtype=bool)
    for key in list(values):
        parent = fuels[key].parent
        if parent and parent in values:
            both = ~np.isnan(values[parent]) & ~np.isnan(values[key])
            overlap |= both
            values[key] = np.where(both, np.nan, values[key])
            estimated[key] = estimated[key] & ~both

    # Families (parent + children, storage left out): blank where they have data elsewhere.
    incomplete = np.zeros(n, dtype=bool)
    families: dict[str, list[str]] = {}
    for key in values:
        if fuels[key].category != "storage":
            families.setdefault(fuels[key].parent or key, []).append(key)
    for members in families.values():
        if not any(m in adjusted_fuels for m in members):
            continue
        stack = np.column_stack([values[m] for m in members])
        reported = ~np.isnan(stack)
        if reported.any():
            incomplete |= ~reported.any(axis=1)

    used = [k for k in values if fuels[k].category != "storage"]
    if not used:
        found = ", ".join(c.name for c in columns.values())
        raise InputDataError(
            f"{source}: no generating fuel column with a factor (found: {found}); "
            "only storage or unknown fuels",
            path=source,
            reason="no-factor",
        )
    gen = np.column_stack([values[k] for k in used])
    negative = gen < 0
    gen = np.where(negative, 0.0, gen)
    est = np.column_stack([estimated[k] for k in used])
    rates = np.array([fuels[k].rate for k in used])
    counts: dict[str, object] = {
        "clipped_negative_cells": int(negative.sum()),
        "parent_child_overlap_hours": int(overlap.sum()),
        "incomplete_hours": int(incomplete.sum()),
        "storage_fuels_excluded": ", ".join(
            columns[k].name for k in values if fuels[k].category == "storage"
        ),
        "ignored_fuel_columns": ", ".join(ignored),
        "_incomplete": incomplete,
        "_used": used,
    }
    return gen, est, rates, counts
