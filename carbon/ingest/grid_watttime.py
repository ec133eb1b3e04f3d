"""WattTime API v3 signals (MOER / AOER) saved as JSON or CSV.

:func:`read_watttime` reads one region's ``co2_moer`` (marginal) or
``co2_aoer`` (average) series into a :class:`~carbon.core.lineage.GridTable`
(docs/data-formats.md §2.4). Accepted files:

- **JSON**, a ``/v3/historical`` or ``/v3/forecast`` response as saved::

      {"data": [{"point_time": "2022-07-15T00:00:00+00:00", "value": 870}, ...],
       "meta": {"region": "CAISO_NORTH", "signal_type": "co2_moer",
                "units": "lbs_co2_per_mwh", "data_point_period_seconds": 300,
                "model": {"date": "2023-03-01"}, "warnings": [...]}}

  or a JSON array of such responses (the official client's
  ``get_historical_jsons`` returns one per 30-day chunk); the chunks must agree
  on region, signal, units, model date and period. Optional per-point keys:
  ``imputed_data_used`` (``include_imputed_marker=true``), ``last_updated``,
  ``generated_at`` (forecast rows).
- **CSV** as the official client writes it (``{region}_{signal_type}_{start}_{end}.csv``,
  ``pd.json_normalize(data)``): columns ``point_time`` and ``value``, optionally
  ``imputed_data_used``, ``generated_at``, flat metadata columns (``region``,
  ``signal_type``, ``units``, ``model_date`` or ``model.date``,
  ``data_point_period_seconds``) or one ``meta`` column holding the response's
  ``meta`` dict as Python text (``json_normalize(..., meta=["meta"])`` then
  ``to_csv``). What the file does not say is taken from the file name, then from
  the keyword arguments.

Rules:

- ``point_time`` is the start of the interval, ISO 8601 with an offset; it is
  converted to UTC and otherwise used as is (docs/data-formats.md §7). A stamp without
  an offset is an error.
- ``co2_moer`` → ``kind="marginal"``; ``co2_aoer`` → ``kind="average"``. A
  marginal series never enters the inventory (docs/methodology.md §1.2):
  :func:`carbon.ingest.grid_table.grid_from_table` refuses it.
  ``health_damage`` is not a CO2 signal and is refused.
- Units ``lbs_co2_per_mwh`` → ``lb CO2/MWh``, ``gas="CO2"`` (not CO2e).
- Resolution from ``meta.data_point_period_seconds`` (300 s = 5 min when the
  file does not say).
- Flags: ``MEASURED``; ``SOURCE_ESTIMATED`` where ``imputed_data_used`` is true
  and for every row of a forecast (rows with ``generated_at`` or a
  ``meta.generated_at``); ``SOURCE_MISSING`` where ``value`` is null.
- ``meta["model_date"]`` keeps ``meta.model.date``: values change between model
  versions, so cite it with the series.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, span_record
from carbon.core.units import parse_unit

__all__ = ["DEFAULT_PERIOD", "SIGNAL_KINDS", "WATTTIME_UNITS", "read_watttime"]

#: CO2 signal type → GridTable.kind.
SIGNAL_KINDS: Mapping[str, str] = {"co2_moer": "marginal", "co2_aoer": "average"}
#: Signal types WattTime serves that are not CO2 intensities, with the reason they are refused.
_REFUSED_SIGNALS: Mapping[str, str] = {
    "health_damage": "a health-damage signal, not a CO2 intensity",
    "health_damages": "a health-damage signal, not a CO2 intensity",
    "marginal_fuel_mix": "a marginal fuel mix, not a CO2 intensity",
}
#: WattTime ``meta.units`` → pint unit text.
WATTTIME_UNITS: Mapping[str, str] = {"lbs_co2_per_mwh": "lb CO2/MWh"}
#: Interval length when the file does not state ``data_point_period_seconds``.
DEFAULT_PERIOD = pd.Timedelta(seconds=300)

_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_FILE_NAME = re.compile(
    r"^(?P<region>.+)_(?P<signal>co2_moer|co2_aoer|health_damages?)_"
    r"(?P<start>\d{4}-\d{2}-\d{2})_(?P<end>\d{4}-\d{2}-\d{2})$"
)
_META_KEYS = ("region", "signal_type", "units", "model_date", "period_seconds")


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


# --------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------
def _meta_of(meta: object, where: str, source: str) -> dict[str, str]:
    """The facts this reader needs from one response's ``meta`` object (as text)."""
    if not isinstance(meta, Mapping):
        raise InputDataError(
            f"{source}: {where}: expected an object with region, signal_type…",
            path=source,
            reason="malformed",
        )
    model = meta.get("model")
    model_date = model.get("date") if isinstance(model, Mapping) else meta.get("model_date")
    found = {
        "region": meta.get("region"),
        "signal_type": meta.get("signal_type"),
        "units": meta.get("units"),
        "model_date": model_date,
        "period_seconds": meta.get("data_point_period_seconds"),
        "generated_at": meta.get("generated_at"),
        "warnings": json.dumps(meta["warnings"]) if meta.get("warnings") else None,
    }
    return {k: str(v) for k, v in found.items() if v is not None and str(v) != ""}


