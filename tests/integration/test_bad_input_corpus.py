"""The bad-input corpus: every importer of the registry and the site file, broken on purpose.

Each case writes one small file (or site) in ``tmp_path``, breaks one thing and asserts
either a clear :class:`~carbon.core.errors.CarbonError` (naming the file, and the line or
the meter, and what was expected, quoting no more than a short excerpt of the file) or a
visible flag with counts, and that nothing is lost: rows in = rows kept (every row of the
file is in the table, flagged where it is not a plain reading). Importers are called
in-process through :mod:`carbon.ingest.registry`, sites through
:func:`carbon.workflow.validate_site`; two cases go through the command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import EXCERPT_CHARS, CarbonError, PlausibilityError
from carbon.core.flags import Flag
from carbon.ingest.registry import (
    GRID_IMPORTERS,
    METER_IMPORTERS,
    FileMeter,
    grid_importer,
    meter_importer,
)
from carbon.workflow import validate_site

DATA = Path(__file__).resolve().parents[1] / "data"
#: what an error says it expected (or how to fix it)
EXPECTS = re.compile(
    r"expected|expects|use |set |needs?|must|only|not accepted|refused|allow|choose|"
    r"one of|add |pass |rename|re-save|write |keep|check|export",
    re.IGNORECASE,
)


# =========================================================================== importer cases


@dataclass(frozen=True)
class Case:
    """One broken file for one importer: how to write it and what must come out."""

    id: str
    kind: str  # "meter" or "grid"
    fmt: str  # the registry id
    name: str  # the file name
    write: Callable[[Path], None]  # writes the file at the path given
    error: str | None = None  # the error's reason code; None: must read, see `check`
    check: Callable[[pd.DataFrame], None] | None = None  # on the table read
    meters: tuple[FileMeter, ...] = (FileMeter("M"),)
    region: str | None = "ERCOT"
    timezone: str = "UTC"


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def from_data(relative: str, *swaps: tuple[str, str]) -> Callable[[Path], None]:
    """A shipped sample with text replaced (each swap must apply)."""

    def write(path: Path) -> None:
        content = (DATA / relative).read_text(encoding="utf-8")
        for old, new in swaps:
            assert old in content, (relative, old)
            content = content.replace(old, new, 1)
        path.write_text(content, encoding="utf-8")

    return write


def flags_of(expected: dict[int, int], rows: int) -> Callable[[pd.DataFrame], None]:
    """The table holds `rows` rows (none lost) with these flag counts."""

    def check(frame: pd.DataFrame) -> None:
        assert len(frame) == rows
        counts = frame["flag"].value_counts().to_dict()
        for flag, count in expected.items():
            assert counts.get(flag, 0) == count, (flag, counts)

    return check


def register_rows(frame: pd.DataFrame, path: Path) -> None:
    """n readings of a register give n - 1 intervals (per meter); the rollovers are flagged."""
    readings = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(frame) == readings - 1 - frame["meter_id"].nunique()
    assert (frame["flag"] == int(Flag.COUNTER_RESET)).sum() == 3


LONG = "interval_start,meter_id,energy_kwh\n"
STAMPS = [f"2025-07-01T00:{m:02d}:00Z" for m in (0, 15, 30, 45)]


def long_csv(*values: str, header: str = LONG, stamps: list[str] = STAMPS) -> str:
    return header + "".join(f"{s},M,{v}\n" for s, v in zip(stamps, values, strict=False))


def wide_csv(*values: str) -> str:
    return "interval_start,M [kWh]\n" + "".join(
        f"{s},{v}\n" for s, v in zip(STAMPS, values, strict=False)
    )


def register_csv(*values: str) -> str:
    return "timestamp,meter_id,register_kwh\n" + "".join(
        f"{s},M,{v}\n" for s, v in zip(STAMPS, values, strict=False)
    )


def utility_csv(*values: str) -> str:
    head = "TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES\n"
    times = [("00:00", "00:14"), ("00:15", "00:29"), ("00:30", "00:44"), ("00:45", "00:59")]
    return head + "".join(
        f"Electric usage,2024-07-01,{a},{b},{v},kWh,$0.10 ,\n"
        for (a, b), v in zip(times, values, strict=False)
    )


def green_button(value: str = "2", prolog: str = "", uom: str = "72") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{prolog}<feed>\n'
        "<entry><content><UsagePoint><ServiceCategory><kind>0</kind></ServiceCategory>"
        "</UsagePoint></content></entry>\n<entry><content><MeterReading/></content></entry>\n"
        "<entry><content><ReadingType><accumulationBehaviour>4</accumulationBehaviour>"
        "<flowDirection>1</flowDirection><powerOfTenMultiplier>3</powerOfTenMultiplier>"
        f"<uom>{uom}</uom></ReadingType></content></entry>\n<entry><content><IntervalBlock>\n"
        "<IntervalReading><timePeriod><duration>900</duration><start>1704067200</start>"
        f"</timePeriod><value>{value}</value></IntervalReading>\n"
        "<IntervalReading><timePeriod><duration>900</duration><start>1704068100</start>"
        "</timePeriod><value>3</value></IntervalReading>\n"
        "</IntervalBlock></content></entry>\n</feed>\n"
    )


LAUGHS = (
    '<!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>\n'
)
XXE = '<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
EM_HEAD = (
    "Datetime (UTC),Country,Zone name,Zone id,Carbon intensity gCO₂eq/kWh (direct),"
    "Carbon intensity gCO₂eq/kWh (Life cycle),Carbon-free energy percentage (CFE%),"
    "Renewable energy percentage (RE%),Data source,Data estimated,Data estimation method\n"
)


def electricitymaps(*values: str, zones: tuple[str, ...] = ("DE",) * 3) -> str:
    return EM_HEAD + "".join(
        f"2024-10-27 0{i}:00:00,Germany,Germany,{z},{v},372.5,55.2,51.7,entsoe.eu,false,\n"
        for i, (v, z) in enumerate(zip(values, zones, strict=False))
    )


def grid_table(*values: str, stamps: tuple[str, ...] | None = None) -> str:
    stamps = stamps or tuple(f"2025-07-01T0{i}:00:00Z" for i in range(len(values)))
    return "interval_start,intensity_gco2e_per_kwh\n" + "".join(
        f"{s},{v}\n" for s, v in zip(stamps, values, strict=False)
    )


def gridemissions(*values: str) -> str:
    return "period,CO2i_ERCO_D\n" + "".join(
        f"2023-06-10 0{i}:00:00,{v}\n" for i, v in enumerate(values)
    )


def watttime(value: str) -> str:
    return (
        '{"data":[{"point_time":"2023-03-26T00:55:00+00:00","value":512.25},'
        f'{{"point_time":"2023-03-26T01:00:00+00:00","value":{value}}}],'
        '"meta":{"region":"CAISO_NORTH","signal_type":"co2_aoer","units":"lbs_co2_per_mwh",'
        '"data_point_period_seconds":300,"model":{"date":"2024-10-01"},"warnings":[]}}'
    )


def neso(actual: str) -> str:
    return (
        '{"data":[{"from":"2024-03-30T23:30Z","to":"2024-03-31T00:00Z","intensity":'
        '{"forecast":121,"actual":118,"index":"low"}},{"from":"2024-03-31T00:00Z",'
        f'"to":"2024-03-31T00:30Z","intensity":{{"forecast":119,"actual":{actual},'
        '"index":"low"}}]}'
    )


GARBAGE = bytes(range(256)) * 4
UTF16 = long_csv("1.0", "2.0").encode("utf-16")
LONG_CELL = "9" * 40 + "x" * 400  # a cell far longer than any message may quote

CASES: list[Case] = [
    # --- long CSV: numbers, non-finite, encodings, truncation, stamps, duplicates
    Case("long-inf", "meter", "long-csv", "m.csv", text(long_csv("1", "inf")), "non-finite"),
    Case(
        "long-minus-infinity",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("-Infinity")),
        "non-finite",
    ),
    Case(
        "long-1e999", "meter", "long-csv", "m.csv", text(long_csv("1", "1", "1e999")), "non-finite"
    ),
    Case("long-nan-text", "meter", "long-csv", "m.csv", text(long_csv("NaN")), "bad-number"),
    Case("long-word", "meter", "long-csv", "m.csv", text(long_csv("1", "lots")), "bad-number"),
    Case("long-long-cell", "meter", "long-csv", "m.csv", text(long_csv(LONG_CELL)), "bad-number"),
    Case("long-comma-decimal", "meter", "long-csv", "m.csv", text(long_csv('"1,5"')), "bad-number"),
    Case(
        "long-empty-cell-flagged",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", "", "3", "4")),
        check=flags_of({int(Flag.SOURCE_MISSING): 1, int(Flag.MEASURED): 3}, 4),
    ),
    Case(
        "long-negative-kept",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", "-5", "3", "4")),
        check=flags_of({}, 4),
    ),
    Case(
        "long-duplicate-rows-kept",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", "2", "2", stamps=[STAMPS[0], STAMPS[1], STAMPS[1]])),
        check=flags_of({}, 3),
    ),
    Case("long-utf16", "meter", "long-csv", "m.csv", raw(UTF16), "encoding"),
    Case(
        "long-latin1",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1") + "# Zürich\n", "latin-1"),
        "encoding",
    ),
    Case("long-binary", "meter", "long-csv", "m.csv", raw(GARBAGE), "encoding"),
    Case("long-empty-file", "meter", "long-csv", "m.csv", raw(b""), "empty"),
    Case("long-header-only", "meter", "long-csv", "m.csv", text(LONG), "empty"),
    Case("long-truncated-row", "meter", "long-csv", "m.csv", text(long_csv("1", "2")[:-9]), None),
    Case(
        "long-naive-stamp",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", stamps=["2025-07-01T00:00:00"])),
        None,
    ),
    Case(
        "long-bad-stamp",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", stamps=["yesterday"])),
        None,
    ),
    Case(
        "long-no-unit",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", header="interval_start,meter_id,energy\n")),
        "missing-column",
    ),
    Case(
        "long-unit-not-energy",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", header="interval_start,meter_id,value\n")),
        "unit",
    ),
    Case(
        "long-ambiguous-ton",
        "meter",
        "long-csv",
        "m.csv",
        text("interval_start,meter_id,value,unit\n" + f"{STAMPS[0]},M,1,ton\n"),
        None,
    ),
    Case(
        "long-dst-nonexistent-local",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", stamps=["2025-03-09T02:30:00"])),
        None,
        timezone="America/Chicago",
    ),
    Case(
        "long-dst-ambiguous-local",
        "meter",
        "long-csv",
        "m.csv",
        text(long_csv("1", "2", stamps=["2025-11-02T01:30:00", "2025-11-02T01:30:00"])),
        None,
        timezone="America/Chicago",
    ),
    Case(  # two meters on a file without meter_id: whose rows are whose cannot be told
        "long-missing-meter-column",
        "meter",
        "long-csv",
        "m.csv",
        text("interval_start,energy_kwh\n2025-07-01T00:00:00Z,1\n"),
        "missing-column",
        meters=(FileMeter("M"), FileMeter("N")),
    ),
    Case(  # one meter: a single series, every row is that meter's
        "long-single-series",
        "meter",
        "long-csv",
        "m.csv",
        text("interval_start,energy_kwh\n2025-07-01T00:00:00Z,1\n"),
        check=lambda frame: (frame["meter_id"].astype(str) == "M").all() or pytest.fail("ids"),
    ),
    # --- Parquet
    Case("parquet-garbage", "meter", "parquet", "m.parquet", raw(GARBAGE), "unreadable"),
    Case("parquet-empty", "meter", "parquet", "m.parquet", raw(b""), "empty"),
    Case("parquet-csv-inside", "meter", "parquet", "m.parquet", text(long_csv("1")), "unreadable"),
    # --- wide CSV
    Case("wide-inf", "meter", "wide-csv", "w.csv", text(wide_csv("1", "inf")), "non-finite"),
    Case("wide-1e999", "meter", "wide-csv", "w.csv", text(wide_csv("1e999")), "non-finite"),
    Case("wide-word", "meter", "wide-csv", "w.csv", text(wide_csv("1", "n/a!")), "bad-number"),
    Case(
        "wide-no-unit",
        "meter",
        "wide-csv",
        "w.csv",
        text("interval_start,M\n2025-07-01T00:00:00Z,1\n"),
        None,
    ),
    Case(
        "wide-utf16", "meter", "wide-csv", "w.csv", raw(wide_csv("1").encode("utf-16")), "encoding"
    ),
    Case(
        "wide-empty-cell-flagged",
        "meter",
        "wide-csv",
        "w.csv",
        text(wide_csv("1", "", "3")),
        check=flags_of({int(Flag.SOURCE_MISSING): 1}, 3),
    ),
    # --- registers
    Case(
        "register-inf",
        "meter",
        "register-csv",
        "r.csv",
        text(register_csv("10", "inf")),
        "non-finite",
    ),
    Case(
        "register-word",
        "meter",
        "register-csv",
        "r.csv",
        text(register_csv("10", "ten")),
        "bad-number",
    ),
    Case("register-binary", "meter", "register-csv", "r.csv", raw(GARBAGE), "encoding"),
    Case(
        "register-rollover-flagged",
        "meter",
        "register-csv",
        "r.csv",
        from_data("meters/register_rollover.csv"),
        check=lambda f: register_rows(f, DATA / "meters/register_rollover.csv"),
        meters=(FileMeter("R1"),),
    ),
    # --- utility CSV
    Case(
        "utility-inf",
        "meter",
        "utility-csv",
        "u.csv",
        text(utility_csv("0.4", "inf")),
        "non-finite",
    ),
    Case(
        "utility-word",
        "meter",
        "utility-csv",
        "u.csv",
        text(utility_csv("0.4", "lots")),
        "bad-number",
    ),
    Case(
        "utility-utf16",
        "meter",
        "utility-csv",
        "u.csv",
        raw(utility_csv("0.4").encode("utf-16")),
        "encoding",
    ),
    Case(
        "utility-bad-date",
        "meter",
        "utility-csv",
        "u.csv",
        from_data("meters/utility_bad_date.csv"),
        None,
    ),
    Case(
        "utility-empty-usage-flagged",
        "meter",
        "utility-csv",
        "u.csv",
        text(utility_csv("0.4", "", "0.3")),
        check=flags_of({int(Flag.SOURCE_MISSING): 1}, 3),
        timezone="America/Los_Angeles",
    ),
    # --- Green Button: entity attacks, truncation, values, units
    Case(
        "gb-billion-laughs",
        "meter",
        "green-button",
        "g.xml",
        text(green_button(prolog=LAUGHS)),
        "dtd",
    ),
    Case(
        "gb-external-entity",
        "meter",
        "green-button",
        "g.xml",
        text(green_button(value="&x;", prolog=XXE)),
        "dtd",
    ),
    Case(
        "gb-doctype",
        "meter",
        "green-button",
        "g.xml",
        text(green_button(prolog="<!DOCTYPE feed>\n")),
        "dtd",
    ),
    Case("gb-truncated", "meter", "green-button", "g.xml", text(green_button()[:-40]), "malformed"),
    Case("gb-binary", "meter", "green-button", "g.xml", raw(GARBAGE), "malformed"),
    Case("gb-empty", "meter", "green-button", "g.xml", raw(b"  \n"), "empty"),
    Case("gb-value-inf", "meter", "green-button", "g.xml", text(green_button(value="inf")), None),
    Case(
        "gb-value-1e999", "meter", "green-button", "g.xml", text(green_button(value="1e999")), None
    ),
    Case("gb-unknown-uom", "meter", "green-button", "g.xml", text(green_button(uom="999")), None),
    Case("gb-utf16", "meter", "green-button", "g.xml", raw(green_button().encode("utf-16")), None),
    # --- DCGM
    Case(
        "dcgm-garbage-line",
        "meter",
        "dcgm",
        "d.prom",
        text("# scrape_time 2025-07-01T00:00:00Z\nthis is { not a sample\n"),
        None,
    ),
    Case("dcgm-binary", "meter", "dcgm", "d.prom", raw(GARBAGE), None),
    Case("dcgm-empty", "meter", "dcgm", "d.prom", raw(b""), None),
    # --- miner polls
    Case("miner-garbage", "meter", "miner", "p.jsonl", text("{not json at all\n"), None),
    Case("miner-binary", "meter", "miner", "p.jsonl", raw(GARBAGE), None),
    Case("miner-empty", "meter", "miner", "p.jsonl", raw(b""), None),
    # --- grid: Electricity Maps
    Case(
        "em-inf",
        "grid",
        "electricitymaps",
        "em.csv",
        text(electricitymaps("310", "inf", "300")),
        "non-finite",
    ),
    Case(
        "em-1e999",
        "grid",
        "electricitymaps",
        "em.csv",
        text(electricitymaps("1e999")),
        "non-finite",
    ),
    Case(
        "em-word",
        "grid",
        "electricitymaps",
        "em.csv",
        text(electricitymaps("310", "high")),
        "bad-number",
    ),
    Case(
        "em-two-zones",
        "grid",
        "electricitymaps",
        "em.csv",
        text(electricitymaps("1", "2", zones=("DE", "FR"))),
        "several-regions",
    ),
    Case(
        "em-utf16",
        "grid",
        "electricitymaps",
        "em.csv",
        raw(electricitymaps("310").encode("utf-16")),
        None,
    ),
    Case("em-binary", "grid", "electricitymaps", "em.csv", raw(GARBAGE), None),
    # --- grid: EIA-930
    Case(
        "eia930-inf",
        "grid",
        "eia930",
        "eia.csv",
        from_data("grid/eia930_balance_2024_sample.csv", (',"4,000","2,000"', ',inf,"2,000"')),
        None,
        region="CISO",
    ),
    Case("eia930-binary", "grid", "eia930", "eia.csv", raw(GARBAGE), None, region="CISO"),
    Case(
        "eia930-no-region",
        "grid",
        "eia930",
        "eia.csv",
        from_data("grid/eia930_balance_2024_sample.csv"),
        "missing-region",
        region=None,
    ),
    # --- grid: gridemissions
    Case(
        "gridemissions-inf",
        "grid",
        "gridemissions",
        "ge.csv",
        text(gridemissions("440", "inf")),
        "non-finite",
        region="ERCO",
    ),
    Case(
        "gridemissions-word",
        "grid",
        "gridemissions",
        "ge.csv",
        text(gridemissions("440", "lots")),
        "bad-number",
        region="ERCO",
    ),
    Case(
        "gridemissions-binary", "grid", "gridemissions", "ge.csv", raw(GARBAGE), None, region="ERCO"
    ),
    # --- grid: WattTime (JSON accepts Infinity)
    Case("watttime-infinity", "grid", "watttime", "wt.json", text(watttime("Infinity")), None),
    Case("watttime-1e999", "grid", "watttime", "wt.json", text(watttime("1e999")), None),
    Case("watttime-garbage", "grid", "watttime", "wt.json", text('{"data": [ truncated'), None),
    # --- grid: NESO
    Case("neso-infinity", "grid", "neso", "n.json", text(neso("Infinity")), None),
    Case("neso-minus-infinity", "grid", "neso", "n.json", text(neso("-Infinity")), None),
    Case("neso-garbage", "grid", "neso", "n.json", raw(GARBAGE), None),
    # --- grid: ENTSO-E
    Case(
        "entsoe-doctype",
        "grid",
        "entsoe",
        "e.xml",
        from_data("grid/entsoe_a75_be_dst_spring.xml", ("?>", "?>\n" + XXE)),
        "dtd",
    ),
    Case("entsoe-binary", "grid", "entsoe", "e.xml", raw(GARBAGE), "malformed"),
    Case(
        "entsoe-inf-quantity",
        "grid",
        "entsoe",
        "e.xml",
        from_data("grid/entsoe_a75_be_dst_spring.xml", ("<quantity>1010", "<quantity>inf")),
        None,
    ),
    # --- grid: plain table
    Case("table-inf", "grid", "table", "t.csv", text(grid_table("300", "inf")), "non-finite"),
    Case(
        "table-minus-inf", "grid", "table", "t.csv", text(grid_table("-inf", "300")), "non-finite"
    ),
    Case("table-word", "grid", "table", "t.csv", text(grid_table("300", "dirty")), "bad-number"),
    Case(
        "table-naive-stamps",
        "grid",
        "table",
        "t.csv",
        text(grid_table("300", stamps=("2025-07-01 00:00",))),
        None,
    ),
    Case(
        "table-utf16", "grid", "table", "t.csv", raw(grid_table("300").encode("utf-16")), "encoding"
    ),
]


def _read(case: Case, path: Path) -> pd.DataFrame:
    if case.kind == "meter":
        tables = meter_importer(case.fmt).read(path, meters=case.meters, timezone=case.timezone)
        return pd.concat([t.frame for t in tables])
    return grid_importer(case.fmt).read(path, region=case.region, basis="direct").frame


def assert_clear(error: CarbonError, path: Path) -> None:
    """A clear error: names the file, and the line or the meter (or the site file's key),
    says what was expected, and quotes at most a short excerpt of the file."""
    message = str(error)
    assert path.name in message or path.name in str(error.path), message
    assert (
        error.line is not None
        or error.meter is not None
        or error.key is not None
        or re.search(r"line \d+", message)
        or error.reason in ("empty", "unreadable", "malformed", "encoding", "single-reading")
    ), message
    assert EXPECTS.search(message), f"says nothing of what was expected: {message}"
    assert_short_excerpt(message, path)


def assert_short_excerpt(message: str, path: Path) -> None:
    """No run of more than EXCERPT_CHARS characters of the file appears in the message."""
    if not path.is_file():
        return
    content = path.read_bytes().decode("utf-8", errors="replace")
    for i in range(max(0, len(message) - EXCERPT_CHARS)):
        run = message[i : i + EXCERPT_CHARS + 1]
        assert run not in content, f"quotes more than {EXCERPT_CHARS} characters: {run!r}"


def test_the_corpus_covers_every_importer_and_has_enough_cases() -> None:
    formats = {c.fmt for c in CASES}
    assert set(METER_IMPORTERS) | set(GRID_IMPORTERS) <= formats
    assert len(CASES) + len(SITE_CASES) >= 80


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_importer_case(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.name
    case.write(path)
    if case.check is not None:
        frame = _read(case, path)
        case.check(frame)
        return
    with pytest.raises(CarbonError) as caught:
        _read(case, path)
    assert_clear(caught.value, path)
    if case.error is not None:
        assert caught.value.reason == case.error, str(caught.value)
    assert "Traceback" not in str(caught.value)


# =========================================================================== site cases


SITE = """{top}
[site]
id = "corpus"
name = "Corpus campus"
timezone = "America/Chicago"
grid_region = "ERCT"

[quality]
{quality}

[[grid]]
source = "table"
path = "{grid}"
region = "ERCOT"

[[meters]]
id = "REV"
role = "revenue"
file = "{meters}"
{rev}

[[meters]]
id = "HALL-A"
role = "it"
parent = "REV"
workload = "mining"
{hall_a}

[[meters]]
id = "HALL-B"
role = "it"
parent = "REV"
workload = "ai"

[[meters]]
id = "COOL"
role = "shared"
parent = "REV"
{extra}
"""
DAY = pd.date_range("2025-07-01", periods=96, freq="15min", tz="America/Chicago")
JULY = pd.date_range(  # hourly: a month of data, light
    "2025-07-01", "2025-08-01", freq="1h", tz="America/Chicago", inclusive="left"
)


def write_site(
    folder: Path,
    *,
    scale: float = 1.0,
    edit: Callable[[list[str]], None] | None = None,
    grid_scale: float = 1.0,
    grid_edit: Callable[[list[str]], None] | None = None,
    stamps: pd.DatetimeIndex = DAY,
    **toml: str,
) -> Path:
    """A one-day site: revenue, two halls and cooling (15-minute kWh) and an hourly grid table."""
    rng = np.random.default_rng(3)
    a = 2500.0 + rng.normal(0, 10, len(stamps))
    b = 1500.0 + rng.normal(0, 10, len(stamps))
    cool = 0.08 * (a + b)
    rev = (a + b + cool) * 1.01
    lines = ["interval_start,meter_id,energy_kwh"]
    for meter, values in (("REV", rev), ("HALL-A", a), ("HALL-B", b), ("COOL", cool)):
        lines += [
            f"{t.isoformat()},{meter},{v * scale:.3f}" for t, v in zip(stamps, values, strict=True)
        ]
    if edit is not None:
        edit(lines)
    (folder / "meters.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    hours = pd.date_range(
        stamps[0].tz_convert("UTC").floor("h"), stamps[-1].tz_convert("UTC").ceil("h"), freq="1h"
    )
    grid = ["interval_start,intensity_gco2e_per_kwh"] + [
        f"{h.isoformat()},{(350 + 50 * np.sin(i / 4)) * grid_scale:.4f}"
        for i, h in enumerate(hours)
    ]
    if grid_edit is not None:
        grid_edit(grid)
    (folder / "grid.csv").write_text("\n".join(grid) + "\n", encoding="utf-8")
    values = {
        "top": "",
        "quality": "",
        "grid": "grid.csv",
        "meters": "meters.csv",
        "rev": "",
        "hall_a": "",
        "extra": "",
    }
    values.update(toml)
    (folder / "site.toml").write_text(SITE.format(**values), encoding="utf-8")
    return folder / "site.toml"


def row_of(meter: str, k: int) -> Callable[[list[str]], None]:
    """An edit replacing the value of `meter`'s k-th reading (the callable gets the lines)."""

    def at(lines: list[str], value: str) -> None:
        i = [n for n, line in enumerate(lines) if f",{meter}," in line][k]
        lines[i] = lines[i].rsplit(",", 1)[0] + f",{value}"

    return at  # type: ignore[return-value]


def set_value(meter: str, k: int, value: str) -> Callable[[list[str]], None]:
    return lambda lines: row_of(meter, k)(lines, value)  # type: ignore[call-arg]


def plausibility(summary: dict, check: str) -> int:
    return summary["plausibility"]["counts"][check]


def rows_conserved(summary: dict) -> None:
    """Every row of the meters file is read and counted: rows in = rows used + rows flagged."""
    for meter in summary["quality"]["meters"]:
        assert meter["rows_read"] == 96, meter
        counted = meter["present"] + meter["missing"]
        assert counted == meter["expected_intervals"] == 96, meter


def pue_refusal(summary: dict) -> None:
    """The month `report` would refuse (PUE below 1) is listed, naming the meters and when."""
    (refusal,) = summary["refusals"]
    assert refusal["reason"] == "pue-below-one" and refusal["meter"] == "REV"
    assert refusal["timestamp"] and refusal["path"] == "meters.csv"
    assert "HALL-A (meters.csv)" in refusal["message"]
    assert any("would refuse" in p for p in summary["problems"])
    assert plausibility(summary, "above-capacity") == 1  # the spike, found beside it


@dataclass(frozen=True)
class SiteCase:
    id: str
    build: Callable[[Path], Path]  # writes the site, returns the site file
    period: str | None = None
    error: str | None = None  # reason code of the expected error
    check: Callable[[dict], None] | None = None  # on validate's summary
    strict: bool = False


def expect_flag(check: str, count: int) -> Callable[[dict], None]:
    def verify(summary: dict) -> None:
        assert plausibility(summary, check) == count, summary["plausibility"]
        assert any(check in p for p in summary["problems"])
        rows_conserved(summary)

    return verify


def outside_file(folder: Path) -> Path:
    elsewhere = folder.parent / f"{folder.name}-elsewhere"
    elsewhere.mkdir()
    write_site(elsewhere)
    return write_site(folder, meters=f"../{elsewhere.name}/meters.csv")


def symlink_loop(folder: Path) -> Path:
    os.symlink(folder / "loop.csv", folder / "loop.csv")
    return write_site(folder, meters="loop.csv")


def folder_as_file(folder: Path) -> Path:
    (folder / "readings.csv").mkdir()
    return write_site(folder, meters="readings.csv")


def wide_children_inherit(folder: Path) -> Path:
    site = write_site(folder, rev='format = "wide-csv"')
    frame = pd.read_csv(folder / "meters.csv")
    wide = frame.pivot(index="interval_start", columns="meter_id", values="energy_kwh")
    wide.rename(columns=lambda c: f"{c} [kWh]").reset_index().to_csv(
        folder / "meters.csv", index=False
    )
    return site


SITE_CASES: list[SiteCase] = [
    SiteCase(
        "site-clean-has-no-flags",
        write_site,
        check=lambda s: (
            rows_conserved(s),
            s["plausibility"]["total"] == 0 or pytest.fail(str(s["plausibility"])),
        ),
    ),
    SiteCase(
        "site-inf", lambda f: write_site(f, edit=set_value("HALL-A", 5, "inf")), error="non-finite"
    ),
    SiteCase(
        "site-minus-infinity",
        lambda f: write_site(f, edit=set_value("COOL", 7, "-Infinity")),
        error="non-finite",
    ),
    SiteCase(
        "site-1e999", lambda f: write_site(f, edit=set_value("REV", 9, "1e999")), error="non-finite"
    ),
    SiteCase(
        "site-nan", lambda f: write_site(f, edit=set_value("REV", 9, "NaN")), error="bad-number"
    ),
    SiteCase(
        "site-kwh-declared-mwh",
        lambda f: write_site(
            f, scale=1.0, edit=lambda ls: ls.__setitem__(0, "interval_start,meter_id,energy_mwh")
        ),
        check=expect_flag("above-capacity", 3 * 96),  # COOL stays below 2 GW,
    ),
    SiteCase(
        "site-kwh-declared-mwh-average",
        lambda f: write_site(
            f, edit=lambda ls: ls.__setitem__(0, "interval_start,meter_id,energy_mwh")
        ),
        check=expect_flag("site-average-above-capacity", 1),
    ),
    SiteCase(
        "site-spike",
        lambda f: write_site(f, edit=set_value("HALL-A", 40, "1e12")),
        check=expect_flag("above-capacity", 1),
    ),
    SiteCase(
        "site-spike-pue-below-one",
        lambda f: write_site(f, edit=set_value("HALL-A", 40, "1e12"), stamps=JULY),
        period="2025-07",
        check=lambda s: pue_refusal(s),
    ),
    SiteCase(
        "site-spike-pue-below-one-strict",
        lambda f: write_site(f, edit=set_value("HALL-A", 40, "1e12"), stamps=JULY),
        period="2025-07",
        error="pue-below-one",
        strict=True,
    ),
    SiteCase(
        "site-spike-strict",
        lambda f: write_site(f, edit=set_value("HALL-A", 40, "1e12")),
        error="above-capacity",
        strict=True,
    ),
    SiteCase(
        "site-above-rated",
        lambda f: write_site(f, hall_a="rated_kw = 9000"),
        check=expect_flag("above-rated", 96),
    ),
    SiteCase(
        "site-above-approved-capacity",
        lambda f: write_site(
            f,
            extra="\n[[capacity]]\nmeasure = 'interconnect_approved'\nvalue = '15 MW'\n"
            "effective_from = 2025-01-01\n",
        ),
        check=expect_flag("above-capacity", 96),
    ),
    SiteCase(
        "site-grid-kg-under-g-header",
        lambda f: write_site(f, grid_scale=0.001),
        check=expect_flag("intensity-far-from-annual", 1),
    ),
    SiteCase(
        "site-grid-kg-strict",
        lambda f: write_site(f, grid_scale=0.001),
        error="intensity-far-from-annual",
        strict=True,
    ),
    SiteCase(
        "site-grid-spike",
        lambda f: write_site(
            f, grid_edit=lambda g: g.__setitem__(5, g[5].rsplit(",", 1)[0] + ",5000")
        ),
        check=expect_flag("intensity-out-of-range", 1),
    ),
    SiteCase(
        "site-grid-bound-configured",
        lambda f: write_site(f, quality="intensity_max_g_per_kwh = 380"),
        check=lambda s: plausibility(s, "intensity-out-of-range") > 0 or pytest.fail(str(s)),
    ),
    SiteCase(
        "site-grid-inf",
        lambda f: write_site(
            f, grid_edit=lambda g: g.__setitem__(3, g[3].rsplit(",", 1)[0] + ",inf")
        ),
        error="non-finite",
    ),
    SiteCase("site-path-parent", outside_file, error="path-outside"),
    SiteCase(
        "site-path-proc", lambda f: write_site(f, meters="/proc/self/environ"), error="path-outside"
    ),
    SiteCase(
        "site-path-grid-outside", lambda f: write_site(f, grid="/etc/passwd"), error="path-outside"
    ),
    SiteCase("site-symlink-loop", symlink_loop, error="unresolvable-path"),
    SiteCase("site-folder-as-file", folder_as_file, error="is-a-folder"),
    SiteCase(
        "site-missing-file", lambda f: write_site(f, meters="nowhere.csv"), error="file-not-found"
    ),
    SiteCase(
        "site-duplicate-source-id",
        lambda f: write_site(f, hall_a='source_id = "COOL"'),
        error="invalid-site",
    ),
    SiteCase(
        "site-fuel-ambiguous-ton",
        lambda f: write_site(
            f,
            extra="\n[[fuel]]\ngenset_id = 'G1'\nfuel = 'natural_gas_pipeline'\n"
            "quantity = '1200 ton'\nperiod = '2025-07'\n",
        ),
        error="input-data",
    ),
    SiteCase("site-wide-children-inherit-format", wide_children_inherit, check=rows_conserved),
    SiteCase(
        "site-utf16-meters",
        lambda f: (
            write_site(f),
            (f / "meters.csv").write_bytes((f / "meters.csv").read_text().encode("utf-16")),
        )[0],
        error="encoding",
    ),
    SiteCase(
        "site-binary-meters",
        lambda f: (write_site(f), (f / "meters.csv").write_bytes(GARBAGE))[0],
        error="encoding",
    ),
    SiteCase(  # a shared file may hold meters the site does not use: counted, not read
        "site-unknown-meter-row",
        lambda f: write_site(f, edit=lambda ls: ls.append(f"{DAY[0].isoformat()},HALL-Z,1.0")),
        check=lambda s: (
            (
                s["quality"]["set_aside"][0]["meter"] == "HALL-Z"
                and s["quality"]["set_aside"][0]["rows"] == 1
                and any("'HALL-Z' is not declared" in n for n in s["notes"])
            )
            or pytest.fail(str(s["quality"].get("set_aside")))
        ),
    ),
    SiteCase(
        "site-unknown-meter-row-strict",
        lambda f: write_site(f, edit=lambda ls: ls.append(f"{DAY[0].isoformat()},HALL-Z,1.0")),
        error="undeclared-meter",
        strict=True,
    ),
    SiteCase(
        "site-off-grid-stamp",
        lambda f: write_site(
            f, edit=lambda ls: ls.__setitem__(3, ls[3].replace(":30:00", ":31:00", 1))
        ),
        error="off-grid",
    ),
    SiteCase(
        "site-negative-counted",
        lambda f: write_site(f, edit=set_value("COOL", 3, "-4")),
        check=lambda s: (
            next(m for m in s["quality"]["meters"] if m["id"] == "COOL")["negatives"] == 1
            or pytest.fail(str(s["quality"]))
        ),
    ),
    SiteCase(
        "site-bad-toml",
        lambda f: (write_site(f), (f / "site.toml").write_text("[site\nid=", encoding="utf-8"))[0],
        error="invalid-toml",
    ),
    SiteCase(
        "site-toml-utf16",
        lambda f: (
            write_site(f),
            (f / "site.toml").write_bytes((f / "site.toml").read_text().encode("utf-16")),
        )[0],
        error="not-utf8",
    ),
]


@pytest.mark.parametrize("case", SITE_CASES, ids=lambda c: c.id)
def test_site_case(case: SiteCase, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    site_file = case.build(folder)
    if case.error is None:
        found = validate_site(site_file, case.period, strict=case.strict)
        assert case.check is not None
        case.check(found.summary)
        return
    with pytest.raises(CarbonError) as caught:
        validate_site(site_file, case.period, strict=case.strict)
    error = caught.value
    assert error.reason == case.error, str(error)
    message = str(error)
    assert error.path is not None or error.meter is not None or error.key is not None, message
    assert EXPECTS.search(message), f"says nothing of what was expected: {message}"
    assert_short_excerpt(message, folder / "meters.csv")
    if case.strict and case.error not in ("pue-below-one", "undeclared-meter"):
        assert isinstance(error, PlausibilityError) and error.timestamp and error.path


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    """Permissions: a file that cannot be opened (simulated: the tests may run as root)."""
    site_file = write_site(tmp_path)
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):
        if self.name == "meters.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(CarbonError) as caught:
        validate_site(site_file)
    assert caught.value.reason == "unreadable" and "Permission denied" in str(caught.value)


def test_paths_outside_are_read_when_the_site_allows_them(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_site(elsewhere)
    folder = tmp_path / "site"
    folder.mkdir()
    site_file = write_site(
        folder, meters="../elsewhere/meters.csv", top="allow_paths_outside = true"
    )
    found = validate_site(site_file)
    rows_conserved(found.summary)


def test_the_proc_file_is_refused_without_quoting_it(tmp_path: Path) -> None:
    site_file = write_site(tmp_path, meters="/proc/self/environ", top="")
    with pytest.raises(CarbonError) as caught:
        validate_site(site_file)
    environ = Path("/proc/self/environ")
    if environ.exists():
        first = environ.read_bytes().split(b"\0")[0].decode(errors="replace")
        assert not first or first not in str(caught.value)


def test_the_command_line_prints_markup_in_meter_ids_as_written(tmp_path: Path) -> None:
    site_file = write_site(tmp_path, hall_a='source_id = "HALL-A"')
    text_ = site_file.read_text(encoding="utf-8").replace('id = "HALL-A"', 'id = "HALL-A[/]"', 1)
    site_file.write_text(text_.replace("rated_kw", "rated_kw"), encoding="utf-8")
    text_ = site_file.read_text(encoding="utf-8").replace(
        'source_id = "HALL-A"', 'source_id = "HALL-A"\nrated_kw = 9000'
    )
    site_file.write_text(text_, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--site", str(site_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 1  # the above-rated readings are data problems
    assert "HALL-A[/]" in result.output and "above-rated" in result.output


def test_validate_strict_on_the_command_line_names_file_meter_and_interval(tmp_path: Path) -> None:
    site_file = write_site(
        tmp_path, edit=lambda ls: ls.__setitem__(0, "interval_start,meter_id,energy_mwh")
    )
    result = CliRunner().invoke(app, ["--json", "validate", "--site", str(site_file), "--strict"])
    assert result.exit_code == 1
    assert isinstance(result.exception, PlausibilityError)
    error = result.exception
    assert error.meter == "REV" and error.path == "meters.csv" and error.timestamp
