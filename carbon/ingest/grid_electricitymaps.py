"""Electricity Maps CSV exports (the portal's "download" files), hourly.

:func:`read_electricitymaps_csv` reads one zone's file into a
:class:`~carbon.core.lineage.GridTable` in interval-start UTC. Both header
generations are accepted (docs/data-formats.md §2.3):

- older (2021–2023): ``Datetime (UTC), Country, Zone Name, Zone Id,
  Carbon Intensity gCO₂eq/kWh (direct), Carbon Intensity gCO₂eq/kWh (LCA),
  Low Carbon Percentage, Renewable Percentage, Data Source, Data Estimated,
  Data Estimation Method``;
- newer (2024+): ``Zone name``, ``Zone id``, ``Carbon intensity gCO₂eq/kWh
  (direct)``, ``… (Life cycle)``, ``Carbon-free energy percentage (CFE%)``,
  ``Renewable energy percentage (RE%)``, ``Data source``, ``Data estimated``,
  ``Data estimation method``.

Header names are matched after NFKC normalisation (the subscript ``₂``, U+2082,
becomes ``2``), whitespace collapsing and case folding, so an ASCII
``gCO2eq/kWh`` header reads the same.

The stamp ``Datetime (UTC)`` is the *start* of the hour in UTC with no offset
(the 2023 hourly file runs from ``2023-01-01 00:00:00`` to ``2023-12-31
23:00:00``), so it is used as is. The direct (combustion) column is read unless
the life-cycle column is asked for explicitly; Scope 2 refuses a life-cycle
series later (:func:`carbon.ingest.grid_table.grid_from_table`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GRID_CFE_COLUMN, GridTable, span_record
from carbon.core.units import parse_unit

__all__ = ["CFE_BASIS", "read_electricitymaps_csv"]

HOUR = pd.Timedelta(hours=1)
BASES = ("direct", "lifecycle")

# Normalised header name -> role. Intensity columns are matched by _INTENSITY.
_COLUMNS: Mapping[str, str] = {
    "datetime (utc)": "stamp",
    "country": "country",
    "zone name": "zone_name",
    "zone id": "zone",
    "data source": "data_source",
    "data estimated": "estimated",
    "data estimation method": "method",
    "low carbon percentage": "cfe",
    "carbon-free energy percentage (cfe%)": "cfe",
}
_REQUIRED = ("stamp", "zone", "estimated")
_INTENSITY = re.compile(r"^carbon intensity (?P<unit>\S+) \((?P<basis>direct|lca|life cycle)\)$")
_BASIS_OF_LABEL = {"direct": "direct", "lca": "lifecycle", "life cycle": "lifecycle"}
# The unit as written in the header (after normalisation) -> pint unit text.
_UNITS = {"gco2eq/kwh": "g CO2e/kWh"}
#: What the share read from the export counts as carbon-free (the source's own definition).
CFE_BASIS = (
    "Electricity Maps' own carbon-free (older exports: 'low carbon') percentage of the "
    "zone's consumed electricity, flow-traced: nuclear and renewables, which Electricity Maps "
    "counts to include biomass (verify for the file at hand); read as is"
)
_NEWER_MARKERS = ("carbon-free energy percentage (cfe%)", "renewable energy percentage (re%)")


def _normalise(name: str) -> str:
    """NFKC (``₂`` → ``2``), collapse whitespace, case-fold."""
    return " ".join(unicodedata.normalize("NFKC", str(name)).split()).casefold()


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _roles(columns: list[str], source: str) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Map roles to the file's own column names; intensity basis -> (column, unit label)."""
    roles: dict[str, str] = {}
    intensity: dict[str, tuple[str, str]] = {}
    for column in columns:
        key = _normalise(column)
        if key in _COLUMNS:
            roles[_COLUMNS[key]] = column
            continue
        match = _INTENSITY.match(key)
        if match:
            intensity[_BASIS_OF_LABEL[match["basis"]]] = (column, match["unit"])
    missing = [role for role in _REQUIRED if role not in roles]
    if missing or not intensity:
        raise InputDataError(
            f"{source}: line 1: not an Electricity Maps CSV export; expected the columns "
            "'Datetime (UTC)', 'Zone Id', 'Carbon Intensity gCO₂eq/kWh (direct)' and/or "
            "'(LCA)' / '(Life cycle)', 'Data Estimated' (either header generation), "
            f"got {', '.join(repr(c) for c in columns)}",
            path=source,
            line=1,
            reason="missing-column",
        )
    return roles, intensity


