"""Building blocks every module of the site model shares.

The strict frozen base model (a misspelt key is an error, never silently ignored),
the pattern of a month label, and the check validators run on a
``"<number> <unit>"`` string.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from carbon.core.errors import CarbonError
from carbon.core.units import parse_quantity

__all__ = ["MONTH_PATTERN", "Frozen", "checked_quantity"]

#: A month label, ``YYYY-MM``.
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class Frozen(BaseModel):
    """Base of every site-model class: frozen, and an unknown key is an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def checked_quantity(value: str, unit: str, what: str) -> str:
    """Validate ``"<number> <unit>"`` against a dimension (``carbon.core.units.parse_quantity``).

    Returns `value` unchanged; a problem is a :class:`ValueError`, which pydantic
    reports under the key path.
    """
    try:
        parse_quantity(value, unit, what)
    except CarbonError as exc:
        raise ValueError(str(exc)) from None
    return value
