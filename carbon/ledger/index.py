"""The report ledger: an append-only SQLite index of issued reports, hash-chained.

One index per report root, ``<root>/ledger.sqlite``, records every *issued*
report version written under ``<root>/<site>/<period>/v<N>/`` (drafts are not
recorded): report id, site, period, version, issue date, the SHA-256 of the PDF,
of the results and of any tenant statements, which version it supersedes and
why, and the certificate serials the version applied. One index for the whole
root, so that a certificate serial claimed by any site or period is seen.

Rows are never updated or deleted (triggers refuse both). Each row stores
``prev_hash`` (the previous row's ``entry_hash``; 64 zeros for the first) and
``entry_hash = sha256(prev_hash + entry_json)``, where ``entry_json`` is the
canonical JSON of the entry including its sequence number; :func:`verify_chain`
recomputes the chain and names any row edited, deleted or reordered.
``UNIQUE(site_id, period, version)`` makes two concurrent issues of the same
version conflict: the one that commits first wins, the other gets
:class:`~carbon.core.errors.LedgerConflictError`.

Figure comparison (:func:`diff_figures`) lives here too: restatements record
what changed, and ``verify`` lists what a recomputation does not reproduce.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from carbon.accounting.serials import SerialUse
from carbon.core.errors import InputDataError, LedgerConflictError
from carbon.ledger.folders import existing_versions
from carbon.site.instruments import SerialRange

INDEX_NAME = "ledger.sqlite"
LEDGER_NAME = INDEX_NAME  # the name readers look for next to a report tree
LOCK_NAME = ".ledger.lock"
GENESIS_HASH = "0" * 64

#: Keys of ``results.json`` that identify a version rather than measure anything;
#: they differ between versions by design and are not "figures".
IDENTITY_KEYS = ("report_id", "version", "status", "issue_date")

__all__ = [
    "GENESIS_HASH",
    "IDENTITY_KEYS",
    "INDEX_NAME",
    "LEDGER_NAME",
    "append_entry",
    "canonical_json",
    "diff_figures",
    "entries_for",
    "find_ledger",
    "folder_status",
    "latest_version",
    "ledger_lock",
    "ledger_path",
    "plain",
    "prior_serial_uses",
    "read_ledger",
    "recorded_versions",
    "recording",
    "serial_use_from_dict",
    "serial_use_to_dict",
    "sha256_hex",
    "superseded_by",
    "verify_chain",
]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(entry: dict[str, Any]) -> str:
    """The one JSON text of an entry that its hash is taken over."""
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _entry_hash(prev_hash: str, entry_json: str) -> str:
    return sha256_hex((prev_hash + entry_json).encode("utf-8"))


def ledger_path(root: Path, site_id: str | None = None) -> Path:
    """Where the ledger index of a report root lives: ``<root>/ledger.sqlite``.

    One index serves every site under `root`; `site_id` is accepted for callers
    that name the site and does not change the path.
    """
    return Path(root) / INDEX_NAME


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    report_id TEXT NOT NULL UNIQUE,
    site_id TEXT NOT NULL,
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    entry_json TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    entry_hash TEXT NOT NULL UNIQUE,
    UNIQUE (site_id, period, version)
);
CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: rows are never updated'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: rows are never deleted'); END;
"""


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    path = Path(path)
    if not create and not path.is_file():
        raise FileNotFoundError(path)
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = sqlite3.connect(path, timeout=60.0, isolation_level=None)
        connection.execute("PRAGMA synchronous=FULL")
        if create:
            connection.executescript(_SCHEMA)
    except sqlite3.DatabaseError as exc:
        raise InputDataError(
            f"{path}: not a ledger index ({exc})", path=path, reason="not-a-ledger"
        ) from None
    return connection


def _insert(connection: sqlite3.Connection, entry: dict[str, Any]) -> dict[str, Any]:
    """Append `entry` inside the caller's transaction; the stored row as a dict."""
    for key in ("report_id", "site_id", "period", "version", "status"):
        if key not in entry:
            raise ValueError(f"a ledger entry needs {key!r}")
    row = connection.execute(
        "SELECT seq, entry_hash FROM entries ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    seq, prev_hash = (row[0] + 1, row[1]) if row else (1, GENESIS_HASH)
    stored = {**entry, "seq": seq}
    text = canonical_json(stored)
    digest = _entry_hash(prev_hash, text)
    try:
        connection.execute(
            "INSERT INTO entries (seq, report_id, site_id, period, version, status, entry_json,"
            " prev_hash, entry_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                str(entry["report_id"]),
                str(entry["site_id"]),
                str(entry["period"]),
                int(entry["version"]),
                str(entry["status"]),
                text,
                prev_hash,
                digest,
            ),
        )
    except sqlite3.IntegrityError:
        raise LedgerConflictError(
            f"{entry['site_id']} {entry['period']} v{entry['version']} "
            f"({entry['report_id']}) is already recorded in the ledger: another run issued it "
            "first; nothing was written by this run. Use --restate --reason to issue a new "
            "version."
        ) from None
    return {**stored, "prev_hash": prev_hash, "entry_hash": digest}


