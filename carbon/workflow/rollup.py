"""Quarterly and fiscal-year roll-ups of the monthly results, with restated comparatives.

A roll-up sums the monthly figures of the months in a fiscal period
(:mod:`carbon.core.fiscal`): energy and IT energy per workload, Scope 1, Scope 2 on
both bases (and hourly matching), Scope 3.3(c), BTC, hashes delivered, GPU-hours,
credits retired and hardware retired. **Intensities are recomputed from the sums,
never averaged across months**: PUE = Σ energy ÷ Σ IT energy; realised J/TH =
Σ mining IT energy ÷ Σ hashes delivered; kWh/BTC = Σ self-mining energy ÷ Σ BTC;
kg CO2e/BTC, kWh/GPU-h, g CO2e/GPU-h, GPU utilisation and the consumption-weighted
grid intensity likewise.

Each month comes from the latest issued version in the ledger when one exists
(a restated month reads its restatement), otherwise it is computed with the same
pipeline as a report (:meth:`carbon.workflow.inputs.SiteData.run`, inputs read once),
and the roll-up says which. The prior fiscal period is shown as the comparative
when every one of its months is available; otherwise the comparative is "not
available" and the missing months are named. A figure that a month does not hold
(no activity row, say) makes the period's sum ``None`` rather than a partial sum.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon.core.dotted import lookup
from carbon.core.errors import PeriodError
from carbon.core.fiscal import fiscal_label_months, prior_label, year_ago_label
from carbon.core.period import month
from carbon.core.units import ureg
from carbon.core.version import __version__
from carbon.ledger.folders import existing_versions, write_version
from carbon.ledger.index import ledger_path, read_ledger
from carbon.ledger.repair import missing_error
from carbon.report.rollup import rollup_files
from carbon.results.document import ReportMeta, build_results
from carbon.workflow.inputs import SiteData, demo_site_data, site_data

__all__ = [
    "MonthResult",
    "Rollup",
    "compute_rollup",
    "month_figures",
    "month_results",
    "recomputed_intensities",
    "rollup_document",
    "sum_figures",
    "write_rollup",
    "write_site_rollup",
]

Q_ = ureg.Quantity

#: Summed figures: name → (results.json path, unit of the sum).
_WORKLOADS = ("mining", "ai", "other", "total")
_PATHS: dict[str, tuple[str, str]] = {
    **{f"energy_kwh.{w}": (f"energy_kwh.{w}", "kWh") for w in _WORKLOADS},
    **{f"it_energy_kwh.{w}": (f"it_energy_kwh.{w}", "kWh") for w in _WORKLOADS},
    "dc_energy_kwh": ("kpis.dc_energy_kwh.total", "kWh"),
    "scope1_kgco2e": ("scope1_kgco2e.total", "kg CO2e"),
    **{
        f"scope2_location_kgco2e.{w}": (f"scope2_location_kgco2e.{w}", "kg CO2e")
        for w in _WORKLOADS
    },
    **{f"scope2_market_kgco2e.{w}": (f"scope2_market_kgco2e.{w}", "kg CO2e") for w in _WORKLOADS},
    "scope2_market_hourly_matching_kgco2e": (
        "scope2_market_hourly_matching_kgco2e.total",
        "kg CO2e",
    ),
    "scope3_3_td_losses_kgco2e": ("scope3_3_td_losses_kgco2e.total", "kg CO2e"),
    "hours": ("period.hours", "hour"),
    "btc_mined_self": ("sector_metrics.activity.btc_mined_self", "BTC"),
    "btc_mined_hosted": ("sector_metrics.activity.btc_mined_hosted", "BTC"),
    "gpu_hours_sold": ("sector_metrics.activity.gpu_hours_sold", "hour"),
    "gpu_hours_available": ("sector_metrics.activity.gpu_hours_available", "hour"),
    "offsets_retired_tco2e": ("offsets.retired_tco2e", "t CO2e"),
    "avoided_methane_retired_tco2e": ("offsets.avoided_methane.retired_tco2e", "t CO2e"),
    "retired_hardware_t": ("retired_hardware.mass_t.total", "t"),
}
_DERIVED_UNITS = {
    "th_delivered": "TH",
    "self_mining_energy_kwh": "kWh",
    "self_mining_location_kgco2e": "kg CO2e",
    "self_mining_market_kgco2e": "kg CO2e",
}


def _get(results: dict[str, Any], dotted: str) -> Any:
    """The number at `dotted` as a float, or None (absent, null or not a number)."""
    node = lookup(results, dotted)
    if isinstance(node, bool) or not isinstance(node, int | float):
        return None
    return float(node)


def month_figures(results: dict[str, Any]) -> dict[str, float | None]:
    """The additive figures of one month's results (plain numbers, units in `FIGURE_UNITS`).

    Besides the figures read as they are: ``th_delivered`` = average operating
    hashrate × elapsed seconds [TH]; the self-mining energy and Scope 2 (both
    bases) = the mining workload's × ``self_mining_share`` (docs/methodology.md §8: per-BTC
    figures use self-mining only).
    """
    out = {name: _get(results, path) for name, (path, _) in _PATHS.items()}
    if (results.get("retired_hardware") or {}).get("reported") is False:
        out["retired_hardware_t"] = None
    hashrate = _get(results, "sector_metrics.activity.hashrate_average_th_per_s")
    hours = out["hours"]
    out["th_delivered"] = (
        float((Q_(hashrate, "TH/s") * Q_(hours, "hour")).to("TH").magnitude)
        if hashrate is not None and hours is not None
        else None
    )
    share = _get(results, "sector_metrics.activity.self_mining_share")
    for name, key in (
        ("self_mining_energy_kwh", "energy_kwh.mining"),
        ("self_mining_location_kgco2e", "scope2_location_kgco2e.mining"),
        ("self_mining_market_kgco2e", "scope2_market_kgco2e.mining"),
    ):
        value = out[key]
        out[name] = value * share if value is not None and share is not None else None
    return out


#: The unit of every figure of :func:`month_figures` (and of the sums).
FIGURE_UNITS: dict[str, str] = {
    **{name: unit for name, (_, unit) in _PATHS.items()},
    **_DERIVED_UNITS,
}


def sum_figures(months: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """Σ over the months per figure; ``None`` when any month lacks the figure."""
    out: dict[str, float | None] = {}
    for name in FIGURE_UNITS:
        values = [m.get(name) for m in months]
        out[name] = None if not values or any(v is None for v in values) else sum(values)
    return out


def _ratio(numerator: Any, num_unit: str, denominator: Any, den_unit: str, unit: str) -> Any:
    if numerator is None or denominator is None or denominator == 0:
        return None

    # a BTC amount is a count: per-BTC figures are in the numerator's unit per coin
    def u(text: str) -> str:
        return (text.replace("/BTC", "") or "dimensionless") if text != "BTC" else "dimensionless"

    return float((Q_(numerator, u(num_unit)) / Q_(denominator, u(den_unit))).to(u(unit)).magnitude)


def recomputed_intensities(sums: dict[str, float | None]) -> dict[str, float | None]:
    """Intensities of a period from its sums (never an average of monthly intensities)."""
    s = sums
    return {
        "pue": _ratio(
            s["energy_kwh.total"] if s.get("dc_energy_kwh") is None else s["dc_energy_kwh"],
            "kWh",
            s["it_energy_kwh.total"],
            "kWh",
            "",
        ),
        "average_mw": _ratio(s["energy_kwh.total"], "kWh", s["hours"], "hour", "MW"),
        "grid_intensity_location_gco2e_per_kwh": _ratio(
            s["scope2_location_kgco2e.total"],
            "kg CO2e",
            s["energy_kwh.total"],
            "kWh",
            "g CO2e/kWh",
        ),
        "j_per_th": _ratio(s["it_energy_kwh.mining"], "kWh", s["th_delivered"], "TH", "J/TH"),
        "kwh_per_btc": _ratio(
            s["self_mining_energy_kwh"], "kWh", s["btc_mined_self"], "BTC", "kWh/BTC"
        ),
        "kgco2e_per_btc_location": _ratio(
            s["self_mining_location_kgco2e"],
            "kg CO2e",
            s["btc_mined_self"],
            "BTC",
            "kg CO2e/BTC",
        ),
        "kgco2e_per_btc_market": _ratio(
            s["self_mining_market_kgco2e"],
            "kg CO2e",
            s["btc_mined_self"],
            "BTC",
            "kg CO2e/BTC",
        ),
        "kwh_per_gpu_hour": _ratio(
            s["energy_kwh.ai"], "kWh", s["gpu_hours_sold"], "hour", "kWh/hour"
        ),
        "kwh_per_gpu_hour_it": _ratio(
            s["it_energy_kwh.ai"], "kWh", s["gpu_hours_sold"], "hour", "kWh/hour"
        ),
        "gco2e_per_gpu_hour_location": _ratio(
            s["scope2_location_kgco2e.ai"],
            "kg CO2e",
            s["gpu_hours_sold"],
            "hour",
            "g CO2e/hour",
        ),
        "gco2e_per_gpu_hour_market": _ratio(
            s["scope2_market_kgco2e.ai"], "kg CO2e", s["gpu_hours_sold"], "hour", "g CO2e/hour"
        ),
        "gpu_utilisation": _ratio(
            s["gpu_hours_sold"], "hour", s["gpu_hours_available"], "hour", ""
        ),
    }


INTENSITY_DEFINITIONS: dict[str, str] = {
    "pue": "Σ E_DC (electricity + on-site fuel) ÷ Σ IT energy; Σ site electricity ÷ Σ IT "
    "energy when a month's results carry no kpis.dc_energy_kwh",
    "average_mw": "Σ site energy ÷ Σ elapsed hours [MW]",
    "grid_intensity_location_gco2e_per_kwh": "Σ Scope 2 location-based ÷ Σ site energy",
    "j_per_th": "Σ mining IT energy ÷ Σ (average operating hashrate × seconds) [J/TH]",
    "kwh_per_btc": "Σ self-mining energy ÷ Σ BTC mined by the own fleet",
    "kgco2e_per_btc_location": "Σ self-mining Scope 2 location-based ÷ Σ BTC (own fleet)",
    "kgco2e_per_btc_market": "Σ self-mining Scope 2 market-based ÷ Σ BTC (own fleet)",
    "kwh_per_gpu_hour": "Σ AI energy (incl. overhead) ÷ Σ GPU-hours sold",
    "kwh_per_gpu_hour_it": "Σ AI IT energy ÷ Σ GPU-hours sold",
    "gco2e_per_gpu_hour_location": "Σ AI Scope 2 location-based ÷ Σ GPU-hours sold",
    "gco2e_per_gpu_hour_market": "Σ AI Scope 2 market-based ÷ Σ GPU-hours sold",
    "gpu_utilisation": "Σ GPU-hours sold ÷ Σ GPU-hours available",
}


def _period_block(
    label: str, months: list[str], sources: list[dict[str, Any]], figures: list[dict]
) -> dict[str, Any]:
    sums = sum_figures(figures)
    return {
        "label": label,
        "months": months,
        "sources": sources,
        "sums": sums,
        "intensities": recomputed_intensities(sums),
    }


@dataclass(frozen=True)
class MonthResult:
    """One month's results and where they come from."""

    label: str
    results: dict[str, Any] | None
    source: dict[str, Any]


