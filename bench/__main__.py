"""``python -m bench``: generate (or reuse) a fleet and time carbon's path against references.

Every path runs in its own fresh process (``bench.child``), so one path's memory never
pollutes another's peak RSS. See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from bench.cli_fleet import cli_fleet
from bench.fleet import FleetSpec, cached, generate
from bench.paths import compare, pool_workers, readings_in_memory_bytes
from bench.targets import targets

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CACHE = HERE / ".cache"
ORDER = (
    "floor",
    "floor_literal",
    "carbon",
    "carbon_pool",
    "prototype",
    "duckdb",
    "duckdb_1t",
    "naive_pandas",
    "carbon_dask",
    "end_to_end",
    "fleet_dask",
)
#: run by default (carbon_dask only with --scheduler or --dask; carbon_pool with --paths: it
#: takes as long as carbon again, plus starting its workers, for every repeat)
DEFAULT_PATHS = tuple(p for p in ORDER if p not in ("carbon_pool", "carbon_dask"))
#: bytes per reading assumed before running naive pandas (PERFORMANCE-NOTES: 262 B measured,
#: the run on the quick fleet here measures its own figure)
NAIVE_BYTES_PER_READING = 300
#: carbon's per-site peak, bytes per reading of one site (measured here: about 430 B)
CARBON_BYTES_PER_SITE_READING = 500


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _mem_available() -> int:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 8 * 2**30


def _git() -> dict[str, object]:
    """The commit measured and whether carbon/ had uncommitted changes (read-only git calls)."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
            )
        except OSError:
            return ""
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "carbon")
    return {"commit": git("rev-parse", "HEAD"), "carbon_dirty": bool(changed)}


def _machine() -> dict[str, object]:
    return {
        "git": _git(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()),
    }