@contextlib.contextmanager
def recording(path: Path, entry: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Append `entry` in a transaction that commits only when the block succeeds.

    ``BEGIN IMMEDIATE`` takes the index's write lock before the row is numbered,
    so two writers cannot chain onto the same previous row; a second issue of the
    same site, period and version raises :class:`~carbon.core.errors.LedgerConflictError` before the
    block runs. Whatever the block does (write the version folder) happens while
    the row is pending; if the block raises, or the process dies, the row is
    rolled back and the ledger is as before.
    """
    connection = _connect(path, create=True)
    try:
        connection.execute("BEGIN IMMEDIATE")
        try:
            row = _insert(connection, entry)
            yield row
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    finally:
        connection.close()


def append_entry(path: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Append one entry to the ledger index (created if absent); the stored row."""
    with recording(path, entry) as row:
        return row


def _rows(path: Path) -> list[tuple]:
    connection = _connect(path, create=False)
    try:
        return connection.execute(
            "SELECT seq, report_id, site_id, period, version, status, entry_json, prev_hash,"
            " entry_hash FROM entries ORDER BY seq"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise InputDataError(
            f"{path}: not a ledger index ({exc})", path=path, reason="not-a-ledger"
        ) from None
    finally:
        connection.close()


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Every entry of a ledger index, in order (an absent index is empty).

    Each entry is the recorded JSON object plus ``seq``, ``prev_hash`` and
    ``entry_hash``.
    """
    path = Path(path)
    if not path.exists():
        return []
    entries = []
    for seq, *_, text, prev_hash, digest in _rows(path):
        try:
            entry = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputDataError(
                f"{path}, row {seq}: not a JSON object ({exc.msg})",
                path=path,
                line=seq,
                reason="ledger-row",
            ) from None
        if not isinstance(entry, dict):
            raise InputDataError(
                f"{path}, row {seq}: not a JSON object", path=path, line=seq, reason="ledger-row"
            )
        entries.append({**entry, "seq": seq, "prev_hash": prev_hash, "entry_hash": digest})
    return entries


def verify_chain(path: Path) -> list[str]:
    """The problems of a ledger index's hash chain; empty when every row holds.

    Detects a row whose JSON or columns were edited, a row deleted from the
    middle (the next row's ``prev_hash`` no longer links, and sequence numbers
    skip), and rows reordered. A row deleted from the end leaves a valid chain:
    that shows as an issued version folder or PDF without its row.
    """
    problems = []
    previous = GENESIS_HASH
    expected_seq = 1
    for seq, report_id, site_id, period, version, status, text, prev_hash, digest in _rows(path):
        where = f"row {seq} ({report_id})"
        if seq != expected_seq:
            problems.append(f"{where}: sequence {seq} where {expected_seq} was expected")
        if prev_hash != previous:
            problems.append(f"{where}: prev_hash does not link to the previous row's entry_hash")
        if _entry_hash(prev_hash, text) != digest:
            problems.append(f"{where}: entry_hash does not match the row's content (edited)")
        try:
            entry = json.loads(text)
        except json.JSONDecodeError:
            problems.append(f"{where}: entry_json is not JSON")
            entry = {}
        columns = {
            "seq": seq,
            "report_id": report_id,
            "site_id": site_id,
            "period": period,
            "version": version,
            "status": status,
        }
        for key, value in columns.items():
            if entry.get(key) != value:
                problems.append(
                    f"{where}: column {key}={value!r} but the entry says {entry.get(key)!r}"
                )
        previous = digest
        expected_seq = seq + 1
    return problems


@contextlib.contextmanager
def ledger_lock(root: Path, site_id: str | None = None) -> Iterator[None]:
    """Hold an exclusive lock on a report root while a version is numbered and written.

    Two runs under the same root then cannot both take the same next version (the
    index's UNIQUE constraint still refuses the second where the lock is not
    shared, e.g. on another host). The lock is advisory (``flock``) and a no-op
    where ``fcntl`` is not available.
    """
    folder = Path(root)
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


def folder_status(folder: Path) -> str | None:
    """The ``status`` a version folder's manifest records (None when unreadable)."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    status = manifest.get("status") if isinstance(manifest, dict) else None
    return str(status) if status is not None else None


def recorded_versions(root: Path, site_id: str, period_label: str) -> set[int]:
    """The versions of a period that have a ledger row (issued; drafts are not recorded).

    A repair row (:mod:`carbon.ledger.repair`, version ``-N``) is not a version.
    """
    return {
        int(e["version"])
        for e in read_ledger(ledger_path(root, site_id))
        if e.get("site_id") == site_id and e.get("period") == period_label and int(e["version"]) > 0
    }


def latest_version(root: Path, site_id: str, period_label: str) -> int:
    """The highest version of a period written so far, 0 if none.

    Counts the ledger's rows and the draft folders (drafts are not recorded).
    A folder of an issued version without its ledger row (an issue that stopped
    before it committed) is not counted: :func:`carbon.ledger.issue.recover` sets it aside.
    """
    recorded = recorded_versions(root, site_id, period_label)
    versions = set(recorded)
    for number in existing_versions(root, site_id, period_label):
        folder = Path(root) / site_id / period_label / f"v{number}"
        if number in recorded or folder_status(folder) == "draft":
            versions.add(number)
    return max(versions, default=0)


def entries_for(entries: Sequence[dict[str, Any]], report_id: str) -> list[dict[str, Any]]:
    """The ledger entries of one report id (at most one: report ids are unique)."""
    return [e for e in entries if e.get("report_id") == report_id]


def superseded_by(entries: Sequence[dict[str, Any]], report_id: str) -> str | None:
    """The report id of the version that supersedes `report_id`, if any."""
    for entry in entries:
        if entry.get("supersedes") == report_id:
            return str(entry.get("report_id"))
    return None


def find_ledger(pdf: Path) -> Path | None:
    """The ledger index of a PDF in a report tree: ``<root>/<site>/<period>/v<N>/x.pdf``
    → ``<root>/ledger.sqlite`` (None when the PDF is not in such a tree)."""
    pdf = Path(pdf).resolve()
    if len(pdf.parents) < 4:
        return None
    candidate = pdf.parents[3] / INDEX_NAME
    return candidate if candidate.is_file() else None


# --------------------------------------------------------------------------- serials


def serial_use_to_dict(use: SerialUse) -> dict[str, Any]:
    """A :class:`~carbon.site.instruments.SerialUse` as plain JSON data."""
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


def serial_use_from_dict(data: dict[str, Any]) -> SerialUse:
    """The inverse of :func:`serial_use_to_dict`."""
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
) -> tuple[SerialUse, ...]:
    """The serial blocks applied by issued report versions, for ``check_serials(prior_uses=)``.

    Parameters
    ----------
    root
        The report root (``--out``).
    site_id
        Only this site's entries; ``None`` reads every site in the index of `root`
        (a serial may not be claimed twice across sites either).
    exclude_period
        Leave out this period of `site_id` (the one being restated: its own earlier
        version is replaced, not a prior claim).

    Returns
    -------
    tuple of SerialUse
        From the issued versions still in force (a superseded version's serials
        are replaced by those of the version superseding it); drafts claim nothing.
    """
    entries = [
        e for e in read_ledger(ledger_path(root)) if site_id is None or e.get("site_id") == site_id
    ]
    uses = []
    for entry in _effective_issued(entries):
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


def plain(value: Any) -> Any:
    """`value` as JSON would give it back: tuples become lists, all the way down.

    A results document freshly built in Python holds tuples where the same document
    read back from ``results.json`` holds lists; both sides of a comparison pass
    through here, so the container type is never a difference.
    """
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


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
    (strings, booleans); top-level keys in `ignore` are always skipped. Both sides
    are normalised by :func:`plain` first (a tuple and a list of the same items are
    the same), so a document read back from JSON equals the one it was written from.
    """
    skip = set(ignore)
    a = dict(_leaves(plain({k: v for k, v in old.items() if k not in skip}), ""))
    b = dict(_leaves(plain({k: v for k, v in new.items() if k not in skip}), ""))
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
