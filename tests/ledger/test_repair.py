"""A missing issued folder: found, named, and its loss recorded (carbon.ledger.repair)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from carbon.core.errors import ConfigError
from carbon.ledger.index import latest_version, ledger_path, read_ledger, recorded_versions
from carbon.ledger.issue import issue_version
from carbon.ledger.repair import (
    lost_restatement,
    missing_error,
    missing_versions,
    repair_missing,
)


def _issue(root: Path, version: int) -> None:
    entry = {
        "report_id": f"demo-2025-07-v{version}",
        "site_id": "demo",
        "period": "2025-07",
        "version": version,
        "status": "issued",
        "issue_date": "2025-08-01",
        "pdf_sha256": "ab" * 32,
    }
    issue_version(root, "demo", "2025-07", version, {"disclosure.pdf": b"%PDF"}, entry)


def test_a_missing_folder_is_found_named_and_repaired_once(tmp_path: Path) -> None:
    _issue(tmp_path, 1)
    _issue(tmp_path, 2)
    assert missing_versions(tmp_path) == []
    shutil.rmtree(tmp_path / "demo" / "2025-07" / "v2")
    (lost,) = missing_versions(tmp_path, "demo", "2025-07")
    assert lost["report_id"] == "demo-2025-07-v2"
    error = missing_error(tmp_path, lost)
    assert "demo/2025-07/v2 is missing" in str(error) and "row 2" in str(error)
    assert error.path.endswith("v2") and error.line == 2
    with pytest.raises(ConfigError, match="--reason"):
        repair_missing(tmp_path, " ")
    assert lost_restatement(tmp_path, "demo", "2025-07", 2, "r") is None  # not repaired yet
    (row,) = repair_missing(tmp_path, "deleted by mistake")
    assert (row["seq"], row["status"], row["version"]) == (3, "repair", -2)
    assert row["repairs"] == "demo-2025-07-v2" and row["lost_pdf_sha256"] == "ab" * 32
    assert missing_versions(tmp_path) == [] and repair_missing(tmp_path, "again") == []
    assert recorded_versions(tmp_path, "demo", "2025-07") == {1, 2}
    assert latest_version(tmp_path, "demo", "2025-07") == 2  # numbers are never reused
    restated = lost_restatement(tmp_path, "demo", "2025-07", 2, " re-issued ")
    assert restated["supersedes"]["report_id"] == "demo-2025-07-v2"
    assert restated["reason"] == "re-issued" and restated["changed_figures"] is None
    assert restated["superseded_folder_missing"]["repair_row"] == 3
    assert [r["seq"] for r in read_ledger(ledger_path(tmp_path))] == [1, 2, 3]
