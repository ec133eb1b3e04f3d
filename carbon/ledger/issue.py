"""Issuing a report version: the version folder and its ledger row, both or neither.

An issued version is written in this order, under the report root's lock:

1. ``BEGIN IMMEDIATE`` on the ledger index and insert the version's row (not yet
   committed; a second issue of the same version fails here, before any file);
2. write the files into a temporary sibling folder, flush them, and rename it
   to ``<root>/<site>/<period>/v<N>/`` (one step, never over an existing folder);
3. commit the row.

A process that dies before step 3 leaves no row (SQLite rolls the uncommitted
row back) and, at most, a complete folder that the ledger does not know, or a
temporary folder. Readers take the ledger as the record: such a folder is not
an issued version (:func:`carbon.ledger.index.latest_version` skips it), and the next
issue under the same root sets it aside with :func:`recover` before numbering.
Drafts are written as folders only and never recorded.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path
from typing import Any

from carbon.core.errors import LedgerConflictError
from carbon.ledger.folders import existing_versions, write_version
from carbon.ledger.index import folder_status, ledger_path, recorded_versions, recording

__all__ = ["UNRECORDED_PREFIX", "issue_version", "recover", "unrecorded_versions"]

log = logging.getLogger(__name__)

#: Name prefix of a version folder set aside because the ledger never recorded it.
UNRECORDED_PREFIX = ".unrecorded-"

_STAGING = re.compile(r"^\.v[1-9][0-9]*\.tmp-")


def _fsync_dir(folder: Path) -> None:
    """Flush a directory entry (the rename) to disk where the OS allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - not POSIX
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def unrecorded_versions(root: Path, site_id: str, period_label: str) -> list[Path]:
    """Version folders of a period that are neither recorded nor drafts."""
    recorded = recorded_versions(root, site_id, period_label)
    found = []
    for number in existing_versions(root, site_id, period_label):
        folder = Path(root) / site_id / period_label / f"v{number}"
        if number not in recorded and folder_status(folder) != "draft":
            found.append(folder)
    return found


def recover(root: Path, site_id: str, period_label: str) -> list[Path]:
    """Set aside what an interrupted issue left behind; the folders moved, in order.

    A version folder that is not a draft and has no ledger row was never issued:
    it is renamed to ``<period>/.unrecorded-v<N>`` (``-2``, ``-3``... when taken)
    so that its number can be issued properly; temporary ``.v<N>.tmp-*`` folders
    are removed. Call with the root's lock held.
    """
    period_dir = Path(root) / site_id / period_label
    if not period_dir.is_dir():
        return []
    for entry in sorted(period_dir.iterdir()):
        if entry.is_dir() and _STAGING.match(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
    moved = []
    for folder in unrecorded_versions(root, site_id, period_label):
        target = period_dir / f"{UNRECORDED_PREFIX}{folder.name}"
        n = 1
        while target.exists():
            n += 1
            target = period_dir / f"{UNRECORDED_PREFIX}{folder.name}-{n}"
        os.rename(folder, target)
        log.warning(
            "%s was written but never recorded in the ledger (an issue was interrupted); "
            "set aside as %s",
            folder,
            target.name,
        )
        moved.append(target)
    if moved:
        _fsync_dir(period_dir)
    return moved


def issue_version(
    root: Path,
    site_id: str,
    period_label: str,
    version: int,
    files: dict[str, bytes],
    entry: dict[str, Any] | None,
    *,
    anchor_hash: str | None = None,
) -> tuple[Path, dict[str, Any] | None]:
    """Write a version folder and, for an issued version, its ledger row atomically.

    Parameters
    ----------
    files
        File name → bytes of the version folder (names may contain ``/`` for a
        subfolder, e.g. ``tenants/t1.pdf``).
    entry
        The ledger entry; ``None`` for a draft (folder only, no row).
    anchor_hash
        The ledger head the version's manifest records (``ledger_anchor``): the row must
        chain onto it, or nothing is written (another writer appended a row meanwhile).

    Returns
    -------
    The folder written and the stored ledger row (None for a draft).

    Raises
    ------
    carbon.core.errors.LedgerConflictError
        The version is already recorded (another run issued it first), or the ledger's
        head is no longer `anchor_hash`.
    carbon.core.errors.OutputExistsError
        The folder already exists.
    """
    if entry is None:
        return write_version(root, site_id, period_label, version, files), None
    written: Path | None = None
    try:
        with recording(ledger_path(root), entry) as row:
            if anchor_hash is not None and row["prev_hash"] != anchor_hash:
                raise LedgerConflictError(
                    f"{entry['report_id']}: the ledger's head moved while the version was "
                    f"prepared (it records head {anchor_hash}, the ledger is now at "
                    f"{row['prev_hash']}: another run appended a row); nothing was written. "
                    "Issue it again."
                )
            written = write_version(root, site_id, period_label, version, files)
            _fsync_dir(written.parent)
    except BaseException:
        if written is not None and written.exists():  # the commit failed after the rename
            recover(root, site_id, period_label)
        raise
    return written, row
