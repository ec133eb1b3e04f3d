"""Two sites with 15-minute meters and a sub-hourly grid, written into a folder.

The grid files are month-long series in the sources' own formats, made by repeating the
one-day samples in ``tests/data/grid/`` (a WattTime ``co2_aoer`` client CSV, 5-minute, and a
NESO national ``/intensity`` response, 30-minute) with a small day-to-day scale.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
WATTTIME_DAY = DATA / "CAISO_NORTH_co2_aoer_2024-02-10_2024-02-11.csv"
NESO_DAY = DATA / "neso_national_2024-02-10.json"
FIRST, LAST = pd.Timestamp("2024-01-31", tz="UTC"), pd.Timestamp("2024-03-02", tz="UTC")
WATTTIME_FILE = "CAISO_NORTH_co2_aoer_2024-01-31_2024-03-02.csv"
NESO_FILE = "neso_national_2024-02.json"

SITE = """
[site]
id = "{id}"
name = "Sub-hourly test hall"
timezone = "{timezone}"
grid_region = "{region}"

[[grid]]
source = "{source}"
path = "grid/{grid}"

[[meters]]
id = "REV"
role = "revenue"
file = "meters.csv"

[[meters]]
id = "HALL-A"
role = "it"
parent = "REV"
workload = "mining"

[[meters]]
id = "HALL-B"
role = "it"
parent = "REV"
workload = [ {{ until = "2024-02-14T12:07:00{offset}", workload = "mining" }},
             {{ workload = "ai" }} ]

[[meters]]
id = "COOL"
role = "shared"
parent = "REV"
allocation = "it-energy"
"""


def _scale(days: int) -> np.ndarray:
    return 1.0 + 0.03 * np.sin(np.arange(days) * 0.7)


def write_watttime_month(path: Path) -> None:
    day = pd.read_csv(WATTTIME_DAY)
    days = (LAST - FIRST).days
    stamps = pd.date_range(FIRST, LAST, freq="5min", inclusive="left")
    values = np.tile(day["value"].to_numpy(), days) * np.repeat(_scale(days), len(day))
    lines = ["point_time,value"]
    lines += [f"{t:%Y-%m-%d %H:%M:%S}+00:00,{v:.2f}" for t, v in zip(stamps, values, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_neso_month(path: Path) -> None:
    day = json.loads(NESO_DAY.read_text(encoding="utf-8"))["data"]
    rows = []
    for d, scale in enumerate(_scale((LAST - FIRST).days)):
        for item in day:
            start = pd.Timestamp(item["from"]) - pd.Timestamp("2024-02-10", tz="UTC") + FIRST
            start += pd.Timedelta(days=d)
            value = dict(item["intensity"])
            for key in ("forecast", "actual"):
                if value[key] is not None:
                    value[key] = round(value[key] * scale)
            rows.append(
                {
                    "from": start.strftime("%Y-%m-%dT%H:%MZ"),
                    "to": (start + pd.Timedelta("30min")).strftime("%Y-%m-%dT%H:%MZ"),
                    "intensity": value,
                }
            )
    path.write_text(json.dumps({"data": rows}), encoding="utf-8")


def write_meters(path: Path, timezone: str) -> None:
    """15-minute readings with UTC offsets for February 2024 in `timezone`."""
    local = pd.date_range("2024-02-01", "2024-03-01", freq="15min", inclusive="left", tz=timezone)
    n = len(local)
    rng = np.random.default_rng(16)
    hour = local.hour.to_numpy() + local.minute.to_numpy() / 60
    hall_a = 1200.0 - 500.0 * (np.sin(np.pi * (hour - 8) / 10) > 0.6) + rng.normal(0, 15, n)
    hall_b = 900.0 + 80.0 * np.sin(2 * np.pi * hour / 24) + rng.normal(0, 15, n)
    cool = 0.09 * (hall_a + hall_b)
    rev = (hall_a + hall_b + cool) * 1.02
    stamps = [t.isoformat() for t in local]
    frames = [
        pd.DataFrame({"interval_start": stamps, "meter_id": m, "energy_kwh": np.round(v, 3)})
        for m, v in (("REV", rev), ("HALL-A", hall_a), ("HALL-B", hall_b), ("COOL", cool))
    ]
    pd.concat(frames).to_csv(path, index=False)


def write_site(folder: Path, kind: str) -> Path:
    """A WattTime (``kind="watttime"``) or NESO (``"neso"``) site in `folder`; its site file."""
    (folder / "grid").mkdir(parents=True, exist_ok=True)
    if kind == "watttime":
        fields = {"id": "sac", "timezone": "America/Los_Angeles", "region": "CAMX"}
        fields |= {"source": "watttime", "grid": WATTTIME_FILE, "offset": "-08:00"}
        write_watttime_month(folder / "grid" / WATTTIME_FILE)
    else:
        fields = {"id": "slough", "timezone": "Europe/London", "region": "GB"}
        fields |= {"source": "neso", "grid": NESO_FILE, "offset": "+00:00"}
        write_neso_month(folder / "grid" / NESO_FILE)
    write_meters(folder / "meters.csv", str(fields["timezone"]))
    site = folder / "site.toml"
    site.write_text(SITE.format(**fields), encoding="utf-8")
    return site
