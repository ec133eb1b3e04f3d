"""The report ledger: one append-only JSON Lines file per site, one line per written version.

``<root>/<site>/ledger.jsonl`` records every report version written under
``<root>/<site>/<period>/v<N>/``: report id, period, version, status, issue date,
the SHA-256 of the PDF and of the results, which version it supersedes and why,
and the certificate serials the version applied. A line is never rewritten:
a restatement appends a new line whose ``supersedes`` names the version it
replaces, so the history stays readable in the file itself.

``carbon verify`` checks a PDF's hash against the line of its report id; a
later report reads the serials of issued versions (:func:`prior_serial_uses`)
so that no certificate is claimed twice.

Figure comparison (:func:`diff_figures`) lives here too: restatements record
what changed, and ``verify`` lists what a recomputation does not reproduce.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from carbon.errors import InputDataError
from carbon.output import existing_versions

LEDGER_NAME = "ledger.jsonl"
LOCK_NAME = ".ledger.lock"

#: Keys of ``results.json`` that identify a version rather than measure anything;
#: they differ between versions by design and are not "figures".
IDENTITY_KEYS = ("report_id", "version", "status", "issue_date")

__all__ = [
    "IDENTITY_KEYS",
    "LEDGER_NAME",
    "append_entry",
    "diff_figures",
    "entries_for",
    "find_ledger",
    "latest_version",
    "ledger_lock",
    "ledger_path",
    "prior_serial_uses",
    "read_ledger",
    "serial_use_from_dict",
    "serial_use_to_dict",
    "sha256_hex",
    "superseded_by",
]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ledger_path(root: Path, site_id: str) -> Path:
    """Where a site's ledger lives: ``<root>/<site>/ledger.jsonl``."""
    return Path(root) / site_id / LEDGER_NAME


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Every line of a ledger, in order (an absent ledger is empty)."""
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputDataError(
                    f"{path}, line {number}: not a JSON object ({exc.msg})"
                ) from None
            if not isinstance(entry, dict):
                raise InputDataError(f"{path}, line {number}: not a JSON object")
            entries.append(entry)
    return entries


def append_entry(path: Path, entry: dict[str, Any]) -> None:
    """Append one line (canonical JSON) to the ledger and flush it to disk.

    The file is opened in append mode only: earlier lines are never rewritten.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
    with open(path, "ab") as handle:
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


