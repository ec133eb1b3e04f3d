"""``exports/esrs-ifrs.json``: the ESRS E1-5 / E1-6 and IFRS S2 29(a) line items of a site.

Each line item carries its framework, paragraph reference, value and unit, or the reason
it is not available / not applicable; every greenhouse-gas figure names the GWP-100 set
it was computed with (``gwp_set``), as ESRS E1-6 and IFRS S2 (amended December 2025,
effective 1 January 2027) ask. Paragraph references of single figures are those their
declaration in :mod:`carbon.results.fields` carries (the same the PDF's framework
mapping prints); references of sums and of items carbon does not compute are given
here. None has been checked against the published text in this repository: all are
marked ``to be confirmed`` (the simplified ESRS of 2026 renumber Set 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, model_validator

from carbon.core.dotted import lookup
from carbon.results.exports.common import (
    ReferenceStatus,
    ReportSource,
    SitePeriod,
    Strict,
    convert,
    header,
    number,
)
from carbon.results.fields import field_for, reference

__all__ = ["EsrsIfrsExport", "esrs_ifrs_export"]

Framework = Literal["ESRS E1", "IFRS S2"]
_FRAMEWORK_ID: dict[str, str] = {"ESRS E1": "esrs", "IFRS S2": "ifrs"}
SOURCES = (
    "ESRS E1, Commission Delegated Regulation (EU) 2023/2772 (Set 1), disclosure "
    "requirements E1-5 and E1-6",
    "IFRS S2 Climate-related Disclosures (2023) paragraph 29(a), with the amendments of "
    "December 2025 (effective 1 January 2027)",
)
_GHG_UNITS = ("t CO2e",)


class LineItem(Strict):
    """One line item of ESRS E1-5/E1-6 or IFRS S2 29(a)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    framework: Framework
    reference: str = Field(description="paragraph of the standard")
    reference_status: ReferenceStatus
    label: str
    status: Literal["reported", "not available", "not applicable"]
    value: float | str | None = Field(description="in `unit`; null unless reported")
    unit: str | None
    gwp_set: str | None = Field(
        description="GWP-100 set of a greenhouse-gas figure (IPCC AR6, AR5 ...); null for "
        "figures that are not CO2e"
    )
    basis: str = Field(description="what the figure is, or why it is not given")

    @model_validator(mode="after")
    def _gwp_named(self) -> LineItem:
        if self.status == "reported" and self.unit in _GHG_UNITS and not self.gwp_set:
            raise ValueError(f"{self.id}: a CO2e figure must name its GWP set")
        if self.status == "reported" and self.value is None:
            raise ValueError(f"{self.id}: a reported line item needs a value")
        return self


class EsrsIfrsExport(Strict):
    """ESRS E1-5/E1-6 and IFRS S2 29(a) line items (``exports/esrs-ifrs.json``)."""

    export: Literal["esrs-ifrs"]
    schema_version: Literal["1"]
    sources: list[str] = Field(description="the standards the line items answer")
    source: ReportSource
    site: SitePeriod
    consolidation: str | None = Field(description="consolidation approach of the boundary")
    gwp_sets: dict[str, str] = Field(
        description="each GWP set named in the line items → what it is"
    )
    line_items: list[LineItem]


@dataclass(frozen=True)
class _Spec:
    """A line item: the results keys summed (or none), the unit shown, the reference of a
    sum or of an item without figures, and the basis or reason."""

    id: str
    framework: Framework
    label: str
    keys: tuple[str, ...] = ()
    unit: str | None = None
    ref: str | None = None
    status: Literal["reported", "not available", "not applicable"] = "reported"
    basis: str = ""


_S1, _S2L, _S2M, _S3 = (
    "scope1_kgco2e.total",
    "scope2_location_kgco2e.total",
    "scope2_market_kgco2e.total",
    "scope3_3_td_losses_kgco2e.total",
)
# Scope 3 category 13: tenants holding operational control (docs/methodology.md §1.1)
_S13L, _S13M = "scope3_13_location_kgco2e.total", "scope3_13_market_kgco2e.total"
_INSTRUMENTS = tuple(
    f"market_based.coverage_mwh.annual.{k}"
    for k in ("certificate", "ppa", "green_tariff", "supplier_factor")
)

