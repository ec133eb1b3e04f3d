"""cgminer-family miner API polls: reply quirks, hashrate units, power by firmware, nameplate
estimates, restarts, poll accounting and errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pint
import pytest
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import METER_COLUMNS, SPAN_COLUMNS
from carbon.core.units import Q_, ureg
from carbon.ingest.miner import MinerTelemetry, parse_miner_response, read_miner_polls

DATA = Path(__file__).resolve().parents[1] / "data" / "telemetry"
T0 = pd.Timestamp("2025-07-01T00:00:00Z")
OK = '{"STATUS":[{"STATUS":"S","When":%d,"Code":11,"Msg":"Summary"}],"SUMMARY":[{%s}],"id":1}'


def _magnitude(array: xr.DataArray, unit: str) -> np.ndarray:
    return np.asarray(array.pint.to(unit).pint.magnitude, dtype=float)


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "polls.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- parse_miner_response: the quirks ----------------------------------------------------------


def test_nul_terminator_is_stripped():
    reply = parse_miner_response(b'{"STATUS":[{"STATUS":"S","When":1}],"id":1}\x00')
    assert reply == {"STATUS": [{"STATUS": "S", "When": 1}], "id": 1}


def test_missing_comma_between_objects_in_stats():
    text = (
        '{"STATUS":[{"STATUS":"S","When":1}],"STATS":[{"Type":"Antminer S7"}'
        '{"STATS":0,"GHS 5s":"4750.1","note":"a }{ b"}],"id":1}\x00'
    )
    reply = parse_miner_response(text)
    assert reply["STATS"] == [
        {"Type": "Antminer S7"},
        {"STATS": 0, "GHS 5s": "4750.1", "note": "a }{ b"},  # '}{' in a string is left alone
    ]


def test_two_replies_back_to_back_are_merged():
    text = (
        '{"STATUS":[{"STATUS":"S","When":1}],"SUMMARY":[{"A":1}],"id":1}'
        '{"STATUS":[{"STATUS":"S","When":2}],"POWER":[{"Watts":3}],"id":2}'
    )
    reply = parse_miner_response(text)
    assert [s["When"] for s in reply["STATUS"]] == [1, 2]
    assert reply["SUMMARY"] == [{"A": 1}] and reply["POWER"] == [{"Watts": 3}]
    assert reply["id"] == 1


def test_numbers_as_strings_are_kept_as_sent():
    reply = parse_miner_response(OK % (1, '"GHS 5s":"140258.58"'))
    assert reply["SUMMARY"][0]["GHS 5s"] == "140258.58"


def test_text_protocol():
    text = (
        "STATUS=S,When=1368715953,Code=11,Msg=Summary,Description=cgminer 2.10.5|"
        "SUMMARY,Elapsed=58219,MHS av=70827.84,Best Share=7493180|\x00"
    )
    reply = parse_miner_response(text)
    assert reply["STATUS"] == [
        {
            "STATUS": "S",
            "When": "1368715953",
            "Code": "11",
            "Msg": "Summary",
            "Description": "cgminer 2.10.5",
        }
    ]
    assert reply["SUMMARY"] == [{"Elapsed": "58219", "MHS av": "70827.84", "Best Share": "7493180"}]


def test_text_protocol_escaped_separators():
    reply = parse_miner_response(r"STATUS=S,When=1,Description=cgminer\, patched \| x|")
    assert reply["STATUS"][0]["Description"] == "cgminer, patched | x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"STATUS":[{"STATUS":"S","When":17513', "truncated JSON at character"),
        ('{"STATUS":[{"STATUS":"S","Msg":"Summ', "truncated JSON"),
        ('{"STATUS":[{"STATUS":"S",,}]}', "invalid JSON at character 26"),
        ("<html>busy</html>", "not a miner API response"),
        ("", "empty miner response"),
        ("\x00", "empty miner response"),
        ("[1, 2]", "not a miner API response"),
    ],
)
def test_bad_replies_raise_with_the_source(text, message):
    with pytest.raises(InputDataError, match=f"poll 7: {message}"):
        parse_miner_response(text, source="poll 7")


# --- units ------------------------------------------------------------------------------------


def test_hashrate_unit_conversions_and_j_per_th():
    assert float(Q_(140258.58, "GH/s").to("TH/s").magnitude) == pytest.approx(140.25858)
    assert float(Q_(95_000_000, "MH/s").to("TH/s").magnitude) == pytest.approx(95.0)
    assert float(Q_(1, "EH/s").to("TH/s").magnitude) == pytest.approx(1e6)
    efficiency = Q_(3010, "W") / Q_(140, "TH/s")
    assert float(efficiency.to("J/TH").magnitude) == pytest.approx(21.5)


def test_ghs_string_field_becomes_ths(tmp_path):
    path = _write(
        tmp_path,
        OK % (1751328000, '"GHS 5s":"140258.58","Power":3000'),
        OK % (1751328060, '"GHS 5s":"140258.58","Power":3000'),
    )
    telemetry = read_miner_polls(path, meter_id="m")
    assert telemetry.hashrate.pint.units == ureg.Unit("TH/s")
    assert _magnitude(telemetry.hashrate, "TH/s") == pytest.approx([140.25858] * 2)
    assert list(telemetry.hashrate["hashrate_field"].values) == ["SUMMARY.GHS 5s"] * 2


def test_mhs_field_becomes_ths_and_efficiency_is_w_per_ths():
    telemetry = read_miner_polls(DATA / "miner_whatsminer.jsonl", meter_id="wm")
    assert _magnitude(telemetry.hashrate, "TH/s")[:4] == pytest.approx([100.0] * 4)  # 1e8 MH/s
    efficiency = telemetry.efficiency()
    assert efficiency.pint.units == ureg.Unit("J/TH")
    # 3400 W / 100 TH/s = 34 J/TH, 3420 / 100 = 34.2
    assert _magnitude(efficiency, "J/TH")[:2] == pytest.approx([34.0, 34.2])


# --- stock firmware without power: the nameplate estimate -------------------------------------


def test_stock_antminer_with_nameplate():
    telemetry = read_miner_polls(
        DATA / "miner_antminer_stock.jsonl", meter_id="s19xp-01", nameplate_j_per_th=21.5
    )
    assert isinstance(telemetry, MinerTelemetry)
    energy = telemetry.energy
    frame = energy.frame
    assert tuple(frame.columns) == METER_COLUMNS + SPAN_COLUMNS  # spans between polls
    assert energy.unit == ureg.Unit("J")
    assert energy.interval == pd.Timedelta(minutes=1)
    assert energy.record.rows == 5  # polls
    assert len(frame) == 4  # one interval per pair of polls
    assert frame["line"].tolist() == [1, 2, 3, 4]
    assert (frame["meter_id"] == "s19xp-01").all()
    assert list(frame["interval_start"]) == [T0 + pd.Timedelta(minutes=m) for m in range(4)]
    # GHS 5s "140000.00", "141000.00", "139000.00", "140000.00", "140000.00" (strings) from
    # STATS[1] after the '}{' repair; power = 21.5 J/TH x hashrate = 3010, 3031.5, 2988.5 W
    assert _magnitude(telemetry.power, "W") == pytest.approx([3010, 3031.5, 2988.5, 3010, 3010])
    assert list(telemetry.power["power_source"].values) == ["nameplate"] * 5
    assert frame["value"].tolist() == pytest.approx([181245.0, 180600.0, 179955.0, 180600.0])
    # Elapsed 1120 -> 30: the miner restarted during the third interval
    assert frame["flag"].tolist() == [
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_ESTIMATED,
        Flag.COUNTER_RESET,
        Flag.SOURCE_ESTIMATED,
    ]
    assert energy.labels == {"s19xp-01": {"hashrate_fields": "STATS.GHS 5s"}}


def test_stock_firmware_without_nameplate_is_an_error():
    with pytest.raises(InputDataError, match=r"miner_antminer_stock\.jsonl: no poll reports power"):
        read_miner_polls(DATA / "miner_antminer_stock.jsonl", meter_id="m")


@pytest.mark.parametrize("bad", [0.0, -3.0, float("nan")])
def test_nameplate_must_be_positive(bad):
    with pytest.raises(ConfigError, match="nameplate_j_per_th must be a positive number"):
        read_miner_polls(DATA / "miner_antminer_stock.jsonl", meter_id="m", nameplate_j_per_th=bad)


def test_text_protocol_log_with_nameplate():
    telemetry = read_miner_polls(
        DATA / "miner_avalon_text.jsonl", meter_id="avalon", nameplate_j_per_th=30.0
    )
    # MHS 5s 36e6, 37e6, 35e6 -> 36, 37, 35 TH/s -> 1080, 1110, 1050 W
    assert _magnitude(telemetry.hashrate, "TH/s") == pytest.approx([36.0, 37.0, 35.0])
    assert telemetry.energy.frame["value"].tolist() == pytest.approx([65700.0, 64800.0])
    assert (telemetry.energy.frame["flag"] == Flag.SOURCE_ESTIMATED).all()


# --- firmware power fields --------------------------------------------------------------------


def test_whatsminer_power_minus_one_and_error_status_are_missing():
    telemetry = read_miner_polls(DATA / "miner_whatsminer.jsonl", meter_id="wm")
    frame = telemetry.energy.frame
    # (3400 + 3420) / 2 x 60 s; then Power -1 (unavailable) and an error reply (STATUS E)
    assert frame.loc[0, "value"] == pytest.approx(204600.0)
    assert frame["flag"].tolist() == [Flag.MEASURED] + [Flag.SOURCE_MISSING] * 3
    assert frame.loc[1:, "value"].isna().all()
    assert np.isnan(_magnitude(telemetry.hashrate, "TH/s")[4])  # the failed poll
    # poll times are the envelope's 'time', not the miner's When (1 s later)
    assert telemetry.energy.frame.loc[0, "interval_start"] == T0
    assert telemetry.energy.labels["wm"]["power_fields"] == "SUMMARY.Power"


def test_whatsminer_gap_filled_from_nameplate():
    telemetry = read_miner_polls(
        DATA / "miner_whatsminer.jsonl", meter_id="wm", nameplate_j_per_th=34.0
    )
    frame = telemetry.energy.frame
    assert frame["value"].tolist()[:3] == pytest.approx([204600.0, 204600.0, 204000.0])
    assert frame["flag"].tolist() == [
        Flag.MEASURED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_ESTIMATED,
        Flag.SOURCE_MISSING,  # the error reply has no hashrate either
    ]
    assert list(telemetry.power["power_source"].values) == [
        "SUMMARY.Power",
        "SUMMARY.Power",
        "nameplate",
        "SUMMARY.Power",
        "",
    ]


def test_luxos_power_command_in_an_envelope_with_a_blank_line():
    telemetry = read_miner_polls(DATA / "miner_luxos.jsonl", meter_id="lux")
    frame = telemetry.energy.frame
    assert telemetry.energy.record.rows == 3
    assert frame["line"].tolist() == [1, 3]  # line 2 is blank
    # POWER[0].Watts 3300, 3320, 3280 over 30 s
    assert frame["value"].tolist() == pytest.approx([99300.0, 99000.0])
    assert (frame["flag"] == Flag.MEASURED).all()
    assert _magnitude(telemetry.hashrate, "TH/s") == pytest.approx([200.0, 201.0, 199.0])
    assert list(telemetry.power["power_source"].values) == ["POWER.Watts"] * 3


def test_braiins_joined_command_tunerstatus():
    telemetry = read_miner_polls(DATA / "miner_braiins.jsonl", meter_id="bos")
    assert _magnitude(telemetry.power, "W") == pytest.approx([3050.0, 3070.0, 3030.0])
    assert _magnitude(telemetry.hashrate, "TH/s") == pytest.approx([95.0, 96.0, 94.0])
    assert telemetry.energy.frame["value"].tolist() == pytest.approx([183600.0, 183000.0])


def test_antminer_chain_power_fields_are_summed(tmp_path):
    def stats(when: int, chains: str) -> str:
        return (
            f'{{"STATUS":[{{"STATUS":"S","When":{when}}}],"STATS":[{{"Type":"Antminer S19"}}'
            f'{{"GHS 5s":"95000.0",{chains}}}],"id":1}}'
        )

    path = _write(
        tmp_path,
        stats(1751328000, '"chain_power1":"1100 W","chain_power2":1100,"chain_power3":"1050"'),
        stats(1751328060, '"chain_power":"3250 W"'),
    )
    telemetry = read_miner_polls(path, meter_id="s19")
    assert _magnitude(telemetry.power, "W") == pytest.approx([3250.0, 3250.0])
    assert list(telemetry.power["power_source"].values) == [
        "STATS.chain_power1..n",
        "STATS.chain_power",
    ]


def test_hashrate_window_preference(tmp_path):
    path = _write(
        tmp_path,
        OK % (1751328000, '"MHS av":90000000,"GHS 5s":95000,"Power":1'),
        OK % (1751328060, '"MHS av":90000000,"MHS 1m":92000000,"Power":1'),
    )
    telemetry = read_miner_polls(path, meter_id="m")
    assert list(telemetry.hashrate["hashrate_field"].values) == [
        "SUMMARY.GHS 5s",
        "SUMMARY.MHS 1m",
    ]


def test_hashrate_series_is_over_naive_utc_time(tmp_path):
    telemetry = read_miner_polls(DATA / "miner_luxos.jsonl", meter_id="lux")
    assert telemetry.hashrate.dims == ("time",)
    assert telemetry.hashrate["time"].values[0] == np.datetime64("2025-07-01T00:00:00")
    assert telemetry.hashrate.attrs["time_zone"] == "UTC"
    assert isinstance(telemetry.hashrate.data, pint.Quantity)


def test_polls_out_of_order_are_sorted(tmp_path):
    path = _write(
        tmp_path,
        OK % (1751328060, '"GHS 5s":1000,"Power":200'),
        OK % (1751328000, '"GHS 5s":1000,"Power":100'),
    )
    frame = read_miner_polls(path, meter_id="m").energy.frame
    assert frame["interval_start"].tolist() == [T0]
    assert frame["line"].tolist() == [2]
    assert frame["value"].tolist() == pytest.approx([9000.0])


# --- errors in a log name the file and line ---------------------------------------------------


def test_truncated_json_line(tmp_path):
    path = _write(tmp_path, OK % (1751328000, '"GHS 5s":1'), '{"STATUS":[{"STATUS":"S","Wh')
    with pytest.raises(InputDataError, match=r"polls\.jsonl: line 2: truncated JSON"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_non_json_line(tmp_path):
    path = _write(tmp_path, OK % (1751328000, '"GHS 5s":1'), "connection refused")
    with pytest.raises(InputDataError, match=r"polls\.jsonl: line 2: not a miner API response"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_missing_hashrate_field(tmp_path):
    path = _write(tmp_path, OK % (1751328000, '"Elapsed":5'), OK % (1751328060, '"Elapsed":65'))
    with pytest.raises(InputDataError, match=r"line 1: no hashrate field in SUMMARY or STATS"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_non_numeric_field(tmp_path):
    path = _write(tmp_path, OK % (1751328000, '"GHS 5s":"fast"'))
    with pytest.raises(InputDataError, match=r"line 1: GHS 5s is 'fast', expected a number"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_no_status_block(tmp_path):
    path = _write(tmp_path, '{"SUMMARY":[{"GHS 5s":1}]}')
    with pytest.raises(InputDataError, match=r"line 1: no STATUS block"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_no_poll_time(tmp_path):
    path = _write(tmp_path, '{"STATUS":[{"STATUS":"S"}],"SUMMARY":[{"GHS 5s":1}]}')
    with pytest.raises(InputDataError, match=r"line 1: no poll time"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_naive_envelope_time(tmp_path):
    envelope = {"time": "2025-07-01 00:00:00", "response": OK % (1, '"GHS 5s":1')}
    path = _write(tmp_path, json.dumps(envelope), json.dumps(envelope))
    with pytest.raises(InputDataError, match=r"line 1: poll time .* with an offset"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_repeated_poll_time(tmp_path):
    line = OK % (1751328000, '"GHS 5s":1')
    path = _write(tmp_path, line, line)
    with pytest.raises(InputDataError, match=r"line 2: poll time .* repeats line 1"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_a_single_poll_is_an_error(tmp_path):
    path = _write(tmp_path, OK % (1751328000, '"GHS 5s":1'))
    with pytest.raises(InputDataError, match=r"1 poll\(s\); energy between polls needs"):
        read_miner_polls(path, meter_id="m", nameplate_j_per_th=20.0)


def test_missing_file(tmp_path):
    with pytest.raises(InputDataError, match="file not found"):
        read_miner_polls(tmp_path / "none.jsonl", meter_id="m")
