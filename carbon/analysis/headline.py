"""Headline figures of one period: the KPIs of docs/methodology.md §3 and the issue's summary keys.

Each figure is computed with the unit-carrying functions of :mod:`carbon.analysis.kpis`
from the period's outcome; this module only picks their inputs and turns the
results into plain numbers (the unit in the key name or in ``details``):

- ``kpis``: REF, ERF, ERE, CUE on both bases, WUE where the site gives water,
  partial PUE per zone (workload) and per shared subsystem;
- ``matching`` (annual match, hourly matched share, CFE), ``intensities``
  (sector metrics under short names), ``factor_levels`` (share of MWh per
  location-based factor level), ``timing_effect_kgco2e`` (hourly minus
  annual-factor location-based, site and per workload) and
  ``scope3_cat3_kgco2e``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pint
import xarray as xr

from carbon.accounting.outcome import PeriodOutcome
from carbon.analysis import kpis
from carbon.analysis.boundary_energy import boundary_energy
from carbon.analysis.metric import Metric
from carbon.attribution.workloads import counted_energy, workload_shares
from carbon.core.errors import InputDataError
from carbon.core.totals import total_of
from carbon.core.units import Q_, parse_quantity
from carbon.quality.plausibility import children_exceeding_parent

__all__ = [
    "RENEWABLE_TECHNOLOGIES",
    "headline_keys",
    "kpi_metrics",
    "kpis_extra",
    "months_in",
    "pue_category",
    "renewable_energy",
]

#: Technologies whose energy counts as renewable for REF (ISO/IEC 30134-3); nuclear is
#: carbon-free but not renewable.
RENEWABLE_TECHNOLOGIES: frozenset[str] = frozenset(
    {"wind", "solar", "hydro", "geothermal", "biomass", "biogas"}
)
#: The location where E_IT is metered at sites without a declaration
#: (``[reporting] it_metered_at``); the demo's hall feeders are UPS outputs.
IT_METERED_AT: kpis.ItMeteringPoint = "ups_output"
#: Words for each metering point, as the PDF and results.json state the PUE category.
METERING_WORDS: dict[str, str] = {
    "ups_output": "IT energy metered at the UPS output (hall feeders)",
    "pdu_output": "IT energy metered at the PDU outputs",
    "it_input": "IT energy metered at the IT equipment input",
}


def pue_category(outcome: PeriodOutcome) -> str:
    """The PUE measurement category of the site, e.g. ``"PUE1 (basic): IT energy metered at
    the UPS output (hall feeders)"`` (Green Grid PUE1/2/3, ISO/IEC 30134-2 levels)."""
    point = outcome.site.reporting.it_metered_at
    category, level = kpis.PUE_CATEGORIES[point]
    return f"{category} ({level}): {METERING_WORDS[point]}"


def months_in(outcome: PeriodOutcome) -> int:
    """Whole calendar months the period covers (1 for a monthly report)."""
    start, end = outcome.period.start, outcome.period.end
    return max(1, (end.year - start.year) * 12 + end.month - start.month)


def renewable_energy(outcome: PeriodOutcome) -> tuple[pint.Quantity, pint.Quantity, list[str]]:
    """Certificates and PPAs retired for the site, and documented green tariffs [kWh].

    Only instruments applied in the market-based result count (an instrument that
    fails a quality criterion, e.g. a virtual PPA whose certificates were sold, is
    excluded), at their MWh in the period (annual basis), renewable technologies only.
    Returns (certificates and PPAs retired, utility supply documented, notes).
    """
    retired = Q_(0.0, "kWh")
    tariff = Q_(0.0, "kWh")
    notes = []
    for o in outcome.scopes.market.register:
        if o.status != "applied" or o.kind not in ("certificate", "ppa", "green_tariff"):
            continue
        if o.technology not in RENEWABLE_TECHNOLOGIES:
            notes.append(f"{o.instrument_id}: {o.technology} is not renewable; not in E_ren")
            continue
        energy = Q_(o.available_mwh, "MWh").to("kWh")
        if o.kind == "green_tariff":
            tariff = tariff + energy
        else:
            retired = retired + energy
    for o in outcome.scopes.market.register:
        if o.status == "excluded" and o.kind in ("certificate", "ppa", "green_tariff"):
            notes.append(f"{o.instrument_id}: excluded from E_ren ({'; '.join(o.reasons)})")
    return retired, tariff, notes


