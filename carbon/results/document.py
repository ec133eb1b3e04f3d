"""The results document (``results.json``), its tidy table (``results.csv``) and the manifest.

The schema is documented in ``docs/results-json.md`` and is stable: later
versions add keys, never rename them. Every number is a plain float in the unit
its key names (``energy_kwh``, ``scope2_location_kgco2e``); this module is the
display boundary where pint quantities become numbers, converted explicitly.
Report tables are derived from this document, never computed a second time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
from dataclasses import dataclass
from datetime import date

import pandas as pd
import xarray as xr

from carbon.accounting.alignment import alignment_note, is_exact
from carbon.accounting.grid_chain import source_shares
from carbon.accounting.location import FACTOR_LEVELS
from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis.activity import sector_metrics_dict
from carbon.analysis.boundary_energy import facility_pue, pue_of
from carbon.analysis.data_quality import estimated_block
from carbon.analysis.gwp_figures import gwp_sets_block
from carbon.analysis.headline import headline_keys, kpis_extra, pue_category, td_block
from carbon.analysis.leased_assets import apply_leased_assets, moved_parties
from carbon.analysis.operating import operating_blocks
from carbon.analysis.register import register_keys
from carbon.analysis.tenants import tenants_block
from carbon.core.flags import Flag
from carbon.core.period import Period
from carbon.core.version import __version__
from carbon.factors.catalogue import load_dataset
from carbon.results.csv_rows import csv_rows
from carbon.results.factor_blocks import annual_view_block, hierarchy_words, location_factor_rows
from carbon.results.instruments import register_rows
from carbon.results.statements import statements_block
from carbon.results.tier_block import location_tiers_block
from carbon.site.meters import Meter

SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class ReportMeta:
    """Identity of one report version."""

    report_id: str
    version: int
    status: str  # "draft" or "issued"
    issue_date: date


def _number(quantity: xr.DataArray, unit: str) -> float:
    return float(quantity.pint.to(unit).pint.magnitude)


def _by_workload(per_workload_time: xr.DataArray, unit: str) -> dict[str, float]:
    totals = per_workload_time.sum("time", skipna=False)
    out = {str(w): _number(totals.sel(workload=w), unit) for w in totals["workload"].values}
    out["total"] = _number(totals.sum("workload"), unit)
    return out


def workload_totals(outcome: PeriodOutcome) -> dict[str, dict[str, float]]:
    """Facility energy, IT energy and Scope 2 on both bases per workload and in total: the
    blocks of ``results.json`` a monthly trend row repeats, without the rest of the document
    (Scope 2 the operator's: tenants in Scope 3 category 13 left out, as in the document)."""
    split = outcome.attribution
    market = outcome.scopes.market
    annual = dict(market.summary()["mb_annual_matching_by_workload_kgco2e"])
    annual["total"] = market.total_annual_kgco2e
    totals = {
        "energy_kwh": _by_workload(split.total, "kWh"),
        "it_energy_kwh": _by_workload(split.it, "kWh"),
        "scope2_location_kgco2e": _by_workload(outcome.hourly_emissions, "kg CO2e"),
        "scope2_market_kgco2e": annual,
    }
    if moved_parties(outcome.site.boundary):  # the operator's Scope 2, as the period's (§1.1)
        moved = apply_leased_assets(
            {**totals, "tenants": tenants_block(outcome)}, outcome.site.boundary
        )
        totals.update({k: moved[k] for k in ("scope2_location_kgco2e", "scope2_market_kgco2e")})
    return totals


def _more_factors(outcome: PeriodOutcome) -> list[dict[str, object]]:
    """The other shipped datasets a report draws on: GWP values and, with fuel, Scope 1."""
    roles = [("ipcc_gwp100", f"GWP-100 values, set {outcome.site.reporting.gwp_set}")]
    if outcome.scopes.scope1.records:
        roles.append((outcome.scopes.scope1.dataset_id, "Scope 1 stationary-combustion factors"))
    out = []
    for dataset_id, role in roles:
        dataset = load_dataset(dataset_id)
        out.append(
            {
                "id": dataset.id,
                "edition": dataset.edition,
                "revision": dataset.revision,
                "sha256": dataset.sha256,
                "role": role,
                "note": "",
            }
        )
    return out


def _scopes(outcome: PeriodOutcome, lb_total: float, it_total_kwh: float) -> dict[str, object]:
    """Market-based Scope 2, Scope 1 and Scope 3.3 blocks (docs/methodology.md §1.3-1.6, §2)."""
    scopes = outcome.scopes
    market = scopes.market
    summary = market.summary()
    annual = dict(summary["mb_annual_matching_by_workload_kgco2e"])
    annual["total"] = market.total_annual_kgco2e
    hourly = dict(summary["mb_hourly_matching_by_workload_kgco2e"])
    hourly["total"] = market.total_hourly_kgco2e
    register = register_rows(market)
    s1 = scopes.scope1
    s1_kg = float(s1.co2e.to("kg CO2e").magnitude)
    td = scopes.td_losses
    return {
        "scope2_market_kgco2e": annual,
        "scope2_market_hourly_matching_kgco2e": hourly,
        "scope2_market_by_edition": {
            key: result.summary() for key, result in (scopes.editions or {}).items()
        },
        "market_based": {
            "reporter": scopes.context.reporter,
            "market_boundary": scopes.context.market_boundary,
            **{k: v for k, v in summary.items() if not k.startswith("mb_")},
            "register": register,
        },
        "scope1_kgco2e": {
            "total": float(s1.co2e.to("kg CO2e").magnitude),
            "by_genset": {k: float(v.to("kg CO2e").magnitude) for k, v in s1.by_genset().items()},
        },
        "scope1_gases": {
            "co2_kg": float(s1.co2.to("kg CO2").magnitude),
            "ch4_kg": float(s1.ch4.to("kg CH4").magnitude),
            "n2o_kg": float(s1.n2o.to("kg N2O").magnitude),
            "biogenic_co2_kg": float(s1.biogenic_co2.to("kg CO2").magnitude),
            "fuel_energy_mmbtu_hhv": float(s1.energy_hhv.to("MMBtu").magnitude),
            "records": len(s1.records),
            "factor_dataset": {"id": s1.dataset_id, "sha256": s1.dataset_sha256},
        },
        "scope3_3_td_losses_kgco2e": td_block(td, scopes.td_unavailable),
        "cue_kgco2e_per_kwh_it": {
            "location_based": (lb_total + s1_kg) / it_total_kwh if it_total_kwh else None,
            "market_based": (market.total_annual_kgco2e + s1_kg) / it_total_kwh
            if it_total_kwh
            else None,
            "scope1_included_kgco2e": s1_kg,
            "note": "(Scope 2 on the basis + Scope 1 of on-site fuel) ÷ IT energy "
            "(ISO/IEC 30134-8: on-site combustion at its actual emissions); "
            "interim below 12 months",
        },
    }


def _factor_levels(outcome: PeriodOutcome) -> dict[str, object] | None:
    """Energy, intervals and emissions per location-based factor level
    (docs/methodology.md §1.2)."""
    factors = outcome.location_factors
    if factors is None:
        return None
    levels = factors.levels
    energy = outcome.hourly_energy.sum("workload")
    emissions_h = outcome.hourly_emissions.sum("workload")
    total_mwh = _number(energy.sum(), "MWh")
    codes = levels.values
    times = pd.DatetimeIndex(levels["time"].values)
    out: dict[str, object] = {}
    shares: dict[str, float | None] = {}
    hours: dict[str, int] = {}
    emitted: dict[str, float] = {}
    for code, name in enumerate(FACTOR_LEVELS):
        mask = xr.DataArray(codes == code, dims=("time",), coords={"time": levels["time"]})
        mwh = _number(energy.where(mask, 0.0).sum(), "MWh") if mask.any() else 0.0
        out[f"{name}_mwh"] = mwh
        shares[name] = mwh / total_mwh if total_mwh else None
        hours[name] = int(mask.sum())
        emitted[name] = (
            _number(emissions_h.where(mask, 0.0).sum(), "kg CO2e") if mask.any() else 0.0
        )
    fallback = codes != 0
    runs = []
    if fallback.any():
        step = outcome.factor_step
        start = None
        for i, bad in enumerate(fallback):
            if bad and start is None:
                start = i
            if start is not None and (not bad or i == len(fallback) - 1):
                end = i if not bad else i + 1
                runs.append(
                    {
                        "start": times[start].isoformat() + "Z",
                        "end": (times[end - 1] + step).isoformat() + "Z",
                        "intervals": end - start,
                        "level": FACTOR_LEVELS[int(codes[start])],
                    }
                )
                start = None
    sub, nat = factors.subregion, factors.national
    return {
        **out,
        "shares": shares,
        "hours": hours,
        "kgco2e": emitted,
        "interval": _resolution_words(outcome.factor_step),
        "subregion_annual_factor": None
        if sub is None
        else {
            "region": sub.region,
            "factor_gco2e_per_kwh": float(sub.rate.to("g CO2e/kWh").magnitude),
            "factor_id": sub.factor_id,
        },
        "national_factor": None
        if nat is None
        else {
            "region": nat.region,
            "factor_gco2e_per_kwh": float(nat.rate.to("g CO2e/kWh").magnitude),
            "factor_id": nat.dataset.id if nat.dataset is not None else nat.factor_id,
        },
        **source_shares(factors.chain, outcome.hourly_energy, outcome.hourly_emissions),
        "fallback_spans": runs[:50],
        "fallback_spans_total": len(runs),
        **hierarchy_words(factors),
    }


def _resolution_words(step: pd.Timedelta) -> str:
    """``hourly``, ``30-minute``, ``5-minute`` ..."""
    if step == pd.Timedelta(hours=1):
        return "hourly"
    minutes = step / pd.Timedelta(minutes=1)
    return f"{minutes:g}-minute" if minutes < 60 else f"{minutes / 60:g}-hour"


def _conversions(outcome: PeriodOutcome) -> list[dict[str, str]]:
    """Workload changes of IT meters up to the end of the period."""
    found = []
    for meter in outcome.site.meters_with_role("it"):
        spans = meter.workload_spans()
        for (_, end, before), (_, _, after) in itertools.pairwise(spans):
            at = pd.Timestamp(end)
            if at < outcome.period.end:
                found.append(
                    {
                        "meter": meter.id,
                        "at": at.tz_convert(outcome.period.timezone).isoformat(),
                        "from": before,
                        "to": after,
                    }
                )
    return found


def key_versions(meter: Meter, period: Period) -> dict[str, object]:
    """``versions``: the allocation-key versions of a scheduled shared meter in effect during
    `period` (version, key, workload, from, until; open ends None); empty for one key."""
    if meter.allocation_schedule is None:
        return {}
    start, end = period.start_utc, period.end_utc
    versions = []
    for lo, hi, key, dedicated, version in meter.allocation_spans():  # loops over configuration
        if (hi is not None and pd.Timestamp(hi) <= start) or (
            lo is not None and pd.Timestamp(lo) >= end
        ):
            continue
        versions.append(
            {
                "version": version,
                "key": key,
                "workload": dedicated,
                "from": None if lo is None else lo.isoformat(),
                "until": None if hi is None else hi.isoformat(),
            }
        )
    return {"versions": versions}


def build_results(
    outcome: PeriodOutcome, meta: ReportMeta, *, inputs: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """Assemble the ``results.json`` document of one period."""
    # Long on purpose: one dict literal holds the document's top-level keys, so that the
    # whole schema (docs/results-json.md) reads in one place.
    split = outcome.attribution
    _, pue_workload = pue_of(outcome)  # per workload: electricity only (boundary_energy)
    pue = facility_pue(outcome)  # E_DC with the on-site fuel (docs/methodology.md §3)
    intensity_hours = outcome.intensity_used
    grid_flags = outcome.grid.flags.reindex(time=outcome.hourly_energy["time"], fill_value=1)
    total_kwh = _number(split.revenue.sum(), "kWh")
    lb_total = _number(outcome.hourly_emissions.sum(), "kg CO2e")
    site = outcome.site.site
    meters = []
    energy_totals = outcome.energy.sum("time", skipna=True)
    workloads_of = {
        m.id: (m.workload if isinstance(m.workload, str) or m.workload is None else "scheduled")
        for m in outcome.site.meters
    }
    for meter in outcome.site.meters:
        meters.append(
            {
                "id": meter.id,
                "role": meter.role,
                "workload": workloads_of[meter.id],
                "energy_kwh": _number(energy_totals.sel(meter=meter.id), "kWh"),
            }
        )
    shared = [
        {
            "id": m.id,
            "key": m.allocation if m.allocation_schedule is None else "scheduled",
            "workload": m.dedicated_to,
            "energy_kwh": _number(energy_totals.sel(meter=m.id), "kWh"),
            **key_versions(m, outcome.period),
        }
        for m in outcome.site.meters_with_role("shared")
    ]
    results: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "report_id": meta.report_id,
        "version": meta.version,
        "status": meta.status,
        "issue_date": meta.issue_date.isoformat(),
        "site": {
            "id": site.id,
            "name": site.name,
            "timezone": site.timezone,
            "grid_region": site.grid_region,
            "synthetic": site.synthetic,
        },
        "period": outcome.period.as_dict(),
        "energy_kwh": _by_workload(split.total, "kWh"),
        "it_energy_kwh": _by_workload(split.it, "kWh"),
        "overhead_energy_kwh": _by_workload(split.shared + split.residual, "kWh"),
        "scope2_location_kgco2e": _by_workload(outcome.hourly_emissions, "kg CO2e"),
        "scope2_location_annual_factor_kgco2e": annual_view_block(outcome, lb_total),
        "grid_intensity_gco2e_per_kwh": {
            "consumption_weighted": lb_total * 1000.0 / total_kwh if total_kwh else None,
            "period_mean": _number(intensity_hours.mean(), "g CO2e/kWh"),
            "source": outcome.grid.source,
            "basis": outcome.grid.basis,
            "kind": outcome.grid.kind,
            "resolution": _resolution_words(outcome.grid.resolution),
            "region": outcome.grid.region,
            "gas_note": outcome.grid.gas_note,
            "estimated_intervals": int((grid_flags.values == int(Flag.SOURCE_ESTIMATED)).sum()),
            "coarsened_to_meter_interval": not is_exact(outcome.interval, outcome.grid.resolution),
            "alignment": alignment_note(outcome.interval, outcome.grid.resolution),
        },
        "scope2_location_factor_levels": _factor_levels(outcome),
        "scope2_location_tiers": location_tiers_block(outcome),
        "sector_metrics": sector_metrics_dict(outcome.sector, outcome.period.label),
        "tenants": tenants_block(outcome),
        **operating_blocks(outcome),
        "kpis": {
            "pue": pue,
            "pue_by_workload": pue_workload,
            "pue_category": pue_category(outcome),  # [reporting] it_metered_at
            "pue_interim": True,
            **kpis_extra(outcome),
        },
        **headline_keys(outcome, _factor_levels(outcome)),
        "gwp_set": outcome.site.reporting.gwp_set,
        **_scopes(outcome, lb_total, it_total_kwh=_number(split.it.sum(), "kWh")),
        "meters": meters,
        "allocation": {
            "method": "shared meters by their key per interval; unmetered residual pro rata to IT "
            "energy per interval (docs/methodology.md §6)",
            "shared_meters": shared,
            "unmetered_residual_kwh": _number(split.unmetered.sum(), "kWh"),
            "no_it_load_intervals": int((split.it.sum("workload").pint.magnitude <= 0).sum()),
        },
        "quality": {
            **outcome.quality.as_dict(),
            "imputation": {
                "method": outcome.imputation.method,
                "max_gap": outcome.site.quality.max_imputed_gap,
                "intervals": outcome.imputation.imputed_intervals,
                "energy_kwh": outcome.imputation.imputed_kwh,
                "total_energy_kwh": sum(outcome.imputation.imputed_kwh.values()),
                "revenue_share": (
                    outcome.imputation.imputed_kwh[outcome.site.revenue_meter.id] / total_kwh
                    if total_kwh
                    else None
                ),
            },
        },
        "reconciliation": [r.as_dict() for r in outcome.reconciliation],
        "factors": [*location_factor_rows(outcome), *_more_factors(outcome)],
        "inputs": inputs if inputs is not None else [r.as_dict() for r in outcome.inputs],
        "conversions": _conversions(outcome),
        "config_sha256": outcome.site.sha256(),
        "software_version": __version__,
    }
    # the boundary decides the scope: cat. 13 parties leave the operator's Scope 2 (§1.1)
    apply_leased_assets(results, outcome.site.boundary)
    # each GWP set's totals and the set each figure uses (docs/methodology.md)
    results["gwp_sets"] = gwp_sets_block(outcome, results)
    # the share of energy and Scope 2 resting on imputed or source-estimated values
    results["quality"]["estimated"] = estimated_block(outcome, results)  # type: ignore[index]
    # offsets, boundary, retired hardware, network comparison, assurance, fiscal period
    results.update(register_keys(outcome.site, outcome.period, results))
    if outcome.plausibility is not None:  # carbon.quality.plausibility: bounds and findings
        results["quality"]["plausibility"] = outcome.plausibility.as_dict()  # type: ignore[index]
    # physical inventory, market inventory, impact (the period analysis adds impact figures)
    results["statements"] = statements_block(results)
    return results


def results_json_bytes(results: dict[str, object]) -> bytes:
    """Canonical JSON bytes (sorted keys, fixed separators, trailing newline)."""
    return (json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def results_csv_bytes(results: dict[str, object]) -> bytes:
    """The headline figures as a tidy table: site, period, metric, workload, value, unit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["site_id", "period", "metric", "workload", "value", "unit"])
    site_id = results["site"]["id"]  # type: ignore[index]
    period = results["period"]["label"]  # type: ignore[index]
    for row in csv_rows(results):
        writer.writerow([site_id, period, *row])
    return buffer.getvalue().encode()


def build_manifest(
    results: dict[str, object],
    *,
    results_json: bytes,
    results_csv: bytes,
    extra: dict[str, object] | None = None,
    restatement: dict[str, object] | None = None,
    rendered_html_sha256: str | None = None,
) -> dict[str, object]:
    """The lineage manifest: inputs, factors, config and software, and hashes of the results.

    `rendered_html_sha256` is the SHA-256 of the HTML the PDF was laid out from
    (the PDF cannot hold its own hash; the ledger holds that). `restatement`
    (versions after the first) names the version superseded, the reason and the
    figures that changed; ``null`` for a first version.
    """
    manifest = {
        "report_id": results["report_id"],
        "version": results["version"],
        "status": results["status"],
        "issue_date": results["issue_date"],
        "site_id": results["site"]["id"],  # type: ignore[index]
        "period": results["period"],
        "inputs": results["inputs"],
        "factors": results["factors"],
        "config_sha256": results["config_sha256"],
        "software_version": results["software_version"],
        "results": {
            "results.json": hashlib.sha256(results_json).hexdigest(),
            "results.csv": hashlib.sha256(results_csv).hexdigest(),
        },
    }
    if rendered_html_sha256 is not None:
        manifest["rendered_html_sha256"] = rendered_html_sha256
    manifest["restatement"] = restatement
    if extra:
        manifest.update(extra)
    return manifest
