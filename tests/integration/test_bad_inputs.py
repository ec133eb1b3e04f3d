"""The bad-input corpus: every case gets a clear error (file, line, expectation) or a counted flag.

Each case starts from the documented example site (tests/site/test_config.py) with a clean
November 2023 meters CSV, breaks one thing, and runs the same code as `carbon validate`
and `carbon report`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from carbon.core.errors import CarbonError
from carbon.workflow import compute_site, validate_site
from tests.integration.test_example_site import write_example


@pytest.fixture
def site(tmp_path: Path) -> Path:
    write_example(tmp_path)
    return tmp_path


def meters_lines(site: Path) -> list[str]:
    return (site / "meters.csv").read_text(encoding="utf-8").splitlines()


def write_lines(site: Path, lines: list[str]) -> None:
    (site / "meters.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def error_of(site: Path) -> str:
    with pytest.raises(CarbonError) as err:
        validate_site(site / "site.toml", "2023-11")
    return str(err.value)


def meter(summary: dict, meter_id: str) -> dict:
    return next(m for m in summary["quality"]["meters"] if m["id"] == meter_id)


def test_truncated_file_last_row_is_counted_not_lost(site: Path) -> None:
    text = (site / "meters.csv").read_text(encoding="utf-8").rstrip("\n")
    (site / "meters.csv").write_text(text[: text.rfind(",")], encoding="utf-8")  # cut mid-row
    try:
        found = validate_site(site / "site.toml", "2023-11")
    except CarbonError as exc:  # a clear error is acceptable too: it must name file and line
        assert "meters.csv" in str(exc) and re.search(r"line \d+", str(exc))
        return
    cool = meter(found.summary, "COOL")
    assert cool["missing"] == 1 and cool["flag_counts"].get("source-missing") == 1
    assert found.problems


def test_unknown_unit_in_column_name_is_refused(site: Path) -> None:
    lines = meters_lines(site)
    lines[0] = "interval_start,meter_id,energy_btu_per_fortnight"
    write_lines(site, lines)
    message = error_of(site)
    assert "meters.csv" in message


def test_missing_unit_is_refused(site: Path) -> None:
    lines = meters_lines(site)
    lines[0] = "interval_start,meter_id,energy"
    write_lines(site, lines)
    message = error_of(site)
    assert "meters.csv" in message and "energy" in message


def test_naive_timestamps_name_the_line(site: Path) -> None:
    lines = meters_lines(site)
    lines[5] = lines[5].replace("-05:00", "").replace("-06:00", "")
    write_lines(site, lines)
    message = error_of(site)
    assert "meters.csv" in message and "line 6" in message


def test_wrong_offset_on_one_row_becomes_a_listed_conflict_and_a_gap(site: Path) -> None:
    lines = meters_lines(site)
    # REV at 12:00 CST (18:00 UTC) stamped +00:00 moves 6 h earlier, onto 12:00 UTC,
    # an interval that REV already has with another value
    index = next(i for i, line in enumerate(lines) if "2023-11-20T12:00:00-06:00,REV" in line)
    lines[index] = lines[index].replace("-06:00", "+00:00")
    write_lines(site, lines)
    found = validate_site(site / "site.toml", "2023-11")
    rev = meter(found.summary, "REV")
    assert rev["conflicting"] == 1
    assert rev["missing"] == 2  # the conflicting interval and the one the row left empty
    (conflict,) = found.summary["quality"]["conflicting_duplicates"]
    assert conflict["meter"] == "REV" and conflict["interval_start"] == "2023-11-20T12:00:00+00:00"
    assert any(f"meters.csv:{index + 1}" in s for s in conflict["sources"])
    assert any("conflicting readings" in p for p in found.problems)


def test_conflicting_duplicate_rows_are_flagged_and_listed(site: Path) -> None:
    lines = meters_lines(site)
    duplicate = lines[100].rsplit(",", 1)[0] + ",1.0"
    write_lines(site, [*lines, duplicate])
    found = validate_site(site / "site.toml", "2023-11")
    (conflict,) = found.summary["quality"]["conflicting_duplicates"]
    assert f"meters.csv:{len(lines) + 1}" in conflict["sources"]
    with pytest.raises(CarbonError, match="revenue meter 'REV' has no reading"):
        compute_site(site / "site.toml", "2023-11")  # REV cannot be attributed without a value


def test_negative_readings_are_kept_and_counted(site: Path) -> None:
    lines = meters_lines(site)
    index = next(i for i, line in enumerate(lines) if ",COOL," in line)
    lines[index] = lines[index].rsplit(",", 1)[0] + ",-5.0"
    write_lines(site, lines)
    found = validate_site(site / "site.toml", "2023-11")
    assert meter(found.summary, "COOL")["negatives"] == 1
    assert any("COOL: 1 negative" in p for p in found.problems)


def test_unknown_meter_id_names_line_and_declared_ids(site: Path) -> None:
    lines = meters_lines(site)
    lines[7] = (
        lines[7]
        .replace(",HALL-A,", ",HALL-Z,")
        .replace(",REV,", ",HALL-Z,")
        .replace(",COOL,", ",HALL-Z,")
        .replace(",HALL-B,", ",HALL-Z,")
    )
    write_lines(site, lines)
    found = validate_site(site / "site.toml", "2023-11")  # counted and ignored
    assert found.summary["quality"]["set_aside"] == [
        {
            "path": "meters.csv",
            "meter": "HALL-Z",
            "rows": 1,
            "first_line": 8,
            "reason": "undeclared-meter",
        }
    ]
    with pytest.raises(CarbonError) as err:  # refused under --strict
        validate_site(site / "site.toml", "2023-11", strict=True)
    message = str(err.value)
    assert "meters.csv: line 8" in message and "'HALL-Z'" in message and "REV" in message


def test_non_utf8_bytes_name_the_line(site: Path) -> None:
    raw = (site / "meters.csv").read_bytes().split(b"\n")
    raw[3] = raw[3].replace(b"REV", b"R\xe9V")
    (site / "meters.csv").write_bytes(b"\n".join(raw))
    message = error_of(site)
    assert "meters.csv" in message and "UTF-8" in message and "line 4" in message


def test_empty_file(site: Path) -> None:
    (site / "meters.csv").write_bytes(b"")
    assert "empty" in error_of(site).lower()


def test_meter_with_no_rows_in_the_period_is_counted_and_reported(site: Path) -> None:
    frame = pd.read_csv(site / "meters.csv")
    frame[frame["meter_id"] != "COOL"].to_csv(site / "meters.csv", index=False)
    found = validate_site(site / "site.toml", "2023-11")
    cool = meter(found.summary, "COOL")
    assert cool["present"] == 0 and cool["missing"] == cool["expected_intervals"]
    outcome = compute_site(site / "site.toml", "2023-11")  # the report still runs: COOL's
    unmetered = float(outcome.attribution.unmetered.sum().pint.to("kWh").pint.magnitude)
    assert unmetered > 0.05 * float(outcome.attribution.revenue.sum().pint.magnitude)  # energy
    # is inside the unmetered residual, and the data-quality section says so


def test_rows_are_conserved(site: Path) -> None:
    frame = pd.read_csv(site / "meters.csv")
    extra = frame.iloc[[10, 20]]  # identical duplicates
    early = frame.iloc[[0]].assign(interval_start="2023-10-31T23:45:00-05:00")  # outside period
    frame = pd.concat([frame.drop(index=[30, 31]), extra, early], ignore_index=True)
    frame.to_csv(site / "meters.csv", index=False)
    found = validate_site(site / "site.toml", "2023-11")
    meters = found.summary["quality"]["meters"]
    rows_in = len(frame)
    assert sum(m["rows_read"] for m in meters) == rows_in
    used = sum(m["present"] for m in meters)
    duplicates = sum(m["duplicates"] for m in meters)
    outside = 1
    assert rows_in == used + duplicates + outside
    assert sum(m["missing"] for m in meters) == 2
