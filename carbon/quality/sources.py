"""Read a site's declared inputs: every meter file once, then the grid source.

This is orchestration only: it picks the importer named by each meter's
``format`` (or its file's extension), maps the ids used inside a file to the
site's meter ids, and hands the tables to :func:`carbon.quality.align.build_cube`; a site
whose meters all read one Parquet file gets the same cube straight from the file
(:mod:`carbon.quality.parquet_cube`). The reading itself lives in the ``carbon.ingest``
modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord, MeterTable
from carbon.ingest.grid_table import GridIntensity, grid_from_table
from carbon.quality.align import MeterCube, build_cube
from carbon.site.config import FORMAT_BY_SUFFIX, GridSource, Meter, SiteConfig

# format -> (module, function, how it is called)
_METER_READERS: dict[str, tuple[str, str]] = {
    "long-csv": ("carbon.ingest.meters_csv", "read_meters_csv"),
    "parquet": ("carbon.ingest.meters_csv", "read_meters_parquet"),
    "wide-csv": ("carbon.ingest.meters_csv", "read_wide_csv"),
    "register-csv": ("carbon.ingest.meters_csv", "read_register_csv"),
    "utility-csv": ("carbon.ingest.utility_csv", "read_utility_csv"),
    "green-button": ("carbon.ingest.green_button", "read_green_button"),
    "dcgm": ("carbon.ingest.dcgm", "read_dcgm_scrapes"),
    "miner": ("carbon.ingest.miner", "read_miner_polls"),
}

_GRID_READERS: dict[str, tuple[str, str]] = {
    "electricitymaps": ("carbon.ingest.grid_electricitymaps", "read_electricitymaps_csv"),
    "eia930": ("carbon.ingest.grid_eia930", "read_eia930_balance"),
    "gridemissions": ("carbon.ingest.grid_gridemissions", "read_gridemissions_co2i"),
    "watttime": ("carbon.ingest.grid_watttime", "read_watttime"),
    "neso": ("carbon.ingest.grid_neso", "read_neso"),
    "entsoe": ("carbon.ingest.grid_entsoe", "read_entsoe_generation"),
}


@dataclass(frozen=True)
class SiteInputs:
    """Everything read for a site, ready for the pipeline."""

    cube: MeterCube
    grid: GridIntensity
    labels: dict[str, dict[str, str]]
    instruments: tuple = ()
    more_grids: tuple = ()  # the further [[grid]] sources, chained after `grid`


def _reader(table: dict[str, tuple[str, str]], key: str) -> Callable:
    module, name = table[key]
    return getattr(importlib.import_module(module), name)


def _resolve(base: Path, relative: str, what: str) -> Path:
    path = (base / relative).resolve()
    if not path.exists():
        raise ConfigError(f"{what}: file {relative!r} not found (looked for {path})")
    return path


def meter_format(meter: Meter, file: str) -> str:
    """The declared format, else the one implied by the file's extension."""
    if meter.format is not None:
        return meter.format
    suffix = Path(file).suffix.lower()
    if suffix not in FORMAT_BY_SUFFIX:
        raise ConfigError(
            f"meter {meter.id!r}: cannot tell the format of {file!r} from its extension; "
            f"set 'format' to one of: {', '.join(_METER_READERS)}"
        )
    return FORMAT_BY_SUFFIX[suffix]


