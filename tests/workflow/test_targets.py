"""The tracker's months (carbon.workflow.targets) on the demo: January to the report period,
each computed as the report computes it."""

from __future__ import annotations

import pytest

from carbon.core.period import month
from carbon.results.document import workload_totals
from carbon.results.fields import FIELDS
from carbon.workflow.inputs import demo_site_data
from carbon.workflow.targets import sbti_block, tracker_months


@pytest.fixture(scope="module")
def demo_data():
    data, _ = demo_site_data()
    return data


def test_the_demo_tracker_sums_the_months_to_the_period(demo_data, demo_july) -> None:
    outcome, _ = demo_july
    months = tracker_months(demo_data, 2024, outcome.period)
    # the demo's meter data start in January 2025; months after July are left out
    assert [m.label for m in months] == [f"2025-{m:02d}" for m in range(1, 8)]
    block = sbti_block(demo_data, outcome)
    assert block["available"] is True and block["skipped"] == []
    base, year = block["years"]
    assert base["source"] == "declared" and base["location_kgco2e"] == pytest.approx(246e6)
    # each month by itself through the pipeline, summed independently of the tracker (the
    # operator's Scope 2: the triple-net tenant-2 is its Scope 3 category 13)
    totals = [workload_totals(demo_data.run(m)) for m in months]
    lb = sum(t["scope2_location_kgco2e"]["total"] for t in totals)
    kwh = sum(t["energy_kwh"]["total"] for t in totals)
    assert year["months"] == [m.label for m in months] and year["complete"] is False
    assert year["location_kgco2e"] == pytest.approx(lb, rel=1e-12)
    assert year["electricity_kwh"] == pytest.approx(kwh, rel=1e-12)
    hours = sum(m.hours for m in months)  # 5087 h: January to July, one DST change
    assert year["annualised_location_kgco2e"] == pytest.approx(lb * 8760 / hours)
    assert year["path_kgco2e"] == pytest.approx(246e6 * (1 - 0.42 / 6))
    growth = block["rapid_growth"]
    assert growth["rapid"] is True and growth["provisional"] is True
    assert growth["growth_per_year"] == pytest.approx(kwh * 8760 / hours / 690e6 - 1)
    # every declared figure of the block is in it (a mistyped key path fails here)
    paths = [f"sbti.{k}" for k in ("target_kgco2e", "annual_reduction_kgco2e")]
    paths += [f"sbti.declared.{k}" for k in block["declared"]]
    paths += [f"sbti.base_year.{k}" for k in block["base_year"]]
    paths += [f"sbti.rapid_growth.{k}" for k in growth]
    paths += [f"sbti.years[{i}].{k}" for i, r in enumerate(block["years"]) for k in r]
    paths += [f"sbti.path[{i}].kgco2e" for i in range(len(block["path"]))]
    for key, figure in FIELDS.items():
        if key.startswith("sbti."):
            assert any(figure.matches(p) for p in paths), key


def test_a_period_before_the_data_has_only_the_declared_base(demo_data) -> None:
    period = month("2024-12", "America/Chicago")
    assert tracker_months(demo_data, 2024, period) == []
