"""What the command line prints: summaries, tables and the fleet progress bar.

Text a user chose (site names and ids, meter ids, paths, reasons) is escaped before it
reaches rich, so that brackets in it print as written instead of being read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

if TYPE_CHECKING:
    from carbon.workflow import Verification
    from carbon.workflow.history import History

__all__ = [
    "fleet_progress",
    "print_history",
    "print_quality",
    "print_restatement",
    "print_rollup",
    "print_summary",
    "print_verification",
]


def print_history(found: History) -> None:
    """The issued versions of a site as a table, the restatements, and the hash chain's state."""
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
    for r in found.repairs:
        console.print(
            escape(
                f"{r['repairs']}: folder {r['folder']} missing, recorded in ledger row "
                f"{r['seq']}: {r['reason']}"
            )
        )
    if not found.versions:
        console.print(f"No issued version of {escape(found.site_id)} is recorded.")
    if found.chain_problems:
        console.print(f"[bold]Ledger hash chain broken ({len(found.chain_problems)}):[/bold]")
        for line in found.chain_problems:
            console.print(f"  - {escape(line)}")
    else:
        console.print("Ledger hash chain: intact.")


def print_restatement(manifest: dict | None) -> None:
    """What a restatement changed (nothing for a first version)."""
    restatement = (manifest or {}).get("restatement")
    if not restatement:
        return
    changes = restatement["changed_figures"]
    if changes is None:  # the superseded version's folder was lost: nothing to compare
        lost = restatement.get("superseded_folder_missing") or {}
        typer.echo(
            f"Restates {restatement['supersedes']['report_id']} ({restatement['reason']}), "
            f"whose folder {lost.get('folder')} is missing (ledger repair row "
            f"{lost.get('repair_row')}): no figures compared"
        )
        return
    typer.echo(
        f"Restates {restatement['supersedes']['report_id']} ({restatement['reason']}): "
        f"{len(changes)} figure(s) changed"
    )
    for change in changes[:20]:
        typer.echo(f"  {change['path']}: {change['old']} -> {change['new']}")
    if len(changes) > 20:
        typer.echo(f"  ... and {len(changes) - 20} more (manifest.json, restatement)")


def print_verification(found: Verification) -> None:
    """Each check of ``carbon verify`` and what differs."""
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
    for page in found.differing_pages:
        where = f"page {page['page']}" if page["page"] is not None else "document"
        section = f" ({page['section']})" if page["section"] else ""
        typer.echo(f"  {where}{section}: {page['problem']}")
    for note in found.notes:
        typer.echo(f"  note: {note}")
    if found.ok:
        typer.echo("Verified: every check holds.")
    else:
        typer.echo(f"NOT verified: {len(found.failures)} check(s) failed.")


def print_quality(summary: dict) -> None:
    """``carbon validate``'s data-quality table, reconciliations and problems."""
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
            escape(m["id"]),
            escape(m["role"]),
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
            f"Reconciliation {escape(rec['parent'])} vs {escape(', '.join(rec['children']))}: "
            f"residual "
            f"{rec['residual_kwh']:,.1f} kWh"
            + (f" ({share:.2%})" if share is not None else "")
            + f", {rec['breaches']} interval(s) beyond {rec['tolerance']:.1%}"
        )
    _print_plausibility(console, summary.get("plausibility"))
    for note in summary.get("notes") or ():
        console.print(f"Note: {escape(note)}")
    if summary["problems"]:
        console.print(f"[bold]{len(summary['problems'])} data problem(s):[/bold]")
        for line in summary["problems"]:
            console.print(f"  - {escape(line)}")
    else:
        console.print("No data problems found.")


def _print_plausibility(console: Console, found: dict | None) -> None:
    """The plausibility checks: intervals flagged per check (each finding is a problem)."""
    if not found:
        return
    counts = ", ".join(f"{name} {count}" for name, count in found["counts"].items())
    console.print(f"Plausibility: {found['total']} interval(s) flagged ({escape(counts)})")
    for note in found.get("notes", []):
        console.print(f"  note: {escape(note)}")


def _market_cell(results: dict, key: str) -> str:
    """Market-based Scope 2 (2015 annual matching) of one row, in t CO2e; blank if absent."""
    value = (results.get("scope2_market_kgco2e") or {}).get(key)
    return "" if value is None else f"{value / 1000:,.1f}"


def print_summary(results: dict, path: Path) -> None:
    """A written report's energy and Scope 2 per workload, its PUE and its folder."""
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
    leased = results.get("scope3_13_leased_assets") or {}
    if leased.get("parties"):  # tenants controlling their space (docs/methodology.md §1.1)
        names_13 = ", ".join(p["party"] for p in leased["parties"])
        console.print(
            f"Scope 3 cat. 13 ({escape(names_13)}, out of Scope 2 above): "
            f"{leased['location_kgco2e'] / 1000:,.1f} t CO2e location-based, "
            f"{leased['market_kgco2e'] / 1000:,.1f} t CO2e market-based"
        )
    pue = results["kpis"]["pue"]
    if pue is not None:
        console.print(f"PUE (interim, {period['label']}): {pue:.3f}")
    console.print(f"Written: {escape(str(path))}")


def print_rollup(label: str, document: dict[str, Any], path: Path) -> None:
    """A written roll-up's period, energy, PUE, Scope 2 and comparative."""
    this = document["period"]
    sums, intensity = this["sums"], this["intensities"]
    typer.echo(f"{label} ({this['months'][0]} to {this['months'][-1]})")
    energy = sums["energy_kwh.total"]
    typer.echo(f"Energy: {energy / 1000:,.1f} MWh; PUE {intensity['pue']:.3f}")
    typer.echo(
        f"Scope 2: {sums['scope2_location_kgco2e.total'] / 1000:,.1f} t CO2e location-based, "
        f"{sums['scope2_market_kgco2e.total'] / 1000:,.1f} t CO2e market-based"
    )
    comparative = document["comparative"]
    typer.echo(
        f"Comparative {comparative['label']}: "
        + ("included" if comparative.get("available") else comparative["reason"])
    )
    typer.echo(f"Written: {path}")


@contextmanager
def fleet_progress(period: str, total: int) -> Iterator[Callable[[str, dict[str, Any]], None]]:
    """A progress bar on stderr over a fleet's `total` sites; yields the callback that
    advances it by one site's row (printing a failed site's error above the bar)."""
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task(f"fleet {escape(period)}", total=total)

        def advance(listed: str, row: dict[str, Any]) -> None:
            if row["status"] != "ok":
                bar.console.print(
                    f"[red]failed[/red] {escape(listed)}: {escape(str(row['error']))}", markup=True
                )
            bar.update(task, advance=1, description=f"fleet {escape(period)}: {escape(listed)}")

        yield advance
