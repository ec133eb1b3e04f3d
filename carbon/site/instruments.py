"""Contractual instruments for the market-based method (docs/methodology.md §1.3): the records.

Records (pydantic, frozen, ``extra="forbid"``), one class per instrument kind:

- :class:`Certificate`: an unbundled energy attribute certificate (REC, GO, I-REC…).
- :class:`PowerPurchaseAgreement`: a physical or virtual PPA with a contracted plant.
- :class:`GreenTariff`: a utility green tariff tied to named plants.
- :class:`SupplierFactor`: a supplier/utility-specific emission rate.
- :class:`ResidualMix`: the residual-mix rate of a market boundary, annual or per hour.

Energy and rates carry pint units (``volume`` [energy], ``emission_rate``
[CO2e/energy], ``profile`` an hourly DataArray [energy]); a bare float never
stands for either. A certificate's serials are a :class:`SerialRange`.
:func:`carbon.site.instruments_csv.read_instruments_csv` reads one instrument a row;
the claims rules (no serial applied twice, the Scope 2 Quality Criteria) are in
:mod:`carbon.accounting.serials` and :mod:`carbon.accounting.claims`.

Times: ``consumption_start``/``consumption_end`` are aware datetimes, the
half-open period ``[start, end)`` the instrument is applied to (like
:class:`carbon.core.period.Period`). ``generation_start``/``generation_end`` (the
vintage) are calendar dates, both inclusive, as registries print them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

import numpy as np
import pint
import xarray as xr
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from carbon.core.units import ureg
from carbon.site.profile_source import ProfileSource

__all__ = [
    "CARBON_FREE_TECHNOLOGIES",
    "CONTRACTUAL",
    "INSTRUMENT_CLASSES",
    "INSTRUMENT_KINDS",
    "TECHNOLOGIES",
    "Certificate",
    "GreenTariff",
    "Instrument",
    "PowerPurchaseAgreement",
    "ResidualMix",
    "SerialRange",
    "SupplierFactor",
    "label_key",
]

#: Generation technologies an instrument may name.
Technology = Literal[
    "wind",
    "solar",
    "hydro",
    "nuclear",
    "geothermal",
    "biomass",
    "biogas",
    "natural_gas",
    "coal",
    "oil",
    "other",
]
TECHNOLOGIES: tuple[str, ...] = Technology.__args__
#: Technologies whose attribute rate is 0 and that count as carbon-free in matching
#: (docs/methodology.md §1.3 item 1 and section 2: nuclear and hydro count).
CARBON_FREE_TECHNOLOGIES: frozenset[str] = frozenset({"wind", "solar", "hydro", "nuclear"})
INSTRUMENT_KINDS: tuple[str, ...] = (
    "certificate",
    "ppa",
    "green_tariff",
    "supplier_factor",
    "residual_mix",
)
_RATE_UNIT = "g CO2e/kWh"
_TRAILING_DIGITS = re.compile(r"^(.*?)(\d+)$")


# --------------------------------------------------------------------------- fields


def _energy(value: Any, what: str) -> pint.Quantity:
    if not isinstance(value, ureg.Quantity):
        raise ValueError(f"{what} must be a pint Quantity of energy (e.g. 1000 MWh), got {value!r}")
    if not value.is_compatible_with("kWh"):
        raise ValueError(f"{what} must be convertible to kWh; got {value.units}")
    if float(value.to("kWh").magnitude) < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _rate(value: Any, what: str) -> pint.Quantity:
    if not isinstance(value, ureg.Quantity):
        raise ValueError(f"{what} must be a pint Quantity (e.g. 0 g CO2e/kWh), got {value!r}")
    if not value.is_compatible_with(_RATE_UNIT):
        raise ValueError(f"{what} must be convertible to {_RATE_UNIT}; got {value.units}")
    if float(value.to(_RATE_UNIT).magnitude) < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _hourly(value: Any, what: str, unit: str) -> xr.DataArray:
    """A DataArray over ``time`` only, quantified in a unit convertible to `unit`."""
    if not isinstance(value, xr.DataArray) or value.dims != ("time",):
        raise ValueError(f"{what} must be an xarray DataArray with the single dimension 'time'")
    units = value.pint.units
    if units is None:
        raise ValueError(f"{what} carries no pint unit; quantify it, e.g. .pint.quantify({unit!r})")
    if not ureg.Quantity(1, units).is_compatible_with(unit):
        raise ValueError(f"{what} must be convertible to {unit}; got {units}")
    if not np.issubdtype(value["time"].dtype, np.datetime64):
        raise ValueError(f"{what}: the time coordinate must hold datetimes (UTC, interval start)")
    if value.indexes["time"].has_duplicates:
        raise ValueError(f"{what}: repeated timestamps in the time coordinate")
    magnitude = np.asarray(value.pint.magnitude, dtype=float)
    if np.isnan(magnitude).any() or (magnitude < 0).any():
        raise ValueError(f"{what} must hold non-negative numbers (no NaN)")
    return value


def _aware(value: datetime, what: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{what} needs a UTC offset, e.g. 2025-01-01T00:00:00-06:00")
    return value


@dataclass(frozen=True)
class SerialRange:
    """A block of certificate serials: ``prefix`` followed by numbers ``first`` … ``last``."""

    registry: str
    prefix: str
    first: int
    last: int
    width: int  # digits of the numeric part as written in the start serial (zero padding)

    @property
    def count(self) -> int:
        """Number of certificates in the block."""
        return self.last - self.first + 1

    def serial(self, number: int) -> str:
        """The serial string of one number in the block."""
        return f"{self.prefix}{number:0{self.width}d}"

    def overlap(self, other: SerialRange) -> tuple[int, int] | None:
        """The numbers both blocks hold, as ``(first, last)``, or ``None``."""
        if label_key(self.registry) != label_key(other.registry) or self.prefix != other.prefix:
            return None
        lo, hi = max(self.first, other.first), min(self.last, other.last)
        return (lo, hi) if lo <= hi else None

    @classmethod
    def parse(cls, registry: str, start: str, end: str) -> SerialRange:
        """Split ``start`` and ``end`` into their common prefix and numeric part."""
        m_start, m_end = _TRAILING_DIGITS.match(start.strip()), _TRAILING_DIGITS.match(end.strip())
        if m_start is None or m_end is None:
            raise ValueError(
                f"serials must end in a number (e.g. 'ERCOT-WIND-2025-000001'); got "
                f"{start!r} … {end!r}"
            )
        if m_start.group(1) != m_end.group(1):
            raise ValueError(
                f"serial_start {start!r} and serial_end {end!r} have different prefixes "
                f"({m_start.group(1)!r} vs {m_end.group(1)!r})"
            )
        first, last = int(m_start.group(2)), int(m_end.group(2))
        if last < first:
            raise ValueError(f"serial_end {end!r} comes before serial_start {start!r}")
        return cls(registry.strip(), m_start.group(1), first, last, len(m_start.group(2)))


def label_key(text: str | None) -> str:
    """A label (registry, boundary, reporter) as it compares: casefolded, outer spaces off."""
    return (text or "").strip().casefold()


# --------------------------------------------------------------------------- records


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    id: Annotated[str, Field(min_length=1)]
    market_boundary: Annotated[str, Field(min_length=1)]
    consumption_start: datetime
    consumption_end: datetime
    source: str | None = Field(default=None, description="evidence: contract, registry report…")

    @field_validator("consumption_start", "consumption_end")
    @classmethod
    def _offset(cls, value: datetime, info: Any) -> datetime:
        return _aware(value, info.field_name)

    @model_validator(mode="after")
    def _period_order(self) -> Any:
        if self.consumption_end <= self.consumption_start:
            raise ValueError(
                f"consumption_end {self.consumption_end.isoformat()} must come after "
                f"consumption_start {self.consumption_start.isoformat()}"
            )
        return self

    @property
    def consumption_label(self) -> str:
        """The consumption period for messages: ``start – end`` (ISO 8601, end exclusive)."""
        return f"{self.consumption_start.isoformat()} – {self.consumption_end.isoformat()}"


class _Contractual(_Record):
    """Fields shared by certificates, PPAs and green tariffs."""

    site_id: Annotated[str, Field(min_length=1)]
    beneficiary: Annotated[str, Field(min_length=1)]
    generator_id: Annotated[str, Field(min_length=1)]
    technology: Technology
    location: Annotated[str, Field(min_length=1)]
    commissioning_date: date
    generation_start: date | None = None
    generation_end: date | None = None
    volume: pint.Quantity | None = Field(default=None, description="retired energy [energy]")
    emission_rate: pint.Quantity | None = Field(
        default=None, description="the attribute's direct rate [CO2e/energy]"
    )
    profile: xr.DataArray | None = Field(
        default=None, description="hourly generation (time) [energy], interval start, UTC"
    )
    profile_source: ProfileSource | None = Field(
        default=None, description="the file the profile was read from, and what it left out"
    )
    registry: str | None = None
    serial_start: str | None = None
    serial_end: str | None = None
    retirement_date: date | None = None
    designated_to: str | None = Field(
        default=None, description="a workload or tenant label; None = pro rata to load"
    )

    @field_validator("volume")
    @classmethod
    def _volume(cls, value: Any) -> Any:
        return None if value is None else _energy(value, "volume")

    @field_validator("emission_rate")
    @classmethod
    def _emission_rate(cls, value: Any) -> Any:
        return None if value is None else _rate(value, "emission_rate")

    @field_validator("profile")
    @classmethod
    def _profile(cls, value: Any) -> Any:
        return None if value is None else _hourly(value, "profile", "kWh")

    @model_validator(mode="before")
    @classmethod
    def _zero_rate_default(cls, data: Any) -> Any:
        """Wind, solar, hydro and nuclear convey 0 g CO2e/kWh when no rate is written."""
        if (
            isinstance(data, dict)
            and data.get("technology") in CARBON_FREE_TECHNOLOGIES
            and data.get("emission_rate") is None
        ):
            data = {**data, "emission_rate": ureg.Quantity(0.0, _RATE_UNIT)}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Any:
        if (
            self.technology in CARBON_FREE_TECHNOLOGIES
            and self.emission_rate is not None
            and float(self.emission_rate.to(_RATE_UNIT).magnitude) != 0.0
        ):
            raise ValueError(
                f"a {self.technology} instrument carries 0 g CO2e/kWh (docs/methodology.md §1.3); "
                f"got {self.emission_rate}"
            )
        if self.volume is None and self.profile is None:
            raise ValueError("give a volume or an hourly profile")
        if self.volume is not None and self.profile is not None:
            total = float(self.profile.sum().pint.to("kWh").pint.magnitude)
            stated = float(self.volume.to("kWh").magnitude)
            if not np.isclose(total, stated, rtol=1e-6, atol=1e-9):
                raise ValueError(
                    f"volume {self.volume} differs from the profile's sum "
                    f"{total / 1000:.6g} MWh; give one or make them agree"
                )
        if self.profile is None and (self.generation_start is None or self.generation_end is None):
            raise ValueError("generation_start and generation_end (the vintage) are required")
        if (
            self.generation_start is not None
            and self.generation_end is not None
            and self.generation_end < self.generation_start
        ):
            raise ValueError("generation_end comes before generation_start")
        serial_fields = (self.registry, self.serial_start, self.serial_end)
        granular = self.profile_source is not None and self.profile_source.granular
        if self.serial_start is None and self.serial_end is None:
            if granular:
                serial_fields = ()  # the bundles' issuance ids identify the certificates
            elif self.registry is not None:
                raise ValueError(
                    "serial_start and serial_end are required with a registry (or a granular "
                    "certificate export as the profile, profile_format energytag)"
                )
        if any(f is not None for f in serial_fields) and not all(serial_fields):
            raise ValueError("registry, serial_start and serial_end go together")
        if self.serial_start is not None:
            SerialRange.parse(self.registry or "", self.serial_start, self.serial_end or "")
        return self

    @property
    def energy(self) -> pint.Quantity:
        """The instrument's whole volume [energy]: ``volume``, or the profile's sum."""
        if self.volume is not None:
            return self.volume
        return ureg.Quantity(float(self.profile.sum().pint.to("kWh").pint.magnitude), "kWh")

    @property
    def serials(self) -> SerialRange | None:
        """The certificate serial block, if the record names one."""
        if self.serial_start is None:
            return None
        return SerialRange.parse(self.registry or "", self.serial_start, self.serial_end or "")

    @property
    def is_carbon_free(self) -> bool:
        """Counts as carbon-free generation ``G`` in matching (docs/methodology.md §2)."""
        return self.technology in CARBON_FREE_TECHNOLOGIES

    @property
    def conveys_certificates(self) -> bool:
        """Whether the attributes reach the reporter (always, for an unbundled certificate)."""
        return True

    def with_profile(self, profile: xr.DataArray) -> Any:
        """A validated copy carrying an hourly generation `profile` [energy] (volume dropped)."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(profile=profile, volume=None, profile_source=None)
        return type(self).model_validate(data)


