"""How much of each workload's energy and Scope 2 rests on values that were not measured
(docs/methodology.md §5.6).

A meter interval *rests on an estimate* when its value was imputed by carbon
(``IMPUTED_LINEAR``, ``IMPUTED_PROFILE``) or marked estimated by its source
(``SOURCE_ESTIMATED``). Its energy reaches the workloads the way the attribution sends
it, with the attribution's own keys (methodology §6):

- an IT meter's estimated energy goes to its workloads by its effective-dated shares;
- a shared meter's estimated energy goes by its key (dedicated, or the interval's
  IT-energy key over the IT meters below its key anchor, as the attribution takes it: a
  hall's own cooling meter by the hall's IT meters, methodology §6.1);
- the unmetered residual allocated to a workload rests on an estimate in the intervals
  where the revenue meter's own value is estimated.

Location-based Scope 2 resting on estimates is that energy times the factor of each
factor interval; market-based Scope 2 (2015 annual matching) is the workload's
market-based total times its estimated share of energy (the instruments are matched
over the period, not interval by interval). The shares are gross: an interval where a
sub-meter and the revenue meter are both estimated counts once per path.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from carbon.accounting import location as emissions
from carbon.accounting.outcome import PeriodOutcome
from carbon.attribution.workloads import counted_energy, it_by_workload, key_meters, shared_key
from carbon.core.flags import Flag
from carbon.core.units import ureg
from carbon.site.meters import WORKLOADS

__all__ = ["ESTIMATED_FLAGS", "estimated_block", "estimated_energy"]

#: The flags of values that rest on an estimate (imputed by carbon, or by the source).
ESTIMATED_FLAGS: tuple[Flag, ...] = (
    Flag.IMPUTED_LINEAR,
    Flag.IMPUTED_PROFILE,
    Flag.SOURCE_ESTIMATED,
)


def estimated_energy(outcome: PeriodOutcome) -> xr.DataArray:
    """``(workload, time)`` [kWh]: the part of each workload's energy resting on estimates,
    on the meters' interval grid."""
    site = outcome.site
    codes = np.asarray(outcome.quality.flags.values)
    estimated = np.isin(codes, [int(f) for f in ESTIMATED_FLAGS])
    counted = counted_energy(outcome.energy, site)  # own energy in a meter tree
    values = np.asarray(counted.pint.to("kWh").pint.magnitude, dtype=float)
    part = np.where(estimated & ~np.isnan(values), values, 0.0)
    meters = [str(m) for m in outcome.energy["meter"].values]
    row = {m: i for i, m in enumerate(meters)}
    time = outcome.energy["time"]
    it_ids = [m.id for m in site.meters_with_role("it")]

    def by_workload(source: np.ndarray, ids: list[str]) -> tuple[np.ndarray, list[str]]:
        """``(workload, time)`` [kWh] of the rows `ids` of `source`, by workload schedule."""
        cube = xr.DataArray(
            source[[row[m] for m in ids]],
            dims=("meter", "time"),
            coords={"meter": ids, "time": time},
        ).pint.quantify("kWh", unit_registry=ureg)
        split = it_by_workload(cube, site, time.to_index(), outcome.interval)
        labels = [str(w) for w in split["workload"].values]
        return np.asarray(split.transpose("workload", "time").pint.magnitude, dtype=float), labels

    total, labels = by_workload(part, it_ids)
    other = np.array([w == "other" for w in labels], dtype=float)[:, None]

    def key_of(it: np.ndarray) -> np.ndarray:
        it = np.where(np.isnan(it), 0.0, it)
        it_total = it.sum(axis=0)
        return np.where(it_total > 0, it / np.where(it_total > 0, it_total, 1.0), other)

    split = outcome.attribution
    keys = {
        tuple(it_ids): key_of(
            np.asarray(split.it.transpose("workload", "time").pint.to("kWh").pint.magnitude)
        )
    }
    below_key = key_meters(site)  # the attribution's key anchors (methodology §6.1)
    for meter in site.meters_with_role("shared"):  # loop over configuration
        reading = part[row[meter.id]]
        below = tuple(below_key[meter.id])
        if below not in keys:  # the IT meters below a nested shared meter's anchor
            keys[below] = key_of(by_workload(values, list(below))[0])
        key = shared_key(meter, keys[below], time.to_index(), outcome.interval, labels)
        total = total + reading * key
    revenue_estimated = estimated[row[site.revenue_meter.id]]
    residual = np.asarray(
        split.residual.transpose("workload", "time").pint.to("kWh").pint.magnitude
    )
    total = total + np.where(revenue_estimated, residual, 0.0)
    return xr.DataArray(
        total, dims=("workload", "time"), coords={"workload": labels, "time": time}
    ).pint.quantify("kWh", unit_registry=ureg)


