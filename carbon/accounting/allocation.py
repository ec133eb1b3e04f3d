"""Allocation of instrument MWh to workloads (docs/methodology.md §6, "MBM instruments").

An instrument is either designated to a workload or tenant label, or shared pro rata to
load within the boundary, at the resolution of the basis (hourly load for hourly
matching, period load for annual matching), so that the workload results add up to the
boundary result whenever nothing is designated. A designated instrument covers its own
workload first; its surplus goes to the other workloads' uncovered load. Allocated MWh
always sum to the instrument's MWh (:class:`carbon.core.errors.AllocationError` otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.hourly_inputs import require_unit
from carbon.core.errors import AllocationError, ConfigError, InputDataError
from carbon.core.units import ureg

__all__ = ["allocate", "allocate_kwh", "designations", "load_kwh"]


def allocate_kwh(
    generation: np.ndarray,
    load: np.ndarray,
    designation: Sequence[int | None],
    key: Literal["hourly", "annual"],
    ids: Sequence[str],
) -> np.ndarray:
    """(instrument, time) × (workload, time) → (instrument, workload, time) [kWh].

    The magnitudes behind :func:`allocate`: `designation` holds each instrument's workload
    row or ``None`` (pro rata), `ids` name the instruments in messages.
    """
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
        pro_rata = _designated_hourly(generation, load, designation, pro_rata, out)
    if key == "annual" and any(d is not None for d in designation):
        pro_rata = _designated_annual(generation, period, designation, pro_rata, out)
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


def _designated_hourly(
    generation: np.ndarray,
    load: np.ndarray,
    designation: Sequence[int | None],
    pro_rata: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Fill `out` for the designated instruments, hour by hour; the pro-rata key that the
    undesignated instruments then follow.

    Designated instruments cover their own workload first; what they cannot use in an
    hour joins the undesignated generation and goes to the other workloads' remaining
    load, so that per-workload matching adds up to the boundary's (docs/methodology.md §1.1, §6).
    """
    n_inst = generation.shape[0]
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
    return pro_rata


def _designated_annual(
    generation: np.ndarray,
    period: np.ndarray,
    designation: Sequence[int | None],
    pro_rata: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Fill `out` for the designated instruments over the period (`period`: the load of
    each workload); the pro-rata key that the undesignated instruments then follow.

    The same rule as :func:`_designated_hourly` over the period: a designated instrument
    covers its workload's period load first; its surplus goes to the other workloads'
    uncovered period load, so the annual-matching workload results add up to the
    boundary's too.
    """
    n_inst, n_time = generation.shape
    designated_p = np.zeros(period.shape[0])
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
    return pro_rata


def allocate(
    generation: xr.DataArray,
    load: xr.DataArray,
    designated_to: Mapping[str, str | None] | None = None,
    *,
    key: Literal["hourly", "annual"] = "hourly",
) -> xr.DataArray:
    """Allocate instrument MWh to workloads (docs/methodology.md §6, "MBM instruments").

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
    require_unit(generation, "kWh", "instrument generation")
    labels = [str(w) for w in load["workload"].values]
    ids = [str(i) for i in generation["instrument"].values]
    index = designations(ids, designated_to or {}, labels)
    gen = generation.pint.to("kWh").pint.dequantify().transpose("instrument", "time")
    lod = load_kwh(load)
    if not gen.indexes["time"].equals(lod.indexes["time"]):
        raise InputDataError("instrument generation and load must cover the same hours")
    out = allocate_kwh(gen.to_numpy(), lod.to_numpy(), index, key, ids)
    return xr.DataArray(
        out,
        dims=("instrument", "workload", "time"),
        coords={"instrument": ids, "workload": labels, "time": gen["time"].values},
    ).pint.quantify("kWh", unit_registry=ureg)


def load_kwh(load: xr.DataArray) -> xr.DataArray:
    """``L(workload, time)`` as magnitudes [kWh]; NaN or negative load is an error."""
    require_unit(load, "kWh", "load")
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


def designations(
    ids: Sequence[str], designated_to: Mapping[str, str | None], labels: Sequence[str]
) -> list[int | None]:
    """The row of `labels` each instrument of `ids` is designated to; ``None`` = pro rata."""
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
