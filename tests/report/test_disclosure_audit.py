"""Audit properties of the disclosure: PDF/A-3b structure, tenant statements, draft watermark,
framework mapping, sign-off and ``carbon history``."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

import carbon.workflow.run as period_run
from carbon.cli import app
from carbon.ledger.index import ledger_path, read_ledger
from carbon.report.audit_context import framework_tables, load_datapoints
from carbon.report.disclosure import report_context
from carbon.report.render import render_html
from carbon.report.tenants import statement_name, tenant_statements
from carbon.workflow import write_demo_report

ODD_TENANT = "<b>Beta</b>&Co"
METHOD = "IT energy metered per tenant; shared load allocated pro rata to IT energy."


def with_tenants(results: dict) -> dict:
    """Add a ``tenants`` block (the pipeline's schema) splitting the AI figures 60/40."""
    keys = {
        "it_energy_kwh": results["it_energy_kwh"]["ai"],
        "energy_kwh": results["energy_kwh"]["ai"],
        "scope2_location_kgco2e": results["scope2_location_kgco2e"]["ai"],
        "scope2_market_kgco2e": results["scope2_market_kgco2e"]["ai"],
        "scope2_market_hourly_matching_kgco2e": results["scope2_market_kgco2e"]["ai"] * 1.1,
    }

    def share(fraction: float, meters: list[str]) -> dict:
        return {"workload": "ai", "meters": meters, **{k: v * fraction for k, v in keys.items()}}

    zero = {k: 0.0 for k in keys}
    return {
        **results,
        "tenants": {
            "method": METHOD,
            "by_tenant": {"acme-ai": share(0.6, ["HALL-C"]), ODD_TENANT: share(0.4, ["HALL-D"])},
            "not_tenanted": {**zero, "meters": []},
        },
    }


@pytest.fixture(scope="module")
def tenanted(tmp_path_factory: pytest.TempPathFactory):
    """The demo issued, with two AI tenants in its results."""
    out = tmp_path_factory.mktemp("reports")
    real = period_run.build_results
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(period_run, "build_results", lambda o, m: with_tenants(real(o, m)))
        written = write_demo_report(out, status="issued")
    return out, written


@pytest.fixture
def draft(demo_draft):
    """The demo written as a draft (tests/conftest.py): its report root and the report."""
    return demo_draft.path.parents[2], demo_draft


# --------------------------------------------------------------------------- PDF/A-3b


def _embedded(reader: PdfReader) -> dict[str, dict]:
    root = reader.trailer["/Root"]
    names = root["/Names"]["/EmbeddedFiles"]["/Names"]
    found = {}
    for name, ref in zip(names[0::2], names[1::2], strict=True):
        spec = ref.get_object()
        stream = spec["/EF"]["/F"].get_object()
        found[str(name)] = {
            "ref": ref.idnum,
            "relationship": spec.get("/AFRelationship"),
            "subtype": stream.get("/Subtype"),
            "params": stream.get("/Params"),
            "data": stream.get_data(),
        }
    return found


def assert_pdfa3b(path: Path, expected: dict[str, tuple[str, str]], day: str) -> dict[str, dict]:
    """XMP identification, output intent with an ICC profile, associated files, dates."""
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    xmp = reader.xmp_metadata
    assert xmp is not None
    text = xmp.rdf_root.toxml()
    assert 'pdfaid:part="3"' in text and 'pdfaid:conformance="B"' in text
    assert f"<xmp:CreateDate>{day}</xmp:CreateDate>" in text
    assert f"<xmp:ModifyDate>{day}</xmp:ModifyDate>" in text
    (intent,) = [i.get_object() for i in root["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"  # an ICC profile
    files = _embedded(reader)
    assert sorted(files) == sorted(expected)
    for name, (relationship, subtype) in expected.items():
        assert files[name]["relationship"] == relationship, name
        assert files[name]["subtype"] == subtype, name
        stamp = "D:" + day.replace("-", "") + "000000Z"
        assert files[name]["params"]["/CreationDate"] == stamp
        assert files[name]["params"]["/ModDate"] == stamp
    # every embedded file is an associated file of the document
    assert {ref.idnum for ref in root["/AF"]} == {f["ref"] for f in files.values()}
    info = reader.metadata
    assert info["/CreationDate"].startswith("D:" + day.replace("-", ""))
    assert info["/ModDate"].startswith("D:" + day.replace("-", ""))
    return files


def test_the_disclosure_is_pdfa3b_with_its_associated_files(tenanted) -> None:
    _, written = tenanted
    files = assert_pdfa3b(
        written.path / "disclosure.pdf",
        {
            "results.json": ("/Data", "/application/json"),
            "results.csv": ("/Data", "/text/csv"),
            "manifest.json": ("/Supplement", "/application/json"),
            "render-series.json": ("/Data", "/application/json"),
        },
        "2025-08-01",
    )
    for name in ("results.json", "results.csv", "manifest.json", "render-series.json"):
        assert files[name]["data"] == (written.path / name).read_bytes()


# --------------------------------------------------------------------------- tenants


def test_a_statement_per_ai_tenant_is_written_and_recorded(tenanted) -> None:
    out, written = tenanted
    names = sorted(p.relative_to(written.path).as_posix() for p in written.path.rglob("*.pdf"))
    odd = statement_name(ODD_TENANT)
    assert names == sorted(["disclosure.pdf", "operating-update.pdf", "tenants/acme-ai.pdf", odd])
    assert odd.startswith("tenants/b_Beta__b__Co-") and odd.endswith(".pdf")
    hashes = {
        n: hashlib.sha256((written.path / n).read_bytes()).hexdigest()
        for n in ("tenants/acme-ai.pdf", odd)
    }
    manifest = json.loads((written.path / "manifest.json").read_text())
    assert manifest["tenant_statements"] == hashes
    (entry,) = read_ledger(ledger_path(out))
    assert entry["tenant_statements_sha256"] == hashes


def test_a_statement_holds_the_tenants_figures_on_both_bases(tenanted) -> None:
    _, written = tenanted
    path = written.path / "tenants" / "acme-ai.pdf"
    files = assert_pdfa3b(path, {"tenant.json": ("/Data", "/application/json")}, "2025-08-01")
    figures = json.loads(files["tenant.json"]["data"])
    block = written.results["tenants"]["by_tenant"]["acme-ai"]
    assert figures["parent_report_id"] == "demo-2025-07-v1"
    assert figures["method"] == METHOD and figures["meters"] == ["HALL-C"]
    for key in ("energy_kwh", "it_energy_kwh", "scope2_location_kgco2e", "scope2_market_kgco2e"):
        assert figures[key] == block[key]
    assert figures["scope2_location_kgco2e"] == pytest.approx(
        0.6 * written.results["scope2_location_kgco2e"]["ai"]
    )
    text = PdfReader(path).pages[0].extract_text()
    assert "demo-2025-07-v1" in text and "acme-ai" in text
    assert "Scope 2, location-based" in text and "Scope 2, market-based" in text
    lb_t = block["scope2_location_kgco2e"] / 1000  # kg -> t, as printed
    assert f"{lb_t:,.1f}" in text
    assert f"{block['energy_kwh'] / 1000:,.1f}" in text  # kWh -> MWh
    assert len(PdfReader(path).pages) == 1


def test_statements_escape_the_tenant_id_and_are_deterministic(tenanted) -> None:
    _, written = tenanted
    path = written.path / statement_name(ODD_TENANT)
    text = PdfReader(path).pages[0].extract_text()
    assert ODD_TENANT in text  # shown as text, not interpreted as markup
    again = tenant_statements(written.results)
    for name, data in again.items():
        assert data == (written.path / name).read_bytes(), name


def test_no_tenants_no_statements(tenanted) -> None:
    _, written = tenanted
    results = {k: v for k, v in written.results.items() if k != "tenants"}
    assert tenant_statements(results) == {}
    empty = {**results, "tenants": {"method": "x", "by_tenant": {}, "not_tenanted": {}}}
    assert tenant_statements(empty) == {}


# --------------------------------------------------------------------------- draft


def test_a_draft_is_watermarked_on_every_page_and_not_recorded(draft, tenanted) -> None:
    out, written = draft
    assert not ledger_path(out).exists()
    pages = PdfReader(written.path / "disclosure.pdf").pages
    for number, page in enumerate(pages, start=1):
        # the watermark and the running footer; the cover also has its stamp
        assert page.extract_text().count("DRAFT") >= 2, number
    issued = PdfReader(tenanted[1].path / "disclosure.pdf").pages
    assert all("DRAFT" not in page.extract_text() for page in issued)
    result = CliRunner().invoke(app, ["history", "--demo", "--out", str(out), "--json"])
    assert result.exit_code == 0 and json.loads(result.output)["versions"] == []


def test_draft_option_is_status_draft(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--out", str(tmp_path), "--draft", "--status", "issued"]
    )
    assert result.exit_code == 2 and "--draft contradicts" in result.output


# --------------------------------------------------------------------------- history


def test_history_lists_issued_versions(tenanted) -> None:
    out, written = tenanted
    pdf_sha = hashlib.sha256((written.path / "disclosure.pdf").read_bytes()).hexdigest()
    for args in (["--demo"], ["--site-id", "demo"]):
        result = CliRunner().invoke(app, ["history", *args, "--out", str(out), "--json"])
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)
        assert found["chain_ok"] is True
        (v1,) = found["versions"]
        assert v1["report_id"] == "demo-2025-07-v1" and v1["version"] == 1
        assert v1["status"] == "issued" and v1["issue_date"] == "2025-08-01"
        assert v1["pdf_sha256"] == pdf_sha and v1["restated_by"] is None
    result = CliRunner().invoke(app, ["history", "--demo", "--out", str(out)])
    assert "demo-2025-07-v1" in result.output and "intact" in result.output
    result = CliRunner().invoke(app, ["history", "--out", str(out)])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- mapping, sign-off


def test_framework_mapping_points_at_figures_or_says_why_not(tenanted) -> None:
    _, written = tenanted
    results = written.results
    tables = {t["id"]: t for t in framework_tables(results)}
    assert set(tables) == {"ghg", "esrs", "eed", "ifrs", "sasb", "gri", "cdp", "sb253"}
    for table in tables.values():
        for row in table["rows"]:
            if row["status"]:
                assert row["status"] in ("not applicable", "not available") and row["note"]
                assert row["value"] == ""
            else:
                assert row["value"] and row["section"]
    rows = {r["item"]: r for r in tables["ghg"]["rows"]}
    lb = rows["Scope 2, location-based"]
    assert lb["value"] == f"{results['scope2_location_kgco2e']['total'] / 1000:,.1f}"
    assert lb["unit"] == "t CO2e" and lb["section"] == "scopes"  # numbered when rendered
    total = {r["item"]: r for r in tables["esrs"]["rows"]}[
        "E1-6: total GHG emissions, market-based"
    ]
    expected = (
        results["scope1_kgco2e"]["total"]
        + results["scope2_market_kgco2e"]["total"]
        + results["scope3_3_td_losses_kgco2e"]["total"]
    ) / 1000
    assert total["value"] == f"{expected:,.1f}"
    # a key the results lack is "not available", with the map's reason
    eed_rows = {r["item"]: r for r in tables["eed"]["rows"]}
    wue = eed_rows["Annex II: water usage effectiveness (WUE)"]
    assert wue["status"] is None and wue["value"] == f"{results['kpis']['wue']:,.3f}"
    assert wue["unit"] == "L/kWh"
    no_water = {**results, "kpis": {k: v for k, v in results["kpis"].items() if k != "wue"}}
    (eed,) = [t for t in framework_tables(no_water) if t["id"] == "eed"]
    row = {r["item"]: r for r in eed["rows"]}["Annex II: water usage effectiveness (WUE)"]
    assert row["status"] == "not available"
    gone = {**results, "kpis": {}}
    (eed,) = [t for t in framework_tables(gone) if t["id"] == "eed"]
    row = {r["item"]: r for r in eed["rows"]}["Annex II: power usage effectiveness (PUE)"]
    assert row["status"] == "not available" and "kpis.pue" in row["note"]


def test_the_datapoint_map_is_checked(tmp_path: Path) -> None:
    assert len(load_datapoints()) == 8
    bad = tmp_path / "map.toml"
    bad.write_text(
        '[[framework]]\nid = "x"\ntitle = "X"\n[[framework.row]]\nitem = "a"\n'
        'status = "n/a"\nreason = "r"\n'
    )
    with pytest.raises(ValueError, match="status must be"):
        load_datapoints(bad)
    bad.write_text(
        '[[framework]]\nid = "x"\ntitle = "X"\n[[framework.row]]\nitem = "a"\n'
        'status = "not available"\n'
    )
    with pytest.raises(ValueError, match="no reason"):
        load_datapoints(bad)


def test_signoff_shows_names_and_blank_lines(tenanted) -> None:
    _, written = tenanted
    signoff = {
        "prepared_by": "A. <script>alert(1)</script> Analyst",
        "prepared_on": "2025-08-01",
        "reviewed_by": None,
        "reviewed_on": None,
        "approved_by": "C. Officer",
        "approved_on": None,
    }
    context = report_context(
        written.results,
        written.outcome.power_by_workload,
        {"restatement": None, "signoff": signoff},
    )
    html = render_html(context)
    block = html[html.index('id="signoff"') :]
    assert "A. &lt;script&gt;alert(1)&lt;/script&gt; Analyst" in block
    assert "<script>" not in html
    assert "C. Officer" in block and "2025-08-01" in block
    assert block.count('<td class="line"></td>') == 3 + 2 + 1  # signature cells and blanks
    # no restatement: one line in the contents, no section
    assert 'id="restatements"' not in html
    assert "Restatements: not applicable: this version restates no earlier issued version" in html
    # the audit appendices close the document
    titles = [s["title"] for s in context["sections"]]
    assert titles[-2:] == ["Framework mapping", "Sign-off"]
    assert [s["label"] for s in context["sections"]][-1].startswith("Appendix ")


def test_verify_detects_a_changed_tenant_statement(tenanted, tmp_path: Path) -> None:
    import shutil

    from carbon.workflow.verify import verify_pdf

    out, written = tenanted
    copy = tmp_path / "demo" / "2025-07" / "v1"
    shutil.copytree(written.path, copy)
    shutil.copy(ledger_path(out), tmp_path / "ledger.sqlite")
    found = verify_pdf(copy / "disclosure.pdf", recompute=False)
    assert found.ok, [c.as_dict() for c in found.failures]
    assert any(c.name == "tenant statements" and c.ok for c in found.checks)
    statement = copy / "tenants" / "acme-ai.pdf"
    data = bytearray(statement.read_bytes())
    data[len(data) // 2] ^= 0x01
    statement.write_bytes(bytes(data))
    found = verify_pdf(copy / "disclosure.pdf", recompute=False)
    assert [c.name for c in found.failures] == ["tenant statements"]
    assert "tenants/acme-ai.pdf hashes to" in found.failures[0].detail
