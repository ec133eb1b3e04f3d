"""Market-based Scope 2 under every edition of :data:`carbon.accounting.editions.EDITIONS`,
from one set of hourly arrays (docs/methodology.md §1.3, §1.8, §2; docs/market-based.md).

The arrays are those of one :class:`~carbon.accounting.market_result.MarketBasedResult`:
the load ``L(workload, h)`` on clock hours, the generation of the instruments that passed
the quality criteria (market boundary included) on both bases, the rate of uncovered load
per hour and its source; with them the location-based rate of every hour, the grid's
carbon-free share ``c_h`` and the site's standard supply rows.

- ``ghgp-s2-2015`` (in force): annual matching, ``max(0, ΣL − ΣG)·EF_rem,annual`` plus the
  own rate of fossil instruments; it reproduces ``scope2_market_kgco2e``.
- ``ghgp-s2-2025-draft`` (proposal): first the standard supply claim ``s_h·L_h`` at 0 (the
  clean share of the utility's standard service); instruments matched hour by hour against
  the rest ``R_h = L_h − s_h·L_h``; the remaining load at the residual mix or supplier rate
  of the hour, and where none exists at the edition's fallback (fossil-only, else
  conservative), never the grid average.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.accounting.editions import EDITIONS, Edition
from carbon.accounting.hourly_inputs import RATE_UNIT, on_hours
from carbon.accounting.market_result import MarketBasedResult
from carbon.accounting.matching import matched
from carbon.accounting.standard_supply import SupplyShare, standard_supply_share
from carbon.core.errors import InputDataError
from carbon.site.instruments import ResidualMix
from carbon.site.standard_supply import StandardSupply

__all__ = ["EditionResult", "market_by_edition"]

_HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class EditionResult:
    """Market-based Scope 2 of one site and period under one edition (plain numbers)."""

    edition: Edition
    total_kgco2e: float
    by_workload_kgco2e: Mapping[str, float]
    load_kwh: float
    matched_kwh: float
    standard_supply_kwh: float
    residual_kwh: float
    residual_sources: Mapping[str, Mapping[str, float]]  # source → kwh, hours
    load_tiers: Mapping[str, Mapping[str, float]]  # tier → kwh, hours
    generation_tiers: Mapping[str, Mapping[str, Any]]  # tier → kwh, instruments
    assumptions: tuple[str, ...]
    standard_supply: Mapping[str, Any] | None = None
    exemption: Mapping[str, Any] | None = None
    residual_fallback_rates: Mapping[str, float | None] = field(default_factory=dict)
    #: the mean rate of the uncovered load [g CO2e/kWh] (weighted by uncovered load per hour)
    residual_rate_gco2e_per_kwh: float | None = None

    @property
    def instrument_own_rate_kgco2e(self) -> float:
        """Covered MWh of fossil or biomass instruments at their own rates [kg CO2e]: the
        total less the uncovered load at its rate (rounding noise below 1 g is 0)."""
        own = (
            self.total_kgco2e - self.residual_kwh * (self.residual_rate_gco2e_per_kwh or 0.0) / 1000
        )
        return 0.0 if abs(own) < 1e-3 else own

    def summary(self) -> dict[str, Any]:
        """The block of ``results.json`` ``scope2_market_by_edition.<key>``."""
        e = self.edition
        return {
            "title": e.title,
            "status": e.status,
            "in_force": e.in_force,
            "dated": e.dated,
            "source": e.source,
            "matching": e.matching,
            "deliverability": e.deliverability,
            "total_kgco2e": self.total_kgco2e,
            "by_workload": dict(self.by_workload_kgco2e),
            "load_kwh": self.load_kwh,
            "matched_kwh": self.matched_kwh,
            "standard_supply_kwh": self.standard_supply_kwh,
            "residual_kwh": self.residual_kwh,
            "residual_sources": {k: dict(v) for k, v in self.residual_sources.items()},
            "residual_rate_gco2e_per_kwh": self.residual_rate_gco2e_per_kwh,
            "instrument_own_rate_kgco2e": self.instrument_own_rate_kgco2e,
            "residual_fallbacks": list(e.residual_fallbacks),
            "residual_fallback_rates_gco2e_per_kwh": dict(self.residual_fallback_rates),
            "load_tiers": {k: dict(v) for k, v in self.load_tiers.items()},
            "generation_tiers": {k: dict(v) for k, v in self.generation_tiers.items()},
            "standard_supply": None if self.standard_supply is None else dict(self.standard_supply),
            "exemption": None if self.exemption is None else dict(self.exemption),
            "assumptions": list(self.assumptions),
        }


def _kwh(da: xr.DataArray) -> np.ndarray:
    return np.asarray(da.pint.to("kWh").pint.magnitude, dtype=float)


def market_by_edition(
    market: MarketBasedResult,
    instruments: Sequence[Any],
    *,
    location_rate: xr.DataArray,
    grid_cfe_share: xr.DataArray | None = None,
    standard_supply: Sequence[StandardSupply] = (),
    timezone: str = "UTC",
    estimated_kwh: float = 0.0,
    editions: Sequence[Edition] = EDITIONS,
) -> dict[str, EditionResult]:
    """Market-based Scope 2 under each of `editions`, from the arrays of `market`.

    Parameters
    ----------
    market
        The market-based result of the site and period (its load, allocated instrument
        generation, rate of uncovered load and its source per hour).
    instruments
        The instrument records `market` was computed from (own rates, designations).
    location_rate
        The location-based rate of every hour ``(time)`` [CO2e/energy].
    grid_cfe_share
        ``c_h`` ``(time)`` [dimensionless]; NaN where no source gives one. The fossil-only
        fallback needs it.
    standard_supply
        The site's ``[[standard_supply]]`` rows; their local dates are read in `timezone`.
    estimated_kwh
        Revenue-meter energy of the period that was imputed (disclosed with the load tier).
    """
    hours = pd.DatetimeIndex(market.load["time"].values)
    lod = _kwh(market.load)
    labels = [str(w) for w in market.load["workload"].values]
    ids = [str(i) for i in market.generation_hourly["instrument"].values]
    by_id = {inst.id: inst for inst in instruments}
    own = np.array(
        [float(by_id[i].emission_rate.to(RATE_UNIT).magnitude) for i in ids], dtype=float
    )
    lb = on_hours(location_rate, RATE_UNIT, hours, "location-based rate")
    cfe = _cfe_or_nan(grid_cfe_share, hours)
    ef_rem = np.asarray(market.remainder_factor.pint.to(RATE_UNIT).pint.magnitude, dtype=float)
    source = np.asarray(market.remainder_source.values).astype(str)
    context = _Context(hours, lod, labels, ids, by_id, own, lb, cfe, ef_rem, source)
    out: dict[str, EditionResult] = {}
    for edition in editions:  # loops over editions, never hours
        if edition.matching == "annual":
            out[edition.key] = _annual(edition, market, context)
        else:
            sss = standard_supply_share(
                standard_supply if edition.standard_supply else (), hours, timezone
            )
            out[edition.key] = _hourly(edition, market, context, sss, estimated_kwh)
    return out


@dataclass(frozen=True)
class _Context:
    hours: pd.DatetimeIndex
    lod: np.ndarray  # (workload, time) kWh
    labels: list[str]
    ids: list[str]
    by_id: Mapping[str, Any]
    own: np.ndarray  # (instrument,) kg/kWh
    lb: np.ndarray  # (time,) kg/kWh
    cfe: np.ndarray  # (time,) fraction or NaN
    ef_rem: np.ndarray  # (time,) kg/kWh
    source: np.ndarray  # (time,) str


def _cfe_or_nan(share: xr.DataArray | None, hours: pd.DatetimeIndex) -> np.ndarray:
    """``c_h`` on `hours` as fractions; NaN where the share has no value."""
    if share is None:
        return np.full(len(hours), np.nan)
    if share.pint.units is not None:
        values = np.asarray(share.pint.to("dimensionless").pint.magnitude, dtype=float)
    else:
        values = np.asarray(share.values, dtype=float)
    bad = np.isfinite(values) & ((values < 0) | (values > 1))
    if bad.any():
        raise InputDataError(
            "grid carbon-free share must lie in [0, 1]; a percentage needs the unit 'percent'"
        )
    at = pd.DatetimeIndex(share["time"].values).get_indexer(hours)
    if not len(values):
        return np.full(len(hours), np.nan)
    return np.where(at >= 0, values[np.maximum(at, 0)], np.nan)


def _by_source(uncovered: np.ndarray, source: np.ndarray) -> dict[str, dict[str, float]]:
    """Uncovered load [kWh] and hours per rate source."""
    return {
        str(s): {
            "kwh": float(uncovered[source == s].sum()),
            "hours": int((source == s).sum()),
        }
        for s in sorted(set(source.tolist()))
    }


def _annual(edition: Edition, market: MarketBasedResult, c: _Context) -> EditionResult:
    """Annual matching (the 2015 Guidance), recomputed from the arrays of `market`."""
    alloc_a = _kwh(market.generation_annual)  # (instrument, workload, time)
    total_load = c.lod.sum(axis=0)
    whole = float(total_load.sum())
    ef_annual = (
        float((total_load * c.ef_rem).sum() / whole) if whole > 0 else float(c.ef_rem.mean())
    )
    e_w, _, _ = matched(c.lod.sum(axis=1), alloc_a.sum(axis=2), c.own, ef_annual)
    total, uncovered, _ = matched(whole, alloc_a.sum(axis=(1, 2)), c.own, ef_annual)
    unc = float(uncovered)
    # the uncovered load of the period, by the source of the rate of its hours (load shares)
    share = total_load / whole if whole > 0 else np.zeros_like(total_load)
    sources = _by_source(unc * share, c.source)
    available = float(alloc_a.sum())
    assumptions = [
        *edition.notes,
        "instruments that fail a Scope 2 Quality Criterion are excluded; " + edition.deliverability,
        "uncovered load priced at the load-weighted mean of the hourly rate of uncovered "
        "load (supplier factor, residual mix, else the grid average)",
    ]
    if "grid_average" in sources:
        assumptions.append(
            f"no residual mix for {sources['grid_average']['hours']} hour(s): the grid "
            "average stands in, disclosed as the 2015 Guidance requires"
        )
    return EditionResult(
        edition=edition,
        total_kgco2e=float(total),
        by_workload_kgco2e={w: float(v) for w, v in zip(c.labels, e_w, strict=True)},
        load_kwh=whole,
        matched_kwh=whole - unc,
        standard_supply_kwh=0.0,
        residual_kwh=unc,
        residual_sources=sources,
        load_tiers={"period_total": {"kwh": whole, "hours": len(c.hours)}},
        generation_tiers={"period_volume": {"kwh": available, "instruments": c.ids}},
        assumptions=tuple(assumptions),
        residual_rate_gco2e_per_kwh=ef_annual * 1000.0,
    )


def _fallback_rates(
    edition: Edition, c: _Context
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """The rate of uncovered load per hour under `edition`: the residual mix or supplier
    factor where one prices the hour, else the first fallback of the edition that gives a
    rate; its source per hour, the fallback rates used [g/kWh] and the assumptions."""
    ef = c.ef_rem.copy()
    source = c.source.astype(object).copy()
    gap = source == "grid_average"
    rates: dict[str, float] = {}
    for policy in edition.residual_fallbacks:  # loops over policies, never hours
        if not gap.any():
            break
        if policy == "grid_average":
            source[gap] = "grid_average"
            value = c.lb
            take = gap.copy()
        elif policy == "fossil_only":
            with np.errstate(divide="ignore", invalid="ignore"):
                value = c.lb / (1.0 - c.cfe)
            take = gap & np.isfinite(value) & (c.cfe < 1.0)
        elif policy == "conservative":
            value = np.full(len(ef), float(c.lb.max()) if len(c.lb) else np.nan)
            take = gap.copy()
            rates["conservative"] = float(value[0]) * 1000.0 if len(value) else 0.0
        else:  # pragma: no cover - the edition table names known policies only
            raise ValueError(f"unknown residual fallback {policy!r}")
        ef[take], source[take] = value[take], policy
        if take.any() and policy == "fossil_only":
            rates["fossil_only"] = float(value[take].mean()) * 1000.0
        gap &= ~take
    if gap.any():  # pragma: no cover - the last policy of every edition always gives a rate
        raise ValueError("no fallback rate for some hours")
    return ef, source.astype(str), _every_policy(edition, c, source, rates)


def _every_policy(
    edition: Edition, c: _Context, source: np.ndarray, used: dict[str, float]
) -> dict[str, float | None]:
    """Every fallback policy of `edition` with its rate [g CO2e/kWh]: the mean over the hours
    it priced, or, for a policy that priced none, over every hour of the period (what it
    would have given; None where it gives no rate, e.g. fossil-only without c_h)."""
    out: dict[str, float | None] = {}
    for policy in edition.residual_fallbacks:  # loops over policies, never hours
        if policy in used:
            out[policy] = used[policy]
            continue
        priced = source == policy
        if policy == "grid_average":
            value = c.lb
        elif policy == "fossil_only":
            with np.errstate(divide="ignore", invalid="ignore"):
                value = c.lb / (1.0 - c.cfe)
        else:  # conservative
            value = np.full(len(c.lb), float(c.lb.max()) if len(c.lb) else np.nan)
        pick = value[priced] if priced.any() else value
        pick = pick[np.isfinite(pick)]
        out[policy] = float(pick.mean()) * 1000.0 if pick.size else None
    return out


def _generation_tiers(market: MarketBasedResult, c: _Context) -> dict[str, dict[str, Any]]:
    """Each applied contract on the generation-data ladder: hourly certificates (a granular
    export), certificates with hourly production data (a profile), or not counted."""
    tiers: dict[str, dict[str, Any]] = {}
    for line in market.register:
        if line.instrument_id not in c.ids:
            continue
        inst = c.by_id[line.instrument_id]
        if line.profile_basis == "hourly profile":
            granular = getattr(inst, "profile_source", None) is not None and (
                inst.profile_source.granular
            )
            tier = "hourly_certificates" if granular else "certificates_with_hourly_production"
            kwh = line.hourly_available_mwh * 1000.0
        else:
            tier, kwh = "not_counted", line.available_mwh * 1000.0
        row = tiers.setdefault(tier, {"kwh": 0.0, "instruments": []})
        row["kwh"] += kwh
        row["instruments"].append(line.instrument_id)
    return tiers


def _hourly(
    edition: Edition,
    market: MarketBasedResult,
    c: _Context,
    sss: SupplyShare,
    estimated_kwh: float,
) -> EditionResult:
    """Hourly matching with the standard supply claim first and the edition's fallbacks."""
    claim = sss.share[None, :] * c.lod  # (workload, time)
    rest = c.lod - claim
    # instrument MWh per workload as the hourly-matching result allocated them (designations,
    # tenants and surplus rules included); the boundary figure does not depend on it
    alloc = _kwh(market.generation_hourly)  # (instrument, workload, time)
    ef, source, rates = _fallback_rates(edition, c)
    e_w, _, _ = matched(rest, alloc, c.own, ef)
    total_rest = rest.sum(axis=0)
    total_h, uncovered, _ = matched(total_rest, alloc.sum(axis=1), c.own, ef)
    whole = float(c.lod.sum())
    claimed = float(claim.sum())
    unc = float(uncovered.sum())
    tiers = _generation_tiers(market, c)
    assumptions = [*edition.notes, edition.deliverability]
    assumptions += _rate_assumptions(market, c, source, rates)
    if "not_counted" in tiers:
        assumptions.append(
            "instruments without hourly generation data count nothing (no facility or "
            "regional generation profile is supplied): "
            + ", ".join(tiers["not_counted"]["instruments"])
        )
    standard = _standard_supply_block(sss, claim, c)
    assumptions.append(standard["note"])
    load_tiers = {t: {"kwh": 0.0, "hours": 0} for t in edition.load_tiers}
    load_tiers["interval_meter"] = {
        "kwh": whole,
        "hours": len(c.hours),
        "estimated_kwh": float(estimated_kwh),
    }
    assumptions.append(
        "load: interval meter data summed to clock hours for every hour (the first step of "
        "the load-data ladder)"
        + (f"; {estimated_kwh / 1000:,.1f} MWh of it imputed" if estimated_kwh > 0 else "")
    )
    exemption = _exemption(edition, whole, len(c.hours))
    assumptions.append(exemption["applies"])
    return EditionResult(
        edition=edition,
        total_kgco2e=float(total_h.sum()),
        by_workload_kgco2e={w: float(v) for w, v in zip(c.labels, e_w.sum(axis=1), strict=True)},
        load_kwh=whole,
        matched_kwh=float(total_rest.sum()) - unc,
        standard_supply_kwh=claimed,
        residual_kwh=unc,
        residual_sources=_by_source(uncovered, source),
        load_tiers=load_tiers,
        generation_tiers=tiers,
        assumptions=tuple(assumptions),
        standard_supply=standard,
        exemption=exemption,
        residual_fallback_rates=rates,
        residual_rate_gco2e_per_kwh=(
            float((uncovered * ef).sum() / unc) * 1000.0 if unc > 0 else float(ef.mean()) * 1000.0
        ),
    )


