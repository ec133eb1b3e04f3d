"""Google CFE% from a site file: the Electricity Maps grid's carbon-free share, chained."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import carbon
from tests.integration.test_example_site import write_example

GRID = Path("grid") / "US-TEX-ERCO_2023_hourly.csv"


def _vary_share(folder: Path) -> None:
    """Give every hour its own Low Carbon Percentage (the 7th column), 20 % to 80 %."""
    path = folder / GRID
    lines = path.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for i, line in enumerate(lines[1:]):
        head, tail = line.split(",eia.gov,")
        fields = head.rsplit(",", 2)  # ..., LCA, low carbon, renewable
        share = 50.0 + 30.0 * np.sin(2 * np.pi * i / 17.0)
        out.append(f"{fields[0]},{share:.3f},{fields[2]},eia.gov,{tail}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _independent_cfe(folder: Path) -> float:
    """Σ c_h·L_h / Σ L_h over November 2023 (America/Chicago), read with plain pandas."""
    meters = pd.read_csv(folder / "meters.csv")
    rev = meters[meters["meter_id"] == "REV"]
    stamps = pd.to_datetime(rev["interval_start"], utc=True)
    load = rev["energy_kwh"].groupby(stamps.dt.floor("h").to_numpy()).sum()
    start = pd.Timestamp("2023-11-01", tz="America/Chicago").tz_convert("UTC")
    end = pd.Timestamp("2023-12-01", tz="America/Chicago").tz_convert("UTC")
    load = load[(load.index >= start) & (load.index < end)]
    grid = pd.read_csv(folder / GRID)
    hours = pd.to_datetime(grid["Datetime (UTC)"], utc=True)
    share = pd.Series(grid["Low Carbon Percentage"].to_numpy() / 100.0, index=hours)
    c = share.reindex(load.index).to_numpy()
    assert np.isfinite(c).all()
    return float((c * load.to_numpy()).sum() / load.sum())


def test_cfe_without_instruments_is_the_load_weighted_grid_share(tmp_path: Path) -> None:
    write_example(tmp_path)
    _vary_share(tmp_path)
    results = carbon.run(carbon.load_site(tmp_path / "site.toml"), "2023-11", baseline="none")
    doc = results.document
    assert doc["matching"]["cfe"] == pytest.approx(_independent_cfe(tmp_path), rel=1e-9)
    assert doc["market_based"]["metrics"]["cfe_share"] == doc["matching"]["cfe"]
    cfe = doc["grid_cfe"]
    assert cfe["available"] is True and cfe["not_available"] is None
    assert cfe["source"].endswith(f"({GRID.as_posix()})")
    assert cfe["sources"][0]["intervals"] == 30 * 24 + 1
    assert "Low Carbon" not in cfe["carbon_free_set"]  # the set in words, not a column


def test_hours_without_a_share_make_cfe_not_available(tmp_path: Path) -> None:
    write_example(tmp_path)
    path = tmp_path / GRID
    lines = path.read_text(encoding="utf-8").splitlines()
    blank = [
        i for i, line in enumerate(lines) if line.startswith(("2023-11-10 03", "2023-11-10 04"))
    ]
    for i in blank:
        lines[i] = lines[i].replace(",50.0,40.0,", ",,40.0,")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = carbon.run(carbon.load_site(tmp_path / "site.toml"), "2023-11", baseline="none").document
    assert doc["matching"]["cfe"] is None
    cfe = doc["grid_cfe"]
    assert cfe["available"] is False and cfe["missing_intervals"] == 2
    assert (
        "no grid carbon-free share for 2 of 721 intervals (first 2023-11-10T03:00:00Z)"
        in (cfe["not_available"])
    )
    assert doc["matching"]["hourly_match"] is not None  # the other metrics stay


SECOND = """
[[grid]]
source = "electricitymaps"
path = "grid/second.csv"
"""


def test_a_second_source_fills_the_hours_the_first_has_no_share_for(tmp_path: Path) -> None:
    write_example(tmp_path)
    _vary_share(tmp_path)
    first = tmp_path / GRID
    lines = first.read_text(encoding="utf-8").splitlines()
    holes = [i for i, line in enumerate(lines) if line.startswith("2023-11-10 0")]  # 10 hours
    second = [lines[0]] + [line.replace(",eia.gov,", ",second,") for line in lines[1:]]
    for i in holes:  # the first file keeps its intensity but loses its share; the second
        head, tail = lines[i].split(",eia.gov,")  # file gives 10 % in those hours
        fields = head.rsplit(",", 2)
        lines[i] = f"{fields[0]},,{fields[2]},eia.gov,{tail}"
        parts = second[i].rsplit(",", 5)  # ..., low carbon, renewable, source, estimated, method
        second[i] = ",".join([parts[0], "10.0", *parts[2:]])
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "grid" / "second.csv").write_text("\n".join(second) + "\n", encoding="utf-8")
    site = tmp_path / "site.toml"
    site.write_text(site.read_text(encoding="utf-8") + SECOND, encoding="utf-8")
    doc = carbon.run(carbon.load_site(site), "2023-11", baseline="none").document
    # Independently: the first file's share, 10 % in the ten hours it left empty.
    merged = pd.read_csv(first)
    shares = merged["Low Carbon Percentage"].fillna(10.0)
    merged["Low Carbon Percentage"] = shares
    merged.to_csv(tmp_path / "merged.csv", index=False)
    (tmp_path / GRID).rename(tmp_path / "grid" / "first.csv")
    (tmp_path / "merged.csv").rename(tmp_path / GRID)
    assert doc["matching"]["cfe"] == pytest.approx(_independent_cfe(tmp_path), rel=1e-9)
    first_src, second_src = doc["grid_cfe"]["sources"]
    assert (first_src["intervals"], second_src["intervals"]) == (721 - 10, 10)
    assert "(grid/second.csv) (10 intervals)" in doc["grid_cfe"]["source"]
