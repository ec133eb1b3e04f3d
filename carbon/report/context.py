"""Turn a results document into the plain dict the report templates read.

This is the display boundary: figures from ``results.json`` are converted to
display units (kWh → MWh, kg → t) and arranged into rows, sentences are given
the numbers they quote, and the power chart is drawn. No accounting figure is
computed here: every energy and emission value comes from ``results`` as is.
The only derived numbers are display ratios (shares of the total, emission
intensity per workload, average power = energy ÷ hours, the relative timing
difference between the hourly and annual-factor views).

The context is assembled from the section registry (:mod:`carbon.report.sections`):
first the entries every section may read (the document's identity, the summary
figures, PUE, grid, scopes, lineage), then each section's own entries, then the
numbered list of the sections that apply. Numbers stay numbers in the context; the
templates format them with the filters of :mod:`carbon.report.numbers`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from carbon.report.document_context import document_context
from carbon.report.front_context import front_context
from carbon.report.lineage_context import lineage_context
from carbon.report.scopes_context import scopes_context
from carbon.report.sections import AUDIT, CORE, SECTIONS, Sources, contents_entries
from carbon.report.summary_context import grid_context, kpis_context, summary_context

if TYPE_CHECKING:  # pragma: no cover
    import xarray as xr

__all__ = ["build_context", "sections_context"]


def build_context(
    results: dict, power_by_workload: xr.DataArray, *, intensity: xr.DataArray | None = None
) -> dict:
    """Build the dict the report templates render, from results.json and the power series.

    Parameters
    ----------
    results
        The results.json document (schema 1.x). Keys the report does not use are
        ignored; optional keys that are absent are shown as "–".
    power_by_workload
        pint-quantified DataArray of power per workload (any power unit, kW from the
        pipeline), dims ``("workload", "time")``, 15-minute interval starts in UTC
        (tz-naive), covering the reporting period. Used only for the chart.

    Returns
    -------
    dict
        Plain data for the templates: display strings, numbers in display units
        (MWh, t CO2e, kg CO2e/MWh, %), table rows and the chart as a data URI. The
        core sections only: :func:`carbon.report.disclosure.report_context` adds the
        audit sections.

    `intensity` (the location-based factor per factor interval) feeds the heatmap of
    the 'What changed' section, which is present only when results hold a baseline.
    """
    return sections_context(results, power_by_workload, intensity=intensity, parts=(CORE,))


def sections_context(
    results: dict,
    power_by_workload: xr.DataArray,
    *,
    intensity: xr.DataArray | None = None,
    recorded: Mapping[str, Any] | None = None,
    parts: tuple[str, ...] = (CORE, AUDIT),
) -> dict:
    """The template context of the sections of `parts` (see :func:`build_context`).

    `recorded` holds what the manifest records beside the results, which the audit
    sections read: ``restatement`` (or None) and ``signoff`` (or None).
    """
    ctx: dict[str, Any] = document_context(results)
    summary = summary_context(results)
    ctx["summary"] = summary
    ctx["kpis"] = kpis_context(results)
    ctx["grid"] = grid_context(results, summary["total"])
    ctx["scopes"] = scopes_context(results)
    ctx["lineage"] = lineage_context(results)
    ctx["front"] = front_context(results)  # the cover and the front sections
    sources = Sources(results, power_by_workload, intensity, recorded or {})
    for section in SECTIONS:
        if section.part in parts:
            ctx.update(section.build(sources, ctx))
    ctx["contents"] = contents_entries(results, parts, recorded)
    ctx["sections"] = [s for s in ctx["contents"] if "not_applicable" not in s]
    ctx["sections_by_id"] = {s["id"]: s for s in ctx["sections"]}
    ctx["not_applicable_by_id"] = {s["id"]: s for s in ctx["contents"] if "not_applicable" in s}
    return ctx
