"""``carbon verify``: an untouched PDF holds; a flipped byte, a changed input or figure does not."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.ledger.index import read_ledger
from carbon.workflow.verify import verify_pdf


def invoke(*args: str):
    return CliRunner().invoke(app, ["verify", *args])


# demo_issued and demo_restated: the demo's July 2025 issued, and restated, written once
# for the test session (tests/conftest.py); read only, copied where a test writes.


@pytest.fixture
def site_issued(example_issued):
    """The example site's folder and its November 2023 issued (tests/conftest.py)."""
    return example_issued


def flipped_copy(pdf: Path, target: Path) -> Path:
    """A copy of `pdf` with one bit changed in the middle of the file: in the first stream
    that starts after the middle, so the flip is inside compressed data wherever the layout
    puts the object boundaries."""
    data = bytearray(pdf.read_bytes())
    inside = data.find(b">>\nstream\n", len(data) // 2) + len(b">>\nstream\n") + 16
    data[inside] ^= 0x01
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(bytes(data))
    return target


def test_untouched_demo_pdf_verifies(demo_issued) -> None:
    result = invoke(str(demo_issued.path / "disclosure.pdf"), "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["ok"] is True and found["report_id"] == "demo-2025-07-v1"
    checks = {c["name"]: c["ok"] for c in found["checks"]}
    assert checks == {
        "pdf structure": True,
        "embedded files": True,
        "results hashes": True,
        "manifest identity": True,
        "ledger chain": True,
        "ledger": True,
        "ledger anchor": True,  # the ledger head recorded at issue still holds
        "version folder": True,
        "rendered pages": True,  # rendered again from the embedded data: the same bytes
        "input hashes": True,
        "recomputed figures": True,
        "recomputed pages": True,
        "rendered content": True,
        "tenant statements": True,  # the demo has three AI tenants
        "operating update": True,
        "exports": True,  # built again from the embedded results: the same bytes
        "export files": True,
    }
    assert found["differing_figures"] == [] and found["differing_inputs"] == []
    assert found["differing_pages"] == [] and found["page_check"] == "bytes"


def test_demo_issue_records_its_serials(demo_issued) -> None:
    (entry,) = read_ledger(demo_issued.path.parents[2] / "ledger.sqlite")
    assert entry["status"] == "issued"
    assert [u["instrument_id"] for u in entry["serial_uses"]] == ["rec-wind-2025-07"]
    assert entry["serial_uses"][0]["serial_start"] == "DEMO-WND-2025-000001"


def test_a_flipped_byte_fails_against_the_ledger(demo_issued, tmp_path: Path) -> None:
    # the same tree layout, so that the ledger is found by walking up from the PDF
    root = tmp_path / "copy"
    root.mkdir()
    shutil.copy(demo_issued.path.parents[2] / "ledger.sqlite", tmp_path / "ledger.sqlite")
    shutil.copy(tmp_path / "ledger.sqlite", root / "ledger.sqlite")
    pdf = flipped_copy(
        demo_issued.path / "disclosure.pdf", root / "demo" / "2025-07" / "v1" / "disclosure.pdf"
    )
    result = invoke(str(pdf), "--no-recompute")
    assert result.exit_code == 1, result.output
    assert "FAIL ledger: PDF SHA-256 mismatch" in result.output
    assert "NOT verified" in result.output
    # anywhere else, with the ledger named explicitly
    loose = flipped_copy(demo_issued.path / "disclosure.pdf", tmp_path / "loose.pdf")
    result = invoke(str(loose), "--ledger", str(tmp_path / "ledger.sqlite"), "--no-recompute")
    assert result.exit_code == 1 and "PDF SHA-256 mismatch" in result.output


def test_without_a_ledger_it_says_so_and_still_checks_the_file(demo_issued, tmp_path: Path) -> None:
    copy = tmp_path / "disclosure.pdf"
    shutil.copy(demo_issued.path / "disclosure.pdf", copy)
    found = verify_pdf(copy, recompute=False)
    assert found.ok
    ledger = next(c for c in found.checks if c.name == "ledger")
    assert ledger.ok is None and "no ledger found" in ledger.detail
    # a flipped byte in a compressed stream fails its checksum even without a ledger
    damaged = verify_pdf(
        flipped_copy(demo_issued.path / "disclosure.pdf", tmp_path / "x.pdf"), recompute=False
    )
    assert not damaged.ok
    # the middle byte falls in a page stream or in an attached file, as the layout has it
    names = [c.name for c in damaged.failures]
    assert names[0] == "pdf structure" and set(names) <= {"pdf structure", "embedded files"}
    assert "checksum" in damaged.failures[0].detail


def test_restating_the_demo_without_changes_is_recorded(demo_restated) -> None:
    v1, v2 = demo_restated  # v2: --restate --reason "reviewed, no change" (tests/conftest.py)
    root = v2.path.parents[2]
    manifest = json.loads((v2.path / "manifest.json").read_text())
    assert manifest["restatement"]["changed_figures"] == []
    assert manifest["restatement"]["changed_inputs"] == []
    assert manifest["restatement"]["supersedes"]["report_id"] == "demo-2025-07-v1"
    first, second = read_ledger(root / "ledger.sqlite")
    assert second["supersedes"] == first["report_id"] and second["changed_figures"] == 0
    # v1 still verifies, and says it was superseded
    found = verify_pdf(v1.path / "disclosure.pdf", recompute=False)
    assert found.ok
    assert any("superseded by demo-2025-07-v2" in n for n in found.notes)


def test_site_pdf_verifies_against_its_inputs(site_issued) -> None:
    folder, written = site_issued
    result = invoke(str(written.path / "disclosure.pdf"), "--inputs", str(folder))
    assert result.exit_code == 0, result.output
    assert "Verified: every check holds." in result.output
    assert "ok   recomputed figures" in result.output


def test_site_pdf_without_inputs_is_not_recomputed(site_issued) -> None:
    _, written = site_issued
    found = verify_pdf(written.path / "disclosure.pdf")
    assert found.ok
    assert next(c for c in found.checks if c.name == "recomputation").ok is None


def test_changed_input_fails_and_names_figures_and_input(site_issued, tmp_path: Path) -> None:
    folder, written = site_issued
    edited = tmp_path / "site"
    shutil.copytree(folder, edited, ignore=shutil.ignore_patterns("reports"))
    meters = pd.read_csv(edited / "meters.csv")
    row = meters.index[meters["meter_id"].eq("REV")][10]
    meters.loc[row, "energy_kwh"] += 1000.0
    meters.to_csv(edited / "meters.csv", index=False)
    result = invoke(str(written.path / "disclosure.pdf"), "--inputs", str(edited), "--json")
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)
    assert [d["input"] for d in found["differing_inputs"]] == ["meters.csv"]
    paths = {d["path"]: d for d in found["differing_figures"]}
    total = paths["energy_kwh.total"]
    assert total["new"] == pytest.approx(total["old"] + 1000.0)
    assert "meters[REV].energy_kwh" in paths
    failed = {c["name"] for c in found["checks"] if c["ok"] is False}
    assert failed == {"input hashes", "recomputed figures"}
    # the human-readable form lists the same
    text = invoke(str(written.path / "disclosure.pdf"), "--inputs", str(edited)).output
    assert "input changed: meters.csv" in text
    assert "differs: energy_kwh.total:" in text


def test_inputs_folder_without_site_file_is_a_usage_error(site_issued, tmp_path: Path) -> None:
    _, written = site_issued
    result = CliRunner().invoke(
        app, ["verify", str(written.path / "disclosure.pdf"), "--inputs", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "no site.toml" in str(result.exception)


def test_the_operating_update_is_recorded_and_checked(demo_issued, tmp_path: Path) -> None:
    recorded = demo_issued.manifest["operating_update"]
    assert set(recorded) == {"operating-update.pdf", "operating-update.json"}
    assert demo_issued.ledger_entry["operating_update_sha256"] == recorded
    copy = tmp_path / "v1"
    shutil.copytree(demo_issued.path, copy)
    (copy / "operating-update.json").write_bytes(b"{}\n")
    found = verify_pdf(copy / "disclosure.pdf", recompute=False)
    check = {c.name: c for c in found.checks}["operating update"]
    assert check.ok is False and "operating-update.json hashes to" in check.detail


def test_the_exports_are_recorded_and_checked(demo_issued, tmp_path: Path) -> None:
    recorded = demo_issued.manifest["exports"]
    assert set(recorded) == {"exports/mica.json", "exports/eed.json", "exports/esrs-ifrs.json"}
    for name, sha in recorded.items():
        assert hashlib.sha256((demo_issued.path / name).read_bytes()).hexdigest() == sha
    copy = tmp_path / "v1"
    shutil.copytree(demo_issued.path, copy)
    (copy / "exports" / "mica.json").write_bytes(b"{}\n")
    found = verify_pdf(copy / "disclosure.pdf", recompute=False)
    checks = {c.name: c for c in found.checks}
    assert checks["export files"].ok is False
    assert "exports/mica.json hashes to" in checks["export files"].detail
    assert checks["exports"].ok is True  # the embedded results still give the recorded exports
