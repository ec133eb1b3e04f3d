"""Shared fixtures: a tiny hand-made site and helpers to build readings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carbon.site.load import site_from_dict
from carbon.site.model import SiteConfig

REAL_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "real-samples"


@pytest.fixture
def real_samples() -> Path:
    """The shared folder of real published files; tests using it skip where it is absent."""
    if not REAL_SAMPLES.is_dir():
        pytest.skip("../shared/real-samples is not available on this machine")
    return REAL_SAMPLES


def tiny_site(**overrides: object) -> SiteConfig:
    """Revenue, mining hall, AI hall, a hall converting at 00:07 UTC, one shared meter."""
    data = {
        "site": {"id": "tiny", "name": "Tiny", "timezone": "UTC", "grid_region": "ERCT"},
        "meters": [
            {"id": "REV", "role": "revenue"},
            {"id": "M", "role": "it", "parent": "REV", "workload": "mining"},
            {"id": "A", "role": "it", "parent": "REV", "workload": "ai"},
            {
                "id": "X",
                "role": "it",
                "parent": "REV",
                "workload": [
                    {"until": "2025-01-01T00:07:00+00:00", "workload": "mining"},
                    {"workload": "ai"},
                ],
            },
            {"id": "COOL", "role": "shared", "parent": "REV"},
        ],
    }
    data.update(overrides)
    return site_from_dict(data)


def long_frame(
    values: dict[str, list[float]], start: str = "2025-01-01T00:00:00+00:00", freq: str = "15min"
) -> pd.DataFrame:
    """A long readings table from per-meter value lists (same length, regular grid)."""
    n = len(next(iter(values.values())))
    times = pd.date_range(start, periods=n, freq=freq)
    frames = [
        pd.DataFrame({"interval_start": times, "meter_id": meter, "energy_kwh": vals})
        for meter, vals in values.items()
    ]
    return pd.concat(frames, ignore_index=True)
