"""The identity block every short document carries: report, site, period, synthetic flag.

Shared by the documents written beside a disclosure (tenant statements, the monthly
operating update), so that each names the disclosure it comes from in the same words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from carbon.report.dates import period_in_words

__all__ = ["document_header"]


def document_header(results: dict[str, Any]) -> dict[str, Any]:
    """``report``, ``site``, ``period`` and ``synthetic`` for a template, from results.json."""
    site = results.get("site") or {}
    period = results.get("period") or {}
    start = datetime.fromisoformat(str(period["start"]))
    end = datetime.fromisoformat(str(period["end"]))
    status = str(results.get("status", "draft")).lower()
    return {
        "report": {
            "id": str(results.get("report_id")),
            "version": results.get("version"),
            "status": status,
            "status_label": status.upper(),
            "issue_date": str(results.get("issue_date")),
            "software_version": str(results.get("software_version", "")),
        },
        "site": {"id": str(site.get("id", "")), "name": str(site.get("name", site.get("id", "")))},
        "period": {"label": str(period.get("label", "")), "words": period_in_words(start, end)},
        "synthetic": bool(site.get("synthetic", False)),
    }
