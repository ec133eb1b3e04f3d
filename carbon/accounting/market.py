"""Scope 2 market-based emissions with annual and hourly matching (METHODOLOGY 1.3, 1.8, 2, 6).

Per market boundary and hour ``h`` (one site, one boundary per call): ``L_h`` load,
``G_h`` generation of the instruments that pass the Scope 2 Quality Criteria,
allocated to the load, ``EF_rem,h`` the rate of the load no instrument covers.

- Hourly matching: ``Σ_h max(0, L_h − G_h)·EF_rem,h``; surplus never moves to
  another hour.
- Annual matching (2015 Guidance practice): ``max(0, ΣL − ΣG)·EF_rem,annual``.

On both bases the covered MWh of a fossil or biomass instrument add their own
rate, ``Σ_k Q_k·EF_k`` (1.3). When instruments exceed the load, each is used in
the same proportion (``Q_k = G_k·min(L, G)/G``). ``EF_rem`` follows the hierarchy
of 1.3: a supplier-specific factor → the residual mix → the grid average,
the last only where no residual mix exists and flagged
``"residual mix unavailable; grid average used"``.

Matching metrics use carbon-free instruments only (technology wind, solar, hydro,
nuclear): ``Annual match`` ``M_ann = min(1, ΣG/ΣL)``, ``Hourly matched share
(EnergyTag-style)`` ``M_hr = Σ min(L_h, G_h)/ΣL``, and ``Google CFE%``
``Σ[min(L_h, G_h) + c_h·max(0, L_h − G_h)]/ΣL``, which alone includes grid CFE.

Allocation to workloads (METHODOLOGY 6): an instrument is either designated to a
workload or tenant label, or shared pro rata to load within the boundary, at the
resolution of the basis (hourly load for hourly matching, period load for annual
matching), so that the workload results add up to the boundary result whenever
nothing is designated. Allocated MWh always sum to the instrument's MWh.

All arithmetic runs on magnitudes in fixed units (kWh, kg CO2e/kWh) between a
unit check at the entrance and re-quantified outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbon.core.errors import CarbonError, ConfigError, InputDataError, UnitError
from carbon.core.quantified import quantified
from carbon.core.units import ureg
from carbon.site.instruments import (
    CONTRACTUAL,
    ClaimContext,
    CriterionFailure,
    ResidualMix,
    SerialUse,
    SupplierFactor,
    VintageRule,
    check_quality,
    check_serials,
    same_label,
)

__all__ = [
    "GRID_AVERAGE_FLAG",
    "METRICS",
    "AllocationError",
    "InstrumentOutcome",
    "MarketBasedResult",
    "MatchingMetrics",
    "MetricDefinition",
    "allocate",
    "annual_matching_emissions",
    "hourly_matching_emissions",
    "market_based",
    "matching_metrics",
]

HOUR = pd.Timedelta(hours=1)
#: The disclosure text when the grid average stands in for a residual mix (1.3 item 5).
GRID_AVERAGE_FLAG = "residual mix unavailable; grid average used"
_RATE = "kg CO2e/kWh"


class AllocationError(CarbonError, ValueError):
    """Instrument MWh cannot be allocated to workloads, or the allocation does not add up."""


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class MetricDefinition:
    """A matching metric, with its label and formula exactly as METHODOLOGY section 2."""

    key: str
    label: str
    formula: str
    includes_grid_cfe: bool


METRICS: tuple[MetricDefinition, ...] = (
    MetricDefinition("annual_match", "Annual match", "M_ann = min(1, ΣG_h / ΣL_h)", False),
    MetricDefinition(
        "hourly_matched_share",
        "Hourly matched share (EnergyTag-style)",
        "M_hr = Σ min(L_h, G_h) / ΣL_h",
        False,
    ),
    MetricDefinition(
        "cfe_share", "Google CFE%", "CFE = Σ[min(L_h,G_h) + c_h·max(0, L_h−G_h)] / ΣL_h", True
    ),
)


@dataclass(frozen=True)
class MatchingMetrics:
    """Section 2 metrics as fractions (0.6 = 60 %); ``None`` where undefined.

    ``cfe_share`` (Google CFE%) includes grid CFE; ``hourly_matched_share`` does not.
    """

    annual_match: float | None
    hourly_matched_share: float | None
    cfe_share: float | None
    load_mwh: float
    carbon_free_mwh: float
    hourly_matched_mwh: float


def _metrics(
    load: np.ndarray, g_hourly: np.ndarray, g_total_kwh: float, cfe: np.ndarray | None
) -> MatchingMetrics:
    """Metrics from load and carbon-free generation [kWh] over the time axis."""
    total = float(load.sum())
    matched = np.minimum(load, g_hourly)
    if total <= 0:
        return MatchingMetrics(None, None, None, 0.0, g_total_kwh / 1000, 0.0)
    cfe_share = None
    if cfe is not None:
        cfe_share = float((matched + cfe * np.maximum(0.0, load - g_hourly)).sum() / total)
    return MatchingMetrics(
        annual_match=min(1.0, g_total_kwh / total),
        hourly_matched_share=float(matched.sum() / total),
        cfe_share=cfe_share,
        load_mwh=total / 1000,
        carbon_free_mwh=g_total_kwh / 1000,
        hourly_matched_mwh=float(matched.sum()) / 1000,
    )


# --------------------------------------------------------------------------- inputs


def _require(data: Any, unit: str, what: str) -> None:
    units = data.pint.units if isinstance(data, xr.DataArray) else getattr(data, "units", None)
    if units is None or not ureg.Quantity(1, units).is_compatible_with(unit):
        raise UnitError(f"{what} must be convertible to {unit}; got {units}")


def _hours(time: Any, what: str, *, consecutive: bool = True) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(time)
    if index.tz is not None:
        raise InputDataError(f"{what}: time must be tz-naive UTC interval starts")
    off_hour = index != index.floor("h")
    if off_hour.any():
        raise InputDataError(
            f"{what}: {index[np.argmax(off_hour)].isoformat()} is not on the hour; sum energy to "
            "clock hours first (carbon.accounting.location.to_hourly)"
        )
    steps = index[1:] - index[:-1]
    if consecutive and len(steps) and (steps != HOUR).any():
        raise InputDataError(f"{what}: time must be consecutive hours without gaps or repeats")
    return index


def _on_hours(
    data: Any, unit: str, hours: pd.DatetimeIndex, what: str, need: np.ndarray | None = None
) -> np.ndarray:
    """A scalar Quantity or a (time) DataArray as magnitudes in `unit` on `hours`."""
    _require(data, unit, what)
    if not isinstance(data, xr.DataArray):
        return np.full(len(hours), float(data.to(unit).magnitude))
    if data.dims != ("time",):
        raise InputDataError(f"{what} must have the single dimension 'time', got {data.dims}")
    _hours(data["time"].values, what, consecutive=False)
    converted = data.pint.to(unit)
    magnitude = converted.data.magnitude
    have = converted.indexes["time"]
    if isinstance(magnitude, np.ndarray) and magnitude.dtype.kind == "f" and have.is_unique:
        # what the reindex below does (exact stamps, NaN where absent), on numpy
        at = have.get_indexer(hours)
        values = (
            np.where(at >= 0, magnitude[at], np.nan)
            if len(magnitude)
            else np.full(len(hours), np.nan)
        )
    else:
        values = converted.pint.dequantify().reindex(time=hours).to_numpy()
    need = np.ones(len(hours), bool) if need is None else need
    missing = np.isnan(values) & need
    if missing.any():
        raise InputDataError(
            f"{what} is missing for {int(missing.sum())} hour(s), first "
            f"{hours[np.argmax(missing)].isoformat()}Z; no value is filled in"
        )
    return values


def _share(data: xr.DataArray, hours: pd.DatetimeIndex) -> np.ndarray:
    """Grid carbon-free share c_h as fractions; percent and plain numbers are accepted."""
    if data.pint.units is None:
        data = data.pint.quantify("dimensionless", unit_registry=ureg)
    values = _on_hours(data, "dimensionless", hours, "grid carbon-free share")
    if (values < 0).any() or (values > 1).any():
        raise InputDataError(
            "grid carbon-free share must lie in [0, 1]; a percentage needs the unit 'percent'"
        )
    return values


def _utc(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment).tz_convert("UTC").tz_localize(None)


def _in_period(inst: Any, hours: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(
        (hours >= _utc(inst.consumption_start)) & (hours < _utc(inst.consumption_end))
    )


def _generation(inst: Any, hours: pd.DatetimeIndex, flat_hourly: bool) -> tuple[np.ndarray, ...]:
    """(annual-basis kWh per hour, hourly-basis kWh per hour, profile basis) inside the window."""
    inside = _in_period(inst, hours)
    if inst.profile is not None:
        what = f"the profile of instrument {inst.id!r}"
        values = _on_hours(inst.profile, "kWh", hours, what, need=inside)
        values = np.where(inside, values, 0.0)
        return values, values, "hourly profile"
    period_hours = (_utc(inst.consumption_end) - _utc(inst.consumption_start)) / HOUR
    flat = np.where(inside, float(inst.energy.to("kWh").magnitude) / period_hours, 0.0)
    return flat, (flat if flat_hourly else np.zeros_like(flat)), "flat"


# --------------------------------------------------------------------------- allocation


def _allocate(
    generation: np.ndarray,
    load: np.ndarray,
    designation: Sequence[int | None],
    key: Literal["hourly", "annual"],
    ids: Sequence[str],
) -> np.ndarray:
    """(instrument, time) × (workload, time) → (instrument, workload, time) [kWh]."""
    n_inst, n_time = generation.shape
    period = load.sum(axis=1)
    if key == "annual" or n_time == 0:
        total = period.sum()
        pro_rata = np.repeat((period / total if total > 0 else period)[:, None], n_time, axis=1)
    else:
        per_hour = load.sum(axis=0)
        fallback = period / period.sum() if period.sum() > 0 else period
        safe = np.where(per_hour > 0, per_hour, 1.0)
        # A zero-load hour has no hourly key; its generation (all surplus) follows period shares.
        pro_rata = np.where(per_hour > 0, load / safe, fallback[:, None])
    out = np.zeros((n_inst, load.shape[0], n_time))
    if key == "hourly" and any(d is not None for d in designation):
        # Designated instruments cover their own workload first; what they cannot use in an
        # hour joins the undesignated generation and goes to the other workloads' remaining
        # load, so that per-workload matching adds up to the boundary's (METHODOLOGY 1.1, 6).
        designated = np.zeros_like(load, dtype=float)
        for k in range(n_inst):  # loops over instruments, never hours
            if designation[k] is not None:
                designated[designation[k]] += generation[k]
        covered = np.minimum(designated, load)
        deficit = load - covered
        total_deficit = deficit.sum(axis=0)
        safe = np.where(total_deficit > 0, total_deficit, 1.0)
        pro_rata = np.where(total_deficit > 0, deficit / safe, pro_rata)
        keep = np.where(designated > 0, covered / np.where(designated > 0, designated, 1.0), 0.0)
        for k in range(n_inst):  # loops over instruments, never hours
            w = designation[k]
            if w is None:
                continue
            kept = generation[k] * keep[w]
            spill = np.where(pro_rata.sum(axis=0) > 0, generation[k] - kept, 0.0)
            out[k] = pro_rata * spill
            out[k, w] += generation[k] - spill  # without any load to spill to, it stays
    if key == "annual" and any(d is not None for d in designation):
        # The same rule over the period: a designated instrument covers its workload's period
        # load first; its surplus goes to the other workloads' uncovered period load, so the
        # annual-matching workload results add up to the boundary's too.
        designated_p = np.zeros(load.shape[0])
        for k in range(n_inst):  # loops over instruments, never hours
            if designation[k] is not None:
                designated_p[designation[k]] += generation[k].sum()
        covered_p = np.minimum(designated_p, period)
        deficit_p = period - covered_p
        share_p = pro_rata[:, 0] if n_time else period * 0.0
        if deficit_p.sum() > 0:
            share_p = deficit_p / deficit_p.sum()
            # undesignated instruments, too, go to the load the designated ones leave uncovered
            pro_rata = np.repeat(share_p[:, None], n_time, axis=1)
        keep_p = np.divide(
            covered_p, designated_p, out=np.zeros_like(covered_p), where=designated_p > 0
        )
        for k in range(n_inst):  # loops over instruments, never hours
            w = designation[k]
            if w is None:
                continue
            spill = generation[k] * (1.0 - keep_p[w]) if share_p.sum() > 0 else 0 * generation[k]
            out[k] = share_p[:, None] * spill[None, :]
            out[k, w] += generation[k] - spill
    for k in range(n_inst):  # loops over instruments, never hours
        if designation[k] is not None:
            continue
        if generation[k].sum() > 0 and period.sum() <= 0:
            raise AllocationError(
                f"instrument {ids[k]!r}: no load in the boundary over the period, so a pro-rata "
                "allocation is undefined; designate it to a workload"
            )
        else:
            out[k] = pro_rata * generation[k]
    allocated, retired = out.sum(axis=(1, 2)), generation.sum(axis=1)
    if not np.allclose(allocated, retired, rtol=1e-9, atol=1e-9):
        bad = int(np.argmax(np.abs(allocated - retired)))
        raise AllocationError(
            f"allocation of instrument {ids[bad]!r} sums to {allocated[bad]:.6g} kWh, not its "
            f"{retired[bad]:.6g} kWh"
        )
    return out


def allocate(
    generation: xr.DataArray,
    load: xr.DataArray,
    designated_to: Mapping[str, str | None] | None = None,
    *,
    key: Literal["hourly", "annual"] = "hourly",
) -> xr.DataArray:
    """Allocate instrument MWh to workloads (METHODOLOGY 6, "MBM instruments").

    Parameters
    ----------
    generation : xarray.DataArray
        ``(instrument, time)`` instrument energy per hour [energy].
    load : xarray.DataArray
        ``(workload, time)`` load within the boundary [energy], same hours.
    designated_to : mapping, optional
        Instrument id → a label of ``load.workload`` (a workload or tenant) the
        instrument is dedicated to; absent or ``None`` means pro rata to load.
    key : {"hourly", "annual"}
        Pro-rata key: each hour's load shares, or the period's. In an hour without
        load, the hourly key falls back to the period's shares.

    Returns
    -------
    xarray.DataArray
        ``(instrument, workload, time)`` [kWh]; sums over workloads equal `generation`.

    Raises
    ------
    ConfigError
        If a designation names a label that is not in ``load.workload``.
    AllocationError
        If pro-rata allocation meets a period without load, or the sums disagree.
    """
    _require(generation, "kWh", "instrument generation")
    labels = [str(w) for w in load["workload"].values]
    ids = [str(i) for i in generation["instrument"].values]
    index = _designations(ids, designated_to or {}, labels)
    gen = generation.pint.to("kWh").pint.dequantify().transpose("instrument", "time")
    lod = _load_kwh(load)
    if not gen.indexes["time"].equals(lod.indexes["time"]):
        raise InputDataError("instrument generation and load must cover the same hours")
    out = _allocate(gen.to_numpy(), lod.to_numpy(), index, key, ids)
    return xr.DataArray(
        out,
        dims=("instrument", "workload", "time"),
        coords={"instrument": ids, "workload": labels, "time": gen["time"].values},
    ).pint.quantify("kWh", unit_registry=ureg)


def _load_kwh(load: xr.DataArray) -> xr.DataArray:
    """``L(workload, time)`` as magnitudes [kWh]; NaN or negative load is an error."""
    _require(load, "kWh", "load")
    if set(load.dims) != {"workload", "time"}:
        raise InputDataError(f"load must have dims (workload, time), got {load.dims}")
    in_kwh = load.pint.to("kWh").transpose("workload", "time")
    lod = in_kwh.copy(data=np.asarray(in_kwh.data.magnitude))  # the magnitudes [kWh]
    values = lod.to_numpy()
    bad = np.isnan(values) | (values < 0)
    if bad.any():
        w, t = np.unravel_index(np.argmax(bad), bad.shape)
        raise InputDataError(
            f"load of {str(lod['workload'].values[w])!r} at "
            f"{pd.Timestamp(lod['time'].values[t]).isoformat()}Z is {values[w, t]}; market-based "
            "accounting needs a non-negative number for every workload and hour"
        )
    return lod


def _designations(
    ids: Sequence[str], designated_to: Mapping[str, str | None], labels: Sequence[str]
) -> list[int | None]:
    index: list[int | None] = []
    for inst_id in ids:
        target = designated_to.get(inst_id)
        if target is not None and target not in labels:
            raise ConfigError(
                f"instrument {inst_id!r} is designated to {target!r}, which is not a workload of "
                f"the load; valid choices: {', '.join(labels)}"
            )
        index.append(None if target is None else labels.index(target))
    return index


# --------------------------------------------------------------------------- emissions


def _matched(
    load: np.ndarray, gen: np.ndarray, own: np.ndarray, ef_rem: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Emissions [kg], uncovered [kWh] and the used fraction of each instrument.

    `load` (..., t), `gen` (k, ..., t) [kWh], `own` (k,) instrument rates [kg/kWh].
    """
    g_total = gen.sum(axis=0)
    covered = np.minimum(load, g_total)
    used = np.divide(covered, g_total, out=np.zeros_like(covered), where=g_total > 0)
    own_kg = used * np.tensordot(own, gen, axes=(0, 0))
    uncovered = load - covered
    return uncovered * ef_rem + own_kg, uncovered, used


