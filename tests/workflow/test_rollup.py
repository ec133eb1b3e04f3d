"""Fiscal years and roll-ups: month membership, sums, intensities recomputed from sums,
months read from the ledger (restated versions win), comparatives."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pypdf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import PeriodError
from carbon.core.fiscal import (
    fiscal_label_months,
    fiscal_of_month,
    fiscal_year_months,
    prior_label,
    year_ago_label,
)
from carbon.ledger.index import append_entry, ledger_path
from carbon.site.register import FiscalYear
from carbon.workflow.rollup import (
    month_figures,
    month_results,
    recomputed_intensities,
    rollup_document,
    sum_figures,
    write_rollup,
)

# --------------------------------------------------------------------------- fiscal years


def test_april_start_named_by_the_starting_year() -> None:
    months = fiscal_year_months(2025, 4, "start-year")
    assert months[0] == "2025-04" and months[-1] == "2026-03" and len(months) == 12
    assert fiscal_label_months("FY2025-Q1", 4, "start-year") == ["2025-04", "2025-05", "2025-06"]
    assert fiscal_label_months("FY2025-Q4", 4, "start-year") == ["2026-01", "2026-02", "2026-03"]
    assert fiscal_of_month("2025-03", 4, "start-year") == (2024, 4)  # the boundary
    assert fiscal_of_month("2025-04", 4, "start-year") == (2025, 1)
    assert fiscal_of_month("2026-03", 4, "start-year") == (2025, 4)


def test_july_start_named_by_the_ending_year() -> None:
    """IREN-style year to June: FY2025 = July 2024 to June 2025."""
    months = fiscal_year_months(2025, 7, "end-year")
    assert (months[0], months[-1]) == ("2024-07", "2025-06")
    assert fiscal_of_month("2024-07", 7) == (2025, 1)
    assert fiscal_of_month("2025-06", 7) == (2025, 4)
    assert fiscal_of_month("2025-07", 7) == (2026, 1)


def test_january_start_is_the_calendar_year_under_both_names() -> None:
    for naming in ("end-year", "start-year"):
        assert fiscal_year_months(2025, 1, naming) == [f"2025-{m:02d}" for m in range(1, 13)]


def test_prior_periods_and_bad_labels() -> None:
    assert prior_label("FY2025") == "FY2024"
    assert prior_label("FY2025-Q3") == "FY2025-Q2"
    assert prior_label("FY2025-Q1") == "FY2024-Q4"
    assert year_ago_label("FY2025-Q3") == "FY2024-Q3"
    assert year_ago_label("FY2025-Q1") == "FY2024-Q1"
    assert year_ago_label("FY2025") is None  # the prior fiscal year already is a year earlier
    with pytest.raises(PeriodError, match="expected FY2025"):
        year_ago_label("2025-Q3")
    with pytest.raises(PeriodError, match="expected FY2025"):
        fiscal_label_months("2025-Q3", 1)
    with pytest.raises(PeriodError, match="expected FY2025"):
        fiscal_label_months("FY2025-Q5", 1)


@given(
    year=st.integers(2000, 2100),
    month=st.integers(1, 12),
    start=st.integers(1, 12),
    naming=st.sampled_from(["end-year", "start-year"]),
)
def test_every_month_is_in_the_quarter_and_year_it_is_assigned_to(
    year: int, month: int, start: int, naming: str
) -> None:
    label = f"{year:04d}-{month:02d}"
    fy, q = fiscal_of_month(label, start, naming)  # type: ignore[arg-type]
    assert label in fiscal_label_months(f"FY{fy}-Q{q}", start, naming)  # type: ignore[arg-type]
    assert label in fiscal_year_months(fy, start, naming)  # type: ignore[arg-type]
    assert fiscal_year_months(fy, start, naming)[0][5:] == f"{start:02d}"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- sums


def _month(
    energy: float, it: float, mining_it: float, hashrate: float, hours: float, btc: float
) -> dict[str, Any]:
    """A minimal monthly results document (kWh, kg CO2e, TH/s, hours)."""
    by = {"mining": energy, "ai": 0.0, "other": 0.0, "total": energy}
    return {
        "energy_kwh": by,
        "it_energy_kwh": {"mining": mining_it, "ai": 0.0, "other": 0.0, "total": it},
        "scope1_kgco2e": {"total": 0.0},
        "scope2_location_kgco2e": {k: v * 0.4 for k, v in by.items()},
        "scope2_market_kgco2e": {k: v * 0.3 for k, v in by.items()},
        "period": {"hours": hours},
        "sector_metrics": {
            "activity": {
                "btc_mined_self": btc,
                "btc_mined_hosted": 0.0,
                "hashrate_average_th_per_s": hashrate,
                "self_mining_share": 1.0,
            }
        },
    }


def test_intensities_of_two_months_are_recomputed_from_the_sums() -> None:
    """Hand-computed case. Month A: 100 kWh site, 80 kWh IT (PUE 1.25); 1000 kWh mining IT
    at 1e5 TH/s for 10 h = 3.6e9 TH, 3.6e9 J -> 1.0 J/TH; 1000 kWh per 1 BTC.
    Month B: 300 kWh site, 200 kWh IT (PUE 1.5); 3000 kWh at 1e5 TH/s for 20 h = 7.2e9 TH,
    1.08e10 J -> 1.5 J/TH; 3000 kWh per 2 BTC.
    Sums: PUE 400/280 = 1.428571 (the mean of the months would be 1.375); J/TH
    1.44e10/1.08e10 = 1.3333 (mean 1.25); kWh/BTC 4000/3 = 1333.3 (mean 1250)."""
    a = _month(energy=1000.0, it=800.0, mining_it=1000.0, hashrate=1e5, hours=10, btc=1.0)
    b = _month(energy=3000.0, it=2000.0, mining_it=3000.0, hashrate=1e5, hours=20, btc=2.0)
    a["energy_kwh"]["total"], a["it_energy_kwh"]["total"] = 100.0, 80.0
    b["energy_kwh"]["total"], b["it_energy_kwh"]["total"] = 300.0, 200.0
    sums = sum_figures([month_figures(a), month_figures(b)])
    assert sums["energy_kwh.total"] == 400.0 and sums["it_energy_kwh.total"] == 280.0
    assert sums["th_delivered"] == pytest.approx(1.08e10)
    intensity = recomputed_intensities(sums)
    assert intensity["pue"] == pytest.approx(400 / 280)
    assert intensity["j_per_th"] == pytest.approx(4 / 3)
    assert intensity["kwh_per_btc"] == pytest.approx(4000 / 3)
    assert intensity["kgco2e_per_btc_location"] == pytest.approx(0.4 * 4000 / 3)
    assert intensity["average_mw"] == pytest.approx(400 / 30 / 1000)
    assert intensity["gpu_utilisation"] is None  # no GPU-hours in either month


def test_a_figure_missing_in_one_month_gives_no_partial_sum() -> None:
    a = _month(1000.0, 800.0, 1000.0, 1e5, 10, 1.0)
    b = _month(3000.0, 2000.0, 3000.0, 1e5, 20, 2.0)
    del b["sector_metrics"]["activity"]["btc_mined_self"]
    sums = sum_figures([month_figures(a), month_figures(b)])
    assert sums["btc_mined_self"] is None
    assert recomputed_intensities(sums)["kwh_per_btc"] is None
    assert sums["energy_kwh.total"] == 4000.0


# --------------------------------------------------------------------------- ledger months


@dataclasses.dataclass
class _Data:
    site: Any
    first: pd.Timestamp
    last: pd.Timestamp

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return self.first, self.last


def _issue(out: Path, month: str, version: int, energy: float, supersedes: str | None) -> None:
    folder = out / "tiny" / month / f"v{version}"
    folder.mkdir(parents=True)
    results = _month(energy, energy * 0.8, energy * 0.8, 1e5, 744, 1.0)
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    append_entry(
        ledger_path(out),
        {
            "report_id": f"tiny-{month}-v{version}",
            "site_id": "tiny",
            "period": month,
            "version": version,
            "status": "issued",
            "pdf": f"tiny/{month}/v{version}/disclosure.pdf",
            "supersedes": supersedes,
        },
    )


def test_months_come_from_the_latest_issued_version_else_computed(tmp_path: Path) -> None:
    from tests.conftest import tiny_site

    _issue(tmp_path, "2025-01", 1, 100.0, None)
    _issue(tmp_path, "2025-01", 2, 110.0, "tiny-2025-01-v1")  # the restatement
    data = _Data(
        tiny_site(), pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-03-01", tz="UTC")
    )
    computed = []

    def compute(label: str) -> dict[str, Any]:
        computed.append(label)
        return _month(50.0, 40.0, 40.0, 1e5, 672, 1.0)

    found = month_results(data, ["2025-01", "2025-02", "2025-03"], tmp_path, compute)
    assert computed == ["2025-02"]  # January from the ledger; March has no data
    assert found[0].source["report_id"] == "tiny-2025-01-v2" and found[0].source["restated"]
    assert found[0].results["energy_kwh"]["total"] == 110.0
    assert found[1].source["source"] == "computed"
    assert found[2].results is None and found[2].source["status"] == "no data"
    document = rollup_document(
        {"id": "tiny"},
        "FY2025-Q1",
        {"start_month": 1},
        found[:2] + found[:1],
        "FY2024-Q4",
        found[2:],
        "test",
    )
    assert document["period"]["sums"]["energy_kwh.total"] == 110.0 + 50.0 + 110.0
    assert document["comparative"]["available"] is False
    assert "2025-03" in document["comparative"]["reason"]
    with pytest.raises(ValueError, match="months without data: 2025-03"):
        rollup_document({}, "X", {}, found, "Y", [], "test")


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def april_rollup(tmp_path_factory: pytest.TempPathFactory):
    """The demo with a fiscal year starting in April, named by its starting year:
    FY2025-Q2 = July to September 2025, compared with FY2025-Q1 (April to June)."""
    from carbon.workflow import demo_site_data

    data, _ = demo_site_data()
    site = data.site.model_copy(
        update={"fiscal_year": FiscalYear(start_month=4, naming="start-year")}
    )
    data = dataclasses.replace(data, site=site)
    out = tmp_path_factory.mktemp("rollups")
    return data, out, write_rollup(data, "FY2025-Q2", out)


def test_demo_quarter_with_april_start(april_rollup) -> None:
    data, out, written = april_rollup
    doc = written.document
    assert doc["period"]["months"] == ["2025-07", "2025-08", "2025-09"]
    assert doc["comparative"]["months"] == ["2025-04", "2025-05", "2025-06"]
    assert doc["comparative"]["available"] is True
    assert written.path == out / "demo" / "FY2025-Q2" / "v1"
    assert sorted(p.name for p in written.path.iterdir()) == [
        "rollup.csv",
        "rollup.json",
        "rollup.pdf",
    ]
    sums, intensity = doc["period"]["sums"], doc["period"]["intensities"]
    parts = sum(sums[f"energy_kwh.{w}"] for w in ("mining", "ai", "other"))
    assert parts == pytest.approx(sums["energy_kwh.total"], rel=1e-12)
    # PUE from the sums of E_DC (electricity + genset fuel), never an average of months
    assert sums["dc_energy_kwh"] > sums["energy_kwh.total"]  # the demo burns diesel
    assert intensity["pue"] == pytest.approx(sums["dc_energy_kwh"] / sums["it_energy_kwh.total"])
    assert doc["period"]["sums"]["offsets_retired_tco2e"] == pytest.approx(1200.0)
    assert all(s["source"] == "computed" for s in doc["period"]["sources"])
    # the month of July equals a report of July computed alone
    from carbon.core.period import month
    from carbon.results.document import ReportMeta, build_results

    july = build_results(
        data.run(month("2025-07", "America/Chicago")),
        ReportMeta("x", 1, "draft", pd.Timestamp("2025-08-01").date()),
    )
    assert month_figures(july)["energy_kwh.total"] == july["energy_kwh"]["total"]
    stored = json.loads((written.path / "rollup.json").read_text(encoding="utf-8"))
    assert stored["period"]["sums"] == sums
    reader = pypdf.PdfReader(io.BytesIO((written.path / "rollup.pdf").read_bytes()))
    assert len(reader.pages) <= 3
    assert set(reader.attachments) == {"rollup.json", "rollup.csv"}


def test_the_rollup_pdf_marks_each_month_and_its_assurance(april_rollup) -> None:
    from tests.report.test_sections import placeholders

    _, _, written = april_rollup
    doc = written.document
    assert [m["month"] for m in doc["monthly"]] == ["2025-07", "2025-08", "2025-09"]
    assert {m["status"] for m in doc["monthly"]} == {"draft"}  # computed, none issued
    assert doc["monthly"][0]["energy_kwh.ai"] > 0 and doc["monthly"][0]["energy_kwh.mining"] > 0
    assert doc["assurance"]["stamp"] == "UNASSURED"
    pdf = written.path / "rollup.pdf"
    assert placeholders(pdf) == []
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).split())
    assert "UNASSURED" in text
    assert "Mining and AI hosting, month by month" in text
    assert text.count("draft (not issued)") == 6  # the quarter's months and the prior quarter's


def test_the_rollup_files_are_deterministic(april_rollup) -> None:
    from carbon.report.rollup import rollup_files

    _, _, written = april_rollup
    assert rollup_files(written.document) == {
        name: (written.path / name).read_bytes()
        for name in ("rollup.json", "rollup.csv", "rollup.pdf")
    }


def test_a_second_rollup_is_the_next_version(april_rollup, monkeypatch) -> None:
    data, out, written = april_rollup
    document = {k: v for k, v in written.document.items() if k not in ("version", "issue_date")}
    monkeypatch.setattr("carbon.workflow.rollup.compute_rollup", lambda *_: document)
    before = (written.path / "rollup.pdf").read_bytes()
    again = write_rollup(data, "FY2025-Q2", out)
    assert again.path.name == "v2" and again.document["version"] == 2
    assert (written.path / "rollup.pdf").read_bytes() == before  # v1 untouched


def test_cli_refuses_a_year_without_data(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["rollup", "--demo", "--fiscal-year", "FY2024", "--out", str(tmp_path)]
    )
    assert isinstance(result.exception, PeriodError)
    assert "needs every month" in str(result.exception)
    result = CliRunner().invoke(app, ["rollup", "--demo", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_a_quarter_is_also_compared_with_the_same_quarter_a_year_earlier() -> None:
    """Quarterly filings compare with the same quarter of the prior year: the roll-up gives it
    beside the preceding quarter, with its own sums and intensities, in the JSON, CSV and PDF
    text; a fiscal year has none (its prior period is the year before)."""
    from carbon.report.rollup import render_rollup_html, rollup_csv_bytes
    from carbon.workflow.rollup import MonthResult

    def source(m: str) -> dict[str, Any]:
        return {
            "month": m,
            "source": "computed",
            "report_id": None,
            "status": "computed",
            "restated": False,
        }

    def months(labels: list[str], energy: float) -> list[MonthResult]:
        return [
            MonthResult(m, _month(energy, energy * 0.8, energy * 0.8, 1e5, 744, 1.0), source(m))
            for m in labels
        ]

    current = months(["2025-07", "2025-08", "2025-09"], 120.0)
    preceding = months(["2025-04", "2025-05", "2025-06"], 110.0)
    year_ago = months(["2024-07", "2024-08", "2024-09"], 100.0)
    document = rollup_document(
        {"id": "tiny", "name": "Tiny", "synthetic": True},
        "FY2025-Q3",
        {"start_month": 1, "naming": "end-year"},
        current,
        "FY2025-Q2",
        preceding,
        "test",
        ("FY2024-Q3", year_ago),
    )
    ago = document["comparative_year_ago"]
    assert ago["available"] and ago["label"] == "FY2024-Q3"
    assert ago["sums"]["energy_kwh.total"] == pytest.approx(300.0)
    assert document["comparative"]["sums"]["energy_kwh.total"] == pytest.approx(330.0)
    rows = rollup_csv_bytes(document).decode().splitlines()
    assert any(r.startswith("tiny,FY2024-Q3,sum,energy_kwh.total,300.0,") for r in rows)
    document.update(issue_date="2025-10-01", version=1)
    html = render_rollup_html(document)
    assert "same quarter a year earlier: FY2024-Q3" in html and "Change y/y" in html
    assert "+20.0%" in html  # 360 kWh against 300 kWh a year earlier

    missing = [MonthResult(m, None, source(m)) for m in ("2024-07", "2024-08", "2024-09")]
    document = rollup_document(
        {"id": "tiny"},
        "FY2025-Q3",
        {},
        current,
        "FY2025-Q2",
        preceding,
        "t",
        ("FY2024-Q3", missing),
    )
    assert document["comparative_year_ago"]["available"] is False
    assert "2024-07" in document["comparative_year_ago"]["reason"]
    yearly = rollup_document({"id": "tiny"}, "FY2025", {}, current, "FY2024", preceding, "t")
    assert yearly["comparative_year_ago"] is None
