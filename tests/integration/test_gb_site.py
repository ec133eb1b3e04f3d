"""A Great Britain site from a site file never shows a US or eGRID factor (issue 16, item 5).

The site reads a NESO half-hourly file and declares its annual factor and residual mix in
factor tables (example numbers, labelled so). Expected values are computed here from the
written inputs, independently of the engine.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import InputDataError
from carbon.core.period import month
from carbon.report.context import build_context
from carbon.report.render import render_html
from carbon.results.document import ReportMeta, build_results, results_csv_bytes
from carbon.workflow.inputs import site_data
from tests.integration.gb_site import HOLES, grid_value, write_gb_site

#: The eGRID2023 rev2 national (US) CO2e rate under AR6 [g CO2e/kWh], as results showed it
#: for a GB site before sites outside the US stopped falling back to it.
US_RATE = "349.76"
FORBIDDEN = (re.compile(r"egrid", re.IGNORECASE), re.compile(r"\bUS\b"), re.compile(US_RATE))


def _report(site: Path, out: Path) -> CliRunner:
    return CliRunner().invoke(
        app, ["report", "--site", str(site), "--period", "2024-06", "--out", str(out), "--json"]
    )


def _expected(folder: Path) -> dict[str, float]:
    """Location-based kg CO2e, the annual view and the hours falling back, by hand."""
    meters = pd.read_csv(folder / "meters.csv")
    rev = meters[meters["meter_id"] == "REV"]
    hours = pd.to_datetime(rev["interval_start"], utc=True).dt.tz_localize(None)
    energy = rev["energy_kwh"].to_numpy()
    half = pd.date_range("2024-05-31 22:00", "2024-07-01 01:00", freq="30min")
    values = pd.Series([grid_value(i) for i in range(len(half))], index=half)
    holes = pd.DatetimeIndex([pd.Timestamp(h).tz_localize(None) for h in HOLES])
    values[holes] = np.nan
    hourly = values.resample("1h").mean()  # an hour with a missing half-hour has no value
    rate = hourly.reindex(hours).to_numpy()
    fallback = np.isnan(rate)
    rate = np.where(fallback, 200.0, rate)  # the table's 2024 GB factor, 0.2 kg CO2e/kWh
    return {
        "lb_kg": float((energy * rate).sum() / 1000.0),
        "annual_kg": float(energy.sum() * 200.0 / 1000.0),
        "fallback_hours": int(fallback.sum()),
        "mb_kg": float(energy.sum() * 350.0 / 1000.0),  # June row of the residual table
    }


@pytest.fixture(scope="module")
def gb_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("gb")
    site = write_gb_site(folder, annual=True, residual=True)
    result = _report(site, folder / "reports")
    assert result.exit_code == 0, result.output
    pdf = folder / "reports" / "thames" / "2024-06" / "v1" / "disclosure.pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return folder, json.loads(result.output), text


def test_figures_match_an_independent_calculation(gb_report) -> None:
    folder, results, _ = gb_report
    want = _expected(folder)
    assert results["scope2_location_kgco2e"]["total"] == pytest.approx(want["lb_kg"], rel=1e-9)
    annual = results["scope2_location_annual_factor_kgco2e"]
    assert annual["available"] is True
    assert annual["factor_gco2e_per_kwh"] == pytest.approx(200.0, rel=1e-12)
    assert annual["total"] == pytest.approx(want["annual_kg"], rel=1e-9)
    assert annual["timing_effect_kgco2e"] == pytest.approx(
        want["lb_kg"] - want["annual_kg"], rel=1e-9
    )
    assert results["timing_effect_kgco2e"]["total"] == pytest.approx(
        want["lb_kg"] - want["annual_kg"], rel=1e-9
    )
    levels = results["scope2_location_factor_levels"]
    assert levels["hours"]["subregion_annual"] == want["fallback_hours"] == 1
    assert levels["hours"]["national"] == 0 and levels["national_factor"] is None
    # the market-based remainder takes the June row of the residual table (350 g CO2/kWh)
    assert results["scope2_market_kgco2e"]["total"] == pytest.approx(want["mb_kg"], rel=1e-9)
    coverage = results["market_based"]["coverage_mwh"]["annual"]
    assert coverage["grid_average"] == 0.0


def test_provenance_of_the_table_factors_reaches_results_and_pdf(gb_report) -> None:
    _, results, text = gb_report
    provenance = results["scope2_location_annual_factor_kgco2e"]["provenance"]
    assert provenance["path"] == "gb_annual.csv" and provenance["line"] == 3
    assert provenance["licence"] == "example only"
    assert provenance["url"] == "https://example.org/gb-annual"
    assert provenance["edition"] == "2024 example" and provenance["data_year"] == 2024
    ids = [f["id"] for f in results["factors"]]
    assert ids[:2] == ["gb_annual.csv:3", "gb_residual.csv:3"]  # the June row, not the year's
    assert {i["path"] for i in results["inputs"]} >= {"gb_annual.csv", "gb_residual.csv"}
    flat = " ".join(text.split())
    assert "Example national grid average (made-up numbers for tests)" in flat
    assert "licence: example only" in flat
    assert "gb_residual.csv:3" in flat


def test_no_us_or_egrid_factor_anywhere(gb_report) -> None:
    folder, results, text = gb_report
    dumped = json.dumps(results, ensure_ascii=False)
    version = folder / "reports" / "thames" / "2024-06" / "v1"
    side = {  # every other file the report wrote: exports, operating update, manifest, pages
        str(p.relative_to(version)): (
            "\n".join(page.extract_text() for page in PdfReader(p).pages)
            if p.suffix == ".pdf"
            else p.read_text(encoding="utf-8")
        )
        for p in sorted(version.rglob("*"))
        if p.is_file() and p.suffix in (".pdf", ".json", ".csv") and p.name != "disclosure.pdf"
    }
    assert {"exports/mica.json", "exports/eed.json", "operating-update.pdf"} <= set(side)
    for pattern in FORBIDDEN:
        assert not pattern.search(dumped), pattern.pattern
        assert not pattern.search(text), pattern.pattern
        for name, content in side.items():
            assert not pattern.search(content), (name, pattern.pattern)


def _results_without_pdf(site: Path) -> dict:
    """results.json of June 2024 through the API (the same pipeline, no PDF rendered)."""
    outcome = site_data(site).run(month("2024-06", "Europe/London"))
    results = build_results(outcome, ReportMeta("gb-1", 1, "draft", date(2024, 7, 1)))
    return results, outcome


def test_without_an_annual_table_the_annual_view_is_not_available(tmp_path: Path) -> None:
    site = write_gb_site(tmp_path, annual=False, holes=False)
    results, outcome = _results_without_pdf(site)
    annual = results["scope2_location_annual_factor_kgco2e"]
    assert annual["available"] is False
    assert annual["total"] is None and annual["timing_effect_kgco2e"] is None
    assert annual["factor_gco2e_per_kwh"] is None and annual["provenance"] is None
    assert "no annual grid-average factor is declared for region 'GB'" in annual["reason"]
    assert results["timing_effect_kgco2e"] is None
    assert results["factor_levels"]["annual_factor_note"] == annual["reason"]
    dumped = json.dumps(results, ensure_ascii=False)
    for pattern in FORBIDDEN:
        assert not pattern.search(dumped), pattern.pattern
    # no residual table: the remainder takes the location-based rate, flagged as such
    assert results["market_based"]["coverage_mwh"]["annual"]["grid_average"] > 0
    # the report's pages (HTML, laid out as the PDF is) say why, and name no US factor either
    html = " ".join(render_html(build_context(results, outcome.power_by_workload)).split())
    assert re.search(r"no annual grid-average factor is declared for region (&#39;|')GB", html)
    assert "Scope 2 at an annual factor, and the timing difference" in html
    assert "the hourly grid source only (no annual factor exists for the region)" in html
    assert not re.search(r"egrid", html, re.IGNORECASE) and US_RATE not in html
    csv_text = results_csv_bytes(results).decode()  # the annual row is written empty
    assert "thames,2024-06,scope2_location_annual_factor,total,,kg CO2e" in csv_text
    assert "scope2_location_timing_effect" not in csv_text


def test_hours_without_a_value_need_a_declared_fallback(tmp_path: Path) -> None:
    site = write_gb_site(tmp_path, annual=False)
    with pytest.raises(InputDataError) as err:
        _results_without_pdf(site)
    message = " ".join(str(err.value).split())
    # the half-hourly grid meets the hourly meters on its own 30-minute intervals (§2.4):
    # both half-hours of the hole are named
    assert "2 interval(s) have no usable hourly grid value and no fallback rate exists" in message
    assert "2024-06-10T03:00:00Z" in message and "2024-06-10T03:30:00Z" in message
    assert "[factors] annual" in message
