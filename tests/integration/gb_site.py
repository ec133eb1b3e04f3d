"""A Great Britain site written to a folder: hourly meters, a NESO half-hourly grid file and,
optionally, annual and residual-mix factor tables (example numbers, not published ones)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

GB_TOML = """
[site]
id = "thames"
name = "Thames campus"
timezone = "Europe/London"
grid_region = "GB"
country = "GB"

[[grid]]
source = "neso"
path = "grid/neso_2024-06.json"

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
workload = "ai"

[[meters]]
id = "COOL"
role = "shared"
parent = "REV"
allocation = "it-energy"
"""

#: The example annual table: made-up numbers, labelled so in its source column.
ANNUAL_CSV = (
    "region,period,method,gas,value,unit,source,edition,gwp_set,basis,licence,url\n"
    'GB,2023,location,CO2e,0.21,kg CO2e/kWh,"Example national grid average (made-up numbers '
    'for tests)",2023 example,AR5,direct,example only,https://example.org/gb-annual\n'
    'GB,2024,location,CO2e,0.2,kg CO2e/kWh,"Example national grid average (made-up numbers '
    'for tests)",2024 example,AR5,direct,example only,https://example.org/gb-annual\n'
)
RESIDUAL_CSV = (
    "region,period,method,gas,value,unit,source,edition,basis,licence,url\n"
    'GB,2024,market-residual,CO2,380.0,g CO2/kWh,"Example residual mix (made-up numbers for '
    'tests)",2025-05 example,direct,example only,https://example.org/gb-residual\n'
    'GB,2024-06,market-residual,CO2,350.0,g CO2/kWh,"Example residual mix (made-up numbers for '
    'tests)",2025-05 example,direct,example only,https://example.org/gb-residual\n'
)
#: Half-hours with neither an actual nor a forecast value (UTC).
HOLES = ("2024-06-10T03:00Z", "2024-06-10T03:30Z")


def grid_value(i: int) -> float:
    """The half-hour's intensity [g CO2/kWh] of the synthetic series."""
    return round(150.0 + 60.0 * np.sin(2 * np.pi * i / 48), 1)


def write_gb_site(
    folder: Path, *, annual: bool = True, residual: bool = False, holes: bool = True
) -> Path:
    """Write the site file, meters, grid and the chosen factor tables; return the site file.
    With `holes` the grid lacks the half-hours of :data:`HOLES`."""
    toml = GB_TOML
    if annual or residual:
        toml += "\n[factors]\n"
    if annual:
        (folder / "gb_annual.csv").write_text(ANNUAL_CSV, encoding="utf-8")
        toml += 'annual = "gb_annual.csv"\n'
    if residual:
        (folder / "gb_residual.csv").write_text(RESIDUAL_CSV, encoding="utf-8")
        toml += 'residual_mix = "gb_residual.csv"\n'
    site = folder / "site.toml"
    site.write_text(toml, encoding="utf-8")
    local = pd.date_range(
        "2024-06-01", "2024-07-01", freq="1h", inclusive="left", tz="Europe/London"
    )
    n = len(local)
    hall_a = np.where(np.arange(n) % 24 < 8, 3000.0, 5000.0)  # mining curtails in the morning
    hall_b = np.full(n, 2000.0)
    cool = 0.1 * (hall_a + hall_b)
    rev = hall_a + hall_b + cool + 50.0
    stamps = [t.isoformat() for t in local]
    frames = [
        pd.DataFrame({"interval_start": stamps, "meter_id": meter, "energy_kwh": v})
        for meter, v in (("REV", rev), ("HALL-A", hall_a), ("HALL-B", hall_b), ("COOL", cool))
    ]
    pd.concat(frames).to_csv(folder / "meters.csv", index=False)
    half = pd.date_range("2024-05-31 22:00", "2024-07-01 01:00", freq="30min", tz="UTC")
    data = []
    for i, t in enumerate(half):
        stamp = f"{t:%Y-%m-%dT%H:%MZ}"
        value = None if holes and stamp in HOLES else grid_value(i)
        data.append(
            {
                "from": stamp,
                "to": f"{t + pd.Timedelta(minutes=30):%Y-%m-%dT%H:%MZ}",
                "intensity": {"forecast": value, "actual": value, "index": "low"},
            }
        )
    (folder / "grid").mkdir(exist_ok=True)
    (folder / "grid" / "neso_2024-06.json").write_text(json.dumps({"data": data}))
    return site
