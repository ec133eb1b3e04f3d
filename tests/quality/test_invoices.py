"""Utility invoices against the revenue meter (carbon.quality.invoices, carbon.site.invoices)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from carbon.core.errors import ConfigError
from carbon.core.period import month
from carbon.ingest.meters_long import read_long_frame
from carbon.quality.align import build_cube
from carbon.quality.invoices import check_invoices
from carbon.site.load import load_site
from tests.conftest import long_frame, tiny_site

# REV reads 10 kWh every 15 minutes from 2025-01-01 00:00 UTC for four days: 960 kWh a day
N = 4 * 96
SITE_TOML = (
    'invoices = "bills.csv"\n[site]\nid = "t"\nname = "T"\ntimezone = "UTC"\n'
    'grid_region = "ERCT"\n[[meters]]\nid = "REV"\nrole = "revenue"\n'
    '[[meters]]\nid = "M"\nrole = "it"\nparent = "REV"\nworkload = "mining"\n'
)


def _cube(site, gaps: tuple[int, ...] = ()):
    rev = [np.nan if i in gaps else 10.0 for i in range(N)]
    values = {"REV": rev, **{m.id: [1.0] * N for m in site.meters if m.id != "REV"}}
    table = read_long_frame(long_frame(values), source="m.csv", sha256="0")
    return build_cube([table], [m.id for m in site.meters])


def _bill(start: str, end: str, energy: str, **more: str) -> dict:
    return {"start": start, "end": end, "energy": energy, **more}


@pytest.mark.parametrize(
    ("bill", "status", "difference"),
    [
        (_bill("2025-01-01", "2025-01-02", "960 kWh", id="ok"), "pass", 0.0),
        (_bill("2025-01-01", "2025-01-03", "1.9 MWh"), "pass", 20.0),  # +1.05 %, within 2 %
        (_bill("2025-01-02", "2025-01-03", "1000 kWh"), "breach", -40.0),  # -4 %
        (_bill("2025-01-03T06:00:00+00:00", "2025-01-04T00:00:00+00:00", "720 kWh"), "pass", 0.0),
        (_bill("2024-12-31", "2025-01-02", "1920 kWh"), "incomplete", None),  # before the data
    ],
)
def test_each_bill_passes_breaches_or_is_incomplete(bill, status, difference) -> None:
    site = tiny_site(invoices=[bill])
    cube = _cube(site)
    (got,) = check_invoices(cube.energy, site, cube.interval)
    assert got.status == status
    assert got.tolerance == pytest.approx(0.02)
    if difference is None:
        assert got.difference_kwh is None and "reading for" in got.note
    else:
        assert got.difference_kwh == pytest.approx(difference)
        assert got.intervals == got.intervals_metered


def test_a_gap_in_the_revenue_meter_leaves_the_bill_unreconciled() -> None:
    site = tiny_site(invoices=[_bill("2025-01-01", "2025-01-02", "960 kWh")])
    cube = _cube(site, gaps=(5,))
    (got,) = check_invoices(cube.energy, site, cube.interval)
    assert got.status == "incomplete"
    assert got.intervals_metered == 95 and got.metered_kwh == pytest.approx(950.0)
    assert got.note == "the revenue meter has a reading for 95 of the bill's 96 intervals"


def test_only_bills_overlapping_the_period_are_checked_and_the_tolerance_is_the_sites() -> None:
    site = tiny_site(
        invoices=[
            _bill("2024-11-15", "2024-12-15", "1 kWh"),
            _bill("2025-01-01", "2025-01-02", "1000 kWh"),  # -4 %: within 5 %
        ],
        quality={"invoice_tolerance_pct": 5.0},
    )
    cube = _cube(site)
    (got,) = check_invoices(cube.energy, site, cube.interval, month("2025-01", "UTC"))
    assert got.status == "pass" and got.difference == pytest.approx(-0.04)
    assert len(check_invoices(cube.energy, site, cube.interval)) == 2


def test_bills_from_a_csv_beside_the_site_file(tmp_path: Path) -> None:
    (tmp_path / "bills.csv").write_text(
        f"id,start,end,energy,sha256\nINV-1,2025-01-01,2025-01-02,960 kWh,{'ab' * 32}\n"
    )
    (tmp_path / "site.toml").write_text(SITE_TOML)
    site = load_site(tmp_path / "site.toml")
    (bill,) = site.invoices
    assert bill.id == "INV-1" and bill.source == "bills.csv:2" and bill.sha256 == "ab" * 32


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("id,start,end\nA,2025-01-01,2025-01-02\n", "line 1: missing column(s) energy"),
        ("start,end,energy,amount\n", "line 1: unknown column(s) 'amount'"),
        ("start,end,energy\n2025-01-01,2025-01-02,960\n", "line 2: energy: Value error"),
        ("start,end,energy\n2025-01-02,2025-01-01,960 kWh\n", "line 2: row: Value error, end"),
        ("start,end,energy\n2025-01-01,2025-01-02,960 kW\n", "not convertible to kWh"),
    ],
)
def test_a_bad_invoices_csv_names_file_and_line(tmp_path: Path, csv: str, message: str) -> None:
    (tmp_path / "bills.csv").write_text(csv)
    (tmp_path / "site.toml").write_text(SITE_TOML)
    with pytest.raises(ConfigError, match=r"bills\.csv") as caught:
        load_site(tmp_path / "site.toml")
    assert message in str(caught.value)
    assert caught.value.path is not None and caught.value.key == "invoices"
