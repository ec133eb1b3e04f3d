"""The front of the disclosure: the cover's headline figures, the pivot at a glance and the
key figures, with a baseline (the demo) and without one."""

from __future__ import annotations

import json

from carbon.core.dotted import lookup
from carbon.report.context import build_context
from carbon.report.front_context import front_context
from carbon.report.numbers import DASH, MINUS, format_figure
from carbon.report.render import render_html
from tests.report.test_report import make_power, make_results

PIVOT_KEYS = ("baseline", "decomposition", "counterfactual", "pivot_trend")


def _demo(demo_draft) -> dict:
    return json.loads((demo_draft.path / "results.json").read_text(encoding="utf-8"))


def test_with_a_baseline_every_headline_figure_has_its_change(demo_draft) -> None:
    results = _demo(demo_draft)
    front = front_context(results, charts=False)
    assert front["has_baseline"] and front["baseline"]["words"] == "May 2025"
    tiles = {t["label"]: t for t in front["tiles"]}
    assert len(tiles) == 6
    assert all(t["change"] != DASH and t["base"] != DASH for t in tiles.values())
    lb = tiles["Scope 2, location-based"]
    key = "decomposition.location.delta_kgco2e"
    assert lb["change"] == format_figure(lookup(results, key), key)  # no unattributed change
    assert lb["band"]["low"] < lb["value"] < lb["band"]["high"]  # same digits, same width
    # the change in words follows its sign: Scope 2 fell on both bases, AI's share rose
    assert any(line.startswith("Location-based Scope 2 fell by") for line in front["paragraph"])
    assert any(line.startswith("Market-based Scope 2 fell by") for line in front["paragraph"])
    assert tiles["AI hosting's share of facility energy"]["change"].startswith("+")
    # no empty 'Unallocated' row: workload 'other' had no energy in either period
    assert [r["name"] for r in front["workload_rows"]] == ["Mining", "AI hosting", "Total"]
    labels = [r["label"] for r in front["kpi_rows"]]
    for share in ("Grid-mix carbon-free", "Certificate-backed renewable", "Hourly-matched"):
        assert sum(label.startswith(share) for label in labels) == 1  # kept apart
    assert front["scenario"]["available"] and front["scenario"]["whole_period"]


def test_without_a_baseline_the_front_shows_the_period_alone(demo_draft) -> None:
    results = {k: v for k, v in _demo(demo_draft).items() if k not in PIVOT_KEYS}
    results["baseline_choice"] = {
        "requested": "none",
        "period": None,
        "rule": "no baseline requested (--baseline none)",
        "reason": "the comparison with a baseline was turned off (--baseline none)",
    }
    front = front_context(results, charts=False)
    assert not front["has_baseline"] and "turned off" in front["no_baseline"]
    assert all("change" not in t for t in front["tiles"])
    assert all("change" not in r for r in front["kpi_rows"])
    assert front["scenario"] is None and front["paragraph"] == []
    # every figure printed is still traced to its key, none to a baseline
    assert all(not k.startswith("baseline.") for f in front["figures"] for k in f.keys)
    assert not any(f.text.startswith(("+", MINUS)) for f in front["figures"])


def test_a_report_without_a_baseline_renders_its_front_without_comparison_columns() -> None:
    context = build_context(make_results(), make_power())
    html = render_html(context)
    cover, rest = html.split('id="contents"', 1)
    assert "No baseline." in cover and 'class="tile"' in cover
    title = (
        "The pivot at a glance" if make_results().get("conversions") else "The period at a glance"
    )
    assert title in cover and "Key figures" in cover  # the front comes before the contents
    assert ">Change<" not in cover and "tile-change" not in cover
    assert title in rest  # listed in the contents
