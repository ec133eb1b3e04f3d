"""Scope 2 market-based emissions with annual and hourly matching
(docs/methodology.md §1.3, §1.8, §2, §6).

Per market boundary and hour ``h`` (one site, one boundary per call): ``L_h`` load,
``G_h`` generation of the instruments that pass the Scope 2 Quality Criteria
(:mod:`carbon.accounting.claims`; no serial applied twice, :mod:`carbon.accounting.serials`),
allocated to the workloads (:mod:`carbon.accounting.allocation`), ``EF_rem,h`` the rate
of the load no instrument covers. Hourly and annual matching and the matching metrics
are in :mod:`carbon.accounting.matching`; the result is a
:class:`carbon.accounting.market_result.MarketBasedResult`.

On both bases the covered MWh of a fossil or biomass instrument add their own
rate, ``Σ_k Q_k·EF_k`` (1.3). When instruments exceed the load, each is used in
the same proportion (``Q_k = G_k·min(L, G)/G``). ``EF_rem`` follows the hierarchy
of 1.3: a supplier-specific factor → the residual mix → the grid average,
the last only where no residual mix exists and flagged
``"residual mix unavailable; grid average used"``.

All arithmetic runs on magnitudes in fixed units (kWh, kg CO2e/kWh) between a
unit check at the entrance (:mod:`carbon.accounting.hourly_inputs`) and re-quantified
outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
import pint
import xarray as xr

from carbon.accounting.allocation import load_kwh
from carbon.accounting.claims import ClaimContext, VintageRule, check_quality, same_label
from carbon.accounting.hourly_inputs import (
    HOUR,
    RATE_UNIT,
    cfe_share_on_hours,
    clock_hours,
    on_hours,
)
from carbon.accounting.market_result import (
    InstrumentOutcome,
    MarketBasedResult,
    instrument_identity,
)
from carbon.accounting.matching import MatchingMetrics, matched, metrics_of
from carbon.accounting.serials import SerialUse, check_serials
from carbon.accounting.tenant_instruments import (
    TenantLoad,
    allocate_with_tenants,
    party_emissions,
    split_targets,
)
from carbon.core.errors import ConfigError, InputDataError
from carbon.core.quantified import quantified
from carbon.site.instruments import CONTRACTUAL, ResidualMix, SupplierFactor

__all__ = ["GRID_AVERAGE_FLAG", "market_based"]

#: The disclosure text when the grid average stands in for a residual mix (1.3 item 5).
GRID_AVERAGE_FLAG = "residual mix unavailable; grid average used"


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
        values = on_hours(inst.profile, "kWh", hours, what, need=inside)
        values = np.where(inside, values, 0.0)
        return values, values, "hourly profile"
    period_hours = (_utc(inst.consumption_end) - _utc(inst.consumption_start)) / HOUR
    flat = np.where(inside, float(inst.energy.to("kWh").magnitude) / period_hours, 0.0)
    return flat, (flat if flat_hourly else np.zeros_like(flat)), "flat"


def _remainder(
    applicable: Sequence[Any],
    passed: set[str],
    hours: pd.DatetimeIndex,
    residual_factor: Any,
    grid_average: Any,
    notes: list[str],
    residual_table: Any = None,
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
            values = on_hours(rate, RATE_UNIT, hours, what, need=inside & np.isnan(ef))
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
    if residual_table is not None and (mixes or residual_factor is not None):
        raise ConfigError(
            "the site file declares a residual-mix table ([factors] residual_mix) and "
            + (
                f"residual-mix records apply too ({', '.join(m.id for m in mixes)})"
                if mixes
                else "a residual factor was passed"
            )
            + "; give one"
        )
    if residual_table is not None:  # hours the table does not cover stay open (NaN)
        none = np.zeros(len(hours), bool)
        values = on_hours(residual_table, RATE_UNIT, hours, "residual-mix table", need=none)
        free = np.isnan(ef) & np.isfinite(values)
        ef[free], source[free] = values[free], "residual_mix"
    if residual_factor is not None:
        values = on_hours(residual_factor, RATE_UNIT, hours, "residual factor", need=np.isnan(ef))
        free = np.isnan(ef)
        ef[free], source[free] = values[free], "residual_mix"
    fill(mixes, "residual_mix")
    if np.isnan(ef).any() and grid_average is not None:
        gap = np.isnan(ef)
        values = on_hours(grid_average, RATE_UNIT, hours, "grid average factor", need=gap)
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
    residual_table: xr.DataArray | None = None,
    grid_cfe_share: xr.DataArray | None = None,
    vintage_rule: VintageRule | None = None,
    prior_uses: Sequence[SerialUse] = (),
    unprofiled_hourly: Literal["exclude", "flat"] = "exclude",
    tenant_load: xr.DataArray | None = None,
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
    residual_table : xarray.DataArray, optional
        ``EF_res`` ``(time)`` [CO2e/energy] from the site's residual-mix table; NaN in
        hours the table does not cover, which fall to `grid_average` (flagged).
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
    tenant_load : xarray.DataArray, optional
        ``T(tenant, time)`` [energy], each tenant's part of its workload's load, with a
        ``workload`` coordinate on ``tenant``. Instruments designated to a tenant cover
        its load first (:mod:`carbon.accounting.tenant_instruments`).

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
    lod_da = load_kwh(load)
    hours = clock_hours(lod_da["time"].values, "load")
    lod = lod_da.to_numpy().astype(float)
    labels = [str(w) for w in lod_da["workload"].values]
    ids = [inst.id for inst in instruments]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise InputDataError(f"instrument ids must be unique; repeated: {', '.join(repeated)}")
    check_serials(instruments, prior_uses=prior_uses)
    cfe = None if grid_cfe_share is None else cfe_share_on_hours(grid_cfe_share, hours)

    notes: list[str] = []
    register, applicable, passed = _screen(instruments, context, hours, vintage_rule, prior_uses)
    contracts = [i for i in applicable if isinstance(i, CONTRACTUAL) and i.id in passed]
    k_ids = [c.id for c in contracts]
    gen_a, gen_h, bases = _contract_generation(contracts, hours, unprofiled_hourly, notes)
    tenants = TenantLoad.on_hours(tenant_load, labels, hours)
    designation, tenant_row = split_targets(
        k_ids, {c.id: c.designated_to for c in contracts}, labels, tenants.names
    )
    by_h = allocate_with_tenants(gen_h, lod, designation, tenant_row, tenants, "hourly", k_ids)
    by_a = allocate_with_tenants(gen_a, lod, designation, tenant_row, tenants, "annual", k_ids)
    alloc_h, alloc_a = by_h.allocated, by_a.allocated
    own = np.array([float(c.emission_rate.to(RATE_UNIT).magnitude) for c in contracts])
    carbon_free = np.array([c.is_carbon_free for c in contracts], bool)

    ef_rem, source = _remainder(
        applicable, passed, hours, residual_factor, grid_average, notes, residual_table
    )
    total_load = lod.sum(axis=0)
    ef_annual = _annual_rate(total_load, ef_rem, notes)
    tenant_h, tenant_a = party_emissions(
        lod, tenants, tenant_row, (by_h, by_a), own, (ef_rem, ef_annual)
    )
    instrumented = sorted({tenants.names[r] for r in tenant_row if r is not None})
    rows = [tenants.names.index(n) for n in instrumented]

    # Hourly matching: per workload and for the boundary as a whole.
    e_h, _, _ = matched(lod, alloc_h, own, ef_rem)
    t_h, unc_h, used_h = matched(total_load, alloc_h.sum(axis=1), own, ef_rem)
    # Annual matching: sums over the period, same structure without the time axis.
    e_a, _, _ = matched(lod.sum(axis=1), alloc_a.sum(axis=2), own, ef_annual)
    t_a, unc_a, used_a = matched(total_load.sum(), alloc_a.sum(axis=(1, 2)), own, ef_annual)

    metrics, by_workload = _matching_metrics(lod, alloc_h, alloc_a, carbon_free, cfe, labels)
    gh_pool, ga_pool = alloc_h.sum(axis=1), alloc_a.sum(axis=1)
    used_hourly_kwh = (gh_pool * used_h).sum(axis=1)
    used_annual_kwh = ga_pool.sum(axis=1) * float(used_a)
    coverage = _coverage(
        contracts, source, total_load, (used_hourly_kwh, unc_h), (used_annual_kwh, unc_a)
    )
    for k, inst in enumerate(contracts):
        register[inst.id] = _applied(
            inst,
            labels,
            bases[k],
            (gen_a[k], gen_h[k]),
            (alloc_h[k], alloc_a[k]),
            (used_hourly_kwh[k], used_annual_kwh[k]),
        )
    _register_rates(
        register, applicable, passed, hours, (ef_rem, source), (unc_h, float(unc_a), total_load)
    )
    for inst in instruments:  # every line names what an auditor traces it by
        register[inst.id] = replace(register[inst.id], identity=instrument_identity(inst))

    def da(values: np.ndarray, dims: tuple[str, ...], unit: str, **coords: Any) -> xr.DataArray:
        return quantified(values, unit, dims, coords)

    time = hours.to_numpy()
    by_instrument = ("instrument", "workload", "time")
    return MarketBasedResult(
        load=da(lod, ("workload", "time"), "kWh", workload=labels, time=time),
        generation_hourly=da(
            alloc_h, by_instrument, "kWh", instrument=k_ids, workload=labels, time=time
        ),
        generation_annual=da(
            alloc_a, by_instrument, "kWh", instrument=k_ids, workload=labels, time=time
        ),
        hourly=da(e_h, ("workload", "time"), "kg CO2e", workload=labels, time=time),
        annual=da(np.asarray(e_a, float), ("workload",), "kg CO2e", workload=labels),
        total_hourly=da(t_h, ("time",), "kg CO2e", time=time),
        total_annual=da(np.asarray(float(t_a)), (), "kg CO2e"),
        remainder_factor=da(ef_rem, ("time",), RATE_UNIT, time=time).pint.to("g CO2e/kWh"),
        remainder_source=xr.DataArray(source.astype(str), dims="time", coords={"time": time}),
        metrics=metrics,
        metrics_by_workload=by_workload,
        register=tuple(register[i] for i in ids),
        coverage_mwh=coverage,
        notes=tuple(notes),
        tenant_hourly=None
        if not instrumented
        else da(tenant_h[rows], ("tenant", "time"), "kg CO2e", tenant=instrumented, time=time),
        tenant_annual=None
        if not instrumented
        else da(tenant_a[rows], ("tenant",), "kg CO2e", tenant=instrumented),
        tenant_instruments={
            tenants.names[row]: tuple(i for i, r in zip(k_ids, tenant_row, strict=True) if r == row)
            for row in rows
        },
    )


def _screen(
    instruments: Sequence[Any],
    context: ClaimContext,
    hours: pd.DatetimeIndex,
    vintage_rule: VintageRule | None,
    prior_uses: Sequence[SerialUse],
) -> tuple[dict[str, InstrumentOutcome], list[Any], set[str]]:
    """The register of the instruments that do not apply or fail a quality criterion,
    the applicable instruments, and the ids of those that pass every criterion."""
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
    return register, applicable, passed


def _contract_generation(
    contracts: Sequence[Any],
    hours: pd.DatetimeIndex,
    unprofiled_hourly: Literal["exclude", "flat"],
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(instrument, time) generation [kWh] on the annual and the hourly basis, and each
    instrument's profile basis; an instrument without a profile is noted."""
    gen_a = np.zeros((len(contracts), len(hours)))
    gen_h = np.zeros_like(gen_a)
    bases = []
    for k, inst in enumerate(contracts):
        gen_a[k], gen_h[k], basis = _generation(inst, hours, unprofiled_hourly == "flat")
        bases.append(basis)
        if getattr(inst, "profile_source", None) is not None:  # read from a file: say how
            used = hours[_in_period(inst, hours)]
            notes.append(f"instrument {inst.id!r}: {inst.profile_source.note(used)}")
        if basis == "flat":
            notes.append(
                f"instrument {inst.id!r} has no hourly profile: annual basis prorates its "
                "volume by hours of its consumption period; hourly basis "
                + ("spreads it evenly (flat)" if unprofiled_hourly == "flat" else "counts none")
            )
    return gen_a, gen_h, bases


