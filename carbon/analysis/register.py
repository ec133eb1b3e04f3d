"""The disclosure register: offsets, boundary, retired hardware, network comparison, assurance.

Pure functions from the validated site configuration, the reporting period and
the results figures already computed (docs/disclosure-items.md items 13, 21-24). Nothing here
changes an inventory figure: credits are listed *beside* the gross inventory and
never deducted from it (GHG Protocol Scope 2 Guidance; ESRS E1-7; docs/methodology.md §1.4),
avoided-methane credits from flare-gas generation stay apart from Scope 1
(docs/methodology.md §1.5), and published network figures are context printed with their
definitions, never a stand-in for metered data (docs/methodology.md §8, CBECI note).

Quantities are parsed with units (:func:`carbon.core.units.parse_quantity`) and
converted explicitly; the returned blocks hold plain numbers with the unit in
the key name (the results.json boundary).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from carbon.core.fiscal import fiscal_of_month
from carbon.core.units import parse_quantity
from carbon.site.model import SiteConfig
from carbon.site.register import (
    Assurance,
    Boundary,
    NetworkReference,
    OffsetCredit,
    RetiredHardware,
    moves_to_cat13,
)

__all__ = [
    "AVOIDED_METHANE_LABEL",
    "NOT_AVAILABLE",
    "assurance_block",
    "boundary_block",
    "fiscal_block",
    "network_comparison_block",
    "offsets_block",
    "register_keys",
    "retired_hardware_block",
]

NOT_AVAILABLE = "not available"
UNASSURED = "UNASSURED"
AVOIDED_METHANE_LABEL = "Avoided-methane credits (flare-gas generation): outside the inventory"

OFFSETS_NOTE = (
    "Credits retired in the period, listed beside the gross inventory and never deducted from "
    "it: Scope 1, Scope 2 (both bases) and Scope 3 are gross figures (GHG Protocol; ESRS E1-7; "
    "IFRS S2 29(a)). A claim that offsets neutralise consumption is a reconciliation line at "
    "most, not an inventory figure."
)
AVOIDED_METHANE_NOTE = (
    "Credits for methane destroyed by burning flare or associated gas in on-site gensets are "
    "a consequential claim with their own method. The gensets' combustion stays in Scope 1 "
    "in full; these credits are not subtracted from it (docs/methodology.md §1.5)."
)


def _tco2e(text: str, what: str) -> float:
    return float(parse_quantity(text, "t CO2e", what).to("t CO2e").magnitude)


def _in_period(day: date, start: date, end: date) -> bool:
    return start <= day < end


def _credit_row(credit: OffsetCredit) -> dict[str, Any]:
    return {
        "registry": credit.registry,
        "project_id": credit.project_id,
        "project_type": credit.project_type,
        "kind": credit.kind,
        "vintage": credit.vintage,
        "tco2e": _tco2e(credit.quantity, f"offset {credit.serials or credit.project_type}"),
        "serials": credit.serials,
        "retired_on": credit.retired_on.isoformat(),
        "beneficiary": credit.beneficiary,
        "note": credit.note,
    }


def offsets_block(
    credits: Sequence[OffsetCredit],
    start: date,
    end: date,
    gross: dict[str, float | None],
) -> dict[str, Any]:
    """Credits retired in ``[start, end)`` beside the gross inventory `gross` [t CO2e].

    ``retired_tco2e`` sums the ``offset`` credits only; avoided-methane credits
    have their own block. `gross` is copied as given: no figure is netted.
    """
    rows = [_credit_row(c) for c in credits if _in_period(c.retired_on, start, end)]
    rows.sort(key=lambda r: (r["retired_on"], r["registry"], r["serials"] or ""))
    offsets = [r for r in rows if r["kind"] == "offset"]
    methane = [r for r in rows if r["kind"] == "avoided-methane"]
    return {
        "register": offsets,
        "retired_tco2e": sum((r["tco2e"] for r in offsets), 0.0),
        "avoided_methane": {
            "label": AVOIDED_METHANE_LABEL,
            "register": methane,
            "retired_tco2e": sum((r["tco2e"] for r in methane), 0.0),
            "note": AVOIDED_METHANE_NOTE,
        },
        "gross_inventory_tco2e": dict(gross),
        "declared_outside_period": len(credits) - len(rows),
        "netted": False,
        "note": OFFSETS_NOTE,
    }


def power_contract_treatment(
    lease: str, holder: str, party_control: bool, consolidation: str
) -> str:
    """The Scope 2 / Scope 3 cat. 13 consequence of a supply arrangement
    (docs/methodology.md §1.1)."""
    if party_control and consolidation == "operational control":
        return (
            "The party holds operational control of its leased space: the power is the party's "
            "Scope 2 and the operator's Scope 3 category 13 (downstream leased assets). Its "
            "share (tenant statement) is taken out of the operator's Scope 2 on both bases and "
            "reported in category 13; site energy and the facility KPIs still count it."
        )
    if party_control:
        return (
            f"The party holds operational control of its leased space, but under {consolidation} "
            "the operator, owner of the space let (operating lease), keeps the power in its "
            "Scope 2; the party reports its share from its tenant statement. A finance lease "
            "would move it to the operator's Scope 3 category 13 (docs/methodology.md §1.1)."
        )
    holder_words = "the party" if holder == "party" else "the operator"
    text = (
        f"Under {consolidation}, the operator controls the operation: the power is the "
        f"operator's Scope 2 ({lease} arrangement; {holder_words} holds the supply contract); "
        "the party reports its share in Scope 3 (category 1 or 8) from its tenant statement."
    )
    if holder == "party":
        text += (
            " A supply contract held by the party is flagged for the auditor's agreement "
            "(docs/methodology.md §1.1; Scope 2 FAQ Q7, Q8)."
        )
    return text


def boundary_block(
    boundary: Boundary | None,
    site_id: str,
    start: date,
    end: date,
    tenants: dict[str, Any] | None,
) -> dict[str, Any]:
    """The boundary table: sites in and out, consolidation, hosted clients, who buys the power.

    `tenants` is ``results["tenants"]["by_tenant"]``: the energy and Scope 2 each
    power-contract party carries this period (site energy is reported in full,
    whoever pays).
    """
    if boundary is None:
        return {
            "declared": False,
            "note": "not declared: the site file has no [boundary] table; the report covers "
            f"site {site_id} only, all metered energy as the operator's",
        }
    tenants = tenants or {}
    sites = []
    changes = []
    for s in boundary.sites:
        row = {
            "id": s.id,
            "name": s.name,
            "status": s.status,
            "control": s.control,
            "acquired_on": s.acquired_on.isoformat() if s.acquired_on else None,
            "disposed_on": s.disposed_on.isoformat() if s.disposed_on else None,
            "reason": s.reason,
            "this_report": s.id == site_id,
        }
        sites.append(row)
        for event, day in (("acquired", s.acquired_on), ("disposed", s.disposed_on)):
            if day is not None and _in_period(day, start, end):
                changes.append({"site": s.id, "event": event, "on": day.isoformat()})
    contracts = []
    for c in boundary.power_contracts:
        figures = tenants.get(c.party) or {}
        contracts.append(
            {
                "party": c.party,
                "lease": c.lease,
                "supply_contract_holder": c.supply_contract_holder,
                "party_has_operational_control": c.party_has_operational_control,
                "flagged": c.supply_contract_holder == "party" or c.party_has_operational_control,
                "operator_scope": "scope3_cat13"
                if moves_to_cat13(c, boundary.consolidation)
                else "scope2",
                "energy_kwh": figures.get("energy_kwh"),
                "scope2_location_kgco2e": figures.get("scope2_location_kgco2e"),
                "scope2_market_kgco2e": figures.get("scope2_market_kgco2e"),
                "treatment": power_contract_treatment(
                    c.lease,
                    c.supply_contract_holder,
                    c.party_has_operational_control,
                    boundary.consolidation,
                ),
                "note": c.note,
            }
        )
    return {
        "declared": True,
        "consolidation": boundary.consolidation,
        "base_year": boundary.base_year,
        "significance_threshold": boundary.significance_threshold,
        "recalculation_policy": (
            f"Base year {boundary.base_year or 'not set'}: recalculated, with comparatives, when "
            "structural changes (acquisition, disposal, merger, out/insourcing), method or "
            "factor changes, or errors reach "
            f"{boundary.significance_threshold:.0%} of the total; organic change (halls moved "
            "from mining to AI) is not a trigger (docs/methodology.md §1.7). Restated versions are "
            "listed in the Restatements section and the ledger."
        ),
        "sites": sites,
        "changes_in_period": changes,
        "hosted_clients": [
            {"name": h.name, "workload": h.workload, "note": h.note}
            for h in boundary.hosted_clients
        ],
        "power_contracts": contracts,
        "site_energy_rule": "Site energy is reported in full regardless of who pays for the power.",
    }


def retired_hardware_block(items: Sequence[RetiredHardware], period_label: str) -> dict[str, Any]:
    """Hardware retired in the month: units and tonnes per kind, tonnes per disposal route."""
    if not items:
        return {
            "reported": False,
            "note": "not reported: the site file declares no [[retired_hardware]]",
        }
    rows = []
    for item in items:
        if item.period != period_label:
            continue
        mass = parse_quantity(item.mass, "t", f"retired_hardware {item.period} {item.model} mass")
        rows.append(
            {
                "kind": item.kind,
                "model": item.model,
                "units": item.units,
                "mass_t": float(mass.to("t").magnitude),
                "disposal_route": item.disposal_route,
                "recipient": item.recipient,
                "evidence": item.evidence,
            }
        )
    units = {k: sum(r["units"] for r in rows if r["kind"] == k) for k in ("asic", "gpu")}
    mass = {k: sum(r["mass_t"] for r in rows if r["kind"] == k) for k in ("asic", "gpu")}
    routes: dict[str, float] = {}
    for r in rows:
        routes[r["disposal_route"]] = routes.get(r["disposal_route"], 0.0) + r["mass_t"]
    return {
        "reported": True,
        "period": period_label,
        "items": rows,
        "units": {**units, "total": units["asic"] + units["gpu"]},
        "mass_t": {**mass, "total": mass["asic"] + mass["gpu"]},
        "mass_t_by_route": dict(sorted(routes.items())),
        "note": "retired in the period (units taken out of service and shipped); "
        + ("none retired in this period" if not rows else "mass as weighed or declared"),
    }


_REFERENCE_UNITS = {
    "j_per_th": "J/TH",
    "clean_share": "percent",
    "gco2e_per_kwh": "g CO2e/kWh",
    "network_power": "GW",
}
_REFERENCE_LABELS = {"percent": "%", "g CO2e/kWh": "g CO2e/kWh", "J/TH": "J/TH", "GW": "GW"}


def _company_figures(metric: str, results: dict[str, Any]) -> list[dict[str, Any]]:
    """The company's own metered figures that a network figure of `metric` sits beside."""
    intensities = results.get("intensities") or {}
    if metric == "j_per_th":
        return [
            {
                "label": "Realised fleet efficiency (metered mining IT energy ÷ hashes delivered)",
                "value": intensities.get("j_per_th"),
                "unit": "J/TH",
            },
            {
                "label": "Facility-level fleet efficiency (realised × mining PUE)",
                "value": intensities.get("j_per_th_facility"),
                "unit": "J/TH",
            },
        ]
    if metric == "clean_share":
        shares = results.get("clean_energy_shares") or {}
        out = []
        for key, fallback in (
            ("grid_carbon_free_location", "Grid-mix carbon-free share (location)"),
            ("certificate_renewable_annual", "Certificate-backed renewable share (annual)"),
            ("hourly_matched_cfe", "Hourly-matched carbon-free share"),
        ):
            share = shares.get(key) or {}
            value = share.get("value")
            out.append(
                {
                    "label": share.get("label") or fallback,
                    "value": None if value is None else float(value) * 100.0,
                    "unit": "%",
                }
            )
        return out
    if metric == "gco2e_per_kwh":
        energy = (results.get("energy_kwh") or {}).get("total")
        market = (results.get("scope2_market_kgco2e") or {}).get("total")
        grid = (results.get("grid_intensity_gco2e_per_kwh") or {}).get("consumption_weighted")
        return [
            {"label": "Location-based, consumption-weighted", "value": grid, "unit": "g CO2e/kWh"},
            {
                "label": "Market-based (Scope 2 market ÷ site energy)",
                "value": market * 1000.0 / energy if energy and market is not None else None,
                "unit": "g CO2e/kWh",
            },
        ]
    energy = (results.get("energy_kwh") or {}).get("total")
    hours = (results.get("period") or {}).get("hours")
    return [
        {
            "label": "Site average power (site energy ÷ hours)",
            "value": energy / hours / 1e6 if energy is not None and hours else None,
            "unit": "GW",
        }
    ]


