"""The command line: thin. Parse, call the workflow, print.

It imports only :mod:`carbon.workflow` and :mod:`carbon.core`. Domain errors become a
short message on stderr and a distinct exit code (1 data problem, 2 configuration or
usage); ``--json`` prints them as a JSON object instead, ``--debug`` shows the traceback.

:mod:`carbon.workflow` (xarray, pandas, pint and the rest of the pipeline) is imported
inside each command, for start-up time: ``carbon --help`` and ``--version`` need none of it.
The printing is in :mod:`carbon.cli_output`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from carbon import cli_output as output
from carbon.cli_ledger import keys_app, ledger_app
from carbon.core.errors import CarbonError
from carbon.core.version import __version__

app = typer.Typer(
    name="carbon",
    help="Energy and carbon accounting for data centres moving from Bitcoin mining to AI hosting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(keys_app, name="keys")
app.add_typer(ledger_app, name="ledger")

_state = {"debug": False, "json": False}

StatusOption = Annotated[
    str,
    typer.Option(
        "--status",
        metavar="draft|issued",
        help="draft (default) or issued; issued versions' certificate serials count as claimed.",
    ),
]
DraftOption = Annotated[
    bool,
    typer.Option(
        "--draft",
        help="Same as --status draft: the PDF carries a DRAFT watermark on every page and the "
        "version is not recorded in the ledger.",
    ),
]


def _status(status: str, draft: bool) -> str:
    if draft and status != "draft":
        raise typer.BadParameter("--draft contradicts --status " + status)
    return "draft" if draft else status


IssueDateOption = Annotated[
    str | None,
    typer.Option(
        "--issue-date",
        metavar="YYYY-MM-DD",
        help="The issue date printed in the report and its PDF metadata. Default: the first "
        "day after the period (never the clock).",
    ),
]
RestateOption = Annotated[
    bool,
    typer.Option(
        "--restate",
        help="Re-issue a period that already has a version: writes v<N+1>, which records the "
        "version it supersedes, the reason and the changed figures.",
    ),
]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", metavar="TEXT", help="Why the period is restated (with --restate)."),
]
StrictOption = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Refuse an implausible input (a reading above the meter's rated power or the "
        "site's capacity, a grid intensity outside its physical range or far from the "
        "region's annual rate; bounds in the site file's \\[quality] table) instead of "
        "flagging it.",
    ),
]
BaselineOption = Annotated[
    str,
    typer.Option(
        "--baseline",
        metavar="SPEC",
        help="The baseline the period is compared with, computed the same way (LMDI "
        "decomposition on both Scope 2 bases, the stayed-mining scenario and the monthly "
        "trend, on the first pages). 'auto' (default): the same month a year earlier if the "
        "data hold it, else, for a site with a hall conversion, the last full month before "
        "the first conversion, or, without one, the prior month; the report says which rule "
        "chose it. YYYY-MM, YYYY-Qn, YYYY or same-month-last-year name one (it must end "
        "before the period starts and lie inside the data); 'none' turns the comparison off.",
    ),
]

SignKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--sign-key",
        metavar="FILE",
        help="Sign the issued version's manifest with this Ed25519 private key (from "
        "'carbon keys new'); the signature is embedded in the PDF and recorded in the ledger.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carbon {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print a failing command's error as a JSON object on stderr (its class, "
            "reason code, message, path, line, timestamp, meter, key and exit code).",
        ),
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    _state["debug"] = debug
    _state["json"] = as_json


@app.command()
def demo(
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            metavar="YYYY-MM",
            help="Month to report (local time). Default: the first full month after the "
            "demo hall conversion (2025-07).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/demo/PERIOD/vN/.")
    ] = Path("reports"),
    status: StatusOption = "draft",
    draft: DraftOption = False,
    issue_date: IssueDateOption = None,
    restate: RestateOption = False,
    reason: ReasonOption = None,
    baseline: BaselineOption = "auto",
    sign_key: SignKeyOption = None,
) -> None:
    """Run the embedded demo site (no files needed) and write a disclosure (draft by default).

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/demo/PERIOD/v1/, records an issued version in OUT/ledger.sqlite (drafts are
    watermarked and not recorded) and prints a summary. An existing version is never
    overwritten: re-issuing a period needs --restate --reason "..." and writes the next
    version.
    """
    from carbon import workflow  # start-up time (see the module notes)

    written = workflow.write_demo_report(
        out,
        period,
        status=_status(status, draft),
        issue_date=workflow.parse_issue_date(issue_date),
        restate=restate,
        reason=reason,
        baseline=baseline,
        sign_key=sign_key,
        parallel_documents=workflow.parallel_by_default(),
    )
    output.print_summary(written.results, written.path)
    output.print_restatement(written.manifest)


@app.command()
def validate(
    site: Annotated[Path, typer.Option("--site", help="The site's TOML file.")],
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="YYYY-MM", help="Check one month only (local time)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
    strict: StrictOption = False,
) -> None:
    """Read everything a site declares and print the data-quality summary.

    Runs every check `carbon report` runs (with --period, the month is computed as the
    report computes it, nothing written) and the plausibility checks of the site's
    \\[quality] bounds. Exit status: 0 clean, 1 data problems found (or, with --strict, an
    implausible input), 2 configuration or usage error.
    """
    from carbon import workflow  # start-up time (see the module notes)

    found = workflow.validate_site(site, period, strict=strict)
    if as_json:
        typer.echo(json.dumps(found.summary, indent=2, sort_keys=True))
    else:
        output.print_quality(found.summary)
    raise typer.Exit(1 if found.problems else 0)


@app.command()
def report(
    site: Annotated[Path | None, typer.Option("--site", help="The site's TOML file.")] = None,
    period: Annotated[
        str, typer.Option("--period", metavar="YYYY-MM", help="Month to report.")
    ] = "",
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/SITE/PERIOD/vN/.")
    ] = Path("reports"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print results.json to stdout instead of the summary.")
    ] = False,
    status: StatusOption = "draft",
    draft: DraftOption = False,
    issue_date: IssueDateOption = None,
    restate: RestateOption = False,
    reason: ReasonOption = None,
    baseline: BaselineOption = "auto",
    strict: StrictOption = False,
    fleet: Annotated[
        Path | None,
        typer.Option(
            "--fleet",
            help="A fleet TOML file listing site files: report every site (as --site does) and "
            "write a fleet summary to OUT/_fleets/NAME/PERIOD/vN/.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            metavar="local|ADDRESS",
            help="With --fleet: run the sites as tasks on a dask.distributed scheduler "
            "('local' starts a LocalCluster).",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            metavar="N",
            min=1,
            help="With --fleet: report N sites at a time in N worker processes (default: one "
            "after the other); with --scheduler local, the LocalCluster's number of workers.",
        ),
    ] = None,
    sign_key: SignKeyOption = None,
) -> None:
    """Report a site for one month: the same pipeline as the demo, on the site's own files.

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/SITE/PERIOD/v1/ and records an issued version in OUT/ledger.sqlite (drafts are
    watermarked and not recorded). An existing
    version is never overwritten: re-issuing a period needs --restate --reason "..."
    and writes the next version. With --fleet instead of --site, every site of the
    fleet file is reported and a fleet summary (JSON and CSV) is written.
    """
    # long: the signature declares the options (typer); the body is parse, call, print
    from carbon import workflow  # start-up time (see the module notes)

    if fleet is not None or site is None or not period or scheduler is not None or workers:
        if sign_key is not None:
            raise typer.BadParameter("--sign-key signs one site's report (--site), not a fleet")
        _report_fleet(
            site,
            fleet,
            period,
            out,
            _status(status, draft),
            issue_date,
            restate,
            scheduler,
            as_json,
            baseline,
            workers,
        )
        return

    written = workflow.write_site_report(
        site,
        period,
        out,
        status=_status(status, draft),
        issue_date=workflow.parse_issue_date(issue_date),
        restate=restate,
        reason=reason,
        baseline=baseline,
        sign_key=sign_key,
        strict=strict,
        parallel_documents=workflow.parallel_by_default(),
    )
    if as_json:
        typer.echo((written.path / "results.json").read_text(encoding="utf-8"), nl=False)
    else:
        output.print_summary(written.results, written.path)
        output.print_restatement(written.manifest)


def _report_fleet(
    site: Path | None,
    fleet: Path | None,
    period: str,
    out: Path,
    status: str,
    issue_date: str | None,
    restate: bool,
    scheduler: str | None,
    as_json: bool,
    baseline: str = "auto",
    workers: int | None = None,
) -> None:
    """``carbon report --fleet``: every site with a progress bar, then the fleet summary."""
    from carbon import workflow  # start-up time (see the module notes)

    workflow.check_fleet_request(
        site_file=site,
        fleet_file=fleet,
        period=period,
        status=status,
        scheduler=scheduler,
        workers=workers,
        restate=restate,
        as_json=as_json,
    )
    when = workflow.parse_issue_date(issue_date)
    failures: list[tuple[str, str]] = []
    with output.fleet_progress(period, len(workflow.load_fleet(fleet).sites)) as advance:

        def record(listed: str, row: dict) -> None:
            if row["status"] != "ok":
                failures.append((listed, row["error"]))
            advance(listed, row)

        done = workflow.run_fleet(
            fleet,
            period,
            out,
            status=status,
            issue_date=when,
            scheduler=scheduler,
            progress=record,
            baseline=baseline,
            workers=workers,
        )
    ok = sum(1 for r in done.rows if r["status"] == "ok")
    typer.echo(f"{ok} of {len(done.rows)} sites reported; summary: {done.summary}")
    if failures:
        for listed, error in failures:
            typer.echo(f"carbon: error: {listed}: {error}", err=True)
        raise typer.Exit(1)


@app.command()
def verify(
    pdf: Annotated[
        Path,
        typer.Argument(
            metavar="PDF", help="The disclosure.pdf to check.", exists=True, dir_okay=False
        ),
    ],
    inputs: Annotated[
        Path | None,
        typer.Option(
            "--inputs",
            metavar="DIR",
            help="The site folder (holding site.toml): recompute every figure from it. The demo "
            "is recomputed without it.",
        ),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            metavar="FILE",
            help="The ledger index (ledger.sqlite). Default: ROOT/ledger.sqlite above the "
            "PDF's ROOT/SITE/PERIOD/vN/ folder.",
        ),
    ] = None,
    no_recompute: Annotated[
        bool, typer.Option("--no-recompute", help="Check the file only; do not recompute.")
    ] = False,
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            metavar="FILE",
            help="The operator's Ed25519 public key: the embedded manifest must carry a valid "
            "signature by it (fails when unsigned, signed by another key, or altered).",
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint",
            metavar="FILE",
            help="A published 'carbon ledger checkpoint': the ledger must still hold its head "
            "hash at its row, with every later row chained from it.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a disclosure PDF: embedded files, hashes, the ledger and, with inputs, every figure.

    Also the ledger head the report recorded at issue, and with --public-key its signature,
    with --checkpoint a published ledger head. Exit status: 0 when every check holds, 1 with
    the list of what differs.
    """
    from carbon import workflow  # start-up time (see the module notes)

    found = workflow.verify_pdf(
        pdf,
        inputs=inputs,
        ledger=ledger,
        recompute=not no_recompute,
        public_key=public_key,
        checkpoint=checkpoint,
    )
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        output.print_verification(found)
    raise typer.Exit(0 if found.ok else 1)


