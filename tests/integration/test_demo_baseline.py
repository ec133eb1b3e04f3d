"""``carbon demo --baseline``: the pivot blocks, the 'What changed' section, verify, errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.workflow import write_demo_report
from carbon.workflow.verify import verify_pdf


@pytest.fixture(scope="module")
def with_baseline(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("reports")
    return write_demo_report(out, "2025-07", baseline="2025-05")


def test_results_hold_the_pivot_blocks(with_baseline) -> None:
    results = json.loads((with_baseline.path / "results.json").read_text(encoding="utf-8"))
    assert results["baseline"]["spec"] == "2025-05"
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
    assert [m["period"] for m in results["pivot_trend"]["months"]][-1] == "2025-07"
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
