"""The documented example site file (issue 3) and a meters CSV of that shape report cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from tests.site.test_config import EXAMPLE_TOML

EM_HEADER = (
    "Datetime (UTC),Country,Zone Name,Zone Id,Carbon Intensity gCO₂eq/kWh (direct),"
    "Carbon Intensity gCO₂eq/kWh (LCA),Low Carbon Percentage,Renewable Percentage,Data Source,"
    "Data Estimated,Data Estimation Method"
)


def write_example(folder: Path) -> None:
    (folder / "site.toml").write_text(EXAMPLE_TOML, encoding="utf-8")
    # November 2023, local (America/Chicago): 15-minute readings, offsets as the file would hold.
    local = pd.date_range(
        "2023-11-01", "2023-12-01", freq="15min", inclusive="left", tz="America/Chicago"
    )
    n = len(local)
    rng = np.random.default_rng(7)
    hall_a = 5000.0 + rng.normal(0, 20, n)
    hall_b = 4000.0 + rng.normal(0, 20, n)
    cool = 0.08 * (hall_a + hall_b)
    rev = (hall_a + hall_b + cool) * 1.015
    stamps = [t.isoformat() for t in local]
    frames = [
        pd.DataFrame({"interval_start": stamps, "meter_id": meter, "energy_kwh": np.round(v, 3)})
        for meter, v in (("REV", rev), ("HALL-A", hall_a), ("HALL-B", hall_b), ("COOL", cool))
    ]
    pd.concat(frames).to_csv(folder / "meters.csv", index=False)
    hours = pd.date_range("2023-10-31 00:00", "2023-12-02 00:00", freq="1h", inclusive="left")
    grid = folder / "grid"
    grid.mkdir()
    lines = [EM_HEADER]
    for i, h in enumerate(hours):
        direct = 300.0 + 100.0 * np.sin(2 * np.pi * i / 24)
        lines.append(
            f'{h:%Y-%m-%d %H:%M:%S},USA,"Electric Reliability Council of Texas, Inc.",US-TEX-ERCO,'
            f"{direct:.2f},{direct * 1.15:.2f},50.0,40.0,eia.gov,false,"
        )
    (grid / "US-TEX-ERCO_2023_hourly.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def example(tmp_path: Path) -> Path:
    write_example(tmp_path)
    return tmp_path


def test_example_site_reports_and_splits_the_converting_hall(example: Path) -> None:
    out = example / "reports"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(example / "site.toml"),
            "--period",
            "2023-11",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    assert results["site"]["id"] == "pecos"
    assert results["period"]["hours"] == 30 * 24 + 1  # DST ends on 5 November
    energy = results["energy_kwh"]
    assert energy["total"] == pytest.approx(sum(v for k, v in energy.items() if k != "total"))
    # HALL-B is mining until 2023-11-14T12:00-06:00, then AI: both workloads carry energy
    assert results["it_energy_kwh"]["mining"] > results["it_energy_kwh"]["ai"] > 0
    assert results["conversions"] == [
        {"meter": "HALL-B", "at": "2023-11-14T12:00:00-06:00", "from": "mining", "to": "ai"}
    ]
    paths = {i["path"] for i in results["inputs"]}
    assert paths == {"meters.csv", "grid/US-TEX-ERCO_2023_hourly.csv"}
    assert (out / "pecos" / "2023-11" / "v1" / "disclosure.pdf").exists()


def test_validate_is_clean_on_the_example_and_flags_a_gap(example: Path) -> None:
    site = str(example / "site.toml")
    result = CliRunner().invoke(app, ["validate", "--site", site, "--period", "2023-11"])
    assert result.exit_code == 0, result.output
    assert "No data problems found." in result.output
    frame = pd.read_csv(example / "meters.csv")
    frame.drop(index=[10, 11]).to_csv(example / "meters.csv", index=False)
    result = CliRunner().invoke(app, ["validate", "--site", site, "--json"])
    assert result.exit_code == 1, result.output
    summary = json.loads(result.output)
    rev = next(m for m in summary["quality"]["meters"] if m["id"] == "REV")
    assert rev["missing"] == 2
    assert any("REV: 2 interval(s) without a usable reading" in p for p in summary["problems"])


def test_instruments_and_fuel_from_the_site_file(example: Path) -> None:
    csv = (
        "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,consumption_end,"
        "registry,serial_start,serial_end,generator_id,technology,location,commissioning_date,"
        "generation_start,generation_end,volume,volume_unit,retirement_date\n"
        "rec-1,certificate,pecos,Pecos campus,ERCT,2023-11-01T00:00:00-05:00,"
        "2023-12-01T00:00:00-06:00,ERCOT REC,TX-1,TX-1000,WND-1,wind,TX,2015-01-01,"
        "2023-10-01,2023-11-30,1000,MWh,2023-12-15\n"
    )
    (example / "instruments.csv").write_text(csv, encoding="utf-8")
    toml = (example / "site.toml").read_text()
    toml += (
        '\n[reporting]\ninstruments = "instruments.csv"\n\n'
        '[[fuel]]\ngenset_id = "G1"\nfuel = "natural_gas_pipeline"\nquantity = "100 MMBtu"\n'
        'period = "2023-11"\n'
    )
    (example / "site.toml").write_text(toml)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(example / "site.toml"),
            "--period",
            "2023-11",
            "--out",
            str(example / "out"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    r = json.loads(result.output)
    applied = {i["instrument_id"]: i for i in r["market_based"]["register"]}
    assert applied["rec-1"]["status"] == "applied"
    assert applied["rec-1"]["used_annual_mwh"] == pytest.approx(1000.0)
    assert r["scope2_market_kgco2e"]["total"] < r["scope2_location_kgco2e"]["total"]
    assert r["scope1_gases"]["co2_kg"] == pytest.approx(100 * 53.06)
