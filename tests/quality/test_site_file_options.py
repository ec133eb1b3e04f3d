"""Reading options a site file sets per meter: `timezone` of naive stamps (with the fall-back
hour), `rollover` of cumulative registers, and undeclared meters in a shared file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.quality.sources import read_meters
from carbon.site.load import site_from_dict

CHICAGO = "America/Chicago"


def _kwh(energy: xr.DataArray) -> np.ndarray:
    """The cube's energy in kWh as plain numbers."""
    return np.asarray(energy.pint.to("kWh").pint.magnitude, dtype=float)


def site(meters: list[dict[str, Any]]) -> Any:
    return site_from_dict(
        {
            "site": {"id": "s", "name": "S", "timezone": CHICAGO, "grid_region": "ERCT"},
            "meters": meters,
        }
    )


def two_meters(**options: Any) -> list[dict[str, Any]]:
    return [
        {"id": "REV", "role": "revenue", "file": "meters.csv", **options},
        {"id": "HALL", "role": "it", "parent": "REV", "workload": "ai"},
    ]


def write_long(folder: Path, rows: list[tuple[str, str, float]]) -> None:
    lines = ["interval_start,meter_id,energy_kwh"] + [f"{t},{m},{v}" for t, m, v in rows]
    (folder / "meters.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def fall_back_rows() -> list[tuple[str, str, float]]:
    """Hourly local stamps over the 2023-11-05 fall-back in Chicago: 00:00, 01:00 (CDT),
    01:00 (CST), 02:00. REV reads all four; HALL misses the second 01:00, so its one 01:00
    cannot be placed by file order. A third meter, SPARE, is in the file but not declared."""
    stamps = ["2023-11-05T00:00:00", "2023-11-05T01:00:00", "2023-11-05T01:00:00"]
    stamps.append("2023-11-05T02:00:00")
    rows = [(t, "REV", 10.0 + i) for i, t in enumerate(stamps)]
    rows += [(t, "HALL", 5.0) for i, t in enumerate(stamps) if i != 2]
    rows += [(stamps[0], "SPARE", 1.0), (stamps[3], "SPARE", 1.0)]
    return rows


def test_naive_stamps_read_with_the_meters_timezone(tmp_path: Path) -> None:
    """00:00 CDT = 05:00Z, 01:00 CDT = 06:00Z, 01:00 CST = 07:00Z, 02:00 CST = 08:00Z."""
    write_long(tmp_path, fall_back_rows())
    cube, _ = read_meters(site(two_meters(timezone=CHICAGO)), tmp_path)
    times = pd.DatetimeIndex(cube.energy["time"].values)
    assert list(times.strftime("%H:%M")) == ["05:00", "06:00", "07:00", "08:00"]
    assert _kwh(cube.energy.sel(meter="REV")).tolist() == [10.0, 11.0, 12.0, 13.0]
    hall = _kwh(cube.energy.sel(meter="HALL"))
    assert hall[2] != hall[2]  # NaN: HALL's one 01:00 went to the first (CDT) instant
    assert int(cube.flags.sel(meter="HALL").values[2]) == int(Flag.GAP)
    aside = {(r.meter, r.reason): (r.rows, r.first_line) for r in cube.set_aside}
    assert aside == {
        ("SPARE", "undeclared-meter"): (2, 9),
        ("HALL", "ambiguous-local-time"): (1, 7),
    }


def test_strict_refuses_an_undeclared_meter(tmp_path: Path) -> None:
    write_long(tmp_path, fall_back_rows())
    with pytest.raises(InputDataError, match=r"line 9: meter id 'SPARE' is not declared"):
        read_meters(site(two_meters(timezone=CHICAGO)), tmp_path, strict=True)


def test_naive_stamps_without_a_timezone_name_the_site_file_key(tmp_path: Path) -> None:
    write_long(tmp_path, fall_back_rows())
    with pytest.raises(InputDataError, match=r"line 2: .*'timezone' on the meter in the site"):
        read_meters(site(two_meters()), tmp_path)


def test_the_skipped_spring_hour_names_its_line_and_stamp(tmp_path: Path) -> None:
    rows = [("2024-03-10T01:00:00", "REV", 1.0), ("2024-03-10T02:00:00", "REV", 1.0)]
    rows += [("2024-03-10T01:00:00", "HALL", 1.0), ("2024-03-10T03:00:00", "HALL", 1.0)]
    write_long(tmp_path, rows)
    with pytest.raises(InputDataError, match=r"line 3: .*'2024-03-10T02:00:00' does not exist"):
        read_meters(site(two_meters(timezone=CHICAGO)), tmp_path)


def test_one_file_has_one_zone_and_an_unknown_zone_is_named() -> None:
    meters = two_meters(timezone=CHICAGO)
    meters[1]["timezone"] = "Europe/London"
    with pytest.raises(ConfigError, match="one file has one zone"):
        site(meters)
    with pytest.raises(ConfigError, match="unknown IANA timezone 'Mars/Olympus'"):
        site(two_meters(timezone="Mars/Olympus"))


def write_registers(folder: Path) -> None:
    """A 16-bit register: 65,000 → 65,300 → 65,500 → wraps → 264 → 564 (300 kWh an hour)."""
    stamps = pd.date_range("2025-01-01T00:00:00+00:00", periods=5, freq="h")
    readings = [65000, 65300, 65500, 264, 564]
    lines = ["timestamp,meter_id,register_kwh"]
    for meter in ("REV", "HALL"):
        lines += [f"{t.isoformat()},{meter},{r}" for t, r in zip(stamps, readings, strict=True)]
    (folder / "registers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_rollover_set_per_meter(tmp_path: Path) -> None:
    """With rollover 65,536 the wrapped step is 264 + 65,536 − 65,500 = 300 kWh; HALL keeps
    the default modulus (10^5, the power of ten above 65,500): 264 + 100,000 − 65,500 is
    far beyond ten typical steps, so its drop is read as a reset and counts only 264 kWh."""
    write_registers(tmp_path)
    meters = [
        {
            "id": "REV",
            "role": "revenue",
            "file": "registers.csv",
            "format": "register-csv",
            "rollover": 65536,
        },
        {"id": "HALL", "role": "it", "parent": "REV", "workload": "ai"},
    ]
    cube, labels = read_meters(site(meters), tmp_path)
    assert _kwh(cube.energy.sel(meter="REV")).tolist() == [300.0, 200.0, 300.0, 300.0]
    assert _kwh(cube.energy.sel(meter="HALL")).tolist() == [300.0, 200.0, 264.0, 300.0]
    flags = cube.flags.sel(meter="REV").values
    assert int(flags[2]) == int(Flag.COUNTER_RESET)
    assert labels["REV"]["register_rollover"] == "65536"
    assert np.isclose(_kwh(cube.energy.sel(meter="REV")).sum(), 1100.0)


def test_rollover_below_a_reading_and_on_other_formats_are_refused(tmp_path: Path) -> None:
    write_registers(tmp_path)
    meters = [
        {
            "id": "REV",
            "role": "revenue",
            "file": "registers.csv",
            "format": "register-csv",
            "rollover": 65000,
        },
        {"id": "HALL", "role": "it", "parent": "REV", "workload": "ai"},
    ]
    with pytest.raises(InputDataError, match=r"line 2: register 65000 .* rollover 65000"):
        read_meters(site(meters), tmp_path)
    with pytest.raises(ConfigError, match=r"'rollover' applies to cumulative registers"):
        site(two_meters(rollover=100000))
    with pytest.raises(ConfigError, match="greater than 0"):
        site(two_meters(rollover=0))
