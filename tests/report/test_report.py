"""Tests of the disclosure report: context, chart, HTML and PDF/A-3b rendering."""

from __future__ import annotations

import copy
import io
import json
import os
import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pint_xarray  # noqa: F401  (registers the .pint accessor)
import pytest
import xarray as xr

from carbon.report import build_context, render_html, render_pdf, stacked_power_svg
from carbon.report.numbers import (
    PLAIN,
    PLAIN_NOT_AVAILABLE,
    TYPESET_SIGNED_ZERO,
    convert,
    format_figure,
    format_number,
    format_share,
    in_display_unit,
)
from carbon.report.render import (
    ReportResourceError,
    html_to_pdf,
    make_url_fetcher,
    templates_dir,
)

pypdf = pytest.importorskip("pypdf")

ISSUE = datetime(2025, 8, 1, tzinfo=UTC)
ATTACHMENTS = {
    "results.json": b'{"schema_version": "1.0", "report_id": "test-2025-07-v1"}\n',
    "results.csv": b"workload,energy_kwh\nmining,1000.0\nai,500.0\n",
    "manifest.json": b'{"inputs": [], "note": "bytes \\u00e9 kept as given"}\n',
}


def make_results(site_name: str = "Test campus (synthetic)") -> dict:
    """A small results document following the results.json schema 1.0."""
    return {
        "schema_version": "1.0",
        "report_id": "test-2025-07-v1",
        "version": 1,
        "status": "draft",
        "issue_date": "2025-08-01",
        "site": {
            "id": "test",
            "name": site_name,
            "timezone": "America/Chicago",
            "grid_region": "ERCT",
            "synthetic": True,
        },
        "period": {
            "label": "2025-07",
            "start": "2025-07-01T00:00:00-05:00",
            "end": "2025-07-03T00:00:00-05:00",
            "timezone": "America/Chicago",
            "hours": 48,
        },
        "energy_kwh": {
            "mining": 2_400_000.0,
            "ai": 960_000.0,
            "other": 1_200.0,
            "total": 3_361_200.0,
        },
        "it_energy_kwh": {"mining": 2_200_000.0, "ai": 800_000.0, "total": 3_000_000.0},
        "overhead_energy_kwh": {
            "mining": 200_000.0,
            "ai": 160_000.0,
            "other": 1_200.0,
            "total": 361_200.0,
        },
        "scope2_location_kgco2e": {
            "mining": 900_000.0,
            "ai": 370_000.0,
            "other": 450.0,
            "total": 1_270_450.0,
        },
        "scope2_location_annual_factor_kgco2e": {"total": 1_290_000.0},
        "grid_intensity_gco2e_per_kwh": {
            "consumption_weighted": 377.98,
            "period_mean": 381.0,
            "source": "synthetic hourly profile",
            "resolution": "hourly",
        },
        "kpis": {
            "pue": 1.1204,
            "pue_by_workload": {"mining": 1.0909, "ai": 1.2},
            "pue_category": "PUE1 (basic): IT energy metered at hall feeders",
            "pue_interim": True,
        },
        "meters": [
            {"id": "REV", "role": "revenue", "workload": None, "energy_kwh": 3_361_200.0},
            {"id": "HALL-A", "role": "it", "workload": "mining", "energy_kwh": 2_200_000.0},
            {"id": "HALL-D", "role": "it", "workload": "ai", "energy_kwh": 800_000.0},
            {"id": "COOL-AI", "role": "shared", "workload": "ai", "energy_kwh": 100_000.0},
        ],
        "allocation": {
            "method": "it-energy pro rata per interval (METHODOLOGY 6, key 2)",
            "shared_meters": [{"id": "COOL-AI", "key": "dedicated", "workload": "ai"}],
            "unmetered_residual_kwh": 261_200.0,
        },
        "quality": {
            "meters": [
                {
                    "id": m,
                    "expected_intervals": 192,
                    "present": 192,
                    "missing": 0,
                    "duplicates": 0,
                    "negatives": 0,
                    "flags_note": "",
                }
                for m in ("REV", "HALL-A", "HALL-D", "COOL-AI")
            ],
            "total_gaps": 0,
        },
        "factors": [
            {
                "id": "egrid2023rev2",
                "edition": "eGRID2023",
                "revision": "rev2",
                "sha256": "ab" * 32,
                "role": "annual-factor view",
                "note": "latest edition used",
            }
        ],
        "inputs": [
            {
                "path": "test://meters.parquet",
                "sha256": "01" * 32,
                "rows": 768,
                "start": "2025-07-01T05:00:00Z",
                "end": "2025-07-03T04:45:00Z",
            }
        ],
        "conversions": [
            {"meter": "HALL-D", "at": "2025-06-14T12:00:00-05:00", "from": "mining", "to": "ai"}
        ],
        "config_sha256": "cd" * 32,
        "software_version": "0.1.0",
        "a_key_from_a_future_version": {"ignored": True},
    }