def _shown(record: InputRecord, base: Path) -> InputRecord:
    """The record with its path relative to the site file's folder, where it lies below it."""
    try:
        path = Path(record.path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return record
    return replace(record, path=path)


def _read_group(
    path: Path, fmt: str, meters: list[Meter], site: SiteConfig, base: Path
) -> list[MeterTable]:
    """Read one file for the meters that draw on it; map in-file ids to meter ids."""
    read = _reader(_METER_READERS, fmt)
    first = meters[0]
    if fmt in ("long-csv", "parquet", "wide-csv", "register-csv"):
        kwargs = {k: v for k, v in (("unit", first.unit), ("value_column", first.column)) if v}
        tables = [read(path, **kwargs)]
    elif fmt == "utility-csv":
        base_id = (first.source_id or first.id).split(":")[0]
        tables = [read(path, timezone=site.site.timezone, meter_id=base_id)]
    elif fmt == "green-button":
        tables = [read(path, meter_id=(first.source_id or first.id).split(":")[0])]
    elif fmt == "dcgm":
        tables = [read(path)]
    else:  # miner: one file per meter
        tables = [
            read(path, meter_id=m.source_id or m.id, nameplate_j_per_th=m.nameplate_j_per_th).energy
            for m in meters
        ]
    wanted = {(m.source_id or m.id): m.id for m in meters}
    mapped = []
    for table in tables:  # loop over tables of one file
        ids = table.frame["meter_id"].astype(str)
        unknown = ~ids.isin(list(wanted))
        if unknown.any():
            row = table.frame.loc[unknown].iloc[0]
            raise InputDataError(
                f"{table.record.path}: line {int(row['line'])}: "
                f"meter id {row['meter_id']!r} is not declared for this file "
                f"(declared: {', '.join(sorted(wanted))}); "
                "add a [[meters]] entry (with 'source_id' if the ids differ)"
            )
        frame = table.frame.assign(meter_id=ids.map(wanted).to_numpy())
        mapped.append(
            MeterTable(
                frame=frame,
                unit=table.unit,
                interval=table.interval,
                record=_shown(table.record, base),
                labels={wanted.get(k, k): v for k, v in table.labels.items()},
            )
        )
    return mapped


def _flag_above_rated(tables: list[MeterTable], site: SiteConfig) -> list[MeterTable]:
    """Flag readings above a meter's rated capacity (kept as read)."""
    from carbon.core.units import ureg

    rated = {m.id: m.rated_kw for m in site.meters if m.rated_kw is not None}
    if not rated:
        return tables
    out = []
    for table in tables:
        frame = table.frame.copy()
        limit = frame["meter_id"].map(rated)
        if limit.notna().any():
            step = table.interval
            if step is None:
                starts = frame.sort_values(["meter_id", "interval_start"])
                step = starts.groupby("meter_id")["interval_start"].diff().median()
            to_kwh = float(ureg.Quantity(1.0, table.unit).to("kWh").magnitude)
            hours = pd.Timedelta(step) / pd.Timedelta(hours=1)
            above = (frame["value"] * to_kwh > limit * hours) & frame["flag"].eq(int(Flag.MEASURED))
            frame.loc[above.to_numpy(), "flag"] = np.int8(Flag.ABOVE_RATED)
        out.append(MeterTable(frame, table.unit, table.interval, table.record, dict(table.labels)))
    return out


def _parquet_cube(
    site: SiteConfig, base: Path, groups: dict[tuple[str, str], list[Meter]]
) -> MeterCube | None:
    """The cube straight from Parquet when every meter reads one Parquet file, else None.

    Same cube as the tables below give (:mod:`carbon.quality.parquet_cube`); None, and so the
    tables, for several files or anything but the clean case.
    """
    if len(groups) != 1:
        return None
    (file, fmt), meters = next(iter(groups.items()))
    if fmt != "parquet":
        return None
    from carbon.quality.parquet_cube import meters_parquet_cube

    first = meters[0]
    cube = meters_parquet_cube(
        _resolve(base, file, f"meter {first.id!r}"),
        [m.id for m in site.meters],
        {(m.source_id or m.id): m.id for m in meters},
        value_column=first.column or None,
        unit=first.unit or None,
        rated_kw={m.id: m.rated_kw for m in site.meters if m.rated_kw is not None},
    )
    if cube is None:
        return None
    return replace(cube, records=tuple(_shown(r, base) for r in cube.records))


def read_meters(site: SiteConfig, base: Path) -> tuple[MeterCube, dict[str, dict[str, str]]]:
    """Read every meter file of `site` (paths relative to `base`) into one cube."""
    groups: dict[tuple[str, str], list[Meter]] = {}
    for meter in site.meters:  # loop over configuration
        file = site.meter_file(meter)
        if file is None:
            raise ConfigError(
                f"meter {meter.id!r} has no 'file' and no ancestor with one; "
                "set 'file' on it or on its parent"
            )
        groups.setdefault((file, meter_format(meter, file)), []).append(meter)
    direct = _parquet_cube(site, base, groups)
    if direct is not None:
        return direct, {}
    tables: list[MeterTable] = []
    for (file, fmt), meters in sorted(groups.items()):
        path = _resolve(base, file, f"meter {meters[0].id!r}")
        tables.extend(_read_group(path, fmt, meters, site, base))
    tables = _flag_above_rated(tables, site)
    labels: dict[str, dict[str, str]] = {}
    for table in tables:
        labels.update(table.labels)
    return build_cube(tables, [m.id for m in site.meters]), labels


def read_grid(site: SiteConfig, base: Path) -> GridIntensity:
    """Read the site's first (most specific) grid source and make it a Scope 2 series.

    Further sources are read by :func:`read_more_grids` and chained after it.
    """
    if not site.grid:
        raise ConfigError(
            "the site declares no [[grid]] source; hourly location-based Scope 2 needs one "
            "(electricitymaps, eia930, gridemissions, neso, entsoe)"
        )
    return _read_source(site.grid[0], base)


def read_more_grids(site: SiteConfig, base: Path) -> tuple[GridIntensity, ...]:
    """The site's further grid sources (after the first), in the site file's order."""
    return tuple(_read_source(source, base) for source in site.grid[1:])


def _read_source(source: GridSource, base: Path) -> GridIntensity:
    """Read one grid source and make it a Scope 2 series."""
    if source.source not in _GRID_READERS:
        raise ConfigError(
            f"grid source {source.source!r} cannot supply an hourly intensity series yet; "
            f"use one of: {', '.join(_GRID_READERS)}"
        )
    path = _resolve(base, source.path, f"grid source {source.source!r}")
    read = _reader(_GRID_READERS, source.source)
    if source.source == "electricitymaps":
        table: GridTable = read(path, basis=source.basis)
    elif source.source in ("eia930", "gridemissions"):
        if not source.region:
            raise ConfigError(f"grid source {source.source!r} needs 'region' (the BA code)")
        table = read(path, ba=source.region)
    elif source.source == "entsoe":
        from carbon.ingest.grid_entsoe import entsoe_intensity

        table = entsoe_intensity(read(path))
    else:
        table = read(path)
    return grid_from_table(replace(table, record=_shown(table.record, base)))


def read_site(site: SiteConfig, base: Path) -> SiteInputs:
    """Read all inputs of `site`; relative paths are resolved against `base`."""
    cube, labels = read_meters(site, base)
    instruments: tuple = ()
    if site.reporting.instruments:
        from carbon.site.instruments_csv import read_instruments_csv

        path = _resolve(base, site.reporting.instruments, "[reporting] instruments")
        instruments = tuple(read_instruments_csv(path))
    return SiteInputs(
        cube=cube,
        grid=read_grid(site, base),
        labels=labels,
        instruments=instruments,
        more_grids=read_more_grids(site, base),
    )
