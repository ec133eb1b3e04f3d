"""``carbon demo`` compares with a baseline by default: the pivot blocks, the front pages
stating the change with the figures of results.json, verify, errors of ``--baseline``."""

from __future__ import annotations

import json
import re

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.dotted import lookup
from carbon.report.front_context import front_figures
from carbon.report.numbers import MINUS, format_figure, format_number, in_display_unit
from carbon.results.fields import field_for
from carbon.workflow.verify import verify_pdf

#: A figure as the front prints it: grouped thousands or decimals, maybe signed (a whole
#: number without either is a date, a count of hours or a section number).
NUMBER = re.compile(rf"[+{MINUS}]?(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+\.\d+)")


@pytest.fixture(scope="module")
def with_baseline(demo_draft):
    """``carbon demo`` with no flags: July 2025 against the baseline the default rule chose."""
    return demo_draft


def test_results_hold_the_pivot_blocks(with_baseline) -> None:
    results = json.loads((with_baseline.path / "results.json").read_text(encoding="utf-8"))
    # no --baseline: the same month a year earlier is not in the data (2025 only), so the
    # last full month before HALL-D's conversion on 14 June 2025
    assert results["baseline_choice"] == {
        "requested": "auto",
        "period": "2025-05",
        "rule": "the last full month before the first conversion, HALL-D on 14 June 2025",
        "reason": None,
    }
    assert results["baseline"]["spec"] == "2025-05"
    assert results["baseline"]["rule"] == results["baseline_choice"]["rule"]
    assert results["baseline"]["period"]["label"] == "2025-05"
    for basis in ("location", "market"):
        block = results["decomposition"][basis]
        assert set(block["effects"]) == {"activity", "structure", "intensity", "carbon_intensity"}
        assert sum(block["effects"].values()) == pytest.approx(block["delta_kgco2e"], rel=1e-9)
        delta = (
            results["scope2_location_kgco2e" if basis == "location" else "scope2_market_kgco2e"][
                "total"
            ]
            - results["baseline"][
                "scope2_location_kgco2e" if basis == "location" else "scope2_market_kgco2e"
            ]["total"]
        )
        assert block["delta_kgco2e"] + block["unattributed_delta_kgco2e"] == pytest.approx(
            delta, rel=1e-9
        )
    # The pivot: HALL-D's mining became AI between May and July, so IT energy moved to AI.
    assert results["decomposition"]["location"]["effects_by_workload"]["structure"]["ai"] > 0
    assert results["decomposition"]["location"]["effects_by_workload"]["structure"]["mining"] < 0
    timing = results["timing_effect_by_workload_kgco2e"]
    site = results["scope2_location_annual_factor_kgco2e"]["timing_effect_kgco2e"]
    assert timing["total"] == pytest.approx(site, rel=1e-9)
    counter = results["counterfactual"]
    assert counter["available"] and counter["halls"][0]["meter"] == "HALL-D"
    assert counter["label"].startswith("Scenario, not inventory")
    months = [m["period"] for m in results["pivot_trend"]["months"]]
    assert months == [f"2025-{m:02d}" for m in range(1, 8)]  # as many as the data hold
    assert results["curtailment"]["curtailed_intervals"] > 0
    assert results["curtailment"]["avoided_emissions"].startswith("not available")
    lb = results["uncertainty"]["scope2_location_kgco2e"]
    assert lb["low"] < results["scope2_location_kgco2e"]["total"] < lb["high"]


def test_report_with_a_baseline_verifies(with_baseline) -> None:
    found = verify_pdf(with_baseline.path / "disclosure.pdf")
    assert found.ok, [c for c in found.checks if c.ok is False]
    names = {c.name: c.ok for c in found.checks}
    assert names["recomputed figures"] is True
    assert names["rendered content"] is True


def _front_text(path) -> str:
    pages = PdfReader(path / "disclosure.pdf").pages[:3]
    return "\n".join(page.extract_text() for page in pages)


def test_the_first_pages_state_the_change_in_scope_2_on_both_bases(with_baseline) -> None:
    results = json.loads((with_baseline.path / "results.json").read_text(encoding="utf-8"))
    text = " ".join(_front_text(with_baseline.path).split())
    assert "The pivot at a glance" in text and "Key figures" in text
    assert "May 2025" in text and "HALL-D on 14 June 2025" in text
    for basis in ("location", "market"):
        key = f"decomposition.{basis}.delta_kgco2e"
        change = format_figure(lookup(results, key), key)  # signed, as in the tables
        assert change in text, (basis, change)
        assert f"by {change.lstrip(MINUS)} t CO₂e" in text  # in words: "fell by ..."
    assert "Scenario, outside the inventory" in text
    assert (
        format_figure(
            lookup(results, "counterfactual.scope2_location_kgco2e"),
            "counterfactual.scope2_location_kgco2e",
        )
        in text
    )


def _recomputed(results: dict, op: str, keys: tuple[str, ...], decimals: int) -> str:
    """A printed figure made again from results.json, independently of the front's code."""
    values = [in_display_unit(lookup(results, k), k) for k in keys]

    def signed(value: float, places: int) -> str:
        text = format_number(value, places)
        return text if text.startswith(MINUS) or value == 0 else "+" + text

    if op == "value":
        return format_figure(lookup(results, keys[0]), keys[0])
    if op == "change":
        return signed(values[0] - values[1], decimals)
    if op == "percent":
        return signed(100.0 * (values[0] - values[1]) / values[1], 1)
    if op == "share":
        return format_number(100.0 * values[0] / values[1], 1)
    assert op == "share_change", op
    return signed(100.0 * (values[0] / values[1] - values[2] / values[3]), 1)


def test_every_figure_on_the_first_pages_is_its_results_value(with_baseline) -> None:
    results = json.loads((with_baseline.path / "results.json").read_text(encoding="utf-8"))
    printed = front_figures(results)
    for figure in printed:
        again = _recomputed(results, figure.op, figure.keys, field_for(figure.keys[0]).decimals)
        if figure.op in ("percent", "share", "share_change"):
            again = _recomputed(results, figure.op, figure.keys, 1)
        if figure.magnitude:
            again = again.lstrip("+" + MINUS)
        assert figure.text == again, figure
    texts = {figure.text for figure in printed}
    # not figures: the software version and the numbers of the charts
    text = _front_text(with_baseline.path).replace(f"carbon {results['software_version']}", "")
    found = NUMBER.findall(re.sub(r"Figure \d+\.\d+", "", text))
    assert len(found) > 60
    unexplained = sorted({n for n in found if n not in texts})
    assert unexplained == [], unexplained


def test_baseline_outside_the_demo_data_is_a_clear_error(tmp_path) -> None:
    result = CliRunner().invoke(
        app,
        ["demo", "--period", "2025-07", "--baseline", "2024-07", "--out", str(tmp_path)],
    )
    assert result.exit_code != 0
    message = str(result.exception)
    assert "baseline 2024-07" in message and "outside the meter data" in message
    assert not any(tmp_path.iterdir())  # nothing written


def test_baseline_after_the_period_is_refused(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["demo", "--period", "2025-03", "--baseline", "2025-05", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
    assert "does not end before" in str(result.exception)


def test_site_report_baseline_outside_its_data(tmp_path) -> None:
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(tmp_path / "site.toml"),
            "--period",
            "2023-11",
            "--baseline",
            "2023-10",
            "--out",
            str(tmp_path / "reports"),
        ],
    )
    assert result.exit_code != 0
    assert "outside the meter data" in str(result.exception)
    assert not (tmp_path / "reports").exists()
