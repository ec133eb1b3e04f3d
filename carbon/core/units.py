"""The one pint unit registry of `carbon`, and greenhouse-gas helpers.

Import :data:`ureg` and :data:`Q_` from here and nowhere else: quantities from
two registries cannot be combined. The registry is pint's default registry plus
the domain definitions in ``carbon/core/units.txt``:

- ``CO2e`` and the gases ``CO2``, ``CH4``, ``N2O`` are base dimensions of their
  own. ``kg CO2`` + ``kg CO2e`` raises :class:`pint.DimensionalityError`; a gas
  becomes CO2e only through a named GWP set (:mod:`carbon.factors.gwp`).
- Hashrate: ``hash`` and ``kH`` … ``ZH`` (steps of 10^3), so ``J/TH``, ``TH/s``
  and ``EH/s`` work (pint would otherwise read ``TH`` as tera-henry).
- ``MMBtu`` = 10^6 Btu (International Table) [docs/methodology.md §9].
- The ambiguous tokens ``ton``, ``kt``, ``year``/``yr``/``a``, ``month``,
  ``MBtu`` and ``mWh`` are redefined to dimensions of their own, so any
  conversion from them raises instead of silently returning a number.
  :func:`parse_unit` rejects them with :class:`~carbon.core.errors.AmbiguousUnitError`.

The registry is built in one pass from pint's definition files followed by ours,
because pint caches conversions when a registry is built: redefining a unit in
an existing registry (``ureg.define``) leaves stale cached conversions behind.
It has ``force_ndarray_like=True`` as pint-xarray requires, so magnitudes of
scalar quantities are 0-d numpy arrays; use ``float(q.magnitude)`` for a float.

References
----------
.. [1] pint, "Using Pint in your projects",
   https://pint.readthedocs.io/en/stable/getting/pint-in-your-projects.html
"""

from __future__ import annotations

import functools
import re
import tokenize
from collections.abc import Iterator, Mapping
from importlib import resources
from typing import Any

import pint

from carbon.core.errors import AmbiguousUnitError, InputDataError, UnitError

__all__ = [
    "AMBIGUOUS_TOKENS",
    "GAS_DIMENSIONS",
    "NUMBER_AND_UNIT",
    "Q_",
    "REDEFINED_BY_CARBON",
    "build_registry",
    "parse_quantity",
    "parse_unit",
    "ureg",
]

#: Names (units or aliases) of pint's default registry that ``units.txt`` redefines
#: on purpose. Every other name in ``units.txt`` is new.
REDEFINED_BY_CARBON: frozenset[str] = frozenset(
    {"ton", "short_ton", "US_ton", "kt", "year", "yr", "a", "julian_year", "month"}
)

#: Gas key → pint dimension of that gas. CO2e is the target, not a gas.
GAS_DIMENSIONS: Mapping[str, str] = {"CO2": "[co2]", "CH4": "[ch4]", "N2O": "[n2o]"}

_MONTH_HINT = (
    "take month lengths from the timestamps (e.g. pandas Period.days_in_month), "
    "or write an explicit duration such as '30 day' or '720 hour'"
)
_YEAR_HINT = (
    "take year lengths from the timestamps (365 or 366 days), or write an explicit "
    "duration such as '8760 hour' or 'julian_year' (365.25 d)"
)