def network_comparison_block(
    references: Sequence[NetworkReference], results: dict[str, Any]
) -> dict[str, Any]:
    """Each published figure with its definition, coverage and source, beside the company's."""
    panel = []
    for ref in references:
        unit = _REFERENCE_UNITS[ref.metric]
        value = parse_quantity(ref.value, unit, f"network reference {ref.name!r}").to(unit)
        company = _company_figures(ref.metric, results)
        for figure in company:
            if figure["value"] is None:
                figure["value"] = NOT_AVAILABLE
        panel.append(
            {
                "name": ref.name,
                "metric": ref.metric,
                "value": float(value.magnitude),
                "unit": _REFERENCE_LABELS[unit],
                "definition": ref.definition,
                "coverage": ref.coverage,
                "source": ref.source,
                "as_of": ref.as_of,
                "company": company,
            }
        )
    return {
        "declared": bool(references),
        "panel": panel,
        "note": "Network figures are published estimates, shown for context with their own "
        "definitions and coverage; they are never used in place of this site's metered data "
        "(docs/methodology.md §8). The company's figures are metered, for the reporting period."
        if references
        else "not reported: the site file declares no [[network_reference]]",
    }


def assurance_block(assurance: Assurance | None) -> dict[str, Any]:
    """The assurance statement declared in the site file, or the UNASSURED stamp."""
    if assurance is None:
        return {
            "assured": False,
            "stamp": UNASSURED,
            "summary": UNASSURED,
            "standard": None,
            "level": None,
            "provider": None,
            "scope": None,
            "statement_date": None,
            "reference": None,
            "note": "No assurance statement is declared in the site file: the figures in this "
            "report have not been assured by a third party.",
        }
    return {
        "assured": True,
        "stamp": None,
        "summary": f"{assurance.level}, {assurance.standard}",
        "standard": assurance.standard,
        "level": assurance.level,
        "provider": assurance.provider,
        "scope": assurance.scope,
        "statement_date": (
            assurance.statement_date.isoformat() if assurance.statement_date else None
        ),
        "reference": assurance.reference,
        "note": f"{assurance.level.capitalize()} assurance under {assurance.standard} by "
        f"{assurance.provider}, as declared in the site file; the statement itself is "
        "the provider's document.",
    }