@contextlib.contextmanager
def ledger_lock(root: Path, site_id: str) -> Iterator[None]:
    """Hold an exclusive lock on a site's ledger while a version is numbered and written.

    Two runs for the same site then cannot both take the same next version. The
    lock is advisory (``flock``) and a no-op where ``fcntl`` is not available.
    """
    folder = Path(root) / site_id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    with open(folder / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def latest_version(root: Path, site_id: str, period_label: str) -> int:
    """The highest version of a period written so far (folders or ledger), 0 if none."""
    versions = existing_versions(root, site_id, period_label)
    for entry in read_ledger(ledger_path(root, site_id)):
        if entry.get("period") == period_label and isinstance(entry.get("version"), int):
            versions.append(entry["version"])
    return max(versions, default=0)


def entries_for(entries: Sequence[dict[str, Any]], report_id: str) -> list[dict[str, Any]]:
    """The ledger lines of one report id (normally exactly one)."""
    return [e for e in entries if e.get("report_id") == report_id]


def superseded_by(entries: Sequence[dict[str, Any]], report_id: str) -> str | None:
    """The report id of the version that supersedes `report_id`, if any."""
    for entry in entries:
        if entry.get("supersedes") == report_id:
            return str(entry.get("report_id"))
    return None


def find_ledger(pdf: Path) -> Path | None:
    """The ledger of a PDF in a report tree: ``<root>/<site>/<period>/v<N>/x.pdf`` →
    ``<root>/<site>/ledger.jsonl`` (None when the PDF is not in such a tree)."""
    pdf = Path(pdf).resolve()
    candidate = pdf.parent.parent.parent / LEDGER_NAME
    return candidate if candidate.is_file() else None


# --------------------------------------------------------------------------- serials


def serial_use_to_dict(use: Any) -> dict[str, Any]:
    """A :class:`~carbon.instruments.SerialUse` as plain JSON data."""
    block = use.serials
    return {
        "instrument_id": use.instrument_id,
        "site_id": use.site_id,
        "consumption_start": use.consumption_start.isoformat(),
        "consumption_end": use.consumption_end.isoformat(),
        "registry": block.registry,
        "prefix": block.prefix,
        "first": block.first,
        "last": block.last,
        "width": block.width,
        "serial_start": block.serial(block.first),
        "serial_end": block.serial(block.last),
    }


def serial_use_from_dict(data: dict[str, Any]) -> Any:
    """The inverse of :func:`serial_use_to_dict`."""
    from carbon.instruments import SerialRange, SerialUse

    return SerialUse(
        instrument_id=str(data["instrument_id"]),
        site_id=str(data["site_id"]),
        consumption_start=datetime.fromisoformat(str(data["consumption_start"])),
        consumption_end=datetime.fromisoformat(str(data["consumption_end"])),
        serials=SerialRange(
            registry=str(data["registry"]),
            prefix=str(data["prefix"]),
            first=int(data["first"]),
            last=int(data["last"]),
            width=int(data["width"]),
        ),
    )


def _effective_issued(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issued lines that no later line supersedes."""
    replaced = {e.get("supersedes") for e in entries if e.get("supersedes")}
    return [
        e for e in entries if e.get("status") == "issued" and e.get("report_id") not in replaced
    ]


def prior_serial_uses(
    root: Path, site_id: str | None, exclude_period: str | None = None
) -> tuple[Any, ...]:
    """The serial blocks applied by issued report versions, for ``check_serials(prior_uses=)``.

    Parameters
    ----------
    root
        The report root (``--out``).
    site_id
        Read this site's ledger; ``None`` reads every ledger under `root` (a serial
        may not be claimed twice across sites either).
    exclude_period
        Leave out this period of `site_id` (the one being restated: its own earlier
        version is replaced, not a prior claim).

    Returns
    -------
    tuple of SerialUse
        From the issued versions still in force (a superseded version's serials
        are replaced by those of the version superseding it); drafts claim nothing.
    """
    root = Path(root)
    if site_id is None:
        paths = sorted(root.glob(f"*/{LEDGER_NAME}"))
    else:
        paths = [ledger_path(root, site_id)]
    uses = []
    for path in paths:
        for entry in _effective_issued(read_ledger(path)):
            if (
                exclude_period is not None
                and entry.get("period") == exclude_period
                and (site_id is None or entry.get("site_id") == site_id)
            ):
                continue
            for data in entry.get("serial_uses") or ():
                uses.append(serial_use_from_dict(data))
    return tuple(uses)


# --------------------------------------------------------------------------- figures


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same_number(a: float, b: float, rel: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


_LIST_KEYS = ("id", "instrument_id", "parent", "path", "meter")


def _list_key(items: list[Any]) -> str | None:
    """A key that names every item of a list of objects uniquely, if there is one."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in _LIST_KEYS:
        values = [i.get(key) for i in items]
        if all(isinstance(v, str) for v in values) and len(set(values)) == len(values):
            return key
    return None


def _leaves(value: Any, path: str) -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict):
        for key in sorted(value):
            yield from _leaves(value[key], f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        key = _list_key(value)
        for index, item in enumerate(value):
            name = item[key] if key else index
            yield from _leaves(item, f"{path}[{name}]")
    else:
        yield path, value


def diff_figures(
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    rel: float = 1e-9,
    numbers_only: bool = True,
    ignore: Iterable[str] = IDENTITY_KEYS,
) -> list[dict[str, Any]]:
    """The leaves of two results documents that differ, as ``{"path", "old", "new"}``.

    Numbers compare within relative tolerance `rel`; a leaf present on one side
    only appears with ``None`` on the other. Paths name list items by their id
    (``meters[REV].energy_kwh``) where the items have one, else by index.
    With `numbers_only`, leaves that are not numbers on either side are skipped
    (strings, booleans); top-level keys in `ignore` are always skipped.
    """
    skip = set(ignore)
    a = dict(_leaves({k: v for k, v in old.items() if k not in skip}, ""))
    b = dict(_leaves({k: v for k, v in new.items() if k not in skip}, ""))
    changes = []
    for path in sorted(set(a) | set(b)):
        x, y = a.get(path), b.get(path)
        if _is_number(x) and _is_number(y):
            if not _same_number(float(x), float(y), rel):
                changes.append({"path": path, "old": x, "new": y})
            continue
        if numbers_only and not (_is_number(x) or _is_number(y)):
            continue
        if (path in a) != (path in b) or x != y or type(x) is not type(y):
            changes.append({"path": path, "old": x, "new": y})
    return changes
