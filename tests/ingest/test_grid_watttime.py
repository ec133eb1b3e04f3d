"""WattTime v3 MOER / AOER: JSON and client CSV, marginal vs average, model date, flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.units import Q_, parse_unit
from carbon.ingest.grid_table import grid_from_table
from carbon.ingest.grid_watttime import read_watttime

DATA = Path(__file__).resolve().parents[1] / "data" / "grid"
MOER = DATA / "watttime_caiso_north_moer.json"
AOER = DATA / "watttime_caiso_north_aoer.json"
CHUNKS = DATA / "watttime_historical_chunks.json"
FORECAST = DATA / "watttime_forecast_moer.json"
HEALTH = DATA / "watttime_health_damage.json"
CLIENT_CSV = DATA / "CAISO_NORTH_co2_moer_2022-07-15_2022-07-16.csv"
META_CSV = DATA / "watttime_meta_column.csv"


def _response(tmp_path: Path, data: list, name: str = "r.json", **meta) -> Path:
    base = {
        "region": "CAISO_NORTH",
        "signal_type": "co2_moer",
        "units": "lbs_co2_per_mwh",
        "data_point_period_seconds": 300,
        "model": {"date": "2023-03-01"},
    }
    base.update(meta)
    path = tmp_path / name
    path.write_text(json.dumps({"data": data, "meta": base}), encoding="utf-8")
    return path


# ------------------------------------------------------------------ shape, units, kind
def test_moer_json_is_marginal_lb_co2_per_mwh():
    table = read_watttime(MOER)
    assert table.kind == "marginal"
    assert table.gas == "CO2"
    assert table.unit == parse_unit("lb CO2/MWh")
    assert table.region == "CAISO_NORTH"
    assert table.resolution == pd.Timedelta(minutes=5)
    assert table.meta["model_date"] == "2023-03-01"
    assert table.meta["signal_type"] == "co2_moer"
    assert "EXAMPLE_WARNING" in table.meta["warnings"]
    frame = table.frame
    assert list(frame.columns) == ["interval_start", "value", "flag", "line"]
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["value"].dtype == np.float64
    assert frame["flag"].dtype == np.int8
    assert frame["line"].dtype == np.int64
    assert frame["value"].tolist() == [870.0, 866.5, 861.0, 902.0, 0.0]


def test_aoer_is_average_and_kept_apart_from_moer():
    moer, aoer = read_watttime(MOER), read_watttime(AOER)
    assert aoer.kind == "average"
    assert moer.kind == "marginal"
    assert aoer.meta["model_date"] == "2024-10-01"


def test_value_converts_with_pint_not_by_hand():
    table = read_watttime(AOER)
    q = Q_(table.frame["value"].iloc[1], table.unit)
    assert float(q.to("kg CO2/MWh").magnitude) == pytest.approx(508 * 0.45359237, rel=1e-12)


# ------------------------------------------------------------------ time
def test_point_time_with_any_offset_becomes_utc_interval_start():
    frame = read_watttime(MOER).frame
    # "2022-07-14T17:15:00-07:00" and "...Z" are the same 5-minute grid in UTC.
    expected = pd.date_range("2022-07-15T00:00Z", periods=5, freq="5min")
    assert (pd.DatetimeIndex(frame["interval_start"]) == expected).all()
    assert read_watttime(MOER).record.end == "2022-07-15T00:25:00+00:00"


def test_stamp_without_offset_is_an_error(tmp_path):
    path = _response(tmp_path, [{"point_time": "2022-07-15T00:00:00", "value": 1}])
    with pytest.raises(InputDataError, match=r"r\.json: data\[0\]: point_time .* offset"):
        read_watttime(path)


# ------------------------------------------------------------------ flags
def test_imputed_marker_is_source_estimated():
    flags = read_watttime(MOER).frame["flag"].tolist()
    assert flags == [Flag.MEASURED, Flag.MEASURED, Flag.SOURCE_ESTIMATED, 0, 0]
    assert read_watttime(MOER).meta["imputed_points"] == "1"


def test_forecast_rows_are_source_estimated():
    table = read_watttime(FORECAST)
    assert (table.frame["flag"] == Flag.SOURCE_ESTIMATED).all()
    assert table.meta["forecast"] == "true"
    assert table.meta["generated_at"] == "2024-01-10T17:58:00+00:00"


def test_generated_at_per_row_marks_forecast(tmp_path):
    data = [
        {"point_time": "2024-01-10T18:00:00+00:00", "value": 1, "generated_at": "x"},
        {"point_time": "2024-01-10T18:05:00+00:00", "value": 2},
    ]
    flags = read_watttime(_response(tmp_path, data)).frame["flag"].tolist()
    assert flags == [Flag.SOURCE_ESTIMATED, Flag.MEASURED]


def test_null_value_is_source_missing_and_kept(tmp_path):
    data = [
        {"point_time": "2022-07-15T00:00:00+00:00", "value": None},
        {"point_time": "2022-07-15T00:05:00+00:00", "value": 5},
    ]
    frame = read_watttime(_response(tmp_path, data)).frame
    assert len(frame) == 2
    assert np.isnan(frame["value"].iloc[0])
    assert frame["flag"].tolist() == [Flag.SOURCE_MISSING, Flag.MEASURED]


def test_non_numeric_value_names_the_point(tmp_path):
    data = [
        {"point_time": "2022-07-15T00:00:00+00:00", "value": 1},
        {"point_time": "2022-07-15T00:05:00+00:00", "value": "high"},
    ]
    with pytest.raises(InputDataError, match=r"data\[1\]: value 'high' is not a number"):
        read_watttime(_response(tmp_path, data))


# ------------------------------------------------------------------ refusals
def test_health_damage_signal_is_refused():
    with pytest.raises(InputDataError, match=r"health_damage.*not a CO2 intensity"):
        read_watttime(HEALTH)


def test_unknown_signal_lists_choices(tmp_path):
    path = _response(tmp_path, [], signal_type="co2_xyz")
    with pytest.raises(InputDataError, match=r"co2_moer, co2_aoer"):
        read_watttime(path)


def test_unknown_units_is_unit_error(tmp_path):
    path = _response(tmp_path, [{"point_time": "2022-07-15T00:00Z", "value": 1}], units="kg_mwh")
    with pytest.raises(UnitError, match=r"lbs_co2_per_mwh"):
        read_watttime(path)


def test_marginal_series_is_refused_for_the_inventory():
    # METHODOLOGY 1.2: MOER never enters the location-based inventory.
    with pytest.raises(InputDataError, match=r"marginal"):
        grid_from_table(read_watttime(MOER))


def test_aoer_goes_through_grid_from_table_as_co2_only():
    grid = grid_from_table(read_watttime(AOER))
    assert "CO2-only" in grid.gas_note
    value = float(grid.intensity.isel(time=0).pint.to("g CO2e/kWh").pint.magnitude)
    assert value == pytest.approx(512.25 * 0.45359237)


def test_not_a_watttime_response(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"history": []}', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"x.json: top level: not a WattTime v3 response"):
        read_watttime(path)


def test_historical_forecast_shape_is_refused_with_reason(tmp_path):
    data = [{"generated_at": "2024-01-01T00:00Z", "forecast": []}]
    with pytest.raises(InputDataError, match=r"forecast/historical"):
        read_watttime(_response(tmp_path, data))


# ------------------------------------------------------------------ chunks
def test_array_of_chunk_responses_is_concatenated():
    table = read_watttime(CHUNKS)
    assert table.frame["line"].tolist() == [1, 2, 3]
    assert table.frame["value"].tolist() == [901.0, 899.0, 897.0]


def test_chunks_with_different_model_dates_are_refused(tmp_path):
    doc = json.loads(CHUNKS.read_text(encoding="utf-8"))
    doc[1]["meta"]["model"]["date"] = "2024-01-01"
    path = tmp_path / "chunks.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InputDataError, match=r"model_date is '2024-01-01' but '2023-03-01'"):
        read_watttime(path)


def test_period_seconds_sets_resolution(tmp_path):
    path = _response(
        tmp_path,
        [{"point_time": "2022-07-15T00:00Z", "value": 1}],
        data_point_period_seconds=3600,
    )
    assert read_watttime(path).resolution == pd.Timedelta(hours=1)


# ------------------------------------------------------------------ CSV
def test_client_csv_takes_region_and_signal_from_the_file_name():
    table = read_watttime(CLIENT_CSV)
    assert table.region == "CAISO_NORTH"
    assert table.kind == "marginal"
    assert table.meta["region_from"] == "file name"
    assert table.meta["model_date"].startswith("unknown")
    frame = table.frame
    assert frame["line"].tolist() == [2, 3, 4, 5]  # rows conserved, CSV line numbers
    assert frame["flag"].tolist() == [0, 0, Flag.SOURCE_MISSING, 0]
    assert frame["interval_start"].iloc[0] == pd.Timestamp("2022-07-15T00:00Z")


def test_client_csv_model_date_argument():
    table = read_watttime(CLIENT_CSV, model_date="2023-03-01")
    assert table.meta["model_date"] == "2023-03-01"


def test_csv_meta_column_holds_the_response_meta_as_python_text():
    table = read_watttime(META_CSV)
    assert table.kind == "average"
    assert table.meta["model_date"] == "2024-10-01"
    assert table.frame["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_ESTIMATED]


def test_csv_without_signal_needs_an_argument(tmp_path):
    path = tmp_path / "moer.csv"
    shutil.copy(CLIENT_CSV, path)
    with pytest.raises(InputDataError, match=r"pass signal_type="):
        read_watttime(path, region="CAISO_NORTH")
    assert read_watttime(path, region="CAISO_NORTH", signal_type="co2_aoer").kind == "average"


def test_argument_contradicting_the_file_is_an_error():
    with pytest.raises(InputDataError, match=r"signal_type='co2_moer' but signal_type='co2_aoer'"):
        read_watttime(MOER, signal_type="co2_aoer")


def test_csv_missing_columns(tmp_path):
    path = tmp_path / "CAISO_NORTH_co2_moer_2022-07-15_2022-07-16.csv"
    path.write_text("timestamp,MOER\n2022-07-15T00:00Z,1\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=r"line 1: missing column.*point_time"):
        read_watttime(path)


def test_record_hashes_the_file():
    record = read_watttime(MOER).record
    assert len(record.sha256) == 64
    assert record.rows == 5
    assert "co2_moer" in record.kind
