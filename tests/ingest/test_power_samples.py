"""Power sampled at instants (long CSV stamped ``timestamp``): spans between samples holding
the trapezoid of power (carbon.ingest.power_samples). Hand values from
tests/data/meters/pdu_power_samples.csv."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.ingest.meters_long_csv import read_meters_csv

DATA = Path(__file__).parents[1] / "data" / "meters"


def test_each_pair_of_samples_is_a_span_holding_the_trapezoid():
    table = read_meters_csv(DATA / "pdu_power_samples.csv")
    assert f"{table.unit:~}" == "kWh"
    assert table.interval is None  # spans: put on the meter grid by the quality stage
    a1 = table.frame[table.frame["meter_id"] == "PDU-A1"]
    # 00:00:17 → 00:15:14 is 897 s at (40 + 41)/2 kW: 40.5 × 897 / 3600 kWh
    assert a1["value"].iloc[0] == pytest.approx(40.5 * 897 / 3600, rel=1e-12)
    seconds = np.array([897, 904, 902, 895])
    mean_kw = np.array([40.5, 41.5, 42.5, 43.5])
    assert a1["value"].to_numpy() == pytest.approx(mean_kw * seconds / 3600, rel=1e-12)
    assert a1["power_start"].tolist() == [40.0, 41.0, 42.0, 43.0]
    assert a1["power_end"].tolist() == [41.0, 42.0, 43.0, 44.0]
    assert (a1["flag"] == int(Flag.MEASURED)).all()
    assert a1["line"].tolist() == [4, 6, 8, 10]  # the line of the sample closing the span


def test_an_empty_sample_leaves_both_its_spans_unusable():
    table = read_meters_csv(DATA / "pdu_power_samples.csv")
    a2 = table.frame[table.frame["meter_id"] == "PDU-A2"]
    assert a2["value"].iloc[0] == pytest.approx(12.0 * 902 / 3600, rel=1e-12)
    assert np.isnan(a2["value"].iloc[1]) and np.isnan(a2["value"].iloc[2])
    assert a2["flag"].tolist()[1:3] == [int(Flag.SOURCE_MISSING)] * 2
    assert a2["value"].iloc[3] == pytest.approx(12.5 * 901 / 3600, rel=1e-12)


def test_a_meter_sampled_twice_at_one_instant_is_an_error(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text(
        "timestamp,meter_id,power_kw\n2025-07-01T00:00:17Z,P,1\n2025-07-01T00:00:17Z,P,2\n"
        "2025-07-01T00:15:17Z,P,2\n",
        encoding="utf-8",
    )
    with pytest.raises(InputDataError, match=r"line 3: meter 'P' is read twice"):
        read_meters_csv(path)


def test_a_single_sample_and_energy_at_instants_are_errors(tmp_path):
    single = tmp_path / "single.csv"
    single.write_text(
        "timestamp,meter_id,power_w\n2025-07-01T00:00:17Z,P,1\n2025-07-01T00:00:17Z,Q,1\n"
        "2025-07-01T00:15:17Z,Q,1\n",
        encoding="utf-8",
    )
    with pytest.raises(InputDataError, match=r"line 2: meter 'P' has a single power sample"):
        read_meters_csv(single)
    energy = tmp_path / "energy.csv"
    energy.write_text(
        "timestamp,meter_id,energy_kwh\n2025-07-01T00:00:17Z,P,1\n2025-07-01T00:15:17Z,P,1\n",
        encoding="utf-8",
    )
    with pytest.raises(UnitError, match="samples at instants must be power"):
        read_meters_csv(energy)
