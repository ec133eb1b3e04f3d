"""Market-based accounting never uses more instrument MWh than were retired, and workload
results add up to the boundary with designations on both bases (hypothesis).

Tolerances: 1e-9 relative plus 1e-6 absolute in kWh or kg (float round-off over a dozen hours).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carbon.accounting.claims import ClaimContext
from carbon.accounting.market import market_based
from carbon.core.units import ureg
from carbon.site.instruments import Certificate, PowerPurchaseAgreement

N_HOURS = 12
HOURS = pd.date_range("2025-03-01", periods=N_HOURS, freq="h")
WORKLOADS = ["ai", "mining"]
CONTEXT = ClaimContext(reporter="Acme", site_id="s1", market_boundary="ERCOT")
EF = ureg.Quantity(450.0, "g CO2e/kWh")
COMMON = {
    "market_boundary": "ERCOT",
    "consumption_start": "2025-03-01T00:00:00+00:00",
    "consumption_end": "2025-03-01T12:00:00+00:00",
    "site_id": "s1",
    "beneficiary": "Acme",
    "location": "TX",
    "commissioning_date": "2020-01-01",
    "retirement_date": "2025-04-01",
}

energy = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)
loads = arrays(np.float64, (len(WORKLOADS), N_HOURS), elements=energy)
profiles = st.lists(arrays(np.float64, (N_HOURS,), elements=energy), min_size=0, max_size=2)
volumes = st.lists(st.integers(min_value=1, max_value=200), min_size=0, max_size=2)  # MWh
targets = st.lists(st.sampled_from([None, *WORKLOADS]), min_size=4, max_size=4)


def instruments(gens: list[np.ndarray], mwh: list[int], designated: list[Any]) -> list[Any]:
    out: list[Any] = [
        PowerPurchaseAgreement(
            id=f"ppa-{k}",
            generator_id=f"P{k}",
            technology="solar",
            profile=xr.DataArray(g, dims="time", coords={"time": HOURS}).pint.quantify(
                "kWh", unit_registry=ureg
            ),
            ppa_type="physical",
            certificates_retained=True,
            designated_to=designated[k],
            **COMMON,
        )
        for k, g in enumerate(gens)
    ]
    out += [
        Certificate(
            id=f"rec-{k}",
            generator_id=f"W{k}",
            technology="wind",
            generation_start="2025-02-01",
            generation_end="2025-02-28",
            volume=ureg.Quantity(v, "MWh"),
            registry="ERCOT REC",
            serial_start=f"W-{k}{1:05d}",
            serial_end=f"W-{k}{v:05d}",
            designated_to=designated[2 + k],
            **COMMON,
        )
        for k, v in enumerate(mwh)
    ]
    return out


def run(load, gens, mwh, designated):
    pro_rata = [d is None for d in designated[: len(gens)] + designated[2 : 2 + len(mwh)]]
    assume(load.sum() > 0 or not any(pro_rata))  # pro rata over no load is refused by design
    da = xr.DataArray(
        load, dims=("workload", "time"), coords={"workload": WORKLOADS, "time": HOURS}
    ).pint.quantify("kWh", unit_registry=ureg)
    return market_based(da, instruments(gens, mwh, designated), CONTEXT, residual_factor=EF)


@settings(max_examples=25, deadline=None)
@given(load=loads, gens=profiles, mwh=volumes, designated=targets)
def test_used_mwh_never_exceed_retired_mwh(load, gens, mwh, designated) -> None:
    result = run(load, gens, mwh, designated)
    load_mwh = load.sum() / 1000
    used_a = used_h = 0.0
    for o in result.register:
        assert o.status == "applied", o.reasons
        assert -1e-9 <= o.used_annual_mwh <= o.available_mwh * (1 + 1e-9) + 1e-9
        assert -1e-9 <= o.used_hourly_mwh <= o.hourly_available_mwh * (1 + 1e-9) + 1e-9
        used_a += o.used_annual_mwh
        used_h += o.used_hourly_mwh
    assert used_a <= load_mwh * (1 + 1e-9) + 1e-9  # never more than the load either
    assert used_h <= load_mwh * (1 + 1e-9) + 1e-9
    for o in result.register:
        if o.kind == "certificate":
            assert o.available_mwh <= float(mwh[int(o.instrument_id.split("-")[1])]) + 1e-9


@settings(max_examples=25, deadline=None)
@given(load=loads, gens=profiles, mwh=volumes, designated=targets)
def test_designated_workload_results_add_up_to_the_boundary(load, gens, mwh, designated) -> None:
    result = run(load, gens, mwh, designated)
    diff = result.workload_minus_total_kgco2e
    scale = max(result.total_hourly_kgco2e, result.total_annual_kgco2e, 1.0)
    assert abs(diff["hourly"]) <= 1e-9 * scale + 1e-6
    assert abs(diff["annual"]) <= 1e-9 * scale + 1e-6
