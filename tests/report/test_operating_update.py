"""The operating update's comparison columns: the prior month and the same month a year
earlier, read from the disclosure's monthly trend, or the reason they are missing."""

from __future__ import annotations

from carbon.report.operating_update import comparison_columns, render_update_html


def _row(period: str, mining: float, ai: float) -> dict:
    return {
        "period": period,
        "energy_kwh": {"mining": mining, "ai": ai},
        "scope2_location_kgco2e": {"mining": mining * 0.4, "ai": ai * 0.4},
        "scope2_market_kgco2e": {"mining": mining * 0.3, "ai": ai * 0.3},
    }


def test_prior_month_from_the_trend_and_a_missing_year_ago_named() -> None:
    results = {
        "period": {"label": "2025-07"},
        "pivot_trend": {"months": [_row("2025-06", 2_000_000.0, 1_000_000.0)], "skipped": []},
    }
    prior, ago = comparison_columns(results)
    assert (prior["label"], prior["reason"]) == ("2025-06", None)
    assert prior["values"]["energy_mwh"] == 3000.0  # kWh → MWh, mining + AI
    assert prior["values"]["energy_ai_mwh"] == 1000.0
    assert prior["values"]["scope2_location_tco2e"] == 1200.0  # kg → t
    assert ago["label"] == "2024-07" and ago["values"] == {}
    assert ago["reason"] == "the data hold no 2024-07"


def test_without_a_trend_both_columns_say_why() -> None:
    columns = comparison_columns({"period": {"label": "2025-01"}})
    assert [c["label"] for c in columns] == ["2024-12", "2024-01"]
    assert all("no monthly trend" in c["reason"] for c in columns)


def test_the_page_shows_the_columns(demo_july) -> None:
    _, results = demo_july
    trend = {"months": [_row("2025-06", 40_000_000.0, 18_000_000.0)], "skipped": []}
    html = render_update_html({**results, "pivot_trend": trend})
    assert "June 2025" in html and "July 2024" in html
    assert "not available: the data hold no 2024-07" in html
    assert "58,000.0" in html  # June's site energy in MWh