def make_power() -> xr.DataArray:
    """Two days of 15-minute power per workload, in kW, quantified with pint-xarray."""
    time = pd.date_range("2025-07-01T05:00", periods=2 * 96, freq="15min")
    hours = np.arange(time.size) / 4.0
    mining = 50_000.0 + 5_000.0 * np.sin(hours / 24.0 * 2 * np.pi)
    mining[(hours % 24 > 14) & (hours % 24 < 18)] = 2_000.0  # curtailed afternoons
    ai = np.full(time.size, 20_000.0)
    other = np.full(time.size, 25.0)
    data = xr.DataArray(
        np.vstack([mining, ai, other]),
        dims=("workload", "time"),
        coords={"workload": ["mining", "ai", "other"], "time": time.values},
    )
    return data.pint.quantify("kW")


@pytest.fixture(scope="module")
def context() -> dict:
    return build_context(make_results(), make_power())


@pytest.fixture(scope="module")
def pdf_bytes(context) -> bytes:
    return render_pdf(context, attachments=ATTACHMENTS)


# --- PDF ------------------------------------------------------------------------------


def test_pdf_has_at_least_four_pages(pdf_bytes):
    assert pdf_bytes.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) >= 4


def test_pdf_embeds_the_attachments_byte_for_byte(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    embedded = reader.attachments
    assert sorted(embedded) == sorted(ATTACHMENTS)
    for name, data in ATTACHMENTS.items():
        assert embedded[name] == [data]


def test_pdf_is_pdfa3b_dated_from_the_issue_date(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp or b"<pdfaid:part>3</pdfaid:part>" in xmp
    assert b"B" in xmp.split(b"conformance", 1)[1][:4]
    assert reader.metadata["/CreationDate"].startswith("D:20250801")
    assert reader.metadata["/ModDate"].startswith("D:20250801")
    # The associated files carry the issue date too, not the clock.
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    for spec in names[1::2]:
        params = spec.get_object()["/EF"]["/F"].get_object()["/Params"]
        assert params["/CreationDate"] == "D:20250801000000Z"
        assert params["/ModDate"] == "D:20250801000000Z"


def test_pdf_text_carries_title_site_and_sections(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Energy and emissions disclosure",
        "Test campus (synthetic)",
        "test-2025-07-v1",
        "DRAFT",
        "SYNTHETIC DEMO DATA",
        "Methodology",
        "Data quality",
        "Lineage",
    ):
        assert expected in text
    assert "Page 2 of" in text


def test_pdf_is_byte_identical_across_renders(context, pdf_bytes):
    assert render_pdf(context, attachments=ATTACHMENTS) == pdf_bytes


def test_render_restores_source_date_epoch(context, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "12345")
    render_pdf(context)
    assert os.environ["SOURCE_DATE_EPOCH"] == "12345"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    render_pdf(context)
    assert "SOURCE_DATE_EPOCH" not in os.environ


# --- HTML -----------------------------------------------------------------------------


def test_html_escapes_site_names_and_meter_ids():
    results = make_results(site_name="<script>alert(1)</script>")
    results["meters"][1]["id"] = '<img src="http://example.com/x.png">'
    html = render_html(build_context(results, make_power()))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<img src="http://example.com' not in html
    assert "&lt;img src=&#34;http://example.com/x.png&#34;&gt;" in html


def test_html_shows_the_chart_as_an_svg_data_uri(context):
    html = render_html(context)
    assert '<img src="data:image/svg+xml;base64,' in html
    assert "<svg" not in html


def test_context_ignores_extra_keys_and_tolerates_missing_optional_ones():
    results = make_results()
    for key in (
        "conversions",
        "kpis",
        "quality",
        "allocation",
        "inputs",
        "scope2_location_annual_factor_kgco2e",
        "grid_intensity_gco2e_per_kwh",
    ):
        del results[key]
    html = render_html(build_context(results, make_power()))
    assert "No hall changed workload" in html


def test_context_does_not_change_accounting_figures(context):
    # Display units only: kWh → MWh and kg → t, the figures themselves untouched.
    total = context["summary"]["total"]
    assert total["energy_mwh"] == pytest.approx(3_361.2)
    assert total["scope2_t"] == pytest.approx(1_270.45)
    mining = context["summary"]["rows"][0]
    assert mining["workload"] == "mining"
    assert mining["share_pct"] == pytest.approx(100 * 2_400_000 / 3_361_200)
    assert context["period"]["words"] == "1 July 2025 – 2 July 2025"


def test_context_does_not_mutate_results():
    results = make_results()
    before = copy.deepcopy(results)
    build_context(results, make_power())
    assert results == before


def test_number_filters():
    assert format_number(1234567.891, 1) == "1,234,567.9"
    assert format_number(-0.04, 1) == "0.0"
    assert format_number(-12.5, 1) == "\u221212.5"
    assert format_number(None, 1) == "\u2013"
    assert format_share(0.02, 1) == "<\u00a00.1\u00a0%"
    assert format_share(23.81, 1) == "23.8\u00a0%"


def test_number_styles_and_figures():
    # the styles the documents use today (kept apart until they are harmonised)
    assert format_number(-0.04, 1, PLAIN) == "-0.0"
    assert format_number(-1234.5, 1, PLAIN) == "-1,234.5"
    assert format_number(-0.04, 1, TYPESET_SIGNED_ZERO) == "\u22120.0"
    assert format_number(None, 1, PLAIN_NOT_AVAILABLE) == "not available"
    # a figure in its declared display unit and decimals, or as the caller says
    assert format_figure(1_234_567.0, "energy_kwh.total") == "1,234.6"
    assert format_figure(2_500.0, "scope1_kgco2e.total", decimals=2) == "2.50"
    assert format_figure(0.2125, "matching.annual_match") == "21.2"
    assert format_figure(None, "kpis.pue") == "\u2013"
    assert in_display_unit(5_000_000.0, "intensities.kgco2e_per_btc_location") == 5_000.0
    assert convert(3.0e6, "TH/s", "EH/s") == pytest.approx(3.0)


# --- restricted resource fetching -----------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/style.css",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_urls_outside_templates(url):
    fetcher = make_url_fetcher()
    with pytest.raises(ReportResourceError):
        fetcher.fetch(url)


def test_fetcher_refuses_path_traversal_out_of_templates():
    escape = (templates_dir() / ".." / "pyproject.toml").as_uri()
    with pytest.raises(ReportResourceError):
        make_url_fetcher().fetch(escape)


def test_fetcher_serves_templates_files_and_data_urls():
    fetcher = make_url_fetcher()
    css = fetcher.fetch((templates_dir() / "report.css").as_uri())
    assert css.content_type == "text/css"
    assert b"@font-face" in css.read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


@pytest.mark.parametrize(
    "html",
    [
        '<p>x</p><img src="http://example.com/x.png">',
        '<link rel="stylesheet" href="file:///etc/passwd"><p>x</p>',
        '<p style="background: url(../pyproject.toml)">x</p>',
    ],
)
def test_rendering_html_that_reaches_outside_templates_fails(html):
    with pytest.raises(ReportResourceError):
        html_to_pdf(html, moment=ISSUE)


# --- chart ----------------------------------------------------------------------------


def test_chart_svg_is_deterministic_and_labelled():
    power = make_power()
    first = stacked_power_svg(power, timezone="America/Chicago")
    second = stacked_power_svg(power, timezone="America/Chicago")
    assert first == second
    assert first.lstrip().startswith("<?xml")
    # svg.fonttype "path" draws text as outlines; matplotlib keeps each label as a comment.
    assert "<!-- Power [MW] -->" in first
    assert "<!-- Local time (America/Chicago) -->" in first
    assert "<dc:date>" not in first


def test_chart_converts_any_power_unit_to_mw():
    power_kw = make_power()
    labels_kw = re.findall(r"<!-- (.*?) -->", stacked_power_svg(power_kw, timezone="UTC"))
    labels_w = re.findall(
        r"<!-- (.*?) -->", stacked_power_svg(power_kw.pint.to("W"), timezone="UTC")
    )
    assert labels_w == labels_kw
    assert "70" in labels_kw  # about 75 MW at the peak, in MW, not kW or W


def test_attachment_order_does_not_change_the_pdf(context, pdf_bytes):
    reordered = dict(reversed(list(ATTACHMENTS.items())))
    assert render_pdf(context, attachments=reordered) == pdf_bytes
    assert json.loads(ATTACHMENTS["results.json"])["report_id"] == "test-2025-07-v1"


def test_timing_difference_is_taken_from_results_when_present():
    results = make_results()
    results["scope2_location_annual_factor_kgco2e"]["timing_effect_kgco2e"] = -19_550.0
    grid = build_context(results, make_power())["grid"]
    assert grid["timing_difference_t"] == pytest.approx(-19.55)


# --- the section registry -------------------------------------------------------------


def test_one_registry_numbers_lists_and_renders_the_sections(context):
    from carbon.report.sections import AUDIT, CORE, SECTIONS, numbered_sections

    appendix = [s.appendix for s in SECTIONS]
    assert appendix == sorted(appendix)  # the body, then the appendices
    for section in SECTIONS:
        assert (templates_dir() / section.template).is_file()
    core = numbered_sections(make_results(), (CORE,))
    body = [s for s in core if not s["appendix"]]
    assert [s["number"] for s in body] == list(range(1, len(body) + 1))
    letters = [s["number"] for s in core if s["appendix"]]
    assert letters == [chr(ord("A") + i) for i in range(len(letters))]
    assert all(s["label"] == f"Appendix {s['number']}" for s in core if s["appendix"])
    assert "changed" not in [s["id"] for s in core]  # only with a baseline
    full = numbered_sections({**make_results(), "decomposition": {}}, (CORE, AUDIT))
    names = [s["id"] for s in full]
    assert "changed" in names and names[-1] == "signoff"
    assert names.index("changed") < names.index("methodology")  # results before appendices
    assert context["sections"] == core
    html = render_html(context)
    for s in core:  # the contents and the section headings read the same numbering
        assert f'<a href="#{s["id"]}"><span class="num">{s["number"]}</span>' in html
        assert f"<h2>{s['label']}&ensp;{s['title']}</h2>" in html


def test_cross_references_are_numbered_when_rendered():
    from carbon.report.crossref import resolve, section_ref

    numbers = {"lineage": {"number": 11}, "power": {"number": 2}}
    text = f"see section {section_ref('lineage')} and {section_ref('power')}"
    assert resolve(text, numbers) == "see section 11 and 2"
    with pytest.raises(KeyError):
        resolve(section_ref("signoff"), numbers)


def test_html_lists_input_rows_set_aside():
    """Rows of undeclared meters and unsettled fall-back stamps are named with their counts;
    without any, the section says nothing of them."""
    results = make_results()
    assert "Input rows set aside" not in render_html(build_context(results, make_power()))
    results["quality"]["set_aside"] = [
        {
            "path": "bms.csv",
            "meter": "CHILLER-9",
            "rows": 2976,
            "first_line": 4,
            "reason": "undeclared-meter",
        },
        {
            "path": "bms.csv",
            "meter": "HALL-A",
            "rows": 4,
            "first_line": 9001,
            "reason": "ambiguous-local-time",
        },
    ]
    html = render_html(build_context(results, make_power()))
    assert "Input rows set aside" in html
    assert "2,976 row(s) from line 4" in html and "does not declare" in html
    assert "4 row(s) from line 9001" in html and "without its twin" in html
