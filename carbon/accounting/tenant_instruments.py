"""Instruments designated to a colocation tenant (docs/methodology.md §6, "MBM instruments").

A tenant is a colocation customer named on IT meters (``tenant``); its load ``T_(n,h)`` is
its share of its workload's facility energy per factor interval (:mod:`carbon.analysis.tenants`
computes it). An instrument whose ``designated_to`` names a tenant is matched first against
that tenant's load, on each basis:

- hourly: ``C_(n,h) = min(D_(n,h), T_(n,h))`` with ``D`` the generation designated to ``n``;
- annual: ``C_n = min(ΣD_n, ΣT_n)`` over the period.

Each instrument keeps the same fraction of its energy (``C/D``); its surplus ``G − kept`` is
then allocated like an undesignated instrument to the load nothing covers yet (the load of
the boundary less the tenant coverage, workload designations first), exactly as a
workload-designated instrument's surplus goes to the other workloads' uncovered load.
Where no other load exists in the period the surplus stays with the tenant.

The tenant's own Scope 2 (market-based) is computed on "party" rows: each instrumented
tenant, and per workload the rest of its load. A tenant row gets its kept energy and the
share of its workload's other allocated energy in proportion to its load still uncovered;
:func:`party_emissions` returns the tenant rows of both bases, which add up with the rest to
the workload figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from carbon.accounting.allocation import allocate_kwh, designations
from carbon.accounting.hourly_inputs import on_hours
from carbon.accounting.matching import matched
from carbon.core.errors import ConfigError

__all__ = [
    "TenantAllocation",
    "TenantLoad",
    "allocate_with_tenants",
    "party_emissions",
    "split_targets",
]


@dataclass(frozen=True)
class TenantLoad:
    """Tenants' load on the accounting hours: names, each one's workload row, ``T`` [kWh]."""

    names: tuple[str, ...]
    workload_row: tuple[int, ...]
    load: np.ndarray  # (tenant, time) [kWh]

    @classmethod
    def on_hours(
        cls, tenant_load: xr.DataArray | None, labels: Sequence[str], hours: object
    ) -> TenantLoad:
        """From ``(tenant, time)`` [energy] with a ``workload`` coordinate on ``tenant``."""
        if tenant_load is None or tenant_load.sizes.get("tenant", 0) == 0:
            return cls((), (), np.zeros((0, len(hours))))  # type: ignore[arg-type]
        names = tuple(str(t) for t in tenant_load["tenant"].values)
        rows = []
        for name, workload in zip(names, tenant_load["workload"].values, strict=True):
            if str(workload) not in labels:
                raise ConfigError(
                    f"tenant {name!r} belongs to workload {workload!r}, which is not in the load "
                    f"({', '.join(labels)})"
                )
            rows.append(list(labels).index(str(workload)))
        values = np.stack(
            [
                on_hours(tenant_load.sel(tenant=n), "kWh", hours, f"the load of tenant {n!r}")
                for n in names  # loops over tenants, never hours
            ]
        )
        return cls(names, tuple(rows), values)


@dataclass(frozen=True)
class TenantAllocation:
    """One basis: the allocation (instrument, workload, time) [kWh], the energy each
    instrument keeps for its tenant (instrument, time) and the tenants' covered load."""

    allocated: np.ndarray
    kept: np.ndarray
    covered: np.ndarray  # (tenant, time) [kWh]


def split_targets(
    ids: Sequence[str],
    designated_to: Mapping[str, str | None],
    labels: Sequence[str],
    tenants: Sequence[str],
) -> tuple[list[int | None], list[int | None]]:
    """Per instrument, its workload row (or None) and its tenant row (or None)."""
    by_workload: dict[str, str | None] = {}
    tenant_row: list[int | None] = []
    for inst_id in ids:
        target = designated_to.get(inst_id)
        if target is not None and target not in labels and target not in tenants:
            raise ConfigError(
                f"instrument {inst_id!r} is designated to {target!r}, which is neither a "
                f"workload of the load ({', '.join(labels)}) nor a tenant "
                f"({', '.join(tenants) or 'none'})"
            )
        if target is not None and target not in labels:
            tenant_row.append(list(tenants).index(target))
            by_workload[inst_id] = None
        else:
            tenant_row.append(None)
            by_workload[inst_id] = target
    return designations(ids, by_workload, labels), tenant_row


def _tenant_first(
    generation: np.ndarray,
    tenants: TenantLoad,
    tenant_row: Sequence[int | None],
    key: Literal["hourly", "annual"],
) -> tuple[np.ndarray, np.ndarray]:
    """Energy each instrument keeps for its tenant ``(instrument, time)`` and the tenants'
    covered load ``(tenant, time)`` [kWh]."""
    n_time = generation.shape[1]
    demand = np.zeros((len(tenants.names), n_time))
    for k, row in enumerate(tenant_row):  # loops over instruments, never hours
        if row is not None:
            demand[row] += generation[k]
    if key == "hourly":
        covered = np.minimum(demand, tenants.load)
        keep = np.divide(covered, demand, out=np.zeros_like(demand), where=demand > 0)
    else:
        total_d, total_t = demand.sum(axis=1), tenants.load.sum(axis=1)
        cover = np.minimum(total_d, total_t)
        keep_n = np.divide(cover, total_d, out=np.zeros_like(cover), where=total_d > 0)
        keep = np.repeat(keep_n[:, None], n_time, axis=1)
        spread = np.divide(cover, total_t, out=np.zeros_like(cover), where=total_t > 0)
        covered = tenants.load * spread[:, None]
    kept = np.zeros_like(generation)
    for k, row in enumerate(tenant_row):  # loops over instruments, never hours
        if row is not None:
            kept[k] = generation[k] * keep[row]
    return kept, covered


