import numpy as np
import pandas as pd

from carbon.demo import site as demo
from carbon.demo.timeline import CONVERSION_AT, TIMEZONE
from carbon.factors.egrid import egrid_co2e_rate


def test_demo_is_deterministic_and_a_full_year_of_15_minute_data() -> None:
    a, b = demo.generate(), demo.generate()
    assert demo.frame_sha256(a.meter_readings) == demo.frame_sha256(b.meter_readings)
    assert demo.frame_sha256(a.grid_intensity) == demo.frame_sha256(b.grid_intensity)
    times = pd.DatetimeIndex(a.meter_readings["interval_start"].unique())
    assert len(times) == 365 * 96
    assert times.min().isoformat() == "2025-01-01T06:00:00+00:00"  # local midnight, CST
    assert (np.diff(times.as_unit("ns").asi8) == pd.Timedelta("15min").value).all()
    assert len(a.grid_intensity) == 8760


def test_one_hall_converts_from_mining_to_ai() -> None:
    site = demo.demo_site()
    hall = next(m for m in site.meters if m.id == "HALL-D")
    spans = hall.workload_spans()
    assert [s[2] for s in spans] == ["mining", "ai"]
    assert spans[0][1] == CONVERSION_AT
    assert {m.workload for m in site.meters if m.role == "it" and isinstance(m.workload, str)} == {
        "mining",
        "ai",
    }


def test_synthetic_intensity_is_calibrated_to_egrid2023rev2_erct() -> None:
    rate, recomputed = egrid_co2e_rate("ERCT", "egrid2023rev2")
    target = rate.to("g CO2e/kWh").magnitude
    assert not recomputed
    assert target == __import__("pytest").approx(736.629 * 0.45359237, rel=1e-12)
    grid = demo._grid_intensity(target, np.random.default_rng(demo.SEED))
    weighted = np.sum(grid["intensity_gco2e_per_kwh"] * grid["system_load_gw"]) / np.sum(
        grid["system_load_gw"]
    )
    assert abs(weighted - target) < 1e-9 * target
    # a realistic shape: some hours cleaner and some dirtier than the mean by a clear margin
    assert grid["intensity_gco2e_per_kwh"].min() < 0.7 * target
    assert grid["intensity_gco2e_per_kwh"].max() > 1.2 * target


def test_mining_curtails_and_ai_does_not() -> None:
    inputs = demo.generate()
    frame = inputs.meter_readings
    local = frame["interval_start"].dt.tz_convert(TIMEZONE)
    july = local.dt.month.eq(7)
    mining = frame.loc[july & frame["meter_id"].eq("HALL-A"), "energy_kwh"]
    hall_e = frame.loc[july & frame["meter_id"].isin(["HALL-E1", "HALL-E2"])]
    ai = hall_e.groupby("interval_start", observed=True)["energy_kwh"].sum()  # both tenant cages
    assert mining.min() < 0.1 * mining.median()  # curtailed intervals
    assert ai.min() > 0.85 * ai.median()  # flat AI load
