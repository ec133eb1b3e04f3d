"""Scope 1: combustion in owned or controlled on-site gensets (METHODOLOGY 1.5).

Per fuel record (one genset, one fuel, one period)::

    E_S1 = Σ_fuel Fuel[MMBtu, HHV] · (EF_CO2 + GWP_CH4·EF_CH4 + GWP_N2O·EF_N2O)

Each gas is computed and kept on its own (``kg CO2``, ``kg CH4``, ``kg N2O``,
which are separate pint dimensions); CO2e exists only after a named GWP set is
applied (AR6 by default, where CH4 is the fossil value 29.8; METHODOLOGY 9).
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

Electricity the gensets generate and the site consumes is not Scope 2 as well:
:func:`grid_purchased` leaves only the grid purchase for Scope 2, and refuses to
net exports (exports stay in Scope 1; METHODOLOGY 1.5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Annotated, Any, Literal

import numpy as np
import pint
import xarray as xr
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from carbon.core.errors import (
    FactorError,
    FactorNotFoundError,
    InputDataError,
    UnitError,
)
from carbon.core.units import Q_, gwp, parse_unit, to_co2e, ureg
from carbon.factors.catalogue import FactorDataset, gwp100_table, load_dataset

__all__ = [
    "DEFAULT_DATASET",
    "GASES",
    "CombustionFactors",
    "FuelEmissions",
    "FuelRecord",
    "Scope1Result",
    "SiteFactors",
    "combustion_factors",
    "fuel_emissions",
    "fuel_energy_hhv",
    "fuel_record_from_dict",
    "grid_purchased",
    "scope1_emissions",
    "stationary_fuels",
]

#: Dataset id of the 40 CFR 98 Table C-1/C-2 defaults shipped with carbon.
DEFAULT_DATASET = "epa_ghg_hub_stationary"
_KIND = "stationary_combustion_factors"
#: Gases computed per fuel record.
GASES: tuple[str, ...] = ("CO2", "CH4", "N2O")

# Volume tokens of the gas trade, read as standard cubic feet (not pint units).
# "M" is one thousand here, as in US gas trade (Mcf = 10^3 cubic feet). "scf" may
# appear anywhere in a unit ("MMBtu/scf"); the scaled tokens only as the whole unit.
_SCF_SCALED: Mapping[str, float] = {"Mscf": 1e3, "Mcf": 1e3, "MMscf": 1e6, "MMcf": 1e6}
_SCF_PATTERN = re.compile(r"(?<![\w.])scf\b")
_ENERGY = "MMBtu"
_VOLUME = "m**3"


# --------------------------------------------------------------------------------------
# Parsing quantities on records
# --------------------------------------------------------------------------------------
def _fuel_quantity(number: float, unit: str) -> pint.Quantity:
    """``number unit``, reading scf as cubic feet and Mscf/Mcf, MMscf/MMcf as 10^3, 10^6 ft**3."""
    if unit in _SCF_SCALED:
        return Q_(number * _SCF_SCALED[unit], "ft**3")
    for token in _SCF_SCALED:
        if re.search(rf"(?<![\w.]){token}\b", unit):
            raise ValueError(f"write {token} as the whole unit, or use scf: got {unit!r}")
    return Q_(number, parse_unit(_SCF_PATTERN.sub("ft**3", unit)))


def _quantity(value: Any) -> pint.Quantity:
    """A scalar pint Quantity from a Quantity or a string such as ``"1200 scf"``."""
    if isinstance(value, ureg.Quantity):
        q = value
    elif isinstance(value, str):
        match = re.fullmatch(r"\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*(.+?)\s*", value)
        if not match:
            raise ValueError(f"expected '<number> <unit>', e.g. '1200 scf', got {value!r}")
        q = _fuel_quantity(float(match.group(1)), match.group(2))
    elif isinstance(value, pint.Quantity):
        raise ValueError(
            "the quantity comes from another unit registry; use carbon.core.units.ureg"
        )
    else:
        raise ValueError(
            f"expected a pint Quantity or a string '<number> <unit>', got {type(value).__name__}"
        )
    if np.ndim(q.magnitude) != 0:
        raise ValueError(f"expected one value, got an array of shape {np.shape(q.magnitude)}")
    magnitude = float(q.magnitude)
    if not np.isfinite(magnitude):
        raise ValueError(f"the value must be finite, got {q}")
    return q


def _optional_quantity(value: Any) -> pint.Quantity | None:
    return None if value is None else _quantity(value)


Quantity = Annotated[Any, BeforeValidator(_quantity)]
OptionalQuantity = Annotated[Any, BeforeValidator(_optional_quantity)]


def _check_compatible(q: pint.Quantity | None, unit: str, what: str) -> None:
    if q is not None and not q.is_compatible_with(unit):
        raise ValueError(f"{what} must be convertible to {unit}; got {q.units}")


def _check_non_negative(q: pint.Quantity | None, what: str) -> None:
    if q is not None and float(q.magnitude) < 0:
        raise ValueError(f"{what} must not be negative, got {q}")


class SiteFactors(BaseModel):
    """Site-specific emission factors per unit of fuel energy (HHV basis).

    Any gas left out falls back to the default table for the record's fuel.

    Attributes
    ----------
    co2 : pint.Quantity, optional
        [kg CO2/MMBtu HHV] e.g. from the measured gas composition (carbon-content method).
    ch4 : pint.Quantity, optional
        [kg CH4/MMBtu HHV] e.g. from a stack test or the engine maker.
    n2o : pint.Quantity, optional
        [kg N2O/MMBtu HHV]
    source : str
        Where the values come from (report number, date); cited with every result.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    co2: OptionalQuantity = None
    ch4: OptionalQuantity = None
    n2o: OptionalQuantity = None
    source: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _units(self) -> SiteFactors:
        for gas in GASES:
            q = getattr(self, gas.lower())
            _check_compatible(q, f"kg {gas}/MMBtu", f"site factor for {gas}")
            _check_non_negative(q, f"site factor for {gas}")
        if all(getattr(self, gas.lower()) is None for gas in GASES):
            raise ValueError("site factors need at least one of co2, ch4, n2o")
        return self


