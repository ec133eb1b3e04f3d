"""What every filing export shares: its header (which report, site and period it comes
from), the strict base model, and the reading of figures out of ``results.json``.

An export is built from the results document alone, so that the same ``results.json``
always gives the same export bytes and ``carbon verify`` can build it again. Every
quantity is converted with the unit registry (:mod:`carbon.core.units`) from the unit
its results key names to the unit the export's field name names; nothing is rescaled
by a bare factor.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from carbon.core.dotted import lookup
from carbon.core.units import Q_

__all__ = [
    "ReferenceStatus",
    "ReportSource",
    "SitePeriod",
    "Strict",
    "convert",
    "header",
    "number",
]

#: A legal reference is either checked against the published text or marked as still to
#: be confirmed (the annex is named, the point number may not be).
ReferenceStatus = Literal["confirmed", "to be confirmed"]


class Strict(BaseModel):
    """Base of every export model: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportSource(Strict):
    """The report version an export was built from."""

    report_id: str = Field(description="the report version's id, e.g. demo-2025-07-v1")
    version: int = Field(ge=1, description="version number of the report")
    status: str = Field(description="draft or issued")
    issue_date: str = Field(description="issue date of the report, YYYY-MM-DD")
    results_json_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="SHA-256 of the results.json the export was built from (same folder)",
    )
    software_version: str = Field(description="carbon version that computed the results")


class SitePeriod(Strict):
    """The site and the period of the figures."""

    site_id: str
    site_name: str
    period_label: str = Field(description="YYYY-MM for a month")
    period_start: str = Field(description="ISO 8601, local time with offset")
    period_end: str = Field(description="ISO 8601, local time with offset (exclusive)")
    period_hours: float = Field(gt=0, description="elapsed hours of the period")
    covers_calendar_year: bool = Field(
        description="false for a month: the filings ask for a calendar year, so a monthly "
        "export is an interim figure (sum the energy and emissions of the months, do not "
        "average the ratios)"
    )
    synthetic: bool = Field(description="true for the built-in demo site (made-up data)")


def header(results: dict[str, Any], canonical_json: bytes) -> tuple[ReportSource, SitePeriod]:
    """The source and site/period blocks of an export of `results` (whose canonical
    ``results.json`` bytes are `canonical_json`)."""
    site, period = results["site"], results["period"]
    hours = float(period["hours"])
    source = ReportSource(
        report_id=str(results["report_id"]),
        version=int(results["version"]),
        status=str(results["status"]),
        issue_date=str(results["issue_date"]),
        results_json_sha256=hashlib.sha256(canonical_json).hexdigest(),
        software_version=str(results.get("software_version", "")),
    )
    where = SitePeriod(
        site_id=str(site["id"]),
        site_name=str(site.get("name") or site["id"]),
        period_label=str(period["label"]),
        period_start=str(period["start"]),
        period_end=str(period["end"]),
        period_hours=hours,
        covers_calendar_year=_calendar_year(str(period["label"])),
        synthetic=bool(site.get("synthetic", False)),
    )
    return source, where


def _calendar_year(label: str) -> bool:
    return len(label) == 4 and label.isdigit()


def number(results: dict[str, Any], dotted: str) -> float | None:
    """The figure at `dotted` as a float, or None where it is absent, null, text or NaN."""
    value = lookup(results, dotted)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def convert(value: float | None, unit: str, to: str) -> float | None:
    """`value` in `unit` as a magnitude in `to` (None stays None); through the registry."""
    if value is None:
        return None
    return float(Q_(value, unit).to(to).magnitude)