def _coverage(
    contracts: Sequence[Any],
    source: np.ndarray,
    total_load: np.ndarray,
    hourly: tuple[np.ndarray, np.ndarray],
    annual: tuple[np.ndarray, Any],
) -> dict[str, dict[str, float]]:
    """MWh of load covered per basis and instrument class, the uncovered load by the
    source of its rate; `hourly` and `annual` are (used kWh per instrument, uncovered kWh)."""
    used_hourly_kwh, unc_h = hourly
    used_annual_kwh, unc_a = annual
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
    return coverage


def _annual_rate(total_load: np.ndarray, ef_rem: np.ndarray, notes: list[str]) -> float:
    """The remainder rate of annual matching [kg CO2e/kWh]: the load-weighted mean of the
    hourly one (noted when it varies), its plain mean without load."""
    ef_annual = (
        float((total_load * ef_rem).sum() / total_load.sum())
        if total_load.sum() > 0
        else float(ef_rem.mean())
    )
    if len(np.unique(ef_rem)) > 1:
        notes.append(
            "the remainder rate varies by hour; annual matching uses its load-weighted mean "
            f"{ef_annual * 1000:.6g} kg CO2e/MWh"
        )
    return ef_annual


def _matching_metrics(
    lod: np.ndarray,
    alloc_h: np.ndarray,
    alloc_a: np.ndarray,
    carbon_free: np.ndarray,
    cfe: np.ndarray | None,
    labels: Sequence[str],
) -> tuple[MatchingMetrics, dict[str, MatchingMetrics]]:
    """The section 2 metrics of the boundary and of each workload, from the load
    ``(workload, time)`` and the allocated carbon-free MWh of both bases [kWh]."""
    gh_pool, ga_pool = alloc_h.sum(axis=1), alloc_a.sum(axis=1)
    metrics = metrics_of(
        lod.sum(axis=0), gh_pool[carbon_free].sum(axis=0), float(ga_pool[carbon_free].sum()), cfe
    )
    by_workload = {
        w: metrics_of(
            lod[i],
            alloc_h[carbon_free, i].sum(axis=0),
            float(alloc_a[carbon_free, i].sum()),
            cfe,
        )
        for i, w in enumerate(labels)
    }
    return metrics, by_workload


