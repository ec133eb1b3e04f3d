"""``exports/eed.json``: the EU Energy Efficiency Directive data-centre report of a site.

Directive (EU) 2023/1791 (Article 12, Annex VII) and Commission Delegated Regulation
(EU) 2024/1364 ask every data centre in the EU with an installed IT power demand of
500 kW or more for a yearly report to the European database. This export lists every
field of that report: those carbon computes or the site file declares carry their
value, unit and basis; the rest are listed as ``to be supplied``, each with the field's
legal reference. The annex split of the delegated regulation has not been checked
against the Official Journal text here (docs/methodology.md §3), so every reference
names the annex and the field in words and is marked ``to be confirmed``.

The renewable share is given twice: under the definition in force (REF: renewable
energy whose attributes the site retires, annual, ÷ E_DC) and under the Guarantee-of-
Origin definition the Commission proposed in its draft rating-scheme regulation (GOs
matched to consumption within 15 minutes, from the same bidding zone, from plants
commissioned at most 10 years before the reporting year; a proposal, not in force).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from carbon.analysis.headline import RENEWABLE_TECHNOLOGIES
from carbon.results.exports.common import (
    ReferenceStatus,
    ReportSource,
    SitePeriod,
    Strict,
    convert,
    header,
    number,
)

__all__ = ["EedExport", "eed_export"]

REGULATION = (
    "Directive (EU) 2023/1791, Article 12 and Annex VII; Commission Delegated Regulation "
    "(EU) 2024/1364 (first phase of the Union rating scheme for data centres)"
)
_DR = "Delegated Regulation (EU) 2024/1364"
_ANNEX_I = f"{_DR}, Annex I (information and key performance indicators)"
_INDICATORS = (
    f"{_DR}, annex on the data-centre sustainability indicators (Annex II in carbon's "
    "framework map, Annex III in two secondary readings)"
)
#: The threshold of Article 12 of the Directive: installed IT power demand.
THRESHOLD_KW = 500.0

FieldStatus = Literal["computed", "declared", "to be supplied"]


class EedField(Strict):
    """One field of the EED data-centre report."""

    id: str = Field(pattern=r"^[a-z0-9_]+$", description="stable field id")
    label: str = Field(description="the field in words")
    reference: str = Field(description="legal reference: act, annex and the field in words")
    reference_status: ReferenceStatus
    status: FieldStatus = Field(
        description="computed by carbon, declared in the site file, or to be supplied"
    )
    value: float | str | None = Field(description="in `unit`; null when to be supplied")
    unit: str | None = Field(description="unit of `value` (null for text)")
    basis: str = Field(description="how the value was obtained, or why it is to be supplied")


class EedRenewableShare(Strict):
    """The renewable share of the site's energy under one definition."""

    definition: Literal["current", "proposed"]
    rule_status: str = Field(description="in force, or proposal with its date")
    source: str
    renewable_kwh: float | None
    total_energy_kwh: float | None = Field(description="E_DC, the denominator")
    share_fraction: float | None = Field(description="renewable_kwh ÷ total_energy_kwh, 0-1")
    conditions_checked: list[str]
    conditions_not_checked: list[str]


class EedExport(Strict):
    """The EED data-centre report fields of a site (``exports/eed.json``)."""

    export: Literal["eed"]
    schema_version: Literal["1"]
    regulation: str = Field(description="the acts the fields answer")
    source: ReportSource
    site: SitePeriod
    applicability: list[str] = Field(
        description="who must report and whether this site is in scope (a legal determination)"
    )
    fields: list[EedField]
    renewable_share: list[EedRenewableShare]


# --- the fields -------------------------------------------------------------------------------

