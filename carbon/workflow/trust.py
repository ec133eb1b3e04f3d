"""Signed reports and an anchored ledger: the jobs and the checks ``carbon verify`` adds.

Jobs: ``carbon keys new`` (:func:`new_keys`), ``carbon ledger checkpoint``
(:func:`ledger_checkpoint`), ``carbon ledger repair`` (:func:`repair_ledger`).

Checks, which :func:`trust_checks` returns for ``carbon verify`` to report:

- **signature**: with ``--public-key``, the embedded ``signature.json`` is an Ed25519
  signature of the embedded ``manifest.json`` by that key (fails when absent, by another
  key, or over other bytes), and it is the signature the ledger row recorded; without a
  key, a signed report is reported as not checked, naming its key's fingerprint;
- **ledger anchor**: the ledger still holds the head the manifest recorded at issue (the
  row the version took, the hash it chained onto, the row before);
- **checkpoint**: with ``--checkpoint``, the ledger holds the published head at its row
  and every later row chains from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from carbon.core.errors import ConfigError
from carbon.ledger.anchor import check_anchor, check_checkpoint, checkpoint, load_checkpoint
from carbon.ledger.index import entries_for, ledger_path, read_ledger
from carbon.ledger.repair import missing_versions, repair_missing
from carbon.ledger.signing import (
    SIGNATURE_FILE,
    check_signature,
    fingerprint,
    load_public_key,
    new_key_pair,
    write_new,
)
from carbon.report.disclosure import recorded_from_manifest

__all__ = [
    "ledger_checkpoint",
    "missing_folders",
    "new_keys",
    "recorded_for_render",
    "repair_ledger",
    "trust_checks",
]


# --------------------------------------------------------------------------- jobs


def new_keys(out: Path) -> dict[str, str]:
    """``carbon keys new``: a new Ed25519 key pair in `out`; the paths and the fingerprint."""
    private, public = new_key_pair(out)
    return {
        "private_key": str(private),
        "public_key": str(public),
        "fingerprint": fingerprint(load_public_key(public)),
    }


def _ledger(reports: Path) -> Path:
    path = ledger_path(reports)
    if not path.is_file():
        raise ConfigError(
            f"no ledger at {path} (--reports names the report root holding ledger.sqlite)",
            path=path,
            reason="no-ledger",
        )
    return path


def ledger_checkpoint(reports: Path, out: Path | None = None) -> dict[str, Any]:
    """``carbon ledger checkpoint``: the head of the ledger under `reports`, to publish.

    Written to `out` when given (atomically; an existing file is never overwritten).
    """
    data = checkpoint(_ledger(reports))
    if out is not None:
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_new(Path(out), text.encode("utf-8"), 0o644)
    return data


def missing_folders(reports: Path) -> list[dict[str, Any]]:
    """The issued versions under `reports` whose folder is missing and not yet repaired."""
    return missing_versions(Path(reports)) if ledger_path(reports).is_file() else []


def repair_ledger(reports: Path, reason: str) -> list[dict[str, Any]]:
    """``carbon ledger repair``: record every missing issued folder in the ledger; the rows."""
    _ledger(reports)
    return repair_missing(Path(reports), reason)


# --------------------------------------------------------------------------- verify


def recorded_for_render(manifest: dict[str, Any]) -> dict[str, Any]:
    """What the disclosure's audit sections read from the manifest beside the results."""
    return recorded_from_manifest(manifest)


#: One check's outcome: name, ok (True, False, or None when not checked) and detail.
Finding = tuple[str, bool | None, str]


def _check_signature(
    files: dict[str, bytes],
    manifest: dict[str, Any],
    public_key: Path | None,
    row: dict[str, Any] | None,
) -> Finding | None:
    signature = files.get(SIGNATURE_FILE)
    problems = []
    key = load_public_key(public_key) if public_key is not None else None
    if key is not None:
        problems = check_signature(key, files["manifest.json"], signature)
    elif signature is None and isinstance(manifest.get("signing"), dict):
        problems = [f"the manifest records a signature, but the PDF embeds no {SIGNATURE_FILE}"]
    recorded = (row or {}).get("signature")
    if signature is not None and isinstance(recorded, dict):
        try:
            embedded = json.loads(signature).get("signature")
        except (ValueError, AttributeError):
            embedded = None
        if embedded != recorded.get("signature"):
            problems.append(
                f"the embedded {SIGNATURE_FILE} is not the signature the ledger row recorded"
            )
    if problems:
        return "signature", False, "; ".join(problems)
    if key is not None:
        return "signature", True, f"manifest.json is signed (Ed25519) by the key {fingerprint(key)}"
    if signature is not None:
        named = (manifest.get("signing") or {}).get("public_key_fingerprint")
        return "signature", None, f"signed by key {named}; pass --public-key FILE to check it"
    return None


def _check_anchor(
    manifest: dict[str, Any], report_id: str, entries: list[dict[str, Any]]
) -> Finding | None:
    anchor = manifest.get("ledger_anchor")
    if not isinstance(anchor, dict) or not entries_for(entries, report_id):
        return None  # no anchor recorded, or no row (the ledger check has said so)
    problems = check_anchor(entries, report_id, anchor)
    if problems:
        return "ledger anchor", False, "; ".join(problems)
    head = anchor["head_at_issue"]
    return (
        "ledger anchor",
        True,
        f"the ledger holds the head recorded at issue (row {head['seq']}, "
        f"{str(head['entry_hash'])[:16]}…) and the report's row {anchor['row']} chains onto it",
    )


def _check_checkpoint(
    path: Path, ledger: Path | None, report_id: str, entries: list[dict[str, Any]]
) -> Finding:
    published = load_checkpoint(path)
    if ledger is None:
        return (
            "checkpoint",
            False,
            f"no ledger to check the checkpoint {path} against (pass --ledger FILE)",
        )
    ok, detail = check_checkpoint(ledger, published)
    mine = entries_for(entries, report_id)
    if ok and mine:
        seq = int(mine[-1]["seq"])
        covered = seq <= int(published["rows"])
        detail += f"; the report's row {seq} is " + ("covered by it" if covered else "after it")
    return "checkpoint", ok, detail


def trust_checks(
    files: dict[str, bytes],
    manifest: dict[str, Any],
    *,
    report_id: str,
    ledger: Path | None,
    public_key: Path | None = None,
    checkpoint_file: Path | None = None,
) -> list[Finding]:
    """The signature, ledger-anchor and checkpoint checks of one PDF (see the module).

    `files` are the PDF's embedded files; `ledger` the ledger index found for it (None
    when there is none).
    """
    entries = read_ledger(ledger) if ledger is not None else []
    mine = entries_for(entries, report_id)
    found = [
        _check_signature(files, manifest, public_key, mine[-1] if mine else None),
        _check_anchor(manifest, report_id, entries),
    ]
    if checkpoint_file is not None:
        found.append(_check_checkpoint(Path(checkpoint_file), ledger, report_id, entries))
    return [f for f in found if f is not None]
