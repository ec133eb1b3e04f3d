"""Contractual instruments for the market-based method (METHODOLOGY 1.3), and their serials.

Records (pydantic, frozen, ``extra="forbid"``), one class per instrument kind:

- :class:`Certificate`: an unbundled energy attribute certificate (REC, GO, I-REC…).
- :class:`PowerPurchaseAgreement`: a physical or virtual PPA with a contracted plant.
- :class:`GreenTariff`: a utility green tariff tied to named plants.
- :class:`SupplierFactor`: a supplier/utility-specific emission rate.
- :class:`ResidualMix`: the residual-mix rate of a market boundary, annual or per hour.

Energy and rates carry pint units (``volume`` [energy], ``emission_rate``
[CO2e/energy], ``profile`` an hourly DataArray [energy]); a bare float never
stands for either. :func:`read_instruments_csv` reads one instrument a row (the
shape is in ``docs/market-based.md``). :func:`check_serials` enforces that no
certificate serial is applied twice, across sites and periods, and
:func:`check_quality` tests a record against the eight Scope 2 Quality Criteria.

Times: ``consumption_start``/``consumption_end`` are aware datetimes, the
half-open period ``[start, end)`` the instrument is applied to (like
:class:`carbon.core.period.Period`). ``generation_start``/``generation_end`` (the
vintage) are calendar dates, both inclusive, as registries print them.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pint
import xarray as xr
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from carbon.core.errors import CarbonError, InputDataError, UnitError
from carbon.core.units import parse_unit, ureg

__all__ = [
    "CARBON_FREE_TECHNOLOGIES",
    "CONTRACTUAL",
    "CSV_COLUMNS",
    "INSTRUMENT_KINDS",
    "KIND_COLUMNS",
    "QUALITY_CRITERIA",
    "TECHNOLOGIES",
    "Certificate",
    "ClaimContext",
    "CriterionFailure",
    "GreenTariff",
    "Instrument",
    "PowerPurchaseAgreement",
    "QualityResult",
    "ResidualMix",
    "SerialOverlapError",
    "SerialRange",
    "SerialUse",
    "SupplierFactor",
    "VintageRule",
    "check_quality",
    "check_serials",
    "find_overlaps",
    "read_instruments_csv",
    "serial_uses",
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
#: (METHODOLOGY 1.3 item 1 and section 2: nuclear and hydro count).
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


class SerialOverlapError(CarbonError, ValueError):
    """A certificate serial is applied twice (Scope 2 Quality Criterion 2)."""


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
        if _norm(self.registry) != _norm(other.registry) or self.prefix != other.prefix:
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


def _norm(text: str | None) -> str:
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
                f"a {self.technology} instrument carries 0 g CO2e/kWh (METHODOLOGY 1.3); "
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
        """Counts as carbon-free generation ``G`` in matching (METHODOLOGY section 2)."""
        return self.technology in CARBON_FREE_TECHNOLOGIES

    @property
    def conveys_certificates(self) -> bool:
        """Whether the attributes reach the reporter (always, for an unbundled certificate)."""
        return True

    def with_profile(self, profile: xr.DataArray) -> Any:
        """A validated copy carrying an hourly generation `profile` [energy] (volume dropped)."""
        data = {name: getattr(self, name) for name in type(self).model_fields}
        data.update(profile=profile, volume=None)
        return type(self).model_validate(data)


class Certificate(_Contractual):
    """An unbundled energy attribute certificate (hierarchy item 1). Each serial is 1 MWh."""

    kind: Literal["certificate"] = "certificate"
    registry: Annotated[str, Field(min_length=1)]
    serial_start: Annotated[str, Field(min_length=1)]
    serial_end: Annotated[str, Field(min_length=1)]

    @model_validator(mode="after")
    def _one_mwh_per_serial(self) -> Certificate:
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
_INSTRUMENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(Instrument)
_CLASSES: dict[str, type[_Record]] = {
    "certificate": Certificate,
    "ppa": PowerPurchaseAgreement,
    "green_tariff": GreenTariff,
    "supplier_factor": SupplierFactor,
    "residual_mix": ResidualMix,
}

# --------------------------------------------------------------------------- CSV

#: Model field → CSV column(s). Quantities take a value and a unit column.
_FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("instrument_id",),
    "volume": ("volume", "volume_unit"),
    "emission_rate": ("emission_rate", "emission_rate_unit"),
}
_NOT_IN_CSV = frozenset({"profile", "hourly_rate"})


def _columns_of(cls: type[_Record]) -> tuple[str, ...]:
    columns: list[str] = []
    for name in cls.model_fields:
        if name not in _NOT_IN_CSV:
            columns.extend(_FIELD_COLUMNS.get(name, (name,)))
    return tuple(columns)


#: Columns each kind accepts (``kind`` itself included).
KIND_COLUMNS: dict[str, tuple[str, ...]] = {k: _columns_of(c) for k, c in _CLASSES.items()}
#: Every column an instruments CSV may have, in the documented order.
CSV_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys(["instrument_id", "kind"] + [c for cols in KIND_COLUMNS.values() for c in cols])
)
_BOOLEAN_COLUMNS = frozenset(
    {"certificates_retained", "delivered_basis", "net_of_sold_attributes", "adjusted_for_claims"}
)
_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}


def _quantity(row: dict[str, str], column: str, where: str) -> pint.Quantity | None:
    value, unit = row.pop(column, ""), row.pop(f"{column}_unit", "")
    if not value and not unit:
        return None
    if not value or not unit:
        missing = column if not value else f"{column}_unit"
        raise InputDataError(f"{where}, column {missing}: empty; {column} needs a value and a unit")
    try:
        number = float(value)
    except ValueError:
        raise InputDataError(f"{where}, column {column}: not a number: {value!r}") from None
    try:
        return ureg.Quantity(number, parse_unit(unit))
    except UnitError as exc:
        raise InputDataError(f"{where}, column {column}_unit: {exc}") from None


def _row_to_record(row: dict[str, str], where: str) -> Any:
    kind = row.get("kind", "")
    if kind not in _CLASSES:
        raise InputDataError(
            f"{where}, column kind: {kind!r} is not an instrument kind; valid choices: "
            f"{', '.join(INSTRUMENT_KINDS)}"
        )
    allowed = set(KIND_COLUMNS[kind])
    for column, value in row.items():
        if value and column not in allowed:
            raise InputDataError(
                f"{where}, column {column}: does not apply to kind {kind!r}; leave it empty "
                f"(columns for {kind}: {', '.join(KIND_COLUMNS[kind])})"
            )
    data: dict[str, Any] = {"kind": kind}
    cells = {c: v for c, v in row.items() if c in allowed and c != "kind"}
    for column in ("volume", "emission_rate"):
        quantity = _quantity(cells, column, where)
        if quantity is not None:
            data[column] = quantity
    for column, value in cells.items():
        if not value:
            continue
        if column in _BOOLEAN_COLUMNS:
            word = value.casefold()
            if word not in _TRUE | _FALSE:
                raise InputDataError(
                    f"{where}, column {column}: {value!r} is not a yes/no value; valid "
                    "choices: true, false (also yes, no, 1, 0)"
                )
            data[column] = word in _TRUE
        else:
            data["id" if column == "instrument_id" else column] = value
    try:
        return _INSTRUMENT_ADAPTER.validate_python(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str) and p != kind]
            field = loc[0] if loc else ""
            column = _FIELD_COLUMNS.get(field, (field,))[0] if field else "(row)"
            problems.append(f"{where}, column {column or '(row)'}: {err['msg']}")
        raise InputDataError("\n".join(dict.fromkeys(problems))) from None


def read_instruments_csv(path: str | Path) -> list[Any]:
    """Read an instruments CSV: one instrument a row (shape in ``docs/market-based.md``).

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with a header row. ``instrument_id`` and ``kind`` are required
        columns; other columns apply per kind and stay empty where they do not.

    Returns
    -------
    list of Instrument
        The records in file order.

    Raises
    ------
    InputDataError
        If the file is missing, a column is unknown, a cell is invalid, or two rows
        share an ``instrument_id``. The message names the file, line and column,
        and lists the valid choices where there is a fixed set.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputDataError(f"{path}: instruments file not found") from None
    except UnicodeDecodeError as exc:
        raise InputDataError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise InputDataError(f"{path}: empty file; expected a header row")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise InputDataError(
            f"{path}, line 1: unknown column(s) {', '.join(repr(u) for u in unknown)}; valid "
            f"columns: {', '.join(CSV_COLUMNS)}"
        )
    for required in ("instrument_id", "kind"):
        if required not in header:
            raise InputDataError(f"{path}, line 1: the column {required!r} is required")
    reader.fieldnames = header
    records: list[Any] = []
    first_line: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        where = f"{path}, line {line}"
        if None in row:
            raise InputDataError(f"{where}: more cells than header columns")
        cells = {k: (v or "").strip() for k, v in row.items()}
        if not any(cells.values()):
            continue
        record = _row_to_record(cells, where)
        if record.id in first_line:
            raise InputDataError(
                f"{where}, column instrument_id: {record.id!r} is already used on line "
                f"{first_line[record.id]}; instrument ids must be unique"
            )
        first_line[record.id] = line
        records.append(record)
    return records


