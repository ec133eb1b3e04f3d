"""Per-tenant energy and emissions (carbon.analysis.tenants, METHODOLOGY 6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from carbon.analysis.tenants import split_by_tenant, tenant_it_energy
from carbon.core.errors import UnitError
from carbon.core.units import ureg
from tests.conftest import tiny_site

Q = ureg.Quantity
HALF_HOURS = pd.date_range("2025-01-01", periods=4, freq="30min")
HOURS = pd.date_range("2025-01-01", periods=2, freq="h")
WORKLOADS = ["mining", "ai", "other"]


def da(values, dims, unit: str, **coords) -> xr.DataArray:
    return xr.DataArray(np.asarray(values, float), dims=dims, coords=coords).pint.quantify(
        unit, unit_registry=ureg
    )


def test_hand_worked_split() -> None:
    """Two tenants in the AI workload, own-use mining; 30-minute meters, hourly factors.

    AI IT per half hour [20, 40, 10, 10] kWh, tenant A [10, 30, 10, 0], B [10, 10, 0, 0]
    (B's meter is idle in the second hour, own use carries the rest). AI facility energy
    [30, 50, 20, 20]. Shares of A: [0.5, 0.75, 1, 0] → energy [15, 37.5, 20, 0] = 72.5 kWh.
    Hourly: AI energy [80, 40] kWh, A [52.5, 20] → share [0.65625, 0.5]; at 400 and
    500 g/kWh the AI hours emit [32, 20] kg, so A's LB = 21 + 10 = 31 kg (= 52.5·0.4 + 20·0.5).
    Annual-matching MB of AI 60 kg → A: 72.5/120 · 60 = 36.25 kg.
    """
    tenant_it = da(
        [[10, 30, 10, 0], [10, 10, 0, 0]],
        ("tenant", "time"),
        "kWh",
        tenant=["A", "B"],
        time=HALF_HOURS,
    )
    it = da(
        [[5, 5, 5, 5], [20, 40, 10, 10], [0, 0, 0, 0]],
        ("workload", "time"),
        "kWh",
        workload=WORKLOADS,
        time=HALF_HOURS,
    )
    total = da(
        [[6, 6, 6, 6], [30, 50, 20, 20], [0, 0, 0, 0]],
        ("workload", "time"),
        "kWh",
        workload=WORKLOADS,
        time=HALF_HOURS,
    )
    rate = np.array([400.0, 500.0]) / 1000  # kg/kWh per hour
    hourly_energy = np.array([[12, 12], [80, 40], [0, 0]])
    location = da(
        hourly_energy * rate, ("workload", "time"), "kg CO2e", workload=WORKLOADS, time=HOURS
    )
    market_h = da(
        [[1, 1], [10, 30], [0, 0]], ("workload", "time"), "kg CO2e", workload=WORKLOADS, time=HOURS
    )
    market_a = da([3, 60, 0], ("workload",), "kg CO2e", workload=WORKLOADS)
    split = split_by_tenant(
        tenant_it=tenant_it,
        tenant_workload={"A": "ai", "B": "ai"},
        it_by_workload=it,
        energy_by_workload=total,
        interval=pd.Timedelta(minutes=30),
        factor_resolution=pd.Timedelta(hours=1),
        location_by_workload=location,
        market_hourly_by_workload=market_h,
        market_annual_by_workload=market_a,
    )
    a = {
        k: float(getattr(split, k).sel(tenant="A").data.magnitude)
        for k in ("it_energy", "energy", "location", "market_annual", "market_hourly")
    }
    assert a["it_energy"] == pytest.approx(50.0)
    assert a["energy"] == pytest.approx(72.5)
    assert a["location"] == pytest.approx(31.0)
    assert a["market_annual"] == pytest.approx(72.5 / 120 * 60)
    assert a["market_hourly"] == pytest.approx(52.5 / 80 * 10 + 20 / 40 * 30)
    rest = split.not_tenanted()
    # B carries 0.5·30 + 0.25·50 = 27.5 kWh; the rest is own use and mining
    assert rest["energy"].to("kWh").magnitude == pytest.approx(24 + 120 - 72.5 - 27.5)
    assert split.location.pint.units == ureg.Unit("kg CO2e")


def test_kilowatts_are_refused_as_energy() -> None:
    tenant_it = da([[1, 1, 1, 1]], ("tenant", "time"), "kW", tenant=["A"], time=HALF_HOURS)
    it = da(np.ones((3, 4)), ("workload", "time"), "kWh", workload=WORKLOADS, time=HALF_HOURS)
    with pytest.raises(UnitError, match="tenant IT energy"):
        split_by_tenant(
            tenant_it=tenant_it,
            tenant_workload={"A": "ai"},
            it_by_workload=it,
            energy_by_workload=it,
            interval=pd.Timedelta(minutes=30),
            factor_resolution=pd.Timedelta(hours=1),
            location_by_workload=da(
                np.ones((3, 2)), ("workload", "time"), "kg CO2e", workload=WORKLOADS, time=HOURS
            ),
            market_hourly_by_workload=da(
                np.ones((3, 2)), ("workload", "time"), "kg CO2e", workload=WORKLOADS, time=HOURS
            ),
            market_annual_by_workload=da(np.ones(3), ("workload",), "kg CO2e", workload=WORKLOADS),
        )


def test_scheduled_meter_splits_its_interval_by_tenant_span() -> None:
    """Hall X turns to AI tenant "acme" at 00:07: its 00:00 reading splits 7/15 : 8/15."""
    site = tiny_site()
    data = site.model_dump(mode="json")
    data["meters"][3]["workload"][1]["tenant"] = "acme"
    data["meters"][2]["tenant"] = "beta"
    from carbon.site.load import site_from_dict

    site = site_from_dict(data)
    times = pd.date_range("2025-01-01", periods=2, freq="15min")
    meters = ["REV", "M", "A", "X", "COOL"]
    energy = da(
        [[100, 100], [20, 20], [30, np.nan], [15, 15], [5, 5]],
        ("meter", "time"),
        "kWh",
        meter=meters,
        time=times,
    )
    it = tenant_it_energy(site, energy, pd.Timedelta(minutes=15))
    acme = it.sel(tenant="acme").pint.to("kWh").pint.magnitude
    beta = it.sel(tenant="beta").pint.to("kWh").pint.magnitude
    np.testing.assert_allclose(acme, [8.0, 15.0])
    np.testing.assert_allclose(beta, [30.0, 0.0])  # a missing reading carries nothing


n_int = 8
workload_energy = st.floats(min_value=0.0, max_value=1e4, allow_nan=False, allow_infinity=False)


@settings(max_examples=30, deadline=None)
@given(
    tenant_it=arrays(np.float64, (3, n_int), elements=workload_energy),
    own_use=arrays(np.float64, (2, n_int), elements=workload_energy),
    overhead=arrays(np.float64, (3, n_int), elements=st.floats(0.0, 2.0)),
    intensity=arrays(np.float64, (n_int // 4,), elements=st.floats(0.0, 1.5)),
    market_h=arrays(np.float64, (3, n_int // 4), elements=workload_energy),
    market_a=arrays(np.float64, (3,), elements=workload_energy),
    owners=st.lists(st.sampled_from(["mining", "ai"]), min_size=3, max_size=3),
    k=st.floats(0.01, 100.0),
)
def test_tenants_and_remainder_add_up_to_site_totals(
    tenant_it, own_use, overhead, intensity, market_h, market_a, owners, k
) -> None:
    """Σ tenants + not_tenanted = site totals for energy, IT energy, LB and both MB bases;
    scaling every energy and emission by k scales every tenant figure by k.

    Tolerance: 1e-9 relative plus 1e-6 absolute (float round-off over a few dozen terms)."""
    times = pd.date_range("2025-01-01", periods=n_int, freq="15min")
    hours = pd.date_range("2025-01-01", periods=n_int // 4, freq="h")
    tenants = ["t1", "t2", "t3"]
    it = np.zeros((3, n_int))
    for i, w in enumerate(owners):
        it[WORKLOADS.index(w)] += tenant_it[i]
    it[:2] += own_use
    total = it * (1.0 + overhead)
    total[2] = overhead[2]  # 'other': energy in intervals without IT load
    hourly = total.reshape(3, n_int // 4, 4).sum(axis=2)

    def run(scale: float):
        return split_by_tenant(
            tenant_it=da(tenant_it * scale, ("tenant", "time"), "kWh", tenant=tenants, time=times),
            tenant_workload=dict(zip(tenants, owners, strict=True)),
            it_by_workload=da(
                it * scale, ("workload", "time"), "kWh", workload=WORKLOADS, time=times
            ),
            energy_by_workload=da(
                total * scale, ("workload", "time"), "kWh", workload=WORKLOADS, time=times
            ),
            interval=pd.Timedelta(minutes=15),
            factor_resolution=pd.Timedelta(hours=1),
            location_by_workload=da(
                hourly * intensity * scale,
                ("workload", "time"),
                "kg CO2e",
                workload=WORKLOADS,
                time=hours,
            ),
            market_hourly_by_workload=da(
                market_h * scale, ("workload", "time"), "kg CO2e", workload=WORKLOADS, time=hours
            ),
            market_annual_by_workload=da(
                market_a * scale, ("workload",), "kg CO2e", workload=WORKLOADS
            ),
        )

    split = run(1.0)
    rest = split.not_tenanted()
    for key in ("it_energy", "energy", "location", "market_annual", "market_hourly"):
        parts = float(getattr(split, key).sum().data.magnitude) + float(rest[key].magnitude)
        whole = float(split.site_totals[key].magnitude)
        assert abs(parts - whole) <= 1e-9 * abs(whole) + 1e-6, key
        assert float(rest[key].magnitude) >= -1e-6 * max(1.0, abs(whole)), key
    scaled = run(k)
    for key in ("energy", "location", "market_annual", "market_hourly"):
        a = getattr(split, key).data.magnitude * k
        b = getattr(scaled, key).data.magnitude
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-6)


def test_demo_tenants_reconcile_to_site_totals(demo_july) -> None:
    _, results = demo_july  # computed once for the session (tests/conftest.py)
    block = results["tenants"]
    assert set(block["by_tenant"]) == {"tenant-1", "tenant-2", "tenant-3"}
    assert block["by_tenant"]["tenant-2"]["meters"] == ["HALL-E1"]
    assert "pro rata to IT energy per interval" in block["method"]
    for key in (
        "it_energy_kwh",
        "energy_kwh",
        "scope2_location_kgco2e",
        "scope2_market_kgco2e",
        "scope2_market_hourly_matching_kgco2e",
    ):
        parts = sum(t[key] for t in block["by_tenant"].values()) + block["not_tenanted"][key]
        # the site's total: the operator's Scope 2 plus the tenant in Scope 3 cat. 13
        cat13 = results[key.replace("scope2_", "scope3_13_")]["total"] if "scope2" in key else 0
        assert parts == pytest.approx(results[key]["total"] + cat13, rel=1e-12)
    ai = sum(t["energy_kwh"] for t in block["by_tenant"].values())
    assert ai == pytest.approx(results["energy_kwh"]["ai"], rel=1e-12)  # all AI is tenanted


def test_demo_report_shows_the_tenants_table(demo_july) -> None:
    from carbon.report.context import build_context
    from carbon.report.render import render_html

    outcome, results = demo_july  # computed once for the session (tests/conftest.py)
    html = " ".join(render_html(build_context(results, outcome.power_by_workload)).split())
    assert "Colocation tenants" in html and "tenant-3" in html and "HALL-E2" in html
    assert "Not tenanted (own use)" in html
    assert "Timing effect of hourly factors" in html
    for name in ("REF <span", "ERF <span", "WUE <span", "CUE, market-based (hourly matching)"):
        assert name in html


def test_report_html_does_not_depend_on_key_order(demo_july) -> None:
    """results.json is written with sorted keys: the HTML rendered from the parsed file must
    equal the HTML rendered from the document in memory (carbon verify compares the hashes)."""
    import json

    from carbon.report.context import build_context
    from carbon.report.render import render_html
    from carbon.results.document import results_json_bytes

    outcome, results = demo_july  # computed once for the session (tests/conftest.py)
    parsed = json.loads(results_json_bytes(results))
    direct = render_html(build_context(results, outcome.power_by_workload))
    again = render_html(build_context(parsed, outcome.power_by_workload))
    assert direct == again
