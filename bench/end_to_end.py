"""The paths a user waits for: carbon's CLI as it is run, every file written, timed from outside.

``end_to_end`` runs ``carbon report --fleet cli/fleet.toml --period YYYY-MM --status issued
--workers N`` (N = :func:`bench.paths.pool_workers`, one per core) on the bench fleet's CLI form
(:mod:`bench.cli_fleet`); ``fleet_dask`` runs the same with ``--scheduler local`` (a
dask.distributed LocalCluster of N single-threaded worker processes, sites as tasks). Each is a
fresh ``python -m carbon.cli`` process, timed from its start to its exit (interpreter start-up
and imports included: that is what the user waits for), into an empty output folder (issued
versions write ledger rows, and a second run into the same folder would need ``--restate``).

``cli`` times the README's commands on the demo, each a fresh process: ``carbon --help``,
``carbon demo`` and ``carbon verify`` (with its recomputation) of the disclosure just written.

Peak RSS of the whole process tree: a thread samples the command's process and all its
descendants (pool workers, the LocalCluster's nanny and worker processes) every 20 ms, keeping
each process's own high-water mark (``VmHWM``, exact even between samples while the process
lives). ``peak_rss_gib`` is the largest sum, over one sample, of the high-water marks of the
Python processes then alive (the command, its pool or dask workers): an upper bound on the
tree's peak, as for ``carbon_pool``, that does not add up processes which never ran at the
same time; ``peak_rss_sampled_sum_gib``, the largest sum of current RSS in one sample, is a
lower bound. Short-lived tools the processes run (``ctypes.util.find_library`` runs
``ldconfig``, ``gcc`` and ``ld``), and the forks that start them, are counted apart
(``other_processes``): a process counts once it has been a Python process in two samples. A
process born and gone between two samples is missed.
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.cli_fleet import period_label
from bench.fleet import load

__all__ = ["TreeMemory", "cli_commands", "run_fleet_report", "timed_command"]

#: files every site's version folder holds after ``carbon report`` (more may be written)
SITE_FILES = ("disclosure.pdf", "results.json", "results.csv", "manifest.json")


def _status_kib(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) of `pid` [kB]; zeros once it is gone."""
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return hwm, rss


def _command(pid: int) -> str:
    """The command line of `pid` ("" once it is gone)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc/PID/task/*/children)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out += kids
            stack += kids
    return out


class TreeMemory:
    """Samples the memory of a process and its descendants until :meth:`stop`."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid = pid
        self.every = every
        self.hwm_kib: dict[int, int] = {}
        self.python: dict[int, bool] = {}
        self.python_samples: dict[int, int] = {}
        self.commands: dict[int, str] = {}
        self.max_sum_rss_kib = 0
        self.max_sum_hwm_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        total = high = 0
        for pid in [self.pid, *_children(self.pid)]:
            hwm, rss = _status_kib(pid)
            command = _command(pid)
            is_python = "python" in command.split(" ")[0].rsplit("/")[-1]
            self.python_samples[pid] = self.python_samples.get(pid, 0) + is_python
            self.python[pid] = is_python
            # a fork on its way to exec a tool shows its parent's command for a moment:
            # a process counts once it has been Python in two samples
            if not is_python or self.python_samples[pid] < 2:
                continue
            self.commands[pid] = command
            if hwm:
                self.hwm_kib[pid] = max(self.hwm_kib.get(pid, 0), hwm)
            total += rss
            high += hwm
        self.max_sum_rss_kib = max(self.max_sum_rss_kib, total)
        self.max_sum_hwm_kib = max(self.max_sum_hwm_kib, high)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.every)

    def stop(self) -> dict[str, object]:
        self._stop.set()
        self._thread.join()
        gib = 2**20  # kB per GiB
        return {
            "peak_rss_gib": self.max_sum_hwm_kib / gib,
            "peak_rss_sampled_sum_gib": self.max_sum_rss_kib / gib,
            "sum_of_process_peaks_gib": sum(self.hwm_kib.values()) / gib,
            "largest_process_peak_gib": max(self.hwm_kib.values(), default=0) / gib,
            "processes": len(self.hwm_kib),
            "python_processes": sorted(
                self.commands[pid][:80] for pid in self.hwm_kib if pid in self.commands
            ),
            "other_processes": len(self.python) - len(self.hwm_kib),
        }


def _carbon_command() -> list[str]:
    return [sys.executable, "-m", "carbon.cli"]