def fiscal_block(site: SiteConfig, period_label: str) -> dict[str, Any]:
    """The fiscal year and quarter a month belongs to (:mod:`carbon.core.fiscal`)."""
    fy = site.fiscal_year
    start_month = fy.start_month if fy else 1
    naming = fy.naming if fy else "end-year"
    year, quarter = fiscal_of_month(period_label, start_month, naming)
    return {
        "fiscal_year": f"FY{year}",
        "quarter": f"FY{year}-Q{quarter}",
        "start_month": start_month,
        "naming": naming,
        "declared": fy is not None,
    }


def _t(kg: Any) -> float | None:
    return None if kg is None else float(kg) / 1000.0


def register_keys(site: SiteConfig, period: Any, results: dict[str, Any]) -> dict[str, Any]:
    """The results.json keys of the disclosure register for one period
    (a :class:`carbon.core.period.Period`; local dates decide what falls in it).

    `results` holds the figures computed so far (read, never changed).
    """
    period_label = period.label
    start, end = period.start.date(), period.end.date()
    gross = {
        "scope1": _t((results.get("scope1_kgco2e") or {}).get("total")),
        "scope2_location": _t((results.get("scope2_location_kgco2e") or {}).get("total")),
        "scope2_market": _t((results.get("scope2_market_kgco2e") or {}).get("total")),
        "scope3_cat3": _t((results.get("scope3_cat3_kgco2e") or {}).get("total")),
    }
    for basis in ("location", "market"):  # tenants controlling their space (§1.1)
        cat13 = (results.get(f"scope3_13_{basis}_kgco2e") or {}).get("total")
        if cat13:
            gross[f"scope3_cat13_{basis}"] = _t(cat13)
    by_tenant = (results.get("tenants") or {}).get("by_tenant")
    return {
        "offsets": offsets_block(site.offsets, start, end, gross),
        "boundary": boundary_block(site.boundary, site.site.id, start, end, by_tenant),
        "retired_hardware": retired_hardware_block(site.retired_hardware, period_label),
        "network_comparison": network_comparison_block(site.network_reference, results),
        "assurance": assurance_block(site.assurance),
        "fiscal_period": fiscal_block(site, period_label),
        "eed": site.eed.model_dump(mode="json") if site.eed is not None else None,
    }
