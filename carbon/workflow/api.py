"""The Python API: load a site, run a period, write and verify the report.

The functions here are what ``carbon`` exports at the top level (``carbon.run``,
``carbon.load_site``, ...; see ``docs/api.md``). They sequence the same workflow
functions as the command line, so a period computed here gives the same results
document as ``carbon report`` / ``carbon demo``, and a report written here is the
folder those commands write.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from carbon.core.errors import ConfigError
from carbon.core.period import month
from carbon.ledger.index import IDENTITY_KEYS, diff_figures
from carbon.pivot.baseline import AUTO
from carbon.results.document import ReportMeta, build_results
from carbon.results.frame import Results
from carbon.workflow.compare import extend_results, requested_baseline
from carbon.workflow.inputs import SiteData, demo_site_data, site_data
from carbon.workflow.publish import (
    default_issue_date,
    parse_issue_date,
    write_demo_report,
    write_site_report,
)
from carbon.workflow.verify import Verification, verify_pdf

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from carbon.ingest.grid_table import GridIntensity
    from carbon.quality.align import MeterCube
    from carbon.site.model import SiteConfig

__all__ = ["Site", "demo_site", "load_site", "run", "verify", "write_report"]


@dataclass(frozen=True)
class Site:
    """A validated site configuration and its input data, read once for any number of periods.

    Build one with :func:`load_site` (a site file) or :func:`demo_site` (the embedded
    demo). It holds what ``carbon report --site`` reads: the site model, the meter
    cube, the hourly grid intensity (and any further grid sources), the contractual
    instruments and, where declared, the marginal rate and the activity file.

    Attributes
    ----------
    data
        The inputs as the workflow holds them (:class:`carbon.workflow.compare.SiteData`).
    path
        The site file, or None for the demo (whose inputs are generated).
    """

    data: SiteData
    path: Path | None = None

    def __repr__(self) -> str:
        start, end = self.span()
        where = "demo" if self.path is None else str(self.path)
        return (
            f"Site(id={self.id!r}, name={self.name!r}, meters={len(self.config.meters)}, "
            f"data {start.isoformat()} to {end.isoformat()}, from {where})"
        )

    @property
    def config(self) -> SiteConfig:
        """The validated, frozen site model (what the site file says)."""
        return self.data.site

    @property
    def id(self) -> str:
        """The site's id (names its report folders)."""
        return self.config.site.id

    @property
    def name(self) -> str:
        """The site's display name."""
        return self.config.site.name

    @property
    def timezone(self) -> str:
        """The IANA timezone that sets the site's period boundaries."""
        return self.config.site.timezone

    @property
    def cube(self) -> MeterCube:
        """The aligned meter data (every meter on one interval grid, with flags)."""
        return self.data.cube

    @property
    def energy(self) -> xr.DataArray:
        """Energy per meter and interval [kWh], dims ``(meter, time)``; ``time`` is the
        interval start in UTC, NaN a gap. The whole data span, before any period slice."""
        return self.data.cube.energy

    @property
    def grid(self) -> GridIntensity:
        """The hourly grid carbon intensity (the first grid source)."""
        return self.data.grid

    @property
    def instruments(self) -> tuple:
        """The contractual instruments (certificates, PPAs) the market-based basis uses."""
        return tuple(self.data.instruments)

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First interval start and last interval end of the meter data (UTC)."""
        return self.data.span()


def load_site(path: str | Path) -> Site:
    """Read a site file and every input it declares (meters, grid, instruments).

    Parameters
    ----------
    path
        The site's TOML file, or the folder holding it as ``site.toml``. Input paths in
        the file are relative to its folder.

    Raises
    ------
    ConfigError
        The site file is missing or invalid (the message names the key path).
    InputDataError
        An input file is malformed (the message names the file and line or timestamp).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "site.toml"
    return Site(site_data(path), path)


def demo_site() -> Site:
    """The embedded demo site (a synthetic ERCOT campus) with its generated inputs.

    The same site and data as ``carbon demo``: four mining halls, one converting to
    AI hosting on 14 June 2025, and a GPU hall, for the year 2025 in 15-minute
    intervals. Generating the inputs takes about 2 s.
    """
    data, _ = demo_site_data()
    return Site(data)


def run(site: Site, period: str, *, baseline: str | None = AUTO) -> Results:
    """Compute one month of a site: the same computation as ``carbon report``.

    The results document is the one ``carbon report`` (``carbon demo`` for the demo
    site) writes as the first draft version of the period into a new output folder:
    report id ``<site>-<period>-v1``, status ``draft``, issued the first day after the
    period. :func:`write_report` writes the report itself.

    Parameters
    ----------
    site
        From :func:`load_site` or :func:`demo_site`.
    period
        A local calendar month, ``"YYYY-MM"``, in the site's timezone.
    baseline
        Compare the period with a baseline, as ``--baseline`` does: ``"auto"`` (the
        default) one chosen by the default rule (the same month a year earlier, else
        the last full month before the first conversion, or the prior month for a site
        without one), ``YYYY-MM``, ``YYYY-Qn``, ``YYYY`` or ``same-month-last-year``
        that period, ``"none"`` (or None) no comparison. ``baseline_choice`` says which
        rule chose it; with a baseline the results gain the ``baseline``,
        ``decomposition``, ``counterfactual`` and ``pivot_trend`` blocks.

    Returns
    -------
    Results
        The document, its tidy table and the figures with units.

    Raises
    ------
    PeriodError
        The period (or baseline) is malformed or not covered by the meter data.

    Notes
    -----
    Certificate serials claimed by issued reports are known only to a report root's
    ledger; here there is none, so the market-based basis applies every instrument
    the site holds. :func:`write_report` computes under the ledger of its output
    folder, as the command line does.
    """
    if not isinstance(site, Site):
        raise TypeError(
            f"run() takes a Site (carbon.load_site(path) or carbon.demo_site()), "
            f"not {type(site).__name__}"
        )
    span = month(period, site.timezone)
    outcome = site.data.run(span)
    meta = ReportMeta(
        report_id=f"{site.id}-{span.label}-v1",
        version=1,
        status="draft",
        issue_date=default_issue_date(span),
    )
    document = build_results(outcome, meta)
    document.update(extend_results(site.data, outcome, document, baseline))
    return Results(document, outcome=outcome, source=site)


