"""The ledger head at issue and published checkpoints (carbon.ledger.anchor)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from carbon.core.errors import InputDataError
from carbon.ledger.anchor import (
    check_anchor,
    check_checkpoint,
    checkpoint,
    issue_anchor,
    load_checkpoint,
)
from carbon.ledger.index import GENESIS_HASH, append_entry, ledger_path, read_ledger


def _entry(version: int) -> dict:
    return {
        "report_id": f"s-2025-01-v{version}",
        "site_id": "s",
        "period": "2025-01",
        "version": version,
        "status": "issued",
    }


def _rewrite_and_rechain(path: Path) -> None:
    """Change row 1 and recompute every hash after it, as a forger with write access would."""
    import hashlib

    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("DROP TRIGGER entries_no_update")
    previous = GENESIS_HASH
    for seq, text in connection.execute("SELECT seq, entry_json FROM entries ORDER BY seq"):
        if seq == 1:
            text = text.replace('"status":"issued"', '"note":"edited","status":"issued"')
        digest = hashlib.sha256((previous + text).encode()).hexdigest()
        connection.execute(
            "UPDATE entries SET entry_json=?, prev_hash=?, entry_hash=? WHERE seq=?",
            (text, previous, digest, seq),
        )
        previous = digest
    connection.close()


def test_the_anchor_names_the_head_a_version_chains_onto(tmp_path: Path) -> None:
    path = ledger_path(tmp_path)
    first = issue_anchor(path)
    assert first == {
        "row": 1,
        "head_at_issue": {"seq": 0, "entry_hash": GENESIS_HASH},
        "previous_head": None,
    }
    append_entry(path, _entry(1))
    append_entry(path, _entry(2))
    anchor = issue_anchor(path)
    row3 = append_entry(path, _entry(3))
    rows = read_ledger(path)
    assert anchor["row"] == row3["seq"] == 3
    assert anchor["head_at_issue"] == {"seq": 2, "entry_hash": row3["prev_hash"]}
    assert anchor["previous_head"] == {"seq": 1, "entry_hash": rows[0]["entry_hash"]}
    assert check_anchor(rows, "s-2025-01-v3", anchor) == []
    _rewrite_and_rechain(path)
    problems = check_anchor(read_ledger(path), "s-2025-01-v3", anchor)
    assert any("ledger was rewritten" in p for p in problems)
    assert any("chains onto" in p for p in problems)


def test_a_checkpoint_holds_until_the_ledger_is_rewritten(tmp_path: Path) -> None:
    path = ledger_path(tmp_path)
    append_entry(path, _entry(1))
    append_entry(path, _entry(2))
    published = checkpoint(path)
    assert published["rows"] == 2 and published["last_report_id"] == "s-2025-01-v2"
    append_entry(path, _entry(3))
    ok, detail = check_checkpoint(path, published)
    assert ok and "1 later row(s) chain from it" in detail
    _rewrite_and_rechain(path)
    ok, detail = check_checkpoint(path, published)
    assert not ok and "up to row 2 was rewritten" in detail


def test_a_malformed_checkpoint_file_is_refused_with_its_path(tmp_path: Path) -> None:
    bad = tmp_path / "checkpoint.json"
    bad.write_text(json.dumps({"rows": 1, "head": "ab"}), encoding="utf-8")
    with pytest.raises(InputDataError, match="not a ledger checkpoint") as error:
        load_checkpoint(bad)
    assert error.value.path == str(bad)
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(InputDataError, match="not JSON"):
        load_checkpoint(bad)
