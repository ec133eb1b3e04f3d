"""Scope 1: combustion in owned or controlled on-site gensets (docs/methodology.md §1.5).

Per fuel record (one genset, one fuel, one period)::

    E_S1 = Σ_fuel Fuel[MMBtu, HHV] · (EF_CO2 + GWP_CH4·EF_CH4 + GWP_N2O·EF_N2O)

Each gas is computed and kept on its own (``kg CO2``, ``kg CH4``, ``kg N2O``,
which are separate pint dimensions); CO2e exists only after a named GWP set is
applied (AR6 by default). Combustion CH4 of a fossil fuel takes the set's fossil value
(AR6 29.8, AR5 30; AR4 has none and uses 25); docs/methodology.md §9.
Default factors are the 40 CFR 98 Table C-1/C-2 values shipped in
``factors/epa/ghg_hub_stationary`` (checksum verified at load); a record may
carry site-specific factors for any gas (e.g. a stack-tested CH4 rate for a
reciprocating engine, which slips far more CH4 than the boiler-based default).

Fuel quantities are energy (``MMBtu``, HHV unless stated) or volume. A volume
needs a heat content: pipeline gas in standard cubic feet (``scf``; a ``ft**3``
volume is read as scf) uses Table C-1's 0.001026 MMBtu/scf; every other volume
(``m**3``, ``gallon``, ``L``) needs ``heat_content`` on the record. An LHV
quantity is refused unless the record gives ``hhv_per_lhv``: US factors are HHV.

A biogenic fuel's CO2 is reported separately (outside the scopes); its CH4 and
N2O stay in Scope 1, CH4 with the non-fossil GWP where the set has one.

The fuel records themselves are validated in :mod:`carbon.accounting.fuel_records`;
electricity the gensets generate and the site consumes is kept out of Scope 2 by
:func:`carbon.accounting.grid_purchase.grid_purchased`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pint

from carbon.accounting.fuel_records import GASES, FuelRecord
from carbon.core.errors import (
    FactorError,
    FactorNotFoundError,
    UnitError,
)
from carbon.core.units import Q_, parse_unit
from carbon.factors.catalogue import FactorDataset, load_dataset
from carbon.factors.gwp import gwp, gwp100_table, to_co2e

__all__ = [
    "DEFAULT_DATASET",
    "CombustionFactors",
    "FuelEmissions",
    "Scope1Result",
    "combustion_factors",
    "fuel_emissions",
    "fuel_energy_hhv",
    "scope1_emissions",
    "stationary_fuels",
]

#: Dataset id of the 40 CFR 98 Table C-1/C-2 defaults shipped with carbon.
DEFAULT_DATASET = "epa_ghg_hub_stationary"
_KIND = "stationary_combustion_factors"
#: The unit fuel energy is computed in (the default factors are per MMBtu HHV).
_ENERGY = "MMBtu"


# --------------------------------------------------------------------------------------
# Factors
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CombustionFactors:
    """Default factors of one fuel from a stationary-combustion dataset.

    Attributes
    ----------
    fuel, fuel_name : str
        Key and published name.
    co2, ch4, n2o : pint.Quantity
        [kg <gas>/MMBtu HHV]
    heat_content : pint.Quantity or None
        [MMBtu/ft**3 HHV] per standard cubic foot; None when the dataset gives none.
    dataset_id, dataset_label, sha256 : str
        Citation of the dataset the values were read from (checksum verified).
    provenance : Mapping
        Gas (or ``"heat_content"``) → provenance label and detail.
    """

    fuel: str
    fuel_name: str
    co2: pint.Quantity
    ch4: pint.Quantity
    n2o: pint.Quantity
    heat_content: pint.Quantity | None
    dataset_id: str
    dataset_label: str
    sha256: str
    provenance: Mapping[str, str] = field(repr=False)


def _stationary_dataset(dataset_id: str) -> FactorDataset:
    dataset = load_dataset(dataset_id)
    if dataset.kind != _KIND:
        raise FactorNotFoundError(
            f"{dataset_id!r} is a {dataset.kind!r} dataset, not stationary-combustion factors "
            f"(kind {_KIND!r}, e.g. {DEFAULT_DATASET!r})"
        )
    return dataset


def stationary_fuels(dataset_id: str = DEFAULT_DATASET) -> tuple[str, ...]:
    """Fuel keys of a stationary-combustion dataset, e.g. ``natural_gas_pipeline``."""
    return tuple(sorted(set(_stationary_dataset(dataset_id).table()["fuel"])))


def combustion_factors(fuel: str, dataset_id: str = DEFAULT_DATASET) -> CombustionFactors:
    """Default CO2, CH4, N2O factors and heat content of one fuel.

    Parameters
    ----------
    fuel : str
        e.g. ``"natural_gas_pipeline"`` or ``"distillate_fuel_oil_no2"``.
    dataset_id : str
        A dataset of kind ``stationary_combustion_factors``.

    Returns
    -------
    CombustionFactors

    Raises
    ------
    FactorNotFoundError
        Unknown dataset or fuel; the message lists the valid fuels.
    FactorError
        The dataset lacks a gas for the fuel.

    References
    ----------
    .. [1] 40 CFR 98 Subpart C, Tables C-1 and C-2; US EPA GHG Emission Factors Hub,
       https://www.epa.gov/climateleadership/ghg-emission-factors-hub
    """
    dataset = _stationary_dataset(dataset_id)
    table = dataset.table()
    rows = table[table["fuel"] == fuel]
    if rows.empty:
        valid = ", ".join(sorted(set(table["fuel"])))
        raise FactorNotFoundError(
            f"no default factors for fuel {fuel!r} in {dataset.id}; valid fuels: {valid}. "
            "Other fuels need site_factors for CO2, CH4 and N2O"
        )
    values: dict[str, pint.Quantity] = {}
    provenance: dict[str, str] = {}
    for row in rows.itertuples(index=False):
        key = row.gas if row.quantity == "emission_factor" else "heat_content"
        values[key] = Q_(float(row.value), parse_unit(row.unit))
        provenance[key] = f"{row.provenance}: {row.provenance_detail}"
    missing = [gas for gas in GASES if gas not in values]
    if missing:
        raise FactorError(f"{dataset.id} has no {', '.join(missing)} factor for {fuel!r}")
    return CombustionFactors(
        fuel=fuel,
        fuel_name=str(rows["fuel_name"].iloc[0]),
        co2=values["CO2"],
        ch4=values["CH4"],
        n2o=values["N2O"],
        heat_content=values.get("heat_content"),
        dataset_id=dataset.id,
        dataset_label=dataset.label,
        sha256=dataset.sha256,
        provenance=MappingProxyType(provenance),
    )


def _defaults_or_none(fuel: str, dataset_id: str) -> CombustionFactors | None:
    try:
        return combustion_factors(fuel, dataset_id)
    except FactorNotFoundError:
        _stationary_dataset(dataset_id)  # an unknown dataset is still an error
        return None


# --------------------------------------------------------------------------------------
# Energy and emissions
# --------------------------------------------------------------------------------------
def fuel_energy_hhv(record: FuelRecord, dataset_id: str = DEFAULT_DATASET) -> pint.Quantity:
    """Fuel energy of a record on the HHV basis [MMBtu].

    Parameters
    ----------
    record : FuelRecord
    dataset_id : str
        Dataset giving the default heat content of pipeline gas per scf.

    Returns
    -------
    pint.Quantity
        [MMBtu HHV]

    Raises
    ------
    UnitError
        A volume without a usable heat content: only pipeline gas in scf (``ft**3``)
        has a default (0.001026 MMBtu/scf); ``m**3`` of gas, and liquids, need
        ``heat_content`` because their reference conditions differ.
    """
    if not record.is_volume:
        energy = record.quantity.to(_ENERGY)
    else:
        heat = record.heat_content
        if heat is None:
            defaults = _defaults_or_none(record.fuel, dataset_id)
            in_cubic_feet = bool(
                np.isclose(float(Q_(1.0, record.quantity.units).to("ft**3").magnitude), 1.0)
            )
            if defaults is None or defaults.heat_content is None or not in_cubic_feet:
                raise UnitError(
                    f"fuel record {record.genset_id}/{record.period}: {record.quantity} of "
                    f"{record.fuel!r} is a volume and needs heat_content [energy/volume] on the "
                    f"{record.heating_value_basis} basis. Only pipeline natural gas in standard "
                    "cubic feet (scf) has a default (40 CFR 98 Table C-1: 0.001026 MMBtu/scf); "
                    "m**3 depends on the reference conditions and liquids need a stated factor"
                )
            if record.heating_value_basis != "HHV":
                raise UnitError(
                    f"fuel record {record.genset_id}/{record.period}: the default heat content "
                    "is HHV; with heating_value_basis='LHV' state heat_content on the LHV basis"
                )
            heat = defaults.heat_content
        energy = (record.quantity * heat).to(_ENERGY)
    if record.heating_value_basis == "LHV":
        energy = energy * record.hhv_per_lhv
    return energy


@dataclass(frozen=True)
class FuelEmissions:
    """Emissions of one fuel record, gas by gas.

    Attributes
    ----------
    genset_id, fuel, period : str
        From the record.
    energy_hhv : pint.Quantity
        [MMBtu HHV] fuel energy; counted once in energy reporting (ESRS E1-5).
    co2 : pint.Quantity
        [kg CO2] fossil CO2 (Scope 1); zero for a biogenic fuel.
    ch4 : pint.Quantity
        [kg CH4]
    n2o : pint.Quantity
        [kg N2O]
    biogenic_co2 : pint.Quantity
        [kg CO2] biogenic CO2, reported outside the scopes (zero for fossil fuels).
    co2e : pint.Quantity
        [kg CO2e] Scope 1 = co2 + GWP_CH4·ch4 + GWP_N2O·n2o under `gwp_set`.
    gwp_set : str
        e.g. ``"AR6"``.
    gwp_ch4, gwp_n2o : pint.Quantity
        [CO2e/CH4], [CO2e/N2O] the values applied.
    factor_sources : Mapping
        Gas → where its factor came from (dataset id and edition, or the site source).
    notes : tuple of str
        Disclosures (defaults used for engines, LHV conversion, biogenic split).
    """

    genset_id: str
    fuel: str
    period: str
    energy_hhv: pint.Quantity
    co2: pint.Quantity
    ch4: pint.Quantity
    n2o: pint.Quantity
    biogenic_co2: pint.Quantity
    co2e: pint.Quantity
    gwp_set: str
    gwp_ch4: pint.Quantity
    gwp_n2o: pint.Quantity
    factor_sources: Mapping[str, str]
    notes: tuple[str, ...] = ()


def _set_has(gwp_set: str, gas_key: str) -> bool:
    """True when the named GWP set has a row for `gas_key` (e.g. AR6 ``CH4_nonfossil``)."""
    gwp("CO2", gwp_set)  # validates the set name, listing the valid sets
    return gas_key in gwp100_table()[gwp_set.strip().upper()]


def _combustion_ch4_key(gwp_set: str, *, biogenic: bool) -> str:
    """The GWP row for combustion CH4: the set's fossil value for a fossil fuel (AR5: 30, not
    the generic 28; AR6: 29.8) and its non-fossil value for a biogenic one, where the set
    has such a row; else the set's ``CH4`` (AR4: 25) [docs/methodology.md §9]."""
    wanted = "CH4_nonfossil" if biogenic else "CH4_fossil"
    return wanted if _set_has(gwp_set, wanted) else "CH4"


