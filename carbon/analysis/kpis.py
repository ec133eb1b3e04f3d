"""Data-centre KPIs of the ISO/IEC 30134 family (docs/methodology.md §3).

Every function takes pint quantities or quantified DataArrays (summed over all
their dimensions: the KPIs are ratios of period totals, never means of interval
ratios) and returns a frozen :class:`carbon.analysis.metric.Metric` carrying the value
as a pint quantity, a display label, the standard and notes. A dimensionless ratio is
read with :attr:`~carbon.analysis.metric.Metric.ratio`; the one bare float is
:func:`pue_ratio`, the PUE of a table row where no IT energy means no PUE.

- PUE = E_DC / E_IT (ISO/IEC 30134-2), ≥ 1; category by where E_IT is metered
  (UPS output, PDU output, IT input: Green Grid PUE1/2/3, ISO basic,
  intermediate, advanced). Under 12 months the value is *interim*.
- partial PUE: zone ``(E_IT,z + E_infra,z)/E_IT,z``; subsystem
  ``pPUE_j = (E_IT + E_j)/E_IT`` with ``PUE = Σ_j pPUE_j − (n−1)``.
- REF = E_ren / E_DC ∈ [0, 1] (ISO/IEC 30134-3), annual.
- ERF = E_reuse / E_DC, ERE = (E_DC − E_reuse)/E_IT = (1 − ERF)·PUE (ISO/IEC 30134-6).
- CUE = Σ E_src·EF_src / E_IT [kg CO2e/kWh] (ISO/IEC 30134-8); CUE_LB and CUE_MB.
- WUE = W_site / E_IT [L/kWh] (ISO/IEC 30134-9).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import pint
import xarray as xr

from carbon.analysis.metric import Metric, label_suffix, period_is_interim
from carbon.core.errors import InputDataError, UnitError
from carbon.core.totals import total_of
from carbon.core.units import Q_, ureg

__all__ = [
    "EN50600_DIESEL_KWH_PER_L",
    "EN50600_GAS_KWH_PER_M3",
    "PUE_CATEGORIES",
    "Basis",
    "ItMeteringPoint",
    "cue",
    "ere",
    "erf",
    "fuel_energy",
    "partial_pue_subsystems",
    "partial_pue_zone",
    "pue",
    "pue_from_partials",
    "pue_ratio",
    "ref",
    "source_emissions",
    "wue",
    "wue_source",
]

#: Where E_IT is metered → (Green Grid category, ISO/IEC 30134-2 level).
PUE_CATEGORIES: Mapping[str, tuple[str, str]] = {
    "ups_output": ("PUE1", "basic"),
    "pdu_output": ("PUE2", "intermediate"),
    "it_input": ("PUE3", "advanced"),
}
ItMeteringPoint = Literal["ups_output", "pdu_output", "it_input"]
Basis = Literal["location-based", "market-based"]
_BASIS_SUFFIX: Mapping[str, str] = {"location-based": "LB", "market-based": "MB"}

#: EN 50600-4-2 example conversion of diesel [kWh/L]; state your own where known.
EN50600_DIESEL_KWH_PER_L = Q_(9.9, "kWh/L")
#: EN 50600-4-2 example conversion of natural gas [kWh/m**3].
EN50600_GAS_KWH_PER_M3 = Q_(10.5, "kWh/m**3")

_PUE_STD = "ISO/IEC 30134-2 (EN 50600-4-2); The Green Grid"
_PPUE_STD = "ISO/IEC 30134-2 derivatives; The Green Grid WP#49"
_REF_STD = "ISO/IEC 30134-3 (EN 50600-4-3)"
_ERF_STD = "ISO/IEC 30134-6 (EN 50600-4-6); The Green Grid"
_CUE_STD = "ISO/IEC 30134-8; The Green Grid WP#32"
_WUE_STD = "ISO/IEC 30134-9; The Green Grid WP#35"


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def _product(amount: Any, rate: Any) -> Any:
    """``amount × rate``, interval by interval; two DataArrays must share coordinates exactly."""
    for x, what in ((amount, "amount"), (rate, "rate")):
        if not isinstance(x, xr.DataArray | ureg.Quantity):
            raise UnitError(f"the {what} must be a pint Quantity or a quantified DataArray")
    if isinstance(amount, xr.DataArray) and isinstance(rate, xr.DataArray):
        try:
            amount, rate = xr.align(amount, rate, join="exact")
        except ValueError as exc:
            raise InputDataError(f"amount and rate do not cover the same intervals: {exc}") from exc
    return amount * rate


def _positive(q: pint.Quantity, what: str) -> None:
    if float(q.magnitude) <= 0:
        raise InputDataError(f"{what} must be positive, got {q}")


# --------------------------------------------------------------------------------------
# Energy crossing the boundary
# --------------------------------------------------------------------------------------
def fuel_energy(amount: Any, energy_per_unit: pint.Quantity) -> pint.Quantity:
    """Energy of a fuel crossing the DC boundary by a stated conversion [kWh].

    Parameters
    ----------
    amount : pint.Quantity or xarray.DataArray
        Fuel amount [L, m**3, gallon, kg …].
    energy_per_unit : pint.Quantity
        Stated conversion [energy/amount], e.g. :data:`EN50600_DIESEL_KWH_PER_L`
        (9.9 kWh/L) or :data:`EN50600_GAS_KWH_PER_M3` (10.5 kWh/m**3), the
        EN 50600-4-2 examples; prefer the supplier's figure.

    Returns
    -------
    pint.Quantity
        [kWh] to add to E_DC with the electricity and purchased cooling.
    """
    if not isinstance(energy_per_unit, ureg.Quantity):
        raise UnitError("energy_per_unit must be a stated pint Quantity [energy/amount]")
    return total_of(_product(amount, energy_per_unit), "kWh", "fuel energy (amount × conversion)")


# --------------------------------------------------------------------------------------
# PUE and partial PUE
# --------------------------------------------------------------------------------------
def pue_ratio(dc_energy: Any, it_energy: Any) -> float | None:
    """``E_DC / E_IT`` [1] of the period totals, or ``None`` where there is no IT energy.

    The ratio :func:`pue` reports, as a plain number for the tables of results.json (the
    facility, and each workload's facility energy over its IT energy): there a workload
    without IT energy in the period simply has no PUE, where :func:`pue` refuses it, and a
    row carries no category or interim label. Totals as :func:`carbon.core.totals.total_of`
    takes them.
    """
    e_dc = total_of(dc_energy, "kWh", "E_DC")
    e_it = total_of(it_energy, "kWh", "E_IT")
    if e_it.magnitude <= 0:
        return None
    return float((e_dc / e_it).to("dimensionless").magnitude)


def pue(dc_energy: Any, it_energy: Any, *, it_metered_at: ItMeteringPoint, months: int) -> Metric:
    """Power usage effectiveness ``PUE = E_DC / E_IT`` (ISO/IEC 30134-2).

    Parameters
    ----------
    dc_energy : pint.Quantity or xarray.DataArray
        All energy crossing the DC boundary over the period: electricity, fuels
        (:func:`fuel_energy`), purchased cooling [kWh]. On-site co-generation
        metered at its output counts as external supply.
    it_energy : pint.Quantity or xarray.DataArray
        IT energy over the same period [kWh].
    it_metered_at : {"ups_output", "pdu_output", "it_input"}
        Where E_IT is metered; sets the category PUE1/PUE2/PUE3.
    months : int
        Whole months covered; under 12 the value is labelled interim.

    Returns
    -------
    Metric
        ``value`` [dimensionless] ≥ 1, ``category`` PUE1/2/3.

    Raises
    ------
    InputDataError
        If E_IT is not positive or E_DC < E_IT (a PUE below 1 means a metering
        or boundary error).
    """
    if it_metered_at not in PUE_CATEGORIES:
        raise InputDataError(
            f"it_metered_at {it_metered_at!r}: valid choices {', '.join(PUE_CATEGORIES)}"
        )
    e_dc = total_of(dc_energy, "kWh", "E_DC")
    e_it = total_of(it_energy, "kWh", "E_IT")
    _positive(e_it, "E_IT")
    if e_dc < e_it:
        raise InputDataError(
            f"E_DC ({e_dc:.6g~}) is less than E_IT ({e_it:.6g~}): PUE would be below 1, which "
            "points to a metering or boundary error",
            reason="pue-below-one",
        )
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    category, level = PUE_CATEGORIES[it_metered_at]
    notes.append(
        f"E_IT metered at {it_metered_at.replace('_', ' ')}: {category} "
        f"(ISO/IEC 30134-2 {level}); ISO/IEC 30134-2:2016 withdrawn Feb 2026, check the successor"
    )
    return Metric(
        name="PUE",
        value=Q_(pue_ratio(e_dc, e_it), "dimensionless"),
        label=f"PUE ({category}{label_suffix(interim, months)})",
        standard=_PUE_STD,
        interim=interim,
        category=category,
        notes=tuple(notes),
    )


def partial_pue_zone(
    zone: str, it_energy: Any, infrastructure_energy: Any, *, months: int
) -> Metric:
    """Zone partial PUE ``(E_IT,z + E_infra,z) / E_IT,z`` (e.g. a mining hall, an AI hall).

    Parameters
    ----------
    zone : str
        Zone name, e.g. ``"mining hall"``.
    it_energy : pint.Quantity or xarray.DataArray
        IT energy of the zone [kWh].
    infrastructure_energy : pint.Quantity or xarray.DataArray
        Infrastructure energy serving the zone (cooling, losses) [kWh].
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [dimensionless] ≥ 1.
    """
    e_it = total_of(it_energy, "kWh", f"E_IT of zone {zone}")
    e_infra = total_of(infrastructure_energy, "kWh", f"infrastructure energy of zone {zone}")
    _positive(e_it, f"E_IT of zone {zone}")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    return Metric(
        name=f"pPUE[{zone}]",
        value=((e_it + e_infra) / e_it).to("dimensionless"),
        label=f"partial PUE, zone {zone}{label_suffix(interim, months)}",
        standard=_PPUE_STD,
        interim=interim,
        notes=tuple(notes),
    )


def partial_pue_subsystems(
    it_energy: Any, subsystems: Mapping[str, Any], *, months: int
) -> dict[str, Metric]:
    """Subsystem partial PUEs ``pPUE_j = (E_IT + E_j) / E_IT``.

    With every non-IT subsystem listed (``E_DC = E_IT + Σ_j E_j``),
    :func:`pue_from_partials` returns the PUE: ``Σ_j pPUE_j − (n − 1)``.

    Parameters
    ----------
    it_energy : pint.Quantity or xarray.DataArray
        IT energy [kWh].
    subsystems : Mapping
        Subsystem name → its energy [kWh] (cooling, UPS losses, lighting …).
    months : int
        Whole months covered.

    Returns
    -------
    dict
        Subsystem name → :class:`Metric` [dimensionless].
    """
    if not subsystems:
        raise InputDataError("partial_pue_subsystems needs at least one subsystem")
    e_it = total_of(it_energy, "kWh", "E_IT")
    _positive(e_it, "E_IT")
    out: dict[str, Metric] = {}
    for name, energy in subsystems.items():
        e_j = total_of(energy, "kWh", f"energy of subsystem {name}")
        notes: list[str] = []
        interim = period_is_interim(months, notes)
        out[name] = Metric(
            name=f"pPUE[{name}]",
            value=((e_it + e_j) / e_it).to("dimensionless"),
            label=f"partial PUE, subsystem {name}{label_suffix(interim, months)}",
            standard=_PPUE_STD,
            interim=interim,
            notes=tuple(notes),
        )
    return out


def pue_from_partials(partials: Mapping[str, Metric] | list[Metric]) -> pint.Quantity:
    """``Σ_j pPUE_j − (n − 1)`` over subsystem partial PUEs [dimensionless].

    Equals the PUE only when the subsystems cover all non-IT energy.
    """
    values = list(partials.values()) if isinstance(partials, Mapping) else list(partials)
    if not values:
        raise InputDataError("pue_from_partials needs at least one partial PUE")
    total = Q_(0.0, "dimensionless")
    for metric in values:
        total = total + metric.value.to("dimensionless")
    return total - Q_(len(values) - 1, "dimensionless")


# --------------------------------------------------------------------------------------
# REF, ERF, ERE
# --------------------------------------------------------------------------------------
def ref(
    dc_energy: Any,
    *,
    onsite_renewable_retained: Any,
    certificates_retired: Any,
    utility_renewable_documented: Any,
    months: int,
) -> Metric:
    """Renewable energy factor ``REF = E_ren / E_DC`` ∈ [0, 1] (ISO/IEC 30134-3).

    Parameters
    ----------
    dc_energy : pint.Quantity or xarray.DataArray
        E_DC over the period [kWh].
    onsite_renewable_retained : pint.Quantity or xarray.DataArray
        On-site renewable output whose attributes the DC keeps [kWh]. Output whose
        certificates were sold must be left out by the caller.
    certificates_retired : pint.Quantity or xarray.DataArray
        Energy of certificates (GOs, RECs) retired for the DC [kWh].
    utility_renewable_documented : pint.Quantity or xarray.DataArray
        Utility renewable supply documented in writing [kWh].
    months : int
        Whole months covered; REF is annual (interim below 12 months), never hourly.

    Returns
    -------
    Metric
        ``value`` [dimensionless] in [0, 1]. When the retained energy exceeds
        E_DC, E_ren is capped at E_DC (excess on-site output cannot lift REF above
        1) and a note says so.
    """
    e_dc = total_of(dc_energy, "kWh", "E_DC")
    _positive(e_dc, "E_DC")
    parts = {
        "on-site retained": total_of(onsite_renewable_retained, "kWh", "on-site renewable"),
        "certificates retired": total_of(certificates_retired, "kWh", "certificates retired"),
        "utility documented": total_of(utility_renewable_documented, "kWh", "utility renewable"),
    }
    e_ren = sum(parts.values(), Q_(0.0, "kWh"))
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    notes.append(
        "E_ren = " + " + ".join(f"{k} {v.to('kWh').magnitude:.6g} kWh" for k, v in parts.items())
    )
    if e_ren > e_dc:
        notes.append(
            f"E_ren ({e_ren:.6g~}) exceeds E_DC ({e_dc:.6g~}); capped at E_DC so REF = 1 "
            "(excess renewable energy cannot lift REF above 1; ISO/IEC 30134-3)"
        )
        e_ren = e_dc
    return Metric(
        name="REF",
        value=(e_ren / e_dc).to("dimensionless"),
        label=f"REF{label_suffix(interim, months)}",
        standard=_REF_STD,
        interim=interim,
        notes=tuple(notes),
    )


def erf(dc_energy: Any, reused_energy: Any, *, months: int) -> Metric:
    """Energy reuse factor ``ERF = E_reuse / E_DC`` (ISO/IEC 30134-6).

    Parameters
    ----------
    dc_energy : pint.Quantity or xarray.DataArray
        E_DC [kWh].
    reused_energy : pint.Quantity or xarray.DataArray
        Energy (heat) reused outside the DC boundary [kWh]; pass ``0 kWh`` when
        there is no reuse: ERF = 0 is then reported explicitly.
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [dimensionless] in [0, 1].
    """
    e_dc = total_of(dc_energy, "kWh", "E_DC")
    e_reuse = total_of(reused_energy, "kWh", "E_reuse")
    _positive(e_dc, "E_DC")
    if e_reuse > e_dc:
        raise InputDataError(f"E_reuse ({e_reuse:.6g~}) cannot exceed E_DC ({e_dc:.6g~})")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    if float(e_reuse.magnitude) == 0:
        notes.append("ERF = 0: no heat reused outside the DC boundary (stated explicitly)")
    return Metric(
        name="ERF",
        value=(e_reuse / e_dc).to("dimensionless"),
        label=f"ERF{label_suffix(interim, months)}",
        standard=_ERF_STD,
        interim=interim,
        notes=tuple(notes),
    )


def ere(dc_energy: Any, it_energy: Any, reused_energy: Any, *, months: int) -> Metric:
    """Energy reuse effectiveness ``ERE = (E_DC − E_reuse) / E_IT = (1 − ERF)·PUE``.

    Parameters
    ----------
    dc_energy, it_energy, reused_energy : pint.Quantity or xarray.DataArray
        E_DC, E_IT and E_reuse over the period [kWh]; ``0 kWh`` reuse gives ERE = PUE.
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [dimensionless] ≥ 0.
    """
    e_dc = total_of(dc_energy, "kWh", "E_DC")
    e_it = total_of(it_energy, "kWh", "E_IT")
    e_reuse = total_of(reused_energy, "kWh", "E_reuse")
    _positive(e_it, "E_IT")
    if e_reuse > e_dc:
        raise InputDataError(f"E_reuse ({e_reuse:.6g~}) cannot exceed E_DC ({e_dc:.6g~})")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    if float(e_reuse.magnitude) == 0:
        notes.append("no heat reused: ERF = 0 and ERE = PUE (stated explicitly)")
    return Metric(
        name="ERE",
        value=((e_dc - e_reuse) / e_it).to("dimensionless"),
        label=f"ERE{label_suffix(interim, months)}",
        standard=_ERF_STD,
        interim=interim,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------
# CUE
# --------------------------------------------------------------------------------------
def source_emissions(energy: Any, factor: Any) -> pint.Quantity:
    """``E_src · EF_src`` of one energy source [kg CO2e].

    Parameters
    ----------
    energy : pint.Quantity or xarray.DataArray
        Energy from the source [kWh]; a DataArray is multiplied interval by
        interval with a matching `factor` series before summing.
    factor : pint.Quantity or xarray.DataArray
        Emission factor [mass CO2e/energy] on one basis (LB or MB).

    Returns
    -------
    pint.Quantity
        [kg CO2e]
    """
    return total_of(_product(energy, factor), "kg CO2e", "source emissions (energy × factor)")


def cue(emissions: Any, it_energy: Any, *, basis: Basis, months: int) -> Metric:
    """Carbon usage effectiveness ``CUE = Σ_src E_src·EF_src / E_IT`` (ISO/IEC 30134-8).

    Parameters
    ----------
    emissions : pint.Quantity or xarray.DataArray
        Emissions of all energy crossing the boundary on one basis [mass CO2e]:
        :func:`source_emissions` per grid source, plus the actual Scope 1
        emissions of on-site combustion. CO2-only masses are refused.
    it_energy : pint.Quantity or xarray.DataArray
        E_IT [kWh].
    basis : {"location-based", "market-based"}
        Labels the result CUE_LB or CUE_MB; publish both, each labelled.
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [kg CO2e/kWh]. For a single source, CUE = CEF × PUE.
    """
    if basis not in _BASIS_SUFFIX:
        raise InputDataError(f"basis {basis!r}: valid choices {', '.join(_BASIS_SUFFIX)}")
    total = total_of(emissions, "kg CO2e", f"{basis} emissions")
    e_it = total_of(it_energy, "kWh", "E_IT")
    _positive(e_it, "E_IT")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    suffix = _BASIS_SUFFIX[basis]
    return Metric(
        name=f"CUE_{suffix}",
        value=(total / e_it).to("kg CO2e/kWh"),
        label=f"CUE_{suffix} ({basis}){label_suffix(interim, months)}",
        standard=_CUE_STD,
        interim=interim,
        basis=basis,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------
# WUE
# --------------------------------------------------------------------------------------
def wue(site_water: Any, it_energy: Any, *, months: int) -> Metric:
    """Water usage effectiveness ``WUE = W_site / E_IT`` [L/kWh] (ISO/IEC 30134-9).

    Parameters
    ----------
    site_water : pint.Quantity or xarray.DataArray
        Site water input over the period [volume; m**3 from EED reporting is
        converted, 1 m**3 = 1000 L].
    it_energy : pint.Quantity or xarray.DataArray
        E_IT [kWh].
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [L/kWh].
    """
    water = total_of(site_water, "L", "site water")
    e_it = total_of(it_energy, "kWh", "E_IT")
    _positive(e_it, "E_IT")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    return Metric(
        name="WUE",
        value=(water / e_it).to("L/kWh"),
        label=f"WUE (site){label_suffix(interim, months)}",
        standard=_WUE_STD,
        interim=interim,
        notes=tuple(notes),
    )


def wue_source(
    site_water: Any, it_energy: Any, energy: Any, energy_water_intensity: Any, *, months: int
) -> Metric:
    """Green Grid source WUE ``(W_site + EWIF·E_energy) / E_IT`` [L/kWh].

    Parameters
    ----------
    site_water : pint.Quantity or xarray.DataArray
        Site water [volume].
    it_energy : pint.Quantity or xarray.DataArray
        E_IT [kWh].
    energy : pint.Quantity or xarray.DataArray
        The energy the EWIF applies to [kWh]; which energy (E_DC or purchased
        electricity) is an open ("verify") point of docs/methodology.md §3, so the caller names it.
    energy_water_intensity : pint.Quantity
        EWIF [L/kWh].
    months : int
        Whole months covered.

    Returns
    -------
    Metric
        ``value`` [L/kWh], with a note recording the open energy-basis question.
    """
    water = total_of(site_water, "L", "site water")
    e_it = total_of(it_energy, "kWh", "E_IT")
    embedded = total_of(_product(energy, energy_water_intensity), "L", "EWIF × E")
    _positive(e_it, "E_IT")
    notes: list[str] = []
    interim = period_is_interim(months, notes)
    notes.append(
        "source WUE: energy basis of EWIF × E is open (docs/methodology.md §3, verify energy basis)"
    )
    return Metric(
        name="WUE_source",
        value=((water + embedded) / e_it).to("L/kWh"),
        label=f"WUE (source){label_suffix(interim, months)}",
        standard=_WUE_STD,
        interim=interim,
        notes=tuple(notes),
    )