@app.command()
def history(
    site: Annotated[
        Path | None, typer.Option("--site", help="The site's TOML file (its id names the site).")
    ] = None,
    site_id: Annotated[
        str | None, typer.Option("--site-id", metavar="ID", help="The site id, without a file.")
    ] = None,
    demo_site: Annotated[bool, typer.Option("--demo", help="The embedded demo site.")] = False,
    out: Annotated[Path, typer.Option("--out", help="Report root holding ledger.sqlite.")] = Path(
        "reports"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
) -> None:
    """List the issued versions of a site recorded in OUT/ledger.sqlite (drafts are not recorded).

    Exit status: 0, or 1 when the ledger's hash chain does not hold.
    """
    from carbon import workflow  # start-up time (see the module notes)

    chosen = [x for x in (site, site_id, demo_site or None) if x is not None]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --site FILE, --site-id ID or --demo")
    found = workflow.read_history(out, site_file=site, site_id=site_id, demo=demo_site)
    if as_json:
        typer.echo(json.dumps(found.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        output.print_history(found)
    raise typer.Exit(1 if found.chain_problems else 0)


@app.command()
def rollup(
    site: Annotated[
        Path | None, typer.Option("--site", help="The site's TOML file (its fiscal_year table).")
    ] = None,
    demo_site: Annotated[bool, typer.Option("--demo", help="The embedded demo site.")] = False,
    fiscal_year: Annotated[
        str | None, typer.Option("--fiscal-year", metavar="FY2025", help="A whole fiscal year.")
    ] = None,
    quarter: Annotated[
        str | None, typer.Option("--quarter", metavar="FY2025-Q3", help="A fiscal quarter.")
    ] = None,
    out: Annotated[
        Path,
        typer.Option("--out", help="Report root (its ledger is read); writes OUT/SITE/LABEL/vN/."),
    ] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="Print rollup.json to stdout.")] = False,
) -> None:
    """Sum the months of a fiscal year or quarter, with the prior period as comparative.

    Each month is the latest issued version in OUT/ledger.sqlite (restatements
    included) or, without one, computed from the inputs. Intensities are recomputed
    from the sums. Writes rollup.json, rollup.csv and rollup.pdf to a new version
    folder OUT/SITE/LABEL/vN/ (never overwriting). Fiscal-year start and naming: the
    site file's fiscal_year table, see docs/disclosure-register.md.
    """
    from carbon import workflow  # start-up time (see the module notes)

    if (site is None) == (not demo_site):
        raise typer.BadParameter("give exactly one of --site FILE or --demo")
    if (fiscal_year is None) == (quarter is None):
        raise typer.BadParameter("give exactly one of --fiscal-year FY2025 or --quarter FY2025-Q3")
    label = fiscal_year or str(quarter)
    if fiscal_year is not None and "-Q" in fiscal_year:
        raise typer.BadParameter("--fiscal-year takes FY2025; use --quarter for FY2025-Q3")
    if quarter is not None and "-Q" not in quarter:
        raise typer.BadParameter("--quarter takes FY2025-Q3; use --fiscal-year for FY2025")
    written = workflow.write_site_rollup(label, out, site_file=site)
    if as_json:
        typer.echo(json.dumps(written.document, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        output.print_rollup(label, written.document, written.path)


def main() -> None:
    """Console-script entry point: usage errors exit 2, domain errors with their own code.

    A domain error is one line on stderr, ``carbon: error: MESSAGE``; with ``--json``, its
    :meth:`~carbon.core.errors.CarbonError.to_dict` as one JSON object instead.
    """
    try:
        app()
    except CarbonError as exc:
        if _state["debug"]:
            raise
        if _state["json"]:
            typer.echo(json.dumps(exc.to_dict(), sort_keys=True, ensure_ascii=False), err=True)
        else:
            typer.echo(f"carbon: error: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()
