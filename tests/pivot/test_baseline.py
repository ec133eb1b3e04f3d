"""The default baseline rule (``--baseline auto``), ``none``, and a named baseline."""

from __future__ import annotations

import pandas as pd
import pytest

from carbon.core.errors import PeriodError
from carbon.core.period import month
from carbon.pivot.baseline import AUTO, NONE, check_request, choose_baseline

TZ = "America/Chicago"
JULY = month("2025-07", TZ)
YEAR_2025 = (pd.Timestamp("2025-01-01T06:00Z"), pd.Timestamp("2026-01-01T06:00Z"))
TWO_YEARS = (pd.Timestamp("2024-01-01T06:00Z"), pd.Timestamp("2026-01-01T06:00Z"))
CONVERSION = ("HALL-D", pd.Timestamp("2025-06-14T17:00Z"))


def test_with_a_conversion_the_last_full_month_before_it_when_a_year_back_is_missing() -> None:
    found = choose_baseline(AUTO, JULY, *YEAR_2025, conversion=CONVERSION)
    assert found.period is not None and found.period.label == "2025-05"
    assert found.rule == "the last full month before the first conversion, HALL-D on 14 June 2025"
    assert found.as_dict()["requested"] == "auto" and found.reason is None


def test_with_a_conversion_the_same_month_a_year_earlier_when_the_data_hold_it() -> None:
    found = choose_baseline(AUTO, JULY, *TWO_YEARS, conversion=CONVERSION)
    assert found.period is not None and found.period.label == "2024-07"
    assert found.rule.startswith("the same month a year earlier, before the first conversion")


def test_a_conversion_on_the_first_of_a_month_takes_the_month_before() -> None:
    at = ("X", month("2025-06", TZ).start_utc)
    found = choose_baseline(AUTO, JULY, *YEAR_2025, conversion=at)
    assert found.period is not None and found.period.label == "2025-05"


def test_without_a_conversion_the_prior_month_else_none_said_plainly() -> None:
    found = choose_baseline(AUTO, JULY, *YEAR_2025)
    assert found.period is not None and found.period.label == "2025-06"
    assert found.rule.startswith("the prior month")
    january = choose_baseline(AUTO, month("2025-01", TZ), *YEAR_2025)
    assert january.period is None
    assert january.reason == (
        "the meter data hold neither the same month a year earlier (2024-01) nor the prior "
        "month (2024-12)"
    )
    # a conversion after the period is no conversion of it
    later = choose_baseline(AUTO, month("2025-03", TZ), *YEAR_2025, conversion=CONVERSION)
    assert later.period is not None and later.period.label == "2025-02"


def test_none_and_a_named_baseline() -> None:
    off = choose_baseline(NONE, JULY, *YEAR_2025, conversion=CONVERSION)
    assert off.period is None and "turned off" in str(off.reason)
    assert choose_baseline(None, JULY, *YEAR_2025).period is None
    named = choose_baseline("2025-03", JULY, *YEAR_2025, conversion=CONVERSION)
    assert named.period is not None and named.period.label == "2025-03"
    assert named.rule == "requested (--baseline 2025-03)"
    with pytest.raises(PeriodError, match="outside the meter data"):
        choose_baseline("2024-07", JULY, *YEAR_2025)
    with pytest.raises(PeriodError, match="is not a period"):
        check_request("last-month", JULY)
    check_request(AUTO, JULY)
    check_request(NONE, JULY)