#: Unit names that :func:`parse_unit` refuses, with what to write instead.
AMBIGUOUS_TOKENS: Mapping[str, str] = {
    "ton": "use 't' (metric tonne, 1000 kg), 'short_ton' (907.18474 kg) or 'long_ton' "
    "(1016.05 kg); pint's 'ton' is the short ton",
    "kt": "use 'kilotonne' (1000 t) or 'knot'; pint's 'kt' is the knot",
    "month": _MONTH_HINT,
    "year": _YEAR_HINT,
    "yr": _YEAR_HINT,
    "a": _YEAR_HINT,
    "MBtu": "use 'MMBtu' (10^6 Btu), 'kBtu' (10^3 Btu) or 'Btu'; 'MBtu' means one "
    "thousand Btu in US energy trade but mega-Btu to pint",
    "mWh": "use 'MWh' (megawatt-hour) or 'kWh'; 'mWh' is a milliwatt-hour",
    "H": "use 'hash' or 'kH', 'MH', 'GH', 'TH', 'PH', 'EH', 'ZH' for hashes; "
    "pint reads 'H' as henry",
}
# Dimension given to each ambiguous unit in units.txt → key of AMBIGUOUS_TOKENS.
# Prefixed and derived forms ('kton', 'century', 'force_ton') carry the same
# dimension, so parse_unit catches them too.
_AMBIGUOUS_DIMENSIONS: Mapping[str, str] = {
    "[ambiguous_ton]": "ton",
    "[ambiguous_kt]": "kt",
    "[ambiguous_year]": "year",
    "[ambiguous_month]": "month",
    "[ambiguous_MBtu]": "MBtu",
    "[ambiguous_mWh]": "mWh",
}
# Tokens refused by spelling alone (their registry meaning is valid but unlikely).
_REFUSED_SPELLINGS = frozenset({"H"})

_DEFINITIONS_FILE = "units.txt"


