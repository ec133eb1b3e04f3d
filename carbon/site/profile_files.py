"""An instrument's hourly generation profile read from a file (the instruments CSV's
``profile`` column; docs/market-based.md, docs/importers/energytag.md).

The file holds the instrument's generation per interval, in any meter format carbon reads
(read by the importer of that format, :mod:`carbon.ingest.registry`), or an EnergyTag-style
granular certificate export (format ``energytag``, :mod:`carbon.ingest.energytag`). Energy
is put on the clock hours market-based matching uses: an interval of at most one hour goes
to the hour(s) it overlaps, apportioned by overlap (a quarter-hour to its hour; a GC bundle
from 10:30 to 11:30 half to each). The profile covers the instrument's consumption window
``[consumption_start, consumption_end)``:

- energy outside the window is counted and not used;
- an hour of the window whose intervals are missing in whole or part (no row, or a value
  the source marks missing) holds only the energy present and is listed as incomplete
  (:class:`~carbon.site.profile_source.ProfileSource`); for a GC export an hour without a
  bundle certifies nothing, which is not a gap;
- intervals longer than one hour, repeated intervals and negative energy are refused with
  the file and line;
- GC bundles that are not the instrument's (cancelled for another beneficiary or another
  consumption site, from another device, or not cancelled) are left out and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import InputDataError
from carbon.core.quantified import quantified
from carbon.core.units import ureg
from carbon.ingest.energytag import read_energytag_gc
from carbon.ingest.registry import FileMeter, meter_format_ids, meter_importer
from carbon.site.profile_source import ProfileSource

__all__ = ["PROFILE_FORMATS", "ProfileClaim", "check_issuances", "hourly_energy", "read_profile"]

#: The formats a profile file may have: every meter format, and a granular certificate export.
PROFILE_FORMATS: tuple[str, ...] = (*meter_format_ids(), "energytag")
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class ProfileClaim:
    """What the instrument row says about the generation a profile file must hold."""

    instrument_id: str
    start: datetime  # consumption_start (aware)
    end: datetime  # consumption_end (aware), exclusive
    beneficiary: str = ""
    site_id: str = ""
    generator_id: str = ""


def hourly_energy(
    starts: pd.DatetimeIndex, ends: pd.DatetimeIndex, values: np.ndarray
) -> pd.Series:
    """Energy of intervals (at most one hour long, UTC) summed to the clock hours they
    overlap, each apportioned by its overlap; indexed by tz-naive UTC hour starts."""
    start = starts.tz_convert("UTC").tz_localize(None)
    end = ends.tz_convert("UTC").tz_localize(None)
    first_hour = start.floor("h")
    second_hour = first_hour + _HOUR
    length = (end - start).total_seconds().to_numpy()
    in_first = (np.minimum(end, second_hour) - start).total_seconds().to_numpy()
    share = np.divide(in_first, length, out=np.ones_like(length), where=length > 0)
    parts = pd.concat(
        [
            pd.Series(values * share, index=first_hour),
            pd.Series(values * (1.0 - share), index=second_hour)[share < 1.0],
        ]
    )
    return parts.groupby(level=0).sum()


def _window(claim: ProfileClaim) -> pd.DatetimeIndex:
    start = pd.Timestamp(claim.start).tz_convert("UTC").tz_localize(None).floor("h")
    end = pd.Timestamp(claim.end).tz_convert("UTC").tz_localize(None).ceil("h")
    return pd.date_range(start, end, freq="h", inclusive="left")


def _meter_intervals(
    path: Path, fmt: str, meter: str | None, timezone: str, claim: ProfileClaim
) -> tuple[pd.DataFrame, object]:
    """(start, end, kWh, line) of every interval of one series of a meter file, and its record."""
    tables = meter_importer(fmt).read(
        path, meters=[FileMeter(id=meter or claim.instrument_id)], timezone=timezone
    )
    frame = pd.concat([t.frame for t in tables], ignore_index=True)
    table = tables[0]
    source = table.record.path
    ids = frame["meter_id"].astype(str)
    present = sorted(ids.unique())
    chosen = meter if meter is not None else (present[0] if len(present) == 1 else None)
    if chosen is None or chosen not in present:
        want = f"series {meter!r} is not in it" if meter else "it holds several series"
        raise InputDataError(
            f"{source}: profile of instrument {claim.instrument_id!r}: {want} "
            f"({', '.join(present)}); set profile_meter to one of them",
            path=source,
            reason="unknown-meter",
        )
    frame = frame.loc[ids == chosen].sort_values("interval_start", kind="stable")
    starts = pd.DatetimeIndex(frame["interval_start"])
    lines = frame["line"].to_numpy()
    repeated = starts.duplicated()
    if repeated.any():
        i = int(np.argmax(repeated))
        raise InputDataError(
            f"{source}: line {lines[i]}: interval {starts[i].isoformat()} appears twice in the "
            f"profile of instrument {claim.instrument_id!r}; a profile lists each interval once",
            path=source,
            line=int(lines[i]),
            timestamp=starts[i].isoformat(),
            reason="duplicate",
        )
    step = table.interval
    if step is None:
        steps = starts[1:] - starts[:-1]
        step = pd.Series(steps).mode().iloc[0] if len(steps) else _HOUR
    if step > _HOUR:
        raise InputDataError(
            f"{source}: the profile of instrument {claim.instrument_id!r} has {step} intervals; "
            "hourly matching needs intervals of one hour or shorter",
            path=source,
            reason="interval",
        )
    kwh = frame["value"].to_numpy(float) * float(ureg.Quantity(1.0, table.unit).to("kWh").m)
    negative = kwh < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise InputDataError(
            f"{source}: line {lines[i]}: {kwh[i]:g} kWh at {starts[i].isoformat()} in the "
            f"profile of instrument {claim.instrument_id!r}; generation is not negative",
            path=source,
            line=int(lines[i]),
            timestamp=starts[i].isoformat(),
            reason="negative",
        )
    out = pd.DataFrame({"start": starts, "end": starts + step, "kwh": kwh, "line": lines})
    return out, table.record


def _bundles(path: Path, claim: ProfileClaim) -> tuple[pd.DataFrame, object, tuple[str, ...]]:
    """(start, end, kWh, line) of the instrument's own GC bundles, its record, and what was
    left out (counted per reason)."""
    gc = read_energytag_gc(path)
    frame = gc.frame

    def other(column: str, value: str) -> np.ndarray:
        return (frame[column].str.casefold() != value.strip().casefold()).to_numpy()

    reasons = [
        ("not cancelled (no cancellation_id)", (frame["cancellation_id"] == "").to_numpy()),
        (f"cancelled for another beneficiary than {claim.beneficiary!r}",
         other("beneficiary", claim.beneficiary)),
        (f"cancelled for another consumption site than {claim.site_id!r}",
         ((frame["consumption_site"] != "") & other("consumption_site", claim.site_id)).to_numpy()
         if claim.site_id else np.zeros(len(frame), bool)),
        (f"from another device than {claim.generator_id!r}",
         other("device_id", claim.generator_id) if claim.generator_id
         else np.zeros(len(frame), bool)),
    ]  # fmt: skip
    out = np.zeros(len(frame), bool)
    left_out = []
    for reason, mask in reasons:  # four reasons, each vectorised
        new = mask & ~out
        if new.any():
            line = int(frame["line"].to_numpy()[np.argmax(new)])
            mwh = float(frame["energy_wh"].to_numpy()[new].sum()) / 1e6
            left_out.append(
                f"{int(new.sum())} bundle(s) ({mwh:.6g} MWh) {reason} left out (first line {line})"
            )
        out |= mask
    own = frame.loc[~out]
    intervals = pd.DataFrame(
        {
            "start": pd.DatetimeIndex(own["start"]),
            "end": pd.DatetimeIndex(own["end"]),
            "kwh": own["energy_wh"].to_numpy(float) / 1000.0,
            "line": own["line"].to_numpy(),
            "issuance": own["issuance_id"].to_numpy(),
        }
    )
    return intervals, gc.record, tuple(left_out)


def read_profile(
    path: Path,
    claim: ProfileClaim,
    *,
    fmt: str,
    meter: str | None = None,
    timezone: str = "UTC",
    shown: str | None = None,
) -> tuple[xr.DataArray, ProfileSource]:
    """An instrument's hourly generation over its consumption window, from `path`.

    Parameters
    ----------
    path : Path
        The profile file (checked and resolved by the caller).
    claim : ProfileClaim
        The instrument's id, consumption window, beneficiary, site and generator.
    fmt : str
        One of :data:`PROFILE_FORMATS`.
    meter : str, optional
        The series to read where the file holds several (``meter_id`` of a long file).
    timezone : str
        The site's IANA zone, for formats whose stamps are local wall-clock times.
    shown : str, optional
        How the file is named in the lineage (its path relative to the site file).

    Returns
    -------
    (xarray.DataArray, ProfileSource)
        Generation per hour of the window [kWh] (tz-naive UTC hour starts), and where it
        came from with what was counted but not used.
    """
    granular = fmt == "energytag"
    if granular:
        intervals, record, left_out = _bundles(path, claim)
    else:
        intervals, record = _meter_intervals(path, fmt, meter, timezone, claim)
        left_out = ()
    if shown is not None:
        record = replace(record, path=shown)
    starts = pd.DatetimeIndex(intervals["start"])
    ends = pd.DatetimeIndex(intervals["end"])
    kwh = intervals["kwh"].to_numpy(float)
    present = ~np.isnan(kwh)
    energy = hourly_energy(starts[present], ends[present], kwh[present])
    covered = hourly_energy(
        starts[present], ends[present], (ends - starts)[present].total_seconds().to_numpy()
    )
    hours = _window(claim)
    inside = energy.index.isin(hours)
    values = energy.reindex(hours, fill_value=0.0).to_numpy(float)
    if granular:
        incomplete = np.array([], dtype="datetime64[ns]")
    else:
        seconds = covered.reindex(hours, fill_value=0.0).to_numpy(float)
        incomplete = hours[seconds < _HOUR.total_seconds() - 1e-6].to_numpy()
    source = ProfileSource(
        record=record,
        format=fmt,
        incomplete_hours=incomplete,
        outside_hours=int((~inside).sum()),
        outside_kwh=float(energy[~inside].sum()),
        left_out=left_out,
        granular=granular,
        issuances=intervals["issuance"].to_numpy() if granular else None,
        issuance_lines=intervals["line"].to_numpy() if granular else None,
    )
    profile = quantified(values, "kWh", ("time",), {"time": hours.to_numpy()})
    return profile, source


def check_issuances(claims: Sequence[tuple[str, int, ProfileSource]]) -> None:
    """Refuse a GC issuance id that two instruments claim.

    `claims` lists (instrument id, instruments CSV line, profile source) of the
    instruments whose profile is a granular certificate export.
    """
    rows = [
        pd.DataFrame(
            {
                "issuance": source.issuances,
                "line": source.issuance_lines,
                "instrument": instrument,
                "row": row,
                "path": source.record.path,
            }
        )
        for instrument, row, source in claims  # one frame per instrument
    ]
    if not rows:
        return
    every = pd.concat(rows, ignore_index=True)
    twice = every["issuance"].duplicated().to_numpy()
    if twice.any():
        late = every.iloc[int(np.argmax(twice))]
        early = every.loc[every["issuance"] == late["issuance"]].iloc[0]
        raise InputDataError(
            f"{late['path']}: line {late['line']}: issuance id {late['issuance']!r} is claimed "
            f"by instrument {late['instrument']!r} (instruments CSV line {late['row']}) and by "
            f"instrument {early['instrument']!r} (line {early['row']}, {early['path']} line "
            f"{early['line']}); a certificate is claimed once",
            path=str(late["path"]),
            line=int(late["line"]),
            reason="duplicate",
        )
