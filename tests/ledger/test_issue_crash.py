"""An issue killed at any point leaves the ledger with the complete new version or none.

A child process issues a version through :func:`carbon.ledger.issue.issue_version` (the
code path ``carbon report`` takes) with small pauses wrapped around each file
flush, the rename and the commit, so that random SIGKILL times land in every
stage: before the row, with the row pending, while files are written, between
the rename and the commit, and after. After each kill the ledger is read as the
record: every row must have its complete folder, and the next issue recovers.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from carbon.ledger.index import latest_version, ledger_path, read_ledger, verify_chain
from carbon.ledger.issue import recover, unrecorded_versions

TRIALS = 30
PAUSE_S = 0.02

CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path

    import carbon.ledger.issue as issue
    from carbon.ledger.index import ledger_lock

    root, version, pause = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    real_fsync, real_rename, real_dir = os.fsync, os.rename, issue._fsync_dir

    def fsync(fd):
        time.sleep(pause)
        real_fsync(fd)

    def rename(a, b):
        time.sleep(pause)
        real_rename(a, b)
        time.sleep(pause)

    def fsync_dir(folder):  # runs after the rename, before the commit
        time.sleep(pause)
        real_dir(folder)
        time.sleep(pause)

    os.fsync, os.rename, issue._fsync_dir = fsync, rename, fsync_dir
    body = (b"%PDF-1.7 version " + str(version).encode()) * 2000
    files = {
        "disclosure.pdf": body,
        "results.json": json.dumps({"version": version}).encode(),
        "manifest.json": json.dumps({"status": "issued", "version": version}).encode(),
        "tenants/t1.pdf": body[::-1],
    }
    sha = {name: __import__("hashlib").sha256(data).hexdigest() for name, data in files.items()}
    entry = {
        "report_id": f"tiny-2025-01-v{version}",
        "site_id": "tiny",
        "period": "2025-01",
        "version": version,
        "status": "issued",
        "files_sha256": sha,
    }
    print("ready", flush=True)
    with ledger_lock(root):
        issue.recover(root, "tiny", "2025-01")
        issue.issue_version(root, "tiny", "2025-01", version, files, entry)
    print("done", flush=True)
    """
)


def _check_record(root: Path) -> list[dict]:
    """Every recorded version has its complete folder; the chain holds."""
    path = ledger_path(root)
    rows = read_ledger(path)
    assert verify_chain(path) == [] if path.exists() else True
    for expected, row in enumerate(rows, start=1):
        assert row["version"] == expected  # no gap, no partial version
        folder = root / "tiny" / "2025-01" / f"v{row['version']}"
        for name, digest in row["files_sha256"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    return rows


def _issue_seconds(root: Path, script: Path, env: dict) -> float:
    """Seconds from "ready" to "done" of one complete issue (version 2)."""
    child = subprocess.Popen(
        [sys.executable, str(script), str(root), "2", str(PAUSE_S)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"ready"
    started = time.monotonic()
    assert child.stdout.readline().strip() == b"done", child.stderr.read() if child.stderr else ""
    elapsed = time.monotonic() - started
    child.wait(timeout=30)
    return elapsed


def test_killed_issues_leave_all_or_nothing(tmp_path: Path) -> None:
    rng = random.Random(20260601)
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    root = tmp_path / "reports"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    # one issue run to the end measures how long an issue takes on this machine now
    calibration = subprocess.run(
        [sys.executable, str(script), str(root), "1", str(PAUSE_S)],
        capture_output=True,
        env=env,
        check=True,
        timeout=60,
    )
    assert calibration.stdout.split() == [b"ready", b"done"]
    window = _issue_seconds(root, script, env)
    outcomes = {"none": 0, "complete": 0, "set aside": 0}
    (root / "tiny" / "2025-01").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for _ in range(TRIALS):
        before = len(_check_record(root))
        version = before + 1
        child = subprocess.Popen(
            [sys.executable, str(script), str(root), str(version), str(PAUSE_S)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready", child.stderr.read()
        # kill anywhere from before the issue starts to a little after it ends
        time.sleep(rng.uniform(0.0, 1.2 * window))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

        rows = _check_record(root)
        assert len(rows) in (before, before + 1)
        outcomes["complete" if len(rows) == before + 1 else "none"] += 1
        # a folder without its row is not a version: not counted, set aside next time
        assert latest_version(root, "tiny", "2025-01") == len(rows)
        orphans = unrecorded_versions(root, "tiny", "2025-01")
        assert all(p.name == f"v{version}" for p in orphans)
        moved = recover(root, "tiny", "2025-01")  # what the next issue does first
        assert len(moved) == len(orphans)
        assert all(p.name.startswith(f".unrecorded-v{version}") for p in moved)
        outcomes["set aside"] += bool(moved)
        assert unrecorded_versions(root, "tiny", "2025-01") == []
        assert list((root / "tiny" / "2025-01").glob(".v*.tmp-*")) == []
    elapsed = time.monotonic() - started
    # the seeded kill times reach both outcomes and the window between rename and commit
    assert outcomes["none"] >= 1 and outcomes["complete"] >= 1, outcomes
    assert outcomes["set aside"] >= 1, outcomes
    assert elapsed < 60, elapsed
    print(f"{TRIALS} kills in {elapsed:.1f} s: {outcomes}")


@pytest.mark.slow
def test_killed_carbon_report_leaves_all_or_nothing(tmp_path: Path) -> None:
    """The real command, killed late in its run (where the ledger and folder are written)."""
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    root = tmp_path / "reports"
    command = [
        sys.executable,
        "-m",
        "carbon",
        "report",
        "--site",
        str(tmp_path / "site.toml"),
        "--period",
        "2023-11",
        "--out",
        str(root),
        "--status",
        "issued",
    ]
    started = time.monotonic()
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    duration = time.monotonic() - started
    rng = random.Random(7)
    period = root / "pecos" / "2023-11"
    kept = set_aside = 0
    for _ in range(3):
        before = read_ledger(ledger_path(root))
        child = subprocess.Popen(
            [*command, "--restate", "--reason", "trial"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.75, 1.05) * duration)
        child.kill()
        child.wait(timeout=30)
        rows = read_ledger(ledger_path(root))
        assert verify_chain(ledger_path(root)) == []
        assert rows[: len(before)] == before and len(rows) in (len(before), len(before) + 1)
        for row in rows:  # every recorded version is complete and hashes as recorded
            folder = root / row["pdf"].rsplit("/", 1)[0]
            pdf = (folder / "disclosure.pdf").read_bytes()
            assert hashlib.sha256(pdf).hexdigest() == row["pdf_sha256"]
            results = (folder / "results.json").read_bytes()
            assert hashlib.sha256(results).hexdigest() == row["results_sha256"]
        kept += len(rows) - len(before)
        set_aside += len(recover(root, "pecos", "2023-11"))
        assert unrecorded_versions(root, "pecos", "2023-11") == []
        assert latest_version(root, "pecos", "2023-11") == len(rows)
        assert {p.name for p in period.glob("v*")} == {f"v{r['version']}" for r in rows}
    print(f"carbon report killed 3 times: {kept} completed, {set_aside} folder(s) set aside")