def _pint_definition_lines(name: str) -> Iterator[str]:
    """Yield the lines of one of pint's definition files with ``@import`` inlined."""
    text = (resources.files("pint") / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("@import"):
            yield from _pint_definition_lines(stripped.split(None, 1)[1])
        else:
            yield line


def build_registry() -> pint.UnitRegistry:
    """A new registry: pint's definitions and ``units.txt`` in one pass, unit parsing cached.

    :data:`ureg` is the one the package uses; build another only to check how the
    registry is built (a quantity of a second registry cannot meet one of :data:`ureg`).
    """
    lines = list(_pint_definition_lines("default_en.txt"))
    ours = resources.files("carbon.core") / _DEFINITIONS_FILE
    lines.extend(ours.read_text(encoding="utf-8").splitlines())
    # One pass: pint caches conversions when the registry is built, so units.txt
    # must be in place before that (ureg.define() afterwards leaves stale entries).
    # on_redefinition="ignore": units.txt redefines the names in REDEFINED_BY_CARBON
    # on purpose (pint would otherwise log a warning for each); the test suite
    # checks that no other name collides with pint's defaults.
    registry = pint.UnitRegistry(lines, on_redefinition="ignore", force_ndarray_like=True)
    _cache_unit_parsing(registry)
    return registry


def _cache_unit_parsing(registry: pint.UnitRegistry) -> None:
    """Remember every parsed unit expression of `registry`.

    pint keeps a parsed expression only when the whole expression is one defined unit name,
    which ``"kWh"`` or ``"g CO2e/kWh"`` are not, so each ``Quantity(values, "kWh")`` or
    ``.to("kg CO2e")`` parses its string again (about 80 times in one run of the pipeline).
    A string parses to the same units for as long as the registry holds the same
    definitions, which is for good here: it is built in one pass and never redefined.
    Errors are not remembered (a refused expression is refused again).
    """
    parse = functools.lru_cache(maxsize=4096)(registry.parse_units_as_container)
    registry.parse_units_as_container = parse


#: The single unit registry of `carbon` (also pint's application registry).
ureg: pint.UnitRegistry = build_registry()
pint.set_application_registry(ureg)
#: Quantity class bound to :data:`ureg`.
Q_ = ureg.Quantity

# Registers the .pint accessor on xarray objects. Imported only after our registry
# is the application registry: pint-xarray adopts the application registry at
# import (it requires force_ndarray_like), and importing it earlier would first
# build pint's default registry for nothing. This import brings in xarray and
# pandas (about 0.3 s).
import pint_xarray  # noqa: E402, F401

# Names in a unit expression; a letter right after a digit or dot ("1e3") is not a name.
_IDENTIFIER = re.compile(r"(?<![\w.])[^\W\d]\w*")


def _ambiguity(token: str) -> str | None:
    """Return the key of AMBIGUOUS_TOKENS that `token` falls under, or None."""
    if token in _REFUSED_SPELLINGS:
        return token
    try:
        dims = ureg.get_dimensionality(token)
    except (pint.PintError, ValueError, AttributeError, TypeError, KeyError):
        return None  # unknown names are reported by the parser
    for dim in dims:
        if dim in _AMBIGUOUS_DIMENSIONS:
            return token if token in AMBIGUOUS_TOKENS else _AMBIGUOUS_DIMENSIONS[dim]
    return None


def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string from an input file or configuration.

    Stricter than ``ureg.parse_units``: ambiguous tokens are refused, and an
    empty string is an error rather than "dimensionless".

    Parameters
    ----------
    text : str
        A unit expression such as ``"kWh"``, ``"lb CO2e/MWh"``, ``"J/TH"``.

    Returns
    -------
    pint.Unit
        The unit, bound to :data:`ureg`.

    Raises
    ------
    AmbiguousUnitError
        If `text` contains ``ton``, ``kt``, ``month``, ``year`` (``yr``, ``a``),
        ``MBtu``, ``mWh`` or ``H``, alone or with a prefix (e.g. ``kton``). The
        message names the token and what to write instead.
    UnitError
        If `text` is empty, is not a unit expression, or contains an unknown unit.

    Examples
    --------
    >>> parse_unit("lb CO2e/MWh")
    <Unit('pound * CO2e / megawatt_hour')>
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitError(
            f"a unit is required, got {text!r}; write 'dimensionless' for a pure number"
        )
    for token in _IDENTIFIER.findall(text):
        key = _ambiguity(token)
        if key is not None:
            raise AmbiguousUnitError(
                f"ambiguous unit {token!r} in {text!r}: {AMBIGUOUS_TOKENS[key]}"
            )
    try:
        return ureg.parse_units(text)
    except pint.UndefinedUnitError as exc:
        names = ", ".join(repr(n) for n in exc.unit_names)
        raise UnitError(
            f"unknown unit {names} in {text!r}; see docs/units.md for the units "
            "carbon defines (CO2e, CO2, CH4, N2O, hash … EH, MMBtu) and pint's list"
        ) from exc
    except (  # pint's parser lets several kinds of error through
        pint.PintError,
        ValueError,
        SyntaxError,
        TypeError,
        AttributeError,
        KeyError,
        AssertionError,
        tokenize.TokenError,
    ) as exc:
        raise UnitError(f"cannot parse the unit {text!r}: {exc}") from exc


#: ``"<number> <unit>"`` as written in site and input files: group 1 is the number
#: (sign and exponent allowed), group 2 the rest of the text, stripped.
NUMBER_AND_UNIT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


def parse_quantity(text: Any, unit: str, what: str) -> pint.Quantity:
    """Parse ``"<number> <unit>"`` (e.g. ``"3.6 EH/s"``) and check it converts to `unit`.

    Raises
    ------
    UnitError
        No number, no unit, an unknown or ambiguous unit (:func:`parse_unit`),
        or a unit of another dimension; the message names `what`.
    InputDataError
        A negative value.
    """
    if not isinstance(text, str):
        raise UnitError(f"{what}: expected a string such as '1.5 EH/s', got {text!r}")
    match = NUMBER_AND_UNIT.match(text)
    if not match:
        raise UnitError(f"{what}: {text!r} does not start with a number (e.g. '1.5 EH/s')")
    number, unit_text = match.groups()
    if not unit_text:
        raise UnitError(f"{what}: {text!r} has no unit; write it with one, e.g. '{number} {unit}'")
    try:
        quantity = Q_(float(number), parse_unit(unit_text))
    except UnitError as exc:
        raise type(exc)(f"{what}: {exc}") from None  # keeps AmbiguousUnitError
    if not quantity.is_compatible_with(unit):
        raise UnitError(f"{what}: {text!r} is not convertible to {unit}")
    if float(quantity.magnitude) < 0:
        raise InputDataError(f"{what}: {text!r} is negative")
    return quantity
