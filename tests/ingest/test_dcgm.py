"""dcgm-exporter scrapes and CSV exports: counter differences, resets, power integration,
sentinels, shared GPUs, label keeping, sample accounting, errors, and the real T4 scrape."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import METER_COLUMNS, SPAN_COLUMNS
from carbon.core.units import ureg
from carbon.ingest.dcgm import read_dcgm_csv, read_dcgm_scrapes
from carbon.ingest.dcgm_exposition import (
    ENERGY_COUNTER,
    POWER_GAUGE,
    SENTINEL_RANGES,
    parse_dcgm_exposition,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "telemetry"
REAL = Path(__file__).resolve().parents[3] / "shared" / "real-samples"
REAL_FILE = REAL / "dcgm_exporter_scrape_tesla_t4_excerpt.prom"
T4_UUID = "GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e"

GPU_A = "GPU-aaaaaaaa-0000-0000-0000-000000000001"  # counter; sentinel in scrape 3
GPU_B = "GPU-bbbbbbbb-0000-0000-0000-000000000002"  # counter reset, power known
GPU_C = "node-b:0"  # empty UUID, power only, int32 blank in scrape 3
GPU_D = "GPU-dddddddd-0000-0000-0000-000000000004"  # counter reset, no power
T0 = pd.Timestamp("2025-07-01T00:00:00Z")
LABELS = 'gpu="0",UUID="GPU-x",Hostname="h"'


@pytest.fixture
def real_file() -> Path:
    if not REAL_FILE.is_file():
        pytest.skip(f"{REAL_FILE} is not available on this machine")
    return REAL_FILE


def _write(tmp_path: Path, text: str, name: str = "scrape.prom") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _series(table, meter: str) -> pd.DataFrame:
    return table.frame[table.frame["meter_id"] == meter].reset_index(drop=True)


def _scrape(time: str, power: str | None = None, energy: str | None = None) -> str:
    lines = [f"# scrape_time {time}"]
    if power is not None:
        lines.append(f"{POWER_GAUGE}{{{LABELS}}} {power}")
    if energy is not None:
        lines.append(f"{ENERGY_COUNTER}{{{LABELS}}} {energy}")
    return "\n".join(lines) + "\n"


# --- the contract -----------------------------------------------------------------------------


def test_multi_scrape_file_follows_the_meter_table_contract():
    table = read_dcgm_scrapes(DATA / "dcgm_scrapes.prom")
    frame = table.frame
    assert tuple(frame.columns) == METER_COLUMNS + SPAN_COLUMNS  # spans between scrapes
    assert str(frame["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert frame["value"].dtype == np.float64
    assert frame["flag"].dtype == np.int8
    assert frame["line"].dtype == np.int64
    assert table.unit == ureg.Unit("J")
    assert table.interval == pd.Timedelta(seconds=15)
    assert table.record.start == T0.isoformat()
    assert table.record.end == (T0 + pd.Timedelta(seconds=45)).isoformat()
    assert len(table.record.sha256) == 64
    assert not (frame["value"] < 0).any()  # never negative energy


def test_samples_are_conserved_one_interval_per_pair_of_times():
    table = read_dcgm_scrapes(DATA / "dcgm_scrapes.prom")
    samples = parse_dcgm_exposition((DATA / "dcgm_scrapes.prom").read_text())
    # 4 scrapes x (3 power + 3 counter samples); other metrics are not read
    assert len(samples) == table.record.rows == 24
    for meter, times in samples.groupby("meter_id")["scrape"].nunique().items():
        assert (table.frame["meter_id"] == meter).sum() == times - 1
    assert set(table.frame["meter_id"]) == {GPU_A, GPU_B, GPU_C, GPU_D}


def test_counter_difference_in_mj_becomes_joules():
    a = _series(read_dcgm_scrapes(DATA / "dcgm_scrapes.prom"), GPU_A)
    # 1 009 000 000 - 1 000 000 000 mJ = 9 000 J in 15 s (600 W)
    assert a.loc[0, "value"] == pytest.approx(9000.0)
    assert a.loc[0, "flag"] == Flag.MEASURED
    assert list(a["interval_start"]) == [T0 + pd.Timedelta(seconds=s) for s in (0, 15, 30)]


def test_counter_sentinel_falls_back_to_the_power_trapezoid():
    a = _series(read_dcgm_scrapes(DATA / "dcgm_scrapes.prom"), GPU_A)
    # scrape 3 counter = 9223372036854775794 (DCGM int64 blank): both intervals around it
    # integrate 600 W over 15 s
    assert a.loc[1:, "value"].tolist() == pytest.approx([9000.0, 9000.0])
    assert (a.loc[1:, "flag"] == Flag.SOURCE_ESTIMATED).all()


def test_counter_reset_uses_power_when_known():
    b = _series(read_dcgm_scrapes(DATA / "dcgm_scrapes.prom"), GPU_B)
    # 5.0e6 -> 9.5e6 -> 1.5e6 (reset) -> 6.0e6 mJ; power 300 W throughout
    assert b["value"].tolist() == pytest.approx([4500.0, 4500.0, 4500.0])
    assert b["flag"].tolist() == [Flag.MEASURED, Flag.COUNTER_RESET, Flag.MEASURED]


def test_counter_reset_without_power_keeps_the_post_reset_reading():
    d = _series(read_dcgm_scrapes(DATA / "dcgm_scrapes.prom"), GPU_D)
    # 2.0e6 -> 3.0e6 -> 0.5e6 (reset: 500 J counted since the reset) -> 1.0e6 mJ
    assert d["value"].tolist() == pytest.approx([1000.0, 500.0, 500.0])
    assert d["flag"].tolist() == [Flag.MEASURED, Flag.COUNTER_RESET, Flag.MEASURED]


def test_power_only_gpu_is_integrated_with_the_trapezoid_rule_and_sentinel_is_missing():
    c = _series(read_dcgm_scrapes(DATA / "dcgm_scrapes.prom"), GPU_C)
    # (100 W + 140 W) / 2 x 15 s = 1800 J; scrape 3 power = 2147483647 (int32 blank)
    assert c.loc[0, "value"] == pytest.approx(1800.0)
    assert c.loc[0, "flag"] == Flag.SOURCE_ESTIMATED
    assert c.loc[1:, "value"].isna().all()
    assert (c.loc[1:, "flag"] == Flag.SOURCE_MISSING).all()


def test_trapezoid_not_left_riemann(tmp_path):
    text = _scrape("2025-07-01T00:00:00Z", power="100") + _scrape("2025-07-01T00:01:00Z", "200")
    table = read_dcgm_scrapes(_write(tmp_path, text))
    assert table.frame["value"].tolist() == pytest.approx([9000.0])  # not 6000 (left) or 12000


@pytest.mark.parametrize(
    "sentinel",
    [
        "9223372036854775794",  # DCGM_INT64_BLANK + 2 (DATA-FORMATS, upstream README)
        "9223372036854775792",  # DCGM_INT64_BLANK
        "2147483632",  # DCGM_INT32_BLANK
        "2147483647",
        "4294967295",
        "140737488355328",  # DCGM_FP64_BLANK (2^47)
        "140737488355330",  # DCGM_FP64_NOT_SUPPORTED
        "NaN",
        "+Inf",
    ],
)
def test_sentinels_are_missing_samples(sentinel):
    text = f"# scrape_time 2025-07-01T00:00:00Z\n{POWER_GAUGE}{{{LABELS}}} {sentinel}\n"
    samples = parse_dcgm_exposition(text)
    assert np.isnan(samples.loc[0, "value"])
    assert samples.loc[0, "flag"] == Flag.SOURCE_MISSING


def test_sentinel_list_is_documented():
    assert len(SENTINEL_RANGES) == 4
    assert all(low <= high for low, high, _what in SENTINEL_RANGES)


def test_values_next_to_the_sentinels_are_kept():
    text = "".join(
        f"{POWER_GAUGE}{{{LABELS}}} {v}\n" for v in ("2147483631", "140737488355327", "0")
    )
    samples = parse_dcgm_exposition(f"# scrape_time 0\n{text}")
    assert samples["flag"].eq(Flag.MEASURED).all()


# --- shared GPUs, MIG, own timestamps, given timestamps ---------------------------------------


def test_series_repeated_per_pod_count_once_and_conflicts_are_flagged():
    table = read_dcgm_scrapes(DATA / "dcgm_shared_gpu.prom")
    frame = table.frame
    assert table.record.rows == 12  # 3 scrapes x 2 pods x 2 metrics
    assert len(frame) == 2
    # samples carry their own timestamps (ms): counter at +3 ms, the scrape's latest
    assert frame.loc[0, "interval_start"] == pd.Timestamp("2025-07-01T00:00:00.003Z")
    # 7 000 000 -> 17 500 000 mJ, identical in both pod series: counted once
    assert frame.loc[0, "value"] == pytest.approx(10500.0)
    assert frame.loc[0, "flag"] == Flag.MEASURED
    # third scrape: the two pod series disagree (28.0e6 vs 28.1e6 mJ, 351 vs 352 W)
    assert np.isnan(frame.loc[1, "value"])
    assert frame.loc[1, "flag"] == Flag.DUPLICATE_CONFLICTING
    labels = table.labels["GPU-cccccccc-0000-0000-0000-000000000003"]
    assert labels["pod"] == "train-a,train-b"
    assert labels["namespace"] == "tenant-c"


def test_folder_of_scrapes_with_given_timestamps_and_mig_labels():
    times = ["2025-07-01T00:00:00Z", "2025-07-01T00:01:00Z", "2025-07-01T00:02:00Z"]
    table = read_dcgm_scrapes(DATA / "dcgm_scrape_files", timestamps=times)
    frame = table.frame
    # MIG instances repeat the device power (200, 220, 180 W): one reading per scrape
    assert frame["value"].tolist() == pytest.approx([12600.0, 12000.0])
    assert (frame["flag"] == Flag.SOURCE_ESTIMATED).all()
    assert list(frame["interval_start"]) == [pd.Timestamp(t) for t in times[:2]]
    labels = table.labels["GPU-eeeeeeee-0000-0000-0000-000000000005"]
    assert labels["GPU_I_ID"] == "1,2"
    assert labels["GPU_I_PROFILE"] == "3g.20gb,4g.20gb"
    assert table.record.path == str(DATA / "dcgm_scrape_files")
    assert table.record.rows == 6


def test_list_of_paths_and_epoch_timestamps(tmp_path):
    files = sorted((DATA / "dcgm_scrape_files").glob("*.prom"))
    table = read_dcgm_scrapes(files[:2], timestamps=[1751328000, 1751328030], interval="30s")
    assert table.interval == pd.Timedelta(seconds=30)
    assert table.frame.loc[0, "value"] == pytest.approx(6300.0)  # (200 + 220) / 2 x 30 s


def test_scrape_time_comment_accepts_epoch_seconds_and_offsets(tmp_path):
    text = _scrape("1751328000", power="100") + _scrape("2025-07-01T02:00:10+02:00", "100")
    table = read_dcgm_scrapes(_write(tmp_path, text))
    assert table.frame.loc[0, "interval_start"] == T0
    assert table.frame.loc[0, "value"] == pytest.approx(1000.0)


def test_given_timestamps_override_the_comments(tmp_path):
    text = _scrape("2025-07-01T00:00:00Z", power="100") + _scrape("2025-07-01T00:00:10Z", "100")
    table = read_dcgm_scrapes(_write(tmp_path, text), timestamps=[0, 20])
    assert table.frame.loc[0, "value"] == pytest.approx(2000.0)


def test_labels_are_unescaped_and_unlisted_labels_dropped(tmp_path):
    labels = r'gpu="0",UUID="GPU-q",Hostname="h",pod="a\"b\\c",DCGM_FI_DRIVER_VERSION="1"'
    text = "".join(f"# scrape_time {t}\n{POWER_GAUGE}{{{labels}}} 50\n" for t in ("0", "60"))
    table = read_dcgm_scrapes(_write(tmp_path, text))
    assert table.labels["GPU-q"] == {"UUID": "GPU-q", "gpu": "0", "Hostname": "h", "pod": 'a"b\\c'}


# --- CSV export -------------------------------------------------------------------------------


def test_csv_export():
    table = read_dcgm_csv(DATA / "dcgm_export.csv")
    assert table.record.rows == 12  # GPU_UTIL rows are not read
    assert table.interval == pd.Timedelta(minutes=1)
    one = _series(table, "GPU-11111111-0000-0000-0000-000000000001")
    # 50e6 -> 92e6 mJ = 42 000 J; then a drop to 40e6: reset, (690 + 710) / 2 x 60 s
    assert one["value"].tolist() == pytest.approx([42000.0, 42000.0])
    assert one["flag"].tolist() == [Flag.MEASURED, Flag.COUNTER_RESET]
    two = _series(table, "GPU-22222222-0000-0000-0000-000000000002")
    # counter 10e6 -> 13.6e6 mJ; then the counter is 4294967295 and the power NaN
    assert two.loc[0, "value"] == pytest.approx(3600.0)
    assert np.isnan(two.loc[1, "value"])
    assert two["flag"].tolist() == [Flag.MEASURED, Flag.SOURCE_MISSING]
    assert two["line"].tolist() == [6, 11]
    assert "pod" not in table.labels["GPU-22222222-0000-0000-0000-000000000002"]
    assert table.labels["GPU-11111111-0000-0000-0000-000000000001"]["pod"] == "train-0"


def test_csv_through_read_dcgm_scrapes_and_iso_timestamps(tmp_path):
    path = _write(
        tmp_path,
        "timestamp,__name__,gpu,UUID,Hostname,value\n"
        f"2025-07-01T00:00:00Z,{POWER_GAUGE},0,GPU-z,h,10\n"
        f"2025-07-01T00:00:10+00:00,{POWER_GAUGE},0,GPU-z,h,30\n",
        "export.csv",
    )
    table = read_dcgm_scrapes(path)
    assert table.frame["value"].tolist() == pytest.approx([200.0])
    with pytest.raises(InputDataError, match="carries its own timestamps"):
        read_dcgm_scrapes(path, timestamps=[0, 1])


def test_csv_errors_name_file_and_line(tmp_path):
    header = "timestamp,metric,gpu,UUID,Hostname,value\n"
    bad_time = _write(tmp_path, header + f"2025-07-01 00:00:00,{POWER_GAUGE},0,G,h,1\n", "a.csv")
    with pytest.raises(InputDataError, match=r"a\.csv: line 2: .*no UTC offset"):
        read_dcgm_csv(bad_time)
    bad_value = _write(tmp_path, header + f"0,{POWER_GAUGE},0,G,h,n/a\n", "b.csv")
    with pytest.raises(InputDataError, match=r"b\.csv: line 2: .*'n/a' is not a number"):
        read_dcgm_csv(bad_value)
    no_column = _write(tmp_path, "time,metric,value\n0,x,1\n", "c.csv")
    with pytest.raises(InputDataError, match=r"c\.csv: line 1: missing column\(s\) timestamp"):
        read_dcgm_csv(no_column)
    no_metric = _write(tmp_path, header + "0,DCGM_FI_DEV_GPU_UTIL,0,G,h,1\n", "d.csv")
    with pytest.raises(InputDataError, match=r"d\.csv: no DCGM_FI_DEV_TOTAL_ENERGY"):
        read_dcgm_csv(no_metric)


# --- errors -----------------------------------------------------------------------------------


def test_truncated_sample_line_names_file_and_line(tmp_path):
    text = _scrape("0", power="1") + f'# scrape_time 60\n{POWER_GAUGE}{{gpu="0",UUID="GPU-'
    path = _write(tmp_path, text)
    with pytest.raises(InputDataError, match=r"scrape\.prom: line 4: not a Prometheus sample"):
        read_dcgm_scrapes(path)


def test_non_numeric_value_names_file_and_line(tmp_path):
    path = _write(tmp_path, _scrape("0", power="1") + _scrape("60", power="high"))
    with pytest.raises(InputDataError, match=r"line 4: DCGM_FI_DEV_POWER_USAGE value 'high'"):
        read_dcgm_scrapes(path)


def test_scrape_without_energy_metrics_is_an_error(tmp_path):
    text = _scrape("0", power="1") + '# scrape_time 60\nDCGM_FI_DEV_GPU_UTIL{gpu="0"} 5\n'
    with pytest.raises(InputDataError, match=r"line 3: the scrape holds no .*POWER_USAGE"):
        read_dcgm_scrapes(_write(tmp_path, text))


def test_scrape_without_a_time_is_an_error(tmp_path):
    path = _write(tmp_path, f"{POWER_GAUGE}{{{LABELS}}} 1\n")
    with pytest.raises(InputDataError, match=r"scrape\.prom: line 1: the scrape has no time"):
        read_dcgm_scrapes(path)


def test_naive_scrape_time_is_an_error(tmp_path):
    path = _write(tmp_path, _scrape("2025-07-01 00:00:00", power="1"))
    with pytest.raises(InputDataError, match=r"line 1: time .* has no UTC offset"):
        read_dcgm_scrapes(path)


def test_single_scrape_is_an_error(tmp_path):
    with pytest.raises(InputDataError, match=r"single time.*at least two scrapes"):
        read_dcgm_scrapes(_write(tmp_path, _scrape("0", power="1")))


def test_timestamp_count_must_match(tmp_path):
    path = _write(tmp_path, _scrape("0", power="1") + _scrape("60", power="1"))
    with pytest.raises(InputDataError, match="3 timestamps given for 2 scrapes"):
        read_dcgm_scrapes(path, timestamps=[0, 1, 2])


def test_gpu_without_uuid_or_host_is_an_error(tmp_path):
    text = f'# scrape_time 0\n{POWER_GAUGE}{{gpu="0"}} 1\n'
    with pytest.raises(InputDataError, match=r"line 2: GPU sample without a 'UUID'"):
        read_dcgm_scrapes(_write(tmp_path, text))


def test_unmarked_concatenated_scrapes_are_an_error(tmp_path):
    text = f"{POWER_GAUGE}{{{LABELS}}} 1 1751328000000\n{POWER_GAUGE}{{{LABELS}}} 1 1751328015000\n"
    with pytest.raises(InputDataError, match=r"line 1: .*another timestamp in the same scrape"):
        read_dcgm_scrapes(_write(tmp_path, text))


def test_missing_files_and_empty_folder(tmp_path):
    with pytest.raises(InputDataError, match="scrape file not found"):
        read_dcgm_scrapes(tmp_path / "nope.prom")
    with pytest.raises(InputDataError, match="no scrape files"):
        read_dcgm_scrapes(tmp_path)
    with pytest.raises(InputDataError, match="is empty"):
        read_dcgm_scrapes(_write(tmp_path, ""))


# --- the real Tesla T4 scrape (DataDog integrations-core fixture, excerpt) ---------------------


def test_real_scrape_label_set_and_values(real_file):
    samples = parse_dcgm_exposition(real_file.read_text(encoding="utf-8"), source=str(real_file))
    assert len(samples) == 2  # one GPU: POWER_USAGE (line 12), TOTAL_ENERGY (line 15)
    power = samples[samples["metric"] == POWER_GAUGE].iloc[0]
    energy = samples[samples["metric"] == ENERGY_COUNTER].iloc[0]
    assert (power["line"], energy["line"]) == (12, 15)
    assert power["value"] == pytest.approx(8.969)  # W, read by hand from line 12
    assert energy["value"] == 128996013.0  # mJ since boot, line 15 (= 0.0358 kWh)
    assert power["meter_id"] == energy["meter_id"] == T4_UUID
    assert pd.isna(power["sample_time"])  # the exporter sets no sample timestamps
    kept = {
        k: v
        for k, v in power.items()
        if k in ("UUID", "gpu", "device", "modelName", "Hostname", "pod", "namespace")
    }
    assert kept == {
        "UUID": T4_UUID,
        "gpu": "0",
        "device": "nvidia0",
        "modelName": "Tesla T4",
        "Hostname": "424773df46e0",
        "pod": "",  # no Kubernetes mapping in this scrape
        "namespace": "",
    }


def test_real_scrape_as_a_series(real_file, tmp_path):
    text = real_file.read_text(encoding="utf-8")
    first = _write(tmp_path, text, "s0.prom")
    # a second scrape 100 s later, counter +900 000 mJ (900 J, 9 W average)
    second = _write(tmp_path, text.replace("} 128996013", "} 129896013"), "s1.prom")
    table = read_dcgm_scrapes(
        [first, second], timestamps=["2025-07-01T00:00:00Z", "2025-07-01T00:01:40Z"]
    )
    assert table.frame["value"].tolist() == pytest.approx([900.0])
    assert table.frame["flag"].tolist() == [Flag.MEASURED]
    assert table.frame["line"].tolist() == [15]
    assert table.labels == {
        T4_UUID: {
            "UUID": T4_UUID,
            "gpu": "0",
            "device": "nvidia0",
            "modelName": "Tesla T4",
            "Hostname": "424773df46e0",
        }
    }
    with pytest.raises(InputDataError, match="the scrape has no time"):
        read_dcgm_scrapes(real_file)