class Certificate(_Contractual):
    """An unbundled energy attribute certificate (hierarchy item 1). Each serial is 1 MWh.

    A certificate whose profile is a granular certificate export (EnergyTag) is identified
    by its bundles' issuance ids instead: its serials may stay empty.
    """

    kind: Literal["certificate"] = "certificate"
    registry: Annotated[str, Field(min_length=1)]
    serial_start: Annotated[str, Field(min_length=1)] | None = None
    serial_end: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_mwh_per_serial(self) -> Certificate:
        if self.serial_start is None:
            if self.profile_source is not None and self.profile_source.granular:
                return self
            raise ValueError(
                "serial_start and serial_end are required (or a granular certificate export "
                "as the profile, profile_format energytag)"
            )
        count = self.serials.count
        mwh = float(self.energy.to("MWh").magnitude)
        if not np.isclose(mwh, count, rtol=1e-9, atol=1e-9):
            raise ValueError(
                f"serials {self.serial_start} … {self.serial_end} are {count} certificates "
                f"(1 MWh each) but the volume is {mwh:g} MWh"
            )
        return self


class PowerPurchaseAgreement(_Contractual):
    """A physical or virtual PPA with a contracted plant (hierarchy item 2).

    Without ``certificates_retained`` the MWh are null power and take the residual mix.
    """

    kind: Literal["ppa"] = "ppa"
    ppa_type: Literal["physical", "virtual"]
    certificates_retained: bool

    @property
    def conveys_certificates(self) -> bool:
        return self.certificates_retained


