"""``render-series.json``: the series the disclosure's charts are drawn from, embedded in the PDF.

Everything else the disclosure shows comes from ``results.json`` and ``manifest.json``; the
power chart and the grid-intensity heatmap are drawn from two series that results.json does
not hold: the average power per workload and interval, and the location-based grid
intensity per factor interval. They are embedded beside the results so that the PDF can be
rendered again from what it carries alone (``carbon verify`` does, and compares the bytes),
and the disclosure is rendered from the decoded file, so what is drawn is exactly what is
embedded.

The file is JSON with sorted keys::

    {"schema": "render-series/1",
     "power_by_workload": {"unit": "kilowatt", "workload": ["mining", ...],
                           "time": ["2025-07-01T05:00:00", ...], "time_dtype": "datetime64[us]",
                           "values": [[71066.93012474, ...], ...]},
     "intensity": {"name": "intensity", "unit": "CO2e * gram / kilowatt_hour",
                   "time": [...], "time_dtype": "datetime64[us]", "values": [344.74999762, ...]}}

``time`` holds interval starts in UTC (tz-naive ISO 8601), ``values`` the magnitudes in
``unit`` (a pint unit of the one registry) written as the shortest decimal that reads back
to the same 64-bit float, ``null`` for a missing value. ``intensity`` is ``null`` when the
report draws no heatmap input.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from carbon.core.errors import ReportContextError
from carbon.core.units import ureg

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["RENDER_SERIES", "SCHEMA", "read_render_series", "render_series_bytes"]

#: The name of the embedded file.
RENDER_SERIES = "render-series.json"
SCHEMA = "render-series/1"


def _numbers(values: Any) -> list[Any]:
    """Plain floats (``None`` for NaN) from a nested array, as lists."""
    if getattr(values, "ndim", 0) > 1:
        return [_numbers(row) for row in values]
    return [None if math.isnan(v) else float(v) for v in values.tolist()]


def _times(array: xr.DataArray) -> dict[str, Any]:
    times = array["time"].values
    return {
        "time": [str(t) for t in times],
        "time_dtype": str(times.dtype),
    }


def _series(array: xr.DataArray, dims: tuple[str, ...]) -> dict[str, Any]:
    if array.dims != dims:
        array = array.transpose(*dims)
    body: dict[str, Any] = {
        "name": array.name,
        "unit": str(array.pint.units),
        **_times(array),
        "values": _numbers(array.pint.magnitude),
    }
    if "workload" in dims:
        body["workload"] = [str(w) for w in array["workload"].values]
    return body


def render_series_bytes(power_by_workload: xr.DataArray, intensity: xr.DataArray | None) -> bytes:
    """``render-series.json`` for `power_by_workload` ``(workload, time)`` and `intensity`
    ``(time,)`` (or None), both pint-quantified. Same series, same bytes."""
    document = {
        "schema": SCHEMA,
        "power_by_workload": _series(power_by_workload, ("workload", "time")),
        "intensity": None if intensity is None else _series(intensity, ("time",)),
    }
    text = json.dumps(document, sort_keys=True, indent=None, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _array(body: Any, dims: tuple[str, ...], what: str) -> xr.DataArray:
    import numpy as np
    import xarray as xr

    try:
        unit = ureg.Unit(str(body["unit"]))
    except (KeyError, TypeError) as exc:
        raise ReportContextError(
            f"{RENDER_SERIES}: {what} is not a series of this format (no unit: {exc})",
            path=RENDER_SERIES,
            key=f"{what}.unit",
            reason="render-series",
        ) from None
    except Exception as exc:  # pint's errors for a unit it does not define
        raise ReportContextError(
            f"{RENDER_SERIES}: {what} names a unit this software does not know: {exc}",
            path=RENDER_SERIES,
            key=f"{what}.unit",
            reason="render-series",
        ) from None
    try:
        times = np.array(body["time"], dtype=str(body["time_dtype"]))
        values = np.array(body["values"], dtype=float)  # null → NaN
        coords: dict[str, Any] = {"time": times}
        if "workload" in dims:
            coords = {"workload": np.array([str(w) for w in body["workload"]]), **coords}
        array = xr.DataArray(values, dims=dims, coords=coords, name=body.get("name"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ReportContextError(
            f"{RENDER_SERIES}: {what} is not a series of this format ({type(exc).__name__}: {exc})",
            path=RENDER_SERIES,
            key=what,
            reason="render-series",
        ) from None
    return array.pint.quantify(unit)


def read_render_series(data: bytes) -> tuple[xr.DataArray, xr.DataArray | None]:
    """The power per workload and the grid intensity back from ``render-series.json``.

    Raises :class:`~carbon.core.errors.ReportContextError` on a file of another schema
    or shape.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportContextError(
            f"{RENDER_SERIES} does not parse as JSON: {exc}",
            path=RENDER_SERIES,
            reason="render-series",
        ) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        found = document.get("schema") if isinstance(document, dict) else type(document).__name__
        raise ReportContextError(
            f"{RENDER_SERIES}: schema {found!r}, expected {SCHEMA!r}",
            path=RENDER_SERIES,
            key="schema",
            reason="render-series",
        )
    power = _array(document.get("power_by_workload"), ("workload", "time"), "power_by_workload")
    body = document.get("intensity")
    intensity = None if body is None else _array(body, ("time",), "intensity")
    return power, intensity