class FuelRecord(BaseModel):
    """Fuel burnt by one genset in one period.

    Attributes
    ----------
    genset_id : str
        The genset (or fuel meter) the record belongs to.
    fuel : str
        A fuel key of the factor dataset (``natural_gas_pipeline``,
        ``distillate_fuel_oil_no2``) or any name when `site_factors` cover all gases.
    quantity : pint.Quantity or str
        Fuel burnt: energy [MMBtu, kWh, GJ …] on `heating_value_basis`, or volume
        [scf, Mscf, ft**3, m**3, gallon, L]. Strings such as ``"1200 scf"`` are parsed.
    heating_value_basis : {"HHV", "LHV"}
        Basis of an energy `quantity`, or of `heat_content` for a volume. Default HHV.
    period : str
        Reporting period label, e.g. ``"2025-07"``.
    heat_content : pint.Quantity or str, optional
        [energy/volume, e.g. MMBtu/gallon, kWh/L] on `heating_value_basis`. Required
        for every volume except pipeline gas in scf (Table C-1 default).
    hhv_per_lhv : float, optional
        Ratio HHV/LHV of the fuel [dimensionless], required when the basis is LHV.
    site_factors : SiteFactors, optional
        Site-specific per-gas factors (HHV basis); they replace the defaults gas by gas.
    biogenic : bool
        True for a biogenic fuel: its CO2 is reported outside the scopes.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    genset_id: Annotated[str, Field(min_length=1)]
    fuel: Annotated[str, Field(min_length=1)]
    quantity: Quantity
    heating_value_basis: Literal["HHV", "LHV"] = "HHV"
    period: Annotated[str, Field(min_length=1)]
    heat_content: OptionalQuantity = None
    hhv_per_lhv: Annotated[float, Field(gt=0)] | None = None
    site_factors: SiteFactors | None = None
    biogenic: bool = False

    @field_validator("quantity")
    @classmethod
    def _energy_or_volume(cls, q: pint.Quantity) -> pint.Quantity:
        if not (q.is_compatible_with(_ENERGY) or q.is_compatible_with(_VOLUME)):
            raise ValueError(f"fuel quantity must be an energy or a volume; got {q.units}")
        _check_non_negative(q, "fuel quantity")
        return q

    @model_validator(mode="after")
    def _consistent(self) -> FuelRecord:
        _check_compatible(self.heat_content, "MMBtu/m**3", "heat_content")
        _check_non_negative(self.heat_content, "heat_content")
        if self.heating_value_basis == "LHV" and self.hhv_per_lhv is None:
            raise ValueError(
                "an LHV quantity needs hhv_per_lhv (the fuel's HHV/LHV ratio): the emission "
                "factors are per HHV energy (METHODOLOGY 9), and no default conversion is applied"
            )
        if self.heating_value_basis == "HHV" and self.hhv_per_lhv is not None:
            raise ValueError("hhv_per_lhv is only meaningful with heating_value_basis='LHV'")
        if self.heat_content is not None and self.quantity.is_compatible_with(_ENERGY):
            raise ValueError("heat_content is given but the quantity is already an energy")
        return self

    @property
    def is_volume(self) -> bool:
        """True when `quantity` is a volume (it needs a heat content)."""
        return bool(self.quantity.is_compatible_with(_VOLUME))


def fuel_record_from_dict(data: Mapping[str, Any], source: str = "<fuel records>") -> FuelRecord:
    """Validate one fuel record read from a file; raise :class:`InputDataError` naming the key."""
    try:
        return FuelRecord.model_validate(dict(data))
    except ValidationError as exc:
        lines = [f"{source}: invalid fuel record"]
        for err in exc.errors():
            path = ".".join(str(p) for p in err["loc"]) or "<record>"
            lines.append(f"  {path}: {err['msg']}")
        raise InputDataError("\n".join(lines)) from None


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
    """CO2, CH4, N2O and CO2e of one fuel record (METHODOLOGY 1.5).

    Parameters
    ----------
    record : FuelRecord
    gwp_set : str
        ``"AR6"`` (default; CH4 fossil 29.8, N2O 273), ``"AR5"`` (28, 265) or ``"AR4"``.
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

    ch4_key = "CH4_nonfossil" if record.biogenic and _set_has(gwp_set, "CH4_nonfossil") else "CH4"
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
            "CH4: prefer stack-test or manufacturer data (METHODOLOGY 1.5)"
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
    """Scope 1 of fuel records: per record and in total (METHODOLOGY 1.5).

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


# --------------------------------------------------------------------------------------
# No double counting with Scope 2
# --------------------------------------------------------------------------------------
def _energy_magnitude(x: Any, what: str) -> tuple[np.ndarray, Any]:
    if isinstance(x, xr.DataArray):
        units = x.pint.units
        if units is None:
            raise UnitError(f"{what} must carry an energy unit (quantified DataArray)")
        q = x.data
    elif isinstance(x, ureg.Quantity):
        q = x
    else:
        raise UnitError(f"{what} must be a pint Quantity or a quantified DataArray of energy")
    if not q.is_compatible_with("kWh"):
        raise UnitError(f"{what} must be convertible to kWh; got {q.units}")
    return np.asarray(q.to("kWh").magnitude, dtype=float), q


def grid_purchased(revenue_energy: Any, onsite_generation: Any) -> Any:
    """Electricity left for Scope 2 once on-site generation consumed on site is removed.

    ``grid_t = consumption_t − onsite_generation_t``, interval by interval. The
    gensets' fuel is already Scope 1, so the electricity they supply to the site
    is not counted again in Scope 2 (METHODOLOGY 1.5).

    Parameters
    ----------
    revenue_energy : pint.Quantity or xarray.DataArray
        Site consumption per interval, including what the gensets supplied [kWh].
    onsite_generation : pint.Quantity or xarray.DataArray
        On-site generation consumed on site, same shape or broadcastable [kWh].

    Returns
    -------
    pint.Quantity or xarray.DataArray
        Grid purchase for Scope 2 [kWh], of the same kind as `revenue_energy`.

    Raises
    ------
    InputDataError
        If generation exceeds consumption in any interval: that surplus is an
        export, and exports are never netted against purchases (they stay in
        Scope 1; show them as a memo item). Also on negative or missing values.
    UnitError
        If an input carries no energy unit.
    """
    consumption, _ = _energy_magnitude(revenue_energy, "revenue_energy")
    generation, _ = _energy_magnitude(onsite_generation, "onsite_generation")
    if np.isnan(consumption).any() or np.isnan(generation).any():
        raise InputDataError("grid_purchased: consumption or generation has missing values")
    if (consumption < 0).any() or (generation < 0).any():
        raise InputDataError("grid_purchased: consumption and generation must not be negative")
    if isinstance(revenue_energy, xr.DataArray) and isinstance(onsite_generation, xr.DataArray):
        try:
            revenue_energy, onsite_generation = xr.align(
                revenue_energy, onsite_generation, join="exact"
            )
        except ValueError as exc:
            raise InputDataError(
                f"grid_purchased: consumption and generation do not cover the same intervals: {exc}"
            ) from exc
    result = revenue_energy - onsite_generation
    remaining, _ = _energy_magnitude(result, "grid purchase")
    if (remaining < -1e-9 * np.maximum(np.abs(consumption).max(initial=0.0), 1.0)).any():
        worst = float(-remaining.min())
        raise InputDataError(
            f"on-site generation exceeds site consumption in {int((remaining < 0).sum())} "
            f"interval(s) (largest surplus {worst:.6g} kWh): that surplus is exported. Exports "
            "are never netted against grid purchases (METHODOLOGY 1.5); pass only the "
            "generation consumed on site (generation minus the export meter) per interval"
        )
    if isinstance(result, xr.DataArray):
        return result.pint.to("kWh")
    return result.to("kWh")
