"""Anchoring the ledger outside its file: the head at issue, and published checkpoints.

The hash chain of ``ledger.sqlite`` shows a row edited in place, but whoever can write
the file can also drop its triggers, rewrite a row and recompute every later hash. Two
anchors outside the file catch that:

- **the head at issue**: each issued version's manifest (and the sign-off page of its
  PDF) records the ledger's head when it was issued (``head_at_issue``: the row count and
  the last row's ``entry_hash``, which the version's own row chains onto) and the head
  before that (``previous_head``), and the row it takes. A ledger rewritten before that
  row no longer holds those hashes; with the manifest signed, the forger cannot change
  what it records.
- **checkpoints**: ``carbon ledger checkpoint`` writes the current head (row count,
  ``entry_hash``, the time) as a small JSON file to publish, e.g. in a filing.
  ``carbon verify --checkpoint`` checks that the ledger still holds that hash at that
  row, and that every later row chains from it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from carbon.core.errors import InputDataError
from carbon.ledger.index import GENESIS_HASH, INDEX_NAME, entries_for, read_ledger, verify_chain

__all__ = [
    "CHECKPOINT_FORMAT",
    "check_anchor",
    "check_checkpoint",
    "checkpoint",
    "issue_anchor",
    "load_checkpoint",
]

CHECKPOINT_FORMAT = "carbon-ledger-checkpoint/1"


def _head(entries: Sequence[dict[str, Any]], rows: int) -> dict[str, Any]:
    """The head after the first `rows` rows: ``seq`` and ``entry_hash`` (genesis for 0)."""
    if rows <= 0:
        return {"seq": 0, "entry_hash": GENESIS_HASH}
    return {"seq": rows, "entry_hash": str(entries[rows - 1]["entry_hash"])}


def issue_anchor(ledger: Path) -> dict[str, Any]:
    """What a version about to be issued into `ledger` records of it.

    ``row`` (the sequence number its row will take), ``head_at_issue`` (the ledger's
    last row, ``seq`` and ``entry_hash``, which the new row chains onto; ``seq`` 0 and
    64 zeros for an empty ledger) and ``previous_head`` (the row before that; ``null``
    for an empty ledger). Call with the report root's lock held.
    """
    entries = read_ledger(ledger)
    count = len(entries)
    return {
        "row": count + 1,
        "head_at_issue": _head(entries, count),
        "previous_head": _head(entries, count - 1) if count else None,
    }


def check_anchor(
    entries: Sequence[dict[str, Any]], report_id: str, anchor: dict[str, Any]
) -> list[str]:
    """Where the ledger no longer holds what an issued version recorded of it at issue."""
    mine = entries_for(entries, report_id)
    if not mine:
        return [f"the ledger has no row for {report_id}"]
    row = mine[-1]
    head = anchor.get("head_at_issue") or {}
    problems = []
    if row.get("seq") != anchor.get("row"):
        problems.append(
            f"{report_id} is row {row.get('seq')} of the ledger, but was issued as row "
            f"{anchor.get('row')} (rows were inserted or removed before it)"
        )
    if row.get("prev_hash") != head.get("entry_hash"):
        problems.append(
            f"the row of {report_id} chains onto {row.get('prev_hash')}, but the ledger's head "
            f"when it was issued was {head.get('entry_hash')} (the ledger before it was "
            "rewritten)"
        )
    for name in ("head_at_issue", "previous_head"):
        point = anchor.get(name)
        if not isinstance(point, dict) or not point.get("seq"):
            continue
        seq = int(point["seq"])
        now = entries[seq - 1].get("entry_hash") if 0 < seq <= len(entries) else None
        if now != point.get("entry_hash"):
            problems.append(
                f"row {seq} of the ledger hashes to {now}, but was {point.get('entry_hash')} "
                f"when {report_id} was issued ({name}): the ledger was rewritten"
            )
    return problems


def checkpoint(ledger: Path, at: datetime | None = None) -> dict[str, Any]:
    """The current head of `ledger` to publish: row count, hash, last report, time (UTC)."""
    entries = read_ledger(ledger)
    moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "format": CHECKPOINT_FORMAT,
        "ledger": INDEX_NAME,
        "rows": len(entries),
        "head": _head(entries, len(entries))["entry_hash"],
        "last_report_id": entries[-1].get("report_id") if entries else None,
        "written_at": moment.isoformat().replace("+00:00", "Z"),
    }


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint file written by :func:`checkpoint` (refused with its path when malformed)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputDataError(
            f"{path}: cannot read the checkpoint ({exc.strerror or exc})",
            path=path,
            reason="checkpoint",
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputDataError(
            f"{path}: not a ledger checkpoint (not JSON: {exc})", path=path, reason="checkpoint"
        ) from None
    rows = data.get("rows") if isinstance(data, dict) else None
    head = data.get("head") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("format") != CHECKPOINT_FORMAT
        or not isinstance(rows, int)
        or isinstance(rows, bool)
        or rows < 0
        or not isinstance(head, str)
        or len(head) != 64
    ):
        raise InputDataError(
            f"{path}: not a ledger checkpoint (expected a JSON object with format "
            f"{CHECKPOINT_FORMAT!r}, a row count 'rows' and a 64-hex 'head', as 'carbon ledger "
            "checkpoint' writes)",
            path=path,
            reason="checkpoint",
        )
    return data


def check_checkpoint(ledger: Path, published: dict[str, Any]) -> tuple[bool, str]:
    """Whether `ledger` still holds the `published` head at its row, and every later row
    chains from it; with what was found, for a person."""
    entries = read_ledger(ledger)
    rows, head = int(published["rows"]), str(published["head"])
    when = published.get("written_at") or "an unknown time"
    if len(entries) < rows:
        return False, (
            f"the checkpoint of {when} counted {rows} row(s); {ledger} has {len(entries)}: "
            "rows were removed"
        )
    now = _head(entries, rows)["entry_hash"]
    if now != head:
        return False, (
            f"row {rows} of {ledger} hashes to {now}; the checkpoint of {when} published {head}: "
            f"the ledger up to row {rows} was rewritten"
        )
    broken = verify_chain(ledger) if entries else []
    if broken:
        return False, (
            f"the checkpoint's head is at row {rows}, but the rows do not all chain: "
            + "; ".join(broken[:3])
        )
    later = len(entries) - rows
    return True, (
        f"row {rows} holds the head published in the checkpoint of {when} ({head[:16]}…); "
        f"{later} later row(s) chain from it"
    )
