"""METHODOLOGY §2's worked example, from a site file alone.

One day, repeated over June 2025 (UTC): a flat 10 MW AI load (240 MWh a day), a solar PPA of
30 MW for 8 hours (240 MWh a day) whose hourly profile is a file, a grid carbon-free share of
40 % in every hour (an Electricity Maps export) and a residual mix of 0.5 t CO2e/MWh. Per day
the methodology gives: annual-style matching 100 % and 0 t; hourly matching 80 MWh matched,
M_hr = 1/3 and 160 × 0.5 = 80 t; Google CFE% = (80 + 0.4 × 160) / 240 = 60 %. Over 30 days the
shares are the same and the tonnes thirty times as many.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from carbon.core.period import month
from carbon.workflow.inputs import site_data
from tests.integration.test_example_site import EM_HEADER

RTOL = 1e-9
DAYS = 30
SOLAR_HOURS = range(8, 16)  # 30 MW from 08:00 to 16:00 UTC

SITE = """
[site]
id = "worked"
name = "Worked example"
timezone = "UTC"
grid_region = "ERCT"

[[grid]]
source = "electricitymaps"
path = "grid.csv"
basis = "direct"

[[meters]]
id = "REV"
role = "revenue"
file = "meters.csv"

[[meters]]
id = "AI"
role = "it"
parent = "REV"
workload = "ai"

[reporting]
instruments = "instruments.csv"
"""

INSTRUMENTS = (
    "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,consumption_end,"
    "generator_id,technology,location,commissioning_date,volume,volume_unit,emission_rate,"
    "emission_rate_unit,retirement_date,ppa_type,certificates_retained,adjusted_for_claims,"
    "source,profile\n"
    "ppa-sun,ppa,worked,Worked example,ERCT,2025-06-01T00:00:00+00:00,2025-07-01T00:00:00+00:00,"
    "SOL-1,solar,Texas,2024-01-01,,,,,2025-07-15,physical,true,,PPA schedule,solar.csv\n"
    "rm,residual_mix,,,ERCT,2025-06-01T00:00:00+00:00,2025-07-01T00:00:00+00:00,"
    ",,,,,,0.5,t CO2e/MWh,,,,true,residual mix (worked example),\n"
)


def _write(folder: Path) -> None:
    (folder / "site.toml").write_text(SITE, encoding="utf-8")
    (folder / "instruments.csv").write_text(INSTRUMENTS, encoding="utf-8")
    hours = pd.date_range("2025-06-01", periods=DAYS * 24, freq="h", tz="UTC")
    stamps = [h.isoformat() for h in hours]
    load = pd.DataFrame({"interval_start": stamps, "energy_kwh": 10_000.0})
    meters = pd.concat([load.assign(meter_id="REV"), load.assign(meter_id="AI")])
    meters[["interval_start", "meter_id", "energy_kwh"]].to_csv(folder / "meters.csv", index=False)
    solar = [30_000.0 if h.hour in SOLAR_HOURS else 0.0 for h in hours]
    pd.DataFrame({"interval_start": stamps, "energy_kwh": solar}).to_csv(
        folder / "solar.csv", index=False
    )
    grid_hours = pd.date_range("2025-05-31", periods=(DAYS + 2) * 24, freq="h")
    rows = [
        f'{h:%Y-%m-%d %H:%M:%S},USA,"Electric Reliability Council of Texas, Inc.",US-TEX-ERCO,'
        "400.00,460.00,40.0,30.0,eia.gov,false,"
        for h in grid_hours
    ]
    (folder / "grid.csv").write_text("\n".join([EM_HEADER, *rows]) + "\n", encoding="utf-8")


def test_the_worked_example_of_methodology_section_2_from_a_site_file(tmp_path: Path) -> None:
    _write(tmp_path)
    outcome = site_data(tmp_path / "site.toml").run(month("2025-06", "UTC"))
    market = outcome.scopes.market
    m = market.metrics
    # annual-style matching: 100 % matched, market-based 0 t
    assert m.annual_match == 1.0
    assert market.total_annual_kgco2e == pytest.approx(0.0, abs=1e-6)
    # hourly matching: 80 MWh a day matched, M_hr = 1/3, 160 MWh x 0.5 t = 80 t a day
    assert m.hourly_matched_mwh == pytest.approx(80.0 * DAYS, rel=RTOL)
    assert m.hourly_matched_share == pytest.approx(1 / 3, rel=RTOL)
    assert market.total_hourly_kgco2e == pytest.approx(80_000.0 * DAYS, rel=RTOL)
    # Google CFE% = (80 + 0.4 x 160) / 240 = 60 %, c_h from the Electricity Maps export
    assert m.cfe_share == pytest.approx(0.60, rel=RTOL)