#: (id, label, field in words, unit): fields that need inputs carbon does not hold.
_TO_SUPPLY = (
    ("location", "location of the data centre", "location", None),
    ("start_of_operation", "date the data centre started operating", "start of operation", None),
    ("owner_operator", "owner and operator of the data centre", "owners and operators", None),
    (
        "electrical_redundancy",
        "redundancy level of the electrical supply",
        "redundancy level, power",
        None,
    ),
    ("cooling_redundancy", "redundancy level of cooling", "redundancy level, cooling", None),
    (
        "waste_heat_temperature",
        "average temperature of the waste heat",
        "average waste-heat temperature",
        "degC",
    ),
    (
        "it_intake_air_setpoint",
        "average set point of the IT equipment intake air temperature",
        "IT intake-air temperature set point",
        "degC",
    ),
    ("refrigerants", "types of refrigerant used", "refrigerant types", None),
    ("cooling_degree_days", "cooling degree days", "cooling degree days", "degree_day"),
    (
        "ict_capacity_servers",
        "ICT capacity of the servers",
        "ICT capacity for servers",
        None,
    ),
    ("ict_capacity_storage", "ICT capacity of the storage", "ICT capacity for storage", None),
    (
        "data_traffic",
        "incoming and outgoing bandwidth and data traffic",
        "incoming and outgoing traffic",
        None,
    ),
    ("data_stored", "data stored", "data stored", None),
)
_SUPPLY_REASON = {
    "ict_capacity_servers": "needs the tenants' equipment data, which is not among the inputs",
    "ict_capacity_storage": "needs the tenants' equipment data, which is not among the inputs",
    "data_traffic": "needs the tenants' network data, which is not among the inputs",
    "data_stored": "needs the tenants' data, which is not among the inputs",
    "owner_operator": "the site file names the reporter only ([reporting] reporter); the "
    "owner and operator are a legal fact to state",
}


def _field(
    id_: str,
    label: str,
    words: str,
    value: float | str | None,
    unit: str | None,
    basis: str,
    *,
    status: FieldStatus = "computed",
    reference: str = _ANNEX_I,
) -> EedField:
    if value is None:
        status = "to be supplied"
    return EedField(
        id=id_,
        label=label,
        reference=f"{reference}: {words}",
        reference_status="to be confirmed",
        status=status,
        value=value,
        unit=unit,
        basis=basis,
    )


def _installed_it_power(results: dict[str, Any]) -> tuple[float | None, str]:
    month_end = (results.get("capacity") or {}).get("month_end") or {}
    parts = {
        "mining halls' IT rating": month_end.get("mining_mw"),
        "critical IT energised for AI/HPC tenants": month_end.get("critical_it_energised_mw"),
    }
    present = {k: float(v) for k, v in parts.items() if v is not None}
    if not present:
        return None, "no [[capacity]] records of mining or critical IT capacity for the period"
    total = convert(sum(present.values()), "MW", "kW")
    words = " + ".join(present)
    return total, f"capacity records at the month end ({month_end.get('date')}): {words}"


def _declared(results: dict[str, Any], key: str) -> Any:
    return (results.get("eed") or {}).get(key)


def _energy_fields(results: dict[str, Any]) -> list[EedField]:
    kwh = "kWh"
    split = _renewable_split(results)
    return [
        _field(
            "total_energy_consumption",
            "total energy consumption of the data centre (E_DC)",
            "total energy consumption",
            number(results, "kpis.dc_energy_kwh.total"),
            kwh,
            "electricity at the revenue meter plus fuel burnt on site (HHV), each counted once",
        ),
        _field(
            "backup_generator_energy",
            "energy of the backup generators, shown separately",
            "energy consumption of backup generators",
            number(results, "kpis.dc_energy_kwh.fuels_hhv"),
            kwh,
            "fuel burnt on site at its higher heating value ([[fuel]] records)",
        ),
        _field(
            "it_energy_consumption",
            "energy consumption of the IT equipment (E_IT)",
            "energy consumption of information technology equipment",
            number(results, "it_energy_kwh.total"),
            kwh,
            f"sub-metered IT energy; {results.get('kpis', {}).get('pue_category', '')}",
        ),
        _field(
            "total_water_input",
            "total water input (W_IN)",
            "total water input",
            number(results, "water.withdrawal_m3"),
            "m**3",
            "site water withdrawal ([[water]] records)",
        ),
        _field(
            "potable_water_input",
            "potable water input",
            "total potable water input",
            number(results, "water.potable_m3"),
            "m**3",
            "potable share of the site water withdrawal ([[water]] records)",
        ),
        _field(
            "waste_heat_reused",
            "waste heat reused (E_REUSE)",
            "waste heat reused",
            number(results, "kpis.heat_reuse_kwh"),
            kwh,
            "heat delivered outside the site boundary ([[heat_reuse]]; zero when none)",
        ),
        _field(
            "renewable_energy_total",
            "total renewable energy consumption (E_RES-TOT)",
            "total renewable energy consumption",
            number(results, "kpis.ref_renewable_kwh"),
            kwh,
            "certificates and PPAs applied in the market-based result plus documented "
            "utility renewable supply, renewable technologies only; on-site generation is "
            "not metered",
        ),
        _field(
            "renewable_energy_guarantees_of_origin",
            "renewable energy from Guarantees of Origin (certificates, green tariffs)",
            "renewable energy consumption from Guarantees of Origin",
            split["certificate"],
            kwh,
            "unbundled certificates and certificate-backed green tariffs applied",
        ),
        _field(
            "renewable_energy_ppa",
            "renewable energy from power purchase agreements",
            "renewable energy consumption from power purchase agreements",
            split["ppa"],
            kwh,
            "PPAs applied in the market-based result (their certificates retained)",
        ),
    ]