def _agree(metas: list[dict[str, str]], source: str, where: str) -> dict[str, str]:
    """One meta dict from several (chunks or CSV rows); they must agree on _META_KEYS."""
    merged: dict[str, str] = {}
    for i, meta in enumerate(metas):
        for key, value in meta.items():
            if key in _META_KEYS and key in merged and merged[key] != value:
                raise InputDataError(
                    f"{source}: {where} {i + 1}: {key} is {value!r} but {merged[key]!r} before; "
                    "a file must hold one region, signal, unit, model date and period",
                    path=source,
                    reason="inconsistent-meta",
                )
            if key == "warnings" and key in merged and value != merged[key]:
                merged[key] = f"{merged[key]}; {value}"
            else:
                merged.setdefault(key, value)
    return merged


def _from_json(path: str | Path, source: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Points (point_time text, value, imputed, forecast) and meta of a JSON file."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(
            f"{source}: not a readable JSON file ({exc}); expected the JSON response of the API",
            path=source,
            reason="unreadable",
        ) from None
    responses = document if isinstance(document, list) else [document]
    rows: list[dict[str, Any]] = []
    elements: list[str] = []
    metas = []
    for k, response in enumerate(responses):
        prefix = f"[{k}]." if isinstance(document, list) else ""
        if not isinstance(response, Mapping) or not isinstance(response.get("data"), list):
            raise InputDataError(
                f"{source}: {prefix or 'top level'}: not a WattTime v3 response; expected "
                '{"data": [{"point_time": …, "value": …}], "meta": {…}}',
                path=source,
                reason="wrong-document",
            )
        if "meta" not in response:
            raise InputDataError(
                f"{source}: {prefix}meta: missing; the response meta is needed",
                path=source,
                reason="missing-element",
            )
        metas.append(_meta_of(response["meta"], f"{prefix}meta", source))
        for i, point in enumerate(response["data"]):
            where = f"{prefix}data[{i}]"
            if not isinstance(point, Mapping) or "point_time" not in point:
                hint = ""
                if isinstance(point, Mapping) and "forecast" in point:
                    hint = (
                        " (a /v3/forecast/historical response: forecasts are not inventory "
                        "data; read /v3/historical instead)"
                    )
                raise InputDataError(
                    f"{source}: {where}: expected an object with point_time and value{hint}",
                    path=source,
                    reason="wrong-document",
                )
            rows.append(point)
            elements.append(where)
    frame = pd.DataFrame.from_records(rows, columns=None if rows else ["point_time", "value"])
    if "value" not in frame.columns:
        raise InputDataError(
            f"{source}: {elements[0]}: no 'value' key in the data points",
            path=source,
            reason="missing-element",
        )
    return frame, _agree(metas, source, "response"), elements


