"""The SQLite ledger index: append-only, hash-chained, and one winner per version."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from carbon.core.errors import LedgerConflictError, OutputExistsError
from carbon.ledger.index import (
    GENESIS_HASH,
    append_entry,
    canonical_json,
    diff_figures,
    find_ledger,
    latest_version,
    ledger_path,
    read_ledger,
    sha256_hex,
    verify_chain,
)
from carbon.ledger.issue import issue_version, recover, unrecorded_versions
from carbon.results.document import ReportMeta, build_results, results_json_bytes
from carbon.workflow import compute_site


def _entry(site: str, period: str, version: int, status: str = "issued") -> dict:
    return {
        "report_id": f"{site}-{period}-v{version}",
        "site_id": site,
        "period": period,
        "version": version,
        "status": status,
        "serial_uses": [],
    }


@pytest.fixture
def three(tmp_path: Path) -> Path:
    path = ledger_path(tmp_path)
    append_entry(path, _entry("a", "2025-01", 1))
    append_entry(path, _entry("b", "2025-01", 1))
    append_entry(path, _entry("a", "2025-01", 2))
    return path


def _raw(path: Path) -> sqlite3.Connection:
    """A connection without the append-only triggers, as someone editing the file would."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP TRIGGER entries_no_update")
    connection.execute("DROP TRIGGER entries_no_delete")
    return connection


def test_rows_chain_by_sha256(three: Path) -> None:
    rows = read_ledger(three)
    assert [r["seq"] for r in rows] == [1, 2, 3]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    for before, row in zip([None, *rows], rows, strict=False):
        prev = GENESIS_HASH if before is None else before["entry_hash"]
        assert row["prev_hash"] == prev
        stored = {k: v for k, v in row.items() if k not in ("prev_hash", "entry_hash")}
        assert row["entry_hash"] == sha256_hex((prev + canonical_json(stored)).encode())
    assert verify_chain(three) == []


