"""Amounts of money as pint quantities: the currency codes and the one money parser.

A currency (``USD``, ``EUR``, ``CAD``, ``GBP``) is a dimension of its own in
``carbon/core/units.txt``: two currencies never add and no exchange rate is applied.
Money never converts to energy, so a cost figure cannot stand in for MWh.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbon.core.errors import UnitError
from carbon.core.units import NUMBER_AND_UNIT, Q_, parse_unit, ureg

if TYPE_CHECKING:  # pragma: no cover
    import pint

__all__ = ["CURRENCIES", "currency_of", "parse_money"]

#: Currency codes the unit registry knows (each its own dimension).
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "CAD", "GBP")


def currency_of(q: pint.Quantity) -> str:
    """The currency code `q` is written in.

    Raises
    ------
    UnitError
        `q` is not in exactly one of :data:`CURRENCIES`.
    """
    for code in CURRENCIES:
        if q.is_compatible_with(code) and q.units == ureg.Unit(code):
            return code
    raise UnitError(f"{q.units} is not a currency ({', '.join(CURRENCIES)})")


def parse_money(text: Any, what: str) -> pint.Quantity:
    """Parse ``"<number> <currency>"`` (e.g. ``"-12500 USD"``); sign allowed.

    Raises
    ------
    UnitError
        Not a string, no number, no unit, or a unit that is not a currency code.
    """
    if not isinstance(text, str):
        raise UnitError(f"{what}: expected a string such as '125000 USD', got {text!r}")
    match = NUMBER_AND_UNIT.match(text)
    if not match:
        raise UnitError(f"{what}: {text!r} does not start with a number (e.g. '125000 USD')")
    number, unit_text = match.groups()
    if not unit_text:
        raise UnitError(f"{what}: {text!r} has no currency; write e.g. '{number} USD'")
    try:
        q = Q_(float(number), parse_unit(unit_text))
    except UnitError as exc:
        raise UnitError(f"{what}: {exc}") from None
    try:
        currency_of(q)
    except UnitError:
        raise UnitError(
            f"{what}: {text!r} is not an amount of money; use a currency code "
            f"({', '.join(CURRENCIES)})"
        ) from None
    return q
