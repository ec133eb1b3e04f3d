"""The demo's timeline: the year it covers, its time zone, the metering interval and the
instant HALL-D converts from mining to AI hosting.

Shared by the meter generator (:mod:`carbon.demo.site`) and the operating tables
(:mod:`carbon.demo.operating`), and by the workflow that picks the demo's default period.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

__all__ = ["CONVERSION_AT", "INTERVAL", "TIMEZONE", "YEAR"]

YEAR = 2025
TIMEZONE = "America/Chicago"
INTERVAL = pd.Timedelta(minutes=15)
CONVERSION_AT = datetime(2025, 6, 14, 12, 0, tzinfo=ZoneInfo(TIMEZONE))
