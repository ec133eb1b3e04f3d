"""Signed reports and an anchored ledger, end to end: the tamper suite's ledger half.

One signed version is written (the example site's November 2023 restated as v2 after its
v1 folder was lost and the loss recorded); every forgery below works on copies of it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from carbon.core.errors import MissingVersionError, OutputExistsError
from carbon.ledger.index import canonical_json, ledger_path, read_ledger, sha256_hex
from carbon.workflow import (
    ledger_checkpoint,
    missing_folders,
    new_keys,
    repair_ledger,
    verify_pdf,
    write_site_report,
)
from carbon.workflow.publish import WrittenReport


@pytest.fixture(scope="module")
def signed(example_issued, tmp_path_factory) -> dict[str, Any]:
    """v1 of the example issued, its folder deleted, the loss repaired, v2 issued signed."""
    folder, written = example_issued
    base = tmp_path_factory.mktemp("signed")
    keys = new_keys(base / "keys")
    root = base / "reports"
    shutil.copytree(written.path.parents[2], root)
    shutil.rmtree(root / "pecos" / "2023-11" / "v1")
    site = folder / "site.toml"
    with pytest.raises(MissingVersionError) as missing:
        write_site_report(site, "2023-11", root, status="issued", restate=True, reason="x")
    repair_ledger(root, "the v1 folder was deleted by mistake")
    with pytest.raises(OutputExistsError) as no_restate:
        write_site_report(site, "2023-11", root, status="issued")
    v2 = write_site_report(
        site,
        "2023-11",
        root,
        status="issued",
        restate=True,
        reason="re-issued after the loss of v1",
        sign_key=Path(keys["private_key"]),
    )
    return {
        "root": root,
        "v2": v2,
        "keys": keys,
        "other_keys": new_keys(base / "other-keys"),
        "missing": missing.value,
        "no_restate": no_restate.value,
        "v1": written,
    }


def _checks(found) -> dict[str, bool | None]:
    return {c.name: c.ok for c in found.checks}


def _copy(signed: dict, target: Path) -> Path:
    """A copy of the signed report root; the path of v2's PDF in it."""
    shutil.copytree(signed["root"], target)
    return target / "pecos" / "2023-11" / "v2" / "disclosure.pdf"


def _rechain(ledger: Path, seq: int, change: dict[str, Any]) -> None:
    """What a forger with write access does: drop the triggers, rewrite row `seq` with
    `change`, and recompute the hash of it and of every later row."""
    connection = sqlite3.connect(ledger, isolation_level=None)
    connection.execute("DROP TRIGGER entries_no_update")
    rows = connection.execute("SELECT seq, entry_json, prev_hash FROM entries ORDER BY seq")
    previous = None
    for number, text, prev_hash in rows.fetchall():
        entry = json.loads(text)
        if number == seq:
            entry.update(change)
        text = canonical_json(entry)
        prev_hash = prev_hash if previous is None else previous
        digest = sha256_hex((prev_hash + text).encode("utf-8"))
        connection.execute(
            "UPDATE entries SET entry_json = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?",
            (text, prev_hash, digest, number),
        )
        previous = digest
    connection.close()