def _applied(
    inst: Any,
    labels: Sequence[str],
    basis: str,
    generation: tuple[np.ndarray, np.ndarray],
    allocated: tuple[np.ndarray, np.ndarray],
    used: tuple[Any, Any],
) -> InstrumentOutcome:
    """The register line of an applied contract: its MWh available (annual, hourly
    basis), allocated per workload (hourly, annual key) and used (hourly, annual)."""
    gen_a, gen_h = generation
    alloc_h, alloc_a = allocated
    used_hourly_kwh, used_annual_kwh = used
    return InstrumentOutcome(
        inst.id,
        inst.kind,
        "applied",
        technology=inst.technology,
        profile_basis=basis,
        available_mwh=float(gen_a.sum()) / 1000,
        hourly_available_mwh=float(gen_h.sum()) / 1000,
        allocated_mwh={w: float(alloc_h[i].sum()) / 1000 for i, w in enumerate(labels)},
        allocated_annual_mwh={w: float(alloc_a[i].sum()) / 1000 for i, w in enumerate(labels)},
        used_hourly_mwh=float(used_hourly_kwh) / 1000,
        used_annual_mwh=float(used_annual_kwh) / 1000,
    )


def _register_rates(
    register: dict[str, InstrumentOutcome],
    applicable: Sequence[Any],
    passed: set[str],
    hours: pd.DatetimeIndex,
    remainder: tuple[np.ndarray, np.ndarray],
    uncovered: tuple[np.ndarray, float, np.ndarray],
) -> None:
    """Register the supplier factors and residual mixes that passed, with the hours of
    uncovered load whose rate they gave, that load [MWh] on both bases and the rate.

    `remainder` is the rate [kg CO2e/kWh] and its source per hour; `uncovered` the
    uncovered load per hour (hourly matching) and over the period (annual matching), and
    the boundary's load per hour [kWh]. On the annual basis an hour's share of the
    uncovered load is its share of the load, as in the coverage table.
    """
    ef_rem, source = remainder
    unc_h, unc_a, total_load = uncovered
    whole = float(total_load.sum())
    for inst in applicable:
        if inst.id in passed and not isinstance(inst, CONTRACTUAL):
            label = "supplier_factor" if inst.kind == "supplier_factor" else "residual_mix"
            mine = _in_period(inst, hours) & (source == label)
            used_hours = int(mine.sum())
            covered_h = float(unc_h[mine].sum())
            weight = unc_h[mine] if covered_h > 0 else total_load[mine]
            rate = (
                float((weight * ef_rem[mine]).sum() / weight.sum()) * 1000.0
                if weight.sum() > 0
                else (float(ef_rem[mine].mean()) * 1000.0 if used_hours else None)
            )
            register[inst.id] = InstrumentOutcome(
                inst.id,
                inst.kind,
                "applied",
                note=f"rate of uncovered load in {used_hours} hour(s)",
                covered_hourly_mwh=covered_h / 1000,
                covered_annual_mwh=(
                    float(unc_a) * float(total_load[mine].sum()) / whole / 1000 if whole else 0.0
                ),
                rate_used_gco2e_per_kwh=rate,
            )