def _comparative(label: str, months: Sequence[MonthResult]) -> dict[str, Any]:
    """A comparative period's block, or why it is not available (a month without data)."""
    missing = [m.label for m in months if m.results is None]
    if missing:
        return {
            "label": label,
            "available": False,
            "reason": "not available: no data or issued version for " + ", ".join(missing),
        }
    return {
        "available": True,
        **_period_block(
            label,
            [m.label for m in months],
            [m.source for m in months],
            [month_figures(m.results) for m in months if m.results is not None],
        ),
    }


def _month_row(m: MonthResult) -> dict[str, Any]:
    """One month of the period by workload (the roll-up's monthly chart) and its status:
    ``issued``, ``restated`` (a later issued version replaces the first) or ``draft``
    (computed from the inputs, not issued)."""
    results = m.results or {}
    if m.source.get("source") == "ledger":
        status = "restated" if m.source.get("restated") else "issued"
    else:
        status = "draft"
    return {
        "month": m.label,
        "status": status,
        "report_id": m.source.get("report_id"),
        **{
            f"{block}.{w}": (results.get(block) or {}).get(w)
            for block in ("energy_kwh", "scope2_location_kgco2e", "scope2_market_kgco2e")
            for w in ("mining", "ai")
        },
    }


def _assurance(months: Sequence[MonthResult]) -> dict[str, Any]:
    """The assurance state of the period: its months' ``assurance`` blocks when they all
    agree, else "MIXED" with the months' stamps; "UNASSURED" when none declares one."""
    stamps = {
        m.label: str(((m.results or {}).get("assurance") or {}).get("stamp") or "UNASSURED")
        for m in months
    }
    kinds = sorted(set(stamps.values()))
    if len(kinds) == 1:
        last = (months[-1].results or {}).get("assurance") or {}
        return {
            "stamp": kinds[0],
            "summary": str(last.get("summary") or kinds[0]),
            "by_month": stamps,
        }
    return {
        "stamp": "MIXED",
        "summary": "months differ: "
        + "; ".join(f"{label} {stamp}" for label, stamp in stamps.items()),
        "by_month": stamps,
    }