def _child(args: list[str]) -> dict[str, object]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.child", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"bench.child {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure(args: list[str], repeat: int, budget: float) -> dict[str, object]:
    """Up to `repeat` fresh processes; no further run once `budget` wall seconds are spent."""
    runs = []
    spent = 0.0
    for i in range(repeat):
        if runs and spent > budget:
            _log(f"  {args[0]}: {spent:.0f} s spent, over the {budget:.0f} s budget; no more runs")
            break
        _log(f"  {args[0]} run {i + 1}/{repeat} ...")
        start = time.perf_counter()
        runs.append(_child(args))
        spent += time.perf_counter() - start
    seconds = [r["seconds"] for r in runs]
    first = runs[0]
    out = {
        **first,
        "runs": len(runs),
        "seconds_all": seconds,
        "seconds_min": min(seconds),
        "seconds_median": statistics.median(seconds),
        "peak_rss_gib": max(r["peak_rss_gib"] for r in runs),
    }
    out.pop("seconds")
    return out


def _measure_cli(repeat: int, budget: float) -> dict[str, object]:
    """The CLI commands' figures: the min of each over up to `repeat` fresh runs."""
    runs = []
    spent = 0.0
    for i in range(repeat):
        if runs and spent > budget:
            break
        _log(f"  cli run {i + 1}/{repeat} ...")
        start = time.perf_counter()
        runs.append(_child(["cli"]))
        spent += time.perf_counter() - start
    out: dict[str, object] = {"runs": len(runs)}
    for key in ("help_seconds", "demo_seconds", "verify_seconds"):
        out[key] = min(r[key] for r in runs)
        out[f"{key}_all"] = [r[key] for r in runs]
    # verify against the demo of the same run, the smallest such ratio
    out["verify_over_demo"] = min(r["verify_over_demo"] for r in runs)
    out["peak_rss_gib"] = max(r["peak_rss_gib"] for r in runs)
    return out


def _totals(result: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(result["totals"]).set_index(["site", "workload"]).sort_index()


def _skip_reason(name: str, spec: FleetSpec, available: int, naive: str) -> str | None:
    """Why path `name` is not run on this fleet (too big for the memory available, not
    asked for, not installed), or None to run it."""
    n = spec.readings
    if name == "naive_pandas" and naive != "always":
        need = NAIVE_BYTES_PER_READING * n
        if naive == "never" or need > 0.6 * available:
            return (
                f"not run: needs about {need / 2**30:.1f} GiB "
                f"({NAIVE_BYTES_PER_READING} B/reading) against {available / 2**30:.1f} GiB "
                "available; run it on the quick fleet (--quick)"
                if naive != "never"
                else "not run (--naive never)"
            )
    if name in ("carbon", "prototype", "carbon_dask"):
        need = CARBON_BYTES_PER_SITE_READING * n / spec.sites
        if need > 0.6 * available:
            return f"not run: one site needs about {need / 2**30:.1f} GiB"
    if name in ("carbon_pool", "end_to_end", "fleet_dask"):
        need = CARBON_BYTES_PER_SITE_READING * n / spec.sites * pool_workers()
        if need > 0.6 * available:
            return f"not run: its workers need about {need / 2**30:.1f} GiB"
    if name in ("duckdb", "duckdb_1t"):
        try:
            import duckdb  # noqa: F401
        except ImportError:
            return "duckdb is not installed (pip install carbon[bench])"
    return None


def _check_against_carbon(results: dict[str, dict[str, object]], spec: FleetSpec) -> None:
    """Each reference's totals against carbon's (on the sites carbon was measured on), and
    carbon's seconds extrapolated to the whole fleet when it ran on fewer sites."""
    carbon = _totals(results["carbon"])
    part = results["carbon"]
    measured_sites = carbon.index.get_level_values("site").nunique()
    part["sites_measured"] = measured_sites
    if measured_sites < spec.sites:
        scale = spec.sites / measured_sites
        part["extrapolated"] = {
            "note": f"measured on {measured_sites} of {spec.sites} sites; seconds x {scale:g}"
            " (sites are independent and equal in size); peak RSS is per site",
            "seconds_min": part["seconds_min"] * scale,
            "seconds_median": part["seconds_median"] * scale,
        }
    for name, result in results.items():
        if name == "carbon":
            continue
        reference = _totals(result)
        if measured_sites < spec.sites:
            keep = reference.index.get_level_values("site").isin(
                carbon.index.get_level_values("site")
            )
            reference = reference.loc[keep]
        result["check"] = compare(reference, carbon)


def run(
    spec: FleetSpec,
    *,
    repeat: int,
    budget: float,
    paths: list[str],
    use_cache: bool,
    pdf: bool,
    carbon_sites: int | None,
    naive: str,
    cli: bool = True,
) -> dict[str, object]:
    machine = _machine()
    start = time.perf_counter()
    tmp = None
    if use_cache:
        fleet, reused = cached(spec, CACHE)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="carbon-bench-")
        fleet, reused = generate(spec, Path(tmp.name) / spec.key), False
    generate_seconds = time.perf_counter() - start
    _log(f"fleet {fleet.root} ({'reused' if reused else f'generated in {generate_seconds:.1f} s'})")
    n = spec.readings
    in_memory = readings_in_memory_bytes(fleet)
    per_site_in_memory = in_memory / spec.sites
    doc: dict[str, object] = {
        "machine": machine,
        "fleet": {
            "spec": {**spec.__dict__},
            "readings": n,
            "readings_per_site": n // spec.sites,
            "bytes_on_disk": fleet.bytes_on_disk,
            "bytes_per_reading_on_disk": fleet.bytes_on_disk / n,
            "readings_in_memory_bytes": in_memory,
            "root": str(fleet.root),
            "reused": reused,
            "generate_seconds": None if reused else generate_seconds,
        },
        "paths": {},
        "skipped": {},
    }
    results: dict[str, dict[str, object]] = doc["paths"]
    available = _mem_available()
    if {"end_to_end", "fleet_dask"} & set(paths):
        start = time.perf_counter()
        fleet_toml = cli_fleet(fleet)  # cached with the fleet
        doc["fleet"]["cli_fleet"] = str(fleet_toml)
        _log(f"CLI form {fleet_toml} ({time.perf_counter() - start:.1f} s)")
    for name in [p for p in ORDER if p in paths]:
        args = [name, str(fleet.root)]
        skipped = _skip_reason(name, spec, available, naive)
        if skipped is not None:
            doc["skipped"][name] = skipped
            continue
        if name in ("carbon", "prototype", "carbon_dask") and (
            carbon_sites is not None and carbon_sites < spec.sites
        ):
            args += [s.id for s in fleet.sites[:carbon_sites]]
        _log(f"{name}:")
        results[name] = _measure(args, repeat, budget)
    if "carbon" in results:
        _check_against_carbon(results, spec)
    floor = results.get("floor")
    for result in results.values():
        seconds = result.get("extrapolated", {}).get("seconds_min", result["seconds_min"])
        result["readings_per_second"] = n / seconds
        result["peak_rss_over_readings"] = result["peak_rss_gib"] * 2**30 / in_memory
        result["peak_rss_over_site_readings"] = result["peak_rss_gib"] * 2**30 / per_site_in_memory
        result["work_rss_over_site_readings"] = (
            (result["peak_rss_gib"] - result["rss_after_imports_gib"]) * 2**30 / per_site_in_memory
        )
        if floor:
            result["x_floor"] = seconds / floor["seconds_min"]
    if pdf:
        _log("pdf:")
        doc["pdf"] = _measure(["pdf"], repeat, budget)
    if cli:
        _log("cli (carbon --help, demo, verify):")
        doc["cli"] = _measure_cli(repeat, budget)
    doc["machine"]["load_average_after"] = list(os.getloadavg())
    doc["targets"] = targets(doc)
    if tmp is not None:
        tmp.cleanup()
    for result in results.values():
        result.pop("totals", None)
    return doc


def _cli_lines(doc: dict[str, object]) -> list[str]:
    """What the CLI paths wrote and the CLI commands' times."""
    lines: list[str] = []
    for name in ("end_to_end", "fleet_dask"):
        r = doc["paths"].get(name)
        if not r:
            continue
        w = r["written"]
        missing = ", ".join(w["missing"]) or "none"
        lines += [
            "",
            f"{name}: `{r['command']}` (interpreter start and imports included); wrote "
            f"{w['files']} files, {w['bytes'] / 1e6:.1f} MB, {w['ledger_rows']} ledger rows "
            f"(per site: {', '.join(w['files_per_site'])}; missing: {missing}); "
            f"peak RSS of the process tree {r['peak_rss_gib']:.2f} GiB (largest sum of the "
            f"live Python processes' own peaks, {r['processes']} processes in all; largest "
            f"sampled sum of RSS {r['peak_rss_sampled_sum_gib']:.2f} GiB, largest process "
            f"{r['largest_process_peak_gib']:.2f} GiB; {r['other_processes']} short-lived "
            f"tools (ldconfig, gcc, ld) apart)",
        ]
    if "cli" in doc:
        c = doc["cli"]
        lines += [
            "",
            f"CLI (fresh processes, min of {c['runs']}): carbon --help {c['help_seconds']:.2f} s, "
            f"carbon demo {c['demo_seconds']:.2f} s, carbon verify (recomputing) "
            f"{c['verify_seconds']:.2f} s = {c['verify_over_demo']:.2f} x demo",
        ]
    return lines


def table(doc: dict[str, object]) -> str:
    """The figures as a Markdown table."""
    fleet = doc["fleet"]
    spec = fleet["spec"]
    machine = doc["machine"]
    n = fleet["readings"]
    gib = 2**30
    lines = [
        f"fleet: {spec['sites']} sites x {spec['meters']} meters x {spec['interval']} x "
        f"{spec['days']} d = {n:,} readings; {fleet['bytes_on_disk'] / 1e6:,.1f} MB on disk "
        f"({fleet['bytes_per_reading_on_disk']:.2f} B/reading); readings in memory "
        f"{fleet['readings_in_memory_bytes'] / gib:.2f} GiB (20 B/reading)",
        f"machine: {machine['cpus']} cores, {machine['memory_gib']} GiB, {machine['date']}, "
        f"load average {machine['load_average'][0]:.2f} before, "
        f"{machine['load_average_after'][0]:.2f} after; carbon at {machine['git']['commit'][:10]}"
        f"{' + uncommitted changes' if machine['git']['carbon_dirty'] else ''}",
        "",
        "| path | readings | wall s (min / median, runs) | M readings/s | x floor "
        "| peak RSS GiB (after imports) | RSS / readings | check vs carbon |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for name, r in doc["paths"].items():
        check = r.get("check")
        if name == "carbon":
            check_text = "(is carbon)"
        elif check:
            verdict = "OK" if check["ok"] else "DIFFERS"
            check_text = f"{verdict} (max rel {check['max_relative_difference']:.1e})"
        else:
            check_text = "-"
        seconds = f"{r['seconds_min']:.2f} / {r['seconds_median']:.2f} ({r['runs']})"
        extra = r.get("extrapolated")
        label = name
        if name == "fleet_dask":
            label += f" (LocalCluster of {r['workers']} worker processes, RSS summed)"
        elif r.get("workers"):
            label += f" ({r['workers']} processes, RSS summed)"
        if extra:
            seconds += f"; **extrapolated** to {spec['sites']} sites: {extra['seconds_min']:.1f}"
            label += f" ({r['sites_measured']} sites measured)"
        lines.append(
            f"| {label} | {n:,} | {seconds} | {r['readings_per_second'] / 1e6:.2f} "
            f"| {r.get('x_floor', float('nan')):.2f} | {r['peak_rss_gib']:.2f} "
            f"({r['rss_after_imports_gib']:.2f}) "
            f"| {r['peak_rss_over_readings']:.2f} | {check_text} |"
        )
    for name, why in doc["skipped"].items():
        lines.append(f"| {name} | - | {why} | | | | | |")
    if "pdf" in doc:
        p = doc["pdf"]
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in p["stages"].items())
        lines += [
            "",
            f"PDF (demo disclosure): {p['pages']} pages, {p['pdf_bytes'] / 1e3:.0f} kB; "
            f"render (HTML + PDF) {p['seconds_per_page_render']:.3f} s/page; "
            f"results+context+render "
            f"{p['seconds_per_page_report']:.3f} s/page; {stages} (first run); "
            f"total min/median {p['seconds_min']:.2f} / {p['seconds_median']:.2f} s",
        ]
    lines += _cli_lines(doc)
    for name in ("carbon", "carbon_pool", "carbon_dask"):
        if name in doc["paths"]:
            stages = doc["paths"][name]["stages"]
            workers = doc["paths"][name].get("workers")
            lines += [
                "",
                f"{name} stages (first run, summed over sites"
                + (f" and {workers} workers, which overlap in time" if workers else "")
                + "): "
                + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()),
            ]
    if doc["targets"]:
        lines += ["", "| target | value | met |", "|---|---:|---|"]
        for entry in doc["targets"].values():
            lines.append(
                f"| {entry['what']} | {entry['value']:.3g} (target {entry['target']:g}) "
                f"| {'met' if entry['met'] else 'MISSED'} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    # long: most of it is the argument declarations, read top to bottom as the --help text
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="a tenth of the fleet month: 2 sites x 100 meters"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--sites", type=int)
    parser.add_argument("--meters", type=int)
    parser.add_argument("--days", type=int)
    parser.add_argument("--interval", help="e.g. 1min, 5min, 15min")
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh processes per path (default 3)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="no further repeat of a path once it has taken this many seconds (default 60)",
    )
    parser.add_argument(
        "--paths",
        default=None,
        help=f"comma-separated subset of {','.join(ORDER)} "
        "(default: all but carbon_pool and carbon_dask)",
    )
    parser.add_argument(
        "--scheduler",
        help="also run carbon through dask (path carbon_dask): 'threads' (dask's threaded "
        "scheduler), 'local' (a dask.distributed LocalCluster of threads in the measured "
        "process) or a scheduler address",
    )
    parser.add_argument(
        "--dask",
        action="store_true",
        help="the 4 x fleet (80 sites x 100 meters x 1 min x 31 d, ~357 M readings) through "
        "dask only (carbon_dask, --scheduler threads unless given), one run, no PDF",
    )
    parser.add_argument("--no-pdf", action="store_true", help="skip the report rendering figure")
    parser.add_argument(
        "--no-cli",
        action="store_true",
        help="skip timing carbon --help, carbon demo and carbon verify (the CLI targets)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="generate into a temporary folder, not bench/.cache"
    )
    parser.add_argument(
        "--carbon-sites",
        type=int,
        help="run carbon's path on the first K sites only and extrapolate its time (labelled)",
    )
    parser.add_argument(
        "--naive",
        choices=("auto", "always", "never"),
        default="auto",
        help="naive pandas: auto = only if it fits in memory",
    )
    args = parser.parse_args(argv)
    fields = {"sites": 2} if args.quick else {}
    if args.dask:
        fields = {"sites": 80}
        args.scheduler = args.scheduler or "threads"
        args.paths = args.paths or "carbon_dask"
        args.repeat, args.no_pdf, args.no_cli = 1, True, True
    for name in ("sites", "meters", "days", "interval", "seed"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    spec = FleetSpec(**fields)
    if args.paths is None:
        args.paths = ",".join(DEFAULT_PATHS) + (",carbon_dask" if args.scheduler else "")
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    if args.scheduler:
        os.environ["CARBON_BENCH_SCHEDULER"] = args.scheduler
    unknown = set(paths) - set(ORDER)
    if unknown:
        parser.error(f"unknown path(s): {', '.join(sorted(unknown))}")
    doc = run(
        spec,
        repeat=args.repeat,
        budget=args.budget,
        paths=paths,
        use_cache=not args.no_cache,
        pdf=not args.no_pdf,
        carbon_sites=args.carbon_sites,
        naive=args.naive,
        cli=not args.no_cli,
    )
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
    else:
        print(table(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