def kpi_metrics(outcome: PeriodOutcome) -> dict[str, Metric]:
    """The docs/methodology.md §3 KPIs of the period as :class:`carbon.analysis.metric.Metric`
    objects.

    E_DC is the revenue meter plus the fuel burnt on site
    (:func:`carbon.analysis.boundary_energy.boundary_energy`), E_IT the sub-metered IT energy.
    CUE divides Scope 2 on each basis plus the period's Scope 1 (the actual fuel
    emissions) by E_IT.
    """
    split = outcome.attribution
    months = months_in(outcome)
    boundary = boundary_energy(outcome)
    e_dc = boundary.total
    e_it = split.it
    try:
        pue = kpis.pue(
            e_dc, e_it, it_metered_at=outcome.site.reporting.it_metered_at, months=months
        )
    except InputDataError as exc:
        if exc.reason != "pue-below-one":
            raise
        why, fields = children_exceeding_parent(
            counted_energy(outcome.energy, outcome.site), outcome.site
        )
        raise InputDataError(f"{exc}: {why}", reason=exc.reason, **fields) from None
    out: dict[str, Metric] = {"pue": pue}
    retired, tariff, _ = renewable_energy(outcome)
    out["ref"] = kpis.ref(
        e_dc,
        onsite_renewable_retained=Q_(0.0, "kWh"),
        certificates_retired=retired,
        utility_renewable_documented=tariff,
        months=months,
    )
    heat = outcome.site.heat_reuse_for(outcome.period.label)
    reused = Q_(0.0, "kWh") if heat is None else parse_quantity(heat.energy, "kWh", "heat reuse")
    out["erf"] = kpis.erf(e_dc, reused, months=months)
    out["ere"] = kpis.ere(e_dc, e_it, reused, months=months)
    market = outcome.scopes.market
    combustion = boundary.combustion
    out["cue_location"] = kpis.cue(
        total_of(outcome.hourly_emissions, "kg CO2e", "location-based emissions") + combustion,
        e_it,
        basis="location-based",
        months=months,
    )
    out["cue_market"] = kpis.cue(
        total_of(market.total_annual, "kg CO2e", "market-based emissions") + combustion,
        e_it,
        basis="market-based",
        months=months,
    )
    out["cue_market_hourly_matching"] = kpis.cue(
        total_of(market.total_hourly, "kg CO2e", "market-based emissions") + combustion,
        e_it,
        basis="market-based",
        months=months,
    )
    water = outcome.site.water_for(outcome.period.label)
    if water is not None:
        out["wue"] = kpis.wue(
            parse_quantity(water.withdrawal, "m^3", "water withdrawal"), e_it, months=months
        )
    return out


def _partial_pue(outcome: PeriodOutcome, months: int, fuels: pint.Quantity) -> dict[str, Any]:
    """Zone pPUE per workload and subsystem pPUE per shared meter and the residual."""
    split = outcome.attribution
    zones = {}
    for w in split.it["workload"].values:
        it_w = split.it.sel(workload=w)
        if float(it_w.sum().pint.to("kWh").pint.magnitude) <= 0:
            continue
        infra = (split.shared + split.residual).sel(workload=w)
        zones[str(w)] = kpis.partial_pue_zone(f"{w} halls", it_w, infra, months=months).ratio
    energy = counted_energy(outcome.energy, outcome.site).pint.to("kWh")
    metered = energy.fillna(0.0 * energy.pint.units)
    subsystems: dict[str, Any] = {
        m.id: metered.sel(meter=m.id) for m in outcome.site.meters_with_role("shared")
    }
    subsystems["unmetered residual"] = split.unmetered
    if fuels.magnitude > 0:  # E_DC holds the genset fuel: it is a subsystem of its own
        subsystems["on-site fuel"] = fuels
    partials = kpis.partial_pue_subsystems(split.it, subsystems, months=months)
    return {
        "zones": zones,
        "subsystems": {k: m.ratio for k, m in partials.items()},
        "pue_from_subsystems": float(kpis.pue_from_partials(partials).magnitude),
        "note": "zone = the IT meters of one workload with the shared loads and residual "
        "allocated to it, (E_IT,z + E_infra,z)/E_IT,z; subsystem pPUE_j = (E_IT + E_j)/E_IT "
        "per shared meter, the unmetered residual and any on-site fuel, "
        "PUE = Σ pPUE_j − (n − 1)",
    }