def rollup_document(
    site: dict[str, Any],
    label: str,
    fiscal: dict[str, Any],
    current: Sequence[MonthResult],
    prior_label: str,
    prior: Sequence[MonthResult],
    software_version: str,
    year_ago: tuple[str, Sequence[MonthResult]] | None = None,
) -> dict[str, Any]:
    """The roll-up JSON: the period's sums and recomputed intensities, the prior period
    as comparative (or why not), for a quarter also the same quarter a year earlier
    (`year_ago`: its label and months), each month's source, and the definitions."""
    missing = [m.label for m in current if m.results is None]
    if missing:
        raise ValueError(f"{label}: months without data: {', '.join(missing)}")
    this = _period_block(
        label,
        [m.label for m in current],
        [m.source for m in current],
        [month_figures(m.results) for m in current if m.results is not None],
    )
    comparative = _comparative(prior_label, prior)
    return {
        "kind": "fiscal-rollup",
        "monthly": [_month_row(m) for m in current],
        "assurance": _assurance(current),
        "site": site,
        "label": label,
        "fiscal_year": fiscal,
        "period": this,
        "comparative": comparative,
        "comparative_year_ago": None if year_ago is None else _comparative(*year_ago),
        "units": dict(FIGURE_UNITS),
        "intensity_definitions": dict(INTENSITY_DEFINITIONS),
        "method": "Monthly figures summed; intensities recomputed from the sums, never averaged. "
        "A month reads the latest issued version in the ledger (restatements included) where "
        "one exists, otherwise it is computed from the inputs with the report pipeline. "
        "Location-based and market-based Scope 2 are separate totals, never added. Credits "
        "retired are a memo beside the inventory, never netted.",
        "software_version": software_version,
    }


