"""The command line: thin. Parse, call the workflow, print.

Domain errors become a short message on stderr and a distinct exit code
(1 data problem, 2 configuration or usage); ``--debug`` shows the traceback.
Heavy libraries are imported inside the commands so ``carbon --help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbon.core.errors import CarbonError
from carbon.core.version import __version__

app = typer.Typer(
    name="carbon",
    help="Energy and carbon accounting for data centres moving from Bitcoin mining to AI hosting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}

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
BaselineOption = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="SPEC",
        help="Compare the period with a baseline (YYYY-MM, YYYY-Qn, YYYY or "
        "same-month-last-year) computed the same way: LMDI "
        "decomposition on both Scope 2 bases, counterfactual and trend, and a 'What changed' "
        "section. The baseline must end before the period starts and lie inside the data.",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"carbon {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    _state["debug"] = debug


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
    baseline: BaselineOption = None,
) -> None:
    """Run the embedded demo site (no files needed) and write a disclosure (draft by default).

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/demo/PERIOD/v1/, records an issued version in OUT/ledger.sqlite (drafts are
    watermarked and not recorded) and prints a summary. An existing version is never
    overwritten: re-issuing a period needs --restate --reason "..." and writes the next
    version.
    """
    from carbon.workflow.jobs import parse_issue_date, write_demo_report

    written = write_demo_report(
        out,
        period,
        status=_status(status, draft),
        issue_date=parse_issue_date(issue_date),
        restate=restate,
        reason=reason,
        baseline=baseline,
    )
    _print_summary(written.results, written.path)
    _print_restatement(written.manifest)


@app.command()
def validate(
    site: Annotated[Path, typer.Option("--site", help="The site's TOML file.")],
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="YYYY-MM", help="Check one month only (local time)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Read everything a site declares and print the data-quality summary.

    Exit status: 0 clean, 1 data problems found, 2 configuration or usage error.
    """
    from carbon.workflow.jobs import validate_site

    found = validate_site(site, period)
    if as_json:
        import json

        typer.echo(json.dumps(found.summary, indent=2, sort_keys=True))
    else:
        _print_quality(found.summary)
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
    baseline: BaselineOption = None,
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
) -> None:
    """Report a site for one month: the same pipeline as the demo, on the site's own files.

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/SITE/PERIOD/v1/ and records an issued version in OUT/ledger.sqlite (drafts are
    watermarked and not recorded). An existing
    version is never overwritten: re-issuing a period needs --restate --reason "..."
    and writes the next version. With --fleet instead of --site, every site of the
    fleet file is reported and a fleet summary (JSON and CSV) is written.
    """
    from carbon.workflow.jobs import parse_issue_date, write_site_report

    if fleet is not None or site is None or not period or scheduler is not None or workers:
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

    written = write_site_report(
        site,
        period,
        out,
        status=_status(status, draft),
        issue_date=parse_issue_date(issue_date),
        restate=restate,
        reason=reason,
        baseline=baseline,
    )
    if as_json:
        typer.echo((written.path / "results.json").read_text(encoding="utf-8"), nl=False)
    else:
        _print_summary(written.results, written.path)
        _print_restatement(written.manifest)


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
    baseline: str | None = None,
    workers: int | None = None,
) -> None:
    """``carbon report --fleet``: every site with a progress bar, then the fleet summary."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from carbon.core.errors import ConfigError
    from carbon.workflow.fleet import load_fleet, run_fleet
    from carbon.workflow.jobs import _check_options, parse_issue_date

    if (site is None) == (fleet is None):
        raise ConfigError("give either --site FILE or --fleet FILE (one of them)")
    if not period:
        raise ConfigError("--period YYYY-MM is required")
    if scheduler is not None and fleet is None:
        raise ConfigError("--scheduler is used with --fleet only")
    if workers is not None and fleet is None:
        raise ConfigError("--workers is used with --fleet only")
    if restate:
        raise ConfigError("--restate applies to one site: use --site with --restate --reason")
    if as_json:
        raise ConfigError("--json applies to one site; a fleet run writes summary.json")
    _check_options(status, False, None)
    when = parse_issue_date(issue_date)
    console = Console(stderr=True)
    failures: list[tuple[str, str]] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task(f"fleet {period}", total=len(load_fleet(fleet).sites))

        def advance(listed: str, row: dict) -> None:
            if row["status"] != "ok":
                failures.append((listed, row["error"]))
                bar.console.print(
                    f"[red]failed[/red] {escape(listed)}: {escape(str(row['error']))}", markup=True
                )
            bar.update(task, advance=1, description=f"fleet {period}: {escape(listed)}")

        done = run_fleet(
            fleet,
            period,
            out,
            status=status,
            issue_date=when,
            scheduler=scheduler,
            progress=advance,
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the findings as JSON.")] = False,
) -> None:
    """Check a disclosure PDF: embedded files, hashes, the ledger and, with inputs, every figure.

    Exit status: 0 when every check holds, 1 with the list of what differs.
    """
    from carbon.workflow.verify import verify_pdf

    found = verify_pdf(pdf, inputs=inputs, ledger=ledger, recompute=not no_recompute)
    if as_json:
        import json

        typer.echo(json.dumps(found.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        _print_verification(found)
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
    out: Annotated[
        Path, typer.Option("--out", help="Report root holding ledger.sqlite.")
    ] = Path("reports"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the versions as JSON.")] = False,
) -> None:
    """List the issued versions of a site recorded in OUT/ledger.sqlite (drafts are not recorded).

    Exit status: 0, or 1 when the ledger's hash chain does not hold.
    """
    from carbon.ledger.history import site_history

    chosen = [x for x in (site, site_id, demo_site or None) if x is not None]
    if len(chosen) != 1:
        raise typer.BadParameter("give exactly one of --site FILE, --site-id ID or --demo")
    if site is not None:
        from carbon.site.load import load_site

        name = load_site(site).site.id
    elif demo_site:
        from carbon.demo.site import demo_site as build_demo_site

        name = build_demo_site().site.id
    else:
        name = str(site_id)
    found = site_history(out, name)
    if as_json:
        import json

        typer.echo(json.dumps(found.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
    else:
        _print_history(found)
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
    from carbon.workflow.rollup import write_rollup

    if (site is None) == (not demo_site):
        raise typer.BadParameter("give exactly one of --site FILE or --demo")
    if (fiscal_year is None) == (quarter is None):
        raise typer.BadParameter("give exactly one of --fiscal-year FY2025 or --quarter FY2025-Q3")
    label = fiscal_year or str(quarter)
    if fiscal_year is not None and "-Q" in fiscal_year:
        raise typer.BadParameter("--fiscal-year takes FY2025; use --quarter for FY2025-Q3")
    if quarter is not None and "-Q" not in quarter:
        raise typer.BadParameter("--quarter takes FY2025-Q3; use --fiscal-year for FY2025")
    if demo_site:
        from carbon.workflow.jobs import demo_site_data

        data, _ = demo_site_data()
    else:
        from carbon.workflow.jobs import site_data

        data = site_data(site)
    written = write_rollup(data, label, out)
    if as_json:
        import json

        typer.echo(json.dumps(written.document, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        this = written.document["period"]
        sums, intensity = this["sums"], this["intensities"]
        typer.echo(f"{label} ({this['months'][0]} to {this['months'][-1]})")
        energy = sums["energy_kwh.total"]
        typer.echo(f"Energy: {energy / 1000:,.1f} MWh; PUE {intensity['pue']:.3f}")
        typer.echo(
            f"Scope 2: {sums['scope2_location_kgco2e.total'] / 1000:,.1f} t CO2e location-based, "
            f"{sums['scope2_market_kgco2e.total'] / 1000:,.1f} t CO2e market-based"
        )
        comparative = written.document["comparative"]
        typer.echo(
            f"Comparative {comparative['label']}: "
            + ("included" if comparative.get("available") else comparative["reason"])
        )
        typer.echo(f"Written: {written.path}")


def _print_history(found) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    table = Table(
        title=escape(f"Issued versions of {found.site_id} ({found.ledger})"),
        caption="PDF SHA-256 shortened; --json prints it in full",
    )
    for header in ("Period", "Ver.", "Issue date", "Report id", "PDF SHA-256", "Restated by"):
        table.add_column(header, overflow="fold")
    for v in found.versions:
        table.add_row(
            *(
                escape(str(x))
                for x in (
                    v["period"],
                    f"v{v['version']}",
                    v["issue_date"],
                    v["report_id"],
                    f"{str(v['pdf_sha256'])[:12]}…",
                    v["restated_by"] or "in force",
                )
            )
        )
    console.print(table)
    for v in found.versions:
        if v["supersedes"]:
            console.print(
                f"{escape(str(v['report_id']))} restates {escape(str(v['supersedes']))}: "
                f"{escape(str(v['reason']))}"
            )
    if not found.versions:
        console.print(f"No issued version of {escape(found.site_id)} is recorded.")
    if found.chain_problems:
        console.print(f"[bold]Ledger hash chain broken ({len(found.chain_problems)}):[/bold]")
        for line in found.chain_problems:
            console.print(f"  - {escape(line)}")
    else:
        console.print("Ledger hash chain: intact.")


def _print_restatement(manifest: dict | None) -> None:
    restatement = (manifest or {}).get("restatement")
    if not restatement:
        return
    changes = restatement["changed_figures"]
    typer.echo(
        f"Restates {restatement['supersedes']['report_id']} ({restatement['reason']}): "
        f"{len(changes)} figure(s) changed"
    )
    for change in changes[:20]:
        typer.echo(f"  {change['path']}: {change['old']} -> {change['new']}")
    if len(changes) > 20:
        typer.echo(f"  ... and {len(changes) - 20} more (manifest.json, restatement)")


def _print_verification(found) -> None:
    marks = {True: "ok  ", False: "FAIL", None: "--  "}
    typer.echo(f"{found.pdf} ({found.report_id or 'unknown report'})")
    typer.echo(f"SHA-256 {found.sha256}")
    for check in found.checks:
        typer.echo(f"  {marks[check.ok]} {check.name}: {check.detail}")
    for diff in found.differing_inputs:
        if "manifest_sha256" in diff:
            typer.echo(
                f"  input changed: {diff['input']}: {diff['manifest_sha256']} -> "
                f"{diff['now_sha256']}"
            )
        else:
            typer.echo(f"  input changed: {diff['input']}: {diff['manifest']} -> {diff['now']}")
    for diff in found.differing_figures:
        typer.echo(f"  differs: {diff['path']}: {diff['old']} -> {diff['new']}")
    for note in found.notes:
        typer.echo(f"  note: {note}")
    if found.ok:
        typer.echo("Verified: every check holds.")
    else:
        typer.echo(f"NOT verified: {len(found.failures)} check(s) failed.")


def _print_quality(summary: dict) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    span = summary["data_span"]
    table = Table(
        title=escape(f"Data quality: {summary['site']} ({span['start']} to {span['end']})")
    )
    for header in (
        "Meter",
        "Role",
        "Expected",
        "Present",
        "Missing",
        "Negative",
        "Estimated",
        "Duplicates",
        "Conflicting",
        "Rows read",
    ):
        table.add_column(header, justify="left" if header in ("Meter", "Role") else "right")
    for m in summary["quality"]["meters"]:
        table.add_row(
            m["id"],
            m["role"],
            str(m["expected_intervals"]),
            str(m["present"]),
            str(m["missing"]),
            str(m["negatives"]),
            str(m["estimated"]),
            str(m["duplicates"]),
            str(m["conflicting"]),
            str(m["rows_read"]),
        )
    console.print(table)
    for rec in summary["reconciliation"]:
        share = rec["residual_share"]
        console.print(
            f"Reconciliation {rec['parent']} vs {', '.join(rec['children'])}: residual "
            f"{rec['residual_kwh']:,.1f} kWh"
            + (f" ({share:.2%})" if share is not None else "")
            + f", {rec['breaches']} interval(s) beyond {rec['tolerance']:.1%}"
        )
    if summary["problems"]:
        console.print(f"[bold]{len(summary['problems'])} data problem(s):[/bold]")
        for line in summary["problems"]:
            console.print(f"  - {escape(line)}")
    else:
        console.print("No data problems found.")


def _market_cell(results: dict, key: str) -> str:
    """Market-based Scope 2 (2015 annual matching) of one row, in t CO2e; blank if absent."""
    value = (results.get("scope2_market_kgco2e") or {}).get(key)
    return "" if value is None else f"{value / 1000:,.1f}"


def _print_summary(results: dict, path: Path) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    period = results["period"]
    table = Table(
        title=escape(f"{results['site']['name']} — {period['label']} ({period['timezone']})")
    )
    for header in (
        "Workload",
        "Energy [MWh]",
        "IT energy [MWh]",
        "Scope 2 location-based [t CO2e]",
        "Scope 2 market-based [t CO2e]",
    ):
        table.add_column(escape(header), justify="left" if header == "Workload" else "right")
    names = {"mining": "Mining", "ai": "AI hosting", "other": "Unallocated", "total": "Total"}
    for key in ("mining", "ai", "other", "total"):
        energy = results["energy_kwh"].get(key)
        if energy is None or (key == "other" and energy == 0):
            continue
        it = results["it_energy_kwh"].get(key)
        table.add_row(
            names[key],
            f"{energy / 1000:,.1f}",
            "" if it is None else f"{it / 1000:,.1f}",
            f"{results['scope2_location_kgco2e'][key] / 1000:,.1f}",
            _market_cell(results, key),
        )
    console = Console()
    console.print(table)
    pue = results["kpis"]["pue"]
    if pue is not None:
        console.print(f"PUE (interim, {period['label']}): {pue:.3f}")
    console.print(f"Written: {path}")


def main() -> None:
    """Console-script entry point: usage errors exit 2, domain errors with their own code."""
    try:
        app()
    except CarbonError as exc:
        if _state["debug"]:
            raise
        typer.echo(f"carbon: error: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None


if __name__ == "__main__":
    main()