def read_electricitymaps_csv(path: str | Path, *, basis: str = "direct") -> GridTable:
    """Read an Electricity Maps hourly CSV export of one zone.

    Parameters
    ----------
    path : str or Path
        The downloaded file, e.g. ``US-TEX-ERCO_2023_hourly.csv``.
    basis : {"direct", "lifecycle"}
        Which intensity column to read. ``"direct"`` (default) is operational
        (combustion) emissions only and is what Scope 2 needs; ``"lifecycle"``
        (the ``LCA`` / ``Life cycle`` column) includes upstream emissions and
        must be asked for explicitly. The table's ``basis`` says which one it holds.

    Returns
    -------
    GridTable
        One row per line of the file: ``interval_start`` (UTC hour start, taken
        as is), ``value`` [g CO2e/kWh], ``flag`` (``MEASURED``;
        ``SOURCE_ESTIMATED`` where ``Data Estimated`` is ``true``;
        ``SOURCE_MISSING`` where the intensity cell is empty), ``line`` (1-based
        line in the file) and, where the export has ``Low Carbon Percentage``
        (older) or ``Carbon-free energy percentage (CFE%)`` (newer),
        ``cfe_share`` (that percentage ÷ 100; NaN where the cell is empty).
        ``region`` is the ``Zone Id``; ``kind`` is ``"average"``. ``meta`` keeps
        the zone name, country, header generation, data sources and estimation
        methods with their hour counts, and ``cfe_basis`` (what the share counts).

    Raises
    ------
    ConfigError
        `basis` is not ``"direct"`` or ``"lifecycle"``.
    InputDataError
        Missing columns, the requested basis column absent, a stamp or number
        that does not parse, a carbon-free percentage outside 0..100, a
        ``Data Estimated`` value other than ``true``/``false``/empty, or
        several zones in one file. The message
        names the file and line.
    UnitError
        The intensity header carries a unit other than ``gCO₂eq/kWh``.

    References
    ----------
    .. [1] Electricity Maps, data portal downloads, https://www.electricitymaps.com/data-portal
       (licence of the free downloads believed ODbL with attribution, unverified).
    """
    # Long by design: the export's checks in order (columns, basis, unit, stamps, zone, values,
    # estimates), each naming the file and line, then the table.
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
    roles, intensity = _roles(list(frame.columns), source)
    if basis not in intensity:
        present = ", ".join(repr(c) for c, _u in intensity.values())
        raise InputDataError(
            f"{source}: line 1: no {basis} intensity column (found {present}); "
            "the direct column is 'Carbon Intensity gCO₂eq/kWh (direct)', the life-cycle "
            "one '... (LCA)' or '... (Life cycle)'",
            path=source,
            line=1,
            reason="missing-column",
        )
    value_column, unit_label = intensity[basis]
    if unit_label not in _UNITS:
        raise UnitError(
            f"{source}: line 1: column {value_column!r} has the unit {unit_label!r}; "
            f"expected one of {', '.join(_UNITS)} (gCO₂eq/kWh)",
            path=source,
            line=1,
            reason="unit",
        )
    if frame.empty:
        raise InputDataError(
            f"{source}: line 2: no data rows after the header", path=source, line=2, reason="empty"
        )
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)

    stamps_text = frame[roles["stamp"]].str.strip()
    stamps = pd.to_datetime(stamps_text, format="ISO8601", utc=True, errors="coerce")
    bad = stamps.isna().to_numpy()
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: Datetime (UTC) {stamps_text.iloc[i]!r} is not a "
            "date-time; expected e.g. '2023-01-01 00:00:00' (UTC hour start)",
            path=source,
            line=int(lines[i]),
            timestamp=stamps_text.iloc[i],
            reason="timestamp",
        )

    zones = frame[roles["zone"]].str.strip()
    distinct = list(dict.fromkeys(zones))
    if len(distinct) != 1:
        i = _first((zones != distinct[0]).to_numpy())
        raise InputDataError(
            f"{source}: line {lines[i]}: the file holds several zones "
            f"({', '.join(distinct)}); export one zone per file",
            path=source,
            line=int(lines[i]),
            reason="several-regions",
        )

    raw = frame[value_column].str.strip()
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & (raw != "").to_numpy()
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {value_column} {raw.iloc[i]!r} is not a number; "
            "expected a decimal number in g/kWh or an empty cell",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )

    estimated_text = frame[roles["estimated"]].str.strip().str.casefold()
    bad = ~estimated_text.isin(["true", "false", ""]).to_numpy()
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {roles['estimated']} is "
            f"{frame[roles['estimated']].iloc[i]!r}; expected true, false or empty",
            path=source,
            line=int(lines[i]),
            reason="bad-value",
        )
    estimated = (estimated_text == "true").to_numpy()
    flags = np.full(len(frame), int(Flag.MEASURED), dtype=np.int8)
    flags[estimated] = int(Flag.SOURCE_ESTIMATED)
    flags[np.isnan(values)] = int(Flag.SOURCE_MISSING)

    starts = pd.DatetimeIndex(stamps).as_unit("ns")
    table = pd.DataFrame(
        {
            "interval_start": starts,
            "value": values,
            "flag": flags,
            "line": lines,
        }
    )
    meta = _meta(frame, roles, estimated, basis, value_column)
    if "cfe" in roles:
        table[GRID_CFE_COLUMN] = _cfe_share(frame[roles["cfe"]], roles["cfe"], lines, source)
        meta["cfe_column"] = roles["cfe"]
        meta["cfe_missing_hours"] = str(int(table[GRID_CFE_COLUMN].isna().sum()))
        meta["cfe_basis"] = CFE_BASIS
    record = span_record(
        path,
        source,
        len(table),
        starts,
        HOUR,
        f"grid intensity (Electricity Maps CSV, {basis}, hourly)",
    )
    return GridTable(
        frame=table,
        unit=parse_unit(_UNITS[unit_label]),
        region=distinct[0],
        gas="CO2e",
        basis=basis,
        kind="average",
        resolution=HOUR,
        record=record,
        meta=meta,
    )


