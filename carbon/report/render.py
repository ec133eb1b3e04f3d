"""Render the disclosure: jinja2 templates → HTML → PDF/A-3b with WeasyPrint.

Reproducibility (same context → same PDF bytes) rests on four things, all
handled here (see docs/how-it-works.md "Determinism and audit"):

1. the document dates come from ``<meta name="dcterms.created">`` and
   ``dcterms.modified``, filled from ``context["report"]["issue_date"]``;
2. every attachment gets ``created``/``modified`` from the same date (WeasyPrint
   would otherwise stamp the clock);
3. ``SOURCE_DATE_EPOCH`` is set to that date while WeasyPrint runs, so that font
   subsets made by fontTools carry no clock time (restored afterwards; this
   touches ``os.environ`` and is therefore not thread-safe);
4. the fonts are the DejaVu files shipped in ``templates/fonts``, never system
   fonts: the primary families are subsets of DejaVu to the blocks of
   :data:`carbon.report.fonts.RANGES` (so WeasyPrint's per-PDF subsetting parses
   less), the full files are the fallback family for any other character
   (regenerate the subsets with ``python -m carbon.report.fonts``); the chart SVG
   is itself deterministic. PDF/A makes the file ``/ID``
   a hash of the content. The ``/Producer`` string names the WeasyPrint version,
   so identical bytes also require the same WeasyPrint.

Resources are fetched only from ``data:`` URLs and from files inside the
templates folder; anything else (network, other files) stops the rendering
with :class:`ReportResourceError`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from carbon.core.errors import CarbonError, ReportResourceError
from carbon.core.resources import templates_root
from carbon.report.crossref import resolve
from carbon.report.numbers import (
    convert,
    format_integer,
    format_number,
    format_percent,
    format_share,
    format_signed,
    with_unit,
)

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

__all__ = [
    "LaidOut",
    "ReportResourceError",
    "environment",
    "html_to_pdf",
    "lay_out",
    "make_url_fetcher",
    "render_html",
    "render_pdf",
    "renderer_version",
    "templates_dir",
]

PDF_VARIANT = "pdf/a-3b"
_ENTRY_TEMPLATE = "report.html.j2"

#: PDF/A-3 ``AFRelationship`` of the attachments the pipeline embeds; other
#: names are ``Supplement``.
_ATTACHMENT_ROLES: dict[str, tuple[str, str]] = {
    "results.json": ("Data", "Results of this disclosure (machine-readable, JSON)"),
    "results.csv": ("Data", "Results of this disclosure (machine-readable, CSV)"),
    "manifest.json": ("Supplement", "Lineage manifest: inputs, factors, hashes, versions"),
    "render-series.json": ("Data", "Series the charts of this disclosure are drawn from (JSON)"),
    "tenant.json": ("Data", "Figures of this tenant statement (machine-readable, JSON)"),
    "signature.json": ("Supplement", "Ed25519 signature of manifest.json by the operator's key"),
}


def renderer_version() -> str:
    """The WeasyPrint version that lays the PDFs out (identical bytes need the same one)."""
    import weasyprint

    return str(weasyprint.__version__)


def templates_dir() -> Path:
    """The templates folder as a filesystem path (WeasyPrint needs real files)."""
    return Path(str(templates_root())).resolve()


@functools.cache
def environment(root: str) -> jinja2.Environment:
    """The jinja2 environment of the templates under `root`, with the number filters."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(root),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = format_number
    env.filters["int"] = format_integer
    env.filters["pct"] = format_percent
    env.filters["share"] = format_share
    env.filters["signed"] = format_signed
    env.filters["unit"] = with_unit
    env.filters["convert"] = convert
    env.filters["xref"] = jinja2.pass_context(_xref)
    env.filters["heading"] = jinja2.pass_context(_heading)
    env.filters["bdi"] = bidi_isolate
    return env


def bidi_isolate(text: Any) -> Any:
    """User text (a site or tenant name, a meter id) between FIRST STRONG ISOLATE and POP
    DIRECTIONAL ISOLATE (U+2068, U+2069): a right-to-left override inside it cannot reorder
    the text around it, the running header included. Escaped as any other text."""
    import markupsafe

    return markupsafe.Markup("\u2068") + markupsafe.escape(text) + markupsafe.Markup("\u2069")


