"""The three-level telemetry tree of tests/workflow/telemetry_site.py, reported and validated
through the command line for a whole month: jittered DCGM scrapes (hh:mm:17) and GPU meters
below PDUs below a hall below the revenue meter, with the collector down for three scrapes.

Hand values: the site's constant loads (telemetry_site.py) over July's 31 days; the three
missed scrapes (indices 10–12) leave one unbridged hour-long span per GPU from scrape 9
(≈ 02:00:17) to scrape 13 (≈ 03:00:17): 02:00–02:15 and 03:00–03:15 are partly covered,
02:15–03:00 not at all. What the GPUs lack stays in their PDU's remainder, so the workloads'
energy and its sum, the revenue meter, do not move."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.flags import FLAG_NAMES, Flag
from tests.workflow.telemetry_site import GPU_W, GPUS, START, scrape_times, write_site

DAYS = 31
MISSED = (10, 11, 12)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return write_site(tmp_path_factory.mktemp("tree-cli"), days=DAYS, missed=MISSED)


@pytest.fixture(scope="module")
def report(site, tmp_path_factory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("out")
    args = ["report", "--site", str(site), "--period", "2025-07", "--out", str(out), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output), out


def test_attributed_energy_sums_to_the_revenue_meter(report):
    results, _ = report
    energy = results["energy_kwh"]
    hours = 24 * DAYS
    assert energy["total"] == pytest.approx(8.5 * hours, rel=1e-12)
    assert energy["ai"] + energy["mining"] + energy["other"] == pytest.approx(8.5 * hours)
    # IT 4.2 : 3.0 kW; cooling 1.0 kW and unmetered 0.3 kW pro rata to IT (7.2 kW)
    assert energy["ai"] == pytest.approx(hours * 4.2 * (1 + 1.3 / 7.2), rel=1e-9)
    assert energy["mining"] == pytest.approx(hours * 3.0 * (1 + 1.3 / 7.2), rel=1e-9)


def test_partial_and_missing_gpu_intervals_are_counted(report):
    results, _ = report
    meters = {m["id"]: m for m in results["quality"]["meters"]}
    for gpu in GPUS:
        assert meters[gpu]["categories"]["partial"] == 2
        assert meters[gpu]["missing"] == 3
    for other in ("revenue", "hall-ai", "pdu-1", "pdu-2", "miner-1"):
        assert meters[other]["categories"]["partial"] == 0
    assert results["quality"]["totals"]["categories"]["partial"] == 2 * len(GPUS)


def test_every_level_is_reconciled_in_the_report(report):
    results, _ = report
    found = {r["parent"]: r for r in results["reconciliation"]}
    assert set(found) == {"revenue", "hall-ai", "pdu-1", "pdu-2", "hall-mining"}
    # pdu-1's children lack the GPUs' unmetered hour less the two partial slivers
    times = scrape_times(96 * DAYS + 2)
    covered_h = (
        (times[9] - (START + pd.Timedelta(hours=2)))
        + (START + pd.Timedelta(hours=3, minutes=15) - times[13])
    ) / pd.Timedelta(hours=1)
    gpus_kwh = 2 * GPU_W / 1000 * (24 * DAYS - 1.25 + covered_h)
    assert found["pdu-1"]["children_kwh"] == pytest.approx(gpus_kwh, rel=1e-9)
    # intervals with a child missing are not compared (methodology §5.3): the PDU's 45 minutes
    # of 02:15–03:00 leave the comparison, the GPUs' partial intervals stay in it
    assert found["pdu-1"]["intervals_compared"] == 96 * DAYS - 3
    expected = 2.0 * (24 * DAYS - 0.75) - gpus_kwh
    assert found["pdu-1"]["residual_kwh"] == pytest.approx(expected, rel=1e-7)


def test_validate_runs_the_same_tree_reconciliation(site):
    result = CliRunner().invoke(app, ["validate", "--site", str(site), "--period", "2025-07"])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    text = " ".join(result.output.split())
    for parent, children in (
        ("revenue", "hall-ai, hall-mining, cooling"),
        ("hall-ai", "pdu-1, pdu-2"),
        ("pdu-1", "gpu-1a, gpu-1b"),
        ("pdu-2", "gpu-2a, gpu-2b"),
        ("hall-mining", "miner-1"),
    ):
        assert f"Reconciliation {parent} vs {children}" in text


def test_the_partial_flag_has_a_code_of_its_own():
    codes = [int(f) for f in Flag]
    assert len(codes) == len(set(codes)) == len(Flag.__members__)  # no alias shares a code
    assert FLAG_NAMES[int(Flag.PARTIAL)] == "partial"


def test_the_pdf_data_quality_table_shows_partial_coverage(report):
    _, out = report
    (pdf,) = out.glob("*/2025-07/v1/disclosure.pdf")
    text = " ".join(page.extract_text() or "" for page in pypdf.PdfReader(pdf).pages)
    text = " ".join(text.split())
    assert "Partial coverage" in text
    # Intervals, Measured, Missing, Imputed, Source-estimated, Conflicting, Negative, Above
    # rating, Counter reset, Off-grid, Partial coverage, Coverage [%]
    for gpu in GPUS:
        assert f"{gpu} 2,976 2,971 3 0 0 0 0 0 0 0 2 99.83" in text
    assert "pdu-1 2,976 2,976 0 0 0 0 0 0 0 0 0 100.00" in text
    assert "All meters 32,736 32,716 12 0 0 0 0 0 0 0 8" in text
