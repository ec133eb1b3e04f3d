"""An issued version whose folder is gone: diagnosed as missing, and the loss recorded.

The ledger is the record of what was issued; a version folder deleted or lost afterwards
leaves a row without its files. Issuing the period again then stops with
:class:`~carbon.core.errors.MissingVersionError`, naming the folder and the ledger row,
instead of a misleading "already exists". ``carbon ledger repair`` appends one *repair
row* per missing folder (status ``repair``; version ``-N`` for the lost ``vN``, so that
``UNIQUE(site_id, period, version)`` allows one repair per version; the report id, the
folder, the PDF's SHA-256 and the reason). Nothing is renumbered and no row changes: the
lost version keeps its number and its row, and the next version of the period is a
restatement of it (``--restate --reason``) that says its figures could not be compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from carbon.core.errors import ConfigError, MissingVersionError
from carbon.ledger.folders import version_dir
from carbon.ledger.index import append_entry, ledger_lock, ledger_path, read_ledger

__all__ = [
    "REPAIR_STATUS",
    "lost_restatement",
    "missing_error",
    "missing_versions",
    "repair_missing",
    "repair_row",
]

REPAIR_STATUS = "repair"


def repair_row(
    entries: Sequence[dict[str, Any]], site_id: str, period_label: str, version: int
) -> dict[str, Any] | None:
    """The repair row recording that version `version` of a period is missing, if any."""
    for entry in entries:
        if (
            entry.get("status") == REPAIR_STATUS
            and entry.get("site_id") == site_id
            and entry.get("period") == period_label
            and entry.get("repaired_version") == version
        ):
            return entry
    return None


def missing_versions(
    root: Path, site_id: str | None = None, period_label: str | None = None
) -> list[dict[str, Any]]:
    """The ledger rows of issued versions whose folder is missing and not yet repaired.

    Limited to one site and period where given; in ledger order.
    """
    entries = read_ledger(ledger_path(root))
    found = []
    for entry in entries:
        if entry.get("status") != "issued":
            continue
        site, period = str(entry.get("site_id")), str(entry.get("period"))
        if (site_id is not None and site != site_id) or (
            period_label is not None and period != period_label
        ):
            continue
        version = int(entry["version"])
        if version_dir(root, site, period, version).is_dir():
            continue
        if repair_row(entries, site, period, version) is None:
            found.append(entry)
    return found


def missing_error(root: Path, entry: dict[str, Any]) -> MissingVersionError:
    """The error that names a missing version folder and its ledger row."""
    folder = version_dir(root, str(entry["site_id"]), str(entry["period"]), int(entry["version"]))
    return MissingVersionError(
        f"{folder} is missing: the ledger ({ledger_path(root)}, row {entry.get('seq')}) records "
        f"{entry.get('report_id')} as issued on {entry.get('issue_date')} (PDF SHA-256 "
        f"{entry.get('pdf_sha256')}), but its version folder is not there. Restore the folder "
        f"from a backup, or record the loss with carbon ledger repair --reports {root} --reason "
        '"..." and then re-issue the period with --restate --reason "..." (the version numbers '
        "already used are kept).",
        path=folder,
        line=entry.get("seq"),
    )


def repair_missing(root: Path, reason: str) -> list[dict[str, Any]]:
    """Append a repair row for every issued version whose folder is missing; the rows stored.

    Holds the report root's lock. Refuses an empty reason; returns ``[]`` when nothing is
    missing (and writes nothing).
    """
    if not (reason and reason.strip()):
        raise ConfigError(
            'carbon ledger repair needs --reason "..." (what happened to the folder)',
            reason="repair-without-reason",
        )
    rows = []
    with ledger_lock(root):
        for entry in missing_versions(root):
            site, period, version = str(entry["site_id"]), str(entry["period"]), entry["version"]
            folder = version_dir(root, site, period, int(version))
            rows.append(
                append_entry(
                    ledger_path(root),
                    {
                        "report_id": f"{entry['report_id']}-repair",
                        "site_id": site,
                        "period": period,
                        "version": -int(version),
                        "status": REPAIR_STATUS,
                        "issue_date": None,
                        "repairs": entry["report_id"],
                        "repaired_version": int(version),
                        "repaired_row": entry.get("seq"),
                        "finding": "version folder missing",
                        "folder": "/".join(folder.relative_to(Path(root)).parts),
                        "lost_pdf_sha256": entry.get("pdf_sha256"),
                        "reason": reason.strip(),
                    },
                )
            )
    return rows


def lost_restatement(
    root: Path, site_id: str, period_label: str, version: int, reason: str
) -> dict[str, Any] | None:
    """The restatement of a version whose folder was lost and repaired; None if it was not.

    It supersedes the lost version as the ledger recorded it; its figures and inputs
    cannot be compared (``changed_figures`` and ``changed_inputs`` are ``null``), and
    ``superseded_folder_missing`` names the repair row.
    """
    entries = read_ledger(ledger_path(root))
    repaired = repair_row(entries, site_id, period_label, version)
    if repaired is None:
        return None
    lost = next(e for e in entries if e.get("report_id") == repaired.get("repairs"))
    return {
        "supersedes": {
            "report_id": lost.get("report_id"),
            "version": lost.get("version"),
            "status": lost.get("status"),
            "issue_date": lost.get("issue_date"),
        },
        "reason": reason.strip(),
        "changed_figures": None,
        "changed_inputs": None,
        "superseded_folder_missing": {
            "folder": repaired.get("folder"),
            "repair_row": repaired.get("seq"),
            "repair_reason": repaired.get("reason"),
        },
    }
