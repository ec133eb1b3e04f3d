"""Report a fleet: every site file a fleet file lists, then one fleet summary.

A fleet file is TOML::

    [fleet]
    name = "north-america"                       # letters, digits, '-', '_'
    sites = ["pecos/site.toml", "ely/site.toml"]  # relative to the fleet file's folder

Every site is reported exactly as ``carbon report --site`` reports it
(:func:`carbon.workflow.fleet_site.report_site`: its own version folder and ledger line). A site
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
import io
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from carbon.core.errors import ConfigError
from carbon.ledger.folders import existing_versions, write_version
from carbon.pivot.baseline import AUTO
from carbon.workflow.fleet_site import SUMMARY_COLUMNS, failed_row, report_site
from carbon.workflow.pool import check_workers, report_sites_in_processes
from carbon.workflow.publish import check_options
from carbon.workflow.scale import dask_client

__all__ = [
    "FLEET_ROOT",
    "Fleet",
    "FleetRun",
    "check_fleet_request",
    "load_fleet",
    "run_fleet",
    "summary_bytes",
]

FLEET_ROOT = "_fleets"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


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


def check_fleet_request(
    *,
    site_file: Path | None,
    fleet_file: Path | None,
    period: str,
    status: str,
    scheduler: str | None = None,
    workers: int | None = None,
    restate: bool = False,
    as_json: bool = False,
) -> None:
    """Refuse a ``carbon report`` request that is neither one site's nor a fleet's: exactly one
    of a site file and a fleet file, a period, and the options a fleet run takes."""
    if (site_file is None) == (fleet_file is None):
        raise ConfigError(
            "give either --site FILE or --fleet FILE (one of them)", reason="site-or-fleet"
        )
    if not period:
        raise ConfigError("--period YYYY-MM is required", reason="missing-period")
    if scheduler is not None and fleet_file is None:
        raise ConfigError("--scheduler is used with --fleet only", reason="fleet-only-option")
    if workers is not None and fleet_file is None:
        raise ConfigError("--workers is used with --fleet only", reason="fleet-only-option")
    if restate:
        raise ConfigError(
            "--restate applies to one site: use --site with --restate --reason",
            reason="site-only-option",
        )
    if as_json:
        raise ConfigError(
            "--json applies to one site; a fleet run writes summary.json",
            reason="site-only-option",
        )
    check_options(status, False, None)


def load_fleet(path: Path) -> Fleet:
    """Read and check a fleet file (the site files themselves are read when reported)."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: fleet file not found", path=path, reason="file-not-found"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML ({exc})",
            path=path,
            line=getattr(exc, "lineno", None),  # Python 3.14 and later name the line
            reason="toml",
        ) from None
    section = document.get("fleet")
    if not isinstance(section, dict):
        raise ConfigError(
            f"{path}: a [fleet] table with 'name' and 'sites' is expected", path=path, key="fleet"
        )
    unknown = set(section) - {"name", "sites"}
    if unknown:
        raise ConfigError(
            f"{path}: [fleet] has unknown key(s) {', '.join(sorted(unknown))}; "
            "expected 'name' and 'sites'",
            path=path,
            key="fleet",
        )
    name = section.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"{path}: [fleet] name must be letters, digits, '-' or '_' (it names the summary "
            f"folder); got {name!r}",
            path=path,
            key="fleet.name",
        )
    sites = section.get("sites")
    if not isinstance(sites, list) or not sites or not all(isinstance(s, str) for s in sites):
        raise ConfigError(
            f"{path}: [fleet] sites must be a non-empty list of site file paths, relative to "
            "the fleet file's folder",
            path=path,
            key="fleet.sites",
        )
    repeated = sorted({s for s in sites if sites.count(s) > 1})
    if repeated:
        raise ConfigError(
            f"{path}: [fleet] sites lists {', '.join(repeated)} more than once",
            path=path,
            key="fleet.sites",
        )
    base = path.parent
    return Fleet(
        path=path,
        name=name,
        sites=tuple((base / s).resolve() for s in sites),
        listed=tuple(sites),
    )


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
    baseline: str | None = AUTO,
    workers: int | None = None,
) -> FleetRun:
    """Report every site of a fleet for `period`, then write the fleet summary.

    `progress` is called after each site with its listed path and its summary row.
    `workers` > 1 reports that many sites at a time in worker processes
    (:mod:`carbon.workflow.pool`); with ``scheduler="local"`` it is the LocalCluster's size.
    """
    if workers is not None:
        check_workers(workers)
        if scheduler not in (None, "local"):
            raise ConfigError(
                "--workers sizes the local process pool or --scheduler local; a scheduler at "
                "an address has its own workers",
                reason="bad-scheduler",
            )
    if scheduler == "threads":
        raise ConfigError(
            "--scheduler with --fleet takes 'local' (a LocalCluster) or a scheduler address; "
            "'threads' is for the dask-backed pipeline of one site",
            reason="bad-scheduler",
        )
    fleet = load_fleet(fleet_file)
    options = {"status": status, "issue_date": issue_date, "baseline": baseline}
    done: dict[str, dict[str, Any]] = {}

    def record(listed: str, row: dict[str, Any]) -> None:
        done[listed] = row
        if progress is not None:
            progress(listed, row)

    if scheduler is None and workers is not None and workers > 1:
        jobs = list(zip(fleet.sites, fleet.listed, strict=True))
        report_sites_in_processes(jobs, period, Path(out), options, workers, record)
    elif scheduler is None:
        for site_file, listed in zip(fleet.sites, fleet.listed, strict=True):  # loop over sites
            record(listed, report_site(site_file, listed, period, Path(out), options))
    else:
        # dask.distributed is imported here, for start-up time: only a cluster run needs it
        from dask.distributed import as_completed

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
