"""Context of the document as a whole: the report's identity, the site and the period.

Every section reads these entries; the cover and the running header show them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from carbon.core.errors import ReportContextError
from carbon.report.dates import day_words, local_display, parse_datetime, period_in_words

__all__ = ["REPORT_TITLE", "document_context", "require"]

REPORT_TITLE = "Energy and emissions disclosure"

_STATUS_LABELS = {"draft": "DRAFT", "issued": "ISSUED", "superseded": "SUPERSEDED"}


def require(mapping: dict, key: str, where: str) -> Any:
    """``mapping[key]``, or :class:`ReportContextError` naming ``<where><key>``."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        raise ReportContextError(
            f"results document has no {where}{key!r}; the disclosure needs it"
        ) from None


def document_context(results: dict) -> dict[str, Any]:
    """``report``, ``site`` and ``period`` of the template context."""
    site = require(results, "site", "")
    period = require(results, "period", "")
    start = parse_datetime(require(period, "start", "period."))
    end = parse_datetime(require(period, "end", "period."))
    issue_date_text = str(require(results, "issue_date", ""))
    try:
        issue_date = date.fromisoformat(issue_date_text[:10])
    except ValueError:
        raise ReportContextError(f"issue_date is not an ISO date: {issue_date_text!r}") from None
    timezone = str(period.get("timezone") or site.get("timezone") or "UTC")
    status = str(results.get("status", "draft")).lower()
    software_version = str(results.get("software_version", ""))
    report = {
        "title": REPORT_TITLE,
        "id": str(require(results, "report_id", "")),
        "version": results.get("version"),
        "status": status,
        "status_label": _STATUS_LABELS.get(status, status.upper()),
        "issue_date": issue_date.isoformat(),
        "issue_date_display": day_words(issue_date),
        "software_version": software_version,
        "generator": f"carbon {software_version}".strip(),
    }
    site_ctx = {
        "id": str(site.get("id", "")),
        "name": str(site.get("name", site.get("id", ""))),
        "timezone": str(site.get("timezone", timezone)),
        "grid_region": str(site.get("grid_region", "")),
        "synthetic": bool(site.get("synthetic", False)),
    }
    period_ctx = {
        "label": str(period.get("label", "")),
        "words": period_in_words(start, end),
        "start": local_display(start),
        "end": local_display(end),
        "timezone": timezone,
        "hours": period.get("hours"),
    }
    return {"report": report, "site": site_ctx, "period": period_ctx}