def _from_csv(path: str | Path, source: str) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable UTF-8 CSV file ({exc}); expected a UTF-8 CSV export",
            path=source,
            reason="unreadable",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in ("point_time", "value") if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; a WattTime CSV has "
            f"point_time,value (got {', '.join(frame.columns)})",
            path=source,
            line=1,
            reason="missing-column",
        )
    lines = np.arange(2, len(frame) + 2)
    metas: list[dict[str, str]] = []
    if "meta" in frame.columns:  # the response meta dict, written by pandas as Python text
        for text, first in zip(*np.unique(frame["meta"], return_index=True), strict=True):
            try:
                parsed = ast.literal_eval(text) if text.strip() else {}
            except (ValueError, SyntaxError):
                try:
                    parsed = json.loads(text)
                except json.JSONDecodeError:
                    raise InputDataError(
                        f"{source}: line {lines[first]}: column meta is not a dict "
                        f"({text[:60]!r}…)",
                        path=source,
                        line=int(lines[first]),
                        reason="malformed",
                    ) from None
            metas.append(_meta_of(parsed, f"line {lines[first]}: meta", source))
    flat = {
        "region": "region",
        "signal_type": "signal_type",
        "units": "units",
        "model_date": "model_date",
        "model.date": "model_date",
        "meta.model.date": "model_date",
        "data_point_period_seconds": "period_seconds",
        "meta.region": "region",
        "meta.signal_type": "signal_type",
        "meta.units": "units",
        "meta.data_point_period_seconds": "period_seconds",
    }
    for column, key in flat.items():
        if column in frame.columns:
            for value in pd.unique(frame[column].str.strip()):
                if value:
                    metas.append({key: value})
    frame["value"] = frame["value"].where(frame["value"].str.strip() != "", None)
    return frame, _agree(metas, source, "line"), [f"line {n}" for n in lines]


# --------------------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------------------
def _fill_in(
    meta: dict[str, str], path: Path, given: Mapping[str, str | None], source: str
) -> dict[str, str]:
    """Meta from the file, then from the client's file-name pattern, then the arguments."""
    named = _FILE_NAME.match(path.stem)
    from_name = {"region": named["region"], "signal_type": named["signal"]} if named else {}
    for key in ("region", "signal_type"):
        if key not in meta and key in from_name:
            meta[key] = from_name[key]
            meta[f"{key}_from"] = "file name"
    for key, value in given.items():
        if value is None:
            continue
        if key in meta and meta[key] != str(value):
            raise InputDataError(
                f"{source}: the file says {key}={meta[key]!r} but {key}={value!r} was passed",
                path=source,
                reason="bad-option",
            )
        meta.setdefault(key, str(value))
    return meta


def _signal(meta: dict[str, str], source: str) -> tuple[str, str]:
    signal = meta.get("signal_type")
    if signal is None:
        raise InputDataError(
            f"{source}: the signal type is not stated (no meta.signal_type, no "
            "'{region}_{signal_type}_{start}_{end}.csv' file name); pass signal_type="
            f"'co2_moer' or 'co2_aoer'",
            path=source,
            reason="signal-type",
        )
    if signal in _REFUSED_SIGNALS:
        raise InputDataError(
            f"{source}: meta.signal_type is {signal!r}, {_REFUSED_SIGNALS[signal]}; carbon reads "
            f"only the CO2 signals {', '.join(SIGNAL_KINDS)}",
            path=source,
            reason="signal-type",
        )
    if signal not in SIGNAL_KINDS:
        raise InputDataError(
            f"{source}: meta.signal_type {signal!r} is not known; expected one of "
            f"{', '.join(SIGNAL_KINDS)}",
            path=source,
            reason="signal-type",
        )
    return signal, SIGNAL_KINDS[signal]