def pue_by_hall(outcome: PeriodOutcome) -> dict[str, float]:
    """Partial PUE per IT meter (hall): ``(E_IT,h + E_infra,h) / E_IT,h``.

    A hall's infrastructure energy is its share of its workload's IT energy per
    interval times the workload's allocated shared and residual energy, exactly as
    the workload split allocates it (docs/methodology.md §6); a hall that changed workload
    takes the infrastructure of each workload for its part of the intervals.
    """
    split = outcome.attribution
    energy = counted_energy(outcome.energy, outcome.site).pint.to("kWh")  # own energy in a tree
    ids = [m.id for m in outcome.site.meters_with_role("it")]
    metered = energy.sel(meter=ids).fillna(0.0 * energy.pint.units)
    time = pd.DatetimeIndex(energy["time"].values)
    share = workload_shares(outcome.site, time, outcome.interval)
    hall_it = metered * share  # (meter, workload, time) [kWh]
    workload_it = split.it.pint.to("kWh").pint.dequantify()
    has_it = workload_it > 0
    ratio = xr.where(has_it, hall_it.pint.dequantify() / workload_it.where(has_it, 1.0), 0.0)
    infra = (split.shared + split.residual).pint.to("kWh").pint.dequantify()
    hall_infra = (ratio * infra).sum(("workload", "time"))
    hall_total_it = hall_it.pint.dequantify().sum(("workload", "time"))
    months = months_in(outcome)
    out = {}
    for m in ids:
        it_m = Q_(float(hall_total_it.sel(meter=m)), "kWh")
        if it_m.magnitude <= 0:
            continue
        metric = kpis.partial_pue_zone(
            m, it_m, Q_(float(hall_infra.sel(meter=m)), "kWh"), months=months
        )
        out[m] = metric.ratio
    return out


def _details(metric: Metric, unit: str) -> dict[str, Any]:
    return {
        "value": metric.magnitude(unit),
        "unit": unit,
        "label": metric.label,
        "standard": metric.standard,
        "interim": metric.interim,
        "notes": list(metric.notes),
    }


def kpis_extra(outcome: PeriodOutcome) -> dict[str, Any]:
    """Keys added to the ``kpis`` block of results.json (plain numbers)."""
    metrics = kpi_metrics(outcome)
    units = {"cue_location": "kg CO2e/kWh", "cue_market": "kg CO2e/kWh", "wue": "L/kWh"}
    units["cue_market_hourly_matching"] = "kg CO2e/kWh"
    _, _, ren_notes = renewable_energy(outcome)
    details = {k: _details(m, units.get(k, "dimensionless")) for k, m in metrics.items()}
    details["ref"]["notes"] += ren_notes
    details["cue_location"]["notes"].append(
        "(Scope 2 location-based (hourly factors) + Scope 1) ÷ E_IT"
    )
    details["cue_market"]["notes"].append(
        "(Scope 2 market-based (2015 annual matching) + Scope 1) ÷ E_IT"
    )
    boundary = boundary_energy(outcome)
    details["pue"]["notes"].append(boundary.note())
    for key in ("ref", "erf", "ere"):
        details[key]["notes"].append("E_DC as for PUE")
    water = outcome.site.water_for(outcome.period.label)
    heat = outcome.site.heat_reuse_for(outcome.period.label)
    retired, tariff, _ = renewable_energy(outcome)
    return {
        "ref": metrics["ref"].ratio,
        "ref_renewable_kwh": float((retired + tariff).to("kWh").magnitude),
        "erf": metrics["erf"].ratio,
        "ere": metrics["ere"].ratio,
        "cue_location": metrics["cue_location"].magnitude("kg CO2e/kWh"),
        "cue_market": metrics["cue_market"].magnitude("kg CO2e/kWh"),
        "cue_market_hourly_matching": metrics["cue_market_hourly_matching"].magnitude(
            "kg CO2e/kWh"
        ),
        "wue": metrics["wue"].magnitude("L/kWh") if "wue" in metrics else None,
        "wue_note": (
            "no [[water]] record for the period; WUE not reported"
            if water is None
            else f"site water withdrawal {water.withdrawal}"
            + (f" ({water.source})" if water.source else "")
        ),
        "dc_energy_kwh": {
            "electricity": float(boundary.electricity.to("kWh").magnitude),
            "fuels_hhv": float(boundary.fuels.to("kWh").magnitude),
            "total": float(boundary.total.to("kWh").magnitude),
        },
        "heat_reuse_kwh": 0.0
        if heat is None
        else float(parse_quantity(heat.energy, "kWh", "heat reuse").to("kWh").magnitude),
        "partial_pue": _partial_pue(outcome, months_in(outcome), boundary.fuels),
        "pue_by_hall": pue_by_hall(outcome),
        "details": details,
    }


