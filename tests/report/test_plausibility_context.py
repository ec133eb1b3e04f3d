"""The data-quality section's plausibility table and the bidi isolation of user text."""

from __future__ import annotations

from carbon.report.plausibility_context import plausibility_context
from carbon.report.render import bidi_isolate


def test_the_context_lists_every_check_and_each_finding() -> None:
    results = {
        "quality": {
            "plausibility": {
                "bounds": {"max_site_power_mw": 2000.0},
                "counts": {"above-capacity": 3, "intensity-out-of-range": 0},
                "total": 3,
                "flags": [
                    {
                        "check": "above-capacity",
                        "subject": "HALL-A",
                        "path": "m.csv",
                        "count": 3,
                        "first": "2025-07-01T05:00:00+00:00",
                        "detail": "too much",
                    }
                ],
                "notes": [],
            }
        }
    }
    context = plausibility_context(results)
    assert context is not None and context["total"] == 3
    assert [c["count"] for c in context["checks"]] == [3, 0]
    assert context["flags"][0]["subject"] == "HALL-A"
    assert plausibility_context({"quality": {}}) is None  # older results.json: no table


def test_user_text_is_isolated_and_escaped() -> None:
    text = str(bidi_isolate("Pecos \u202e<b>x</b>"))
    assert text.startswith("\u2068") and text.endswith("\u2069")
    assert "<b>" not in text and "&lt;b&gt;" in text
