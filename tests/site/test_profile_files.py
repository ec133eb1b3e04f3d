"""Instrument profiles read from files named by the instruments CSV's ``profile`` column."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.units import ureg
from carbon.site.instruments import Certificate
from carbon.site.instruments_csv import read_instruments_csv
from carbon.site.profile_files import hourly_energy

DATA = Path(__file__).parents[1] / "data" / "profiles"
GC = "energytag_gc_solar_2023-11.csv"
HEAD = (
    "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,consumption_end,"
    "registry,serial_start,serial_end,generator_id,technology,location,commissioning_date,"
    "volume,volume_unit,retirement_date,ppa_type,certificates_retained,profile,profile_format,"
    "profile_meter\n"
)
WINDOW = "2023-11-01T00:00:00-05:00,2023-12-01T00:00:00-06:00"


def _gc_row(ident: str = "gc-nov", serials: str = ",", volume: str = ",") -> str:
    return (
        f"{ident},certificate,pecos,Pecos campus,ERCT,{WINDOW},Example GC Registry,{serials},"
        f"SOL-PEC-01,solar,TX,2021-04-01,{volume},2023-12-05,,,{GC},energytag,\n"
    )


def _ppa_row(profile: str, fmt: str = "", meter: str = "", volume: str = ",") -> str:
    return (
        f"ppa-1,ppa,pecos,Pecos campus,ERCT,{WINDOW},,,,SOL-7,solar,TX,2022-05-01,{volume},"
        f"2023-12-20,physical,true,{profile},{fmt},{meter}\n"
    )


def _csv(folder: Path, *rows: str) -> Path:
    path = folder / "instruments.csv"
    path.write_text(HEAD + "".join(rows), encoding="utf-8")
    return path


def test_hourly_energy_apportions_by_overlap() -> None:
    starts = pd.DatetimeIndex(
        ["2024-06-01T10:30Z", "2024-06-01T12:00Z", "2024-06-01T12:15Z", "2024-06-01T12:45Z"]
    )
    ends = starts + pd.to_timedelta(["60min", "15min", "15min", "30min"])
    hours = hourly_energy(starts, ends, np.array([100.0, 1.0, 2.0, 8.0]))
    assert hours.to_dict() == {
        pd.Timestamp("2024-06-01 10:00"): 50.0,
        pd.Timestamp("2024-06-01 11:00"): 50.0,
        pd.Timestamp("2024-06-01 12:00"): 1.0 + 2.0 + 4.0,
        pd.Timestamp("2024-06-01 13:00"): 4.0,
    }


def test_a_gc_export_is_a_certificate_with_an_hourly_profile(tmp_path: Path) -> None:
    shutil.copy(DATA / GC, tmp_path / GC)
    (cert,) = read_instruments_csv(_csv(tmp_path, _gc_row()))
    raw = pd.read_csv(DATA / GC)
    own = raw.loc[raw["beneficiary"] == "Pecos campus"]
    start = pd.to_datetime(own["production_starting_interval"], utc=True).dt.tz_localize(None)
    expected = own["energy_wh"].groupby(start.dt.floor("h").to_numpy()).sum() / 1000.0
    kwh = cert.profile.pint.to("kWh").pint.dequantify()
    profile = pd.Series(kwh.to_numpy(), index=kwh.indexes["time"])
    assert len(profile) == 30 * 24 + 1  # the window's hours, DST ends on 5 November
    assert profile.sum() == pytest.approx(expected.sum(), rel=1e-12)
    assert np.allclose(profile.reindex(expected.index).to_numpy(), expected.to_numpy())
    assert cert.energy.to("kWh").magnitude == pytest.approx(expected.sum(), rel=1e-12)
    assert cert.serials is None and cert.profile_source.granular
    other = raw.loc[raw["beneficiary"] != "Pecos campus"]
    assert cert.profile_source.left_out == (
        f"{len(other)} bundle(s) ({other['energy_wh'].sum() / 1e6:.6g} MWh) cancelled for "
        f"another beneficiary than 'Pecos campus' left out (first line {other.index[0] + 2})",
    )
    assert cert.profile_source.record.path == GC
    assert len(cert.profile_source.incomplete_hours) == 0  # no bundle at night is no gap


def test_two_instruments_cannot_claim_one_issuance(tmp_path: Path) -> None:
    shutil.copy(DATA / GC, tmp_path / GC)
    with pytest.raises(InputDataError) as err:
        read_instruments_csv(_csv(tmp_path, _gc_row(), _gc_row("gc-again")))
    assert "claimed by instrument 'gc-again' (instruments CSV line 3)" in str(err.value)
    assert "instrument 'gc-nov' (line 2" in str(err.value)


def test_a_certificate_needs_serials_or_a_gc_export() -> None:
    data = {
        "id": "rec-1",
        "market_boundary": "ERCT",
        "consumption_start": "2023-11-01T00:00:00-05:00",
        "consumption_end": "2023-12-01T00:00:00-06:00",
        "site_id": "pecos",
        "beneficiary": "Pecos campus",
        "generator_id": "WND-1",
        "technology": "wind",
        "location": "TX",
        "commissioning_date": "2015-01-01",
        "generation_start": "2023-11-01",
        "generation_end": "2023-11-30",
        "volume": ureg.Quantity(10, "MWh"),
        "registry": "ERCOT REC",
    }
    with pytest.raises(ValidationError, match="serial_start and serial_end are required"):
        Certificate.model_validate(data)


def test_a_long_csv_with_several_series_needs_profile_meter(tmp_path: Path) -> None:
    stamps = pd.date_range("2023-11-01T05:00Z", "2023-12-01T06:00Z", freq="h", inclusive="left")
    frame = pd.concat(
        pd.DataFrame(
            {"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "meter_id": m,
             "energy_mwh": v}
        )
        for m, v in (("SOL-7", 2.0), ("WND-3", 5.0))
    )  # fmt: skip
    frame.to_csv(tmp_path / "plants.csv", index=False)
    with pytest.raises(InputDataError, match=r"several series \(SOL-7, WND-3\); set profile_meter"):
        read_instruments_csv(_csv(tmp_path, _ppa_row("plants.csv")))
    (ppa,) = read_instruments_csv(_csv(tmp_path, _ppa_row("plants.csv", meter="SOL-7")))
    assert ppa.energy.to("MWh").magnitude == pytest.approx(2.0 * len(stamps))


def test_a_parquet_profile_and_an_agreeing_volume(tmp_path: Path) -> None:
    stamps = pd.date_range("2023-11-01T05:00Z", "2023-12-01T06:00Z", freq="30min", inclusive="left")
    pd.DataFrame({"interval_start": stamps, "energy_kwh": 250.0}).to_parquet(tmp_path / "p.parquet")
    mwh = 0.25 * len(stamps)
    (ppa,) = read_instruments_csv(_csv(tmp_path, _ppa_row("p.parquet", volume=f"{mwh},MWh")))
    assert float(ppa.profile.pint.magnitude.max()) == 500.0  # two half hours to each hour
    assert ppa.volume.to("MWh").magnitude == mwh
    assert "outside" not in ppa.profile_source.note(pd.DatetimeIndex([]))


@pytest.mark.parametrize(
    ("energy", "step", "match"),
    [
        ([1.0, -2.0], "1h", r"line 3: -2 kWh .* generation is not negative"),
        ([1.0, 2.0], "2h", "intervals of one hour or shorter"),
    ],
)
def test_bad_profiles_are_refused(tmp_path: Path, energy: list, step: str, match: str) -> None:
    stamps = pd.date_range("2023-11-10T00:00Z", periods=2, freq=step)
    pd.DataFrame(
        {"interval_start": stamps.strftime("%Y-%m-%dT%H:%M:%S+00:00"), "energy_kwh": energy}
    ).to_csv(tmp_path / "p.csv", index=False)
    with pytest.raises(InputDataError, match=match) as err:
        read_instruments_csv(_csv(tmp_path, _ppa_row("p.csv")))
    assert "instruments.csv, line 2, column profile (instrument 'ppa-1')" in str(err.value)


def test_an_unknown_profile_format_lists_the_choices(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("x\n")
    with pytest.raises(InputDataError, match=r"cannot tell the format .* long-csv, parquet"):
        read_instruments_csv(_csv(tmp_path, _ppa_row("p.txt")))
    with pytest.raises(InputDataError, match=r"'gc' is not a profile format; .*energytag"):
        read_instruments_csv(_csv(tmp_path, _ppa_row("p.txt", fmt="gc")))


def test_a_missing_profile_file_names_the_row(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 2, column profile .*'nope.csv' not found"):
        read_instruments_csv(_csv(tmp_path, _ppa_row("nope.csv")))