def hourly_matching_emissions(
    load: xr.DataArray, generation: xr.DataArray, residual_factor: Any
) -> xr.DataArray:
    """Hourly-matching MB emissions ``max(0, L_h − G_h)·EF_res,h`` per hour [kg CO2e].

    Parameters
    ----------
    load, generation : xarray.DataArray
        ``(time)`` hourly load and zero-emission generation [energy].
    residual_factor : pint.Quantity or xarray.DataArray
        ``EF_res`` [CO2e/energy], one value or one per hour.
    """
    _require(load, "kWh", "load")
    _require(generation, "kWh", "generation")
    hours = _hours(load["time"].values, "load")
    lod = np.asarray(load.pint.to("kWh").pint.magnitude, float)
    gen = _on_hours(generation, "kWh", hours, "generation")
    ef = _on_hours(residual_factor, _RATE, hours, "residual factor")
    kg, _, _ = _matched(lod, gen[None], np.zeros(1), ef)
    return xr.DataArray(kg, dims="time", coords={"time": hours}).pint.quantify(
        "kg CO2e", unit_registry=ureg
    )


def annual_matching_emissions(
    load: xr.DataArray, generation: xr.DataArray, residual_factor: pint.Quantity
) -> pint.Quantity:
    """Annual-matching (2015) MB emissions ``max(0, ΣL − ΣG)·EF_res,annual`` [kg CO2e].

    `load` and `generation` are summed over all their elements [energy];
    `residual_factor` is one annual rate [CO2e/energy].
    """
    _require(load, "kWh", "load")
    _require(generation, "kWh", "generation")
    _require(residual_factor, _RATE, "residual factor")
    gap = load.sum() - generation.sum()
    kwh = max(0.0, float(gap.pint.to("kWh").pint.magnitude))
    return ureg.Quantity(kwh * float(residual_factor.to(_RATE).magnitude), "kg CO2e")