def _xref(context: Any, text: Any) -> str:
    """`text` with its section markers numbered (see :mod:`carbon.report.crossref`)."""
    return resolve(str(text), context["sections_by_id"])


def _heading(context: Any, name: Any) -> str:
    """``<label> <title>`` of the section called `name` ("3 Emissions by scope",
    "Appendix A Methodology"); ``<title> (not applicable)`` for a section listed without
    input; `name` itself if none is."""
    section = context["sections_by_id"].get(name)
    if section:
        return f"{section['label']} {section['title']}"
    absent = context.get("not_applicable_by_id", {}).get(name)
    return f"{absent['title']} (not applicable)" if absent else str(name)


def render_html(context: dict) -> str:
    """Render the disclosure as one HTML document (autoescaped, strict about missing keys).

    Parameters
    ----------
    context
        The dict from :func:`carbon.report.context.build_context`. An optional
        ``embedded_files`` list names the files embedded in the PDF (set by
        :func:`render_pdf`).
    """
    env = environment(str(templates_dir()))
    values = {"embedded_files": [], **context}
    return env.get_template(_ENTRY_TEMPLATE).render(**values)


# --- restricted resource fetching ---------------------------------------------------


# Fixed here rather than taken from `mimetypes`, whose table depends on the machine.
_CONTENT_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def make_url_fetcher(root: Path | None = None):
    """A WeasyPrint URL fetcher serving only ``data:`` URLs and files under `root`.

    Any other URL (``http:``, ``https:``, ``file:`` outside `root`, other schemes)
    raises; the fetcher is built with ``fail_on_errors=True`` so that WeasyPrint
    stops the rendering instead of silently leaving the resource out.
    """
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    allowed_root = (root if root is not None else templates_dir()).resolve()

    class TemplatesOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                parts = urlsplit(url)
                if parts.netloc not in ("", "localhost"):
                    raise ReportResourceError(f"refused to fetch {url!r}: remote file URL")
                path = Path(url2pathname(unquote(parts.path))).resolve()
                if not path.is_relative_to(allowed_root):
                    raise ReportResourceError(
                        f"refused to fetch {url!r}: only files inside {allowed_root} "
                        "and data: URLs may be used by the report templates"
                    )
                if not path.is_file():
                    raise ReportResourceError(f"template resource not found: {path}")
                content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
                return URLFetcherResponse(
                    path.as_uri(), path.read_bytes(), headers={"Content-Type": content_type}
                )
            raise ReportResourceError(
                f"refused to fetch {url!r}: the report does not load {scheme or 'relative'!s} "
                "URLs (only data: URLs and files inside the templates folder)"
            )

    return TemplatesOnlyFetcher(fail_on_errors=True)


# --- PDF ----------------------------------------------------------------------------