def allocate_with_tenants(
    generation: np.ndarray,
    load: np.ndarray,
    workload_row: Sequence[int | None],
    tenant_row: Sequence[int | None],
    tenants: TenantLoad,
    key: Literal["hourly", "annual"],
    ids: Sequence[str],
) -> TenantAllocation:
    """Tenant-designated instruments cover their tenant first; everything else, their
    surplus included, is allocated by :func:`carbon.accounting.allocation.allocate_kwh`
    to the load they leave uncovered."""
    if not any(r is not None for r in tenant_row):
        out = allocate_kwh(generation, load, workload_row, key, ids)
        return TenantAllocation(
            out, np.zeros_like(generation), np.zeros((len(tenants.names), generation.shape[1]))
        )
    kept, covered = _tenant_first(generation, tenants, tenant_row, key)
    rest = load.copy()
    for n, row in enumerate(tenants.workload_row):  # loops over tenants, never hours
        rest[row] -= covered[n]
    rest = np.maximum(rest, 0.0)  # rounding only: a tenant's load is part of its workload's
    if rest.sum() <= 0:  # no other load in the period: the surplus stays with the tenant
        has_tenant = np.array([r is not None for r in tenant_row])
        kept = np.where(has_tenant[:, None], generation, kept)
    out = allocate_kwh(generation - kept, rest, workload_row, key, ids)
    for k, row in enumerate(tenant_row):  # loops over instruments, never hours
        if row is not None:
            out[k, tenants.workload_row[row]] += kept[k]
    return TenantAllocation(out, kept, covered)


def party_emissions(
    load: np.ndarray,
    tenants: TenantLoad,
    tenant_row: Sequence[int | None],
    bases: tuple[TenantAllocation, TenantAllocation],
    own: np.ndarray,
    rates: tuple[np.ndarray, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Market-based emissions of the instrumented tenants: hourly matching ``(tenant, time)``
    and annual matching ``(tenant,)`` [kg CO2e]; zero rows for tenants without instruments.

    `bases` are the hourly and annual allocations, `rates` the remainder rate per hour and
    the annual one [kg CO2e/kWh].
    """
    mine = sorted({r for r in tenant_row if r is not None})
    n_t, n_time = len(tenants.names), load.shape[1]
    hourly, annual = np.zeros((n_t, n_time)), np.zeros(n_t)
    if not mine:
        return hourly, annual
    for basis, alloc in zip(("hourly", "annual"), bases, strict=True):
        party_load, party_gen = _parties(load, tenants, mine, tenant_row, alloc)
        if basis == "hourly":
            kg, _, _ = matched(party_load, party_gen, own, rates[0])
            hourly[mine] = kg[: len(mine)]
        else:
            kg, _, _ = matched(party_load.sum(axis=1), party_gen.sum(axis=2), own, rates[1])
            annual[mine] = kg[: len(mine)]
    return hourly, annual


def _parties(
    load: np.ndarray,
    tenants: TenantLoad,
    mine: Sequence[int],
    tenant_row: Sequence[int | None],
    alloc: TenantAllocation,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows: the instrumented tenants, then every workload's rest. Load ``(party, time)``
    and generation ``(instrument, party, time)`` [kWh]."""
    n_w = load.shape[0]
    t_load = tenants.load[mine]
    rest = load.copy()
    residual = np.zeros_like(load)  # uncovered load per workload after the tenant step
    for i, n in enumerate(mine):  # loops over tenants, never hours
        rest[tenants.workload_row[n]] -= t_load[i]
    rest = np.maximum(rest, 0.0)
    residual += rest
    own_residual = np.maximum(t_load - alloc.covered[mine], 0.0)
    for i, n in enumerate(mine):  # loops over tenants, never hours
        residual[tenants.workload_row[n]] += own_residual[i]
    others = alloc.allocated.copy()
    for k, row in enumerate(tenant_row):  # loops over instruments, never hours
        if row is not None:
            others[k, tenants.workload_row[row]] -= alloc.kept[k]
    safe = np.where(residual > 0, residual, 1.0)
    gen = np.zeros((others.shape[0], len(mine) + n_w, load.shape[1]))
    rest_share = np.where(residual > 0, rest / safe, 1.0)
    for i, n in enumerate(mine):  # loops over tenants, never hours
        w = tenants.workload_row[n]
        gen[:, i] = others[:, w] * np.where(residual[w] > 0, own_residual[i] / safe[w], 0.0)
    gen[:, len(mine) :] = others * rest_share[None]
    for k, row in enumerate(tenant_row):  # loops over instruments, never hours
        if row is not None:
            gen[k, mine.index(row)] += alloc.kept[k]
    return np.concatenate([t_load, rest]), gen
