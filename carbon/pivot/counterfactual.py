"""A scenario, outside the inventory: converted halls as if they had stayed mining.

For every IT meter whose workload changed from ``mining`` to another workload,
the hall's pre-conversion profile gives its share of the mining fleet: over a
reference window before the conversion (default 28 days),

    ρ_m = Σ_window E_m / Σ_window Σ_f E_f

with ``f`` the IT meters that mine throughout. In the period, after the
conversion, the hall would have drawn ``ρ_m × fleet IT energy`` in each
interval: it follows the fleet's curtailment and availability as it did
before. Facility energy adds overhead at the period's mining workload PUE; the
location-based figure uses the period's hourly factors, the market-based one
the period's mining market-based rate per facility MWh. Where the fleet's
realised J/TH is known, the scenario's average hashrate is ``power ÷ J/TH``, the
power averaged over the period's hours after the conversion.

These are scenario figures. They are never added to, or subtracted from, any
scope, and the report prints them in a box labelled as a scenario.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbon.accounting.location import location_based, to_resolution
from carbon.core.errors import UnitError
from carbon.core.units import ureg
from carbon.site.model import SiteConfig

__all__ = ["LABEL", "REFERENCE_WINDOW", "converted_meters", "counterfactual", "fleet_meters"]

REFERENCE_WINDOW = pd.Timedelta(days=28)
LABEL = (
    "Scenario, not inventory: the converted halls' energy and emissions as if they had "
    "stayed mining. Never added to or subtracted from any scope."
)


def converted_meters(site: SiteConfig) -> dict[str, pd.Timestamp]:
    """IT meters that changed from mining to another workload → the conversion instant."""
    found = {}
    for meter in site.meters_with_role("it"):
        for (_, end, before), (_, _, after) in itertools.pairwise(meter.workload_spans()):
            if before == "mining" and after != "mining" and end is not None:
                found[meter.id] = pd.Timestamp(end).tz_convert("UTC")
    return found


def fleet_meters(site: SiteConfig) -> list[str]:
    """IT meters that mine throughout (their workload is ``mining`` with no schedule)."""
    return [m.id for m in site.meters_with_role("it") if m.workload == "mining"]


def _kwh(data: xr.DataArray) -> np.ndarray:
    have = data.pint.units
    if have is None or not ureg.Quantity(1, have).is_compatible_with("kWh"):
        raise UnitError(f"meter energy must be convertible to kWh; got {have}")
    return np.asarray(data.pint.to("kWh").pint.magnitude, dtype=float)


def _halls(
    ref: xr.DataArray,
    period_energy: xr.DataArray,
    converted: dict[str, pd.Timestamp],
    fleet_ref: float,
    fleet_now: np.ndarray,
) -> tuple[list[dict[str, Any]], np.ndarray, np.ndarray, np.ndarray]:
    """Each converted hall in the scenario: its rows, and over the period's intervals the
    scenario IT energy (the hall following the fleet at its reference share) and the
    metered IT energy after conversion [kWh], and where any hall had converted."""
    times = pd.DatetimeIndex(period_energy["time"].values)
    halls = []
    scenario_it = np.zeros(len(times))
    actual_it = np.zeros(len(times))
    after_any = np.zeros(len(times), dtype=bool)
    for meter_id, at in sorted(converted.items()):  # loops over halls, never readings
        share = float(np.nansum(_kwh(ref.sel(meter=meter_id)))) / fleet_ref
        after = np.asarray(times >= at.tz_localize(None))
        after_any |= after
        it = np.where(after, share * fleet_now, 0.0)
        own = np.where(after, np.nan_to_num(_kwh(period_energy.sel(meter=meter_id))), 0.0)
        scenario_it += it
        actual_it += own
        halls.append(
            {
                "meter": meter_id,
                "converted_at_utc": at.isoformat(),
                "share_of_fleet_before": share,
                "scenario_it_energy_kwh": float(it.sum()),
                "actual_it_energy_kwh": float(own.sum()),
            }
        )
    return halls, scenario_it, actual_it, after_any


def counterfactual(
    *,
    reference_energy: xr.DataArray,
    period_energy: xr.DataArray,
    converted: dict[str, pd.Timestamp],
    fleet: list[str],
    interval: pd.Timedelta,
    factor_resolution: pd.Timedelta,
    intensity: xr.DataArray,
    mining_pue: pint.Quantity,
    mining_market_rate: pint.Quantity,
    ai_pue: pint.Quantity | None = None,
    realised_j_per_th: pint.Quantity | None = None,
) -> dict[str, Any]:
    """The stayed-mining scenario of the converted halls in one period.

    `reference_energy` and `period_energy` are ``(meter, time)`` [energy] on the
    meter grid (UTC interval starts, tz-naive); `intensity` the period's
    location-based factor ``(time,)`` [CO2e/energy] on the factor grid.
    """
    if not converted:
        return {"label": LABEL, "available": False, "reason": "no hall changed from mining"}
    if not fleet:
        return {
            "label": LABEL,
            "available": False,
            "reason": "no IT meter mines throughout, so there is no fleet profile to follow",
        }
    ref = reference_energy.pint.to("kWh")
    fleet_ref = float(np.nansum(_kwh(ref.sel(meter=fleet))))
    if fleet_ref <= 0.0:
        return {
            "label": LABEL,
            "available": False,
            "reason": "the mining fleet drew no energy in the reference window",
        }
    fleet_now = np.nansum(_kwh(period_energy.sel(meter=fleet)), axis=0)
    pue = float(mining_pue.to("dimensionless").magnitude)
    halls, scenario_it, actual_it, after_any = _halls(
        ref, period_energy, converted, fleet_ref, fleet_now
    )
    series = xr.DataArray(
        np.stack([scenario_it * pue, actual_it]),
        dims=("series", "time"),
        coords={"series": ["scenario", "actual_it"], "time": period_energy["time"].values},
    ).pint.quantify("kWh")
    hourly = to_resolution(series, interval, factor_resolution)
    lb = location_based(hourly, intensity).sum("time")
    scenario_facility_kwh = float(scenario_it.sum() * pue)
    mb = (ureg.Quantity(scenario_facility_kwh, "kWh") * mining_market_rate).to("kg CO2e")
    out: dict[str, Any] = {
        "label": LABEL,
        "available": True,
        "method": "each converted hall follows the fleet of always-mining halls at its share of "
        f"the fleet's IT energy over the {REFERENCE_WINDOW.days} days before its conversion; "
        "overhead at the period's mining workload PUE; location-based at the period's hourly "
        "factors; market-based at the period's mining market-based rate per facility MWh",
        "reference_window_days": REFERENCE_WINDOW.days,
        "halls": halls,
        "it_energy_kwh": float(scenario_it.sum()),
        "facility_energy_kwh": scenario_facility_kwh,
        "mining_pue": pue,
        "scope2_location_kgco2e": float(
            lb.sel(series="scenario").pint.to("kg CO2e").pint.magnitude
        ),
        "scope2_market_kgco2e": float(mb.magnitude),
        "actual": {
            "it_energy_kwh": float(actual_it.sum()),
            "note": "the halls' metered IT energy after conversion (their new workload)",
        },
    }
    if ai_pue is not None:
        a = float(ai_pue.to("dimensionless").magnitude)
        out["actual"]["facility_energy_kwh"] = float(actual_it.sum() * a)
        lb_actual = lb.sel(series="actual_it").pint.to("kg CO2e").pint.magnitude
        out["actual"]["scope2_location_kgco2e"] = float(lb_actual) * a
        out["actual"]["note"] += (
            "; facility energy and location-based emissions at the period's AI workload PUE"
        )
    if realised_j_per_th is not None and after_any.any():
        hours = ureg.Quantity(int(after_any.sum()) * interval / pd.Timedelta(hours=1), "h")
        power = ureg.Quantity(float(scenario_it.sum()), "kWh") / hours
        out["average_hashrate_th_per_s"] = float((power / realised_j_per_th).to("TH/s").magnitude)
        out["hashrate_note"] = (
            "scenario IT power averaged over the period's hours after the conversion ÷ the "
            "fleet's realised J/TH"
        )
    return out
