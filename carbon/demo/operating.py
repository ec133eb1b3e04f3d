"""The demo site's operating-disclosure inputs (all synthetic, labelled so).

Capacity stack with effective dates around the HALL-D conversion, a contracted
pipeline, cooling per hall, the monthly carbon-free share of the demo's grid
model, demand-response events (one per local day with curtailed hours) and a
monthly energy cost bridge. Events and costs follow the generated meter data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.analysis import clean_shares
from carbon.demo.timeline import CONVERSION_AT, INTERVAL, TIMEZONE, YEAR

__all__ = ["operating_from", "operating_site_keys"]

_SYNTHETIC = "synthetic: demo site"
_CAPACITY: tuple[tuple[str, float, str, str | None, str], ...] = (
    # (measure, MW, effective_from, effective_to, status)
    ("interconnect_approved", 130.0, "2023-03-01", None, "ERCOT interconnection approved"),
    ("gross_energised", 120.0, "2024-01-01", None, "substation and feeders in service"),
    ("mining", 87.0, "2024-01-01", "2025-06-13", "HALL-A to HALL-D energised for mining"),
    ("mining", 67.0, "2025-06-14", None, "HALL-D retired from mining at its conversion"),
    ("critical_it_contracted", 12.0, "2024-06-01", "2025-02-28", "HALL-E leases signed"),
    ("critical_it_contracted", 28.0, "2025-03-01", None, "HALL-D lease signed (tenant-1)"),
    ("critical_it_energised", 12.0, "2024-06-01", "2025-06-23", "HALL-E energised"),
    ("critical_it_energised", 28.0, "2025-06-24", None, "HALL-D refit complete"),
    ("critical_it_billable", 12.0, "2024-07-01", "2025-06-30", "HALL-E billing"),
    ("critical_it_billable", 20.0, "2025-07-01", "2025-07-13", "HALL-D billing, ramp phase"),
    ("critical_it_billable", 28.0, "2025-07-14", None, "HALL-D billing at full contract"),
)
_PIPELINE = (
    {
        "name": "HALL-F (liquid-cooled GPU hall)",
        "measure": "critical_it_contracted",
        "capacity": "40 MW",
        "expected": "2026-03-31",
        "status": "under_construction",
        "counterparty": "tenant-4 (synthetic)",
    },
    {
        "name": "Interconnect expansion",
        "measure": "interconnect_approved",
        "capacity": "200 MW",
        "expected": "2026-09-30",
        "status": "approved",
        "counterparty": "ERCOT / TDSP (synthetic)",
    },
    {
        "name": "HALL-A conversion to AI",
        "measure": "critical_it_contracted",
        "capacity": "18 MW",
        "expected": "2026-12-31",
        "status": "planned",
        "counterparty": None,
    },
)
_COOLING = (
    ("HALL-A", "air", None),
    ("HALL-B", "air", None),
    ("HALL-C", "air", None),
    ("HALL-D", "direct_to_chip_liquid", "air-cooled mining until the 2025-06-14 conversion"),
    ("HALL-E1", "adiabatic", "dry coolers with evaporative assist in hot hours"),
    ("HALL-E2", "adiabatic", "dry coolers with evaporative assist in hot hours"),
)
#: Stated demand-response baseline: 96 % of the mining capacity in effect [fraction].
_DR_BASELINE_SHARE = 0.96
_DR_CREDIT_USD_PER_MWH = 55.0  # programme credit per MWh of baseline × hours
_RESALE_SHARE = 0.85  # share of the baseline energy resold in the real-time market
_RESALE_USD_PER_MWH = 240.0
_PRICE_USD_PER_MWH = 41.5  # all-in energy and delivery
_HEDGE_USD_PER_MWH = (-2.1, -1.8, 0.4, 0.9, 1.5, -3.2, -6.5, -5.9, -2.4, 0.6, 1.1, -0.7)
_CERT_USD_PER_MWH = 1.6  # certificate spend per MWh of certificates bought


def operating_site_keys(extra: dict[str, Any]) -> dict[str, Any]:
    """The site-file keys of the demo (static ones plus what `extra` derives from data)."""
    return {
        "capacity": [
            {
                "measure": m,
                "value": f"{mw:g} MW",
                "effective_from": start,
                "effective_to": end,
                "status": status,
                "source": _SYNTHETIC,
            }
            for m, mw, start, end, status in _CAPACITY
        ],
        "capacity_pipeline": [{**p, "source": _SYNTHETIC} for p in _PIPELINE],
        "cooling": [{"hall": h, "cooling": c, "note": n} for h, c, n in _COOLING],
        **extra,
    }


def _mining_mw(day: pd.Timestamp) -> float:
    return 87.0 if day < pd.Timestamp(CONVERSION_AT) else 67.0


def operating_from(
    grid: pd.DataFrame, curtail: pd.Series, times: pd.DatetimeIndex, power: dict[str, np.ndarray]
) -> dict[str, Any]:
    """Monthly grid carbon-free shares, DR events and cost rows from the generated data."""
    hours = pd.DatetimeIndex(grid["interval_start"]).tz_convert(TIMEZONE)
    step_h = INTERVAL / pd.Timedelta(hours=1)
    # the site's hourly energy [MWh] on the grid model's hours, for the load weighting
    site_mwh = (
        pd.Series(power["REV"] * step_h, index=times)
        .resample("1h")
        .sum()
        .reindex(pd.DatetimeIndex(grid["interval_start"]))
    ).to_numpy()
    share = grid["carbon_free_share"].to_numpy()
    grid_rows = []
    for m in range(1, 13):
        in_month = np.asarray(hours.month == m)
        stamps = (
            pd.DatetimeIndex(grid["interval_start"]).tz_convert("UTC").tz_localize(None)[in_month]
        )
        load = xr.DataArray(
            site_mwh[in_month], coords={"time": stamps.to_numpy()}, dims="time"
        ).pint.quantify("MWh")
        c_h = xr.DataArray(
            share[in_month], coords={"time": stamps.to_numpy()}, dims="time"
        ).pint.quantify("dimensionless")
        value = clean_shares.grid_carbon_free_share(load, c_h).to("dimensionless").magnitude
        grid_rows.append(
            {
                "period": f"{YEAR}-{m:02d}",
                "share": round(float(value), 4),
                "source": "synthetic: the demo grid model's hourly carbon-free share (nuclear, "
                "wind, solar ÷ system load), weighted by the site's metered hourly energy",
            }
        )
    flagged = curtail.to_numpy(dtype=bool)
    local = pd.DatetimeIndex(curtail.index).tz_convert(TIMEZONE)
    events = []
    credits_by_month: dict[int, float] = {}
    for day in sorted(set(local[flagged].normalize())):
        on = local[flagged & (local.normalize() == day)]
        start, end = on.min(), on.max() + pd.Timedelta(hours=1)
        baseline = _DR_BASELINE_SHARE * _mining_mw(day)
        window_mwh = baseline * (end - start) / pd.Timedelta(hours=1)
        credit = round(window_mwh * _DR_CREDIT_USD_PER_MWH)
        resold = round(window_mwh * _RESALE_SHARE, 1)
        credits_by_month[day.month] = credits_by_month.get(day.month, 0.0) + credit
        events.append(
            {
                "programme": "ERCOT ERS + real-time price response (synthetic)",
                "event_id": f"DR-{day:%Y%m%d}",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "baseline": f"{baseline:g} MW",
                "credits": f"{credit} USD",
                "power_resold": f"{resold:g} MWh",
                "resale_revenue": f"{round(resold * _RESALE_USD_PER_MWH)} USD",
                "source": "synthetic: programme settlement statements",
            }
        )
    months = times.tz_convert(TIMEZONE).month
    cost_rows = []
    for m in range(1, 13):
        mwh = float(power["REV"][months == m].sum()) * step_h
        cost_rows.append(
            {
                "period": f"{YEAR}-{m:02d}",
                "energy_charges": f"{round(mwh * _PRICE_USD_PER_MWH)} USD",
                "demand_response_credits": f"{round(credits_by_month.get(m, 0.0))} USD",
                "hedge_settlements": f"{round(mwh * _HEDGE_USD_PER_MWH[m - 1])} USD",
                "certificate_spend": f"{round(mwh * 0.25 * _CERT_USD_PER_MWH)} USD",
                "source": "synthetic: utility invoices, hedge settlements and EAC purchases",
            }
        )
    return {"grid_carbon_free": grid_rows, "demand_response": events, "energy_cost": cost_rows}
