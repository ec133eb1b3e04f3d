import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.core.flags import Flag
from carbon.core.units import ureg
from carbon.quality.impute import impute
from carbon.quality.reconcile import reconcile
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site

Q = pd.Timedelta("15min")


def cube(rows: dict[str, list[float]]) -> tuple[xr.DataArray, xr.DataArray]:
    n = len(next(iter(rows.values())))
    time = pd.date_range("2025-01-01", periods=n, freq="15min")
    values = np.array(list(rows.values()), dtype=float)
    energy = xr.DataArray(
        values, dims=("meter", "time"), coords={"meter": list(rows), "time": time}
    ).pint.quantify("kWh", unit_registry=ureg)
    flags = xr.DataArray(
        np.where(np.isnan(values), int(Flag.GAP), int(Flag.MEASURED)).astype(np.int8),
        dims=("meter", "time"),
        coords={"meter": list(rows), "time": time},
    )
    return energy, flags


def test_linear_fills_short_interior_gaps_only() -> None:
    nan = np.nan
    energy, flags = cube(
        {
            "A": [1.0, nan, 3.0, nan, nan, nan, nan, nan, 9.0],
            "B": [nan, 2.0, 2.0, 2.0, nan, nan, 8.0, 8.0, nan],
        }
    )
    got = impute(energy, flags, method="linear", interval=Q, max_gap=pd.Timedelta("45min"))
    a = np.asarray(got.energy.sel(meter="A").pint.magnitude)
    assert a[1] == pytest.approx(2.0)  # one missing interval, filled on the line
    assert np.isnan(a[3:8]).all()  # five missing intervals > 45 min: left missing
    b = np.asarray(got.energy.sel(meter="B").pint.magnitude)
    assert np.isnan(b[0]) and np.isnan(b[-1])  # edges are never extrapolated
    assert b[4:6] == pytest.approx([4.0, 6.0])
    assert got.flags.sel(meter="B").values.tolist()[4:6] == [Flag.IMPUTED_LINEAR] * 2
    assert got.imputed_intervals == {"A": 1, "B": 2}
    assert got.imputed_kwh["B"] == pytest.approx(10.0)


def test_none_changes_nothing() -> None:
    energy, flags = cube({"A": [1.0, np.nan, 3.0]})
    got = impute(energy, flags, method="none", interval=Q, max_gap=pd.Timedelta("1h"))
    assert np.isnan(np.asarray(got.energy.pint.magnitude)[0, 1])
    with pytest.raises(ValueError, match="unknown imputation method"):
        impute(energy, flags, method="spline", interval=Q, max_gap=pd.Timedelta("1h"))


def test_reconciliation_shows_residual_and_breaches() -> None:
    site = tiny_site()
    energy, _ = cube(
        {
            "REV": [100.0, 100.0, 100.0, 0.0],
            "M": [50.0, 50.0, 60.0, 0.0],
            "A": [20.0, 20.0, 20.0, 1.0],
            "X": [20.0, 20.0, 20.0, 0.0],
            "COOL": [9.0, np.nan, 5.0, 0.0],
        }
    )
    (rec,) = reconcile(energy, site, tolerance=0.02)
    assert rec.parent == "REV" and rec.children == ("M", "A", "X", "COOL")
    assert rec.intervals_compared == 3  # the interval with COOL missing is not compared
    assert rec.residual_kwh == pytest.approx(1.0 - 5.0 - 1.0)
    assert rec.breaches == 2  # children exceed the parent by 5 %; parent zero with a child > 0
    assert [b.interval_start for b in rec.worst] == [
        "2025-01-01T00:30:00+00:00",
        "2025-01-01T00:45:00+00:00",
    ]
    (rec,) = reconcile(energy, site, tolerance=0.10)
    assert rec.breaches == 1


def test_nested_meters_are_reconciled_per_parent() -> None:
    data = tiny_site().model_dump(mode="json")
    data["meters"].append({"id": "PDU", "role": "it", "parent": "A", "workload": "ai"})
    site = site_from_dict(data)
    energy, _ = cube(
        {"REV": [100.0], "M": [50.0], "A": [20.0], "X": [20.0], "COOL": [9.0], "PDU": [19.0]}
    )
    recs = {r.parent: r for r in reconcile(energy, site, tolerance=0.02)}
    assert set(recs) == {"REV", "A"}
    assert recs["A"].residual_share == pytest.approx(0.05)
    assert recs["A"].breaches == 1
