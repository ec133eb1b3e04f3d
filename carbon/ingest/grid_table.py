"""Grid carbon intensity as the accounting uses it: one regular series in interval-start UTC.

Every grid importer returns a :class:`~carbon.core.lineage.GridTable`;
:func:`grid_from_table` checks it for Scope 2 use and turns it into a
pint-quantified :class:`GridIntensity`. :func:`read_grid_table_csv` reads a plain hourly
table (the site file's ``source = "table"``). Scope 2 location-based needs an
*average*, *direct* (combustion) CO2e rate: a marginal series or a life-cycle
series is refused with the reason (docs/methodology.md §1.2, §1.6, §9). A CO2-only series
is converted with CO2's GWP of 1 and labelled as excluding CH4 and N2O.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GRID_CFE_COLUMN, GridTable, InputRecord, file_sha256
from carbon.core.units import parse_unit, ureg
from carbon.ingest.csv_text import read_csv_text, read_text
from carbon.ingest.stamps import parse_stamps

HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class GridIntensity:
    """An average grid-intensity series fit for location-based Scope 2."""

    intensity: xr.DataArray  # (time,), [g CO2e/kWh]; NaN only where the source marks it missing
    flags: xr.DataArray  # (time,) int8 Flag codes (MEASURED, SOURCE_ESTIMATED, SOURCE_MISSING)
    resolution: pd.Timedelta
    source: str  # human description of the series
    region: str
    basis: str  # "direct"
    kind: str  # "average"
    gas_note: str  # "" or what the conversion to CO2e leaves out
    record: InputRecord
    # the grid's carbon-free share per interval, (time,) [dimensionless] 0..1, NaN where the
    # source gives none; None when the source gives no share at all (docs/methodology.md §2.5)
    cfe_share: xr.DataArray | None = None
    cfe_basis: str = ""  # what counts as carbon-free in `cfe_share`, and its caveats


def grid_from_table(table: GridTable, description: str | None = None) -> GridIntensity:
    """Check a grid table for Scope 2 use and make it a regular, unit-carrying series."""
    # Long by design: the Scope 2 checks of a grid table in order (kind, basis, duplicates, grid,
    # sign, unit), then the regular series.
    path = table.record.path
    if table.kind != "average":
        raise InputDataError(
            f"{path}: a {table.kind} intensity series cannot be used for the location-based "
            "inventory (average rates only; marginal rates belong to avoided-emission analysis)",
            path=path,
            reason="not-average",
        )
    if table.basis != "direct":
        raise InputDataError(
            f"{path}: a {table.basis} intensity series cannot be used for Scope 2, which needs "
            "direct (combustion) factors; the upstream part belongs to Scope 3.3(b)",
            path=path,
            reason="not-direct",
        )
    frame = table.frame.sort_values("interval_start", kind="stable")
    stamps = pd.DatetimeIndex(frame["interval_start"]).tz_convert("UTC").as_unit("ns")
    dup = stamps.duplicated()
    if dup.any():
        line = int(frame["line"].iloc[int(np.argmax(dup))])
        raise InputDataError(
            f"{path}: line {line}: interval {stamps[dup][0].isoformat()} appears twice",
            path=path,
            line=line,
            timestamp=stamps[dup][0].isoformat(),
            reason="duplicate",
        )
    step = table.resolution
    offset = (stamps.asi8 - stamps.asi8[0]) % step.value
    if (offset != 0).any() or (HOUR % step != pd.Timedelta(0) and step != HOUR):
        line = int(frame["line"].iloc[int(np.argmax(offset != 0))])
        raise InputDataError(
            f"{path}: line {line}: interval start is off the {step} grid",
            path=path,
            line=line,
            reason="off-grid",
        )
    values = frame["value"].to_numpy(dtype="float64")
    negative = values < 0
    if negative.any():
        line = int(frame["line"].iloc[int(np.argmax(negative))])
        raise InputDataError(
            f"{path}: line {line}: negative intensity {values[negative][0]}",
            path=path,
            line=line,
            reason="negative",
        )
    quantity = ureg.Quantity(1.0, table.unit)
    gas_note = ""
    if table.gas == "CO2":
        if not quantity.is_compatible_with("g CO2/kWh"):
            raise UnitError(
                f"{path}: {table.unit} is not a CO2 mass per energy unit", path=path, reason="unit"
            )
        factor = float((quantity * ureg.Quantity(1.0, "CO2e/CO2")).to("g CO2e/kWh").magnitude)
        gas_note = "CO2-only source: CH4 and N2O are not included, which understates CO2e"
    else:
        if not quantity.is_compatible_with("g CO2e/kWh"):
            raise UnitError(
                f"{path}: {table.unit} is not a CO2e mass per energy unit", path=path, reason="unit"
            )
        factor = float(quantity.to("g CO2e/kWh").magnitude)
    full = pd.date_range(stamps[0], stamps[-1], freq=step)
    series = pd.Series(values * factor, index=stamps).reindex(full)
    codes = pd.Series(frame["flag"].to_numpy(dtype=np.int8), index=stamps).reindex(
        full, fill_value=int(Flag.GAP)
    )
    time = full.tz_localize(None)
    intensity = xr.DataArray(
        series.to_numpy(), dims=("time",), coords={"time": time}, name="intensity"
    ).pint.quantify("g CO2e/kWh", unit_registry=ureg)
    flags = xr.DataArray(codes.to_numpy(dtype=np.int8), dims=("time",), coords={"time": time})
    label = description or (
        f"{table.meta.get('source', path)} ({table.region}, {step_words(step)} {table.kind})"
    )
    cfe = _cfe_share(table, frame, stamps, full)
    return GridIntensity(
        intensity=intensity,
        flags=flags,
        resolution=step,
        source=label,
        region=table.region,
        basis=table.basis,
        kind=table.kind,
        gas_note=gas_note,
        record=table.record,
        cfe_share=cfe,
        cfe_basis=table.meta.get("cfe_basis", "") if cfe is not None else "",
    )


def _cfe_share(
    table: GridTable, frame: pd.DataFrame, stamps: pd.DatetimeIndex, full: pd.DatetimeIndex
) -> xr.DataArray | None:
    """The table's carbon-free share on the regular grid `full`, after its plausibility check
    (a fraction 0..1; anything else is refused naming the line, never clipped)."""
    if GRID_CFE_COLUMN not in frame.columns:
        return None
    path = table.record.path
    values = frame[GRID_CFE_COLUMN].to_numpy(dtype="float64")
    bad = np.isinf(values) | (values < 0) | (values > 1)
    if bad.any():
        line = int(frame["line"].iloc[int(np.argmax(bad))])
        raise InputDataError(
            f"{path}: line {line}: carbon-free share {float(values[bad][0]):g} is outside 0..1 "
            "(a fraction of the interval's generation)",
            path=path,
            line=line,
            reason="implausible-share",
        )
    series = pd.Series(values, index=stamps).reindex(full)
    return xr.DataArray(
        series.to_numpy(), dims=("time",), coords={"time": full.tz_localize(None)}, name="cfe"
    ).pint.quantify("dimensionless", unit_registry=ureg)


def hourly_table(
    frame: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    region: str,
    value_column: str = "intensity_gco2e_per_kwh",
    unit: str = "g CO2e/kWh",
    basis: str = "direct",
    lines: np.ndarray | None = None,
) -> GridTable:
    """A plain hourly table (interval_start in UTC, intensity) as an average grid table.

    `lines` are the file lines of the rows (default: a header line, then one line per row).
    """
    for column in ("interval_start", value_column):
        if column not in frame.columns:
            raise InputDataError(
                f"{source}: missing column {column!r}", path=source, reason="missing-column"
            )
    units = parse_unit(unit)
    stamps = pd.DatetimeIndex(frame["interval_start"])
    if stamps.tz is None:
        raise InputDataError(
            f"{source}: interval_start has no timezone; expected UTC interval start",
            path=source,
            reason="timestamp",
        )
    if lines is None:
        lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy(dtype="float64")
    if np.isnan(values).any():
        row = int(np.argmax(np.isnan(values)))
        raise InputDataError(
            f"{source}: line {lines[row]}: {value_column} is missing or not a number; "
            "expected a decimal number",
            path=source,
            line=int(lines[row]),
            reason="bad-number",
        )
    return GridTable(
        frame=pd.DataFrame(
            {
                "interval_start": stamps.tz_convert("UTC").as_unit("ns"),
                "value": values,
                "flag": np.full(len(frame), int(Flag.MEASURED), dtype=np.int8),
                "line": np.asarray(lines, dtype=np.int64),
            }
        ),
        unit=units,
        region=region,
        gas="CO2e",
        basis=basis,
        kind="average",
        resolution=HOUR,
        record=InputRecord(
            path=source,
            sha256=sha256,
            rows=len(frame),
            start=stamps.min().tz_convert("UTC").isoformat(),
            end=(stamps.max().tz_convert("UTC") + HOUR).isoformat(),
            kind=f"grid intensity (average, {basis}, hourly)",
        ),
        meta={},
    )


def read_hourly_intensity(
    frame: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    description: str,
    region: str,
    value_column: str = "intensity_gco2e_per_kwh",
    unit: str = "g CO2e/kWh",
) -> GridIntensity:
    """Read a plain hourly table (interval_start in UTC, intensity) as an average direct series."""
    table = hourly_table(
        frame, source=source, sha256=sha256, region=region, value_column=value_column, unit=unit
    )
    return grid_from_table(table, description=description)


def read_grid_table_csv(
    path: str | Path, *, region: str | None = None, basis: str = "direct"
) -> GridTable:
    """Read a grid table CSV: hourly average intensity per interval start (``source = "table"``).

    Columns ``interval_start`` (ISO 8601 with an offset; the start of the hour) and
    ``intensity_gco2e_per_kwh``; an optional ``region`` column holds several zones, of which
    the rows of `region` are read (a file with one zone needs no `region`). Without that
    column, `region` names the zone of the whole file. `basis` is what the figures include
    (``direct``, fit for Scope 2, or ``lifecycle``). Errors name the file and line.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    if "region" in frame.columns:
        zones = frame["region"].str.strip()
        found = list(dict.fromkeys(zones))
        if region is None and len(found) > 1:
            raise ConfigError(
                f"{source}: the table holds the regions {', '.join(found)}; name one with 'region'",
                path=source,
                reason="several-regions",
            )
        region = found[0] if region is None else region
        keep = (zones.str.casefold() == region.casefold()).to_numpy()
        if not keep.any():
            raise InputDataError(
                f"{source}: no rows of region {region!r}; the table holds {', '.join(found)}",
                path=source,
                reason="unknown-region",
            )
        frame, lines = frame.loc[keep].reset_index(drop=True), lines[keep]
    elif region is None:
        raise ConfigError(
            f"{source}: the table has no 'region' column; "
            "name the zone of its series with 'region'",
            path=source,
            reason="missing-region",
        )
    if "interval_start" in frame.columns:
        starts = parse_stamps(
            frame["interval_start"],
            lines=lines,
            source=source,
            column="interval_start",
            timezone=None,
        )
        frame = frame.assign(interval_start=starts)
    return hourly_table(
        frame, source=source, sha256=file_sha256(path), region=region, basis=basis, lines=lines
    )


def step_words(step: pd.Timedelta) -> str:
    """A series' interval in words for a label: ``hourly``, ``15-minute``, ``daily``."""
    if step == pd.Timedelta(hours=1):
        return "hourly"
    if step == pd.Timedelta(days=1):
        return "daily"
    minutes = step / pd.Timedelta(minutes=1)
    if minutes < 60 and minutes == int(minutes):
        return f"{int(minutes)}-minute"
    hours = step / pd.Timedelta(hours=1)
    if hours == int(hours):
        return f"{int(hours)}-hour"
    return f"{step.total_seconds():g}-second"
