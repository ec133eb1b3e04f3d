"""The ledger: versions are issued once, restated with a reason, and recorded append-only."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from carbon.accounting.serials import SerialUse, check_serials
from carbon.cli import app
from carbon.core.errors import ConfigError, OutputExistsError, SerialOverlapError
from carbon.ledger.index import (
    append_entry,
    diff_figures,
    latest_version,
    ledger_path,
    prior_serial_uses,
    read_ledger,
    serial_use_from_dict,
    serial_use_to_dict,
    verify_chain,
)
from carbon.site.instruments import SerialRange
from carbon.workflow import write_site_report
from tests.conftest import copy_tree
from tests.integration.test_example_site import write_example


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory, example_issued):
    """The example site issued for 2023-11 (v1), then one reading changed and restated (v2).

    v1 is a copy of the session's (tests/conftest.py): the site folder with its reports."""
    source, written = example_issued
    folder = tmp_path_factory.mktemp("site") / "example"
    v1 = copy_tree(written, source, folder)
    out = folder / "reports"
    site = folder / "site.toml"
    ledger_after_v1 = read_ledger(ledger_path(out, "pecos"))
    meters = pd.read_csv(folder / "meters.csv")
    row = meters.index[meters["meter_id"].eq("HALL-A")][100]
    meters.loc[row, "energy_kwh"] += 250.0  # one reading corrected upwards
    meters.to_csv(folder / "meters.csv", index=False)
    v2 = write_site_report(
        site, "2023-11", out, status="issued", restate=True, reason="HALL-A reading corrected"
    )
    return {
        "folder": folder,
        "out": out,
        "site": site,
        "v1": v1,
        "v2": v2,
        "ledger_after_v1": ledger_after_v1,
    }


def test_v1_is_written_and_recorded(issued) -> None:
    v1 = issued["v1"]
    assert v1.path.parts[-3:] == ("pecos", "2023-11", "v1")
    (entry, *_) = read_ledger(ledger_path(issued["out"], "pecos"))
    pdf = (v1.path / "disclosure.pdf").read_bytes()
    assert entry["report_id"] == "pecos-2023-11-v1"
    assert entry["period"] == "2023-11" and entry["version"] == 1
    assert entry["status"] == "issued" and entry["issue_date"] == "2023-12-01"
    assert entry["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    results = (v1.path / "results.json").read_bytes()
    assert entry["results_sha256"] == hashlib.sha256(results).hexdigest()
    assert entry["supersedes"] is None and entry["reason"] is None
    manifest = json.loads((v1.path / "manifest.json").read_text())
    assert manifest["restatement"] is None
    assert len(manifest["rendered_html_sha256"]) == 64
    assert manifest["rendered_html_sha256"] == entry["rendered_html_sha256"]


def test_a_second_v1_is_refused(issued, tmp_path: Path) -> None:
    out = issued["out"]
    before = ledger_path(out, "pecos").read_bytes()
    with pytest.raises(OutputExistsError, match=r"never overwritten.*--restate"):
        write_site_report(issued["site"], "2023-11", out, status="issued")
    assert ledger_path(out, "pecos").read_bytes() == before
    assert sorted(p.name for p in (out / "pecos" / "2023-11").iterdir()) == ["v1", "v2"]


def test_restate_needs_a_reason_and_something_to_restate(issued) -> None:
    with pytest.raises(ConfigError, match="--reason"):
        write_site_report(issued["site"], "2023-11", issued["out"], restate=True)
    with pytest.raises(ConfigError, match="--status"):
        write_site_report(issued["site"], "2023-11", issued["out"], status="final")
    with pytest.raises(ConfigError, match="nothing to restate"):
        write_site_report(
            issued["site"], "2023-11", issued["out"] / "empty", restate=True, reason="x"
        )


def test_restatement_records_what_changed(issued) -> None:
    v1, v2 = issued["v1"], issued["v2"]
    assert v2.path.parts[-1] == "v2"
    assert v2.results["version"] == 2 and v2.results["report_id"] == "pecos-2023-11-v2"
    manifest = json.loads((v2.path / "manifest.json").read_text())
    restatement = manifest["restatement"]
    assert restatement["supersedes"]["report_id"] == "pecos-2023-11-v1"
    assert restatement["supersedes"]["version"] == 1
    assert restatement["reason"] == "HALL-A reading corrected"
    changed = {c["path"]: c for c in restatement["changed_figures"]}
    it = changed["it_energy_kwh.mining"]
    assert it["old"] == pytest.approx(v1.results["it_energy_kwh"]["mining"])
    assert it["new"] == pytest.approx(v1.results["it_energy_kwh"]["mining"] + 250.0)
    assert "meters[HALL-A].energy_kwh" in changed
    assert "kpis.pue" in changed
    assert "allocation.unmetered_residual_kwh" in changed  # less is left unmetered
    assert "version" not in changed and "report_id" not in changed
    # the revenue meter was not touched: its energy and the site total are not listed
    assert "meters[REV].energy_kwh" not in changed and "energy_kwh.total" not in changed
    (meters,) = [c for c in restatement["changed_inputs"] if c["path"] == "meters.csv"]
    assert meters["old_sha256"] != meters["new_sha256"]
    # the same restatement is embedded in the PDF
    from pypdf import PdfReader

    embedded = PdfReader(v2.path / "disclosure.pdf").attachments["manifest.json"][0]
    assert json.loads(embedded)["restatement"] == restatement


def test_ledger_is_append_only(issued) -> None:
    rows = read_ledger(ledger_path(issued["out"], "pecos"))
    assert rows[: len(issued["ledger_after_v1"])] == issued["ledger_after_v1"]  # v1 row unchanged
    assert verify_chain(ledger_path(issued["out"], "pecos")) == []
    first, second = rows[:2]
    assert second["prev_hash"] == first["entry_hash"]
    assert first["report_id"] == "pecos-2023-11-v1" and first["status"] == "issued"
    assert second["report_id"] == "pecos-2023-11-v2"
    assert second["supersedes"] == "pecos-2023-11-v1"
    assert second["reason"] == "HALL-A reading corrected"
    assert second["changed_figures"] > 0
    assert latest_version(issued["out"], "pecos", "2023-11") == 2


def test_cli_report_restate_and_issue_date(issued) -> None:
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(issued["site"]),
            "--period",
            "2023-11",
            "--out",
            str(issued["out"]),
        ],
    )
    assert result.exit_code == 1
    assert "--restate" in str(result.exception)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(issued["site"]),
            "--period",
            "2023-11",
            "--out",
            str(issued["out"]),
            "--issue-date",
            "2023-12-15",
            "--restate",
            "--reason",
            "nothing changed",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Restates pecos-2023-11-v2 (nothing changed): 0 figure(s) changed" in result.output
    v3 = issued["out"] / "pecos" / "2023-11" / "v3"
    results = json.loads((v3 / "results.json").read_text())
    assert results["issue_date"] == "2023-12-15" and results["status"] == "draft"
    manifest = json.loads((v3 / "manifest.json").read_text())
    assert manifest["restatement"]["changed_figures"] == []  # none, but still recorded
    # v3 is a draft: written as a folder, watermarked, not recorded in the ledger
    assert (v3 / "disclosure.pdf").is_file()
    assert read_ledger(ledger_path(issued["out"], "pecos"))[-1]["report_id"] == "pecos-2023-11-v2"