_SPECS: tuple[_Spec, ...] = (
    # --- ESRS E1-5 energy consumption and mix
    _Spec(
        "e1_5_total_energy",
        "ESRS E1",
        "total energy consumption from own operations",
        ("kpis.dc_energy_kwh.total",),
        "MWh",
        basis="electricity at the site boundary (revenue meter) plus fuel burnt on site "
        "(HHV), each counted once",
    ),
    _Spec(
        "e1_5_renewable_purchased",
        "ESRS E1",
        "purchased or acquired electricity from renewable sources",
        ("kpis.ref_renewable_kwh",),
        "MWh",
        ref="E1-5 para 37(c)(ii)",
        basis="certificates, PPAs and documented green tariffs of renewable technologies "
        "applied in the market-based result (annual); not the grid mix",
    ),
    _Spec(
        "e1_5_fossil",
        "ESRS E1",
        "energy consumption from fossil sources",
        ref="E1-5 para 37(a)",
        status="not available",
        basis="the grid's fuel mix is not among the inputs; the split cannot be derived "
        "from emission factors",
    ),
    _Spec(
        "e1_5_nuclear",
        "ESRS E1",
        "energy consumption from nuclear sources",
        ref="E1-5 para 37(b)",
        status="not available",
        basis="the grid's fuel mix is not among the inputs",
    ),
    _Spec(
        "e1_5_self_generated_renewable",
        "ESRS E1",
        "self-generated non-fuel renewable energy",
        ref="E1-5 para 37(c)(iii)",
        status="not available",
        basis="no on-site renewable generation is metered",
    ),
    _Spec(
        "e1_5_energy_intensity",
        "ESRS E1",
        "energy intensity per net revenue",
        ref="E1-5 paras 40-43",
        status="not applicable",
        basis="required for high-climate-impact sectors (NACE A-H and L); data processing "
        "(J63.11) is not one",
    ),
    # --- ESRS E1-6 gross Scopes 1, 2, 3 and total GHG
    _Spec("e1_6_scope1", "ESRS E1", "gross Scope 1 GHG emissions", (_S1,), "t CO2e"),
    _Spec(
        "e1_6_scope1_ets_share",
        "ESRS E1",
        "percentage of Scope 1 from regulated emissions trading schemes",
        ref="E1-6 para 48(b)",
        status="not available",
        basis="emissions-trading coverage is not among the inputs",
    ),
    _Spec("e1_6_scope2_location", "ESRS E1", "gross location-based Scope 2", (_S2L,), "t CO2e"),
    _Spec("e1_6_scope2_market", "ESRS E1", "gross market-based Scope 2", (_S2M,), "t CO2e"),
    _Spec(
        "e1_6_scope3",
        "ESRS E1",
        "gross Scope 3 GHG emissions (categories computed)",
        (_S3, _S13L),
        "t CO2e",
        basis="category 3(c), T&D losses of purchased electricity, and category 13, "
        "downstream leased assets (tenants holding operational control of their space; "
        "location-based, the market-based figure in e1_6_scope3_cat13_market)",
    ),
    _Spec(
        "e1_6_scope3_cat13_location",
        "ESRS E1",
        "Scope 3 category 13, downstream leased assets, location-based",
        (_S13L,),
        "t CO2e",
        basis="tenants holding operational control of their space: their location-based "
        "Scope 2, outside the operator's Scope 2 (operational-control approach)",
    ),
    _Spec(
        "e1_6_scope3_cat13_market",
        "ESRS E1",
        "Scope 3 category 13, downstream leased assets, market-based",
        (_S13M,),
        "t CO2e",
        basis="the same tenants' market-based Scope 2 (annual matching)",
    ),
    _Spec(
        "e1_6_total_location",
        "ESRS E1",
        "total GHG emissions, location-based",
        (_S1, _S2L, _S3, _S13L),
        "t CO2e",
        ref="E1-6 para 52(a)",
        basis="Scope 1 + Scope 2 location-based + Scope 3 categories 3(c) and 13 (location-based)",
    ),
    _Spec(
        "e1_6_total_market",
        "ESRS E1",
        "total GHG emissions, market-based",
        (_S1, _S2M, _S3, _S13M),
        "t CO2e",
        ref="E1-6 para 52(b)",
        basis="Scope 1 + Scope 2 market-based + Scope 3 categories 3(c) and 13 (market-based)",
    ),
    _Spec(
        "e1_6_contractual_instruments",
        "ESRS E1",
        "electricity covered by contractual instruments (Scope 2 market-based)",
        _INSTRUMENTS,
        "MWh",
        ref="E1-6 application requirements on contractual instruments",
        basis="certificates, PPAs, green tariffs and supplier factors applied (annual "
        "matching); the residual mix covers the rest",
    ),
    _Spec(
        "e1_6_biogenic_co2",
        "ESRS E1",
        "biogenic CO2 emissions (outside the scopes)",
        ("scope1_gases.biogenic_co2_kg",),
        "t CO2",
        basis="CO2 of biogenic fuel burnt on site; CO2 only, no GWP applies",
    ),
    _Spec(
        "e1_6_ghg_intensity",
        "ESRS E1",
        "GHG intensity per net revenue (location- and market-based)",
        ref="E1-6 paras 53-55",
        status="not available",
        basis="net revenue is not among the inputs",
    ),
    # --- IFRS S2 29(a)
    _Spec("s2_29a_scope1", "IFRS S2", "absolute gross Scope 1", (_S1,), "t CO2e"),
    _Spec(
        "s2_29a_scope2_location",
        "IFRS S2",
        "absolute gross Scope 2, location-based",
        (_S2L,),
        "t CO2e",
    ),
    _Spec(
        "s2_29a_scope2_market",
        "IFRS S2",
        "information on contractual instruments: Scope 2 market-based",
        (_S2M,),
        "t CO2e",
        basis="the market-based total, given as information on contractual instruments",
    ),
    _Spec(
        "s2_29a_contractual_instruments",
        "IFRS S2",
        "information on contractual instruments: electricity covered",
        _INSTRUMENTS,
        "MWh",
        ref="29(a)(v)",
        basis="certificates, PPAs, green tariffs and supplier factors applied (annual)",
    ),
    _Spec(
        "s2_29a_scope3",
        "IFRS S2",
        "absolute gross Scope 3 (categories included)",
        (_S3, _S13L),
        "t CO2e",
        basis="category 3(c) and category 13 (downstream leased assets, location-based); "
        "other categories are outside carbon's boundary",
    ),
    _Spec(
        "s2_29a_measurement",
        "IFRS S2",
        "measurement approach, inputs and assumptions",
        ref="29(a)(ii)-(iii)",
        basis="GHG Protocol Corporate Standard (2004) and Scope 2 Guidance (2015); the "
        "methodology section of the disclosure states the factors and their hierarchy",
    ),
    _Spec(
        "s2_29a_investees",
        "IFRS S2",
        "Scopes 1 and 2: consolidated group vs other investees",
        ref="29(a)(iv)",
        status="not applicable",
        basis="one site is reported; no investees are in the boundary",
    ),
)


