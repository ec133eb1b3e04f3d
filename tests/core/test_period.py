from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from carbon.core.errors import PeriodError
from carbon.core.period import month, next_full_month_after


@pytest.mark.parametrize(
    ("label", "hours"),
    [
        ("2025-07", 744),
        ("2025-03", 743),
        ("2025-11", 30 * 24 + 1),
        ("2024-02", 696),
        ("2025-12", 744),
    ],
)
def test_local_months_have_dst_aware_lengths(label: str, hours: int) -> None:
    assert month(label, "America/Chicago").hours == hours


def test_month_boundaries_are_local_midnight() -> None:
    july = month("2025-07", "America/Chicago")
    assert july.start.isoformat() == "2025-07-01T00:00:00-05:00"
    assert july.end.isoformat() == "2025-08-01T00:00:00-05:00"
    assert july.start_utc.isoformat() == "2025-07-01T05:00:00+00:00"
    assert july.words() == "July 2025"


@pytest.mark.parametrize("label", ["2025-13", "2025-7", "July", "2025-00", ""])
def test_bad_period_labels(label: str) -> None:
    with pytest.raises(PeriodError, match="YYYY-MM"):
        month(label, "UTC")


def test_next_full_month() -> None:
    tz = "America/Chicago"
    assert (
        next_full_month_after(datetime(2025, 6, 14, 12, tzinfo=ZoneInfo(tz)), tz).label == "2025-07"
    )
    assert next_full_month_after(datetime(2025, 12, 3, tzinfo=ZoneInfo(tz)), tz).label == "2026-01"
    assert next_full_month_after(datetime(2025, 7, 1, tzinfo=ZoneInfo(tz)), tz).label == "2025-07"
