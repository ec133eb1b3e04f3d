"""The instrument register of results.json (``market_based.register``): one row per
instrument the site declares, applied, excluded or not applicable.

Each row carries what an auditor traces the instrument by (registry, serial range,
vintage, retirement date, beneficiary, generator, evidence), its MWh (whole volume,
available in the period, applied on each matching basis, surplus), the quality criteria
it failed with the reason, and for a rate instrument (residual mix, supplier factor) its
rate and the uncovered load it priced.
"""

from __future__ import annotations

from typing import Any

from carbon.accounting.market_result import InstrumentOutcome, MarketBasedResult

__all__ = ["register_rows"]


def _row(o: InstrumentOutcome) -> dict[str, Any]:
    identity = dict(o.identity)
    rate = o.rate_used_gco2e_per_kwh
    if rate is None:
        rate = identity.get("rate_gco2e_per_kwh")
    identity.pop("rate_gco2e_per_kwh", None)
    contractual = o.kind in ("certificate", "ppa", "green_tariff")
    applied = o.status == "applied"
    return {
        "instrument_id": o.instrument_id,
        "kind": o.kind,
        "technology": o.technology,
        "status": o.status,
        "reasons": list(o.reasons),
        "criteria_failed": [
            {"criterion": f.criterion, "name": f.name, "reason": f.reason} for f in o.failures
        ],
        **identity,
        "volume_mwh": identity.pop("volume_mwh", None),
        "available_mwh": o.available_mwh,
        "used_annual_mwh": o.used_annual_mwh,
        "used_hourly_mwh": o.used_hourly_mwh,
        "surplus_annual_mwh": o.available_mwh - o.used_annual_mwh
        if contractual and applied
        else None,
        "covered_annual_mwh": None if contractual else o.covered_annual_mwh,
        "covered_hourly_mwh": None if contractual else o.covered_hourly_mwh,
        "rate_gco2e_per_kwh": rate,
    }


def register_rows(market: MarketBasedResult) -> list[dict[str, Any]]:
    """``market_based.register``: every instrument in the site's order."""
    return [_row(o) for o in market.register]
