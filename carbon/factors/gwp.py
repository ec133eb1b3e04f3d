"""GWP-100 sets: the IPCC table shipped in ``factors/ipcc/gwp100`` and CO2e conversion.

A gas (``kg CH4``, ``lb N2O/MWh``) becomes CO2e only here, through a named set
(``AR4``, ``AR5``, ``AR6``): the unit registry keeps each gas a dimension of its
own, so no registry conversion can turn a gas into CO2e (:mod:`carbon.core.units`).
The table is read with the standard library (``csv``), checksum verified, once per
process.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Mapping
from types import MappingProxyType

import pint

from carbon.core.errors import FactorNotFoundError, UnitError
from carbon.core.resources import factors_root
from carbon.core.units import GAS_DIMENSIONS, Q_, ureg
from carbon.factors.catalogue import shipped_csv_bytes, shipped_ids

__all__ = ["GWP100_DATASET", "gwp", "gwp100_table", "gwp_sets", "to_co2e"]

#: Id of the shipped GWP-100 dataset.
GWP100_DATASET = "ipcc_gwp100"


@functools.cache
def gwp100_table() -> Mapping[str, Mapping[str, float]]:
    """GWP-100 values by set and gas, from ``factors/ipcc/gwp100`` (checksum verified).

    Uses only the standard library (no pandas).

    Returns
    -------
    Mapping
        ``{"AR4": {"CO2": 1.0, "CH4": 25.0, "N2O": 298.0}, "AR5": {...}, "AR6": {...}}``
        [CO2e per unit mass of gas], read-only.
    """
    if GWP100_DATASET not in shipped_ids():
        raise FactorNotFoundError(
            f"the GWP-100 table ({GWP100_DATASET}) is missing from {factors_root()}"
        )
    data = shipped_csv_bytes(GWP100_DATASET)
    table: dict[str, dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        table.setdefault(row["gwp_set"], {})[row["gas"]] = float(row["value"])
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})


def gwp_sets() -> tuple[str, ...]:
    """Names of the GWP-100 sets shipped in ``factors/ipcc/gwp100`` (e.g. ``AR6``)."""
    return tuple(gwp100_table())


def _normalise_set(gwp_set: str) -> str:
    table = gwp100_table()
    key = gwp_set.strip().upper() if isinstance(gwp_set, str) else gwp_set
    if key not in table:
        raise UnitError(f"unknown GWP set {gwp_set!r}; valid sets: {', '.join(table)}")
    return key


def gwp(gas: str, gwp_set: str) -> pint.Quantity:
    """Global warming potential over 100 years of one gas in a named set.

    Parameters
    ----------
    gas : str
        ``"CO2"``, ``"CH4"``, ``"N2O"``, or a variant listed in the set's table
        (``"CH4_fossil"``, ``"CH4_nonfossil"``). In AR6, ``"CH4"`` is the fossil
        value (29.8), the consistent choice for combustion [docs/methodology.md §9].
    gwp_set : str
        ``"AR4"``, ``"AR5"`` or ``"AR6"`` (case-insensitive).

    Returns
    -------
    pint.Quantity
        The GWP [CO2e/<gas>], e.g. ``29.8 CO2e/CH4``.

    Raises
    ------
    UnitError
        If the set or the gas is unknown; the message lists the valid choices.

    References
    ----------
    .. [1] IPCC AR6 WG1 Table 7.15; AR5 WG1 Table 8.7; AR4 WG1 Table 2.14
       (values and sources in ``factors/ipcc/gwp100/``).
    """
    key = _normalise_set(gwp_set)
    values = gwp100_table()[key]
    if gas not in values:
        raise UnitError(f"no GWP for gas {gas!r} in set {key}; valid gases: {', '.join(values)}")
    base_gas = gas.split("_", 1)[0]
    return Q_(values[gas], f"CO2e / {base_gas}")


def to_co2e(q: pint.Quantity, gwp_set: str, *, gas_key: str | None = None) -> pint.Quantity:
    """Convert an amount or rate of one gas to CO2e with a named GWP set.

    Parameters
    ----------
    q : pint.Quantity
        A quantity whose dimensionality holds exactly one gas dimension with
        exponent 1, e.g. ``kg CH4`` or ``lb N2O/MWh`` [<mass> <gas> …]. A quantity
        that is already CO2e (and holds no gas) is returned unchanged.
    gwp_set : str
        ``"AR4"``, ``"AR5"`` or ``"AR6"``.
    gas_key : str, optional
        A variant row of the GWP table for the same gas, e.g. ``"CH4_nonfossil"``.
        Default: the gas itself (``"CH4"``; fossil in AR6).

    Returns
    -------
    pint.Quantity
        `q` with the gas replaced by CO2e, e.g. ``lb CO2e/MWh`` [<mass> CO2e …].

    Raises
    ------
    UnitError
        If `q` is not a quantity, holds no gas or several gases, or the GWP set
        or gas key is unknown.
    """
    if not isinstance(q, ureg.Quantity):
        raise UnitError(f"expected a pint Quantity of one gas, got {type(q).__name__}")
    dims = q.dimensionality
    present = {gas: dims[dim] for gas, dim in GAS_DIMENSIONS.items() if dims.get(dim, 0)}
    if not present and dims.get("[co2e]", 0):
        _normalise_set(gwp_set)  # still validate the set name
        return q
    if len(present) != 1:
        raise UnitError(
            f"to_co2e needs a quantity of exactly one gas ({', '.join(GAS_DIMENSIONS)}), "
            f"got {q.units} with dimensionality {dims}"
        )
    ((gas, exponent),) = present.items()
    if exponent != 1 or dims.get("[co2e]", 0):
        raise UnitError(
            f"cannot convert {q.units} to CO2e: the gas must appear once, in the "
            "numerator, and not beside CO2e"
        )
    key = gas if gas_key is None else gas_key
    if key.split("_", 1)[0] != gas:
        raise UnitError(f"gas_key {gas_key!r} does not match the gas of {q.units} ({gas})")
    factor = gwp(key, gwp_set)
    # Swap the gas unit for CO2e, keeping the rest of the unit as written.
    target = q.units / ureg.Unit(gas) * ureg.Unit("CO2e")
    return (q * factor).to(target)
