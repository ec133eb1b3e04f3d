"""Hourly grid carbon intensity from a plain table (interval start, intensity).

The source-specific importers (Electricity Maps, EIA-930, ...) map their files
onto this shape. The reader checks that the series is hourly, on the hour, in
interval-start UTC, without duplicates, and carries the unit as a pint quantity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from carbon.errors import InputDataError, UnitError
from carbon.ingest.records import InputRecord
from carbon.units import parse_unit, ureg

HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class GridIntensity:
    """An hourly average grid-intensity series and what it is."""

    intensity: xr.DataArray  # (time,), pint [co2e mass / energy], hourly, interval start UTC
    source: str  # human description of the series
    basis: str  # "direct" (combustion) or "lifecycle"
    kind: str  # "average" or "marginal"
    record: InputRecord


def read_hourly_intensity(
    frame: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    description: str,
    value_column: str = "intensity_gco2e_per_kwh",
    unit: str = "g CO2e/kWh",
    basis: str = "direct",
    kind: str = "average",
) -> GridIntensity:
    """Read an hourly intensity table; errors name the source and the offending row."""
    for column in ("interval_start", value_column):
        if column not in frame.columns:
            raise InputDataError(f"{source}: missing column {column!r}")
    units = parse_unit(unit)
    if not ureg.Quantity(1, units).is_compatible_with("g CO2e/kWh"):
        raise UnitError(f"{source}: {unit!r} is not a CO2e mass per energy unit (e.g. g CO2e/kWh)")
    stamps = pd.DatetimeIndex(frame["interval_start"])
    if stamps.tz is None:
        raise InputDataError(
            f"{source}: interval_start has no timezone; expected UTC interval start"
        )
    stamps = stamps.tz_convert("UTC").as_unit("ns")
    off_hour = stamps != stamps.floor("h")
    if off_hour.any():
        row = int(np.argmax(off_hour))
        raise InputDataError(
            f"{source}: line {row + 2}: {stamps[row].isoformat()} is not on the hour"
        )
    dup = stamps.duplicated()
    if dup.any():
        row = int(np.argmax(dup))
        raise InputDataError(
            f"{source}: line {row + 2}: hour {stamps[row].isoformat()} appears twice"
        )
    values = pd.to_numeric(frame[value_column], errors="coerce").to_numpy(dtype="float64")
    if np.isnan(values).any():
        row = int(np.argmax(np.isnan(values)))
        raise InputDataError(f"{source}: line {row + 2}: {value_column} is missing or not a number")
    if (values < 0).any():
        row = int(np.argmax(values < 0))
        raise InputDataError(f"{source}: line {row + 2}: negative intensity {values[row]}")
    order = np.argsort(stamps.asi8, kind="stable")
    series = xr.DataArray(
        values[order],
        dims=("time",),
        coords={"time": stamps[order].tz_localize(None).rename(None)},
        name="intensity",
    ).pint.quantify(units, unit_registry=ureg)
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(frame),
        start=stamps[order][0].isoformat(),
        end=(stamps[order][-1] + HOUR).isoformat(),
        kind=f"grid intensity ({kind}, {basis}, hourly)",
    )
    return GridIntensity(
        intensity=series.pint.to("g CO2e/kWh"),
        source=description,
        basis=basis,
        kind=kind,
        record=record,
    )
