"""The declaration of one figure of ``results.json`` (:class:`Field`) and its units.

See :mod:`carbon.results.fields` for the key-path syntax and the unit rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "DISPLAY_UNITS",
    "FRAMEWORKS",
    "KG",
    "KWH",
    "MWH",
    "RATIO",
    "TONNES",
    "Field",
    "pint_unit",
]

#: Framework ids of the framework mapping (``templates/datapoints.toml``) → short name.
FRAMEWORKS: Mapping[str, str] = {
    "ghg": "GHG Protocol",
    "esrs": "ESRS",
    "eed": "EED",
    "ifrs": "IFRS S2",
    "sasb": "SASB",
    "gri": "GRI",
    "cdp": "CDP",
    "sb253": "SB 253",
}

#: The unit a figure is shown in when its declaration names none.
DISPLAY_UNITS: Mapping[str, str] = {
    "kWh": "MWh",
    "kg CO2e": "t CO2e",
    # one unit of emission intensity per energy across the document (docs/methodology.md)
    "g CO2e/kWh": "kg CO2e/MWh",
}

#: Items counted per unit that the unit registry does not know, read as ``count``.
_COUNTED = re.compile(r"GPU-h|GPU|BTC")


def pint_unit(unit: str) -> str:
    """`unit` as the unit registry parses it: ``kWh/BTC`` → ``kWh/count``."""
    return _COUNTED.sub("count", unit)


@dataclass(frozen=True)
class Field:
    """One figure of results.json.

    ``refs`` pairs a framework id of :data:`FRAMEWORKS` with the paragraph that
    asks for the figure; ``csv`` is the figure's metric name in results.csv (None
    when results.csv does not carry it). ``display_unit`` is the unit the report
    shows it in (default from :data:`DISPLAY_UNITS`), ``decimals`` the decimals
    there.
    """

    key: str
    unit: str | None
    label: str
    definition: str
    decimals: int = 1
    display_unit: str | None = None
    refs: tuple[tuple[str, str], ...] = ()
    csv: str | None = None
    _pattern: re.Pattern[str] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.display_unit is None and self.unit is not None:
            object.__setattr__(self, "display_unit", DISPLAY_UNITS.get(self.unit, self.unit))
        if "{" in self.key or "[]" in self.key:
            object.__setattr__(self, "_pattern", _compile(self.key))

    @property
    def references(self) -> dict[str, str]:
        """Framework id → paragraph reference."""
        return dict(self.refs)

    def matches(self, path: str) -> bool:
        """Whether the concrete key path `path` is this figure."""
        return path == self.key or bool(self._pattern and self._pattern.fullmatch(path))


def _compile(key: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[a-z_]+\}|\[\])", key)
    regex = ""
    for part in parts:
        if part == "[]":
            regex += r"\[\d*\]"
        elif part.startswith("{"):
            regex += r"[^.\[\]]+"
        else:
            regex += re.escape(part)
    return re.compile(regex)


#: Units most declarations use.
KWH, KG, MWH, RATIO, TONNES = "kWh", "kg CO2e", "MWh", "1", "t CO2e"
