"""The command line: thin. Parse, call the workflow, print.

Domain errors become a short message on stderr and a distinct exit code
(1 data problem, 2 configuration or usage); ``--debug`` shows the traceback.
Heavy libraries are imported inside the commands so ``carbon --help`` is instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from carbon import __version__
from carbon.errors import CarbonError

app = typer.Typer(
    name="carbon",
    help="Energy and carbon accounting for data centres moving from Bitcoin mining to AI hosting.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_state = {"debug": False}


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
        Path, typer.Option("--out", help="Output root; the report goes to OUT/demo/PERIOD/v1/.")
    ] = Path("reports"),
) -> None:
    """Run the embedded demo site (no files needed) and write a draft disclosure.

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/demo/PERIOD/v1/ and prints a summary. An existing version folder is never
    overwritten.
    """
    from carbon.workflow import write_demo_report

    written = write_demo_report(out, period)
    _print_summary(written.results, written.path)


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
    from carbon.workflow import validate_site

    found = validate_site(site, period)
    if as_json:
        import json

        typer.echo(json.dumps(found.summary, indent=2, sort_keys=True))
    else:
        _print_quality(found.summary)
    raise typer.Exit(1 if found.problems else 0)


@app.command()
def report(
    site: Annotated[Path, typer.Option("--site", help="The site's TOML file.")],
    period: Annotated[str, typer.Option("--period", metavar="YYYY-MM", help="Month to report.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output root; the report goes to OUT/SITE/PERIOD/v1/.")
    ] = Path("reports"),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print results.json to stdout instead of the summary.")
    ] = False,
) -> None:
    """Report a site for one month: the same pipeline as the demo, on the site's own files.

    Writes disclosure.pdf, results.json, results.csv and manifest.json to
    OUT/SITE/PERIOD/v1/; an existing version folder is never overwritten.
    """
    from carbon.workflow import write_site_report

    written = write_site_report(site, period, out)
    if as_json:
        typer.echo((written.path / "results.json").read_text(encoding="utf-8"), nl=False)
    else:
        _print_summary(written.results, written.path)


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
