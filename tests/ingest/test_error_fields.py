"""The importers' errors carry their facts as fields beside the message: the file, the line,
the meter and the stamp where the code knows them, and a short reason code; every field is
plain data (``carbon --json`` prints :meth:`CarbonError.to_dict`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from carbon.core.errors import CarbonError
from carbon.ingest.green_button import read_green_button
from carbon.ingest.grid_entsoe import read_entsoe_generation
from carbon.ingest.grid_table import read_grid_table_csv
from carbon.ingest.grid_watttime import read_watttime
from carbon.ingest.meters_long_csv import read_meters_csv
from carbon.ingest.meters_register_csv import read_register_csv
from carbon.ingest.utility_csv import read_utility_csv

DATA = Path(__file__).resolve().parents[1] / "data"
METERS, GRID = DATA / "meters", DATA / "grid"

CASES: dict[str, tuple[Callable[[], object], dict[str, object]]] = {
    "bad number": (
        lambda: read_meters_csv(METERS / "long_bad_number.csv"),
        {"reason": "bad-number", "path": str(METERS / "long_bad_number.csv"), "line": 3},
    ),
    "bad stamp": (
        lambda: read_meters_csv(METERS / "long_bad_stamp.csv"),
        {
            "reason": "timestamp",
            "line": 3,
            "timestamp": "2025-13-01T00:15:00+00:00",
            "meter": "HALL-A",
        },
    ),
    "missing column": (
        lambda: read_meters_csv(METERS / "long_missing_meter_column.csv"),
        {"reason": "missing-column", "line": 1},
    ),
    "not UTF-8": (
        lambda: read_meters_csv(METERS / "long_latin1.csv"),
        {"reason": "encoding", "line": 3},
    ),
    "unexpected meter": (
        lambda: read_meters_csv(METERS / "long_energy_kwh.csv", meter_ids=["HALL-A"]),
        {"reason": "unknown-meter", "line": 3, "meter": "HALL-B"},
    ),
    "register read twice": (
        lambda: read_register_csv(METERS / "register_twice.csv"),
        {
            "reason": "duplicate",
            "line": 4,
            "meter": "R1",
            "timestamp": "2025-07-01T00:15:00+00:00",
        },
    ),
    "quality code": (
        lambda: read_green_button(METERS / "gb_bad_quality.xml"),
        {"reason": "quality-code", "line": 29},
    ),
    "utility date": (
        lambda: read_utility_csv(METERS / "utility_bad_date.csv", timezone="America/Chicago"),
        {"reason": "timestamp", "line": 3, "timestamp": "2024-02-30"},
    ),
    "entsoe acknowledgement": (
        lambda: read_entsoe_generation(GRID / "entsoe_acknowledgement.xml"),
        {"reason": "acknowledgement", "line": 2},
    ),
    "watttime signal": (
        lambda: read_watttime(GRID / "watttime_health_damage.json"),
        {"reason": "signal-type", "line": None},
    ),
    "grid table without region": (
        lambda: read_grid_table_csv(GRID / "gridemissions_co2i_sample.csv"),
        {"reason": "missing-region"},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_errors_carry_their_fields(case: str) -> None:
    read, expected = CASES[case]
    with pytest.raises(CarbonError) as caught:
        read()
    error = caught.value
    fields = error.to_dict()
    assert json.loads(json.dumps(fields)) == fields  # plain data only
    assert {k: fields[k] for k in expected} == expected
    assert fields["path"] is not None and str(error).startswith(fields["path"])
    if fields["line"] is not None:
        assert f"line {fields['line']}" in str(error)
    if fields["timestamp"] is not None:  # (the meter may be a fact the message leaves out)
        assert fields["timestamp"] in str(error)