# --------------------------------------------------------------------------- serials

UTC_MINUS_5 = timezone(timedelta(hours=-5))


def _use(instrument: str, first: int, last: int, month: int = 7) -> SerialUse:
    tz = UTC_MINUS_5
    return SerialUse(
        instrument_id=instrument,
        site_id="demo",
        consumption_start=datetime(2025, month, 1, tzinfo=tz),
        consumption_end=datetime(2025, month + 1, 1, tzinfo=tz),
        serials=SerialRange("ERCOT REC", "WND-", first, last, 6),
    )


def _entry(report_id: str, period: str, status: str, uses, supersedes=None) -> dict:
    return {
        "report_id": report_id,
        "site_id": "demo",
        "period": period,
        "version": int(report_id[-1]),
        "status": status,
        "supersedes": supersedes,
        "serial_uses": [serial_use_to_dict(u) for u in uses],
    }


def test_serial_use_round_trips() -> None:
    use = _use("rec-1", 1, 6000)
    data = serial_use_to_dict(use)
    assert data["serial_start"] == "WND-000001" and data["serial_end"] == "WND-006000"
    assert serial_use_from_dict(json.loads(json.dumps(data))) == use


def test_prior_serial_uses_reads_issued_versions_in_force(tmp_path: Path) -> None:
    path = ledger_path(tmp_path, "demo")
    append_entry(path, _entry("demo-2025-06-v1", "2025-06", "issued", [_use("a", 1, 10, 6)]))
    append_entry(path, _entry("demo-2025-07-v1", "2025-07", "issued", [_use("b", 11, 20)]))
    append_entry(
        path,
        _entry("demo-2025-07-v2", "2025-07", "issued", [_use("c", 21, 30)], "demo-2025-07-v1"),
    )
    append_entry(path, _entry("demo-2025-08-v1", "2025-08", "draft", [_use("d", 31, 40, 8)]))
    ids = {u.instrument_id for u in prior_serial_uses(tmp_path, "demo")}
    assert ids == {"a", "c"}  # b is superseded by c; d is only a draft
    assert {u.instrument_id for u in prior_serial_uses(tmp_path, None)} == {"a", "c"}
    ids = {u.instrument_id for u in prior_serial_uses(tmp_path, "demo", exclude_period="2025-07")}
    assert ids == {"a"}
    assert prior_serial_uses(tmp_path, "elsewhere") == ()

    class Rec:  # a record applying serials issued before
        id = "z"
        site_id = "demo"
        consumption_start = datetime(2025, 9, 1, tzinfo=UTC_MINUS_5)
        consumption_end = datetime(2025, 10, 1, tzinfo=UTC_MINUS_5)
        serials = SerialRange("ERCOT REC", "WND-", 25, 26, 6)

    with pytest.raises(SerialOverlapError, match="WND-000025"):
        check_serials([Rec()], prior_uses=prior_serial_uses(tmp_path, "demo"))