def _share(part: float, whole: float | None) -> float | None:
    return part / whole if whole else None


def estimated_block(outcome: PeriodOutcome, results: dict[str, object]) -> dict[str, object]:
    """``quality.estimated`` of results.json: per workload and in total, the energy [kWh],
    location-based and market-based Scope 2 [kg CO2e] resting on estimates and their shares
    of the figures results.json reports (`results` holds ``energy_kwh``,
    ``scope2_location_kgco2e`` and ``scope2_market_kgco2e``)."""
    part = estimated_energy(outcome)
    factor_grid = outcome.hourly_energy["time"]
    if part.sizes["time"] != factor_grid.size:
        part = emissions.to_resolution(part, outcome.interval, outcome.factor_step)
    location = emissions.location_based(part, outcome.intensity_used)
    kwh = part.sum("time").pint.to("kWh").pint.magnitude
    kg = location.sum("time").pint.to("kg CO2e").pint.magnitude
    energy = dict(results["energy_kwh"])  # type: ignore[call-overload]
    lb = dict(results["scope2_location_kgco2e"])  # type: ignore[call-overload]
    mb = dict(results["scope2_market_kgco2e"])  # type: ignore[call-overload]
    labels = [str(w) for w in part["workload"].values]
    out: dict[str, dict[str, float | None]] = {
        "energy_kwh": {},
        "energy_share": {},
        "scope2_location_kgco2e": {},
        "scope2_location_share": {},
        "scope2_market_kgco2e": {},
        "scope2_market_share": {},
    }
    for i, workload in enumerate(labels):  # loop over workloads
        e, loc = float(kwh[i]), float(kg[i])
        e_share = _share(e, energy.get(workload))
        market = (mb.get(workload) or 0.0) * e_share if e_share is not None else 0.0
        out["energy_kwh"][workload] = e
        out["energy_share"][workload] = e_share
        out["scope2_location_kgco2e"][workload] = loc
        out["scope2_location_share"][workload] = _share(loc, lb.get(workload))
        out["scope2_market_kgco2e"][workload] = market
        out["scope2_market_share"][workload] = _share(market, mb.get(workload))
    totals = {
        key: sum(v or 0.0 for w, v in out[key].items() if w in WORKLOADS)
        for key in ("energy_kwh", "scope2_location_kgco2e", "scope2_market_kgco2e")
    }
    for key, share, whole in (
        ("energy_kwh", "energy_share", energy),
        ("scope2_location_kgco2e", "scope2_location_share", lb),
        ("scope2_market_kgco2e", "scope2_market_share", mb),
    ):
        out[key]["total"] = totals[key]
        out[share]["total"] = _share(totals[key], whole.get("total"))
    return {
        **out,
        "flags": [f.name.lower().replace("_", "-") for f in ESTIMATED_FLAGS],
        "method": "estimated meter intervals followed through the attribution's keys; "
        "location-based at each factor interval's factor, market-based pro rata to the "
        "estimated share of energy (docs/methodology.md §5.6)",
    }
