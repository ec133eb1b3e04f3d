"""An issue killed at any point leaves the ledger with the complete new version or none.

A child process issues a version through :func:`carbon.ledger.issue.issue_version` (the
code path ``carbon report`` takes) with small pauses wrapped around each file
flush, the rename and the commit, so that random SIGKILL times land in every
stage: before the row, with the row pending, while files are written, between
the rename and the commit, and after. After each kill the ledger is read as the
record: every row must have its complete folder, and the next issue recovers.

The children are forked from one server process that imported carbon once (an import
costs a second of CPU; thirty of them cost more than the trials themselves). Each child
is a process of its own, killed with SIGKILL like any other; the server reaps it only
when the test says so, so that its pid is never reused while the test may still kill it.
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

SERVER = textwrap.dedent(
    """
    import json, os, sys, time, traceback
    from pathlib import Path

    import carbon.ledger.issue as issue
    from carbon.ledger.index import ledger_lock


    def issue_one(root, version, pause):
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
        print("ready", os.getpid(), flush=True)
        with ledger_lock(root):
            issue.recover(root, "tiny", "2025-01")
            issue.issue_version(root, "tiny", "2025-01", version, files, entry)
        print("done", flush=True)


    print("imported", flush=True)
    while request := sys.stdin.readline().split():  # "<root> <version> <pause>"
        pid = os.fork()
        if pid == 0:  # the child: one issue, then out without the server's clean-up
            code = 0
            try:
                issue_one(Path(request[0]), int(request[1]), float(request[2]))
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        sys.stdin.readline()  # "reap": the test has killed the child or seen it finish
        _, status = os.waitpid(pid, 0)
        print("exit", status, flush=True)
    """
)


class IssueServer:
    """The server process: :meth:`start` forks a child issuing `version` under `root`."""

    def __init__(self, script: Path, root: Path, log: Path) -> None:
        # one BLAS thread: the server forks, and a forked child must not inherit busy threads
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1"}
        self.root, self.log = root, log
        self._stderr = open(log, "wb")  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [sys.executable, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
        )
        assert self._line() == [b"imported"], self.log.read_text()

    def _line(self) -> list[bytes]:
        assert self.process.stdout is not None
        return self.process.stdout.readline().split()

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        self.process.stdin.flush()

    def start(self, version: int) -> int:
        """Fork a child issuing `version`; its pid, once it says "ready"."""
        self._send(f"{self.root} {version} {PAUSE_S}")
        ready, pid = self._line()
        assert ready == b"ready", self.log.read_text()
        return int(pid)

    def wait_done(self) -> None:
        assert self._line() == [b"done"], self.log.read_text()

    def reap(self) -> list[list[bytes]]:
        """Let the server reap the child; the lines it printed since, up to its exit."""
        self._send("reap")
        lines = []
        while (line := self._line())[:1] != [b"exit"]:
            assert line, self.log.read_text()  # the server died
            lines.append(line)
        return lines

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self._stderr.close()


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


def _issue_seconds(server: IssueServer) -> float:
    """Seconds from "ready" to "done" of one complete issue (version 2)."""
    server.start(2)
    started = time.monotonic()
    server.wait_done()
    elapsed = time.monotonic() - started
    assert server.reap() == []
    return elapsed


def test_killed_issues_leave_all_or_nothing(tmp_path: Path) -> None:
    rng = random.Random(20260601)
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    root = tmp_path / "reports"
    server = IssueServer(script, root, tmp_path / "server.log")
    # one issue run to the end, then one timed: how long an issue takes on this machine now
    server.start(1)
    server.wait_done()
    assert server.reap() == []
    window = _issue_seconds(server)
    outcomes = {"none": 0, "complete": 0, "set aside": 0}
    (root / "tiny" / "2025-01").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    for _ in range(TRIALS):
        before = len(_check_record(root))
        version = before + 1
        pid = server.start(version)
        # kill anywhere from before the issue starts to a little after it ends
        time.sleep(rng.uniform(0.0, 1.2 * window))
        os.kill(pid, signal.SIGKILL)  # not reaped yet: the pid is still this child's
        server.reap()

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
    server.close()
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
