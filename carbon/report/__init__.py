"""The disclosure PDF: context from results, SVG charts, HTML and PDF/A-3b rendering.

Public entry points (the pipeline calls exactly these)::

    build_context(results, power_by_workload) -> dict
    stacked_power_svg(power_by_workload, *, timezone) -> str
    render_html(context) -> str
    render_pdf(context, *, attachments=None) -> bytes

matplotlib and WeasyPrint are imported inside the functions that use them, so
importing this package stays cheap.
"""

from __future__ import annotations

from carbon.core.errors import ReportResourceError
from carbon.report.charts import stacked_power_svg
from carbon.report.context import build_context
from carbon.report.render import render_html, render_pdf

__all__ = [
    "ReportResourceError",
    "build_context",
    "render_html",
    "render_pdf",
    "stacked_power_svg",
]