def matching_metrics(
    load: xr.DataArray, generation: xr.DataArray, grid_cfe_share: xr.DataArray | None = None
) -> MatchingMetrics:
    """The section 2 metrics of hourly `load` and carbon-free `generation` ``(time)`` [energy].

    `grid_cfe_share` is ``c_h`` ``(time)``, a dimensionless fraction (or ``percent``).
    """
    _require(load, "kWh", "load")
    _require(generation, "kWh", "generation")
    hours = _hours(load["time"].values, "load")
    lod = np.asarray(load.pint.to("kWh").pint.magnitude, float)
    gen = _on_hours(generation, "kWh", hours, "generation")
    cfe = None if grid_cfe_share is None else _share(grid_cfe_share, hours)
    return _metrics(lod, gen, float(gen.sum()), cfe)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class InstrumentOutcome:
    """One line of the instrument register: status, reasons and MWh in the window."""

    instrument_id: str
    kind: str
    status: Literal["applied", "excluded", "not-applicable"]
    failures: tuple[CriterionFailure, ...] = ()
    note: str = ""
    technology: str | None = None
    profile_basis: str = ""  # "hourly profile" or "flat"
    available_mwh: float = 0.0  # in the window (annual basis)
    hourly_available_mwh: float = 0.0  # counted on the hourly basis
    allocated_mwh: Mapping[str, float] = field(default_factory=dict)  # hourly basis, per workload
    allocated_annual_mwh: Mapping[str, float] = field(default_factory=dict)  # annual basis
    used_hourly_mwh: float = 0.0  # covering load, hourly matching
    used_annual_mwh: float = 0.0  # covering load, annual matching

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(str(f) for f in self.failures) + ((self.note,) if self.note else ())


