"""Period edges and site-level flags: straddling intervals, rated capacity, CLI error output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from carbon.core.errors import PeriodError
from carbon.workflow import compute_site, validate_site
from tests.integration.test_example_site import write_example


def test_an_interval_straddling_the_period_start_is_refused(tmp_path: Path) -> None:
    write_example(tmp_path)
    compute_site(tmp_path / "site.toml", "2023-11")  # 15-minute readings meet local midnight
    # Hourly readings that start at half past the hour put local midnight inside an interval.
    frame = pd.read_csv(tmp_path / "meters.csv")
    half = pd.Timedelta(minutes=30)
    stamps = pd.to_datetime(frame["interval_start"], format="ISO8601", utc=True)
    frame["interval_start"] = ((stamps - half).dt.floor("h") + half).map(lambda t: t.isoformat())
    hourly = frame.groupby(["interval_start", "meter_id"], as_index=False)["energy_kwh"].sum()
    hourly.to_csv(tmp_path / "meters.csv", index=False)
    with pytest.raises(PeriodError, match="straddle a period boundary"):
        compute_site(tmp_path / "site.toml", "2023-11")


def test_readings_above_rated_capacity_are_flagged_and_kept(tmp_path: Path) -> None:
    write_example(tmp_path)
    toml = (tmp_path / "site.toml").read_text()
    toml = toml.replace('workload = "mining"\n', 'workload = "mining"\nrated_kw = 20000.0\n', 1)
    (tmp_path / "site.toml").write_text(toml)
    found = validate_site(tmp_path / "site.toml", "2023-11")
    hall = next(m for m in found.summary["quality"]["meters"] if m["id"] == "HALL-A")
    # HALL-A draws about 5,000 kWh per 15 minutes = 20 MW, with noise around it
    assert 0 < hall["flag_counts"]["above-rated"] < hall["expected_intervals"]
    assert hall["present"] == hall["expected_intervals"]  # flagged, not dropped
    assert any("above-rated" in p for p in found.problems)


def test_report_errors_are_one_line_without_traceback(tmp_path: Path) -> None:
    write_example(tmp_path)
    (tmp_path / "meters.csv").write_text("interval_start,meter_id,energy_kwh\n", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "carbon",
            "report",
            "--site",
            str(tmp_path / "site.toml"),
            "--period",
            "2023-11",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("carbon: error: ") and "meters.csv" in result.stderr
    assert "Traceback" not in result.stderr
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "carbon",
            "report",
            "--site",
            str(tmp_path / "nope.toml"),
            "--period",
            "2023-11",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "site file not found" in missing.stderr
