"""The full template context of the disclosure: the core sections, then the audit sections
(boundary and credits, network comparison, restatements, framework mapping, sign-off).

:func:`report_context` is the one way the workflow and ``carbon verify`` build
the full template context, so that the HTML hashed into the manifest is rendered
the same way by both. :func:`disclosure_html` renders the disclosure from what its PDF
embeds (results, what the manifest records, ``render-series.json``), and
:func:`render_embedded` renders the whole PDF again from its embedded files alone.

The PDF is a function of its embedded files (under one carbon and WeasyPrint version), so
the last few PDFs rendered in this process are kept by the SHA-256 of the files they embed:
a process that writes a report and then verifies it, or verifies several copies of one
report, lays the disclosure out once. Inside :func:`rendering_anew` every PDF is laid out
again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from carbon.core.errors import ReportContextError
from carbon.report.context import sections_context
from carbon.report.render import html_to_pdf, render_html
from carbon.report.sections import AUDIT, CORE
from carbon.report.series import RENDER_SERIES, read_render_series

__all__ = [
    "disclosure_html",
    "embedded_html",
    "recorded_from_manifest",
    "remember_rendered",
    "render_embedded",
    "rendering_anew",
    "report_context",
]

#: PDFs rendered in this process, by the SHA-256 of the files they embed (newest last).
_RENDERED: OrderedDict[str, bytes] = OrderedDict()
_KEEP = 8


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


def recorded_from_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit sections read from the manifest beside the results: ``restatement``,
    ``signoff``, ``ledger_anchor`` (an issued version) and ``signing`` (a signed one)."""
    keys = ("restatement", "signoff", "ledger_anchor", "signing")
    return {key: manifest.get(key) for key in keys}


def disclosure_html(
    results: dict[str, Any], recorded: dict, series: bytes, embedded: Iterable[str]
) -> str:
    """The disclosure's HTML from results, the manifest's `recorded` entries and the
    ``render-series.json`` bytes `series`; `embedded` names the files the PDF embeds."""
    power, intensity = read_render_series(series)
    context = report_context(results, power, recorded, intensity=intensity)
    return render_html({**context, "embedded_files": sorted(embedded)})


def _files_key(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(hashlib.sha256(name.encode("utf-8")).digest())
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def remember_rendered(files: Mapping[str, bytes], pdf: bytes) -> None:
    """Keep `pdf`, just rendered embedding `files`, for :func:`render_embedded`."""
    key = _files_key(files)
    _RENDERED[key] = pdf
    _RENDERED.move_to_end(key)
    while len(_RENDERED) > _KEEP:
        _RENDERED.popitem(last=False)


@contextlib.contextmanager
def rendering_anew() -> Iterator[None]:
    """Inside the block, :func:`render_embedded` lays every PDF out anew (the PDFs kept so
    far are set aside, and kept again after the block)."""
    kept = dict(_RENDERED)
    _RENDERED.clear()
    try:
        yield
    finally:
        _RENDERED.clear()
        _RENDERED.update(kept)


def render_embedded(files: Mapping[str, bytes]) -> bytes:
    """The disclosure PDF rendered again from the files it embeds, and nothing else.

    `files` maps each embedded file's name to its bytes (``results.json``,
    ``manifest.json``, ``render-series.json`` and whatever else the PDF carries); every
    one is embedded again. The same files give the bytes the report was written with,
    under the same software (carbon and WeasyPrint versions). Raises
    :class:`~carbon.core.errors.ReportContextError` when one of the three is missing or
    does not parse.
    """
    kept = _RENDERED.get(_files_key(files))
    if kept is not None:
        return kept
    html, moment = embedded_html(files)
    pdf = html_to_pdf(html, moment=moment, attachments=dict(files))
    remember_rendered(files, pdf)
    return pdf


def embedded_html(files: Mapping[str, bytes]) -> tuple[str, datetime]:
    """The disclosure's HTML rendered from the files its PDF embeds, and the moment (the
    issue date, midnight UTC) the PDF is dated with; see :func:`render_embedded`."""
    missing = [n for n in ("results.json", "manifest.json", RENDER_SERIES) if n not in files]
    if missing:
        raise ReportContextError(
            f"cannot render the disclosure again: the PDF embeds no {', '.join(missing)}",
            path=missing[0],
            reason="embedded-missing",
        )
    try:
        results = json.loads(files["results.json"])
        manifest = json.loads(files["manifest.json"])
        day = date.fromisoformat(str(results["issue_date"])[:10])
        recorded = recorded_from_manifest(manifest)
    except (ValueError, UnicodeDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ReportContextError(
            f"cannot render the disclosure again: results.json or manifest.json: {exc}",
            reason="embedded-unreadable",
        ) from None
    html = disclosure_html(results, recorded, files[RENDER_SERIES], files)
    return html, datetime(day.year, day.month, day.day, tzinfo=UTC)