def _reference(spec: _Spec) -> str:
    if spec.ref is not None:
        return spec.ref
    found = reference(spec.keys[0], _FRAMEWORK_ID[spec.framework])
    if found is None:  # pragma: no cover - a declaration error, caught by the tests
        raise KeyError(f"{spec.keys[0]} declares no {spec.framework} reference")
    return found


def _value(spec: _Spec, results: dict[str, Any]) -> tuple[float | None, list[str]]:
    figures = [number(results, k) for k in spec.keys]
    missing = [k for k, v in zip(spec.keys, figures, strict=True) if v is None]
    if missing:
        return None, missing
    units = {field_for(k).unit for k in spec.keys}
    (unit,) = units  # the figures of one line item share a unit (checked by the tests)
    return convert(sum(figures), unit, spec.unit), []  # type: ignore[arg-type]


def _item(spec: _Spec, results: dict[str, Any], gwp: str) -> LineItem:
    common = {
        "id": spec.id,
        "framework": spec.framework,
        "reference": _reference(spec),
        "reference_status": "to be confirmed",
        "label": spec.label,
    }
    ghg = spec.unit in _GHG_UNITS
    if spec.status != "reported":
        return LineItem(
            **common, status=spec.status, value=None, unit=None, gwp_set=None, basis=spec.basis
        )
    if not spec.keys:  # a statement in words
        text = f"{spec.basis}; consolidation: {_consolidation(results) or 'not declared'}"
        text += f"; GWP-100 set {gwp}"
        return LineItem(
            **common, status="reported", value=text, unit=None, gwp_set=gwp, basis=spec.basis
        )
    value, missing = _value(spec, results)
    if value is None:
        return LineItem(
            **common,
            status="not available",
            value=None,
            unit=spec.unit,
            gwp_set=gwp if ghg else None,
            basis=f"not in the results of this period ({', '.join(missing)})",
        )
    basis = spec.basis or field_for(spec.keys[0]).definition
    gas_note = lookup(results, "grid_intensity_gco2e_per_kwh.gas_note")
    if _S2L in spec.keys and gas_note:
        basis += f"; grid factor: {gas_note}"
    return LineItem(
        **common,
        status="reported",
        value=value,
        unit=spec.unit,
        gwp_set=gwp if ghg else None,
        basis=basis,
    )


def _consolidation(results: dict[str, Any]) -> str | None:
    boundary = results.get("boundary") or {}
    return boundary.get("consolidation") if boundary.get("declared") else None


_GWP_WORDS = {
    "AR6": "IPCC Sixth Assessment Report (2021), GWP-100 (CH4 fossil 29.8, N2O 273)",
    "AR5": "IPCC Fifth Assessment Report (2013), GWP-100 without climate-carbon feedback",
    "AR4": "IPCC Fourth Assessment Report (2007), GWP-100",
}


def esrs_ifrs_export(results: dict[str, Any], canonical_json: bytes) -> EsrsIfrsExport:
    """The ESRS E1-5/E1-6 and IFRS S2 29(a) line items of `results`."""
    source, site = header(results, canonical_json)
    gwp = str(results.get("gwp_set") or "not stated")
    items = [_item(spec, results, gwp) for spec in _SPECS]
    named = sorted({i.gwp_set for i in items if i.gwp_set})
    return EsrsIfrsExport(
        export="esrs-ifrs",
        schema_version="1",
        sources=list(SOURCES),
        source=source,
        site=site,
        consolidation=_consolidation(results),
        gwp_sets={g: _GWP_WORDS.get(g, "as the results state it") for g in named},
        line_items=items,
    )