def _unit(meta: dict[str, str], source: str) -> str:
    units = meta.get("units")
    if units is None:
        meta["units"] = "lbs_co2_per_mwh"
        meta["units_note"] = "not stated in the file; WattTime v3 CO2 signals are lbs_co2_per_mwh"
        return WATTTIME_UNITS["lbs_co2_per_mwh"]
    if units not in WATTTIME_UNITS:
        raise UnitError(
            f"{source}: meta.units is {units!r}; expected {', '.join(WATTTIME_UNITS)} (lb CO2/MWh)",
            path=source,
            reason="unit",
        )
    return WATTTIME_UNITS[units]


def _period(meta: dict[str, str], source: str) -> pd.Timedelta:
    text = meta.get("period_seconds")
    if text is None:
        meta["period_seconds"] = f"{int(DEFAULT_PERIOD.total_seconds())} (default, not in file)"
        return DEFAULT_PERIOD
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not seconds > 0 or seconds != int(seconds):
        raise InputDataError(
            f"{source}: meta.data_point_period_seconds is {text!r}; expected a positive whole "
            "number of seconds such as 300",
            path=source,
            reason="resolution",
        )
    return pd.Timedelta(seconds=int(seconds))


def _truthy(column: pd.Series, name: str, elements: list[str], source: str) -> np.ndarray:
    """A JSON bool or CSV text column → bool array (missing = False)."""
    text = column.astype("string").fillna("").str.strip()
    lowered = text.str.casefold()
    bad = ~lowered.isin(["true", "false", "", "nan", "1", "0", "1.0", "0.0"]).to_numpy()
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: {elements[i]}: {name} is {text.iloc[i]!r}; expected true or false",
            path=source,
            reason="bad-value",
        )
    return lowered.isin(["true", "1", "1.0"]).to_numpy()


