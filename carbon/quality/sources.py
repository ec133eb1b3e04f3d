"""Read a site's declared inputs: every meter file once, then the grid source.

This is orchestration only: it picks the importer named by each meter's
``format`` (or its file's extension) and each grid source from the one list of importers
(:mod:`carbon.ingest.registry`), maps the ids used inside a file to the
site's meter ids, and hands the tables to :func:`carbon.quality.align.build_cube`; a site
whose meters all read one Parquet file gets the same cube straight from the file
(:mod:`carbon.quality.parquet_cube`). The reading itself lives in the ``carbon.ingest``
modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable
from carbon.core.units import ureg
from carbon.ingest.factor_table import SiteFactorTables, read_factor_table
from carbon.ingest.grid_table import GridIntensity, grid_from_table
from carbon.ingest.miner import MinerTelemetry, read_miner_polls
from carbon.ingest.registry import (
    FileMeter,
    grid_importer,
    grid_source_ids,
    meter_format_for,
    meter_format_ids,
    meter_importer,
)
from carbon.ingest.stamps import unsettled_fold
from carbon.quality import parquet_cube
from carbon.quality.align import build_cube
from carbon.quality.apportion import Spans, apportion_spans, tables_on_grid
from carbon.quality.cube_model import MeterCube, SetAside
from carbon.quality.split_points import split_points
from carbon.site.instruments_csv import read_instruments_csv
from carbon.site.meters import WORKLOADS, Meter
from carbon.site.model import SiteConfig
from carbon.site.paths import resolve_input


@dataclass(frozen=True)
class SiteInputs:
    """Everything read for a site, ready for the pipeline."""

    cube: MeterCube
    grid: GridIntensity
    labels: dict[str, dict[str, str]]
    instruments: tuple = ()
    more_grids: tuple = ()  # the further [[grid]] sources, chained after `grid`
    hashes: xr.DataArray | None = None  # (meter, time) [TH] of the miner meters (read_hashes)
    factor_tables: SiteFactorTables = field(default_factory=SiteFactorTables)  # [factors], read


def _resolve(
    site: SiteConfig,
    base: Path,
    relative: str,
    what: str,
    *,
    key: str | None = None,
    meter: str | None = None,
    folder_ok: bool = False,
) -> Path:
    """An input path of `site`, resolved and checked (:func:`carbon.site.paths.resolve_input`)."""
    return resolve_input(
        base,
        relative,
        what=what,
        key=key,
        meter=meter,
        allow_outside=getattr(site, "allow_paths_outside", False),
        folder_ok=folder_ok,
    )


def meter_format(meter: Meter, file: str, declared: str | None = None) -> str:
    """The declared format (`declared`: the meter's own, or the one it inherits with its
    file, :meth:`SiteConfig.meter_format`), else the one implied by the file's extension."""
    if declared is not None:
        return declared
    if meter.format is not None:
        return meter.format
    claimed = meter_format_for(file)
    if claimed is None:
        raise ConfigError(
            f"meter {meter.id!r}: cannot tell the format of {file!r} from its extension; "
            f"set 'format' to one of: {', '.join(meter_format_ids())}",
            meter=meter.id,
            reason="unknown-format",
        )
    return claimed


def _shown(record: InputRecord, base: Path) -> InputRecord:
    """The record with its path relative to the site file's folder, where it lies below it."""
    try:
        path = Path(record.path).resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return record
    return replace(record, path=path)


def _read_group(
    path: Path, fmt: str, meters: list[Meter], site: SiteConfig, base: Path, strict: bool = False
) -> tuple[list[MeterTable], list[SetAside]]:
    """Read one file for the meters that draw on it; map in-file ids to meter ids.

    The rows of meters the site does not declare for the file are set aside and counted
    (refused with `strict`); naive stamps of the repeated fall-back hour that the file order
    cannot place are counted too (:func:`carbon.ingest.stamps.unsettled_fold`)."""
    in_file = [
        FileMeter(
            id=m.source_id or m.id,
            unit=m.unit,
            column=m.column,
            nameplate_j_per_th=m.nameplate_j_per_th,
            timezone=site.meter_timezone(m),
            rollover=m.rollover,
        )
        for m in meters
    ]
    tables = meter_importer(fmt).read(path, meters=in_file, timezone=site.site.timezone)
    wanted = {(m.source_id or m.id): m.id for m in meters}
    zone = next((z for m in meters if (z := site.meter_timezone(m)) is not None), None)
    mapped, set_aside = [], []
    for table in tables:  # loop over tables of one file
        ids = table.frame["meter_id"].astype(str)
        unknown = ~ids.isin(list(wanted))
        if unknown.any():
            row = table.frame.loc[unknown].iloc[0]
            if strict:
                raise InputDataError(
                    f"{table.record.path}: line {int(row['line'])}: "
                    f"meter id {row['meter_id']!r} is not declared for this file "
                    f"(declared: {', '.join(sorted(wanted))}); "
                    "add a [[meters]] entry (with 'source_id' if the ids differ), or leave "
                    "out --strict to ignore the undeclared meters' rows (counted)",
                    path=table.record.path,
                    line=int(row["line"]),
                    meter=str(row["meter_id"]),
                    reason="undeclared-meter",
                )
            set_aside.extend(_counted(table, unknown, base, "undeclared-meter"))
            table = replace(table, frame=table.frame.loc[~unknown])
            ids = ids[~unknown]
        if zone is not None:
            unsettled = unsettled_fold(
                pd.DatetimeIndex(table.frame["interval_start"]), ids.to_numpy(), zone
            )
            set_aside.extend(_counted(table, pd.Series(unsettled), base, "ambiguous-local-time"))
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
    return mapped, set_aside


