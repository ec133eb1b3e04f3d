"""Acceptance: a site with an hourly PPA profile read from a file, under both editions.

``ghgp-s2-2015``'s matched MWh must be min(Σ load, Σ generation) and
``ghgp-s2-2025-draft``'s Σ_h min(load_h, generation_h), each against an independent
calculation from the raw files (pandas over the meters CSV and the profile CSV).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from carbon.core.period import month
from carbon.results.document import ReportMeta, build_results
from carbon.workflow.inputs import site_data
from tests.integration.test_instrument_profiles import TZ, _ppa, _site, _write_profile


def _raw_hours(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """Load and PPA generation per UTC clock hour of November 2023 [kWh], from the files."""
    period = pd.date_range("2023-11-01 05:00", "2023-12-01 06:00", freq="h", inclusive="left")
    meters = pd.read_csv(folder / "meters.csv")
    rev = meters.loc[meters["meter_id"] == "REV"]
    start = pd.to_datetime(rev["interval_start"], utc=True).dt.tz_localize(None)
    load = rev["energy_kwh"].groupby(start.dt.floor("h").to_numpy()).sum().reindex(period)
    solar = pd.read_csv(folder / "profiles" / "sol-7.csv")
    stamp = pd.to_datetime(solar["interval_start"], utc=True).dt.tz_localize(None)
    gen = solar["energy_kwh"].groupby(stamp.dt.floor("h").to_numpy()).sum()
    return load.to_numpy(), gen.reindex(period, fill_value=0.0).to_numpy()


def test_both_editions_match_the_independent_calculation(tmp_path: Path) -> None:
    _write_profile(tmp_path)
    outcome = site_data(_site(tmp_path, _ppa())).run(month("2023-11", TZ))
    results = build_results(outcome, ReportMeta("x", 1, "draft", datetime.date(2023, 12, 1)))
    by = results["scope2_market_by_edition"]
    load, gen = _raw_hours(tmp_path)
    assert by["ghgp-s2-2015"]["matched_kwh"] == pytest.approx(min(load.sum(), gen.sum()), rel=1e-9)
    assert by["ghgp-s2-2025-draft"]["matched_kwh"] == pytest.approx(
        np.minimum(load, gen).sum(), rel=1e-9
    )
    assert by["ghgp-s2-2025-draft"]["matched_kwh"] < by["ghgp-s2-2015"]["matched_kwh"]
    # the 2015 edition is today's market-based figure, to the last digit
    assert by["ghgp-s2-2015"]["total_kgco2e"] == results["scope2_market_kgco2e"]["total"]
    for key in ("mining", "ai"):
        assert by["ghgp-s2-2015"]["by_workload"][key] == results["scope2_market_kgco2e"][key]
    for block in by.values():  # load = standard supply + matched + uncovered
        parts = block["standard_supply_kwh"] + block["matched_kwh"] + block["residual_kwh"]
        assert parts == pytest.approx(load.sum(), rel=1e-9)
        assert block["assumptions"] and block["status"]
    # no residual mix: grid average under 2015, the fossil-only rate LB_h / (1 − c_h) under
    # the draft (the Electricity Maps file gives c_h for every hour)
    assert set(by["ghgp-s2-2015"]["residual_sources"]) == {"grid_average"}
    assert set(by["ghgp-s2-2025-draft"]["residual_sources"]) == {"fossil_only"}
    draft = by["ghgp-s2-2025-draft"]
    assert draft["status"] == "proposal, consultation Oct 2025 – Jan 2026"
    assert draft["load_tiers"]["interval_meter"]["kwh"] == pytest.approx(load.sum(), rel=1e-9)
    assert draft["generation_tiers"]["certificates_with_hourly_production"]["instruments"] == [
        "ppa-sun"
    ]
    # November's 28.5 GWh is 345.7 GWh a year: above every proposed threshold
    assert draft["exemption"]["annual_consumption_gwh"] == pytest.approx(
        load.sum() / 1e6 * 8760 / len(load), rel=1e-9
    )
    assert not any(t["exempt"] for t in draft["exemption"]["thresholds"])