def _issue_moment(context: dict) -> datetime:
    """Midnight UTC of the issue date: the only time the PDF records."""
    try:
        day = date.fromisoformat(str(context["report"]["issue_date"])[:10])
    except (KeyError, TypeError, ValueError):
        raise CarbonError(
            "context['report']['issue_date'] must be an ISO date; the PDF takes all its "
            "dates from it"
        ) from None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of the block.

    WeasyPrint allocates hundreds of thousands of small objects while it lays a document out
    and paints it; each allocation burst triggers a collection, and every full collection
    walks the whole heap, including the accounting's arrays and frames that a report process
    still holds. Measured on the demo: the disclosure took a third longer with the collector
    running. Reference counting still frees almost everything; the few cycles WeasyPrint
    leaves are collected once the collector is back on. Output bytes are not affected.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def _source_date_epoch(moment: datetime) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` for the duration of the block, then restore it."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


class LaidOut:
    """A document laid out into pages (:func:`lay_out`), not yet written as PDF.

    The layout does not depend on the attachments, so the disclosure is laid out while the
    files it embeds (the manifest hashes the side documents) are still being made;
    :meth:`write` then paints the pages, subsets the fonts and embeds the attachments.
    """

    def __init__(self, document: Any, moment: datetime, fetcher: Any) -> None:
        self._document = document
        self._moment = moment
        self._fetcher = fetcher

    @property
    def page_count(self) -> int:
        """Number of pages of the laid-out document."""
        return len(self._document.pages)

    def write(self, attachments: dict[str, bytes] | None = None) -> bytes:
        """The PDF/A-3b bytes, with `attachments` embedded (in name order), dated as laid out."""
        import weasyprint

        # WeasyPrint writes naive datetimes with a "Z" suffix: pass UTC wall time.
        stamp = self._moment.astimezone(UTC).replace(tzinfo=None)
        pdf_attachments = []
        for name in sorted(attachments or {}):
            data = attachments[name]
            if not isinstance(data, bytes | bytearray):
                raise TypeError(f"attachment {name!r} must be bytes, got {type(data).__name__}")
            relationship, description = _ATTACHMENT_ROLES.get(name, ("Supplement", name))
            pdf_attachments.append(
                weasyprint.Attachment(
                    string=bytes(data),
                    name=name,
                    description=description,
                    created=stamp,
                    modified=stamp,
                    relationship=relationship,
                    url_fetcher=self._fetcher,
                )
            )
        with _weasyprint_errors(), _source_date_epoch(self._moment), _collector_paused():
            return self._document.write_pdf(**_options(pdf_attachments))


def _options(attachments: list[Any]) -> dict[str, Any]:
    """WeasyPrint's options for both steps (layout and writing), as ``write_pdf`` passes them."""
    import weasyprint

    return {
        **weasyprint.DEFAULT_OPTIONS,
        "pdf_variant": PDF_VARIANT,
        "attachments": attachments,
        "uncompressed_pdf": False,
    }


@contextlib.contextmanager
def _weasyprint_errors() -> Iterator[None]:
    """A resource the templates may not load stops the rendering as ReportResourceError."""
    from weasyprint.urls import FatalURLFetchingError

    try:
        yield
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, ReportResourceError):
            raise ReportResourceError(str(cause)) from cause
        raise ReportResourceError(str(exc)) from cause


def lay_out(html: str, *, moment: datetime, root: Path | None = None) -> LaidOut:
    """Lay `html` out into pages (styles, line breaking, pagination), dated `moment`.

    Resources resolve against `root` (default: the templates folder) and may not leave it.
    ``lay_out(html, ...).write(attachments)`` gives the same bytes as :func:`html_to_pdf`.
    """
    import weasyprint

    base = (root if root is not None else templates_dir()).resolve()
    fetcher = make_url_fetcher(base)
    with _weasyprint_errors(), _source_date_epoch(moment), _collector_paused():
        document = weasyprint.HTML(
            string=html, base_url=str(base) + os.sep, url_fetcher=fetcher
        ).render(**_options([]))
    return LaidOut(document, moment, fetcher)


def html_to_pdf(
    html: str,
    *,
    moment: datetime,
    attachments: dict[str, bytes] | None = None,
    root: Path | None = None,
) -> bytes:
    """Lay out `html` as PDF/A-3b with `attachments` embedded, all dates set to `moment`.

    Resources resolve against `root` (default: the templates folder) and may not
    leave it. Raises :class:`ReportResourceError` if the HTML asks for anything else.
    """
    return lay_out(html, moment=moment, root=root).write(attachments)


def render_pdf(context: dict, *, attachments: dict[str, bytes] | None = None) -> bytes:
    """Render the disclosure as PDF/A-3b bytes, with `attachments` embedded.

    Parameters
    ----------
    context
        The dict from :func:`carbon.report.context.build_context`.
    attachments
        File name → bytes (the pipeline passes results.json, results.csv and
        manifest.json); embedded as PDF/A-3 associated files, in name order.

    Returns
    -------
    bytes
        The PDF. The same context and attachments give the same bytes.
    """
    html = render_html({**context, "embedded_files": sorted(attachments or {})})
    return html_to_pdf(html, moment=_issue_moment(context), attachments=attachments)
