"""NESO (GB) Carbon Intensity API responses saved as JSON, half-hourly.

:func:`read_neso` reads a response of ``https://api.carbonintensity.org.uk``
into a :class:`~carbon.core.lineage.GridTable` (docs/data-formats.md §2.5). Three
shapes are accepted:

- **national** (``/intensity…``): ``{"data": [{"from": "2020-05-24T20:30Z",
  "to": "2020-05-24T21:00Z", "intensity": {"forecast": 146, "actual": null,
  "index": "low"}}]}``;
- **regional snapshot** (``/regional``, ``/regional/intensity/{from}/{to}``):
  ``{"data": [{"from", "to", "regions": [{"regionid", "dnoregion",
  "shortname", "intensity": {"forecast", "index"}, "generationmix": […]}]}]}``;
  pick one region with ``region=`` (id or short name) when several are present;
- **one region's series** (``/regional/regionid/{id}``,
  ``/regional/postcode/{pc}`` and their ``/intensity/{from}/{to}`` variants):
  ``{"data": [{"regionid", "dnoregion", "shortname", "postcode"?, "data":
  [{"from", "to", "intensity", "generationmix"}]}]}``; ``data`` may also be a
  single object instead of a one-item list.

Rules:

- Time: ``from``/``to`` are UTC with a ``Z`` (minute precision); the interval
  start is ``from`` (docs/data-formats.md §7) and every window must be 30 minutes.
  British Summer Time does not enter: the stamps stay regular across the
  clock changes.
- Value: ``actual`` where present (``MEASURED``), else ``forecast``
  (``SOURCE_ESTIMATED``: a forecast is an estimate of the half-hour, and the
  regional endpoints give forecasts only), else NaN (``SOURCE_MISSING``).
- Unit: ``g CO2/kWh`` and ``gas="CO2"``: the API states gCO2/kWh and the intensity
  covers CO2 only, not CO2e (docs/data-formats.md §2.5). ``grid_from_table`` converts it
  with CO2's GWP of 1 and labels the result as excluding CH4 and N2O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GRID_CFE_COLUMN, GridTable, InputRecord, file_sha256
from carbon.core.units import parse_unit
from carbon.factors.carbon_free import CARBON_FREE_SET, NESO_FUELS

__all__ = ["INDEX_VALUES", "NESO_UNIT", "read_neso"]

HALF_HOUR = pd.Timedelta(minutes=30)
#: Unit of every NESO intensity value (CO2 only).
NESO_UNIT = "g CO2/kWh"
#: Values the API gives for ``intensity.index``.
INDEX_VALUES = ("very low", "low", "moderate", "high", "very high")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _load(path: str | Path, source: str) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            document = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputDataError(
            f"{source}: not a readable JSON file ({exc}); expected the JSON response of the API",
            path=source,
            reason="unreadable",
        ) from None
    if not isinstance(document, Mapping) or "data" not in document:
        raise InputDataError(
            f"{source}: top level: not a Carbon Intensity API response; expected "
            '{"data": [{"from": …, "to": …, "intensity": {…}}]}',
            path=source,
            reason="wrong-document",
        )
    data = document["data"]
    if isinstance(data, Mapping):  # some regional endpoints return one object
        data = [data]
    if not isinstance(data, list) or not data:
        raise InputDataError(
            f"{source}: data: expected a non-empty list", path=source, reason="empty"
        )
    return data


def _region_matches(item: Mapping[str, Any], wanted: str) -> bool:
    key = wanted.strip().casefold()
    names = [item.get("regionid"), item.get("shortname"), item.get("postcode")]
    return any(n is not None and str(n).strip().casefold() == key for n in names)


def _region_label(item: Mapping[str, Any]) -> str:
    return f"{item.get('regionid', '?')} ({item.get('shortname', '')})"


def _points(
    data: list[Any], region: str | None, source: str
) -> tuple[list[Mapping[str, Any]], list[str], str, dict[str, str]]:
    """The half-hour items, their element paths, the shape and region facts."""
    first = data[0]
    if not isinstance(first, Mapping):
        raise InputDataError(
            f"{source}: data[0]: expected an object", path=source, reason="malformed"
        )
    if "regions" in first:
        return _snapshot(data, region, source)
    if "data" in first and "regionid" in first:
        return _series(data, region, source)
    if "from" in first:
        if "intensity" not in first:
            raise InputDataError(
                f"{source}: data[0]: no 'intensity' object (a /generation response? "
                "only intensity responses are read)",
                path=source,
                reason="wrong-document",
            )
        if region is not None and region.strip().casefold() not in ("gb", "national"):
            raise InputDataError(
                f"{source}: a national (GB) response holds no region {region!r}; "
                "omit region= or download a /regional response",
                path=source,
                reason="unknown-region",
            )
        return data, [f"data[{i}]" for i in range(len(data))], "national", {}
    raise InputDataError(
        f"{source}: data[0]: unknown shape (keys {', '.join(map(str, first))}); expected "
        "from/to/intensity, from/to/regions or regionid/data",
        path=source,
        reason="wrong-document",
    )


def _snapshot(
    data: list[Any], region: str | None, source: str
) -> tuple[list[Mapping[str, Any]], list[str], str, dict[str, str]]:
    seen: dict[str, Mapping[str, Any]] = {}
    for i, period in enumerate(data):
        if not isinstance(period, Mapping) or not isinstance(period.get("regions"), list):
            raise InputDataError(
                f"{source}: data[{i}]: expected from, to and regions[]",
                path=source,
                reason="malformed",
            )
        for item in period["regions"]:
            if isinstance(item, Mapping):
                seen.setdefault(str(item.get("regionid")), item)
    if region is None:
        if len(seen) != 1:
            raise InputDataError(
                f"{source}: the file holds {len(seen)} regions; pass region= (id or short "
                f"name), one of: {', '.join(_region_label(v) for v in seen.values())}",
                path=source,
                reason="several-regions",
            )
        region = next(iter(seen))
    points: list[Mapping[str, Any]] = []
    elements: list[str] = []
    facts: dict[str, str] = {}
    for i, period in enumerate(data):
        hits = [
            (j, item)
            for j, item in enumerate(period["regions"])
            if isinstance(item, Mapping) and _region_matches(item, region)
        ]
        if len(hits) > 1:
            raise InputDataError(
                f"{source}: data[{i}]: region {region!r} appears twice",
                path=source,
                reason="duplicate",
            )
        if not hits:
            raise InputDataError(
                f"{source}: data[{i}].regions: no region {region!r}; present: "
                f"{', '.join(_region_label(v) for v in seen.values())}",
                path=source,
                reason="unknown-region",
            )
        j, item = hits[0]
        points.append({"from": period.get("from"), "to": period.get("to"), **item})
        elements.append(f"data[{i}].regions[{j}]")
        facts = _facts(item)
    return points, elements, "regional snapshot", facts


def _series(
    data: list[Any], region: str | None, source: str
) -> tuple[list[Mapping[str, Any]], list[str], str, dict[str, str]]:
    chosen = [
        (k, item)
        for k, item in enumerate(data)
        if isinstance(item, Mapping) and (region is None or _region_matches(item, region))
    ]
    if region is None and len(chosen) > 1:
        raise InputDataError(
            f"{source}: the file holds {len(chosen)} regions; pass region=, one of: "
            f"{', '.join(_region_label(v) for _k, v in chosen)}",
            path=source,
            reason="several-regions",
        )
    if not chosen:
        present = ", ".join(_region_label(v) for v in data if isinstance(v, Mapping))
        raise InputDataError(
            f"{source}: data: no region {region!r}; present: {present}",
            path=source,
            reason="unknown-region",
        )
    k, item = chosen[0]
    inner = item.get("data")
    if not isinstance(inner, list):
        raise InputDataError(
            f"{source}: data[{k}].data: expected a list of half-hours",
            path=source,
            reason="malformed",
        )
    return (
        inner,
        [f"data[{k}].data[{i}]" for i in range(len(inner))],
        "regional series",
        _facts(item),
    )


def _facts(item: Mapping[str, Any]) -> dict[str, str]:
    keys = ("regionid", "shortname", "dnoregion", "postcode")
    return {k: str(item[k]) for k in keys if item.get(k) is not None}


def _stamps(text: pd.Series, name: str, elements: list[str], source: str) -> pd.DatetimeIndex:
    stamps = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = (stamps.isna() | ~text.str.contains(_OFFSET)).to_numpy(dtype=bool)
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: {elements[i]}.{name}: {text.iloc[i]!r} is not a UTC time such as "
            "'2020-05-24T20:30Z'",
            path=source,
            timestamp=text.iloc[i],
            reason="timestamp",
        )
    return pd.DatetimeIndex(stamps).as_unit("ns")


def _numbers(values: list[Any], name: str, elements: list[str], source: str) -> np.ndarray:
    raw = pd.Series(values, dtype=object)
    numbers = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
    is_bool = raw.map(type).eq(bool).to_numpy()
    bad = (np.isnan(numbers) & raw.notna().to_numpy()) | is_bool
    if bad.any():
        i = _first(bad)
        raise InputDataError(
            f"{source}: {elements[i]}.intensity.{name}: {raw.iloc[i]!r} is not a number or null",
            path=source,
            reason="bad-number",
        )
    return numbers


def _cfe_share(mix: list[Any], elements: list[str], source: str) -> tuple[np.ndarray, int]:
    """Carbon-free share per half-hour from ``generationmix`` (NaN where a point has none)
    and the number of negative percentages counted as zero."""
    rows = [
        (i, j, item.get("fuel"), item.get("perc"))
        for i, m in enumerate(mix)
        if isinstance(m, list)
        for j, item in enumerate(m)
        if isinstance(item, Mapping)
    ]
    frame = pd.DataFrame(rows, columns=["point", "item", "fuel", "perc"])
    fuel = frame["fuel"].astype("string").fillna("").str.strip().str.casefold()
    unknown = ~fuel.isin(list(NESO_FUELS)).to_numpy(dtype=bool)
    perc = pd.to_numeric(frame["perc"], errors="coerce").to_numpy(dtype="float64")
    bad = unknown | ~np.isfinite(perc)
    if bad.any():
        k = _first(bad)
        where = f"{elements[frame['point'].iloc[k]]}.generationmix[{frame['item'].iloc[k]}]"
        raise InputDataError(
            f"{source}: {where}: fuel {frame['fuel'].iloc[k]!r} with perc "
            f"{frame['perc'].iloc[k]!r}; expected one of {', '.join(NESO_FUELS)} with a "
            "percentage",
            path=source,
            reason="bad-value",
        )
    counted = np.maximum(perc, 0.0)
    carbon_free = [f for f, free in NESO_FUELS.items() if free]
    counted_fuels = [f for f, free in NESO_FUELS.items() if free is not None]
    free = np.where(fuel.isin(carbon_free).to_numpy(dtype=bool), counted, 0.0)
    generating = np.where(fuel.isin(counted_fuels).to_numpy(dtype=bool), counted, 0.0)
    points = frame["point"].to_numpy()
    n = len(mix)
    numerator = np.bincount(points, weights=free, minlength=n)
    denominator = np.bincount(points, weights=generating, minlength=n)
    given = np.bincount(points, minlength=n) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(given & (denominator > 0), numerator / denominator, np.nan)
    return share, int((perc < 0).sum())


def read_neso(path: str | Path, *, region: str | int | None = None) -> GridTable:
    """Read a NESO Carbon Intensity API response (national or regional) saved as JSON.

    Parameters
    ----------
    path : str or Path
        The saved response body, e.g. of ``/intensity/2024-03-30T23:00Z/2024-03-31T03:00Z``.
    region : str or int, optional
        For regional responses: the ``regionid`` (1–17), ``shortname``
        (e.g. ``"London"``) or ``postcode`` to read. Needed only when the file
        holds several regions. Not valid for a national response.

    Returns
    -------
    GridTable
        One row per half-hour of the chosen series, in file order:
        ``interval_start`` (``from``, UTC), ``value`` [g CO2/kWh], ``flag``
        (``MEASURED`` = actual, ``SOURCE_ESTIMATED`` = forecast only,
        ``SOURCE_MISSING`` = both null), ``line`` (1-based position of the
        half-hour in the series). ``region`` is ``"GB"`` for national data and
        ``"GB-<regionid>"`` for a region; ``gas`` ``"CO2"``; ``kind``
        ``"average"``; ``resolution`` 30 min. ``meta`` keeps the shape, region
        names, index counts and the numbers of actual, forecast-only and missing
        half-hours.

    Raises
    ------
    InputDataError
        Not a Carbon Intensity response; a /generation response; several
        regions without `region`; an unknown region; a stamp without ``Z``
        or offset; a window other than 30 minutes; a non-numeric intensity;
        an index outside {very low, low, moderate, high, very high}. The
        message names the file and the JSON element (``data[3].intensity.actual``).

    References
    ----------
    .. [1] NESO, Carbon Intensity API, https://carbonintensity.org.uk/ (OpenAPI
       spec: https://carbon-intensity.github.io/api-definitions/), CC BY 4.0.
    """
    # Long by design: the response's checks in order (shape, items, stamps, window, numbers, index),
    # each naming the JSON element, then the table.
    source = str(path)
    data = _load(path, source)
    wanted = None if region is None else str(region)
    points, elements, shape, facts = _points(data, wanted, source)
    if not points:
        raise InputDataError(
            f"{source}: {shape} response without half-hours", path=source, reason="empty"
        )
    bad_items = [i for i, p in enumerate(points) if not isinstance(p, Mapping)]
    if bad_items:
        raise InputDataError(
            f"{source}: {elements[bad_items[0]]}: expected an object",
            path=source,
            reason="malformed",
        )
    intensity = [p.get("intensity") for p in points]
    no_intensity = [i for i, v in enumerate(intensity) if not isinstance(v, Mapping)]
    if no_intensity:
        i = no_intensity[0]
        raise InputDataError(
            f"{source}: {elements[i]}.intensity: missing or not an object",
            path=source,
            reason="malformed",
        )

    frame = pd.DataFrame.from_records(
        [
            {
                "from": p.get("from"),
                "to": p.get("to"),
                "forecast": v.get("forecast"),
                "actual": v.get("actual"),
                "index": v.get("index"),
            }
            for p, v in zip(points, intensity, strict=True)
        ]
    )
    starts = _stamps(frame["from"].astype("string").fillna(""), "from", elements, source)
    ends = _stamps(frame["to"].astype("string").fillna(""), "to", elements, source)
    wrong = (ends - starts) != HALF_HOUR
    if wrong.any():
        i = _first(np.asarray(wrong))
        raise InputDataError(
            f"{source}: {elements[i]}: from {frame['from'].iloc[i]} to {frame['to'].iloc[i]} is "
            "not a 30-minute settlement period",
            path=source,
            timestamp=str(frame["from"].iloc[i]),
            reason="resolution",
        )
    forecast = _numbers(frame["forecast"].tolist(), "forecast", elements, source)
    actual = _numbers(frame["actual"].tolist(), "actual", elements, source)
    index = frame["index"].astype("string").fillna("").str.strip()
    unknown = ~index.str.casefold().isin(["", *INDEX_VALUES]).to_numpy(dtype=bool)
    if unknown.any():
        i = _first(unknown)
        raise InputDataError(
            f"{source}: {elements[i]}.intensity.index: {index.iloc[i]!r} is not one of "
            f"{', '.join(INDEX_VALUES)}",
            path=source,
            reason="bad-value",
        )

    has_actual = ~np.isnan(actual)
    has_forecast = ~np.isnan(forecast)
    values = np.where(has_actual, actual, forecast)
    flags = np.where(
        has_actual,
        int(Flag.MEASURED),
        np.where(has_forecast, int(Flag.SOURCE_ESTIMATED), int(Flag.SOURCE_MISSING)),
    ).astype(np.int8)
    table = pd.DataFrame(
        {
            "interval_start": starts,
            "value": values,
            "flag": flags,
            "line": np.arange(1, len(frame) + 1, dtype=np.int64),
        }
    )
    mix = [p.get("generationmix") for p in points]
    if any(m is not None for m in mix):
        table[GRID_CFE_COLUMN], negative = _cfe_share(mix, elements, source)
    counts = index[index != ""].str.casefold().value_counts()
    meta = {
        "source": "NESO Carbon Intensity API",
        "shape": shape,
        "value_rule": "actual where present (measured), else forecast (source-estimated)",
        "actual_points": str(int(has_actual.sum())),
        "forecast_only_points": str(int((~has_actual & has_forecast).sum())),
        "missing_points": str(int((~has_actual & ~has_forecast).sum())),
        "index_counts": "; ".join(f"{k}={int(n)}" for k, n in counts.items()),
        "gas_note": "CO2 only (gCO2/kWh), not CO2e; CH4 and N2O are not included",
        "accounting": "generation-based GB intensity; the API describes it as including "
        "imports and transmission and distribution losses (docs/data-formats.md §2.5; verify)",
        "time_convention": "from (UTC, Z) is the interval start; 30-minute windows",
        "licence": "CC BY 4.0 (NESO Carbon Intensity API); attribute the source",
        **facts,
    }
    if GRID_CFE_COLUMN in table.columns:
        meta["cfe_basis"] = (
            f"NESO generationmix percentages of the half-hour: {CARBON_FREE_SET}; carbon-free "
            "here: nuclear, hydro, solar, wind; imports left out of both sums (mix unknown); "
            f"negative percentages counted as zero: {negative}"
        )
    label = "GB" if shape == "national" else f"GB-{facts.get('regionid', wanted)}"
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(table),
        start=starts.min().isoformat(),
        end=ends.max().isoformat(),
        kind=f"grid intensity (NESO Carbon Intensity API, {shape}, half-hourly)",
    )
    return GridTable(
        frame=table,
        unit=parse_unit(NESO_UNIT),
        region=label,
        gas="CO2",
        basis="direct",
        kind="average",
        resolution=HALF_HOUR,
        record=record,
        meta=meta,
    )
