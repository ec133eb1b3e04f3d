"""Factors from the site's declared tables: the annual rate per region and year, the residual
mix per hour (hour over month over year, in the site's local calendar), and who is a US site."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.accounting.annual_factors import is_us_site, location_factors_for
from carbon.accounting.claims import ClaimContext
from carbon.accounting.market import market_based
from carbon.accounting.table_factors import annual_table_factor, residual_mix_on_hours
from carbon.core.errors import ConfigError
from carbon.core.quantified import quantified
from carbon.core.units import Q_
from carbon.ingest.factor_table import read_factor_table
from tests.conftest import tiny_site

HEADER = "region,period,method,gas,value,unit,source,edition,gwp_set,licence,url\n"


def _table(tmp_path: Path, rows: str):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return read_factor_table(path)


def test_annual_factor_takes_the_year_or_the_latest_before(tmp_path: Path) -> None:
    table = _table(
        tmp_path,
        "GB,2022,location,CO2e,0.19,kg CO2e/kWh,Pub A,ed 22,AR5,OGL,https://a\n"
        "GB,2023,location,CO2e,0.21,kg CO2e/kWh,Pub A,ed 23,AR5,OGL,https://a\n"
        "FR,2024,location,CO2e,0.05,kg CO2e/kWh,Pub B,ed 24,,,\n",
    )
    exact, why = annual_table_factor(table, "gb", 2023, "AR5")
    assert why is None and exact.exact_year and exact.data_year == 2023
    assert exact.rate.to("g CO2e/kWh").magnitude == pytest.approx(210.0, rel=1e-12)
    assert exact.table.line == 3 and exact.table.licence == "OGL" and exact.table.url == "https://a"
    later, _ = annual_table_factor(table, "GB", 2025, "AR5")
    assert not later.exact_year and later.data_year == 2023
    assert "no 2025 factor for GB; the latest, for 2023, is used" in later.note(2025)
    none, why = annual_table_factor(table, "GB", 2021, "AR5")
    assert none is None and "for 2021 or an earlier year" in why
    fr, _ = annual_table_factor(table, "FR", 2024, "AR6")
    assert fr.table.licence == "not stated" and fr.table.url == ""


def test_per_gas_rows_are_recomputed_under_the_report_gwp_set(tmp_path: Path) -> None:
    table = _table(
        tmp_path,
        "GB,2024,location,CO2,200,g CO2/kWh,Pub,ed,,,\n"
        "GB,2024,location,CH4,0.5,g CH4/kWh,Pub,ed,,,\n"
        "GB,2024,location,N2O,0.1,g N2O/kWh,Pub,ed,,,\n"
        "GB,2024,location,CO2e,999,g CO2e/kWh,Pub,ed,AR4,,\n",
    )
    factor, _ = annual_table_factor(table, "GB", 2024, "AR6")
    want = 200 + 0.5 * 29.8 + 0.1 * 273  # AR6: fossil CH4 29.8, N2O 273 (methodology §9)
    assert factor.recomputed
    assert factor.rate.to("g CO2e/kWh").magnitude == pytest.approx(want, rel=1e-12)
    same_set, _ = annual_table_factor(table, "GB", 2024, "AR4")  # the embedded set: as published
    assert not same_set.recomputed
    assert same_set.rate.to("g CO2e/kWh").magnitude == pytest.approx(999.0)


def test_a_co2_only_row_is_labelled(tmp_path: Path) -> None:
    table = _table(tmp_path, "GB,2024,location,CO2,180,g CO2/kWh,Pub,ed,,,\n")
    factor, _ = annual_table_factor(table, "GB", 2024, "AR6")
    assert factor.rate.to("g CO2e/kWh").magnitude == pytest.approx(180.0)
    assert "CO2 only" in factor.gas_note


def test_residual_mix_hour_over_month_over_year_in_local_time(tmp_path: Path) -> None:
    table = _table(
        tmp_path,
        "GB,2024,market-residual,CO2,400,g CO2/kWh,Pub,ed,,,\n"
        "GB,2024-07,market-residual,CO2,300,g CO2/kWh,Pub,ed,,,\n"
        "GB,2024-07-01T12:00+01:00,market-residual,CO2e,111,g CO2e/kWh,Pub,ed,,,\n",
    )
    # 30 June 22:00 UTC to 1 July 12:00 UTC; Europe/London is UTC+1 in summer
    hours = pd.date_range("2024-06-30 22:00", periods=15, freq="h")
    series, used = residual_mix_on_hours(table, "GB", hours, "Europe/London")
    values = np.asarray(series.pint.to("g CO2e/kWh").pint.magnitude)
    assert values[0] == 400.0  # 23:00 local on 30 June: the year row
    assert values[1] == 300.0  # 00:00 local on 1 July: the month row
    assert values[hours.get_loc(pd.Timestamp("2024-07-01 11:00"))] == 111.0  # 12:00+01:00
    assert [p.line for p in used] == [2, 3, 4]
    outside = residual_mix_on_hours(
        table, "GB", pd.date_range("2025-01-01", periods=2, freq="h"), "UTC"
    )[0]
    assert np.isnan(np.asarray(outside.pint.magnitude)).all() and outside.size == 2


def test_who_is_a_us_site() -> None:
    assert is_us_site(tiny_site())  # ERCT is an eGRID subregion
    gb = {"id": "g", "name": "G", "timezone": "UTC", "grid_region": "GB"}
    assert not is_us_site(tiny_site(site=gb))
    assert not is_us_site(tiny_site(site={**gb, "grid_region": "ERCT", "country": "gb"}))
    assert location_factors_for(tiny_site(site=gb), 2024) == (None, None)


def test_a_declared_table_replaces_egrid_for_a_us_site_too(tmp_path: Path) -> None:
    table = _table(tmp_path, "ERCT,2024,location,CO2e,0.4,kg CO2e/kWh,Utility,2024,,,\n")
    regional, national = location_factors_for(tiny_site(), 2024, table)
    assert regional.table is not None and regional.rate.to("g CO2e/kWh").magnitude == 400.0
    assert national is not None and national.region == "US"


def test_site_file_keys_are_checked() -> None:
    gb = {"id": "g", "name": "G", "timezone": "UTC", "grid_region": "GB"}
    with pytest.raises(ConfigError, match="country"):
        tiny_site(site={**gb, "country": "GBR"})
    with pytest.raises(ConfigError, match=r"factors\.anual"):
        tiny_site(site=gb, factors={"anual": "t.csv"})
    site = tiny_site(site=gb, factors={"annual": "t.csv", "region": "GB-13"})
    assert site.factor_region == "GB-13"
    assert tiny_site().sha256() == tiny_site(factors={}).sha256()  # no tables: hash unchanged


def test_market_remainder_takes_the_table_then_the_flagged_grid_average() -> None:
    hours = pd.date_range("2024-06-30 22:00", periods=4, freq="h")
    load = quantified(
        np.array([[10.0, 20.0, 30.0, 40.0]]),
        "kWh",
        ("workload", "time"),
        {"workload": ["ai"], "time": hours.to_numpy()},
    )
    table = quantified(
        np.array([np.nan, 300.0, 300.0, np.nan]), "g CO2e/kWh", ("time",), {"time": hours}
    )
    context = ClaimContext(reporter="R", site_id="s", market_boundary="GB")
    result = market_based(
        load, [], context, residual_table=table, grid_average=Q_(0.1, "kg CO2e/kWh")
    )
    # hours 1-2 at the table's 300 g/kWh, hours 0 and 3 at the grid average 100 g/kWh
    want = (20 + 30) * 0.3 + (10 + 40) * 0.1
    assert float(result.total_hourly.sum().pint.magnitude) == pytest.approx(want, rel=1e-12)
    assert list(result.remainder_source.values) == [
        "grid_average",
        "residual_mix",
        "residual_mix",
        "grid_average",
    ]
    assert any(
        "residual mix unavailable; grid average used (2 of 4 hours)" in n for n in result.notes
    )
    with pytest.raises(ConfigError, match=r"\[factors\] residual_mix"):
        market_based(
            load, [], context, residual_table=table, residual_factor=Q_(0.3, "kg CO2e/kWh")
        )
