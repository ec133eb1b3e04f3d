"""The full template context of the disclosure: the core sections, then the audit sections
(boundary and credits, network comparison, restatements, framework mapping, sign-off).

:func:`report_context` is the one way the workflow and ``carbon verify`` build
the full template context, so that the HTML hashed into the manifest is rendered
the same way by both.
"""

from __future__ import annotations

from typing import Any

from carbon.report.context import sections_context
from carbon.report.sections import AUDIT, CORE

__all__ = ["report_context"]


def report_context(
    results: dict[str, Any], power_by_workload: Any, recorded: dict, *, intensity: Any = None
) -> dict:
    """The full template context of the disclosure (core sections, then audit sections).

    `recorded` holds what the manifest records beside the results: ``restatement``
    (or None) and ``signoff`` (or None). `intensity` (the location-based factor per
    factor interval) feeds the heatmap of the 'What changed' section; see
    :func:`carbon.report.context.build_context`.
    """
    return sections_context(
        results,
        power_by_workload,
        intensity=intensity,
        recorded=recorded,
        parts=(CORE, AUDIT),
    )
