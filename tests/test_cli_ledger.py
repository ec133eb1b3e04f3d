"""``carbon keys`` and ``carbon ledger`` on the command line (carbon.cli_ledger)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import ConfigError, OutputExistsError
from carbon.ledger.index import append_entry, ledger_path, read_ledger


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_keys_new_writes_a_private_and_a_public_key_once(tmp_path: Path) -> None:
    result = invoke("keys", "new", "--out", tmp_path / "keys", "--json")
    assert result.exit_code == 0, result.output
    made = json.loads(result.output)
    assert stat.S_IMODE(Path(made["private_key"]).stat().st_mode) == 0o600
    assert Path(made["public_key"]).is_file() and made["fingerprint"].startswith("sha256:")
    again = invoke("keys", "new", "--out", tmp_path / "keys")
    assert isinstance(again.exception, OutputExistsError)
    assert "never overwritten" in str(again.exception)


def test_a_draft_is_not_signed_and_a_fleet_takes_no_key(tmp_path: Path) -> None:
    key = tmp_path / "k.pem"
    draft = invoke("demo", "--out", tmp_path / "reports", "--sign-key", key)
    assert isinstance(draft.exception, ConfigError)
    assert "a draft is not signed" in str(draft.exception)
    assert not (tmp_path / "reports" / "demo").exists()
    fleet = invoke(
        "report", "--fleet", tmp_path / "fleet.toml", "--period", "2025-07", "--sign-key", key
    )
    assert fleet.exit_code == 2 and "not a fleet" in fleet.output


def test_ledger_checkpoint_prints_or_writes_the_head(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    missing = invoke("ledger", "checkpoint", "--reports", root)
    assert isinstance(missing.exception, ConfigError) and "no ledger" in str(missing.exception)
    row = append_entry(
        ledger_path(root),
        {
            "report_id": "s-2025-01-v1",
            "site_id": "s",
            "period": "2025-01",
            "version": 1,
            "status": "issued",
        },
    )
    printed = invoke("ledger", "checkpoint", "--reports", root)
    assert printed.exit_code == 0, printed.output
    data = json.loads(printed.output)
    assert (data["rows"], data["head"]) == (1, row["entry_hash"])
    written = invoke("ledger", "checkpoint", "--reports", root, "--out", tmp_path / "cp.json")
    assert written.exit_code == 0 and row["entry_hash"] in written.output
    assert json.loads((tmp_path / "cp.json").read_text(encoding="utf-8"))["rows"] == 1


def test_ledger_repair_lists_then_records_a_missing_folder(tmp_path: Path) -> None:
    root = tmp_path / "reports"
    append_entry(
        ledger_path(root),
        {
            "report_id": "s-2025-01-v1",
            "site_id": "s",
            "period": "2025-01",
            "version": 1,
            "status": "issued",
            "issue_date": "2025-02-01",
        },
    )
    listed = invoke("ledger", "repair", "--reports", root, "--dry-run")
    assert listed.exit_code == 0 and "missing: s/2025-01/v1" in listed.output
    assert len(read_ledger(ledger_path(root))) == 1
    no_reason = invoke("ledger", "repair", "--reports", root)
    assert isinstance(no_reason.exception, ConfigError)
    done = invoke("ledger", "repair", "--reports", root, "--reason", "disk lost")
    assert done.exit_code == 0 and "recorded: s/2025-01/v1 missing" in done.output
    assert [r["status"] for r in read_ledger(ledger_path(root))] == ["issued", "repair"]
    again = invoke("ledger", "repair", "--reports", root, "--reason", "disk lost")
    assert "nothing to repair" in again.output
