"""Imputation by a named, configured method; never by default.

``linear``: a run of missing intervals no longer than ``max_gap`` with a
measured neighbour on both sides is filled by a straight line between those
neighbours (energy per interval). Longer runs, and runs at the edges of the
data, stay missing. Every filled interval is flagged ``IMPUTED_LINEAR``, and the
energy filled is reported per meter so that the report can state the share of
imputed energy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.flags import Flag
from carbon.core.units import ureg

METHODS = ("none", "linear")


@dataclass(frozen=True)
class Imputation:
    """The result of imputing one cube."""

    energy: xr.DataArray  # (meter, time) [kWh]
    flags: xr.DataArray  # (meter, time) int8
    method: str
    imputed_intervals: dict[str, int]
    imputed_kwh: dict[str, float]


def _short_interior_runs(missing: np.ndarray, max_run: int) -> np.ndarray:
    """Mask of NaN cells in runs of length ≤ `max_run` that have data on both sides (per row)."""
    n_rows, n = missing.shape
    padded = np.zeros((n_rows, n + 2), dtype=np.int8)
    padded[:, 1:-1] = missing
    edges = np.diff(padded, axis=1)  # +1 at run start, -1 one past run end
    starts = np.argwhere(edges == 1)
    ends = np.argwhere(edges == -1)  # same order as starts (row-major)
    lengths = ends[:, 1] - starts[:, 1]
    interior = (starts[:, 1] > 0) & (ends[:, 1] < n)
    ok = (lengths <= max_run) & interior
    run_id = np.zeros((n_rows, n + 1), dtype=np.int64)
    np.add.at(run_id, (starts[:, 0], starts[:, 1]), np.where(ok, 1, 0))
    np.add.at(run_id, (ends[:, 0], ends[:, 1]), np.where(ok, -1, 0))
    return np.cumsum(run_id, axis=1)[:, :n].astype(bool) & missing


def impute(
    energy: xr.DataArray,
    flags: xr.DataArray,
    *,
    method: str,
    interval: pd.Timedelta,
    max_gap: pd.Timedelta,
) -> Imputation:
    """Fill short gaps of ``energy(meter, time)`` [kWh] by `method` (``none`` or ``linear``)."""
    if method not in METHODS:
        raise ValueError(f"unknown imputation method {method!r}; choose one of {METHODS}")
    meters = [str(m) for m in energy["meter"].values]
    in_kwh = energy.pint.to("kWh")  # refuses a quantity that is not energy
    if method == "none":  # nothing to fill: no copy of the cube
        zero = dict.fromkeys(meters, 0)
        return Imputation(energy, flags, method, zero, {m: 0.0 for m in meters})
    values = np.array(in_kwh.pint.magnitude, dtype=float)
    codes = np.array(flags.values, dtype=np.int8)
    missing = np.isnan(values)
    fill = _short_interior_runs(missing, int(max_gap // interval))
    filled = (
        pd.DataFrame(values.T)
        .interpolate(method="linear", axis=0, limit_area="inside")
        .to_numpy()
        .T
    )
    values = np.where(fill, filled, values)
    codes = np.where(fill, int(Flag.IMPUTED_LINEAR), codes).astype(np.int8)
    counts = fill.sum(axis=1)
    kwh = np.where(fill, values, 0.0).sum(axis=1)
    out = xr.DataArray(values, dims=energy.dims, coords=energy.coords, name=energy.name)
    return Imputation(
        energy=out.pint.quantify("kWh", unit_registry=ureg),
        flags=xr.DataArray(codes, dims=flags.dims, coords=flags.coords, name="flags"),
        method=method,
        imputed_intervals={m: int(c) for m, c in zip(meters, counts, strict=True)},
        imputed_kwh={m: float(k) for m, k in zip(meters, kwh, strict=True)},
    )