def _rate_assumptions(
    market: MarketBasedResult, c: _Context, source: np.ndarray, rates: Mapping[str, float]
) -> list[str]:
    """What priced the uncovered load, in words."""
    out = []
    if "residual_mix" in set(source.tolist()):
        hourly = any(
            isinstance(inst, ResidualMix) and inst.hourly_rate is not None
            for inst in c.by_id.values()
        )
        out.append(
            "residual mix per hour of the market boundary"
            if hourly
            else "the annual residual mix applied to every hour (no hourly residual mix is "
            "declared); its adjustment for standard supply claims is not verified"
        )
    n_fossil = int((source == "fossil_only").sum())
    if n_fossil:
        out.append(
            f"no residual mix for {n_fossil} hour(s): fossil-only rate = location-based rate "
            f"÷ (1 − c_h), mean {rates.get('fossil_only') or 0.0:,.1f} g CO2e/kWh; never "
            "the grid average"
        )
    n_cons = int((source == "conservative").sum())
    if n_cons:
        out.append(
            f"no residual mix and no grid carbon-free share for {n_cons} hour(s): conservative "
            f"rate = the period's highest hourly location-based rate, "
            f"{rates.get('conservative') or 0.0:,.1f} g CO2e/kWh"
        )
    return out


def _standard_supply_block(sss: SupplyShare, claim: np.ndarray, c: _Context) -> dict[str, Any]:
    """The claim per declared row: share, hours, MWh claimed, the row's evidence."""
    rows = []
    per_hour = claim.sum(axis=0)
    for k, row in enumerate(sss.rows):
        mine = sss.row == k
        if not mine.any():
            continue
        rows.append(
            {
                "utility": row.utility,
                "programme": row.programme,
                "data_year": row.data_year,
                "clean_mwh": row.clean_mwh,
                "retail_sales_mwh": row.retail_sales_mwh,
                "share": row.share,
                "hours": int(mine.sum()),
                "claimed_kwh": float(per_hour[mine].sum()),
                "source": row.source,
            }
        )
    if rows:
        note = (
            "standard supply service claimed pro rata: clean MWh ÷ retail sales MWh × own load, "
            "each hour at the share of its row, at 0 g CO2e/kWh; unclaimed shares are not "
            "transferable"
        )
    else:
        note = "no standard supply service declared ([[standard_supply]]): nothing claimed"
    return {
        "rows": rows,
        "claimed_kwh": float(claim.sum()),
        "hours_without_row": int((sss.row < 0).sum()),
        "rule": "claim = SSS clean MWh ÷ utility retail sales MWh × own load",
        "note": note,
    }


