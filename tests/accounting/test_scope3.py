"""Scope 3 category 3 (METHODOLOGY 1.6): T&D losses 3(c) and upstream 3(b)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from carbon.accounting.scope3 import (
    loss_ratio,
    td_losses,
    td_losses_egrid,
    upstream_of_purchased_electricity,
)
from carbon.core.errors import InputDataError, UnitError
from carbon.core.units import Q_
from carbon.factors.egrid import egrid_co2e_rate, egrid_grid_gross_loss

RTOL = 1e-9


def mag(q, unit):
    return float(q.to(unit).magnitude)


def series(values, unit):
    time = pd.date_range("2025-07-01", periods=len(values), freq="h")
    return xr.DataArray(
        np.array(values, float), dims=("time",), coords={"time": time}
    ).pint.quantify(unit)


def test_loss_ratio_erct_2023rev2():
    lam = egrid_grid_gross_loss("ERCT", "egrid2023rev2")
    assert mag(lam, "dimensionless") == 0.042
    assert mag(loss_ratio(lam), "dimensionless") == pytest.approx(0.042 / 0.958, rel=RTOL)


@pytest.mark.parametrize("lam", [0.0, 0.05, 0.5, 0.9])
def test_loss_ratio_is_loss_per_unit_consumed(lam):
    r = mag(loss_ratio(lam), "dimensionless")
    # Supply S, losses λS, consumption (1−λ)S: losses / consumption = r.
    assert r * (1 - lam) == pytest.approx(lam, rel=RTOL, abs=1e-15)


@pytest.mark.parametrize("bad", [1.0, -0.1, 4.2, Q_(0.042, "kWh")])
def test_loss_ratio_refuses_bad_fractions(bad):
    with pytest.raises((InputDataError, UnitError)):
        loss_ratio(bad)


def test_loss_ratio_accepts_percent_quantity():
    assert mag(loss_ratio(Q_(4.2, "percent")), "") == pytest.approx(0.042 / 0.958, rel=RTOL)


def test_td_losses_egrid_erct_by_hand():
    # A = 1,000 MWh; EF = eGRID2023rev2 ERCT CO2e rate, recomputed under AR6; r = 0.042/0.958.
    result = td_losses_egrid(Q_(1000, "MWh"), "ERCT", "egrid2023rev2", gwp_set="AR6")
    rate, recomputed = egrid_co2e_rate("ERCT", "egrid2023rev2", "AR6")
    assert recomputed
    # Per-gas ERCT rates: 733.862 lb CO2 + 0.043 lb CH4 × 29.8 + 0.006 lb N2O × 273 per MWh.
    lb_per_mwh = 733.862 + 0.043 * 29.8 + 0.006 * 273
    assert mag(rate, "lb CO2e/MWh") == pytest.approx(lb_per_mwh, rel=RTOL)
    expected_kg = 1000 * (0.042 / 0.958) * lb_per_mwh * 0.45359237
    assert mag(result.emissions, "kg CO2e") == pytest.approx(expected_kg, rel=RTOL)
    assert mag(result.lost_energy, "MWh") == pytest.approx(1000 * 0.042 / 0.958, rel=RTOL)
    assert mag(result.purchased_energy, "MWh") == pytest.approx(1000, rel=RTOL)
    assert result.factor_role == "location-based"
    assert result.factor_basis == "generation"
    assert "not Scope 2" in result.label and "3(c)" in result.label
    assert "egrid2023rev2" in result.source and "GGRSLOSS" in result.source
    assert any("FAQ" in n and "verify" in n for n in result.notes)
    assert any("recomputed" in n for n in result.notes)


def test_td_losses_egrid_published_rate_under_its_own_set():
    result = td_losses_egrid(Q_(1, "MWh"), "ERCT", "egrid2023rev2", gwp_set="AR5")
    expected = 736.629 * 0.45359237 * 0.042 / 0.958
    assert mag(result.emissions, "kg CO2e") == pytest.approx(expected, rel=RTOL)
    assert "SRC2ERTA" in result.source


def test_td_losses_series_multiply_interval_by_interval():
    energy = series([100, 200, 300], "kWh")
    factor = series([400, 300, 100], "g CO2e/kWh")
    result = td_losses(energy, factor, 0.05, factor_basis="generation")
    expected_g = (100 * 400 + 200 * 300 + 300 * 100) * 0.05 / 0.95
    assert mag(result.emissions, "g CO2e") == pytest.approx(expected_g, rel=RTOL)


def test_td_losses_refuse_misaligned_series():
    energy = series([100, 200], "kWh")
    factor = series([400, 300], "g CO2e/kWh").assign_coords(
        time=pd.date_range("2025-07-02", periods=2, freq="h")
    )
    with pytest.raises(InputDataError, match="same intervals"):
        td_losses(energy, factor, 0.05, factor_basis="generation")


def test_td_losses_need_a_declared_basis_and_known_role():
    with pytest.raises(InputDataError, match="declare"):
        td_losses(Q_(1, "kWh"), Q_(1, "kg CO2e/kWh"), 0.05, factor_basis="direct")
    with pytest.raises(InputDataError, match="valid choices"):
        td_losses(
            Q_(1, "kWh"),
            Q_(1, "kg CO2e/kWh"),
            0.05,
            factor_basis="generation",
            factor_role="residual",
        )


def test_td_losses_market_based_is_labelled():
    result = td_losses(
        Q_(1, "MWh"),
        Q_(0, "kg CO2e/MWh"),
        0.05,
        factor_basis="generation",
        factor_role="market-based",
    )
    assert "MB" in result.label
    assert any("default is location-based" in n for n in result.notes)
    assert mag(result.emissions, "kg CO2e") == 0.0


def test_td_losses_refuse_co2_only_factor():
    with pytest.raises(UnitError, match="kg CO2e"):
        td_losses(Q_(1, "MWh"), Q_(400, "kg CO2/MWh"), 0.05, factor_basis="generation")


def test_upstream_is_lifecycle_minus_direct():
    energy = series([100, 200], "kWh")
    lc = series([500, 300], "g CO2e/kWh")
    direct = series([420, 250], "g CO2e/kWh")
    out = upstream_of_purchased_electricity(energy, lc, direct)
    assert mag(out.emissions, "g CO2e") == pytest.approx(100 * 80 + 200 * 50, rel=RTOL)
    assert mag(out.lifecycle_emissions, "g CO2e") == pytest.approx(110_000, rel=RTOL)
    assert mag(out.direct_emissions, "g CO2e") == pytest.approx(92_000, rel=RTOL)
    assert "3(b)" in out.label


def test_upstream_scalar_factors():
    out = upstream_of_purchased_electricity(
        Q_(1, "MWh"), Q_(0.5, "kg CO2e/kWh"), Q_(420, "g CO2e/kWh")
    )
    assert mag(out.emissions, "kg CO2e") == pytest.approx(80.0, rel=RTOL)


def test_upstream_refuses_inconsistent_pairs():
    with pytest.raises(InputDataError, match="below the direct"):
        upstream_of_purchased_electricity(
            series([1, 1], "kWh"),
            series([400, 300], "g CO2e/kWh"),
            series([420, 250], "g CO2e/kWh"),
        )
    shifted = series([420, 250], "g CO2e/kWh").assign_coords(
        time=pd.date_range("2025-08-01", periods=2, freq="h")
    )
    with pytest.raises(InputDataError, match="same intervals"):
        upstream_of_purchased_electricity(
            series([1, 1], "kWh"), series([500, 300], "g CO2e/kWh"), shifted
        )