def _counted(table: MeterTable, rows: pd.Series, base: Path, reason: str) -> list[SetAside]:
    """The rows of `table` marked in `rows`, counted per meter id (as the file writes it)."""
    marked = table.frame.loc[rows.to_numpy()]
    if marked.empty:
        return []
    path = _shown(table.record, base).path
    per_meter = marked.groupby(marked["meter_id"].astype(str), sort=True)["line"].agg(
        ["size", "min"]
    )
    return [
        SetAside(path, str(meter), int(n), int(line), reason)
        for meter, (n, line) in per_meter.iterrows()  # loop over meters
    ]


def flag_above_rated(tables: list[MeterTable], site: SiteConfig) -> list[MeterTable]:
    """Flag readings above a meter's rated capacity (kept as read)."""
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
    first = meters[0]
    cube = parquet_cube.meters_parquet_cube(
        _meter_path(site, base, file, fmt),
        [m.id for m in site.meters],
        {(m.source_id or m.id): m.id for m in meters},
        value_column=first.column or None,
        unit=first.unit or None,
        rated_kw={m.id: m.rated_kw for m in site.meters if m.rated_kw is not None},
    )
    if cube is None:
        return None
    return replace(cube, records=tuple(_shown(r, base) for r in cube.records))


def _meter_path(site: SiteConfig, base: Path, file: str, fmt: str) -> Path:
    """The checked path of a meter file; the error names the meter that declares it."""
    index, owner = next((i, m) for i, m in enumerate(site.meters) if m.file == file)
    return _resolve(
        site,
        base,
        file,
        f"meter {owner.id!r}",
        key=f"meters[{index}].file",
        meter=owner.id,
        folder_ok=fmt == "dcgm",
    )


def read_meters(
    site: SiteConfig, base: Path, *, strict: bool = False
) -> tuple[MeterCube, dict[str, dict[str, str]]]:
    """Read every meter file of `site` (paths relative to `base`) into one cube; rows set
    aside are counted in ``cube.set_aside`` (with `strict`, an undeclared meter is refused)."""
    groups: dict[tuple[str, str], list[Meter]] = {}
    paths: dict[tuple[str, str], Path] = {}
    for meter in site.meters:  # loop over configuration
        file = site.meter_file(meter)
        if file is None:
            raise ConfigError(
                f"meter {meter.id!r} has no 'file' and no ancestor with one; "
                "set 'file' on it or on its parent",
                meter=meter.id,
                reason="no-file",
            )
        declared = site.meter_format(meter)
        if (file, declared or "") not in paths:  # where it lies, before what it holds
            paths[(file, declared or "")] = _meter_path(site, base, file, declared or "dcgm")
        fmt = meter_format(meter, file, declared)
        groups.setdefault((file, fmt), []).append(meter)
    direct = _parquet_cube(site, base, groups)
    if direct is not None:
        return direct, {}
    tables: list[MeterTable] = []
    set_aside: list[SetAside] = []
    for (file, fmt), meters in sorted(groups.items()):
        path = _meter_path(site, base, file, fmt)
        read, aside = _read_group(path, fmt, meters, site, base, strict)
        tables.extend(read)
        set_aside.extend(aside)
    tables = flag_above_rated(tables_on_grid(tables), site)  # telemetry onto the grid first
    labels: dict[str, dict[str, str]] = {}
    for table in tables:
        labels.update(table.labels)
    cube = build_cube(tables, [m.id for m in site.meters])
    points = split_points(tables, site, cube)  # IT meters finer than the cube (§6)
    cube = replace(cube, set_aside=tuple(set_aside))
    return (replace(cube, split_points=points) if points else cube), labels


def _hash_spans(telemetry: MinerTelemetry) -> Spans:
    """Hashes computed between consecutive polls [TH], as spans between polls: the
    trapezoid of the hashrate, ``(H0 + H1)/2 · Δt``; NaN where a poll has no hashrate (a
    failed poll), flagged ``SOURCE_MISSING``."""
    rate = np.asarray(telemetry.hashrate.pint.to("TH/s").pint.magnitude, dtype="float64")
    time = pd.DatetimeIndex(telemetry.hashrate["time"].values).tz_localize("UTC").as_unit("ns")
    hashes = (rate[:-1] + rate[1:]) / 2.0 * (np.diff(time.asi8) / 1e9)
    missing = np.isnan(hashes)
    return Spans(
        telemetry.energy.frame.assign(
            value=hashes,
            flag=np.where(missing, int(Flag.SOURCE_MISSING), int(Flag.MEASURED)).astype(np.int8),
            power_start=rate[:-1],
            power_end=rate[1:],
        )
    )