# --------------------------------------------------------------------------- orchestration


def _issued_results(out: Path, site_id: str) -> dict[str, tuple[dict[str, Any], dict]]:
    """Month → (results, ledger entry) of the latest issued version still in force."""
    entries = [e for e in read_ledger(ledger_path(out)) if e.get("site_id") == site_id]
    replaced = {e.get("supersedes") for e in entries if e.get("supersedes")}
    found: dict[str, tuple[dict[str, Any], dict]] = {}
    for entry in entries:
        if entry.get("status") != "issued" or entry.get("report_id") in replaced:
            continue
        period = str(entry.get("period"))
        if period in found and found[period][1].get("version", 0) >= entry.get("version", 0):
            continue
        folder = (Path(out) / str(entry["pdf"])).parent
        if not folder.is_dir():  # an issued version whose folder was lost: say so
            raise missing_error(out, entry)
        results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        found[period] = (results, entry)
    return found


def month_results(
    data: SiteData,
    labels: Sequence[str],
    out: Path,
    compute: Callable[[str], dict[str, Any]],
) -> list[MonthResult]:
    """Each month's results: the latest issued version in the ledger, else computed
    (`compute`) when the meter data cover the month, else ``None``."""
    site = data.site
    issued = _issued_results(out, site.site.id)
    first, last = data.span()
    found = []
    for label in labels:
        if label in issued:
            results, entry = issued[label]
            source = {
                "month": label,
                "source": "ledger",
                "report_id": entry.get("report_id"),
                "version": entry.get("version"),
                "status": "issued",
                "restated": entry.get("supersedes") is not None,
            }
            found.append(MonthResult(label, results, source))
            continue
        period = month(label, site.site.timezone)
        if period.start_utc >= first and period.end_utc <= last:
            found.append(
                MonthResult(
                    label,
                    compute(label),
                    {
                        "month": label,
                        "source": "computed",
                        "report_id": None,
                        "version": None,
                        "status": "computed from the inputs (not issued)",
                        "restated": False,
                    },
                )
            )
        else:
            found.append(
                MonthResult(
                    label,
                    None,
                    {
                        "month": label,
                        "source": "none",
                        "report_id": None,
                        "version": None,
                        "status": "no data",
                        "restated": False,
                    },
                )
            )
    return found