# --------------------------------------------------------------------------- summary keys
_INTENSITY_KEYS: tuple[tuple[str, str, str], ...] = (
    # (short key, sector figure key, pint unit of the short key's magnitude)
    ("j_per_th", "fleet_efficiency_realised_j_per_th", "J/TH"),
    ("j_per_th_facility", "fleet_efficiency_facility_j_per_th", "J/TH"),
    ("j_per_th_nameplate", "fleet_efficiency_nameplate_j_per_th", "J/TH"),
    ("kwh_per_btc", "energy_per_btc_mwh", "kWh"),
    ("kgco2e_per_btc_location", "emissions_per_btc_location_tco2e", "kg CO2e"),
    ("kgco2e_per_btc_market", "emissions_per_btc_market_tco2e", "kg CO2e"),
    ("kgco2e_per_ph_day_location", "emissions_per_ph_day_location_kgco2e", "kg CO2e/(PH/s)/day"),
    ("kgco2e_per_ph_day_market", "emissions_per_ph_day_market_kgco2e", "kg CO2e/(PH/s)/day"),
    ("kwh_per_gpu_hour", "energy_per_gpu_hour_facility_kwh", "kWh/hour"),
    ("kwh_per_gpu_hour_it", "energy_per_gpu_hour_it_kwh", "kWh/hour"),
    ("gco2e_per_gpu_hour_location", "emissions_per_gpu_hour_location_gco2e", "g CO2e/hour"),
    ("gco2e_per_gpu_hour_market", "emissions_per_gpu_hour_market_gco2e", "g CO2e/hour"),
    ("gpu_utilisation", "gpu_utilisation", "dimensionless"),
)


def _intensities(outcome: PeriodOutcome) -> dict[str, Any]:
    sector = outcome.sector
    out: dict[str, Any] = {}
    for key, figure_key, unit in _INTENSITY_KEYS:
        figure = None if sector is None else sector.figure(figure_key)
        out[key] = None if figure is None else figure.metric.magnitude(unit)
    act = None if sector is None else sector.activity
    average = None if act is None else act.hashrate_average
    out["hashrate_eh_per_s"] = None if average is None else float(average.to("EH/s").magnitude)
    out["btc_mined_self"] = None if act is None else act.btc_mined_self
    out["btc_mined_hosted"] = None if act is None else act.btc_mined_hosted
    out["basis_note"] = (
        "per-BTC figures: self-mining only; market-based = 2015 annual matching; per GPU-hour: "
        "GPU-hours sold; kwh_per_gpu_hour at facility level, kwh_per_gpu_hour_it at IT level; "
        "null where the site file gives no activity for the period"
    )
    return out


def _by_workload_kg(per_workload_time: xr.DataArray) -> dict[str, float]:
    totals = per_workload_time.pint.to("kg CO2e")
    while "time" in totals.dims:
        totals = totals.sum("time")
    out = {str(w): float(totals.sel(workload=w).pint.magnitude) for w in totals["workload"].values}
    out["total"] = float(totals.sum("workload").pint.magnitude)
    return out


