"""Instruments designated to a colocation tenant (carbon.accounting.tenant_instruments).

Two hours; mining loads 100 kWh an hour, AI 60 kWh, of which tenant-2 30 kWh and tenant-1
20 kWh. A solar PPA designated to tenant-2; the uncovered load is priced at 0.5 kg/kWh.
Every expected figure below is worked by hand in the docstrings.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.accounting.claims import ClaimContext
from carbon.accounting.market import market_based
from carbon.analysis.tenants import split_by_tenant
from carbon.core.errors import ConfigError
from carbon.core.units import ureg
from carbon.site.instruments import PowerPurchaseAgreement

HOURS = pd.date_range("2025-06-01", periods=2, freq="h")
CONTEXT = ClaimContext(reporter="Acme Compute", site_id="pecos", market_boundary="ERCOT")
EF = ureg.Quantity(0.5, "kg CO2e/kWh")


def kwh(values: Any, dims: tuple[str, ...], **coords: Any) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, float), dims=dims, coords=coords).pint.quantify(
        "kWh", unit_registry=ureg
    )


def load() -> xr.DataArray:
    return kwh([[100, 100], [60, 60]], ("workload", "time"), workload=["mining", "ai"], time=HOURS)


def tenant_load() -> xr.DataArray:
    data = kwh(
        [[20, 20], [30, 30]], ("tenant", "time"), tenant=["tenant-1", "tenant-2"], time=HOURS
    )
    return data.assign_coords(workload=("tenant", ["ai", "ai"]))


def ppa(profile: list[float], designated_to: str = "tenant-2") -> PowerPurchaseAgreement:
    return PowerPurchaseAgreement.model_validate(
        {
            "id": "ppa-t2",
            "market_boundary": "ERCOT",
            "consumption_start": "2025-06-01T00:00:00+00:00",
            "consumption_end": "2025-06-01T02:00:00+00:00",
            "site_id": "pecos",
            "beneficiary": "Acme Compute",
            "location": "Pecos County, TX",
            "commissioning_date": "2024-03-01",
            "retirement_date": "2025-07-15",
            "generator_id": "SOL-9",
            "technology": "solar",
            "profile": kwh(profile, ("time",), time=HOURS),
            "ppa_type": "physical",
            "certificates_retained": True,
            "designated_to": designated_to,
        }
    )


def kg(data: xr.DataArray) -> float:
    return float(data.pint.to("kg CO2e").pint.magnitude.sum())


def test_surplus_goes_to_the_uncovered_load_pro_rata() -> None:
    """Profile [20, 50] kWh.

    Hourly: hour 0 covers 20 of tenant-2's 30 kWh; hour 1 covers its 30 and spills 20 kWh
    pro rata to the load left (mining 100, AI 60 − 30 = 30): 15.3846 to mining, 4.6154 to AI.
    Mining 50 + (100 − 15.3846)·0.5 = 92.3077 kg; AI (60 − 20)·0.5 + (30 − 4.6154)·0.5 =
    32.6923 kg; tenant-2 (30 − 20)·0.5 = 5 kg in hour 0 and nothing in hour 1.
    Annual: 70 kWh against 60 kWh of tenant load: 60 covered, 10 spill pro rata to mining 200
    and AI 60: 7.6923 and 2.3077; mining (200 − 7.6923)·0.5, AI (60 − 2.3077)·0.5; tenant-2 0.
    """
    result = market_based(
        load(), [ppa([20, 50])], CONTEXT, residual_factor=EF, tenant_load=tenant_load()
    )
    assert kg(result.hourly.sel(workload="mining")) == pytest.approx(50 + (100 - 200 / 13) * 0.5)
    assert kg(result.hourly.sel(workload="ai")) == pytest.approx(20 + (30 - 60 / 13) * 0.5)
    assert kg(result.tenant_hourly.sel(tenant="tenant-2")) == pytest.approx(5.0)
    assert kg(result.annual.sel(workload="mining")) == pytest.approx((200 - 100 / 13) * 0.5)
    assert kg(result.annual.sel(workload="ai")) == pytest.approx((60 - 30 / 13) * 0.5)
    assert kg(result.tenant_annual.sel(tenant="tenant-2")) == pytest.approx(0.0, abs=1e-9)
    assert result.total_hourly_kgco2e == pytest.approx((320 - 70) * 0.5)
    assert [str(t) for t in result.tenant_hourly["tenant"].values] == ["tenant-2"]
    register = {o.instrument_id: o for o in result.register}["ppa-t2"]
    assert register.allocated_mwh["ai"] == pytest.approx((20 + 30 + 60 / 13) / 1000)


def test_without_surplus_the_other_parties_are_unaffected() -> None:
    """Profile [20, 25] kWh, below tenant-2's load every hour: it keeps all of it.

    Tenant-2: hourly (10 + 5)·0.5 = 7.5 kg, annual (60 − 45)·0.5 = 7.5 kg. The AI workload
    falls from 60 to 37.5 kg; what the rest of AI carries (tenant-1 and own use) stays
    (120 − 60)·0.5 = 30 kg, tenant-1's 40 kWh share of it 20 kg, as without the PPA.
    """
    result = market_based(
        load(), [ppa([20, 25])], CONTEXT, residual_factor=EF, tenant_load=tenant_load()
    )
    assert kg(result.tenant_hourly) == pytest.approx(7.5)
    assert kg(result.tenant_annual) == pytest.approx(7.5)
    assert kg(result.hourly.sel(workload="mining")) == pytest.approx(100.0)
    assert kg(result.hourly.sel(workload="ai")) == pytest.approx(37.5)
    tenants = tenant_load()
    it = kwh([[100, 100], [60, 60]], ("workload", "time"), workload=["mining", "ai"], time=HOURS)
    location = it * ureg.Quantity(0.4, "kg CO2e/kWh")
    split = split_by_tenant(
        tenant_it=tenants.drop_vars("workload"),
        tenant_workload={"tenant-1": "ai", "tenant-2": "ai"},
        it_by_workload=it,
        energy_by_workload=it,
        interval=pd.Timedelta(hours=1),
        factor_resolution=pd.Timedelta(hours=1),
        location_by_workload=location,
        market_hourly_by_workload=result.hourly,
        market_annual_by_workload=result.annual,
        market_own_hourly=result.tenant_hourly,
        market_own_annual=result.tenant_annual,
    )
    for name, expected in (("tenant-1", 20.0), ("tenant-2", 7.5)):
        assert kg(split.market_hourly.sel(tenant=name)) == pytest.approx(expected)
        assert kg(split.market_annual.sel(tenant=name)) == pytest.approx(expected)
    rest = split.not_tenanted()  # AI own use 20 kWh → 10 kg, and mining 100 kg
    assert rest["market_hourly"].to("kg CO2e").magnitude == pytest.approx(110.0)
    assert rest["market_annual"].to("kg CO2e").magnitude == pytest.approx(110.0)


def test_an_unknown_tenant_is_an_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"'tenant-9'.*mining, ai.*tenant-1, tenant-2"):
        market_based(
            load(),
            [ppa([20, 25], "tenant-9")],
            CONTEXT,
            residual_factor=EF,
            tenant_load=tenant_load(),
        )