@dataclass(frozen=True)
class Rollup:
    """A written roll-up: its folder and document."""

    path: Path
    document: dict[str, Any]


def compute_rollup(data: SiteData, label: str, out: Path) -> dict[str, Any]:
    """The roll-up document of fiscal period `label` (``FY2025`` or ``FY2025-Q3``)."""
    site = data.site
    fy = site.fiscal_year
    start_month, naming = (fy.start_month, fy.naming) if fy else (1, "end-year")
    months = fiscal_label_months(label, start_month, naming)
    before = prior_label(label)
    prior_months = fiscal_label_months(before, start_month, naming)

    def compute(m: str) -> dict[str, Any]:
        period = month(m, site.site.timezone)
        outcome = data.run(period)
        meta = ReportMeta(
            report_id=f"{site.site.id}-{m}-computed",
            version=0,
            status="draft",
            issue_date=period.end.date(),
        )
        return build_results(outcome, meta)

    current = month_results(data, months, out, compute)
    missing = [m.label for m in current if m.results is None]
    if missing:
        first, last = data.span()
        raise PeriodError(
            f"{label} ({months[0]} to {months[-1]}) needs every month; no issued version and "
            f"no meter data for {', '.join(missing)} (data cover {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d} UTC)",
            reason="months-without-data",
        )
    prior = month_results(data, prior_months, out, compute)
    year_ago = None
    if (ago := year_ago_label(label)) is not None:
        ago_months = fiscal_label_months(ago, start_month, naming)
        year_ago = (ago, month_results(data, ago_months, out, compute))
    return rollup_document(
        {
            "id": site.site.id,
            "name": site.site.name,
            "timezone": site.site.timezone,
            "synthetic": site.site.synthetic,
        },
        label,
        {"start_month": start_month, "naming": naming, "declared": fy is not None},
        current,
        before,
        prior,
        __version__,
        year_ago,
    )


def write_rollup(data: SiteData, label: str, out: Path) -> Rollup:
    """Compute the roll-up of `label` and write ``<out>/<site>/<label>/v<N>/`` (the next N;
    nothing is overwritten) holding ``rollup.json``, ``rollup.csv`` and ``rollup.pdf``."""
    document = compute_rollup(data, label, out)
    site_id = data.site.site.id
    last = document["period"]["months"][-1]
    day = month(last, data.site.site.timezone).end.date()
    version = (existing_versions(out, site_id, label) or [0])[-1] + 1
    document = {**document, "version": version, "issue_date": day.isoformat()}
    path = write_version(out, site_id, label, version, rollup_files(document))
    return Rollup(path=path, document=document)


def write_site_rollup(label: str, out: Path, *, site_file: Path | None = None) -> Rollup:
    """:func:`write_rollup` for the site a site file declares, or for the demo without one."""
    data = site_data(site_file) if site_file is not None else demo_site_data()[0]
    return write_rollup(data, label, out)
