"""Fuel records: the fuel one genset burnt in one period, validated (docs/methodology.md §1.5).

A :class:`FuelRecord` (pydantic, frozen, ``extra="forbid"``) holds the fuel quantity,
energy (``MMBtu``, HHV unless stated) or volume, with its heat content where a volume
needs one, and optional :class:`SiteFactors` that replace the default factors gas by
gas. Quantities may be written as strings such as ``"1200 scf"``: scf is read as cubic
feet and Mscf/Mcf, MMscf/MMcf as 10^3, 10^6 ft**3, as in the US gas trade.
:func:`fuel_record_from_dict` validates a record read from a file, naming the key.
:mod:`carbon.accounting.scope1` computes the emissions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import numpy as np
import pint
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from carbon.core.errors import InputDataError
from carbon.core.units import Q_, parse_unit, ureg

__all__ = ["GASES", "FuelRecord", "SiteFactors", "fuel_record_from_dict"]

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
                "factors are per HHV energy (docs/methodology.md §9), and no default conversion is "
                "applied"
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