def _factor_for(
    gas: str, record: FuelRecord, defaults: CombustionFactors | None, dataset_id: str
) -> tuple[pint.Quantity, str]:
    site = record.site_factors
    if site is not None and getattr(site, gas.lower()) is not None:
        return getattr(site, gas.lower()), f"site-specific: {site.source}"
    if defaults is None:
        raise FactorNotFoundError(
            f"fuel record {record.genset_id}/{record.period}: no default {gas} factor for fuel "
            f"{record.fuel!r} in {dataset_id}; give site_factors.{gas.lower()} or use one of "
            f"the dataset's fuels: {', '.join(stationary_fuels(dataset_id))}"
        )
    return getattr(defaults, gas.lower()), f"{defaults.dataset_id} ({defaults.dataset_label})"


def fuel_emissions(
    record: FuelRecord, *, gwp_set: str = "AR6", dataset_id: str = DEFAULT_DATASET
) -> FuelEmissions:
    """CO2, CH4, N2O and CO2e of one fuel record (docs/methodology.md §1.5).

    Parameters
    ----------
    record : FuelRecord
    gwp_set : str
        ``"AR6"`` (default; CH4 fossil 29.8, N2O 273), ``"AR5"`` (CH4 fossil 30, N2O 265)
        or ``"AR4"`` (25, 298). Combustion CH4 of a fossil fuel takes the set's fossil value.
    dataset_id : str
        Default factor dataset.

    Returns
    -------
    FuelEmissions
        Per-gas masses [kg CO2, kg CH4, kg N2O] and CO2e [kg CO2e].

    Examples
    --------
    >>> rec = FuelRecord(genset_id="G1", fuel="natural_gas_pipeline",
    ...                  quantity="1000 MMBtu", period="2025-07")
    >>> round(float(fuel_emissions(rec).co2e.to("kg CO2e").magnitude), 3)
    53117.1
    """
    defaults = None
    if record.site_factors is None or any(
        getattr(record.site_factors, g.lower()) is None for g in GASES
    ):
        defaults = _defaults_or_none(record.fuel, dataset_id)
    energy = fuel_energy_hhv(record, dataset_id)
    masses: dict[str, pint.Quantity] = {}
    sources: dict[str, str] = {}
    for gas in GASES:
        factor, source = _factor_for(gas, record, defaults, dataset_id)
        masses[gas] = (energy * factor).to(f"kg {gas}")
        sources[gas] = source

    ch4_key = _combustion_ch4_key(gwp_set, biogenic=record.biogenic)
    gwp_ch4 = gwp(ch4_key, gwp_set)
    gwp_n2o = gwp("N2O", gwp_set)
    zero_co2 = Q_(0.0, "kg CO2")
    fossil_co2 = zero_co2 if record.biogenic else masses["CO2"]
    biogenic_co2 = masses["CO2"] if record.biogenic else zero_co2
    co2e = (
        to_co2e(fossil_co2, gwp_set)
        + to_co2e(masses["CH4"], gwp_set, gas_key=ch4_key)
        + to_co2e(masses["N2O"], gwp_set)
    ).to("kg CO2e")

    notes: list[str] = []
    if record.heating_value_basis == "LHV":
        notes.append(f"LHV quantity converted to HHV with HHV/LHV = {record.hhv_per_lhv:g}")
    if record.fuel == "natural_gas_pipeline" and sources["CH4"].startswith(dataset_id):
        notes.append(
            "CH4 uses the boiler-based Table C-2 default; reciprocating engines slip far more "
            "CH4: prefer stack-test or manufacturer data (docs/methodology.md §1.5)"
        )
    if record.biogenic:
        notes.append(
            f"biogenic fuel: CO2 reported outside the scopes; CH4 with GWP key {ch4_key!r}"
        )
    return FuelEmissions(
        genset_id=record.genset_id,
        fuel=record.fuel,
        period=record.period,
        energy_hhv=energy,
        co2=fossil_co2,
        ch4=masses["CH4"],
        n2o=masses["N2O"],
        biogenic_co2=biogenic_co2,
        co2e=co2e,
        gwp_set=gwp_set.strip().upper(),
        gwp_ch4=gwp_ch4,
        gwp_n2o=gwp_n2o,
        factor_sources=MappingProxyType(sources),
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class Scope1Result:
    """Scope 1 of a set of fuel records under one GWP set.

    Totals are sums over `records`; ``by_genset`` groups CO2e per genset.
    """

    records: tuple[FuelEmissions, ...]
    gwp_set: str
    dataset_id: str
    dataset_label: str
    dataset_sha256: str

    def _sum(self, name: str, unit: str) -> pint.Quantity:
        total = Q_(0.0, unit)
        for rec in self.records:
            total = total + getattr(rec, name)
        return total.to(unit)

    @property
    def co2(self) -> pint.Quantity:
        """Fossil CO2 [kg CO2]."""
        return self._sum("co2", "kg CO2")

    @property
    def ch4(self) -> pint.Quantity:
        """[kg CH4]"""
        return self._sum("ch4", "kg CH4")

    @property
    def n2o(self) -> pint.Quantity:
        """[kg N2O]"""
        return self._sum("n2o", "kg N2O")

    @property
    def biogenic_co2(self) -> pint.Quantity:
        """Biogenic CO2, outside the scopes [kg CO2]."""
        return self._sum("biogenic_co2", "kg CO2")

    @property
    def co2e(self) -> pint.Quantity:
        """Scope 1 total [kg CO2e]."""
        return self._sum("co2e", "kg CO2e")

    @property
    def energy_hhv(self) -> pint.Quantity:
        """Fuel energy [MMBtu HHV], counted once as fuel in energy reporting."""
        return self._sum("energy_hhv", "MMBtu")

    def by_genset(self) -> dict[str, pint.Quantity]:
        """Genset id → Scope 1 [kg CO2e]."""
        out: dict[str, pint.Quantity] = {}
        for rec in self.records:
            out[rec.genset_id] = out.get(rec.genset_id, Q_(0.0, "kg CO2e")) + rec.co2e
        return out


def scope1_emissions(
    records: Iterable[FuelRecord], *, gwp_set: str = "AR6", dataset_id: str = DEFAULT_DATASET
) -> Scope1Result:
    """Scope 1 of fuel records: per record and in total (docs/methodology.md §1.5).

    Parameters
    ----------
    records : iterable of FuelRecord
    gwp_set : str
        One GWP set for the whole total (sets are never mixed); default ``"AR6"``.
    dataset_id : str
        Default factor dataset; cite ``dataset_id``, ``dataset_label`` and
        ``dataset_sha256`` of the result.

    Returns
    -------
    Scope1Result
    """
    dataset = _stationary_dataset(dataset_id)
    gwp("CO2", gwp_set)  # validates the set even when there are no records
    return Scope1Result(
        records=tuple(fuel_emissions(r, gwp_set=gwp_set, dataset_id=dataset.id) for r in records),
        gwp_set=gwp_set.strip().upper(),
        dataset_id=dataset.id,
        dataset_label=dataset.label,
        dataset_sha256=dataset.sha256,
    )