def _renewable_split(results: dict[str, Any]) -> dict[str, float | None]:
    """kWh of applied renewable instruments, by EED class (annual basis, as REF)."""
    register = (results.get("market_based") or {}).get("register")
    if register is None:
        return {"certificate": None, "ppa": None}
    out = {"certificate": 0.0, "ppa": 0.0}
    for row in register:
        if row.get("status") != "applied" or row.get("technology") not in RENEWABLE_TECHNOLOGIES:
            continue
        kind = {"certificate": "certificate", "green_tariff": "certificate", "ppa": "ppa"}.get(
            str(row.get("kind"))
        )
        if kind is not None:
            out[kind] += convert(float(row.get("available_mwh") or 0.0), "MWh", "kWh") or 0.0
    return dict(out)


def _indicator_fields(results: dict[str, Any]) -> list[EedField]:
    interim = "" if _annual(results) else "; interim: the period is not a calendar year"
    rows = (
        ("pue", "power usage effectiveness (PUE)", "kpis.pue", "dimensionless", "E_DC ÷ E_IT"),
        (
            "wue",
            "water usage effectiveness (WUE)",
            "kpis.wue",
            "L/kWh",
            "W_IN ÷ E_IT (ISO/IEC 30134-9)",
        ),
        (
            "erf",
            "energy reuse factor (ERF)",
            "kpis.erf",
            "dimensionless",
            "E_REUSE ÷ E_DC (ISO/IEC 30134-6)",
        ),
        (
            "ref",
            "renewable energy factor (REF)",
            "kpis.ref",
            "dimensionless",
            "E_RES-TOT ÷ E_DC (ISO/IEC 30134-3), capped at 1",
        ),
    )
    return [
        _field(
            id_,
            label,
            label,
            number(results, key),
            unit,
            basis + interim,
            reference=_INDICATORS,
        )
        for id_, label, key, unit, basis in rows
    ]


def _identity_fields(results: dict[str, Any]) -> list[EedField]:
    power, power_basis = _installed_it_power(results)
    site = results.get("site") or {}
    area = ("total_floor_area_m2", "computer_room_floor_area_m2", "data_centre_type")
    total_area, room_area, kind = (_declared(results, k) for k in area)
    declared = "declared in the site file ([eed] {})"
    return [
        _field(
            "data_centre_name",
            "name of the data centre",
            "name of the data centre",
            site.get("name"),
            None,
            "the site's name in the site file ([site] name)",
            status="declared",
        ),
        _field(
            "data_centre_type",
            "type: enterprise, colocation or co-hosting data centre",
            "type of data centre",
            kind,
            None,
            declared.format("data_centre_type")
            if kind
            else "not declared ([eed] data_centre_type)",
            status="declared",
        ),
        _field(
            "installed_it_power_demand",
            "installed information technology power demand",
            "installed information technology power demand",
            power,
            "kW",
            power_basis,
        ),
        _field(
            "total_floor_area",
            "total floor area of the data centre",
            "total floor area",
            total_area,
            "m**2",
            declared.format("total_floor_area_m2")
            if total_area is not None
            else "not declared ([eed] total_floor_area_m2)",
            status="declared",
        ),
        _field(
            "computer_room_floor_area",
            "floor area of the computer rooms",
            "computer room floor area",
            room_area,
            "m**2",
            declared.format("computer_room_floor_area_m2")
            if room_area is not None
            else "not declared ([eed] computer_room_floor_area_m2)",
            status="declared",
        ),
    ]


def _to_supply() -> list[EedField]:
    return [
        _field(
            id_,
            label,
            words,
            None,
            unit,
            _SUPPLY_REASON.get(id_, "not among carbon's inputs; to be stated by the operator"),
        )
        for id_, label, words, unit in _TO_SUPPLY
    ]


