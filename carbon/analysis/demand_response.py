"""Curtailment and demand-response table (docs/disclosure-items.md item 15), outside energy and
emissions.

Each ``[[demand_response]]`` event of the site file states its programme, window
and the **baseline** power of the curtailed (mining) load. Its curtailed energy
is measured from the meters against that stated baseline::

    curtailed MWh = Σ_{intervals in the window} max(0, baseline × Δt − E_mining,i)

Credits and power resold (MWh and money) are copied from the event record. They
are revenue and traded energy: none of them changes the energy consumed or any
scope. The metered curtailment of :mod:`carbon.analysis.curtailment` (median reference)
is shown beside the events for comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbon.core.errors import InputDataError, UnitError
from carbon.core.money import parse_money
from carbon.core.units import Q_, parse_quantity, ureg

if TYPE_CHECKING:  # pragma: no cover
    from carbon.site.operating import DemandResponseEvent

__all__ = [
    "DR_LABEL",
    "avoided_at_marginal",
    "curtailed_against_baseline",
    "demand_response_rows",
]

DR_LABEL = (
    "outside energy and emissions: credits and resale revenue are revenue, power resold is "
    "traded energy, curtailed MWh were never consumed; none is netted into any figure"
)


def curtailed_against_baseline(
    mining_it: xr.DataArray,
    interval: pd.Timedelta,
    start: pd.Timestamp,
    end: pd.Timestamp,
    baseline: pint.Quantity,
) -> tuple[pint.Quantity, pint.Quantity, int]:
    """Curtailed energy of the window ``[start, end)`` against a stated baseline power.

    Parameters
    ----------
    mining_it : xarray.DataArray
        Mining IT energy per interval ``(time,)`` [energy], interval starts UTC (naive).
    interval : pandas.Timedelta
        Meter interval.
    start, end : pandas.Timestamp
        Event window (tz-aware).
    baseline : pint.Quantity
        Stated baseline power [MW]; an energy is refused.

    Returns
    -------
    (curtailed energy [MWh], hours of the window inside the data [h], intervals with no data)
    """
    if not isinstance(baseline, ureg.Quantity) or not baseline.is_compatible_with("MW"):
        got = getattr(baseline, "units", type(baseline).__name__)
        raise UnitError(f"the baseline is a power (MW), got {got}")
    units = mining_it.pint.units
    if units is None or not ureg.Quantity(1, units).is_compatible_with("kWh"):
        raise UnitError(f"mining IT energy must be an energy, got {units}")
    times = pd.DatetimeIndex(mining_it["time"].values)
    s = start.tz_convert("UTC").tz_localize(None)
    e = end.tz_convert("UTC").tz_localize(None)
    inside = np.asarray((times >= s) & (times < e))
    kwh = np.asarray(mining_it.pint.to("kWh").pint.magnitude, dtype=float)[inside]
    step_h = interval / pd.Timedelta(hours=1)
    base_kwh = float(baseline.to("kW").magnitude) * step_h
    missing = int(np.isnan(kwh).sum())
    shortfall = np.clip(base_kwh - kwh[np.isfinite(kwh)], 0.0, None).sum()
    return Q_(shortfall, "kWh").to("MWh"), Q_(inside.sum() * step_h, "h"), missing


def demand_response_rows(
    events: list[DemandResponseEvent],
    mining_it: xr.DataArray,
    interval: pd.Timedelta,
    period_start: pd.Timestamp,
    period_end: pd.Timestamp,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows of the events overlapping the period and their totals (plain numbers)."""
    rows: list[dict[str, Any]] = []
    money: dict[str, dict[str, float]] = {"credits": {}, "resale_revenue": {}}
    resold = Q_(0.0, "MWh")
    curtailed_total = Q_(0.0, "MWh")
    hours_total = Q_(0.0, "h")
    for ev in sorted(events, key=lambda x: (x.start, x.event_id)):
        start, end = pd.Timestamp(ev.start), pd.Timestamp(ev.end)
        if end <= period_start or start >= period_end:
            continue
        if start < period_start or end > period_end:
            raise InputDataError(
                f"demand_response {ev.event_id!r}: the event {start} – {end} crosses the period "
                f"boundary ({period_start} – {period_end}); split it at the month end"
            )
        baseline = parse_quantity(ev.baseline, "MW", "baseline").to("MW")
        curtailed, _window_hours, missing = curtailed_against_baseline(
            mining_it, interval, start, end, baseline
        )
        row: dict[str, Any] = {
            "programme": ev.programme,
            "event_id": ev.event_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "hours": float((end - start) / pd.Timedelta(hours=1)),
            "baseline_mw": float(baseline.magnitude),
            "curtailed_mwh": float(curtailed.magnitude),
            "intervals_without_data": missing,
            "power_resold_mwh": None,
            "credits": None,
            "resale_revenue": None,
            "source": ev.source,
        }
        if ev.power_resold is not None:
            q = parse_quantity(ev.power_resold, "MWh", "power_resold").to("MWh")
            row["power_resold_mwh"] = float(q.magnitude)
            resold = resold + q
        for key in ("credits", "resale_revenue"):
            text = getattr(ev, key)
            if text is not None:
                q = parse_money(text, key)
                code = str(q.units)
                row[key] = {"amount": float(q.magnitude), "currency": code}
                money[key][code] = money[key].get(code, 0.0) + float(q.magnitude)
        curtailed_total = curtailed_total + curtailed
        hours_total = hours_total + Q_(row["hours"], "h")
        rows.append(row)
    totals = {
        "events": len(rows),
        "hours": float(hours_total.magnitude),
        "curtailed_mwh": float(curtailed_total.magnitude),
        "power_resold_mwh": float(resold.magnitude),
        "credits_by_currency": money["credits"],
        "resale_revenue_by_currency": money["resale_revenue"],
    }
    return rows, totals