def _forge(pdf: Path) -> dict[str, str]:
    """Halve the total energy in the embedded results.json, re-hash it into the manifest,
    write the PDF back; the new SHA-256 values a forger would put into the ledger."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(pdf))
    names = writer.root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    streams = {
        str(names[i]): names[i + 1].get_object()["/EF"]["/F"].get_object()
        for i in range(0, len(names), 2)
    }
    results = json.loads(streams["results.json"].get_data())
    results["energy_kwh"]["total"] *= 0.5
    results_bytes = json.dumps(results, indent=2, sort_keys=True).encode("utf-8")
    manifest = json.loads(streams["manifest.json"].get_data())
    manifest["results"]["results.json"] = hashlib.sha256(results_bytes).hexdigest()
    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    streams["results.json"].set_data(results_bytes)
    streams["manifest.json"].set_data(manifest_bytes)
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf.write_bytes(buffer.getvalue())
    for name in ("results.json", "manifest.json"):
        (pdf.parent / name).unlink()  # the forger removes the loose copies too
    return {
        "pdf_sha256": sha256_hex(buffer.getvalue()),
        "results_sha256": sha256_hex(results_bytes),
        "manifest_sha256": sha256_hex(manifest_bytes),
    }


def test_a_missing_issued_folder_is_named_and_repaired(signed) -> None:
    missing = signed["missing"]
    assert "pecos/2023-11/v1 is missing" in str(missing)
    assert "row 1" in str(missing) and "carbon ledger repair" in str(missing)
    assert missing.line == 1 and missing.reason == "version-folder-missing"
    assert "already exists" not in str(signed["no_restate"])
    assert "v1 is on record" in str(signed["no_restate"])
    rows = read_ledger(ledger_path(signed["root"]))
    assert [(r["seq"], r["status"], r["version"]) for r in rows] == [
        (1, "issued", 1),
        (2, "repair", -1),
        (3, "issued", 2),
    ]
    assert rows[1]["repairs"] == "pecos-2023-11-v1"
    assert rows[1]["reason"] == "the v1 folder was deleted by mistake"
    assert (
        rows[0]["entry_hash"]
        == read_ledger(ledger_path(signed["v1"].path.parents[2]))[0]["entry_hash"]
    )  # the lost version's row is untouched
    restatement = signed["v2"].manifest["restatement"]
    assert restatement["supersedes"]["report_id"] == "pecos-2023-11-v1"
    assert restatement["changed_figures"] is None
    assert restatement["superseded_folder_missing"]["repair_row"] == 2
    assert rows[2]["supersedes"] == "pecos-2023-11-v1" and rows[2]["changed_figures"] is None
    assert missing_folders(signed["root"]) == []
    assert repair_ledger(signed["root"], "again") == []  # nothing left to repair


def test_the_signed_version_verifies_with_its_public_key(signed) -> None:
    v2: WrittenReport = signed["v2"]
    manifest = v2.manifest
    assert manifest["signing"]["public_key_fingerprint"] == signed["keys"]["fingerprint"]
    anchor = manifest["ledger_anchor"]
    rows = read_ledger(ledger_path(signed["root"]))
    assert anchor["row"] == 3
    assert anchor["head_at_issue"] == {"seq": 2, "entry_hash": rows[1]["entry_hash"]}
    assert anchor["previous_head"] == {"seq": 1, "entry_hash": rows[0]["entry_hash"]}
    assert rows[2]["signature"]["public_key_fingerprint"] == signed["keys"]["fingerprint"]
    assert (v2.path / "signature.json").is_file()
    found = verify_pdf(
        v2.path / "disclosure.pdf",
        public_key=Path(signed["keys"]["public_key"]),
        recompute=False,
    )
    checks = _checks(found)
    assert found.ok, found.as_dict()
    assert checks["signature"] is True and checks["ledger anchor"] is True
    unkeyed = _checks(verify_pdf(v2.path / "disclosure.pdf", recompute=False))
    assert unkeyed["signature"] is None  # signed, but no key to check it with


def test_a_wrong_key_and_a_missing_signature_fail(signed) -> None:
    pdf = signed["v2"].path / "disclosure.pdf"
    wrong = verify_pdf(pdf, public_key=Path(signed["other_keys"]["public_key"]), recompute=False)
    assert [c.name for c in wrong.failures] == ["signature"]
    assert "wrong key" in wrong.failures[0].detail
    unsigned = verify_pdf(
        signed["v1"].path / "disclosure.pdf",
        public_key=Path(signed["keys"]["public_key"]),
        recompute=False,
    )
    assert [c.name for c in unsigned.failures] == ["signature"]
    assert "embeds no signature.json" in unsigned.failures[0].detail


def test_a_rehashed_forgery_with_a_rechained_ledger_fails_key_and_checkpoint(
    signed, tmp_path: Path
) -> None:
    pdf = _copy(signed, tmp_path / "reports")
    published = tmp_path / "checkpoint.json"
    ledger_checkpoint(tmp_path / "reports", published)
    before = verify_pdf(pdf, checkpoint=published, recompute=False)
    assert before.ok and _checks(before)["checkpoint"] is True
    _rechain(ledger_path(tmp_path / "reports"), 3, _forge(pdf))
    # the forgery holds together on its own: hashes, the ledger row, the chain
    forged = verify_pdf(pdf, recompute=False)
    assert _checks(forged)["results hashes"] and _checks(forged)["ledger"]
    # (its pages and exports were not made again from the forged results, so they fail
    # too; a forger who makes them again is left with the signature and the checkpoint)
    keyed = verify_pdf(pdf, public_key=Path(signed["keys"]["public_key"]), recompute=False)
    remade = ("rendered pages", "exports")
    assert [c.name for c in keyed.failures if c.name not in remade] == ["signature"]
    assert "manifest was altered" in keyed.failures[0].detail
    anchored = verify_pdf(pdf, checkpoint=published, recompute=False)
    assert [c.name for c in anchored.failures if c.name not in remade] == ["checkpoint"]
    assert "row 3" in anchored.failures[0].detail and "rewritten" in anchored.failures[0].detail


def test_an_earlier_row_rewritten_and_rechained_fails_the_anchor(signed, tmp_path: Path) -> None:
    pdf = _copy(signed, tmp_path / "reports")
    published = tmp_path / "checkpoint.json"
    ledger_checkpoint(tmp_path / "reports", published)
    _rechain(ledger_path(tmp_path / "reports"), 1, {"issue_date": "2023-12-02"})
    found = verify_pdf(pdf, checkpoint=published, recompute=False)
    assert _checks(found)["ledger chain"] is True  # re-chained: the chain alone holds
    assert [c.name for c in found.failures] == ["ledger anchor", "checkpoint"]
    assert "the ledger was rewritten" in found.failures[0].detail


def test_a_checkpoint_needs_the_rows_it_counted(signed, tmp_path: Path) -> None:
    pdf = _copy(signed, tmp_path / "reports")
    published = tmp_path / "checkpoint.json"
    ledger_checkpoint(tmp_path / "reports", published)
    with pytest.raises(OutputExistsError):
        ledger_checkpoint(tmp_path / "reports", published)  # never overwritten
    data = json.loads(published.read_text(encoding="utf-8"))
    data["rows"] = 4
    longer = tmp_path / "longer.json"
    longer.write_text(json.dumps(data), encoding="utf-8")
    found = verify_pdf(pdf, checkpoint=longer, recompute=False)
    assert [c.name for c in found.failures] == ["checkpoint"]
    assert "rows were removed" in found.failures[0].detail


def test_verify_on_the_command_line_takes_a_key_and_a_checkpoint(signed, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carbon.cli import app

    pdf = str(signed["v2"].path / "disclosure.pdf")
    published = tmp_path / "checkpoint.json"
    ledger_checkpoint(signed["root"], published)
    good = CliRunner().invoke(
        app,
        [
            "verify",
            pdf,
            "--no-recompute",
            "--public-key",
            signed["keys"]["public_key"],
            "--checkpoint",
            str(published),
        ],
    )
    assert good.exit_code == 0, good.output
    assert "ok   signature" in good.output and "ok   checkpoint" in good.output
    wrong = CliRunner().invoke(
        app, ["verify", pdf, "--no-recompute", "--public-key", signed["other_keys"]["public_key"]]
    )
    assert wrong.exit_code == 1 and "FAIL signature" in wrong.output
