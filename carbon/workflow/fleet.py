"""Report a fleet: every site file a fleet file lists, then one fleet summary.

A fleet file is TOML::

    [fleet]
    name = "north-america"                       # letters, digits, '-', '_'
    sites = ["pecos/site.toml", "ely/site.toml"]  # relative to the fleet file's folder

Every site is reported exactly as ``carbon report --site`` reports it
(:func:`carbon.workflow.jobs.write_site_report`: its own version folder and ledger line). A site
that fails (bad input, missing file, a version that already exists) is recorded with its
site file and the error, and the other sites still run; the run then counts as failed.
The summary (one row per site: status, report folder, energy, Scope 2 location- and
market-based, PUE, or the error) is written as ``summary.json`` and ``summary.csv`` to
``OUT/_fleets/NAME/PERIOD/v<N>/`` (atomically, a new version per run, never overwritten).

With a dask.distributed scheduler the sites run as parallel tasks on its workers (which must
see the same files); each site's pipeline is the in-memory one. With ``workers`` > 1 and no
scheduler they run in a pool of local worker processes (:mod:`carbon.workflow.pool`). Either way
the report files and the summary are those of the serial run; the ledger rows of issued
reports are appended in the order the sites finish.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from carbon.core.errors import CarbonError, ConfigError
from carbon.ledger.folders import existing_versions, write_version

FLEET_ROOT = "_fleets"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
SUMMARY_COLUMNS = (
    "site_file",
    "site_id",
    "site_name",
    "status",
    "report",
    "energy_kwh",
    "it_energy_kwh",
    "scope2_location_kgco2e",
    "scope2_market_kgco2e",
    "pue",
    "error",
)


@dataclass(frozen=True)
class Fleet:
    """A fleet file: its name and the site files it lists (resolved paths, in its order)."""

    path: Path
    name: str
    sites: tuple[Path, ...]
    listed: tuple[str, ...]  # the site files as written in the fleet file


@dataclass(frozen=True)
class FleetRun:
    """What a fleet run did: one row per site and where the summary went."""

    fleet: Fleet
    period: str
    rows: tuple[dict[str, Any], ...]
    summary: Path
    failed: tuple[str, ...] = field(default_factory=tuple)  # site files that failed

    @property
    def ok(self) -> bool:
        return not self.failed


def load_fleet(path: Path) -> Fleet:
    """Read and check a fleet file (the site files themselves are read when reported)."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: fleet file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    section = document.get("fleet")
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: a [fleet] table with 'name' and 'sites' is expected")
    unknown = set(section) - {"name", "sites"}
    if unknown:
        raise ConfigError(
            f"{path}: [fleet] has unknown key(s) {', '.join(sorted(unknown))}; "
            "expected 'name' and 'sites'"
        )
    name = section.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{path}: [fleet] name must be letters, digits, '-' or '_' (it names the summary "
            f"folder); got {name!r}"
        )
    sites = section.get("sites")
    if not isinstance(sites, list) or not sites or not all(isinstance(s, str) for s in sites):
        raise ConfigError(
            f"{path}: [fleet] sites must be a non-empty list of site file paths, relative to "
            "the fleet file's folder"
        )
    repeated = sorted({s for s in sites if sites.count(s) > 1})
    if repeated:
        raise ConfigError(f"{path}: [fleet] sites lists {', '.join(repeated)} more than once")
    base = path.parent
    return Fleet(
        path=path,
        name=name,
        sites=tuple((base / s).resolve() for s in sites),
        listed=tuple(sites),
    )


def _number(block: Any) -> float | None:
    if isinstance(block, dict):
        block = block.get("total")
    return None if block is None else float(block)


def site_row(listed: str, results: dict[str, Any], report: Path) -> dict[str, Any]:
    """The summary row of a site reported without error."""
    site = results["site"]
    return {
        "site_file": listed,
        "site_id": site["id"],
        "site_name": site["name"],
        "status": "ok",
        "report": str(report),
        "energy_kwh": _number(results["energy_kwh"]),
        "it_energy_kwh": _number(results["it_energy_kwh"]),
        "scope2_location_kgco2e": _number(results["scope2_location_kgco2e"]),
        "scope2_market_kgco2e": _number(results.get("scope2_market_kgco2e")),
        "pue": results["kpis"]["pue"],
        "error": None,
    }


def failed_row(listed: str, error: BaseException) -> dict[str, Any]:
    """The summary row of a site that failed: the site file and the error, nothing else."""
    text = str(error) if isinstance(error, CarbonError) else f"{type(error).__name__}: {error}"
    row = dict.fromkeys(SUMMARY_COLUMNS)
    row.update(site_file=listed, status="error", error=text)
    return row