# --------------------------------------------------------------------------- serials


@dataclass(frozen=True)
class SerialUse:
    """One application of a block of serials: which instrument, site and period used it."""

    instrument_id: str
    site_id: str
    consumption_start: datetime
    consumption_end: datetime
    serials: SerialRange

    def describe(self) -> str:
        return (
            f"instrument {self.instrument_id!r} at site {self.site_id!r} for "
            f"{self.consumption_start.isoformat()} – {self.consumption_end.isoformat()}"
        )


def serial_uses(instruments: Iterable[Any]) -> tuple[SerialUse, ...]:
    """The serial blocks the instruments apply (records without serials are skipped)."""
    uses = []
    for inst in instruments:
        block = getattr(inst, "serials", None)
        if block is not None:
            uses.append(
                SerialUse(
                    inst.id, inst.site_id, inst.consumption_start, inst.consumption_end, block
                )
            )
    return tuple(uses)


def find_overlaps(uses: Sequence[SerialUse]) -> list[tuple[SerialUse, SerialUse, tuple[int, int]]]:
    """Every pair of uses that share serials, with the shared numbers ``(first, last)``.

    The very same use listed twice (same instrument, site, period and block, e.g. a
    ledger entry of this run) is not an overlap.
    """
    groups: dict[tuple[str, str], list[SerialUse]] = {}
    for use in uses:
        groups.setdefault((_norm(use.serials.registry), use.serials.prefix), []).append(use)
    found = []
    for group in groups.values():
        group = sorted(group, key=lambda u: (u.serials.first, u.serials.last))
        active: list[SerialUse] = []
        for use in group:
            active = [a for a in active if a.serials.last >= use.serials.first]
            for other in active:
                if other == use:
                    continue
                shared = other.serials.overlap(use.serials)
                if shared is not None:
                    found.append((other, use, shared))
            active.append(use)
    return found


