"""Reconciliation: every parent meter against the sum of its children
(docs/methodology.md §5.3, §6).

Per interval ``t`` and parent ``p``: ``residual_t = p_t − Σ children_t``. The
residual is what no child meters (losses, unmetered loads, or a child's missing
reading); it is shown, never hidden. An interval *breaches* when the children
exceed the parent or fall short of it by more than the configured tolerance
(``|residual_t| / p_t > tolerance``), or when a parent reads zero while its
children do not. Breaches are counted and the worst are listed for the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.arrays import take_rows
from carbon.site.model import SiteConfig

MAX_LISTED = 10


@dataclass(frozen=True)
class Breach:
    """One interval where a parent and its children disagree beyond tolerance."""

    interval_start: str
    parent_kwh: float
    children_kwh: float
    residual_kwh: float
    relative: float | None


@dataclass(frozen=True)
class ParentReconciliation:
    """The period's reconciliation of one parent meter."""

    parent: str
    children: tuple[str, ...]
    parent_kwh: float
    children_kwh: float
    residual_kwh: float
    residual_share: float | None
    tolerance: float
    intervals_compared: int
    breaches: int
    worst: tuple[Breach, ...]

    def as_dict(self) -> dict[str, object]:
        out = dict(self.__dict__)
        out["children"] = list(self.children)
        out["worst"] = [b.__dict__ for b in self.worst]
        return out


def reconcile(
    energy: xr.DataArray, site: SiteConfig, tolerance: float
) -> list[ParentReconciliation]:
    """Compare every parent with the sum of its children over the period cube.

    Intervals where the parent or any child has no reading are not compared (they
    are gaps, counted by the quality stage); the count compared is reported.
    """
    values = np.asarray(energy.pint.to("kWh").pint.magnitude)  # dask-backed: computed once
    meters = [str(m) for m in energy["meter"].values]
    index = {m: i for i, m in enumerate(meters)}
    times = pd.DatetimeIndex(energy["time"].values).tz_localize("UTC")
    results = []
    parents = sorted({m.parent for m in site.meters if m.parent is not None})
    for parent in parents:  # loop over the meter tree, not readings
        children = tuple(m.id for m in site.meters if m.parent == parent)
        p = values[index[parent]]
        c = take_rows(values, [index[ch] for ch in children])
        c_sum = c.sum(axis=0)
        # a sum without NaN proves no child reading is missing (NaN stays NaN through a sum)
        gap = np.isnan(c).any(axis=0) if np.isnan(c_sum).any() else np.zeros(len(c_sum), bool)
        complete = ~np.isnan(p) & ~gap
        residual = p - c_sum
        with np.errstate(divide="ignore", invalid="ignore"):
            relative = np.where(p != 0, residual / p, np.nan)
        beyond = np.abs(relative) > tolerance
        breach = complete & (beyond | ((p == 0) & (c_sum != 0)))
        n_listed = min(MAX_LISTED, int(breach.sum()))
        order = np.argsort(-np.abs(np.where(breach, residual, 0.0)), kind="stable")[:n_listed]
        worst = tuple(
            Breach(
                interval_start=times[i].isoformat(),
                parent_kwh=float(p[i]),
                children_kwh=float(c_sum[i]),
                residual_kwh=float(residual[i]),
                relative=None if np.isnan(relative[i]) else float(relative[i]),
            )
            for i in sorted(order.tolist())
        )
        p_total, c_total = float(p[complete].sum()), float(c_sum[complete].sum())
        results.append(
            ParentReconciliation(
                parent=parent,
                children=children,
                parent_kwh=p_total,
                children_kwh=c_total,
                residual_kwh=p_total - c_total,
                residual_share=(p_total - c_total) / p_total if p_total else None,
                tolerance=tolerance,
                intervals_compared=int(complete.sum()),
                breaches=int(breach.sum()),
                worst=worst,
            )
        )
    return results
