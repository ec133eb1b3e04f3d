"""Context of the power section: the stacked power chart and the workload conversions of IT
meters up to the end of the period."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import TYPE_CHECKING, Any

from carbon.report.charts import chart_resolution, stacked_power_svg, workload_label
from carbon.report.dates import local_display, parse_datetime

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["chart_context", "conversions_context"]


def _step_minutes(power_by_workload: xr.DataArray) -> int | None:
    times = power_by_workload["time"].values
    if len(times) < 2:
        return None
    import numpy as np

    return int((times[1] - times[0]) // np.timedelta64(1, "m"))


def conversions_context(results: dict, period_start: datetime, period_end: datetime) -> list[dict]:
    """Workload conversions of IT meters before and within the period (after it: left out)."""
    rows = []
    for conv in results.get("conversions", []) or []:
        at = parse_datetime(conv["at"])
        if at.tzinfo is None or period_start.tzinfo is None:
            at_cmp, start_cmp, end_cmp = (
                at.replace(tzinfo=None),
                period_start.replace(tzinfo=None),
                period_end.replace(tzinfo=None),
            )
        else:
            at_cmp, start_cmp, end_cmp = at, period_start, period_end
        if at_cmp < start_cmp:
            when = "before the period"
        elif at_cmp < end_cmp:
            when = "within the period"
        else:
            continue  # after the period: not part of this disclosure
        rows.append(
            {
                "meter": conv.get("meter", ""),
                "at": local_display(at),
                "from": workload_label(conv.get("from", "")),
                "to": workload_label(conv.get("to", "")),
                "when": when,
            }
        )
    rows.sort(key=lambda r: (r["at"], r["meter"]))
    return rows


def chart_context(power_by_workload: xr.DataArray, timezone: str) -> dict[str, Any]:
    """The stacked power chart as an SVG data URI, and what one step of it shows."""
    svg = stacked_power_svg(power_by_workload, timezone=timezone)
    return {
        "svg_data_uri": "data:image/svg+xml;base64,"
        + base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        "timezone": timezone,
        "hourly_means": chart_resolution(power_by_workload) == "hourly",
        "step_minutes": _step_minutes(power_by_workload),
    }