def check_serials(
    instruments: Iterable[Any], *, prior_uses: Sequence[SerialUse] = ()
) -> tuple[SerialUse, ...]:
    """Refuse any serial applied twice, across sites and periods (Quality Criterion 2).

    Parameters
    ----------
    instruments : iterable of Instrument
        The instruments about to be applied; those with serials are checked against
        each other and against `prior_uses`.
    prior_uses : sequence of SerialUse
        Serial blocks applied before (the ledger passes them in).

    Returns
    -------
    tuple of SerialUse
        The uses of `instruments`, for the ledger to persist.

    Raises
    ------
    SerialOverlapError
        Naming both uses (instrument ids, sites, periods) and the shared serial range,
        for every overlapping pair.
    """
    mine = serial_uses(instruments)
    overlaps = find_overlaps([*prior_uses, *mine])
    if overlaps:
        lines = [
            f"serials {a.serials.serial(lo)} … {a.serials.serial(hi)} "
            f"(registry {a.serials.registry}, {hi - lo + 1} MWh) are applied twice: "
            f"{a.describe()} and {b.describe()}"
            for a, b, (lo, hi) in overlaps
        ]
        raise SerialOverlapError(
            "no MWh may be claimed twice (Scope 2 Quality Criterion 2):\n  " + "\n  ".join(lines)
        )
    return mine