def avoided_at_marginal(
    events: list[DemandResponseEvent],
    mining_it: xr.DataArray,
    interval: pd.Timedelta,
    marginal_rate: xr.DataArray,
    source: str,
) -> dict[str, Any]:
    """Avoided emissions of each demand-response event at the marginal rate (impact only).

    ``Σ_{intervals in the event} max(0, baseline × Δt − E_mining,i) × MOER_i``, the same
    shortfall as :func:`curtailed_against_baseline`; `marginal_rate` ``(time,)`` on the meter
    intervals of `mining_it` [CO2 or CO2e mass per energy]. A curtailed interval without a
    rate makes the event's figure None and is counted, never filled.
    """
    rate = None
    for unit in ("kg CO2/kWh", "kg CO2e/kWh"):
        units = marginal_rate.pint.units
        if units is not None and ureg.Quantity(1, units).is_compatible_with(unit):
            rate, gas = marginal_rate.pint.to(unit).pint.magnitude, unit.split()[1].split("/")[0]
    if rate is None:
        raise UnitError(
            f"the marginal rate is in {marginal_rate.pint.units}; expected CO2 mass per energy"
        )
    times = pd.DatetimeIndex(mining_it["time"].values)
    kwh = np.asarray(mining_it.pint.to("kWh").pint.magnitude, dtype=float)
    values = np.asarray(rate, dtype=float)
    step_h = interval / pd.Timedelta(hours=1)
    by_event: dict[str, float | None] = {}
    missing_total = 0
    for ev in sorted(events, key=lambda x: (x.start, x.event_id)):  # events, not readings
        s = pd.Timestamp(ev.start).tz_convert("UTC").tz_localize(None)
        e = pd.Timestamp(ev.end).tz_convert("UTC").tz_localize(None)
        inside = np.asarray((times >= s) & (times < e))
        if not inside.any():
            continue
        base_kwh = float(parse_quantity(ev.baseline, "MW", "baseline").to("kW").magnitude) * step_h
        shortfall = np.clip(base_kwh - np.nan_to_num(kwh[inside], nan=base_kwh), 0.0, None)
        missing = int(((shortfall > 0) & ~np.isfinite(values[inside])).sum())
        missing_total += missing
        by_event[ev.event_id] = (
            None if missing else float(np.sum(shortfall * np.nan_to_num(values[inside])))
        )
    known = [v for v in by_event.values() if v is not None]
    return {
        "kg": float(sum(known)) if by_event and len(known) == len(by_event) else None,
        "gas": gas,
        "by_event_kg": by_event,
        "curtailed_intervals_without_rate": missing_total,
        "source": source,
        "label": "avoided emissions of the demand-response events at the marginal rate: "
        "impact statement only, never subtracted from any scope",
    }