def report_site(
    site_file: Path, listed: str, period: str, out: Path, options: dict[str, Any]
) -> dict[str, Any]:
    """Report one site as ``carbon report --site`` does; its summary row, or its error row."""
    from carbon.workflow.jobs import write_site_report

    if not site_file.is_file():
        return failed_row(listed, ConfigError(f"{listed}: site file not found ({site_file})"))
    try:
        written = write_site_report(site_file, period, out, **options)
    except Exception as exc:  # one site's failure must not stop the fleet; it is reported
        return failed_row(listed, exc)
    finally:
        # A site's arrays sit in reference cycles (xarray caches each accessor, such as
        # `.pint`, on the array it wraps): collect them now, or a fleet run holds every
        # site's cube until a full collection comes round (~35 MB a site, measured).
        gc.collect()
    return site_row(listed, written.results, written.path)


def summary_bytes(fleet: Fleet, period: str, rows: list[dict[str, Any]]) -> dict[str, bytes]:
    """``summary.json`` and ``summary.csv`` of a fleet run (plain numbers, units in the keys)."""
    ok = [r for r in rows if r["status"] == "ok"]

    def total(key: str) -> float | None:
        values = [r[key] for r in ok]
        return None if not ok or any(v is None for v in values) else sum(values)

    document = {
        "fleet": fleet.name,
        "fleet_file": fleet.path.name,
        "period": period,
        "sites_listed": len(rows),
        "sites_ok": len(ok),
        "sites_failed": len(rows) - len(ok),
        "totals_over_ok_sites": {
            key: total(key)
            for key in (
                "energy_kwh",
                "it_energy_kwh",
                "scope2_location_kgco2e",
                "scope2_market_kgco2e",
            )
        },
        "sites": rows,
    }
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in SUMMARY_COLUMNS})
    return {
        "summary.json": (json.dumps(document, indent=2, sort_keys=True) + "\n").encode(),
        "summary.csv": text.getvalue().encode(),
    }


def run_fleet(
    fleet_file: Path,
    period: str,
    out: Path,
    *,
    status: str = "draft",
    issue_date: date | None = None,
    scheduler: str | None = None,
    progress: Callable[[str, dict[str, Any]], None] | None = None,
    baseline: str | None = None,
    workers: int | None = None,
) -> FleetRun:
    """Report every site of a fleet for `period`, then write the fleet summary.

    `progress` is called after each site with its listed path and its summary row.
    `workers` > 1 reports that many sites at a time in worker processes
    (:mod:`carbon.workflow.pool`); with ``scheduler="local"`` it is the LocalCluster's size.
    """
    if workers is not None:
        from carbon.workflow.pool import check_workers

        check_workers(workers)
        if scheduler not in (None, "local"):
            raise ConfigError(
                "--workers sizes the local process pool or --scheduler local; a scheduler at "
                "an address has its own workers"
            )
    if scheduler == "threads":
        raise ConfigError(
            "--scheduler with --fleet takes 'local' (a LocalCluster) or a scheduler address; "
            "'threads' is for the dask-backed pipeline of one site"
        )
    fleet = load_fleet(fleet_file)
    options = {"status": status, "issue_date": issue_date, "baseline": baseline}
    done: dict[str, dict[str, Any]] = {}

    def record(listed: str, row: dict[str, Any]) -> None:
        done[listed] = row
        if progress is not None:
            progress(listed, row)

    if scheduler is None and workers is not None and workers > 1:
        from carbon.workflow.pool import report_sites_in_processes

        jobs = list(zip(fleet.sites, fleet.listed, strict=True))
        report_sites_in_processes(jobs, period, Path(out), options, workers, record)
    elif scheduler is None:
        for site_file, listed in zip(fleet.sites, fleet.listed, strict=True):  # loop over sites
            record(listed, report_site(site_file, listed, period, Path(out), options))
    else:
        from dask.distributed import as_completed

        from carbon.workflow.scale import dask_client

        with dask_client(scheduler, workers=workers) as client:
            futures = {
                client.submit(
                    report_site, site_file, listed, period, Path(out), options, pure=False
                ): listed
                for site_file, listed in zip(fleet.sites, fleet.listed, strict=True)
            }
            for future in as_completed(futures):
                listed = futures.pop(future)  # released once its row is read
                try:
                    row = future.result()
                except Exception as exc:  # the task itself failed (e.g. a worker died)
                    row = failed_row(listed, exc)
                record(listed, row)
    rows = [done[listed] for listed in fleet.listed]  # the fleet file's order
    version = max(existing_versions(Path(out) / FLEET_ROOT, fleet.name, period), default=0) + 1
    summary = write_version(
        Path(out) / FLEET_ROOT, fleet.name, period, version, summary_bytes(fleet, period, rows)
    )
    failed = tuple(r["site_file"] for r in rows if r["status"] != "ok")
    return FleetRun(fleet=fleet, period=period, rows=tuple(rows), summary=summary, failed=failed)
