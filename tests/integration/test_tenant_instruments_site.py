"""A site file whose instruments CSV designates a PPA to a colocation tenant reports, and the
PPA shows on that tenant's statement only (docs/market-based.md, "Tenant instruments")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from carbon.cli import app
from carbon.core.errors import InputDataError
from carbon.report.tenants import render_statement_html, tenant_figures
from carbon.site.instruments_csv import read_instruments_csv
from carbon.site.meters import WORKLOADS
from tests.integration.test_example_site import write_example

TENANT_METERS = """
[[meters]]
id = "HALL-C"
role = "it"
parent = "REV"
workload = "ai"
tenant = "tenant-2"

[reporting]
instruments = "instruments.csv"
"""
HEADER = (
    "instrument_id,kind,site_id,beneficiary,market_boundary,consumption_start,consumption_end,"
    "generator_id,technology,location,commissioning_date,generation_start,generation_end,"
    "volume,volume_unit,retirement_date,ppa_type,certificates_retained,designated_to"
)
PPA = (
    "ppa-t2,ppa,pecos,Pecos campus,ERCT,2023-11-01T00:00:00-05:00,2023-12-01T00:00:00-06:00,"
    'SOL-9,solar,"Pecos County, TX",2022-05-01,2023-11-01,2023-11-30,{mwh},MWh,2023-12-20,'
    "physical,true,{target}"
)


def write_site(folder: Path, target: str = "tenant-2", mwh: float = 1000.0) -> Path:
    """The documented example site with a third hall, HALL-C, leased to tenant-2: 15-minute
    readings of 1,000 kWh (carved out of HALL-B's so the revenue meter still reconciles)."""
    write_example(folder)
    site = folder / "site.toml"
    site.write_text(site.read_text(encoding="utf-8") + TENANT_METERS, encoding="utf-8")
    meters = (folder / "meters.csv").read_text(encoding="utf-8").splitlines()
    rows = [meters[0]]
    for line in meters[1:]:
        stamp, meter, value = line.split(",")
        if meter == "HALL-B":
            rows.append(f"{stamp},HALL-B,{float(value) - 1000.0:.3f}")
            rows.append(f"{stamp},HALL-C,1000.0")
        else:
            rows.append(line)
    (folder / "meters.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "instruments.csv").write_text(
        f"{HEADER}\n{PPA.format(mwh=mwh, target=target)}\n", encoding="utf-8"
    )
    return site


def test_a_tenant_designated_ppa_reports_on_its_tenants_statement(tmp_path: Path) -> None:
    """No residual mix is declared, so the uncovered load is priced at the grid average, whose
    annual rate is the load-weighted mean of the hourly one: Σ LB / Σ E. Without instruments
    every party's annual-matching figure is its energy times that rate; the PPA (no hourly
    profile, so annual basis only) takes 1,000 MWh off tenant-2 and nothing off anyone else."""
    site = write_site(tmp_path)
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--site",
            str(site),
            "--period",
            "2023-11",
            "--out",
            str(tmp_path / "r"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    tenants = results["tenants"]
    parts = [*tenants["by_tenant"].values(), tenants["not_tenanted"]]
    rate = sum(p["scope2_location_kgco2e"] for p in parts) / sum(p["energy_kwh"] for p in parts)
    two, one = tenants["by_tenant"]["tenant-2"], tenants["by_tenant"]["tenant-1"]
    assert two["instruments"] == ["ppa-t2"]
    assert "instruments" not in one
    assert two["scope2_market_kgco2e"] == pytest.approx((two["energy_kwh"] - 1e6) * rate, rel=1e-9)
    assert one["scope2_market_kgco2e"] == pytest.approx(one["energy_kwh"] * rate, rel=1e-9)
    rest = tenants["not_tenanted"]
    assert rest["scope2_market_kgco2e"] == pytest.approx(rest["energy_kwh"] * rate, rel=1e-9)
    # the hourly basis counts an unprofiled PPA as nothing: tenant-2's hourly figure is untouched
    assert two["scope2_market_hourly_matching_kgco2e"] == pytest.approx(
        two["scope2_location_kgco2e"], rel=1e-9
    )
    assert "designated to a tenant cover" in tenants["method"]
    assert tenant_figures(results, "tenant-2")["instruments"] == ["ppa-t2"]
    assert "ppa-t2" in render_statement_html(results, "tenant-2")
    assert "ppa-t2" not in render_statement_html(results, "tenant-1")
    assert (tmp_path / "r" / "pecos" / "2023-11" / "v1" / "tenants" / "tenant-2.pdf").exists()


def test_an_unknown_tenant_names_the_instrument_its_line_and_the_tenants(tmp_path: Path) -> None:
    write_site(tmp_path, target="tenant-9")
    with pytest.raises(InputDataError) as err:
        read_instruments_csv(
            tmp_path / "instruments.csv", workloads=WORKLOADS, tenants=["tenant-1", "tenant-2"]
        )
    message = str(err.value)
    assert "line 2, column designated_to" in message
    assert "'ppa-t2'" in message and "'tenant-9'" in message
    assert "known tenants: tenant-1, tenant-2" in message
    result = CliRunner().invoke(app, ["validate", "--site", str(tmp_path / "site.toml")])
    assert isinstance(result.exception, InputDataError)  # main() prints it as one line
    assert "known tenants: tenant-1, tenant-2" in str(result.exception)