@dataclass(frozen=True)
class MarketBasedResult:
    """Market-based Scope 2 of one site and boundary, both matching bases side by side.

    DataArrays carry units; the plain numbers are for reports (unit in the name).
    """

    load: xr.DataArray  # (workload, time) [kWh]
    generation_hourly: xr.DataArray  # (instrument, workload, time) [kWh], hourly key
    generation_annual: xr.DataArray  # (instrument, workload, time) [kWh], annual key
    hourly: xr.DataArray  # (workload, time) [kg CO2e], hourly matching
    annual: xr.DataArray  # (workload,) [kg CO2e], annual matching (2015)
    total_hourly: xr.DataArray  # (time,) [kg CO2e], boundary, hourly matching
    total_annual: xr.DataArray  # () [kg CO2e], boundary, annual matching
    remainder_factor: xr.DataArray  # (time,) [g CO2e/kWh] on uncovered load
    remainder_source: xr.DataArray  # (time,) "supplier_factor" | "residual_mix" | "grid_average"
    metrics: MatchingMetrics
    metrics_by_workload: Mapping[str, MatchingMetrics]
    register: tuple[InstrumentOutcome, ...]
    coverage_mwh: Mapping[str, Mapping[str, float]]  # basis → instrument class → MWh
    notes: tuple[str, ...]

    @property
    def total_hourly_kgco2e(self) -> float:
        return float(self.total_hourly.sum().pint.to("kg CO2e").pint.magnitude)

    @property
    def total_annual_kgco2e(self) -> float:
        return float(self.total_annual.pint.to("kg CO2e").pint.magnitude)

    @property
    def excluded(self) -> tuple[InstrumentOutcome, ...]:
        """Instruments that failed a quality criterion, with the reasons (1.3)."""
        return tuple(o for o in self.register if o.status == "excluded")

    @property
    def workload_minus_total_kgco2e(self) -> dict[str, float]:
        """Σ workloads − boundary total per basis; non-zero only when a designated
        instrument's surplus is not shared with other workloads."""
        h = float(self.hourly.sum().pint.to("kg CO2e").pint.magnitude)
        a = float(self.annual.sum().pint.to("kg CO2e").pint.magnitude)
        return {"hourly": h - self.total_hourly_kgco2e, "annual": a - self.total_annual_kgco2e}

    def summary(self) -> dict[str, Any]:
        """Plain numbers for reports and ``results.json`` (the unit is in every key)."""

        def per_workload(da: xr.DataArray) -> dict[str, float]:
            values = da.pint.to("kg CO2e").pint.magnitude
            return {str(w): float(v) for w, v in zip(da["workload"].values, values, strict=True)}

        def metric_block(m: MatchingMetrics) -> dict[str, Any]:
            return {d.key: getattr(m, d.key) for d in METRICS} | {
                "load_mwh": m.load_mwh,
                "carbon_free_mwh": m.carbon_free_mwh,
                "hourly_matched_mwh": m.hourly_matched_mwh,
            }

        return {
            "mb_annual_matching_kgco2e": self.total_annual_kgco2e,
            "mb_hourly_matching_kgco2e": self.total_hourly_kgco2e,
            "mb_annual_matching_by_workload_kgco2e": per_workload(self.annual),
            "mb_hourly_matching_by_workload_kgco2e": per_workload(self.hourly.sum("time")),
            "metric_labels": {d.key: d.label for d in METRICS},
            "metrics": metric_block(self.metrics),
            "metrics_by_workload": {
                w: metric_block(m) for w, m in self.metrics_by_workload.items()
            },
            "coverage_mwh": {b: dict(row) for b, row in self.coverage_mwh.items()},
            "excluded": [
                {"instrument_id": o.instrument_id, "kind": o.kind, "reasons": list(o.reasons)}
                for o in self.excluded
            ],
            "notes": list(self.notes),
        }


