"""The location-based tiers table of the methodology appendix (docs/methodology.md §1.2)."""

from __future__ import annotations

import pytest

from carbon.report.tiers_context import location_tiers_context


def test_the_demo_prices_every_hour_on_its_hourly_source(demo_july) -> None:
    _, results = demo_july
    block = results["scope2_location_tiers"]
    context = location_tiers_context(results)
    assert [r["label"] for r in context["rows"]] == [
        "hourly grid-area source",
        "sub-hourly grid source",
        "regional annual factor",
        "national annual factor",
    ]
    hourly = context["rows"][0]
    assert hourly["intervals"] == 744 and hourly["share_pct"] == pytest.approx(100.0)
    # the table prices the site's whole metered energy: the operator's location-based Scope 2
    # plus the tenant that holds operational control of its space (Scope 3 cat. 13), in tonnes
    site_kg = (
        results["scope2_location_kgco2e"]["total"] + results["scope3_13_location_kgco2e"]["total"]
    )
    assert results["scope3_13_location_kgco2e"]["total"] > 0
    assert context["total_t"] == pytest.approx(site_kg / 1000)
    assert block["total_mwh"] == pytest.approx(results["energy_kwh"]["total"] / 1000)
    assert context["rows"][1]["sources"].startswith("none: no source of this tier")
    assert "egrid" in context["rows"][2]["sources"]


def test_reasons_are_summarised_per_finer_tier_and_source() -> None:
    results = {
        "scope2_location_tiers": {
            "interval": "hourly",
            "tiers": [
                {
                    "label": "regional annual factor",
                    "available": True,
                    "sources": [{"name": "eGRID2023 ERCT", "factor_id": "egrid2023rev2"}],
                    "intervals": 5,
                    "mwh": 1.0,
                    "share": 0.5,
                    "kgco2e": 400.0,
                    "reasons": [
                        {
                            "finer_tier": "hourly",
                            "source": "x (a.csv)",
                            "reason": "no_row",
                            "label": "",
                            "intervals": 3,
                        },
                        {
                            "finer_tier": "hourly",
                            "source": "x (a.csv)",
                            "reason": "flagged_missing",
                            "label": "",
                            "intervals": 2,
                        },
                        {
                            "finer_tier": "sub_hourly",
                            "source": None,
                            "reason": "not_declared",
                            "label": "no source of this tier is declared for the site",
                            "intervals": 5,
                        },
                    ],
                }
            ],
        }
    }
    row = location_tiers_context(results)["rows"][0]
    assert row["why"] == (
        "hourly a.csv: no row 3, flagged missing 2; "
        "sub hourly: no source of this tier is declared for the site"
    )
    assert row["share_pct"] == pytest.approx(50.0) and row["t"] == pytest.approx(0.4)
