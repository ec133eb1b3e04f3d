"""Invariants of market-based accounting, over generated loads and instruments (hypothesis).

- the hourly matched share never exceeds the annual match (M_hr ≤ M_ann);
- with a constant residual factor, hourly-matching MB ≥ annual-matching MB for the boundary
  (per workload it can invert slightly: the pro-rata key is the hourly load on the hourly basis
  and the period load on the annual basis, see docs/market-based.md);
- allocated MWh sum to each instrument's MWh, on both keys, with or without designation;
- scaling load and generation by k scales MB by k on both bases;
- with nothing designated, workload results add up to the boundary result;
- the order of the instruments does not change the totals.

Tolerances: 1e-9 relative plus a small absolute floor for sums of up to a few hundred
terms of magnitude ≤ 1e4 kWh (float round-off only).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carbon.accounting.allocation import allocate
from carbon.accounting.claims import ClaimContext
from carbon.accounting.market import market_based
from carbon.core.units import ureg
from carbon.site.instruments import PowerPurchaseAgreement

N_HOURS = 12
HOURS = pd.date_range("2025-03-01", periods=N_HOURS, freq="h")
WORKLOADS = ["ai", "mining", "tenant-b"]
CONTEXT = ClaimContext(reporter="Acme", site_id="s1", market_boundary="ERCOT")
EF = ureg.Quantity(450.0, "g CO2e/kWh")

energy = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
loads = arrays(np.float64, (len(WORKLOADS), N_HOURS), elements=energy)
profiles = st.lists(arrays(np.float64, (N_HOURS,), elements=energy), min_size=0, max_size=3)
designations = st.lists(st.sampled_from([None, *WORKLOADS]), min_size=3, max_size=3)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) + 1e-6


def load_da(values: np.ndarray) -> xr.DataArray:
    return xr.DataArray(
        values, dims=("workload", "time"), coords={"workload": WORKLOADS, "time": HOURS}
    ).pint.quantify("kWh", unit_registry=ureg)


def ppa(k: int, profile: np.ndarray, designated: str | None = None) -> PowerPurchaseAgreement:
    return PowerPurchaseAgreement(
        id=f"ppa-{k}",
        market_boundary="ERCOT",
        consumption_start="2025-03-01T00:00:00+00:00",
        consumption_end="2025-03-02T00:00:00+00:00",
        site_id="s1",
        beneficiary="Acme",
        generator_id=f"G{k}",
        technology="wind",
        location="TX",
        commissioning_date="2020-01-01",
        retirement_date="2025-04-01",
        profile=xr.DataArray(profile, dims="time", coords={"time": HOURS}).pint.quantify(
            "kWh", unit_registry=ureg
        ),
        ppa_type="virtual",
        certificates_retained=True,
        designated_to=designated,
    )


def run(load: np.ndarray, gens: list[np.ndarray], designated: list[Any] | None = None) -> Any:
    designated = designated or [None] * len(gens)
    # Pro-rata allocation over a period without load is an error by design (nothing to share by).
    assume(load.sum() > 0 or not any(g.sum() > 0 for g in gens))
    instruments = [ppa(k, g, designated[k]) for k, g in enumerate(gens)]
    return market_based(load_da(load), instruments, CONTEXT, residual_factor=EF)


@settings(max_examples=80, deadline=None)
@given(load=loads, gens=profiles)
def test_hourly_matched_share_never_exceeds_annual_match(load, gens) -> None:
    m = run(load, gens).metrics
    if m.annual_match is None:
        assert load.sum() == 0
        return
    assert m.hourly_matched_share <= m.annual_match + 1e-12
    assert m.hourly_matched_share >= 0.0
    assert m.annual_match <= 1.0


@settings(max_examples=80, deadline=None)
@given(load=loads, gens=profiles, designated=designations)
def test_hourly_mb_at_least_annual_mb_with_a_constant_residual_factor(
    load, gens, designated
) -> None:
    result = run(load, gens, designated)
    assert result.total_hourly_kgco2e >= result.total_annual_kgco2e - 1e-6


@settings(max_examples=80, deadline=None)
@given(
    load=loads, gens=profiles, designated=designations, key=st.sampled_from(["hourly", "annual"])
)
def test_allocated_mwh_sum_to_retired_mwh(load, gens, designated, key) -> None:
    if not gens:
        return
    gen = xr.DataArray(
        np.array(gens),
        dims=("instrument", "time"),
        coords={"instrument": [f"k{i}" for i in range(len(gens))], "time": HOURS},
    ).pint.quantify("kWh", unit_registry=ureg)
    if load.sum() == 0:
        load = load.copy()
        load[0, 0] = 1.0  # pro-rata allocation needs some load in the period
    names = {f"k{i}": designated[i] for i in range(len(gens))}
    out = allocate(gen, load_da(load), names, key=key)
    allocated = out.sum(("workload", "time")).pint.to("kWh").pint.magnitude
    retired = np.array(gens).sum(axis=1)
    assert np.allclose(allocated, retired, rtol=1e-9, atol=1e-6)
    assert (out.pint.magnitude >= 0).all()


@settings(max_examples=60, deadline=None)
@given(load=loads, gens=profiles, k=st.floats(min_value=1e-3, max_value=1e3))
def test_scaling_load_and_generation_scales_mb(load, gens, k) -> None:
    base = run(load, gens)
    scaled = run(load * k, [g * k for g in gens])
    for attr in ("total_hourly_kgco2e", "total_annual_kgco2e"):
        a, b = getattr(base, attr), getattr(scaled, attr)
        assert b == pytest.approx(k * a, rel=1e-9, abs=1e-6 * max(k, 1.0))
    if base.metrics.annual_match is not None and scaled.metrics.annual_match is not None:
        assert scaled.metrics.hourly_matched_share == pytest.approx(
            base.metrics.hourly_matched_share, rel=1e-9, abs=1e-12
        )


@settings(max_examples=60, deadline=None)
@given(load=loads, gens=profiles)
def test_pro_rata_workloads_add_up_to_the_boundary(load, gens) -> None:
    result = run(load, gens)
    diff = result.workload_minus_total_kgco2e
    scale = max(result.total_hourly_kgco2e, 1.0)
    assert abs(diff["hourly"]) <= 1e-9 * scale + 1e-6
    assert abs(diff["annual"]) <= 1e-9 * scale + 1e-6


@settings(max_examples=40, deadline=None)
@given(load=loads, gens=profiles, designated=designations)
def test_instrument_order_does_not_change_totals(load, gens, designated) -> None:
    instruments = [ppa(k, g, designated[k]) for k, g in enumerate(gens)]
    undesignated = any(designated[k] is None for k in range(len(gens)))
    assume(not (undesignated and load.sum() <= 0))  # pro rata over no load is refused by design
    forward = market_based(load_da(load), instruments, CONTEXT, residual_factor=EF)
    backward = market_based(load_da(load), instruments[::-1], CONTEXT, residual_factor=EF)
    assert close(forward.total_hourly_kgco2e, backward.total_hourly_kgco2e)
    assert close(forward.total_annual_kgco2e, backward.total_annual_kgco2e)
