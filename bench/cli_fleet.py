"""The bench fleet in the form carbon's CLI reads: site TOML files and a fleet TOML.

Written once next to the fleet's own files (cached with the fleet)::

    cli/fleet.toml              [fleet] name = "bench", one site file per site
    cli/<site>/site.toml        the site as :func:`bench.fleet.site_config` builds it
    cli/<site>/meters.parquet   the site's readings, the fleet's Parquet with ``ts`` named
                                ``interval_start`` (the long table's column; same encodings)
    cli/<site>/grid.csv         the region's hourly intensity, a ``source = "table"`` grid file

The site files hold the same meters, workloads, schedules and allocation keys as
:func:`bench.fleet.site_config` (the ``carbon`` path's model of the site), so
``carbon report --fleet cli/fleet.toml --period YYYY-MM`` reports what the ``carbon`` path
computes, plus every file a report writes.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from bench.fleet import Fleet

__all__ = ["CLI_VERSION", "cli_fleet", "period_label", "site_toml"]

#: bump when the written form changes (the cached copy is rewritten)
CLI_VERSION = "cli-1"


def period_label(fleet: Fleet) -> str:
    """``--period`` of the fleet's month."""
    return f"{fleet.spec.year}-{fleet.spec.month:02d}"


def _toml_string(text: str) -> str:
    return json.dumps(text)  # a TOML basic string is a JSON string for this text


def site_toml(fleet: Fleet, site_id: str) -> str:
    """The site file of `site_id` (meters read ``meters.parquet``, the grid ``grid.csv``)."""
    site = fleet.site(site_id)
    lines = [
        "[site]",
        f"id = {_toml_string(site.id)}",
        f"name = {_toml_string(f'Fleet site {site.id} ({site.region}, synthetic)')}",
        f"timezone = {_toml_string(site.timezone)}",
        f"grid_region = {_toml_string(site.region)}",
        "synthetic = true",
        "",
        "[quality]",
        "reconciliation_tolerance = 0.03",
        "",
        "[[grid]]",
        'source = "table"',
        'path = "grid.csv"',
        'basis = "direct"',
        f"region = {_toml_string(site.region)}",
    ]
    for row in fleet.site_meters(site_id).itertuples(index=False):  # loops over meters
        lines += ["", "[[meters]]", f"id = {_toml_string(row.meter_id)}", f'role = "{row.role}"']
        if row.role == "revenue":
            lines += ['file = "meters.parquet"', 'format = "parquet"']
        else:
            lines.append('parent = "m000"')
        if row.role == "it":
            if row.workload == "mining>ai":
                lines.append(
                    f'workload = [ {{ until = "{row.switch_at}", workload = "mining" }}, '
                    '{ workload = "ai" } ]'
                )
            else:
                lines.append(f'workload = "{row.workload}"')
        if row.role == "shared":
            lines.append(f'allocation = "{row.allocation}"')
            if row.dedicated_to:
                lines.append(f'dedicated_to = "{row.dedicated_to}"')
    return "\n".join(lines) + "\n"


def _grid_csv(fleet: Fleet, region: str) -> str:
    frame = pd.read_parquet(fleet.intensity_path(region))
    stamps = frame["interval_start"].dt.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    values = frame["intensity_gco2e_per_kwh"].map(repr)
    return "interval_start,intensity_gco2e_per_kwh\n" + "".join(
        f"{s},{v}\n" for s, v in zip(stamps, values, strict=True)
    )  # one line per hour of the month: configuration-sized, not readings


def _write_meters(source: Path, target: Path) -> None:
    """The site's Parquet with ``ts`` renamed ``interval_start``, row group by row group."""
    reader = pq.ParquetFile(source)
    names = ["interval_start" if n == "ts" else n for n in reader.schema_arrow.names]
    schema = reader.schema_arrow.empty_table().rename_columns(names).schema
    with pq.ParquetWriter(
        target,
        schema,
        compression="zstd",
        use_dictionary=["meter_id"],
        column_encoding={
            "interval_start": "DELTA_BINARY_PACKED",
            "energy_kwh": "BYTE_STREAM_SPLIT",
        },
    ) as writer:
        for i in range(reader.num_row_groups):
            writer.write_table(reader.read_row_group(i).rename_columns(names))


def cli_fleet(fleet: Fleet) -> Path:
    """The fleet TOML of `fleet` (its CLI form written under ``ROOT/cli`` when missing)."""
    root = fleet.root / "cli"
    fleet_toml = root / "fleet.toml"
    stamp = root / "version"
    if fleet_toml.is_file() and stamp.is_file() and stamp.read_text() == CLI_VERSION:
        return fleet_toml
    tmp = fleet.root / f".cli.{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    grids = {region: _grid_csv(fleet, region) for region in fleet.regions()}
    for site in fleet.sites:  # loops over sites
        folder = tmp / site.id
        folder.mkdir()
        (folder / "site.toml").write_text(site_toml(fleet, site.id), encoding="utf-8")
        (folder / "grid.csv").write_text(grids[site.region], encoding="utf-8")
        _write_meters(fleet.site_path(site.id), folder / "meters.parquet")
    sites = ", ".join(_toml_string(f"{s.id}/site.toml") for s in fleet.sites)
    (tmp / "fleet.toml").write_text(
        f'[fleet]\nname = "bench"\nsites = [{sites}]\n', encoding="utf-8"
    )
    (tmp / "version").write_text(CLI_VERSION)
    if root.exists():
        shutil.rmtree(root)
    tmp.rename(root)
    return fleet_toml
