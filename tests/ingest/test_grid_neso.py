"""NESO Carbon Intensity API: from = interval start, actual vs forecast, regional shapes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.units import parse_unit
from carbon.ingest.grid_neso import read_neso
from carbon.ingest.grid_table import grid_from_table

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
NATIONAL = DATA / "neso_national_dst_spring.json"
SNAPSHOT = DATA / "neso_regional_snapshot.json"
REGION_13 = DATA / "neso_regional_regionid_13.json"
POSTCODE = DATA / "neso_regional_postcode_object.json"


def _write(tmp_path: Path, data: object, name: str = "ci.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"data": data}), encoding="utf-8")
    return path


def _half_hour(start: str, forecast=100, actual=None, index="low", end: str | None = None):
    stamp = pd.Timestamp(start)
    end = end or (stamp + pd.Timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%MZ")
    return {
        "from": start,
        "to": end,
        "intensity": {"forecast": forecast, "actual": actual, "index": index},
    }


# ------------------------------------------------------------------ national
def test_national_shape_unit_gas_and_region():
    table = read_neso(NATIONAL)
    assert table.region == "GB"
    assert table.unit == parse_unit("g CO2/kWh")
    assert table.gas == "CO2"  # the API states gCO2/kWh, CO2 only
    assert table.kind == "average"
    assert table.basis == "direct"
    assert table.resolution == pd.Timedelta(minutes=30)
    assert table.meta["shape"] == "national"
    frame = table.frame
    assert list(frame.columns) == ["interval_start", "value", "flag", "line"]
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["flag"].dtype == np.int8
    assert frame["line"].tolist() == list(range(1, 8))  # rows conserved


def test_from_is_the_interval_start_across_the_bst_change():
    # 2024-03-31 01:00 UTC: clocks go forward in the UK. The API is UTC, so the
    # half-hours stay regular: no hole, no shift.
    starts = pd.DatetimeIndex(read_neso(NATIONAL).frame["interval_start"])
    expected = pd.date_range("2024-03-30T23:30Z", "2024-03-31T02:30Z", freq="30min")
    assert (starts == expected).all()
    record = read_neso(NATIONAL).record
    assert record.start == "2024-03-30T23:30:00+00:00"
    assert record.end == "2024-03-31T03:00:00+00:00"


def test_actual_where_present_else_forecast_else_missing():
    frame = read_neso(NATIONAL).frame
    values = frame["value"].tolist()
    assert values[:4] == [118.0, 117.0, 115.0, 101.0]  # line 3 has actual null -> forecast
    assert np.isnan(values[4])
    assert values[5:] == [64.0, 230.0]
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.MEASURED,
        Flag.SOURCE_ESTIMATED,
        Flag.MEASURED,
        Flag.SOURCE_MISSING,
        Flag.SOURCE_ESTIMATED,
        Flag.MEASURED,
    ]
    meta = read_neso(NATIONAL).meta
    assert (meta["actual_points"], meta["forecast_only_points"], meta["missing_points"]) == (
        "4",
        "2",
        "1",
    )
    assert "low=4" in meta["index_counts"]


def test_grid_from_table_labels_co2_only():
    grid = grid_from_table(read_neso(NATIONAL))
    assert "CO2-only" in grid.gas_note
    assert grid.flags.sizes["time"] == 7
    assert float(grid.intensity.isel(time=0).pint.magnitude) == 118.0


def test_national_file_refuses_a_region():
    with pytest.raises(InputDataError, match=r"national .* no region 'London'"):
        read_neso(NATIONAL, region="London")


# ------------------------------------------------------------------ regional
def test_regional_snapshot_needs_a_region_and_lists_them():
    with pytest.raises(InputDataError, match=r"3 regions.*1 \(North Scotland\), 13 \(London\)"):
        read_neso(SNAPSHOT)


@pytest.mark.parametrize("region", ["London", "london", 13, "13"])
def test_regional_snapshot_by_id_or_short_name(region):
    table = read_neso(SNAPSHOT, region=region)
    assert table.region == "GB-13"
    assert table.meta["shortname"] == "London"
    assert table.meta["shape"] == "regional snapshot"
    assert table.frame["value"].tolist() == [145.0, 140.0]
    # Regional data is forecast only.
    assert (table.frame["flag"] == Flag.SOURCE_ESTIMATED).all()


def test_regional_series_across_the_autumn_change():
    table = read_neso(REGION_13)
    starts = pd.DatetimeIndex(table.frame["interval_start"])
    assert (starts == pd.date_range("2024-10-27T00:00Z", periods=4, freq="30min")).all()
    assert table.meta["dnoregion"] == "UKPN"
    assert table.meta["forecast_only_points"] == "4"


def test_regional_data_as_an_object_with_postcode():
    table = read_neso(POSTCODE)
    assert table.region == "GB-12"
    assert table.meta["postcode"] == "RG10"
    assert read_neso(POSTCODE, region="rg10").frame["value"].tolist() == [88.0, 85.0]


def test_unknown_region_lists_present():
    with pytest.raises(InputDataError, match=r"no region 'Mars'; present: 1 \(North Scotland\)"):
        read_neso(SNAPSHOT, region="Mars")


# ------------------------------------------------------------------ errors
def test_window_not_thirty_minutes(tmp_path):
    data = [
        _half_hour("2024-01-01T00:00Z"),
        _half_hour("2024-01-01T00:30Z", end="2024-01-01T01:30Z"),
    ]
    with pytest.raises(InputDataError, match=r"ci\.json: data\[1\]: .* not a 30-minute"):
        read_neso(_write(tmp_path, data))


def test_stamp_without_z_is_an_error(tmp_path):
    data = [_half_hour("2024-01-01T00:00Z", end="2024-01-01T00:30")]
    with pytest.raises(InputDataError, match=r"data\[0\]\.to: '2024-01-01T00:30'"):
        read_neso(_write(tmp_path, data))


def test_non_numeric_actual_names_the_element(tmp_path):
    data = [_half_hour("2024-01-01T00:00Z"), _half_hour("2024-01-01T00:30Z", actual="n/a")]
    with pytest.raises(InputDataError, match=r"data\[1\]\.intensity\.actual: 'n/a'"):
        read_neso(_write(tmp_path, data))


def test_boolean_is_not_a_number(tmp_path):
    data = [_half_hour("2024-01-01T00:00Z", forecast=True)]
    with pytest.raises(InputDataError, match=r"intensity\.forecast: True"):
        read_neso(_write(tmp_path, data))


def test_unknown_index(tmp_path):
    data = [_half_hour("2024-01-01T00:00Z", index="extreme")]
    with pytest.raises(InputDataError, match=r"'extreme' is not one of very low"):
        read_neso(_write(tmp_path, data))


def test_generation_response_is_refused(tmp_path):
    data = [{"from": "2024-01-01T00:00Z", "to": "2024-01-01T00:30Z", "generationmix": []}]
    with pytest.raises(InputDataError, match=r"/generation response"):
        read_neso(_write(tmp_path, data))


def test_not_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("<html>", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"x.json: not a readable JSON file"):
        read_neso(path)


def test_duplicates_are_kept_not_dropped(tmp_path):
    data = [_half_hour("2024-01-01T00:00Z"), _half_hour("2024-01-01T00:00Z", forecast=90)]
    table = read_neso(_write(tmp_path, data))
    assert len(table.frame) == 2
    with pytest.raises(InputDataError, match=r"line 2: interval .* appears twice"):
        grid_from_table(table)


# ------------------------------------------------------------------ the carbon-free share
def test_carbon_free_share_from_the_regional_generation_mix():
    frame = read_neso(DATA / "neso_regional_regionid_13.json").frame
    # data[0].data[0]: gas 41.5 %, wind 58.5 %.
    assert frame["cfe_share"].tolist() == pytest.approx([0.585, 0.598, 0.61, 0.63])


def test_imports_are_in_neither_sum_and_an_empty_mix_has_no_share():
    table = read_neso(DATA / "neso_regional_snapshot.json", region=13)
    # First half-hour of London: gas 40.2, wind 30.0, imports 29.8 -> 30.0 / 70.2.
    assert table.frame["cfe_share"].iloc[0] == pytest.approx(30.0 / 70.2, rel=1e-12)
    assert np.isnan(table.frame["cfe_share"].iloc[1])  # generationmix: []
    assert "imports left out of both sums" in table.meta["cfe_basis"]


def test_national_intensity_has_no_share():
    table = read_neso(DATA / "neso_national_dst_spring.json")
    assert "cfe_share" not in table.frame.columns and "cfe_basis" not in table.meta


def test_unknown_fuel_in_the_mix_names_the_element(tmp_path):
    point = _half_hour("2024-01-01T00:00Z") | {
        "generationmix": [{"fuel": "wind", "perc": 50}, {"fuel": "fusion", "perc": 50}]
    }
    data = [{"regionid": 1, "shortname": "North Scotland", "data": [point]}]
    with pytest.raises(InputDataError, match=r"data\[0\]\.data\[0\]\.generationmix\[1\]"):
        read_neso(_write(tmp_path, data))


def test_negative_percentage_counts_zero(tmp_path):
    point = _half_hour("2024-01-01T00:00Z") | {
        "generationmix": [
            {"fuel": "hydro", "perc": -2},
            {"fuel": "wind", "perc": 60},
            {"fuel": "gas", "perc": 42},
        ]
    }
    data = [{"regionid": 1, "shortname": "North Scotland", "data": [point]}]
    table = read_neso(_write(tmp_path, data))
    assert table.frame["cfe_share"].iloc[0] == pytest.approx(60 / 102, rel=1e-12)
    assert table.meta["cfe_basis"].endswith("negative percentages counted as zero: 1")
