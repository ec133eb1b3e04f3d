"""One site of a fleet run: its report, as ``carbon report --site`` writes it, and its row
of the fleet summary (or the error that stopped it).

The serial loop (:mod:`carbon.workflow.fleet`), the worker processes
(:mod:`carbon.workflow.pool`) and a dask.distributed cluster all report a site through
:func:`report_site`.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from carbon.core.errors import CarbonError, ConfigError
from carbon.workflow.publish import write_site_report

__all__ = ["SUMMARY_COLUMNS", "failed_row", "report_site", "site_row"]

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
    if not site_file.is_file():
        return failed_row(
            listed,
            ConfigError(
                f"{listed}: site file not found ({site_file})",
                path=site_file,
                reason="file-not-found",
            ),
        )
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
