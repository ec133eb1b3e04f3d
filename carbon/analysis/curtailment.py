"""Curtailment accounting for the mining fleet (docs/methodology.md §8), outside the inventory.

Curtailment is measured against a stated reference: the median mining IT power
over the period's intervals that carry mining load. An interval counts as
curtailed when the fleet draws less than ``threshold`` × the reference; its
curtailed energy is ``(reference − power) × Δt``. Avoided emissions need a
marginal emission rate (e.g. WattTime MOER, kind ``marginal``): ``Σ curtailed
energy × MOER``. Without one they are not computed, and the block says so.
Neither figure changes Scope 1, 2 or 3: curtailed energy was never consumed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import UnitError
from carbon.core.units import ureg

__all__ = ["DEFAULT_THRESHOLD", "NO_MARGINAL_SOURCE", "curtailment"]

#: An interval is curtailed below this fraction of the reference power.
DEFAULT_THRESHOLD = 0.5
NO_MARGINAL_SOURCE = "not available: no marginal-rate source declared"
_LABEL = (
    "outside the inventory: curtailed energy was not consumed, so it changes no scope; "
    "demand-response MWh and avoided emissions are shown separately (docs/methodology.md §8)"
)


def _check(data: xr.DataArray, unit: str, what: str) -> None:
    have = data.pint.units
    if have is None or not ureg.Quantity(1, have).is_compatible_with(unit):
        raise UnitError(f"{what} must be convertible to {unit}; got {have}")


def curtailment(
    mining_it: xr.DataArray,
    interval: pd.Timedelta,
    *,
    marginal_rate: xr.DataArray | None = None,
    marginal_source: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Curtailed intervals, hours and energy of the mining fleet, and avoided emissions.

    Parameters
    ----------
    mining_it
        Mining IT energy per interval ``(time,)`` [energy], interval starts UTC.
    interval
        The meter interval.
    marginal_rate
        Optional marginal emission rate ``(time,)`` on the same interval starts
        [CO2 mass / energy]; its gas (CO2 for WattTime) is kept in the result.
    """
    _check(mining_it, "kWh", "mining IT energy")
    hours = interval / pd.Timedelta(hours=1)
    step = ureg.Quantity(hours, "h")
    power = (mining_it / step).pint.to("kW").pint.magnitude
    power = np.asarray(power, dtype=float)
    loaded = power[np.isfinite(power) & (power > 0.0)]
    base: dict[str, Any] = {
        "label": _LABEL,
        "reference": "median mining IT power over the period's intervals with mining load",
        "threshold_share_of_reference": threshold,
        "interval_minutes": interval / pd.Timedelta(minutes=1),
    }
    if loaded.size == 0:
        return {
            **base,
            "reference_power_kw": None,
            "curtailed_intervals": 0,
            "curtailed_hours": 0.0,
            "curtailed_energy_kwh": 0.0,
            "avoided_emissions": "not computed: no mining load in the period",
            "note": "no mining load in the period",
        }
    reference = float(np.median(loaded))
    curtailed = np.isfinite(power) & (power < threshold * reference)
    shortfall_kw = np.where(curtailed, reference - np.nan_to_num(power), 0.0)
    energy_kwh = shortfall_kw * hours
    out = {
        **base,
        "reference_power_kw": reference,
        "curtailed_intervals": int(curtailed.sum()),
        "curtailed_hours": float(curtailed.sum() * hours),
        "curtailed_energy_kwh": float(energy_kwh.sum()),
    }
    if marginal_rate is None:
        out["avoided_emissions"] = NO_MARGINAL_SOURCE
        return out
    units = marginal_rate.pint.units
    per_kwh, gas = None, None
    for gas_unit in ("kg CO2/kWh", "kg CO2e/kWh"):
        if units is not None and ureg.Quantity(1, units).is_compatible_with(gas_unit):
            per_kwh, gas = marginal_rate.pint.to(gas_unit), gas_unit.split()[1].split("/")[0]
    if per_kwh is None:
        raise UnitError(
            f"the marginal emission rate is in {units}; expected CO2 or CO2e mass per energy "
            "(e.g. lb CO2/MWh)"
        )
    values = np.asarray(per_kwh.pint.magnitude, dtype=float)
    if values.shape != energy_kwh.shape:
        raise UnitError(
            f"the marginal rate has {values.size} intervals, the mining series {energy_kwh.size}"
        )
    missing = curtailed & ~np.isfinite(values)
    if missing.any():
        first = pd.Timestamp(mining_it["time"].values[np.argmax(missing)])
        raise UnitError(
            f"marginal rate missing for {int(missing.sum())} curtailed interval(s), first "
            f"{first.isoformat()}Z; avoided emissions need a rate for every curtailed interval"
        )
    avoided = float(np.sum(np.where(curtailed, energy_kwh * np.nan_to_num(values), 0.0)))
    out["avoided_emissions"] = {
        "kg": avoided,
        "gas": gas,
        "source": marginal_source or "marginal emission rate",
        "label": "avoided emissions at the marginal rate: outside the inventory, never "
        "subtracted from any scope",
    }
    return out
