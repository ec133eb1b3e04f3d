"""The one list of importers: every meter format and grid source carbon reads, by id.

As xarray lists its backends, each importer here is one entry of a table: its id (what a
site file's ``format`` or ``[[grid]] source`` names), the file extensions it claims, a
one-line description and a reader with the keyword signature of its table:

- meter readers: ``read(path, *, meters, timezone) -> list[MeterTable]``, where `meters`
  are the site's meters that draw on the file (:class:`FileMeter`: the id written in the
  file and how its values are read) and `timezone` is the site's IANA zone;
- grid readers: ``read(path, *, region, basis) -> GridTable``.

Each entry uses the keywords its format needs and ignores the others. Every table a reader
returns passes :mod:`carbon.ingest.finite` on its way out: no importer hands on an infinite
value (``inf``, ``-Infinity``, ``1e999``); the error names the file, line and meter.
:func:`meter_importer` and :func:`grid_importer` look an id up; an unknown id is a
:class:`~carbon.core.errors.ConfigError` that lists every id of the table. The site model
takes its valid choices from :func:`meter_format_ids` and :func:`grid_source_ids`;
:func:`meter_format_for` infers a meter's format from its file's extension.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from carbon.core.errors import ConfigError
from carbon.core.lineage import GridTable, MeterTable
from carbon.ingest.dcgm import read_dcgm_scrapes
from carbon.ingest.finite import check_grid_table, check_meter_tables
from carbon.ingest.green_button import read_green_button
from carbon.ingest.grid_eia930 import read_eia930_balance
from carbon.ingest.grid_electricitymaps import read_electricitymaps_csv
from carbon.ingest.grid_entsoe import read_entsoe_generation
from carbon.ingest.grid_entsoe_intensity import entsoe_intensity
from carbon.ingest.grid_gridemissions import read_gridemissions_co2i
from carbon.ingest.grid_neso import read_neso
from carbon.ingest.grid_table import read_grid_table_csv
from carbon.ingest.grid_watttime import read_watttime
from carbon.ingest.meters_long_csv import read_meters_csv, read_meters_parquet
from carbon.ingest.meters_register_csv import read_register_csv
from carbon.ingest.meters_wide_csv import read_wide_csv
from carbon.ingest.miner import read_miner_polls
from carbon.ingest.utility_csv import read_utility_csv

__all__ = [
    "GRID_IMPORTERS",
    "METER_IMPORTERS",
    "FileMeter",
    "GridImporter",
    "MeterImporter",
    "grid_importer",
    "grid_source_ids",
    "meter_format_for",
    "meter_format_ids",
    "meter_importer",
]


@dataclass(frozen=True)
class FileMeter:
    """A meter as its file knows it: the id written in the file and how its values are read."""

    id: str
    unit: str | None = None  # unit of the value column, where its name carries none
    column: str | None = None  # the value column, where it is not the default
    nameplate_j_per_th: float | None = None  # a miner's rated efficiency [J/TH]
    timezone: str | None = None  # IANA zone of the file's naive (local) stamps
    rollover: float | None = None  # a cumulative register's modulus


class MeterRead(Protocol):
    """The signature of every meter reader."""

    def __call__(
        self, path: Path, *, meters: Sequence[FileMeter], timezone: str
    ) -> list[MeterTable]: ...


class GridRead(Protocol):
    """The signature of every grid reader."""

    def __call__(self, path: Path, *, region: str | None, basis: str) -> GridTable: ...


@dataclass(frozen=True)
class MeterImporter:
    """A meter format: a meter whose file has one of `extensions` and no ``format`` uses it."""

    id: str
    extensions: tuple[str, ...]  # lower case, with the dot; no two formats claim one
    description: str
    read: MeterRead


@dataclass(frozen=True)
class GridImporter:
    """A grid source: `extensions` are those of the files it reads (the site file names it)."""

    id: str
    extensions: tuple[str, ...]
    description: str
    read: GridRead


# --- meter readers: the site's reading options, passed where a format takes them -----------


def _options(meters: Sequence[FileMeter]) -> dict[str, str]:
    """``unit=`` and ``value_column=`` as the first meter of the file gives them, and the
    ``timezone=`` of its naive stamps where a meter of the file declares one."""
    first = meters[0]
    zone = next((m.timezone for m in meters if m.timezone), None)
    options = (("unit", first.unit), ("value_column", first.column), ("timezone", zone))
    return {k: v for k, v in options if v}


def _service_point(meters: Sequence[FileMeter]) -> str:
    """The id of a file's service point: the meters' id before any ``:channel``."""
    return meters[0].id.split(":")[0]


def _single(meters: Sequence[FileMeter]) -> str | None:
    """The one meter of a file that a single meter draws on (a file without ``meter_id``)."""
    return meters[0].id if len(meters) == 1 else None


def _long_csv(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables([read_meters_csv(path, meter_id=_single(meters), **_options(meters))])


def _parquet(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables(
        [read_meters_parquet(path, meter_id=_single(meters), **_options(meters))]
    )


def _wide_csv(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables([read_wide_csv(path, **_options(meters))])


def _register_csv(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    rollover = {m.id: m.rollover for m in meters if m.rollover is not None}
    return check_meter_tables(
        [read_register_csv(path, rollover=rollover or None, **_options(meters))]
    )


def _utility_csv(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables(
        [read_utility_csv(path, timezone=timezone, meter_id=_service_point(meters))]
    )


def _green_button(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables([read_green_button(path, meter_id=_service_point(meters))])


def _dcgm(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables([read_dcgm_scrapes(path)])


def _miner(path: Path, *, meters: Sequence[FileMeter], timezone: str) -> list[MeterTable]:
    return check_meter_tables(
        [  # one log per miner: each meter reads the file as its own
            read_miner_polls(path, meter_id=m.id, nameplate_j_per_th=m.nameplate_j_per_th).energy
            for m in meters
        ]
    )


# --- grid readers -----------------------------------------------------------------------------


def _region(source: str, region: str | None, path: Path | None = None) -> str:
    if not region:
        raise ConfigError(
            f"grid source {source!r} ({path}) needs 'region' (the BA code)",
            path=path,
            key="grid.region",
            reason="missing-region",
        )
    return region


def _electricitymaps(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(read_electricitymaps_csv(path, basis=basis))


def _eia930(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(read_eia930_balance(path, ba=_region("eia930", region, path)))


def _gridemissions(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(
        read_gridemissions_co2i(path, ba=_region("gridemissions", region, path))
    )


def _watttime(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(read_watttime(path))


def _neso(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(read_neso(path))


def _entsoe(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(entsoe_intensity(read_entsoe_generation(path)))


def _table(path: Path, *, region: str | None, basis: str) -> GridTable:
    return check_grid_table(read_grid_table_csv(path, region=region, basis=basis))


def _by_id(entries: Sequence[MeterImporter | GridImporter]) -> Mapping:
    return MappingProxyType({entry.id: entry for entry in entries})


#: Meter formats by id, in the order the site model lists them.
METER_IMPORTERS: Mapping[str, MeterImporter] = _by_id(
    [
        MeterImporter(
            "long-csv",
            (".csv",),
            "long CSV: interval_start, meter_id and a value column (energy_kwh, power_kw ...)",
            _long_csv,
        ),
        MeterImporter(
            "parquet", (".parquet",), "the long table's columns in a Parquet file", _parquet
        ),
        MeterImporter(
            "wide-csv", (), "wide CSV: a timestamp column and one column per meter", _wide_csv
        ),
        MeterImporter(
            "register-csv",
            (),
            "cumulative energy registers (long CSV), differenced into energy per interval",
            _register_csv,
        ),
        MeterImporter(
            "utility-csv",
            (),
            "a utility's interval CSV ('Download My Data': PG&E, ComEd, SCL and others)",
            _utility_csv,
        ),
        MeterImporter(
            "green-button",
            (".xml",),
            "Green Button (NAESB ESPI) XML interval readings",
            _green_button,
        ),
        MeterImporter(
            "dcgm",
            (".prom",),
            "NVIDIA dcgm-exporter scrapes (or a folder or CSV export of them): GPU energy",
            _dcgm,
        ),
        MeterImporter(
            "miner",
            (".jsonl",),
            "an ASIC miner's API polls (cgminer family), JSON Lines, one file per miner",
            _miner,
        ),
    ]
)

#: Grid sources by id, in the order the site model lists them.
GRID_IMPORTERS: Mapping[str, GridImporter] = _by_id(
    [
        GridImporter(
            "electricitymaps",
            (".csv",),
            "Electricity Maps hourly carbon intensity (CSV export of a zone)",
            _electricitymaps,
        ),
        GridImporter(
            "eia930",
            (".csv",),
            "EIA-930 BALANCE generation by fuel, made a direct CO2 intensity of one BA",
            _eia930,
        ),
        GridImporter(
            "gridemissions",
            (".csv",),
            "gridemissions CO2i_<BA>_D intensity of one BA (consumption-based, life cycle)",
            _gridemissions,
        ),
        GridImporter(
            "watttime",
            (".json", ".csv"),
            "WattTime v3 AOER or MOER signal (marginal rates never enter the inventory)",
            _watttime,
        ),
        GridImporter(
            "neso",
            (".json",),
            "NESO (GB) Carbon Intensity API response, half-hourly",
            _neso,
        ),
        GridImporter(
            "entsoe",
            (".xml",),
            "ENTSO-E A75 generation per production type, made a direct CO2 intensity",
            _entsoe,
        ),
        GridImporter(
            "table",
            (".csv",),
            "a plain hourly table: interval_start and intensity_gco2e_per_kwh",
            _table,
        ),
    ]
)


def meter_format_ids() -> tuple[str, ...]:
    """The ids of every meter format (a site file's ``format``), in table order."""
    return tuple(METER_IMPORTERS)


def grid_source_ids() -> tuple[str, ...]:
    """The ids of every grid source (a site file's ``[[grid]] source``), in table order."""
    return tuple(GRID_IMPORTERS)


def meter_importer(format_id: str) -> MeterImporter:
    """The meter format `format_id`; an unknown id is an error listing the valid ones."""
    if format_id not in METER_IMPORTERS:
        raise ConfigError(
            f"meter format {format_id!r} has no importer; use one of: {', '.join(METER_IMPORTERS)}",
            reason="unknown-format",
        )
    return METER_IMPORTERS[format_id]


def grid_importer(source_id: str) -> GridImporter:
    """The grid source `source_id`; an unknown id is an error listing the valid ones."""
    if source_id not in GRID_IMPORTERS:
        raise ConfigError(
            f"grid source {source_id!r} cannot supply an hourly intensity series yet; "
            f"use one of: {', '.join(GRID_IMPORTERS)}",
            reason="unknown-source",
        )
    return GRID_IMPORTERS[source_id]


def meter_format_for(file: str | Path) -> str | None:
    """The meter format that claims `file`'s extension (case-insensitive), else None."""
    suffix = Path(file).suffix.lower()
    return next((e.id for e in METER_IMPORTERS.values() if suffix in e.extensions), None)
