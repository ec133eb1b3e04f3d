"""Data-quality flag codes, one per meter (or series) and interval.

Shared by the importers (which map each source's own quality and estimation
codes onto these) and the quality stage (which adds gaps, duplicates,
negatives, above-capacity and imputation flags). Codes are ``int8``; a value
never changes meaning once released.
"""

from __future__ import annotations

from enum import IntEnum


class Flag(IntEnum):
    """What is known about one interval's value."""

    MEASURED = 0  # read from the meter as is
    GAP = 1  # no reading for the interval (value is NaN)
    NEGATIVE = 2  # a negative reading, kept as read
    SOURCE_ESTIMATED = 3  # the source itself says the value is estimated / imputed
    IMPUTED_LINEAR = 4  # filled by carbon: linear interpolation (named, configured method)
    IMPUTED_PROFILE = 5  # filled by carbon: from a profile (named, configured method)
    DUPLICATE_IDENTICAL = 6  # the interval appeared more than once with the same value
    DUPLICATE_CONFLICTING = 7  # the interval appeared more than once with different values
    ABOVE_RATED = 8  # above the meter's rated capacity
    COUNTER_RESET = 9  # a cumulative counter reset or rolled over at this interval
    SOURCE_MISSING = 10  # the source marks the value missing / invalid (sentinel)
    PARTIAL = 11  # telemetry covers part of the interval: the energy of the covered part only


FLAG_NAMES: dict[int, str] = {int(f): f.name.lower().replace("_", "-") for f in Flag}
