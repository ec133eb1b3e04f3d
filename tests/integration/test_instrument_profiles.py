"""A solar PPA whose hourly profile is a file, from a site file to the matching metrics.

The metrics are recomputed here from the raw files alone (pandas over the meters CSV, the
profile CSV and the Electricity Maps export), not from anything carbon computed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import ConfigError, InputDataError
from carbon.core.lineage import file_sha256
from carbon.core.period import month
from carbon.workflow.inputs import site_data
from tests.integration.test_example_site import write_example

TZ = "America/Chicago"
HEADER = (
    "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,consumption_end,"
    "generator_id,technology,location,commissioning_date,volume,volume_unit,retirement_date,"
    "ppa_type,certificates_retained,profile\n"
)


def _ppa(volume: str = "", profile: str = "profiles/sol-7.csv") -> str:
    unit = "MWh" if volume else ""
    return (
        "ppa-sun,ppa,pecos,Pecos campus,ERCT,2023-11-01T00:00:00-05:00,2023-12-01T00:00:00-06:00,"
        f'SOL-7,solar,"Reeves County, TX",2022-05-01,{volume},{unit},2023-12-20,physical,true,'
        f"{profile}\n"
    )


def _write_profile(folder: Path) -> pd.DataFrame:
    """15-minute solar generation, local stamps with offsets, 31 Oct – 30 Nov, two quarter
    hours missing on 20 November (one hour incomplete)."""
    local = pd.date_range("2023-10-31", "2023-12-01", freq="15min", inclusive="left", tz=TZ)
    hour = local.hour + local.minute / 60 + 0.125
    shape = np.clip(np.sin(np.pi * (hour - 7.0) / 10.5), 0, None)
    rng = np.random.default_rng(16)
    kwh = np.round(15000.0 * shape * rng.uniform(0.5, 1.0, len(local)), 3)
    frame = pd.DataFrame({"interval_start": [t.isoformat() for t in local], "energy_kwh": kwh})
    gap = frame["interval_start"].isin(["2023-11-20T12:15:00-06:00", "2023-11-20T12:30:00-06:00"])
    frame = frame.loc[~gap]
    (folder / "profiles").mkdir(exist_ok=True)
    frame.to_csv(folder / "profiles" / "sol-7.csv", index=False)
    return frame


def _site(folder: Path, rows: str) -> Path:
    write_example(folder)
    (folder / "instruments.csv").write_text(HEADER + rows, encoding="utf-8")
    site = folder / "site.toml"
    site.write_text(
        site.read_text(encoding="utf-8") + '\n[reporting]\ninstruments = "instruments.csv"\n',
        encoding="utf-8",
    )
    return site


def _independent(folder: Path) -> dict[str, float]:
    """Annual match, hourly matched share and CFE% from the raw files (methodology §2)."""
    period = pd.date_range("2023-11-01 05:00", "2023-12-01 06:00", freq="h", inclusive="left")
    meters = pd.read_csv(folder / "meters.csv")
    rev = meters.loc[meters["meter_id"] == "REV"]
    start = pd.to_datetime(rev["interval_start"], utc=True).dt.tz_localize(None)
    load = rev["energy_kwh"].groupby(start.dt.floor("h").to_numpy()).sum().reindex(period)
    solar = pd.read_csv(folder / "profiles" / "sol-7.csv")
    stamp = pd.to_datetime(solar["interval_start"], utc=True).dt.tz_localize(None)
    gen = solar["energy_kwh"].groupby(stamp.dt.floor("h").to_numpy()).sum()
    gen = gen.reindex(period, fill_value=0.0)
    grid = pd.read_csv(folder / "grid" / "US-TEX-ERCO_2023_hourly.csv")
    c = grid.set_index(pd.to_datetime(grid["Datetime (UTC)"]))["Low Carbon Percentage"] / 100
    c = c.reindex(period)
    L, G = load.to_numpy(), gen.to_numpy()  # noqa: N806 (the methodology's symbols)
    both = np.minimum(L, G)
    return {
        "annual_match": min(1.0, G.sum() / L.sum()),
        "hourly_match": both.sum() / L.sum(),
        "cfe": (both + c.to_numpy() * np.maximum(0.0, L - G)).sum() / L.sum(),
    }


def test_ppa_profile_file_gives_the_independent_matching(tmp_path: Path) -> None:
    _write_profile(tmp_path)
    site = _site(tmp_path, _ppa())
    data = site_data(site)
    outcome = data.run(month("2023-11", TZ))
    expected = _independent(tmp_path)
    metrics = outcome.scopes.market.metrics
    assert 0 < metrics.hourly_matched_share < metrics.annual_match < 1
    assert metrics.annual_match == pytest.approx(expected["annual_match"], rel=1e-9)
    assert metrics.hourly_matched_share == pytest.approx(expected["hourly_match"], rel=1e-9)
    # the Electricity Maps file carries Low Carbon Percentage: CFE% from c_h (methodology §2)
    assert metrics.cfe_share is not None
    assert metrics.cfe_share == pytest.approx(expected["cfe"], rel=1e-9)
    assert metrics.hourly_matched_share < metrics.cfe_share < 1
    # the profile file joins the lineage, hashed
    record = next(r for r in outcome.inputs if r.path == "profiles/sol-7.csv")
    assert record.sha256 == file_sha256(tmp_path / "profiles" / "sol-7.csv")
    # one hour with two missing quarter hours; the day before the window is not used
    note = next(n for n in outcome.scopes.market.notes if "ppa-sun" in n)
    assert "1 hour(s) lack complete profile data" in note
    assert "first 2023-11-20T18:00:00Z" in note
    assert "24 hour(s) of the file" in note and "outside the consumption period" in note
    register = {i.instrument_id: i for i in outcome.scopes.market.register}
    assert register["ppa-sun"].profile_basis == "hourly profile"


def test_cli_json_carries_the_matching(tmp_path: Path) -> None:
    """The same through `carbon report --json` (one PDF render)."""
    _write_profile(tmp_path)
    site = _site(tmp_path, _ppa())
    args = ["report", "--site", str(site), "--period", "2023-11", "--out", str(tmp_path / "r")]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    expected = _independent(tmp_path)
    assert results["matching"]["annual_match"] == pytest.approx(expected["annual_match"], rel=1e-9)
    assert results["matching"]["hourly_match"] == pytest.approx(expected["hourly_match"], rel=1e-9)
    assert results["matching"]["cfe"] == pytest.approx(expected["cfe"], rel=1e-9)
    assert results["grid_cfe"]["available"] is True
    assert "profiles/sol-7.csv" in {i["path"] for i in results["inputs"]}


def test_a_stated_volume_must_agree_with_the_profile(tmp_path: Path) -> None:
    frame = _write_profile(tmp_path)
    stamps = pd.to_datetime(frame["interval_start"], utc=True)
    inside = (stamps >= pd.Timestamp("2023-11-01T05:00Z")).to_numpy()
    mwh = frame["energy_kwh"].to_numpy()[inside].sum() / 1000
    site = _site(tmp_path, _ppa(volume=f"{mwh:.9f}"))
    assert site_data(site).instruments[0].volume.magnitude == pytest.approx(mwh)
    (tmp_path / "instruments.csv").write_text(HEADER + _ppa(volume="5000"), encoding="utf-8")
    with pytest.raises(InputDataError) as err:
        site_data(tmp_path / "site.toml")
    message = str(err.value)
    assert "instruments.csv, line 2, column volume" in message
    assert "'ppa-sun' states 5000 MWh" in message and f"holds {mwh:.6g} MWh" in message
    assert err.value.line == 2


def test_a_profile_outside_the_site_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    _write_profile(tmp_path)  # tmp_path/profiles, beside the site folder
    site = _site(folder, _ppa(profile="../profiles/sol-7.csv"))
    with pytest.raises(ConfigError) as err:
        site_data(site)
    assert "outside the site file's folder" in str(err.value)
    assert "instruments.csv, line 2, column profile (instrument 'ppa-sun')" in str(err.value)


def test_a_gc_certificate_is_applied_hour_by_hour(tmp_path: Path) -> None:
    gc = Path(__file__).parents[1] / "data" / "profiles" / "energytag_gc_solar_2023-11.csv"
    write_example(tmp_path)
    shutil.copy(gc, tmp_path / gc.name)
    (tmp_path / "instruments.csv").write_text(
        "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,"
        "consumption_end,registry,generator_id,technology,location,commissioning_date,"
        "retirement_date,profile,profile_format\n"
        "gc-nov,certificate,pecos,Pecos campus,ERCT,2023-11-01T00:00:00-05:00,"
        "2023-12-01T00:00:00-06:00,Example GC Registry,SOL-PEC-01,solar,TX,2021-04-01,"
        f"2023-12-05,{gc.name},energytag\n",
        encoding="utf-8",
    )
    site = tmp_path / "site.toml"
    site.write_text(
        site.read_text(encoding="utf-8") + '\n[reporting]\ninstruments = "instruments.csv"\n',
        encoding="utf-8",
    )
    outcome = site_data(site).run(month("2023-11", TZ))
    market = outcome.scopes.market
    raw = pd.read_csv(gc)
    own_mwh = raw.loc[raw["beneficiary"] == "Pecos campus", "energy_wh"].sum() / 1e6
    (line,) = [r for r in market.register if r.instrument_id == "gc-nov"]
    assert line.status == "applied" and line.profile_basis == "hourly profile"
    assert line.hourly_available_mwh == pytest.approx(own_mwh, rel=1e-12)
    assert any("cancelled for another beneficiary" in n for n in market.notes)
    assert gc.name in {r.path for r in outcome.inputs}
