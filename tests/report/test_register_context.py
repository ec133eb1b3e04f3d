"""The register section's instrument register (carbon.report.register_context)."""

from __future__ import annotations

from carbon.report.register_context import register_context


def test_every_instrument_is_listed_with_what_it_is_traced_by(demo_july) -> None:
    rows = {r["id"]: r for r in register_context(demo_july[1])["instruments"]}
    assert list(rows) == [r["instrument_id"] for r in demo_july[1]["market_based"]["register"]]
    rec = dict(rows["rec-wind-2025-07"]["details"])
    assert rec["serials"] == "DEMO-WND-2025-000001 – DEMO-WND-2025-006000 (6,000 certificates)"
    assert rec["vintage"] == "2025-06-01 to 2025-07-31" and rec["retired"] == "2025-08-20"
    mix = rows["residual-ercot-synthetic"]
    assert mix["rate_instrument"] and mix["applied_annual_mwh"] > 40_000
    assert round(mix["rate"], 1) == 354.2
    assert rows["vppa-wind-sold-recs"]["failed"][0].startswith("criterion 7")