# --------------------------------------------------------------------------- quality criteria

#: Instrument classes that carry generation (and attributes) of their own.
CONTRACTUAL = (Certificate, PowerPurchaseAgreement, GreenTariff)

#: The Scope 2 Quality Criteria (GHG Protocol Scope 2 Guidance Table 7.1; METHODOLOGY 1.3).
QUALITY_CRITERIA: Mapping[int, str] = {
    1: "conveys the direct emission-rate attribute",
    2: "only instrument carrying the claim",
    3: "tracked and retired by or for the reporter",
    4: "issued close to the consumption period",
    5: "same market as the consumption",
    6: "supplier rate on delivered electricity",
    7: "attribute claims to the reporter alone",
    8: "residual mix adjusted for claimed attributes",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ClaimContext(_Frozen):
    """Who claims, and where: the reporter, the site and the site's market boundary."""

    reporter: Annotated[str, Field(min_length=1)]
    site_id: Annotated[str, Field(min_length=1)]
    market_boundary: Annotated[str, Field(min_length=1)]


class VintageRule(_Frozen):
    """Criterion 4: the generation period must lie inside the consumption period widened
    by ``months_before`` and ``months_after``. The default (6 before, 3 after) follows
    common North American retail practice; set the rule your programme requires.
    """

    months_before: Annotated[int, Field(ge=0)] = 6
    months_after: Annotated[int, Field(ge=0)] = 3


@dataclass(frozen=True)
class CriterionFailure:
    """One failed quality criterion and why."""

    criterion: int
    reason: str

    @property
    def name(self) -> str:
        return QUALITY_CRITERIA[self.criterion]

    def __str__(self) -> str:
        return f"criterion {self.criterion} ({self.name}): {self.reason}"


@dataclass(frozen=True)
class QualityResult:
    """The criteria that apply to one instrument and those it fails."""

    instrument_id: str
    kind: str
    checked: tuple[int, ...]
    failures: tuple[CriterionFailure, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failures


def same_label(a: str | None, b: str | None) -> bool:
    """Labels (boundary, reporter) compare equal ignoring case and outer spaces."""
    return _norm(a) == _norm(b)


def _vintage_failure(inst: Any, rule: VintageRule) -> str | None:
    if inst.profile is not None:
        return None  # matched hour by hour; hours outside the consumption period are not used
    start = pd.Timestamp(inst.consumption_start)
    last = pd.Timestamp(inst.consumption_end) - pd.Timedelta(microseconds=1)
    lo = (start - pd.DateOffset(months=rule.months_before)).date()
    hi = (last + pd.DateOffset(months=rule.months_after)).date()
    if inst.generation_start < lo or inst.generation_end > hi:
        return (
            f"generated {inst.generation_start} – {inst.generation_end}, outside {lo} – {hi} "
            f"(consumption {start.date()} – {last.date()} widened by {rule.months_before} "
            f"months before and {rule.months_after} after)"
        )
    return None


def check_quality(
    instrument: Any,
    context: ClaimContext,
    *,
    vintage_rule: VintageRule | None = None,
    prior_uses: Sequence[SerialUse] = (),
) -> QualityResult:
    """Check one instrument against the Scope 2 Quality Criteria (METHODOLOGY 1.3).

    Parameters
    ----------
    instrument : Instrument
        Any record of :mod:`carbon.site.instruments`.
    context : ClaimContext
        The reporter (must be the beneficiary), the site and its market boundary.
    vintage_rule : VintageRule, optional
        Criterion 4's window; default :class:`VintageRule` ().
    prior_uses : sequence of SerialUse
        Serial blocks applied elsewhere; an overlap fails criterion 2.

    Returns
    -------
    QualityResult
        The criteria checked for this kind of instrument and the failures, each with
        a reason. Certificates: 1–5; PPAs and green tariffs: 1–5 and 7; supplier
        factors: 5, 6; residual mixes: 5, 8.
    """
    rule = vintage_rule or VintageRule()
    fails: list[CriterionFailure] = []
    if isinstance(instrument, CONTRACTUAL):
        checked: tuple[int, ...] = (1, 2, 3, 4, 5)
        if instrument.emission_rate is None:
            fails.append(
                CriterionFailure(
                    1, f"no emission rate for its {instrument.technology} generation is conveyed"
                )
            )
        mine = serial_uses([instrument])
        for a, b, (lo, hi) in find_overlaps([*prior_uses, *mine]):
            if instrument.id in (a.instrument_id, b.instrument_id):
                other = b if a.instrument_id == instrument.id else a
                fails.append(
                    CriterionFailure(
                        2,
                        f"serials {a.serials.serial(lo)} … {a.serials.serial(hi)} are also "
                        f"applied by {other.describe()}",
                    )
                )
        if not isinstance(instrument, Certificate) and not instrument.certificates_retained:
            checked = (1, 2, 3, 4, 5, 7)
            what = (
                f"{instrument.ppa_type} PPA"
                if isinstance(instrument, PowerPurchaseAgreement)
                else "green tariff"
            )
            fails.append(
                CriterionFailure(
                    7,
                    f"the certificates of the {what} were not retained for the reporter: "
                    "null power, its MWh take the residual mix",
                )
            )
        else:
            if not isinstance(instrument, Certificate):
                checked = (1, 2, 3, 4, 5, 7)
            if instrument.retirement_date is None:
                fails.append(CriterionFailure(3, "not retired, redeemed or cancelled (no date)"))
            if not same_label(instrument.beneficiary, context.reporter):
                fails.append(
                    CriterionFailure(
                        3,
                        f"retired for {instrument.beneficiary!r}, not for the reporter "
                        f"{context.reporter!r}",
                    )
                )
        vintage = _vintage_failure(instrument, rule)
        if vintage is not None:
            fails.append(CriterionFailure(4, vintage))
    elif isinstance(instrument, SupplierFactor):
        checked = (5, 6)
        if not instrument.delivered_basis:
            fails.append(CriterionFailure(6, "not computed on delivered electricity"))
        if not instrument.net_of_sold_attributes:
            fails.append(
                CriterionFailure(6, "attributes sold to others are not removed from the rate")
            )
    elif isinstance(instrument, ResidualMix):
        checked = (5, 8)
        if not instrument.adjusted_for_claims:
            fails.append(
                CriterionFailure(
                    8, "not adjusted for claimed attributes (it is a grid average, not a residual)"
                )
            )
    else:
        raise TypeError(f"not an instrument record: {type(instrument).__name__}")
    if not same_label(instrument.market_boundary, context.market_boundary):
        fails.append(
            CriterionFailure(
                5,
                f"market boundary {instrument.market_boundary!r} differs from the site's "
                f"{context.market_boundary!r}",
            )
        )
    fails.sort(key=lambda f: f.criterion)
    return QualityResult(instrument.id, instrument.kind, checked, tuple(fails))