def _timing_effect(outcome: PeriodOutcome) -> dict[str, float] | None:
    """Hourly location-based minus the same energy at the annual regional rate [kg CO2e];
    None where the site has no annual rate (not available, the reason is in the results)."""
    if outcome.annual_factor is None:
        return None
    hourly = _by_workload_kg(outcome.hourly_emissions)
    annual = _by_workload_kg(outcome.hourly_energy.sum("time") * outcome.annual_factor.rate)
    return {k: hourly[k] - annual[k] for k in hourly}


def _factor_levels(levels_block: dict[str, Any] | None, outcome: PeriodOutcome) -> dict[str, Any]:
    factor = outcome.annual_factor
    base: dict[str, Any] = (
        {
            "annual_factor_id": None,
            "annual_factor_note": outcome.annual_unavailable,
            "annual_factor_exact_year": None,
        }
        if factor is None
        else {
            "annual_factor_id": factor.factor_id,
            "annual_factor_note": factor.note(outcome.period.start.year),
            "annual_factor_exact_year": factor.exact_year,
        }
    )
    if levels_block is None:
        return {**base, "shares": None, "mwh": None, "hours": None}
    names = list(levels_block["shares"])
    return {
        **base,
        "shares": dict(levels_block["shares"]),
        "mwh": {n: levels_block[f"{n}_mwh"] for n in names},
        "hours": dict(levels_block["hours"]),
    }


def td_block(td: Any, unavailable: str | None) -> dict[str, Any]:
    """The ``scope3_3_td_losses_kgco2e`` block; numbers null and the reason where 3.3(c)
    has no grid-loss factor (``available`` false)."""
    if td is None:
        return {
            "total": None,
            "lost_energy_kwh": None,
            "loss_ratio": None,
            "grid_gross_loss": None,
            "source": "",
            "label": "Scope 3 cat. 3(c) T&D losses (not Scope 2)",
            "available": False,
            "reason": unavailable,
        }
    return {
        "total": float(td.emissions.to("kg CO2e").magnitude),
        "lost_energy_kwh": float(td.lost_energy.to("kWh").magnitude),
        "loss_ratio": float(td.loss_ratio.to("dimensionless").magnitude),
        "grid_gross_loss": float(td.grid_gross_loss.to("dimensionless").magnitude),
        "source": td.source,
        "label": td.label,
        "available": True,
        "reason": None,
    }


def _grid_cfe(outcome: PeriodOutcome) -> dict[str, Any] | None:
    """Where the grid's carbon-free share of Google CFE% came from, or why it is missing."""
    chain = outcome.scopes.grid_cfe
    if chain is None:
        return None
    return chain.summary(outcome.scopes.market.load.sum("workload"))


def headline_keys(outcome: PeriodOutcome, levels_block: dict[str, Any] | None) -> dict[str, Any]:
    """The issue's summary keys, added beside the existing ones (same values, short names).

    `levels_block` is the ``scope2_location_factor_levels`` block of the same results.
    """
    td = outcome.scopes.td_losses
    td_kg = None if td is None else float(td.emissions.to("kg CO2e").magnitude)
    metrics = outcome.scopes.market.metrics
    return {
        "scope3_cat3_kgco2e": {
            "total": td_kg,
            "td_losses": td_kg,
            "parts": [] if td is None else ["3(c) T&D losses of purchased electricity (LB)"],
            "note": "category 3 as reported: part (c) only; upstream of purchased fuels (a) and "
            "electricity (b) are not in this version"
            + ("" if td is not None else f"; 3(c) {outcome.scopes.td_unavailable}"),
        },
        "matching": {
            "annual_match": metrics.annual_match,
            "hourly_match": metrics.hourly_matched_share,
            "cfe": metrics.cfe_share,
        },
        "grid_cfe": _grid_cfe(outcome),
        "intensities": _intensities(outcome),
        "factor_levels": _factor_levels(levels_block, outcome),
        "timing_effect_kgco2e": _timing_effect(outcome),
    }
