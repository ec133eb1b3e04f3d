"""The figures the front of the disclosure prints, each formatted once and traced to its keys.

The cover, 'The pivot at a glance' and 'Key figures' print no number that is not made
here. :class:`FrontFigures` formats each from ``results.json`` (the key's declaration
in :mod:`carbon.results.fields` gives its display unit and decimals, the formatter of
:mod:`carbon.report.numbers` writes it) and keeps a :class:`Printed` record of it: the
text, how it was made (``op``) and the key paths it was made from, so that a reader
can check every figure of the first pages against the embedded results. Besides a
figure itself, the only numbers made are display differences and ratios of two
figures: a change on the baseline, a relative change, a share of a total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon.core.dotted import lookup
from carbon.report.numbers import (
    DASH,
    MINUS,
    format_figure,
    format_number,
    format_signed,
    in_display_unit,
)
from carbon.results.fields import field_for

__all__ = ["OPS", "FrontFigures", "Printed", "display_value"]

#: How a printed figure is made from its keys ``(a, b, c, d)``, each value in its key's
#: display unit: ``value`` a; ``change`` a − b (signed); ``percent`` 100·(a − b)/b
#: (signed, one decimal); ``share`` 100·a/b (one decimal); ``share_change``
#: 100·(a/b − c/d) (signed, one decimal, percentage points). A figure printed by its size
#: alone (the sentences say "fell by") is the same with ``magnitude`` set: no sign.
OPS = ("value", "change", "percent", "share", "share_change")


@dataclass(frozen=True)
class Printed:
    """One figure as the front prints it."""

    text: str
    op: str
    keys: tuple[str, ...]
    decimals: int
    magnitude: bool = False


def display_value(results: dict[str, Any], key: str) -> float | None:
    """The figure at `key` in its display unit (None where absent)."""
    value = lookup(results, key)
    return None if value is None else in_display_unit(value, key)


class FrontFigures:
    """Formats the front's figures from one results document and records each."""

    def __init__(self, results: dict[str, Any]) -> None:
        self.results = results
        self.printed: list[Printed] = []

    def _record(
        self, text: str, op: str, keys: tuple[str, ...], decimals: int, magnitude: bool = False
    ) -> str:
        if text == DASH:
            return text
        if magnitude:
            text = text.lstrip("+" + MINUS)
        self.printed.append(Printed(text, op, keys, decimals, magnitude))
        return text

    def get(self, key: str) -> float | None:
        """The figure at `key` in its display unit, unformatted (None where absent)."""
        return display_value(self.results, key)

    def value(self, key: str, *, magnitude: bool = False) -> str:
        """The figure at `key` (its size only with `magnitude`), or "–" where absent."""
        number = self.get(key)
        decimals = field_for(key).decimals
        if number is None:
            return DASH
        text = format_figure(lookup(self.results, key), key)
        return self._record(text, "value", (key,), decimals, magnitude)

    def change(self, key: str, base: str) -> str:
        """The figure at `key` minus the one at `base`, signed, with `key`'s decimals."""
        a, b = self.get(key), self.get(base)
        decimals = field_for(key).decimals
        if a is None or b is None:
            return DASH
        return self._record(format_signed(a - b, decimals), "change", (key, base), decimals)

    def percent(self, key: str, base: str, *, magnitude: bool = False) -> str:
        """The relative change from `base` to `key` in per cent, signed (its size alone with
        `magnitude`)."""
        a, b = self.get(key), self.get(base)
        if a is None or b is None or b == 0:
            return DASH
        text = format_signed(100.0 * (a - b) / b, 1)
        return self._record(text, "percent", (key, base), 1, magnitude)

    def share(self, part: str, whole: str) -> str:
        """`part` as a per cent share of `whole`."""
        a, b = self.get(part), self.get(whole)
        if a is None or b is None or b == 0:
            return DASH
        return self._record(format_number(100.0 * a / b, 1), "share", (part, whole), 1)

    def share_change(self, part: str, whole: str, base_part: str, base_whole: str) -> str:
        """The change of a share in percentage points, signed."""
        a, b = self.get(part), self.get(whole)
        c, d = self.get(base_part), self.get(base_whole)
        if None in (a, b, c, d) or not b or not d:
            return DASH
        text = format_signed(100.0 * (a / b - c / d), 1)
        return self._record(text, "share_change", (part, whole, base_part, base_whole), 1)
