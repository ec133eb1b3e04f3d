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


def _print_summary(results: dict, path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    period = results["period"]
    table = Table(title=f"{results['site']['name']} — {period['label']} ({period['timezone']})")
    for header in (
        "Workload",
        "Energy [MWh]",
        "IT energy [MWh]",
        "Scope 2 location-based [t CO2e]",
    ):
        table.add_column(header, justify="left" if header == "Workload" else "right")
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