class GreenTariff(_Contractual):
    """A utility green tariff tied to named plants (hierarchy item 2)."""

    kind: Literal["green_tariff"] = "green_tariff"
    supplier: Annotated[str, Field(min_length=1)]
    certificates_retained: bool

    @property
    def conveys_certificates(self) -> bool:
        return self.certificates_retained


class SupplierFactor(_Record):
    """A supplier/utility-specific emission rate (hierarchy item 3) for a site's delivered power."""

    kind: Literal["supplier_factor"] = "supplier_factor"
    site_id: Annotated[str, Field(min_length=1)]
    supplier: Annotated[str, Field(min_length=1)]
    emission_rate: pint.Quantity
    delivered_basis: bool = Field(description="computed on delivered electricity (criterion 6)")
    net_of_sold_attributes: bool = Field(
        description="attributes sold to others removed, certificates retired for customers kept"
    )

    @field_validator("emission_rate")
    @classmethod
    def _emission_rate(cls, value: Any) -> Any:
        return _rate(value, "emission_rate")


class ResidualMix(_Record):
    """The residual-mix rate of a market boundary (hierarchy item 4), annual or per hour."""

    kind: Literal["residual_mix"] = "residual_mix"
    emission_rate: pint.Quantity | None = Field(default=None, description="[CO2e/energy]")
    hourly_rate: xr.DataArray | None = Field(
        default=None, description="(time) [CO2e/energy], interval start, UTC"
    )
    adjusted_for_claims: bool = Field(
        description="voluntary claims removed from the mix (criterion 8)"
    )

    @field_validator("emission_rate")
    @classmethod
    def _emission_rate(cls, value: Any) -> Any:
        return None if value is None else _rate(value, "emission_rate")

    @field_validator("hourly_rate")
    @classmethod
    def _hourly_rate(cls, value: Any) -> Any:
        return None if value is None else _hourly(value, "hourly_rate", _RATE_UNIT)

    @model_validator(mode="after")
    def _one_rate(self) -> ResidualMix:
        if (self.emission_rate is None) == (self.hourly_rate is None):
            raise ValueError("give exactly one of emission_rate (annual) and hourly_rate")
        return self


#: Any instrument record; ``kind`` selects the class.
Instrument = Annotated[
    Certificate | PowerPurchaseAgreement | GreenTariff | SupplierFactor | ResidualMix,
    Field(discriminator="kind"),
]
#: Instrument kind → its record class.
INSTRUMENT_CLASSES: dict[str, type[BaseModel]] = {
    "certificate": Certificate,
    "ppa": PowerPurchaseAgreement,
    "green_tariff": GreenTariff,
    "supplier_factor": SupplierFactor,
    "residual_mix": ResidualMix,
}

#: Instrument classes that carry generation (and attributes) of their own.
CONTRACTUAL = (Certificate, PowerPurchaseAgreement, GreenTariff)