def _remainder(
    applicable: Sequence[Any],
    passed: set[str],
    hours: pd.DatetimeIndex,
    residual_factor: Any,
    grid_average: Any,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    """EF on uncovered load per hour [kg CO2e/kWh] and its source (hierarchy of 1.3)."""
    ef = np.full(len(hours), np.nan)
    source = np.full(len(hours), "", dtype=object)

    def fill(records: Sequence[Any], label: str) -> None:
        taken = np.zeros(len(hours), bool)
        for rec in records:
            inside = _in_period(rec, hours)
            if (inside & taken).any():
                raise ConfigError(
                    f"two {label.replace('_', ' ')} records apply to the same hour "
                    f"({hours[np.argmax(inside & taken)].isoformat()}Z), one of them "
                    f"{rec.id!r}; keep one per hour"
                )
            taken |= inside
            rate = rec.emission_rate if rec.emission_rate is not None else rec.hourly_rate
            what = f"{label.replace('_', ' ')} {rec.id!r}"
            values = _on_hours(rate, _RATE, hours, what, need=inside & np.isnan(ef))
            free = inside & np.isnan(ef)
            ef[free], source[free] = values[free], label

    fill(
        [r for r in applicable if isinstance(r, SupplierFactor) and r.id in passed],
        "supplier_factor",
    )
    mixes = [r for r in applicable if isinstance(r, ResidualMix) and r.id in passed]
    if residual_factor is not None and mixes:
        raise ConfigError(
            f"a residual factor was passed and residual-mix records apply too "
            f"({', '.join(m.id for m in mixes)}); give one"
        )
    if residual_factor is not None:
        values = _on_hours(residual_factor, _RATE, hours, "residual factor", need=np.isnan(ef))
        free = np.isnan(ef)
        ef[free], source[free] = values[free], "residual_mix"
    fill(mixes, "residual_mix")
    if np.isnan(ef).any() and grid_average is not None:
        gap = np.isnan(ef)
        values = _on_hours(grid_average, _RATE, hours, "grid average factor", need=gap)
        ef[gap], source[gap] = values[gap], "grid_average"
        notes.append(f"{GRID_AVERAGE_FLAG} ({int(gap.sum())} of {len(hours)} hours)")
    if np.isnan(ef).any():
        first = hours[np.argmax(np.isnan(ef))]
        raise InputDataError(
            f"no rate for uncovered load in {int(np.isnan(ef).sum())} hour(s), first "
            f"{first.isoformat()}Z: pass a residual mix (residual_factor or a residual_mix "
            "record that passes criterion 8), a supplier factor, or, where no residual mix "
            "exists, grid_average (disclosed as such)"
        )
    return ef, source


def _applicability(inst: Any, context: ClaimContext, hours: pd.DatetimeIndex) -> str:
    if isinstance(inst, ResidualMix):
        if not same_label(inst.market_boundary, context.market_boundary):
            return f"residual mix of another market boundary ({inst.market_boundary!r})"
    elif not same_label(inst.site_id, context.site_id):
        return f"applied to another site ({inst.site_id!r})"
    if not _in_period(inst, hours).any():
        return f"consumption period {inst.consumption_label} is outside the load's hours"
    return ""


def market_based(
    load: xr.DataArray,
    instruments: Sequence[Any],
    context: ClaimContext,
    *,
    residual_factor: pint.Quantity | xr.DataArray | None = None,
    grid_average: pint.Quantity | xr.DataArray | None = None,
    grid_cfe_share: xr.DataArray | None = None,
    vintage_rule: VintageRule | None = None,
    prior_uses: Sequence[SerialUse] = (),
    unprofiled_hourly: Literal["exclude", "flat"] = "exclude",
) -> MarketBasedResult:
    """Market-based Scope 2 per workload and hour on the annual and hourly bases.

    Parameters
    ----------
    load : xarray.DataArray
        ``L(workload, time)`` [energy] of the site, consecutive clock hours
        (tz-naive UTC interval starts).
    instruments : sequence of Instrument
        Records of :mod:`carbon.site.instruments`; those for other sites, boundaries or
        periods are listed as not applicable. All serials are checked.
    context : ClaimContext
        Reporter, site and the site's market boundary.
    residual_factor : pint.Quantity or xarray.DataArray, optional
        ``EF_res`` [CO2e/energy], one rate or ``(time)``; alternatively a
        :class:`~carbon.site.instruments.ResidualMix` record among `instruments`.
    grid_average : pint.Quantity or xarray.DataArray, optional
        Location-based rate [CO2e/energy], used only for hours without a residual
        mix, and flagged ``"residual mix unavailable; grid average used"``.
    grid_cfe_share : xarray.DataArray, optional
        ``c_h`` ``(time)``, dimensionless; without it ``Google CFE%`` is ``None``.
    vintage_rule : VintageRule, optional
        Criterion 4's window.
    prior_uses : sequence of SerialUse
        Serials applied before (from the ledger).
    unprofiled_hourly : {"exclude", "flat"}
        On the hourly basis, an instrument without an hourly profile counts nothing
        (``"exclude"``, the default) or its volume spread evenly over the hours of
        its consumption period (``"flat"``). Either way it is noted.

    Returns
    -------
    MarketBasedResult

    Raises
    ------
    SerialOverlapError
        If any serial is applied twice.
    UnitError, InputDataError, ConfigError, AllocationError
        On units, missing hours, ambiguous factors or a failed allocation.
    """
    lod_da = _load_kwh(load)
    hours = _hours(lod_da["time"].values, "load")
    lod = lod_da.to_numpy().astype(float)
    labels = [str(w) for w in lod_da["workload"].values]
    ids = [inst.id for inst in instruments]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InputDataError(f"instrument ids must be unique; repeated: {', '.join(repeated)}")
    check_serials(instruments, prior_uses=prior_uses)
    cfe = None if grid_cfe_share is None else _share(grid_cfe_share, hours)

    notes: list[str] = []
    register: dict[str, InstrumentOutcome] = {}
    applicable, passed = [], set()
    for inst in instruments:
        why = _applicability(inst, context, hours)
        if why:
            register[inst.id] = InstrumentOutcome(inst.id, inst.kind, "not-applicable", note=why)
            continue
        applicable.append(inst)
        quality = check_quality(inst, context, vintage_rule=vintage_rule, prior_uses=prior_uses)
        if quality.passed:
            passed.add(inst.id)
        else:
            register[inst.id] = InstrumentOutcome(
                inst.id,
                inst.kind,
                "excluded",
                quality.failures,
                technology=getattr(inst, "technology", None),
            )
    contracts = [i for i in applicable if isinstance(i, CONTRACTUAL) and i.id in passed]
    k_ids = [c.id for c in contracts]
    gen_a = np.zeros((len(contracts), len(hours)))
    gen_h = np.zeros_like(gen_a)
    bases = []
    for k, inst in enumerate(contracts):
        gen_a[k], gen_h[k], basis = _generation(inst, hours, unprofiled_hourly == "flat")
        bases.append(basis)
        if basis == "flat":
            notes.append(
                f"instrument {inst.id!r} has no hourly profile: annual basis prorates its "
                "volume by hours of its consumption period; hourly basis "
                + ("spreads it evenly (flat)" if unprofiled_hourly == "flat" else "counts none")
            )
    designation = _designations(k_ids, {c.id: c.designated_to for c in contracts}, labels)
    alloc_h = _allocate(gen_h, lod, designation, "hourly", k_ids)
    alloc_a = _allocate(gen_a, lod, designation, "annual", k_ids)
    own = np.array([float(c.emission_rate.to(_RATE).magnitude) for c in contracts])
    carbon_free = np.array([c.is_carbon_free for c in contracts], bool)

    ef_rem, source = _remainder(applicable, passed, hours, residual_factor, grid_average, notes)
    total_load = lod.sum(axis=0)
    ef_annual = (
        float((total_load * ef_rem).sum() / total_load.sum())
        if total_load.sum() > 0
        else float(ef_rem.mean())
    )
    if len(np.unique(ef_rem)) > 1:
        notes.append(
            "the remainder rate varies by hour; annual matching uses its load-weighted mean "
            f"{ef_annual * 1000:.6g} g CO2e/kWh"
        )

    # Hourly matching: per workload and for the boundary as a whole.
    e_h, _, _ = _matched(lod, alloc_h, own, ef_rem)
    t_h, unc_h, used_h = _matched(total_load, alloc_h.sum(axis=1), own, ef_rem)
    # Annual matching: sums over the period, same structure without the time axis.
    e_a, _, _ = _matched(lod.sum(axis=1), alloc_a.sum(axis=2), own, ef_annual)
    t_a, unc_a, used_a = _matched(total_load.sum(), alloc_a.sum(axis=(1, 2)), own, ef_annual)

    gh_pool, ga_pool = alloc_h.sum(axis=1), alloc_a.sum(axis=1)
    metrics = _metrics(
        total_load, gh_pool[carbon_free].sum(axis=0), float(ga_pool[carbon_free].sum()), cfe
    )
    by_workload = {
        w: _metrics(
            lod[i],
            alloc_h[carbon_free, i].sum(axis=0),
            float(alloc_a[carbon_free, i].sum()),
            cfe,
        )
        for i, w in enumerate(labels)
    }

    used_hourly_kwh = (gh_pool * used_h).sum(axis=1)
    used_annual_kwh = ga_pool.sum(axis=1) * float(used_a)
    classes = ("certificate", "ppa", "green_tariff", "supplier_factor", "residual_mix")
    coverage: dict[str, dict[str, float]] = {}
    load_share = {s: float(total_load[source == s].sum()) for s in set(source)}
    for basis, used, uncovered in (
        ("hourly", used_hourly_kwh, {s: float(unc_h[source == s].sum()) for s in set(source)}),
        (
            "annual",
            used_annual_kwh,
            {
                s: float(unc_a * v / total_load.sum()) if total_load.sum() > 0 else 0.0
                for s, v in load_share.items()
            },
        ),
    ):
        row = {c: 0.0 for c in (*classes, "grid_average")}
        for k, inst in enumerate(contracts):
            row[inst.kind] += float(used[k]) / 1000
        for s, kwh in uncovered.items():
            row[s] += kwh / 1000
        coverage[basis] = row

    for k, inst in enumerate(contracts):
        register[inst.id] = InstrumentOutcome(
            inst.id,
            inst.kind,
            "applied",
            technology=inst.technology,
            profile_basis=bases[k],
            available_mwh=float(gen_a[k].sum()) / 1000,
            hourly_available_mwh=float(gen_h[k].sum()) / 1000,
            allocated_mwh={w: float(alloc_h[k, i].sum()) / 1000 for i, w in enumerate(labels)},
            allocated_annual_mwh={
                w: float(alloc_a[k, i].sum()) / 1000 for i, w in enumerate(labels)
            },
            used_hourly_mwh=float(used_hourly_kwh[k]) / 1000,
            used_annual_mwh=float(used_annual_kwh[k]) / 1000,
        )
    for inst in applicable:
        if inst.id in passed and not isinstance(inst, CONTRACTUAL):
            label = "supplier_factor" if inst.kind == "supplier_factor" else "residual_mix"
            used_hours = int((_in_period(inst, hours) & (source == label)).sum())
            register[inst.id] = InstrumentOutcome(
                inst.id,
                inst.kind,
                "applied",
                note=f"rate of uncovered load in {used_hours} hour(s)",
            )

    def da(values: np.ndarray, dims: tuple[str, ...], unit: str, **coords: Any) -> xr.DataArray:
        return quantified(values, unit, dims, coords)

    time = hours.to_numpy()
    return MarketBasedResult(
        load=da(lod, ("workload", "time"), "kWh", workload=labels, time=time),
        generation_hourly=da(
            alloc_h,
            ("instrument", "workload", "time"),
            "kWh",
            instrument=k_ids,
            workload=labels,
            time=time,
        ),
        generation_annual=da(
            alloc_a,
            ("instrument", "workload", "time"),
            "kWh",
            instrument=k_ids,
            workload=labels,
            time=time,
        ),
        hourly=da(e_h, ("workload", "time"), "kg CO2e", workload=labels, time=time),
        annual=da(np.asarray(e_a, float), ("workload",), "kg CO2e", workload=labels),
        total_hourly=da(t_h, ("time",), "kg CO2e", time=time),
        total_annual=da(np.asarray(float(t_a)), (), "kg CO2e"),
        remainder_factor=da(ef_rem, ("time",), _RATE, time=time).pint.to("g CO2e/kWh"),
        remainder_source=xr.DataArray(source.astype(str), dims="time", coords={"time": time}),
        metrics=metrics,
        metrics_by_workload=by_workload,
        register=tuple(register[i] for i in ids),
        coverage_mwh=coverage,
        notes=tuple(notes),
    )