def _annual(results: dict[str, Any]) -> bool:
    label = str((results.get("period") or {}).get("label", ""))
    return len(label) == 4 and label.isdigit()


# --- the renewable share, two definitions ------------------------------------------------------


def _hourly_renewable_kwh(results: dict[str, Any]) -> float | None:
    register = (results.get("market_based") or {}).get("register")
    if register is None:
        return None
    mwh = sum(
        float(row.get("used_hourly_mwh") or 0.0)
        for row in register
        if row.get("status") == "applied" and row.get("technology") in RENEWABLE_TECHNOLOGIES
    )
    return convert(mwh, "MWh", "kWh")


def _shares(results: dict[str, Any]) -> list[EedRenewableShare]:
    e_dc = number(results, "kpis.dc_energy_kwh.total")
    current = number(results, "kpis.ref_renewable_kwh")
    proposed = _hourly_renewable_kwh(results)
    boundary = (results.get("market_based") or {}).get("market_boundary") or "not declared"

    def share(kwh: float | None) -> float | None:
        return None if kwh is None or not e_dc else min(kwh, e_dc) / e_dc

    return [
        EedRenewableShare(
            definition="current",
            rule_status="in force",
            source=f"{_DR} (renewable energy factor as ISO/IEC 30134-3 defines it); "
            "reference to be confirmed",
            renewable_kwh=current,
            total_energy_kwh=e_dc,
            share_fraction=share(current),
            conditions_checked=[
                "instruments applied in the market-based result (GHG Protocol Scope 2 "
                "quality criteria), renewable technologies only",
                "volume counted over the period (annual matching), at most E_DC",
            ],
            conditions_not_checked=[],
        ),
        EedRenewableShare(
            definition="proposed",
            rule_status="proposal: Commission draft regulation on the data-centre rating "
            "scheme, public consultation closed April 2026; not in force",
            source="draft delegated regulation amending the Union rating scheme for data "
            "centres (as reported 23 April 2026); reference to be confirmed",
            renewable_kwh=proposed,
            total_energy_kwh=e_dc,
            share_fraction=share(proposed),
            conditions_checked=[
                "renewable generation matched to consumption hour by hour (the instruments' "
                "hourly profiles against the metered load)",
                f"instruments in the site's market boundary ({boundary}) as the market-based "
                "quality criteria check it",
            ],
            conditions_not_checked=[
                "15-minute matching: the match is hourly, so the figure is an upper bound of "
                "the 15-minute match",
                "plants commissioned at most 10 years before the reporting year: "
                "commissioning dates are not among the inputs",
                "exemption of long-term PPAs with bundled certificates in place before the "
                "rule applies: not assessed",
                "availability of granular Guarantees of Origin in the Member State: not assessed",
            ],
        ),
    ]


def _applicability(results: dict[str, Any], power_kw: float | None) -> list[str]:
    out = [
        "Article 12 of Directive (EU) 2023/1791 applies to data centres in the EU with an "
        f"installed IT power demand of at least {THRESHOLD_KW:.0f} kW; report yearly, by "
        "15 May, for the previous calendar year",
        "whether a site (a mining hall in particular) is a data centre under the Directive "
        "is a legal determination, recorded per site; this export does not make it",
    ]
    if power_kw is not None:
        above = "at or above" if power_kw >= THRESHOLD_KW else "below"
        out.append(f"installed IT power demand {power_kw:,.0f} kW: {above} the threshold")
    if not _annual(results):
        out.append(
            "the figures cover one period shorter than a calendar year: an interim view; "
            "the filing sums the year's energy and water and recomputes the indicators"
        )
    return out


def eed_export(results: dict[str, Any], canonical_json: bytes) -> EedExport:
    """The EED data-centre report fields of `results` (see the module text)."""
    source, site = header(results, canonical_json)
    identity = _identity_fields(results)
    power = next(f.value for f in identity if f.id == "installed_it_power_demand")
    return EedExport(
        export="eed",
        schema_version="1",
        regulation=REGULATION,
        source=source,
        site=site,
        applicability=_applicability(results, power if isinstance(power, float) else None),
        fields=[*identity, *_energy_fields(results), *_indicator_fields(results), *_to_supply()],
        renewable_share=_shares(results),
    )