def timed_command(args: list[str], cwd: Path | None = None) -> dict[str, object]:
    """Run ``carbon ARGS`` in a fresh process: wall seconds, exit status, tree memory."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*_carbon_command(), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    memory = TreeMemory(proc.pid)
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - start
    figures = memory.stop()
    if proc.returncode != 0:
        raise RuntimeError(
            f"carbon {' '.join(args)} exited {proc.returncode}:\n{stderr[-3000:]}{stdout[-2000:]}"
        )
    return {"seconds": seconds, "stdout": stdout, **figures}


def _ledger_rows(out: Path) -> int:
    with sqlite3.connect(out / "ledger.sqlite") as db:
        return int(db.execute("select count(*) from entries").fetchone()[0])


def _written(out: Path, site_ids: list[str], label: str) -> dict[str, object]:
    """What the run wrote: files and bytes per site, missing expected files, ledger rows."""
    files = [p for p in out.rglob("*") if p.is_file()]
    missing = [
        f"{s}/{label}/v1/{name}"
        for s in site_ids
        for name in SITE_FILES
        if not (out / s / label / "v1" / name).is_file()
    ]
    folders = {s: out / s / label / "v1" for s in site_ids}
    per_site = {
        s: sorted(str(p.relative_to(f)) for p in files if p.is_relative_to(f))
        for s, f in folders.items()
    }
    return {
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "files_per_site": per_site[site_ids[0]] if site_ids else [],
        "missing": missing,
        "ledger_rows": _ledger_rows(out),
        "summary": sorted(
            str(p.relative_to(out)) for p in files if p.parts[-5:-3] == ("_fleets", "bench")
        ),
    }


def _summary_totals(out: Path, label: str) -> dict[str, list]:
    """Site totals from the fleet summary, in the Totals layout (workload ``site``)."""
    path = out / "_fleets" / "bench" / label / "v1" / "summary.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    failed = [r for r in rows if r["status"] != "ok"]
    if failed:
        raise RuntimeError(f"sites failed in the fleet run: {failed}")
    return {
        "site": [r["site_id"] for r in rows],
        "workload": ["site"] * len(rows),
        "energy_kwh": [float(r["energy_kwh"]) for r in rows],
        "emissions_kg": [float(r["scope2_location_kgco2e"]) for r in rows],
    }


def run_fleet_report(root: Path, *, workers: int, scheduler: str | None) -> dict[str, object]:
    """``carbon report --fleet`` on the fleet at `root` (its CLI form already written)."""
    fleet = load(root)
    label = period_label(fleet)
    fleet_toml = root / "cli" / "fleet.toml"
    out = Path(tempfile.mkdtemp(prefix="carbon-bench-e2e-"))
    args = ["report", "--fleet", str(fleet_toml), "--period", label, "--out", str(out)]
    args += ["--status", "issued", "--workers", str(workers)]
    if scheduler is not None:
        args += ["--scheduler", scheduler]
    try:
        timed = timed_command(args)
        written = _written(out, [s.id for s in fleet.sites], label)
        totals = _summary_totals(out, label)
    finally:
        if not os.environ.get("CARBON_BENCH_KEEP"):
            shutil.rmtree(out, ignore_errors=True)
    timed.pop("stdout")
    return {
        **timed,
        "command": "carbon " + " ".join(args).replace(str(out), "OUT"),
        "workers": workers,
        "scheduler": scheduler,
        "written": written,
        "rss_after_imports_gib": 0.0,
        "stages": {},
        "totals": totals,
    }


def cli_commands() -> dict[str, object]:
    """``carbon --help``, ``carbon demo`` and ``carbon verify`` of its disclosure, each fresh."""
    out = Path(tempfile.mkdtemp(prefix="carbon-bench-cli-"))
    try:
        help_ = timed_command(["--help"])
        demo = timed_command(["demo", "--out", str(out)])
        pdfs = sorted(out.rglob("disclosure.pdf"))
        verify = timed_command(["verify", str(pdfs[0])])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "help_seconds": help_["seconds"],
        "demo_seconds": demo["seconds"],
        "demo_peak_rss_gib": demo["peak_rss_gib"],
        "verify_seconds": verify["seconds"],
        "verify_peak_rss_gib": verify["peak_rss_gib"],
        "verify_over_demo": verify["seconds"] / demo["seconds"],
        "seconds": help_["seconds"] + demo["seconds"] + verify["seconds"],
        "peak_rss_gib": max(demo["peak_rss_gib"], verify["peak_rss_gib"]),
    }


def _noop(i: int) -> int:
    return i


def _site_sized_result(i: int) -> dict[str, object]:
    # what a site task returns to the client: a summary row and a few kB of figures
    return {"row": [f"s{i:03d}", "ok", 1.0, 2.0, 3.0], "figures": b"x" * 20_000}


def dask_overhead(workers: int = 2, tasks: int = 1000) -> dict[str, float]:
    """Seconds a LocalCluster of `workers` processes takes to start and to stop, and its
    overhead per task (no-op tasks, and tasks returning a site-sized result), for the
    README's "Scale on paper": ``python -c "from bench.end_to_end import dask_overhead;
    print(dask_overhead())"``."""
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    t1 = time.perf_counter()
    out = {"start_seconds": t1 - t0}
    for name, fn in (("noop", _noop), ("site_sized_result", _site_sized_result)):
        start = time.perf_counter()
        client.gather(client.map(fn, range(tasks), pure=False))
        out[f"{name}_ms_per_task"] = (time.perf_counter() - start) / tasks * 1e3
    start = time.perf_counter()
    client.close()
    cluster.close()
    out["stop_seconds"] = time.perf_counter() - start
    return out