def read_hashes(site: SiteConfig, base: Path, cube: MeterCube) -> xr.DataArray | None:
    """Hashes computed per cube interval [TH] by the mining IT meters read from miner
    telemetry (``format = "miner"``), ``(meter, time)`` on the cube's grid; None without any.

    The hashrate polled with the power (docs/importers/miner.md) is integrated like power: the
    trapezoid between polls, spread over the intervals by time overlap, with the gap rule of
    :mod:`carbon.quality.apportion`; an interval the polls do not cover holds NaN.
    """
    miners = []
    for meter in site.meters_with_role("it"):  # loop over configuration
        file = site.meter_file(meter)
        if file is None or "mining" not in {w for _, _, w in meter.workload_spans()}:
            continue
        if meter_format(meter, file, site.meter_format(meter)) == "miner":
            miners.append((meter, _meter_path(site, base, file, "miner")))
    if not miners:
        return None
    time = pd.DatetimeIndex(cube.energy["time"].values)
    origin = time[0].tz_localize("UTC")
    values = np.full((len(miners), len(time)), np.nan)
    for i, (meter, path) in enumerate(miners):  # loop over miners (one file each)
        polls = read_miner_polls(
            path, meter_id=meter.id, nameplate_j_per_th=meter.nameplate_j_per_th
        )
        cells = apportion_spans(_hash_spans(polls), step=cube.interval, origin=origin)
        at = time.get_indexer(pd.DatetimeIndex(cells["interval_start"]).tz_localize(None))
        inside = at >= 0
        values[i, at[inside]] = cells["value"].to_numpy()[inside]
    return xr.DataArray(
        values,
        dims=("meter", "time"),
        coords={"meter": [m.id for m, _ in miners], "time": cube.energy["time"].values},
        name="hashes",
    ).pint.quantify("TH", unit_registry=ureg)


def read_grid(site: SiteConfig, base: Path) -> GridIntensity:
    """Read the site's first (most specific) grid source and make it a Scope 2 series.

    Further sources are read by :func:`read_more_grids` and chained after it.
    """
    if not site.grid:
        raise ConfigError(
            "the site declares no [[grid]] source; hourly location-based Scope 2 needs one "
            f"({', '.join(grid_source_ids())})",
            reason="no-grid-source",
        )
    return _read_source(site, 0, base)


def read_more_grids(site: SiteConfig, base: Path) -> tuple[GridIntensity, ...]:
    """The site's further grid sources (after the first), in the site file's order."""
    return tuple(_read_source(site, i, base) for i in range(1, len(site.grid)))


def _read_source(site: SiteConfig, index: int, base: Path) -> GridIntensity:
    """Read the site's grid source number `index` and make it a Scope 2 series."""
    source = site.grid[index]
    importer = grid_importer(source.source)
    path = _resolve(
        site, base, source.path, f"grid source {source.source!r}", key=f"grid[{index}].path"
    )
    table = importer.read(path, region=source.region, basis=source.basis)
    return grid_from_table(replace(table, record=_shown(table.record, base)))


def read_site(site: SiteConfig, base: Path, *, strict: bool = False) -> SiteInputs:
    """Read all inputs of `site`; relative paths are resolved against `base` (`strict`: an
    undeclared meter of a shared file is refused rather than counted)."""
    cube, labels = read_meters(site, base, strict=strict)
    instruments: tuple = ()
    if site.reporting.instruments:
        path = _resolve(
            site,
            base,
            site.reporting.instruments,
            "[reporting] instruments",
            key="reporting.instruments",
        )
        instruments = tuple(
            read_instruments_csv(
                path,
                root=base,
                allow_outside=getattr(site, "allow_paths_outside", False),
                timezone=site.site.timezone,
                workloads=WORKLOADS,
                tenants=list(site.tenants),
            )
        )
    return SiteInputs(
        cube=cube,
        grid=read_grid(site, base),
        labels=labels,
        instruments=instruments,
        more_grids=read_more_grids(site, base),
        hashes=read_hashes(site, base, cube),
        factor_tables=read_factor_tables(site, base),
    )


def read_factor_tables(site: SiteConfig, base: Path) -> SiteFactorTables:
    """The factor tables of ``[factors]`` (docs/importers/factor-table.md), read and checked."""
    read = {}
    for key in ("annual", "residual_mix"):
        name = getattr(site.factors, key)
        if name:
            path = _resolve(site, base, name, f"[factors] {key}", key=f"factors.{key}")
            table = read_factor_table(path)
            read[key] = replace(table, record=_shown(table.record, base))
    return SiteFactorTables(**read)