def write_report(
    results: Results,
    out: str | Path,
    *,
    status: str = "draft",
    issue_date: date | str | None = None,
    restate: bool = False,
    reason: str | None = None,
    sign_key: str | Path | None = None,
) -> Path:
    """Write the report of `results` to a new version folder, as the command line does.

    Writes ``<out>/<site>/<period>/v<N>/`` (``disclosure.pdf``, ``results.json``,
    ``results.csv``, ``manifest.json``, tenant statements, operating update)
    atomically, never overwriting a version; an issued version is recorded in
    ``<out>/ledger.sqlite``. The period is computed again from the site's inputs under
    that ledger (exactly ``carbon report --site`` / ``carbon demo``, with the baseline
    of `results`), so the folder is byte for byte the one the command writes.

    Parameters
    ----------
    results
        From :func:`run`.
    out
        The report root (``--out``).
    status
        ``"draft"`` (watermarked, not recorded in the ledger) or ``"issued"``.
    issue_date
        The issue date printed in the report (a date or ``"YYYY-MM-DD"``); default the
        first day after the period.
    restate, reason
        Re-issue a period that already has a version (``--restate --reason``): writes
        v<N+1>, which records the version it supersedes, the reason and the changed
        figures.
    sign_key
        An Ed25519 private key file (``carbon keys new``): sign the issued version's
        manifest (``--sign-key``); issued versions only.

    Returns
    -------
    Path
        The version folder written.

    Raises
    ------
    OutputExistsError
        The period already has a version under `out` and `restate` is False.
    ConfigError
        `status`, `issue_date`, `restate` or `reason` is invalid, or `results` did not
        come from :func:`run`.

    Warns
    -----
    UserWarning
        When a written figure differs from `results`: the inputs changed since
        :func:`run`, or issued reports under `out` already claimed some certificates.
    """
    site = results.source
    if not isinstance(site, Site):
        raise ConfigError(
            "write_report() needs Results computed by carbon.run(site, period), which "
            "know the site to read again"
        )
    options = {
        "status": status,
        "issue_date": parse_issue_date(issue_date) if isinstance(issue_date, str) else issue_date,
        "restate": restate,
        "reason": reason,
        "baseline": requested_baseline(results.document),
        "sign_key": None if sign_key is None else Path(sign_key),
    }
    if site.path is None:
        written = write_demo_report(Path(out), results.period, **options)
    else:
        written = write_site_report(site.path, results.period, Path(out), **options)
    changed = diff_figures(results.document, written.results, ignore=IDENTITY_KEYS)
    if changed:
        shown = ", ".join(c["path"] for c in changed[:5])
        warnings.warn(
            f"{len(changed)} figure(s) of the written report differ from the results "
            f"passed in ({shown}{', ...' if len(changed) > 5 else ''}): the inputs changed "
            "since run(), or issued reports under this folder claimed some certificates",
            stacklevel=2,
        )
    return written.path


def verify(
    pdf: str | Path,
    *,
    inputs: Site | str | Path | None = None,
    ledger: str | Path | None = None,
    recompute: bool = True,
    public_key: str | Path | None = None,
    checkpoint: str | Path | None = None,
) -> Verification:
    """Check a disclosure PDF, as ``carbon verify`` does.

    Checks the embedded files and their hashes, the manifest, the ledger's hash chain
    and row for the PDF, the version folder and, with inputs (always for the demo),
    every figure recomputed from them.

    Parameters
    ----------
    pdf
        The ``disclosure.pdf`` to check.
    inputs
        The site (a :class:`Site` from :func:`load_site`, its site file or folder) to
        recompute every figure from. The demo is recomputed without it.
    ledger
        The ledger index; default ``<root>/ledger.sqlite`` above the PDF's
        ``<root>/<site>/<period>/v<N>/`` folder.
    recompute
        False checks the file only.
    public_key, checkpoint
        The operator's Ed25519 public key (the manifest's signature must verify with
        it) and a published ledger checkpoint (the ledger must still hold its head), as
        ``--public-key`` and ``--checkpoint``.

    Returns
    -------
    Verification
        ``.ok`` is True when no check fails; ``.checks`` lists each check (``name``,
        ``ok``: True, False or None for not checked, ``detail``).
    """
    if isinstance(inputs, Site):
        inputs = inputs.path  # None for the demo, which is recomputed without inputs
    return verify_pdf(
        Path(pdf),
        inputs=None if inputs is None else Path(inputs),
        ledger=None if ledger is None else Path(ledger),
        recompute=recompute,
        public_key=None if public_key is None else Path(public_key),
        checkpoint=None if checkpoint is None else Path(checkpoint),
    )