def test_updates_and_deletes_are_refused(three: Path) -> None:
    connection = sqlite3.connect(three, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE entries SET status = 'draft' WHERE seq = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM entries WHERE seq = 3")
    connection.close()
    assert len(read_ledger(three)) == 3


def test_an_edited_row_is_detected(three: Path) -> None:
    connection = _raw(three)
    (text,) = connection.execute("SELECT entry_json FROM entries WHERE seq = 2").fetchone()
    edited = json.loads(text)
    edited["serial_uses"] = [{"instrument_id": "forged"}]
    connection.execute("UPDATE entries SET entry_json = ? WHERE seq = 2", (canonical_json(edited),))
    connection.close()
    problems = verify_chain(three)
    assert any("row 2" in p and "edited" in p for p in problems), problems


def test_an_edited_column_is_detected(three: Path) -> None:
    connection = _raw(three)
    connection.execute("UPDATE entries SET status = 'draft' WHERE seq = 1")
    connection.close()
    assert any("column status" in p for p in verify_chain(three))


def test_a_deleted_row_is_detected(three: Path) -> None:
    connection = _raw(three)
    connection.execute("DELETE FROM entries WHERE seq = 2")
    connection.close()
    problems = verify_chain(three)
    assert any("row 3" in p and "prev_hash" in p for p in problems), problems
    assert any("sequence 3 where 2" in p for p in problems)


def test_reordered_rows_are_detected(three: Path) -> None:
    connection = _raw(three)
    rows = connection.execute("SELECT * FROM entries ORDER BY seq").fetchall()
    connection.execute("DELETE FROM entries")
    # swap the contents of rows 2 and 3, keeping the sequence column in order
    for seq, row in zip((1, 2, 3), (rows[0], rows[2], rows[1]), strict=True):
        connection.execute(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", (seq, *row[1:])
        )
    connection.close()
    assert verify_chain(three) != []


def test_the_same_version_twice_is_a_conflict(three: Path) -> None:
    with pytest.raises(LedgerConflictError, match="already recorded"):
        append_entry(three, _entry("a", "2025-01", 2))
    assert len(read_ledger(three)) == 3 and verify_chain(three) == []


def _files(status: str = "issued") -> dict[str, bytes]:
    return {
        "disclosure.pdf": b"%PDF-1.7 tiny",
        "manifest.json": json.dumps({"status": status}).encode(),
    }


def _issue_in_child(root: str, barrier, results) -> None:
    barrier.wait()
    try:
        issue_version(Path(root), "a", "2025-02", 1, _files(), _entry("a", "2025-02", 1))
        results.put("won")
    except LedgerConflictError as exc:
        results.put(f"conflict: {exc}")
    except OutputExistsError as exc:
        results.put(f"exists: {exc}")


def test_two_concurrent_issues_of_one_version_one_wins(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_issue_in_child, args=(str(tmp_path), barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    outcomes = sorted(results.get(timeout=5) for _ in workers)
    assert outcomes[1] == "won", outcomes
    assert outcomes[0].startswith("conflict: a 2025-02 v1 (a-2025-02-v1) is already recorded")
    (row,) = read_ledger(ledger_path(tmp_path))
    assert row["report_id"] == "a-2025-02-v1"
    assert (tmp_path / "a" / "2025-02" / "v1" / "disclosure.pdf").is_file()


def test_a_draft_is_a_folder_without_a_row(tmp_path: Path) -> None:
    path, row = issue_version(tmp_path, "a", "2025-03", 1, _files("draft"), None)
    assert row is None and path.is_dir()
    assert read_ledger(ledger_path(tmp_path)) == []
    assert latest_version(tmp_path, "a", "2025-03") == 1  # a draft still takes its number
    assert unrecorded_versions(tmp_path, "a", "2025-03") == []


def test_an_unrecorded_issued_folder_is_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "2025-04" / "v1"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text('{"status": "issued"}')
    staging = tmp_path / "a" / "2025-04" / ".v2.tmp-abc"
    staging.mkdir()
    assert latest_version(tmp_path, "a", "2025-04") == 0  # not issued: no row
    moved = recover(tmp_path, "a", "2025-04")
    assert [p.name for p in moved] == [".unrecorded-v1"]
    assert not folder.exists() and not staging.exists()
    path, row = issue_version(tmp_path, "a", "2025-04", 1, _files(), _entry("a", "2025-04", 1))
    assert path == folder and row["seq"] == 1


def test_find_ledger_walks_up_to_the_root(tmp_path: Path) -> None:
    append_entry(ledger_path(tmp_path), _entry("a", "2025-05", 1))
    pdf = tmp_path / "a" / "2025-05" / "v1" / "disclosure.pdf"
    assert find_ledger(pdf) == tmp_path / "ledger.sqlite"
    assert find_ledger(tmp_path / "elsewhere.pdf") is None


def _report_in_child(folder: str, barrier, results) -> None:
    from carbon.workflow import write_site_report

    barrier.wait()
    try:
        written = write_site_report(
            Path(folder) / "site.toml", "2023-11", Path(folder) / "reports", status="issued"
        )
        results.put(f"won: {written.path.name}")
    except OutputExistsError as exc:  # LedgerConflictError is one too
        results.put(f"refused: {exc}")


def test_two_concurrent_reports_of_one_period_one_wins(tmp_path: Path) -> None:
    """The whole `carbon report` path, twice at once: one version, one clear refusal."""
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(target=_report_in_child, args=(str(tmp_path), barrier, results))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    outcomes = sorted(results.get(timeout=120) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert outcomes[1] == "won: v1", outcomes
    assert outcomes[0].startswith("refused: "), outcomes
    assert "--restate" in outcomes[0] or "already recorded" in outcomes[0]
    (row,) = read_ledger(ledger_path(tmp_path / "reports"))
    assert row["report_id"] == "pecos-2023-11-v1"
    assert sorted(p.name for p in (tmp_path / "reports" / "pecos" / "2023-11").iterdir()) == ["v1"]


# --------------------------------------------------------------------------- figures


def test_a_tuple_and_a_list_of_the_same_items_are_the_same_figure() -> None:
    fresh = {"quality": {"conflicts": [{"values_kwh": (1.0, 2.5), "sources": ("a:1", "a:9")}]}}
    read_back = json.loads(json.dumps(fresh))
    assert diff_figures(read_back, fresh, numbers_only=False) == []
    assert diff_figures(fresh, read_back, numbers_only=False) == []
    changed = json.loads(json.dumps(fresh))
    changed["quality"]["conflicts"][0]["values_kwh"][1] = 2.75
    assert diff_figures(changed, fresh, numbers_only=False) == [
        {"path": "quality.conflicts[0].values_kwh[1]", "old": 2.75, "new": 2.5}
    ]


def test_a_conflicting_duplicate_reading_recomputes_without_differences(tmp_path: Path) -> None:
    """A meters file that reads one interval twice with two values: the results read back
    from results.json equal the results computed again (verify --inputs and a restatement
    compare exactly these), although the fresh ones hold tuples where JSON holds lists."""
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    meters = tmp_path / "meters.csv"
    lines = meters.read_text(encoding="utf-8").splitlines()
    stamp, meter, kwh = lines[200].split(",")
    lines.append(f"{stamp},{meter},{float(kwh) + 7.5}")  # the same interval, another value
    meters.write_text("\n".join(lines) + "\n", encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(site.read_text(encoding="utf-8") + '\n[quality]\nimpute = "linear"\n')
    meta = ReportMeta("pecos-2023-11-v1", 1, "issued", datetime.date(2023, 12, 1))
    fresh = build_results(compute_site(site, "2023-11"), meta)
    (conflict,) = fresh["quality"]["conflicting_duplicates"]
    assert isinstance(conflict["values_kwh"], tuple) and len(conflict["values_kwh"]) == 2
    read_back = json.loads(results_json_bytes(fresh))
    assert diff_figures(read_back, fresh, numbers_only=False) == []
    assert diff_figures(read_back, fresh) == []  # the restatement's comparison