def _cfe_share(text: pd.Series, column: str, lines: np.ndarray, source: str) -> np.ndarray:
    """The carbon-free percentage column as fractions; empty cells NaN; outside 0..100 refused."""
    raw = text.str.strip()
    values = pd.to_numeric(raw.where(raw != ""), errors="coerce").to_numpy(dtype="float64")
    given = ~np.isnan(values)
    bad = (~given & (raw != "").to_numpy()) | (given & ((values < 0) | (values > 100)))
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} {raw.iloc[i]!r} is not a percentage in "
            "0..100; expected a number such as 54.74 or an empty cell",
            path=source,
            line=int(lines[i]),
            reason="implausible-share",
        )
    return values / 100.0


def _counts(series: pd.Series) -> str:
    """``"a=3; b=1"`` for the non-empty values of a text column (file order)."""
    text = series.str.strip()
    counts = text[text != ""].value_counts(sort=False)
    return "; ".join(f"{name}={int(n)}" for name, n in counts.items())


def _meta(
    frame: pd.DataFrame, roles: dict[str, str], estimated: np.ndarray, basis: str, column: str
) -> dict[str, str]:
    normalised = {_normalise(c) for c in frame.columns}
    newer = any(marker in normalised for marker in _NEWER_MARKERS) or any(
        "(life cycle)" in c for c in normalised
    )
    meta = {
        "source": "Electricity Maps",
        "header_generation": "newer (2024+)" if newer else "older (2021-2023)",
        "value_column": column,
        "basis": basis,
        "accounting": (
            "Electricity Maps intensities are flow-traced (consumption-based) by default "
            "(docs/methodology.md §9; verify for the file at hand)"
        ),
        "estimated_hours": str(int(estimated.sum())),
        "time_convention": "Datetime (UTC) is the hour start in UTC; used as is",
        "licence": "Electricity Maps terms; free downloads believed ODbL with attribution "
        "(unverified, docs/data-formats.md §8)",
    }
    for role in ("zone_name", "country"):
        if role in roles:
            names = list(dict.fromkeys(frame[roles[role]].str.strip()))
            meta[role] = "; ".join(names)
    if "data_source" in roles:
        meta["data_sources"] = _counts(frame[roles["data_source"]])
    if "method" in roles:
        methods = frame[roles["method"]][estimated]
        meta["estimation_methods"] = _counts(methods)
        other = _counts(frame[roles["method"]][~estimated])
        if other:
            meta["estimation_methods_on_unestimated_hours"] = other
    return meta
