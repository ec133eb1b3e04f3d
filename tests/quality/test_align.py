import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from tests.conftest import long_frame

IDS = ["REV", "M"]


def table(frame: pd.DataFrame, source: str = "meters.csv", **kw):
    return read_long_frame(frame, source=source, sha256="0" * 64, **kw)


def kwh(cube, meter: str) -> list[float]:
    return np.asarray(cube.energy.sel(meter=meter).pint.to("kWh").pint.magnitude).tolist()


def flags(cube, meter: str) -> list[int]:
    return cube.flags.sel(meter=meter).values.tolist()


def test_gaps_stay_nan_and_are_flagged() -> None:
    frame = long_frame({"REV": [4.0, 5.0, 6.0, 7.0], "M": [1.0, 2.0, 3.0, 4.0]}).drop(index=5)
    cube = build_cube([table(frame)], IDS)
    assert cube.interval == pd.Timedelta("15min")
    got = kwh(cube, "M")
    assert np.isnan(got[1]) and got[2] == 3.0
    assert flags(cube, "M") == [Flag.MEASURED, Flag.GAP, Flag.MEASURED, Flag.MEASURED]
    assert cube.rows_read == {"REV": 4, "M": 3}


def test_unknown_meter_names_file_line_and_declared_ids() -> None:
    frame = long_frame({"REV": [1.0, 1.0], "GHOST": [1.0, 1.0]})
    with pytest.raises(InputDataError, match=r"meters\.csv: line 4: meter id 'GHOST'.*REV, M"):
        build_cube([table(frame)], IDS)


def test_duplicates_identical_counted_conflicting_flagged_and_listed() -> None:
    frame = long_frame({"REV": [1.0, 2.0, 3.0], "M": [1.0, 1.0, 1.0]})
    same = pd.concat([frame, frame.iloc[[1]]], ignore_index=True)
    cube = build_cube([table(same)], IDS)
    assert cube.duplicates_identical == {"REV": 1, "M": 0}
    assert flags(cube, "REV")[1] == Flag.DUPLICATE_IDENTICAL
    assert kwh(cube, "REV")[1] == 2.0
    assert cube.rows_read["REV"] == 4  # rows in = rows used + rows counted as duplicates

    clash = same.copy()
    clash.loc[clash.index[-1], "energy_kwh"] = 9.0
    cube = build_cube([table(clash)], IDS)
    assert np.isnan(kwh(cube, "REV")[1])
    assert flags(cube, "REV")[1] == Flag.DUPLICATE_CONFLICTING
    (conflict,) = cube.conflicts
    assert conflict.meter == "REV" and conflict.values_kwh == (2.0, 9.0)
    assert conflict.interval_start == "2025-01-01T00:15:00+00:00"
    assert conflict.sources == ("meters.csv:3", "meters.csv:8")


@pytest.mark.parametrize("reference", [False, True], ids=["fast", "reference"])
def test_a_missing_reading_beside_a_value_conflicts_two_missing_agree(reference: bool) -> None:
    from carbon.quality.align import build_cube_reference

    build = build_cube_reference if reference else build_cube
    frame = long_frame({"REV": [1.0, 2.0, 3.0], "M": [1.0, 1.0, 1.0]})
    extra = frame.iloc[[1]].copy()
    extra["energy_kwh"] = np.nan
    # a value and a missing reading for REV 00:15, in either order: neither stands in for the
    # other; the interval is a conflicting gap naming both lines
    for rows in (pd.concat([frame, extra]), pd.concat([extra, frame])):
        cube = build([table(rows.reset_index(drop=True))], IDS)
        assert np.isnan(kwh(cube, "REV")[1])
        assert flags(cube, "REV")[1] == Flag.DUPLICATE_CONFLICTING
        (conflict,) = cube.conflicts
        assert conflict.meter == "REV" and len(conflict.sources) == 2
    # two missing readings agree: no conflict, the interval is missing as read
    both = frame.copy()
    both.loc[1, "energy_kwh"] = np.nan
    cube = build([table(pd.concat([both, both.iloc[[1]]]).reset_index(drop=True))], IDS)
    assert cube.conflicts == ()
    assert np.isnan(kwh(cube, "REV")[1])
    assert flags(cube, "REV")[1] != Flag.DUPLICATE_CONFLICTING


def test_mixed_resolutions_are_summed_to_the_longest_interval() -> None:
    minute = long_frame({"M": [1.0] * 30}, freq="1min")
    quarter = long_frame({"REV": [20.0, 20.0]}, freq="15min")
    cube = build_cube([table(minute, "pdu.csv"), table(quarter, "rev.csv")], IDS)
    assert cube.interval == pd.Timedelta("15min")
    assert kwh(cube, "M") == [15.0, 15.0]
    assert cube.native_interval == {"REV": pd.Timedelta("15min"), "M": pd.Timedelta("1min")}
    partial = long_frame({"M": [1.0] * 29}, freq="1min")  # the last minute is missing
    cube = build_cube([table(partial, "pdu.csv"), table(quarter, "rev.csv")], IDS)
    got = kwh(cube, "M")
    assert got[0] == 15.0 and np.isnan(got[1])  # never a partial sum passed off as complete
    assert flags(cube, "M")[1] == Flag.GAP


def test_units_are_converted_per_table_and_negatives_flagged_not_clipped() -> None:
    wh = long_frame({"M": [500.0, -100.0]}).rename(columns={"energy_kwh": "energy_wh"})
    rev = long_frame({"REV": [1.0, 1.0]})
    cube = build_cube([table(wh, value_column="energy_wh", unit="Wh"), table(rev)], IDS)
    assert kwh(cube, "M") == [0.5, -0.1]
    assert flags(cube, "M") == [Flag.MEASURED, Flag.NEGATIVE]


def test_intervals_that_do_not_divide_are_refused() -> None:
    a = long_frame({"M": [1.0] * 4}, freq="10min")
    b = long_frame({"REV": [1.0] * 2}, freq="15min")
    with pytest.raises(InputDataError, match="do not divide"):
        build_cube([table(a), table(b)], IDS)


def test_the_grid_follows_the_readings_and_never_shifts_them() -> None:
    half_past = long_frame(
        {"REV": [1.0, 2.0], "M": [0.5, 0.5]}, start="2025-01-01T04:30:00+00:00", freq="1h"
    )
    cube = build_cube([table(half_past)], IDS)
    assert str(cube.energy["time"].values[0]).startswith("2025-01-01T04:30")
    assert kwh(cube, "REV") == [1.0, 2.0]


def test_readings_that_do_not_share_boundaries_are_refused() -> None:
    a = long_frame({"M": [1.0] * 4}, start="2025-01-01T00:05:00+00:00", freq="15min")
    b = long_frame({"REV": [1.0] * 2}, freq="30min")
    with pytest.raises(InputDataError, match="does not fit the common 0 days 00:30:00 grid"):
        build_cube([table(a, "pdu.csv"), table(b, "rev.csv")], IDS)
