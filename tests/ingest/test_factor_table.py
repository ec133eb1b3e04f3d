"""Generic factor-table CSV: periods, methods, gas vs unit, most-specific lookup."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from carbon.core.errors import (
    AmbiguousUnitError,
    FactorNotFoundError,
    InputDataError,
    PeriodError,
    UnitError,
)
from carbon.core.units import Q_, parse_unit
from carbon.factors.gwp import to_co2e
from carbon.ingest.factor_table import FACTOR_COLUMNS, METHODS, FactorTable, read_factor_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
SAMPLE = DATA / "factor_table_sample.csv"
HEADER = ",".join(FACTOR_COLUMNS)


def _csv(tmp_path: Path, *rows: str, header: str = HEADER, name: str = "factors.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _row(
    region="DE",
    period="2024",
    method="location",
    gas="CO2",
    value="400",
    unit="g CO2/kWh",
    source="src",
    edition="ed",
) -> str:
    return ",".join([region, period, method, gas, value, unit, source, edition])


# ------------------------------------------------------------------ reading
def test_sample_reads_every_row():
    table = read_factor_table(SAMPLE)
    assert isinstance(table, FactorTable)
    frame = table.frame
    assert len(frame) == 11
    assert frame["line"].tolist() == list(range(2, 13))
    assert table.record.rows == 11
    assert len(table.record.sha256) == 64
    assert table.record.start == "2023-01-01T00:00:00"
    assert table.record.end == "2025-01-01T00:00:00"
    assert set(frame["method"]) == {"location", "market-residual", "supplier"}  # aliases
    assert frame["period_kind"].tolist()[:5] == ["year", "year", "month", "hour", "hour"]
    assert frame.loc[3, "hour_start"] == pd.Timestamp("2024-07-01T11:00Z")
    assert "retrieved_at" in frame.columns  # extra columns are kept
    assert table.regions == ("DE", "ERCT", "TXU-green")


def test_factor_table_is_frozen():
    table = read_factor_table(SAMPLE)
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.record = None  # type: ignore[misc]


# ------------------------------------------------------------------ lookup
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2024-07-01T13:30+02:00", 402.0),  # hour row 13:00+02:00 = 11:00Z
        ("2024-07-01T12:59:59Z", 388.0),  # hour row 12:00Z
        (pd.Timestamp("2024-07-01T11:00Z"), 402.0),  # start of the hour is inside
        ("2024-07-01T14:00+02:00", 388.0),  # 12:00Z
        ("2024-07-01T15:00+02:00", 540.25),  # no hour row -> month
        ("2024-08-15T00:00+02:00", 590.0),  # no month row -> year (alias residual_mix)
        ("2023-12-31T23:00+00:00", 610.5),
    ],
)
def test_lookup_picks_hour_over_month_over_year(when, expected):
    q = read_factor_table(SAMPLE).lookup("DE", "market-residual", when)
    assert q.units == parse_unit("g CO2/kWh")
    assert float(q.magnitude) == expected


def test_year_and_month_match_the_wall_clock_of_when():
    table = read_factor_table(SAMPLE)
    # 2024-01-01T00:30+01:00 is still 2023 in UTC, but the calendar year of the
    # time as given is 2024.
    assert float(table.lookup("DE", "market-residual", "2024-01-01T00:30+01:00").magnitude) == 590


def test_naive_when_with_hourly_rows_is_refused():
    table = read_factor_table(SAMPLE)
    with pytest.raises(PeriodError, match=r"needs a timezone"):
        table.lookup("DE", "market-residual", "2024-07-01T13:30")


def test_naive_when_without_hourly_rows_is_fine():
    table = read_factor_table(SAMPLE)
    for when in ("2024-05-01", date(2024, 5, 1), datetime(2024, 5, 1, 12)):
        assert float(table.lookup("DE", "location", when).magnitude) == 0.381
    aware = datetime(2024, 5, 1, tzinfo=UTC)
    assert float(table.lookup("DE", "location", aware).magnitude) == 0.381


def test_lookup_per_gas_and_to_co2e():
    table = read_factor_table(SAMPLE)
    with pytest.raises(FactorNotFoundError, match=r"one factor per gas \(CH4, CO2, N2O\)"):
        table.lookup("ERCT", "location", "2023-06-01")
    ch4 = table.lookup("ERCT", "location", "2023-06-01", gas="ch4")
    assert ch4.units == parse_unit("lb CH4/MWh")
    # The CO2 row stays CO2: it becomes CO2e only through a named GWP set.
    co2 = table.lookup("ERCT", "location", "2023-06-01", gas="CO2")
    assert not co2.is_compatible_with("lb CO2e/MWh")
    assert float(to_co2e(co2, "AR5").to("lb CO2e/MWh").magnitude) == pytest.approx(800.0)


def test_lookup_row_carries_provenance():
    row = read_factor_table(SAMPLE).lookup_row("TXU-green", "supplier", "2024-03-01")
    assert row["source"] == "Example supplier disclosure (made up)"
    assert row["edition"] == "2024 label"
    assert row["gwp_set"] == "AR6"
    assert row["line"] == 12


def test_lookup_region_is_case_insensitive():
    table = read_factor_table(SAMPLE)
    assert table.lookup("erct", "market-residual", "2023-01-01") == Q_(830.125, "lb CO2e/MWh")


def test_not_found_lists_what_exists():
    table = read_factor_table(SAMPLE)
    with pytest.raises(
        FactorNotFoundError, match=r"no factor for FR/location; the table has"
    ) as err:
        table.lookup("FR", "location", "2024-01-01")
    assert "DE/market-residual/CO2" in str(err.value)
    assert isinstance(err.value, KeyError)
    with pytest.raises(FactorNotFoundError, match=r"periods in the table: 2023, 2024, 2024-07"):
        table.lookup("DE", "market-residual", "2022-05-01T00:00Z")
    with pytest.raises(FactorNotFoundError, match=r"unknown method 'grid'; valid: location"):
        table.lookup("DE", "grid", "2024-01-01")


def test_unreadable_when():
    with pytest.raises(PeriodError, match=r"cannot read the time"):
        read_factor_table(SAMPLE).lookup("DE", "location", "soon")


# ------------------------------------------------------------------ checks
def test_gas_must_match_the_unit(tmp_path):
    path = _csv(tmp_path, _row(), _row(period="2023", unit="g CO2e/kWh"))
    with pytest.raises(
        UnitError, match=r"line 3: gas is CO2 but unit 'g CO2e/kWh' is a unit of CO2e"
    ):
        read_factor_table(path)


def test_unit_must_be_mass_per_energy(tmp_path):
    path = _csv(tmp_path, _row(unit="kg CO2"))
    with pytest.raises(UnitError, match=r"line 2: .* expected CO2 mass per energy"):
        read_factor_table(path)


def test_ambiguous_unit_is_refused(tmp_path):
    path = _csv(tmp_path, _row(unit="ton CO2/MWh"))
    with pytest.raises(AmbiguousUnitError, match=r"factors.csv: line 2: ambiguous unit 'ton'"):
        read_factor_table(path)


def test_unknown_method_lists_the_choices(tmp_path):
    path = _csv(tmp_path, _row(), _row(method="average"))
    with pytest.raises(InputDataError, match=r"line 3: method 'average' is not allowed") as err:
        read_factor_table(path)
    for method in METHODS:
        assert method in str(err.value)


@pytest.mark.parametrize(
    "period",
    ["24", "2024-13", "2024-07-01", "2024-07-01T13:00", "2024-07-01T13:30Z", "July 2024"],
)
def test_bad_periods(tmp_path, period):
    path = _csv(tmp_path, _row(period=period))
    with pytest.raises(InputDataError, match=r"line 2: period .* is not a year"):
        read_factor_table(path)


def test_hour_without_offset_gets_a_hint(tmp_path):
    path = _csv(tmp_path, _row(period="2024-07-01T13:00"))
    with pytest.raises(InputDataError, match=r"needs an offset"):
        read_factor_table(path)


def test_duplicate_rows_name_both_lines(tmp_path):
    # 13:00+02:00 and 11:00Z are the same hour.
    path = _csv(
        tmp_path,
        _row(period="2024"),
        _row(period="2024-07-01T13:00+02:00"),
        _row(period="2024-07-01T11:00Z"),
    )
    with pytest.raises(InputDataError, match=r"line 4: duplicates line 3"):
        read_factor_table(path)


def test_same_period_different_gas_is_not_a_duplicate(tmp_path):
    path = _csv(tmp_path, _row(), _row(gas="CH4", unit="g CH4/kWh", value="0.01"))
    assert len(read_factor_table(path).frame) == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"value": "-1"}, "value '-1' is not a non-negative number"),
        ({"value": ""}, "value '' is not a non-negative number"),
        ({"value": "n/a"}, "value 'n/a'"),
        ({"gas": "SF6"}, "gas 'SF6' is not one of CO2, CH4, N2O, CO2e"),
        ({"region": ""}, "region is empty"),
        ({"source": ""}, "source is empty"),
        ({"edition": ""}, "edition is empty"),
    ],
)
def test_row_errors_name_the_line(tmp_path, change, message):
    path = _csv(tmp_path, _row(), _row(period="2023", **change))
    with pytest.raises(InputDataError, match=f"factors.csv: line 3: {message}"):
        read_factor_table(path)


def test_missing_columns(tmp_path):
    path = _csv(tmp_path, "DE,2024,location", header="region,period,method")
    with pytest.raises(InputDataError, match=r"line 1: missing column.*gas, value, unit"):
        read_factor_table(path)


def test_optional_gwp_set_and_basis_are_checked(tmp_path):
    header = HEADER + ",gwp_set,basis"
    path = _csv(tmp_path, _row(gas="CO2e", unit="g CO2e/kWh") + ",AR7,direct", header=header)
    with pytest.raises(InputDataError, match=r"gwp_set 'AR7' is not one of"):
        read_factor_table(path)
    path = _csv(tmp_path, _row() + ",,upstream", header=header)
    with pytest.raises(InputDataError, match=r"basis 'upstream' is not one of direct, lifecycle"):
        read_factor_table(path)
    path = _csv(tmp_path, _row(gas="CO2e", unit="g CO2e/kWh") + ",ar6,Direct", header=header)
    frame = read_factor_table(path).frame
    assert (frame.loc[0, "gwp_set"], frame.loc[0, "basis"]) == ("AR6", "direct")


def test_bom_and_spaces_are_tolerated(tmp_path):
    path = tmp_path / "excel.csv"
    text = HEADER + "\n" + _row(region=" DE ", method=" Location ") + "\n"
    path.write_text(text, encoding="utf-8-sig")
    assert float(read_factor_table(path).lookup("DE", "location", "2024-02-01").magnitude) == 400