def _exemption(edition: Edition, load_kwh: float, n_hours: int) -> dict[str, Any]:
    """Which of the edition's proposed exemption thresholds the site falls under."""
    annual_gwh = load_kwh / 1e6 * (_HOURS_PER_YEAR / n_hours) if n_hours else 0.0
    thresholds = [
        {"threshold_gwh": t, "exempt": annual_gwh < t} for t in edition.exemption_thresholds_gwh
    ]
    exempt_under = [t["threshold_gwh"] for t in thresholds if t["exempt"]]
    if not thresholds:
        applies = "no exemption threshold in this edition"
    elif not exempt_under:
        applies = (
            f"annual consumption {annual_gwh:,.1f} GWh is above every proposed exemption "
            f"threshold ({', '.join(f'{t:g}' for t in edition.exemption_thresholds_gwh)} GWh "
            "a year): hourly matching applies whichever is chosen"
        )
    else:
        applies = (
            f"annual consumption {annual_gwh:,.1f} GWh is below the proposed threshold(s) of "
            f"{', '.join(f'{t:g}' for t in exempt_under)} GWh a year: hourly matching could be "
            "waived (deliverability would still apply); the figure here is hourly-matched"
        )
    return {
        "annual_consumption_gwh": annual_gwh,
        "basis": "the period's load scaled to 8,760 hours"
        if n_hours != _HOURS_PER_YEAR
        else "the period's load",
        "thresholds": thresholds,
        "applies": applies,
    }
