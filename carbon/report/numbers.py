"""The numbers of the report: a figure converted to its display unit, and formatted.

One place converts (through the unit registry of :mod:`carbon.core.units`: kWh → MWh,
kg CO2e → t CO2e, TH/s → EH/s, a fraction → percent ...) and one formats (decimals,
thousands separator, minus sign, the text for a figure that is not available). A
figure's display unit and decimals come from its declaration in
:mod:`carbon.results.fields`; a caller may override either.

The documents format numbers in four styles today, kept apart so that their bytes do
not change (a later change may harmonise them):

- :data:`TYPESET` (the templates' ``num`` filter): typographic minus U+2212, "–" when not
  available, and a value that rounds to zero is never printed "−0.0";
- :data:`TYPESET_SIGNED_ZERO` (the fiscal roll-up): as :data:`TYPESET`, but "−0.0" stays;
- :data:`PLAIN` (tenant statements, the framework mapping, restatements, the sentences of
  'What changed', the REF definition): Python's own format, ASCII hyphen-minus, "−0.0" as
  "-0.0", "–" when not available;
- :data:`PLAIN_NOT_AVAILABLE` (the operating update): as :data:`PLAIN`, "not available"
  when not available.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from carbon.core.units import ureg
from carbon.results.fields import field_for
from carbon.results.fields.declare import pint_unit

__all__ = [
    "DASH",
    "MINUS",
    "NBSP",
    "NOT_AVAILABLE",
    "PLAIN",
    "PLAIN_NOT_AVAILABLE",
    "TYPESET",
    "TYPESET_SIGNED_ZERO",
    "Style",
    "convert",
    "convert_array",
    "format_figure",
    "format_integer",
    "format_number",
    "format_percent",
    "format_share",
    "format_signed",
    "in_display_unit",
    "ratio",
    "with_unit",
]

DASH = "\u2013"  # shown where a value is not available
MINUS = "\u2212"  # U+2212, typographic minus
NBSP = "\u00a0"  # U+00A0 between a number and its unit
NOT_AVAILABLE = "not available"


@dataclass(frozen=True)
class Style:
    """How a number is written: minus sign, text when missing, zero sign, grouping."""

    minus: str = MINUS
    missing: str = DASH
    #: True: what Python's format prints (a negative value that rounds to zero keeps its
    #: sign); False: no "−0.0". NaN and infinity are `missing` in every style.
    signed_zero: bool = False
    #: Thousands separator.
    grouping: bool = True


TYPESET = Style()
TYPESET_SIGNED_ZERO = Style(signed_zero=True)
PLAIN = Style(minus="-", signed_zero=True)
PLAIN_NOT_AVAILABLE = Style(minus="-", missing=NOT_AVAILABLE, signed_zero=True)


# --- conversion ---------------------------------------------------------------------


def convert(value: Any, unit: str, target: str) -> float | None:
    """`value` [unit] in `target` through the unit registry; None stays None.

    Items counted per unit (``BTC``, ``GPU-h``) convert as counts: ``kg CO2e/BTC`` →
    ``t CO2e/BTC`` converts the numerator.
    """
    if value is None:
        return None
    quantity = ureg.Quantity(float(value), pint_unit(unit))
    return float(quantity.to(pint_unit(target)).magnitude)


def convert_array(values: Any, unit: str, target: str) -> np.ndarray:
    """:func:`convert` for an array of values (the charts)."""
    quantity = ureg.Quantity(np.asarray(values, dtype=float), pint_unit(unit))
    return np.asarray(quantity.to(pint_unit(target)).magnitude, dtype=float)


def in_display_unit(value: Any, key: str, *, unit: str | None = None) -> float | None:
    """The figure at results key `key` (declared in :mod:`carbon.results.fields`) in its
    display unit, or in `unit`; None stays None."""
    figure = field_for(key)
    return convert(value, str(figure.unit), unit or str(figure.display_unit))


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """A display ratio (a share, an intensity per MWh); None where it is undefined."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


# --- formatting ---------------------------------------------------------------------


def format_number(value: Any, decimals: int = 0, style: Style = TYPESET) -> str:
    """``1234567.891, 1`` → ``1,234,567.9``; None → ``–``; a text is printed as it is.

    The minus sign, the missing text and the rest follow `style`.
    """
    if value is None or isinstance(value, str):
        return style.missing if value in (None, "") else str(value)
    number = float(value)
    spec = f"{',' if style.grouping else ''}.{decimals}f"
    if not math.isfinite(number):  # never "nan" or "inf" on a page
        return style.missing
    if style.signed_zero:
        return format(number, spec).replace("-", style.minus)
    text = format(abs(number), spec)
    # Do not print "−0.0" for a value that rounds to zero.
    if number < 0 and text.strip("0.,") != "":
        return style.minus + text
    return text


def format_figure(
    value: Any,
    key: str,
    *,
    unit: str | None = None,
    decimals: int | None = None,
    style: Style = TYPESET,
) -> str:
    """The figure at results key `key` in its display unit (or `unit`), with its decimals
    (or `decimals`), written in `style`."""
    figure = field_for(key)
    number = convert(value, str(figure.unit), unit or str(figure.display_unit))
    return format_number(number, figure.decimals if decimals is None else decimals, style)


def format_percent(value: Any, decimals: int = 1) -> str:
    """``12.345`` → ``12.3 %`` (the value is already in percent)."""
    text = format_number(value, decimals)
    return text if text == DASH else f"{text}{NBSP}%"


def format_signed(value: Any, decimals: int = 1) -> str:
    """Like :func:`format_number` with an explicit ``+`` on positive values."""
    text = format_number(value, decimals)
    if text == DASH or text.startswith(MINUS) or float(value) == 0:
        return text
    return "+" + text


def format_share(value: Any, decimals: int = 1) -> str:
    """A share in percent for running text: like :func:`format_percent`, but a small
    non-zero share reads ``< 0.1 %`` rather than ``0.0 %``."""
    if value is not None and not isinstance(value, str):
        smallest = 10.0**-decimals
        if 0 < abs(float(value)) < smallest:
            return f"<{NBSP}{format_number(smallest, decimals)}{NBSP}%"
    return format_percent(value, decimals)


def with_unit(text: Any, unit: str) -> str:
    """Append a unit after a no-break space (``"1,234.5"|unit("MWh")``); the unit's own
    spaces become no-break spaces too, so ``t CO₂e`` never splits across lines."""
    text = str(text)
    return text if text == DASH else f"{text}{NBSP}{unit.replace(' ', NBSP)}"


def format_integer(value: Any) -> str:
    """A whole number with thousands separators."""
    return format_number(value, 0)
