"""The command line's ``carbon keys`` and ``carbon ledger`` sub-commands.

Signing keys (``keys new``) and the ledger's upkeep (``ledger checkpoint``, ``ledger
repair``). Like :mod:`carbon.cli`, it imports only :mod:`carbon.workflow` (inside each
command, for start-up time) and :mod:`carbon.core`; errors reach :func:`carbon.cli.main`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["keys_app", "ledger_app"]

keys_app = typer.Typer(
    help="Signing keys: an Ed25519 key pair to sign issued reports with (--sign-key).",
    no_args_is_help=True,
)
ledger_app = typer.Typer(
    help="The ledger of issued reports: publish its head (checkpoint), record a lost folder "
    "(repair).",
    no_args_is_help=True,
)

ReportsOption = Annotated[
    Path,
    typer.Option("--reports", metavar="DIR", help="The report root holding ledger.sqlite."),
]


@keys_app.command("new")
def keys_new(
    out: Annotated[
        Path, typer.Option("--out", metavar="DIR", help="Folder to write the two key files to.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Generate an Ed25519 key pair: DIR/carbon-signing-key.pem (private, mode 0600) and
    DIR/carbon-signing-key.pub.pem (public, to hand to whoever verifies).

    Never overwrites an existing key file. Keep the private key secret and backed up: a
    report signed with it can be checked with the public key only
    (carbon verify --public-key).
    """
    from carbon import workflow  # start-up time (see carbon.cli)

    made = workflow.new_keys(out)
    if as_json:
        typer.echo(json.dumps(made, indent=2, sort_keys=True))
        return
    typer.echo(f"private key: {made['private_key']} (mode 0600; keep it secret)")
    typer.echo(f"public key:  {made['public_key']}")
    typer.echo(f"fingerprint: {made['fingerprint']}")


@ledger_app.command("checkpoint")
def ledger_checkpoint(
    reports: ReportsOption = Path("reports"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write the checkpoint to FILE (never overwritten). Default: print it.",
        ),
    ] = None,
) -> None:
    """Write the ledger's current head (row count, SHA-256, time) as JSON, to publish.

    Published somewhere the operator cannot rewrite (a filing, a letter to the auditor),
    it anchors the ledger: carbon verify --checkpoint FILE fails when the ledger no longer
    holds that hash at that row.
    """
    from carbon import workflow  # start-up time (see carbon.cli)

    data = workflow.ledger_checkpoint(reports, out)
    if out is None:
        typer.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        typer.echo(f"checkpoint of {data['rows']} row(s), head {data['head']}: {out}")


@ledger_app.command("repair")
def ledger_repair(
    reports: ReportsOption = Path("reports"),
    reason: Annotated[
        str | None,
        typer.Option("--reason", metavar="TEXT", help="What happened to the missing folder(s)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List the missing folders; record nothing.")
    ] = False,
) -> None:
    """Record in the ledger every issued version whose folder is missing (one repair row each).

    Nothing is deleted or renumbered: the lost version keeps its number and row, and the
    period is issued again with --restate --reason "..." as the next version.
    """
    from carbon import workflow  # start-up time (see carbon.cli)

    if dry_run:
        missing = workflow.missing_folders(reports)
        for entry in missing:
            typer.echo(
                f"missing: {entry['site_id']}/{entry['period']}/v{entry['version']} "
                f"({entry['report_id']}, ledger row {entry['seq']})"
            )
        typer.echo(f"{len(missing)} issued version folder(s) missing under {reports}")
        return
    rows = workflow.repair_ledger(reports, reason or "")
    for row in rows:
        typer.echo(f"recorded: {row['folder']} missing ({row['repairs']}), repair row {row['seq']}")
    if not rows:
        typer.echo(f"nothing to repair: every issued version under {reports} has its folder")