def test_diff_figures_names_paths_and_respects_tolerance() -> None:
    old = {
        "version": 1,
        "energy_kwh": {"total": 100.0, "ai": 40.0},
        "meters": [{"id": "REV", "energy_kwh": 100.0}, {"id": "A", "energy_kwh": 40.0}],
        "kpis": {"pue": None},
        "site": {"name": "x"},
    }
    new = json.loads(json.dumps(old))
    new["version"] = 2
    new["energy_kwh"]["total"] = 100.0 * (1 + 1e-12)  # within 1e-9
    new["energy_kwh"]["ai"] = 41.0
    new["meters"][1]["energy_kwh"] = 41.0
    new["kpis"]["pue"] = 1.2
    new["site"]["name"] = "y"
    changes = {c["path"]: (c["old"], c["new"]) for c in diff_figures(old, new)}
    assert changes == {
        "energy_kwh.ai": (40.0, 41.0),
        "meters[A].energy_kwh": (40.0, 41.0),
        "kpis.pue": (None, 1.2),
    }
    every = {c["path"] for c in diff_figures(old, new, numbers_only=False)}
    assert "site.name" in every


def test_the_pdf_shows_the_restatement(issued) -> None:
    from pypdf import PdfReader

    def text(path: Path) -> str:
        return "\n".join(p.extract_text() for p in PdfReader(path / "disclosure.pdf").pages)

    first = text(issued["v1"].path)
    flat = " ".join(first.split())
    assert "Restatements: not applicable: this version restates no earlier issued version" in flat
    second = text(issued["v2"].path)
    start = second.index("Restatements\nThis version")
    section = second[start : second.index("Framework mapping\nWhere")]
    assert "restates pecos-2023-11-v1" in " ".join(section.split())
    assert "HALL-A reading corrected" in section
    manifest = json.loads((issued["v2"].path / "manifest.json").read_text())
    changes = manifest["restatement"]["changed_figures"]
    it = next(c for c in changes if c["path"] == "it_energy_kwh.mining")
    assert "it_energy_kwh.mining" in section
    # old, new and the change of 250 kWh, as printed (1 decimal above 1,000)
    assert f"{it['old']:,.1f}" in section and f"{it['new']:,.1f}" in section
    assert "250.000" in section
    assert "meters.csv" in section  # the changed input


def test_history_of_a_site_file(issued) -> None:
    result = CliRunner().invoke(
        app, ["history", "--site", str(issued["site"]), "--out", str(issued["out"]), "--json"]
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["site_id"] == "pecos" and found["chain_ok"] is True
    v1, v2 = found["versions"][:2]  # a draft v3 (another test) is never listed
    assert [v["status"] for v in found["versions"]] == ["issued"] * len(found["versions"])
    assert v1["report_id"] == "pecos-2023-11-v1" and v1["restated_by"] == "pecos-2023-11-v2"
    assert v2["supersedes"] == "pecos-2023-11-v1" and v2["reason"] == "HALL-A reading corrected"
    assert v2["restated_by"] is None
    pdf = (issued["v2"].path / "disclosure.pdf").read_bytes()
    assert v2["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()


@pytest.mark.slow  # writes four versions of the example site
def test_issuing_after_drafts_only_takes_the_next_number_without_restating(tmp_path: Path) -> None:
    """Drafts are never published: the first issued version of a period needs no --restate,
    takes the number after the drafts, restates nothing, and leaves the drafts untouched.
    Drafting again after that needs --restate, and a restatement supersedes the latest
    issued version, not a later draft."""
    write_example(tmp_path)
    site = tmp_path / "site.toml"
    out = tmp_path / "reports"
    draft = write_site_report(site, "2023-11", out, baseline="none")
    draft_pdf = (draft.path / "disclosure.pdf").read_bytes()
    with pytest.raises(OutputExistsError, match="--restate"):
        write_site_report(
            site, "2023-11", out, baseline="none"
        )  # a second draft still needs --restate
    issued = write_site_report(site, "2023-11", out, status="issued", baseline="none")
    assert issued.path.name == "v2" and issued.results["status"] == "issued"
    manifest = json.loads((issued.path / "manifest.json").read_text())
    assert manifest["restatement"] is None
    assert [e["version"] for e in read_ledger(ledger_path(out, "pecos"))] == [2]
    assert (draft.path / "disclosure.pdf").read_bytes() == draft_pdf
    with pytest.raises(OutputExistsError, match="--restate"):
        write_site_report(site, "2023-11", out, status="issued", baseline="none")
    later_draft = write_site_report(
        site, "2023-11", out, restate=True, reason="review", baseline="none"
    )
    assert later_draft.path.name == "v3"
    v4 = write_site_report(
        site, "2023-11", out, status="issued", restate=True, reason="fix", baseline="none"
    )
    restatement = json.loads((v4.path / "manifest.json").read_text())["restatement"]
    assert restatement["supersedes"]["version"] == 2
    assert restatement["supersedes"]["status"] == "issued"