def read_watttime(
    path: str | Path,
    *,
    region: str | None = None,
    signal_type: str | None = None,
    model_date: str | None = None,
) -> GridTable:
    """Read a WattTime v3 MOER or AOER series saved as JSON or CSV.

    Parameters
    ----------
    path : str or Path
        A ``.json`` response (or array of responses) or a ``.csv`` written by the
        official client. Files ending in anything else are read as JSON.
    region, signal_type, model_date : str, optional
        Only for files that do not state them (client CSVs without metadata);
        a value that contradicts the file is an error.

    Returns
    -------
    GridTable
        One row per data point, in file order: ``interval_start`` (``point_time``
        in UTC, start of the interval), ``value`` [lb CO2/MWh], ``flag``
        (``MEASURED``, ``SOURCE_ESTIMATED`` for imputed or forecast points,
        ``SOURCE_MISSING`` for null values), ``line`` (1-based number of the point
        in the file: CSV line, or position among all JSON data points).
        ``kind`` is ``"marginal"`` (MOER) or ``"average"`` (AOER), ``gas``
        ``"CO2"``, ``resolution`` from ``data_point_period_seconds``. ``meta``
        keeps the signal type, model date, warnings and counts.

    Raises
    ------
    InputDataError
        Not a WattTime response or CSV; a non-CO2 signal (``health_damage``);
        an unknown signal; a stamp without an offset; a value that is not a
        number; chunks that disagree. The message names the file and the data
        point (``data[i]`` or line).
    UnitError
        ``meta.units`` other than ``lbs_co2_per_mwh``.

    References
    ----------
    .. [1] WattTime API v3 documentation, https://docs.watttime.org/
    .. [2] WattTime Python client (MIT), https://github.com/WattTime/watttime-python-client
    """
    # Long by design: the file's meta is settled first (signal, unit, period), then the points are
    # checked in order and flagged; each refusal names the element.
    path = Path(path)
    source = str(path)
    if path.suffix.casefold() == ".csv":
        frame, meta, elements = _from_csv(path, source)
    else:
        frame, meta, elements = _from_json(path, source)
    meta = _fill_in(
        meta,
        path,
        {"region": region, "signal_type": signal_type, "model_date": model_date},
        source,
    )
    signal, kind = _signal(meta, source)
    unit_text = _unit(meta, source)
    resolution = _period(meta, source)
    if frame.empty:
        raise InputDataError(f"{source}: no data points", path=source, reason="empty")

    text = frame["point_time"].astype("string").fillna("").str.strip()
    stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = (stamps.isna() | ~text.str.contains(_OFFSET)).to_numpy()
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: {elements[i]}: point_time {text.iloc[i]!r} is not an ISO 8601 time "
            "with an offset, e.g. 2022-07-15T00:00:00+00:00",
            path=source,
            timestamp=text.iloc[i],
            reason="timestamp",
        )
    raw = frame["value"]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    given = raw.notna().to_numpy()
    bad = np.isnan(values) & given
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: {elements[i]}: value {raw.iloc[i]!r} is not a number",
            path=source,
            reason="bad-number",
        )

    imputed = np.zeros(len(frame), dtype=bool)
    if "imputed_data_used" in frame.columns:
        imputed = _truthy(frame["imputed_data_used"], "imputed_data_used", elements, source)
    forecast_rows = np.zeros(len(frame), dtype=bool)
    if "generated_at" in frame.columns:
        forecast_rows = (
            frame["generated_at"].astype("string").fillna("").str.strip() != ""
        ).to_numpy()
    if "generated_at" in meta:
        forecast_rows[:] = True
    flags = np.full(len(frame), int(Flag.MEASURED), dtype=np.int8)
    flags[imputed | forecast_rows] = int(Flag.SOURCE_ESTIMATED)
    flags[np.isnan(values)] = int(Flag.SOURCE_MISSING)

    starts = pd.DatetimeIndex(stamps).as_unit("ns")
    table = pd.DataFrame(
        {
            "interval_start": starts,
            "value": values,
            "flag": flags,
            "line": np.arange(1, len(frame) + 1, dtype=np.int64)
            if path.suffix.casefold() != ".csv"
            else np.arange(2, len(frame) + 2, dtype=np.int64),
        }
    )
    region_name = meta.get("region", "")
    if not region_name:
        raise InputDataError(
            f"{source}: the region is not stated (no meta.region, no client file name); "
            "pass region='CAISO_NORTH' (for example)",
            path=source,
            reason="unknown-region",
        )
    out_meta = {
        "source": "WattTime API v3",
        "signal_type": signal,
        "model_date": meta.get("model_date", "unknown (not in the file; pass model_date=)"),
        "units": meta["units"],
        "data_point_period_seconds": meta["period_seconds"],
        "accounting": (
            "marginal operating emission rate: for avoided-emission analysis only, never the "
            "inventory (docs/methodology.md §1.2)"
            if kind == "marginal"
            else "average operating emission rate of the region"
        ),
        "gas_note": "CO2 only (lbs_co2_per_mwh); CH4 and N2O are not included",
        "basis_note": "direct: WattTime CO2 signals describe power-plant (stack) emissions "
        "(carbon's reading, not stated in the response)",
        "time_convention": "point_time is the interval start (ISO 8601 with offset) -> UTC",
        "imputed_points": str(int(imputed.sum())),
        "forecast": "true" if forecast_rows.any() else "false",
        "missing_points": str(int(np.isnan(values).sum())),
        "licence": "WattTime terms of service; not redistributable by default",
    }
    for key in ("generated_at", "warnings", "units_note", "region_from", "signal_type_from"):
        if key in meta:
            out_meta[key] = meta[key]
    record = span_record(
        path,
        source,
        len(table),
        starts,
        resolution,
        f"grid intensity (WattTime {signal}, {kind}, {resolution})",
    )
    return GridTable(
        frame=table,
        unit=parse_unit(unit_text),
        region=region_name,
        gas="CO2",
        basis="direct",
        kind=kind,
        resolution=resolution,
        record=record,
        meta=out_meta,
    )
