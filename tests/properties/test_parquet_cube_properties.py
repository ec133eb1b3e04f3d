"""The cube read straight from Parquet equals the cube of the table readers, on random files.

:func:`carbon.quality.parquet_cube.long_parquet_cube` must give what
``build_cube([read_long_arrow(pq.read_table(path), ...)], meter_ids)`` gives, and
:func:`carbon.quality.parquet_cube.meters_parquet_cube` (when it does not hand the file back)
what ``build_cube`` gives on :func:`carbon.ingest.meters_long_csv.read_meters_parquet`'s table with
its ids mapped to the site's: the same energy bit for bit (NaN included), flags, time axis,
common and native intervals, rows read, duplicates, conflicts and input record; and where
the table path refuses the input, the same error message (lines numbered as each reader
numbers them).

Files hold several row groups and are read in record batches of a few rows (the batch size
is drawn), with or without column statistics, dictionary or plain ids (some written with
spaces around them), stamps in s/ms/us/ns, gaps, missing values (NaN and
null), negatives, identical and conflicting duplicates, off-grid stamps, unknown ids, meters
on different intervals, a declared interval or none, and rated capacities to flag readings
above (the site reader).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carbon.core.errors import CarbonError
from carbon.core.flags import Flag
from carbon.core.lineage import MeterTable
from carbon.ingest.meters_arrow import read_long_arrow
from carbon.ingest.meters_long_csv import read_meters_parquet
from carbon.quality import parquet_cube
from carbon.quality.align import build_cube
from carbon.quality.sources import flag_above_rated

METERS = ["REV", "A", "B", "C"]
START = pd.Timestamp("2025-03-09T04:00", tz="UTC")


@st.composite
def files(draw: st.DrawFn) -> dict:
    """A long meter table as Parquet columns, and how it is written and read."""
    n_meters = draw(st.integers(1, 4))
    ids = METERS[:n_meters]
    coarse = draw(st.sampled_from([15, 60]))
    mixed = draw(st.integers(0, 3)) == 0  # mostly one interval for every meter
    hours = draw(st.integers(1, 4))
    frames = []
    for meter in ids:  # build the readings meter by meter (test data, small)
        minutes = draw(st.sampled_from([5, coarse])) if mixed else coarse
        n = hours * 60 // minutes
        values = draw(
            st.lists(
                st.one_of(st.floats(-1, 50, allow_nan=False), st.just(np.nan)),
                min_size=n,
                max_size=n,
            )
        )
        frames.append(
            pd.DataFrame(
                {
                    "ts": START + pd.to_timedelta(np.arange(n) * minutes, unit="min"),
                    "meter_id": meter,
                    "energy_kwh": np.round(values, 1),
                    "null": draw(st.lists(st.integers(0, 9), min_size=n, max_size=n)),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    n = len(frame)
    dirty = draw(st.integers(0, 2)) == 0  # a third of the files break a clean-case rule
    if dirty:
        drop = draw(st.lists(st.integers(0, n - 1), max_size=3))
        same = draw(st.lists(st.integers(0, n - 1), max_size=2))
        other = draw(st.lists(st.integers(0, n - 1), max_size=2))
        conflicting = frame.iloc[other].copy()
        conflicting["energy_kwh"] = conflicting["energy_kwh"] + 1.0
        extra = [frame.iloc[same], conflicting]
        if draw(st.booleans()):  # a stamp off every grid
            odd = frame.iloc[[draw(st.integers(0, n - 1))]].copy()
            odd["ts"] = odd["ts"] + pd.Timedelta(minutes=2)
            extra.append(odd)
        if draw(st.booleans()):  # a meter no site declares
            ghost = frame.iloc[[draw(st.integers(0, n - 1))]].copy()
            ghost["meter_id"] = "GHOST"
            extra.append(ghost)
        frame = pd.concat([frame.drop(index=drop), *extra], ignore_index=True)
    else:  # gaps only
        frame = frame.drop(index=draw(st.lists(st.integers(0, n - 1), max_size=3)))
    if draw(st.integers(0, 4)) == 0:  # an id written with spaces (the site reader strips them)
        frame["meter_id"] = frame["meter_id"].replace(ids[-1], f" {ids[-1]} ")
    order = draw(st.sampled_from(["time", "meter", "shuffled"]))
    if order == "time":
        frame = frame.sort_values(["ts", "meter_id"], kind="stable")
    elif order == "shuffled":
        frame = frame.sample(frac=1.0, random_state=draw(st.integers(0, 2**16)))
    frame = frame.reset_index(drop=True)
    if frame.empty:
        frame = frames[0].iloc[:1]
    return {
        "frame": frame,
        "ids": ids,
        "unit": draw(st.sampled_from(["s", "ms", "us", "ns"])),
        "dictionary": draw(st.booleans()),
        "row_group": draw(st.integers(1, 40)),
        "batch": draw(st.integers(1, 50)),
        "sample": draw(st.sampled_from([2, 3, 1 << 16])),
        "interval": draw(st.sampled_from([None, pd.Timedelta(minutes=coarse)])),
        "value_unit": draw(st.sampled_from(["kWh", "kWh", "Wh"])),
        "statistics": draw(st.booleans()),
        "rated_kw": draw(
            st.dictionaries(st.sampled_from(ids), st.sampled_from([1.0, 40.0, 200.0]), max_size=2)
        ),
    }


def _write(case: dict, folder: Path) -> Path:
    frame = case["frame"]
    ids = pa.array(frame["meter_id"].to_numpy(dtype=object), type=pa.string())
    stamps = frame["ts"].dt.as_unit(case["unit"])
    table = pa.table(
        {
            "ts": pa.array(stamps, type=pa.timestamp(case["unit"], tz="UTC")),
            "meter_id": ids.dictionary_encode() if case["dictionary"] else ids,
            "energy_kwh": pa.array(
                frame["energy_kwh"].to_numpy(), mask=frame["null"].to_numpy() == 0
            ),
        }
    )
    path = folder / "readings.parquet"
    pq.write_table(
        table, path, row_group_size=case["row_group"], write_statistics=case["statistics"]
    )
    return path


def _same(got, want) -> None:
    if isinstance(want, Exception):
        assert isinstance(got, Exception), f"the table path refused: {want}"
        assert type(got) is type(want)
        assert str(got) == str(want)
        return
    assert not isinstance(got, Exception), f"refused: {got}"
    assert got.energy.pint.units == want.energy.pint.units
    assert got.energy.pint.dequantify().values.tobytes() == (
        want.energy.pint.dequantify().values.tobytes()
    )  # bit for bit, NaN included
    np.testing.assert_array_equal(got.flags.values, want.flags.values)
    assert got.flags.dtype == want.flags.dtype
    assert got.energy["time"].equals(want.energy["time"])
    assert got.energy["meter"].equals(want.energy["meter"])
    assert got.interval == want.interval
    assert got.native_interval == want.native_interval
    assert got.rows_read == want.rows_read
    assert got.duplicates_identical == want.duplicates_identical
    assert _listed(got.conflicts) == _listed(want.conflicts)
    assert got.records == want.records


def _listed(conflicts):
    """Conflicts with their values as bytes, so that NaN equals NaN."""
    return [
        (c.meter, c.interval_start, np.array(c.values_kwh).tobytes(), c.sources) for c in conflicts
    ]


def _outcome(read):
    try:
        return read()
    except CarbonError as exc:
        return exc


def _long_reference(path: Path, case: dict):
    table = read_long_arrow(
        pq.read_table(path),
        source=str(path),
        sha256="0" * 64,
        unit=case["value_unit"],
        interval=case["interval"],
        time_column="ts",
    )
    return build_cube([table], case["ids"])


def _meters_reference(path: Path, ids: list[str], rated_kw: dict[str, float] | None = None):
    """carbon.quality.sources' path for one Parquet file: read_meters_parquet, ids mapped, readings
    above a rated capacity flagged, build_cube."""
    table = read_meters_parquet(path)
    frame = table.frame.assign(meter_id=table.frame["meter_id"].astype(str).to_numpy())
    mapped = MeterTable(frame, table.unit, table.interval, table.record, {})
    meters = [SimpleNamespace(id=m, rated_kw=(rated_kw or {}).get(m)) for m in ids]
    flagged = flag_above_rated([mapped], SimpleNamespace(meters=meters))
    return build_cube(flagged, ids)


def _parquet_file(case: dict, folder: Path) -> Path:
    """The case as the site importer's file: ``interval_start`` and a named energy column."""
    path = _write(case, folder)
    table = pq.read_table(path)
    renamed = table.rename_columns(["interval_start", "meter_id", "energy_kwh"])
    out = folder / "site.parquet"
    pq.write_table(
        renamed, out, row_group_size=case["row_group"], write_statistics=case["statistics"]
    )
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_long_parquet_cube_equals_the_table_path(case: dict) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.object(parquet_cube, "_BATCH", case["batch"]),
        mock.patch.object(parquet_cube, "_SAMPLE", case["sample"]),
    ):
        path = _write(case, Path(folder))
        got = _outcome(
            lambda: parquet_cube.long_parquet_cube(
                path,
                case["ids"],
                source=str(path),
                sha256="0" * 64,
                unit=case["value_unit"],
                interval=case["interval"],
                time_column="ts",
            )
        )
        want = _outcome(lambda: _long_reference(path, case))
        _same(got, want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_meters_parquet_cube_equals_the_site_path(case: dict) -> None:
    with (
        tempfile.TemporaryDirectory() as folder,
        mock.patch.object(parquet_cube, "_BATCH", case["batch"]),
        mock.patch.object(parquet_cube, "_SAMPLE", case["sample"]),
    ):
        path = _parquet_file(case, Path(folder))
        ids = case["ids"]
        rated = case["rated_kw"]
        got = _outcome(
            lambda: parquet_cube.meters_parquet_cube(path, ids, {m: m for m in ids}, rated_kw=rated)
        )
        if got is None:
            return  # handed back: carbon.quality.sources reads the file by the table path
        _same(got, _outcome(lambda: _meters_reference(path, ids, rated)))


def test_the_direct_path_is_taken_and_refused() -> None:
    """The comparisons above are only as good as their inputs: over a fixed draw, the direct
    path builds the cube for many files (some with readings above a rated capacity, gaps and
    missing values) and hands many others back."""
    taken = {"direct": 0, "handed back": 0}
    flagged: set[int] = set()
    scatter = parquet_cube._scatter

    def counted(*args, **kwargs):
        grid = scatter(*args, **kwargs)
        taken["direct" if grid is not None else "handed back"] += 1
        return grid

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(files())
    def count(case: dict) -> None:
        with (
            tempfile.TemporaryDirectory() as folder,
            mock.patch.object(parquet_cube, "_BATCH", case["batch"]),
            mock.patch.object(parquet_cube, "_scatter", counted),
        ):
            path = _parquet_file(case, Path(folder))
            ids = case["ids"]
            cube = parquet_cube.meters_parquet_cube(
                path, ids, {m: m for m in ids}, rated_kw=case["rated_kw"]
            )
            if cube is not None:
                flagged.update(np.unique(cube.flags.values).tolist())

    count()
    assert taken["direct"] >= 10 and taken["handed back"] >= 10, taken
    wanted = {Flag.ABOVE_RATED, Flag.GAP, Flag.SOURCE_MISSING, Flag.MEASURED}  # NEGATIVE: below
    assert {int(f) for f in wanted} <= flagged, flagged


def test_site_reader_strips_ids_as_read_meters_parquet_does(tmp_path: Path) -> None:
    """Ids written with spaces around them are the site's meters once stripped (the site
    importer's rule), so the direct cube is built and equals the table path's."""
    stamps = pd.date_range("2025-03-09 05:00", periods=4, freq="15min", tz="UTC")
    table = pa.table(
        {
            "interval_start": pa.array(stamps.repeat(2)),
            "meter_id": pa.array([" REV", "A "] * 4).dictionary_encode(),
            "energy_wh": pa.array([1.0, 2.0, 3.0, -4.0, 5.0, None, 7.0, 8.0]),
        }
    )
    path = tmp_path / "spaced.parquet"
    pq.write_table(table, path)
    got = parquet_cube.meters_parquet_cube(path, ["REV", "A"], {"REV": "REV", "A": "A"})
    assert got is not None
    _same(got, _meters_reference(path, ["REV", "A"]))
    assert got.energy.pint.units == "kilowatt_hour"
    assert float(got.energy.pint.dequantify().sel(meter="A").values[1]) == -0.004
    assert got.flags.sel(meter="A").values.tolist() == [
        int(Flag.MEASURED),
        int(Flag.NEGATIVE),
        int(Flag.SOURCE_MISSING),
        int(Flag.MEASURED),
    ]


def test_rated_check_on_another_interval_goes_to_the_table_path(tmp_path: Path) -> None:
    """carbon.quality.sources checks rated capacities over the median step between readings; when
    gaps make that step longer than the grid, the direct cube hands the file back."""
    cells = np.array([0, 1, 2, 4, 7, 11, 16])  # steps 1, 1, 2, 3, 4, 5: mode 1, median 2.5
    stamps = pd.Timestamp("2025-03-09 05:00", tz="UTC") + pd.to_timedelta(cells * 15, unit="min")
    table = pa.table(
        {
            "interval_start": pa.array(stamps),
            "meter_id": pa.array(["REV"] * cells.size),
            "energy_kwh": pa.array([10.0, 30.0, 10.0, 30.0, 10.0, 30.0, 10.0]),
        }
    )
    path = tmp_path / "gappy.parquet"
    pq.write_table(table, path)
    rows = {"REV": "REV"}
    plain = parquet_cube.meters_parquet_cube(path, ["REV"], rows)
    assert plain is not None  # without a rated capacity the direct cube is built
    _same(plain, _meters_reference(path, ["REV"]))
    assert parquet_cube.meters_parquet_cube(path, ["REV"], rows, rated_kw={"REV": 50.0}) is None
    # the table path flags by the 2.5-interval step: 30 kWh is under 50 kW x 37.5 min
    reference = _meters_reference(path, ["REV"], {"REV": 50.0})
    assert not (reference.flags.values == int(Flag.ABOVE_RATED)).any()
