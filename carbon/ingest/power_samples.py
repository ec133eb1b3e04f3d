"""Power sampled at instants (a PDU's or a branch circuit's kW, read at the collector's times),
made spans of energy between consecutive samples by the trapezoid rule.

A long file whose time column is ``timestamp`` (an instant) and whose value is power
(``power_kw``, ``power_w``, ``power_mw``, or ``value`` with a power unit) holds point samples,
not interval averages: :func:`power_sample_table` turns each pair of consecutive samples
(t₀, P₀), (t₁, P₁) of a meter into one span ``[t₀, t₁)`` holding ``(P₀ + P₁)/2 · (t₁ − t₀)``
[kWh], with ``power_start``/``power_end`` = P₀, P₁ [kW] (the power taken as linear between
them). The quality stage puts the spans on the site's meter grid by time overlap, with the gap
rule and the coverage of :mod:`carbon.quality.apportion` (docs/methodology.md §6.2).

A span is ``MEASURED``; ``SOURCE_ESTIMATED`` where an end sample is marked estimated by the
file's ``quality`` column; NaN and ``SOURCE_MISSING`` where an end sample is empty or marked
missing (it covers nothing). A meter read twice at one instant, or read once only, is an error
naming the file and line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable
from carbon.core.units import parse_unit, ureg
from carbon.ingest.csv_text import first
from carbon.ingest.meter_values import (
    by_meter_and_instant,
    check_meters,
    parse_meter_ids,
    parse_numbers,
    quality_flags,
    reading_flags,
)
from carbon.ingest.stamps import parse_stamps

__all__ = ["power_sample_table"]


def power_sample_table(
    frame: pd.DataFrame,
    lines: np.ndarray,
    *,
    column: str,
    units: object,
    source: str,
    sha256: str,
    meter_ids: Sequence[str] | None,
    timezone: str | None,
) -> MeterTable:
    """Spans of energy [kWh] between consecutive power samples of each meter (module notes).

    `frame` has the columns ``timestamp``, ``meter_id`` and the power column `column` in
    `units`; `lines` are the source lines of its rows.
    """
    ids = parse_meter_ids(frame, lines, source)
    check_meters(ids, meter_ids, lines, source)
    stamps = parse_stamps(
        frame["timestamp"],
        lines=lines,
        source=source,
        column="timestamp",
        timezone=timezone,
        groups=ids,
    )
    power = parse_numbers(frame[column], lines=lines, source=source, column=column, meters=ids)
    power = power * float(ureg.Quantity(1.0, units).to("kW").magnitude)
    power, flags = reading_flags(power, quality_flags(frame, lines, source))
    data = pd.DataFrame({"m": ids, "t": stamps, "p": power, "f": flags, "line": lines})
    data = by_meter_and_instant(data, source, "one power sample")
    same_meter = data["m"].eq(data["m"].shift()).to_numpy()
    lonely = ~pd.Index(data["m"]).duplicated(keep=False)
    if lonely.any():
        i = first(np.asarray(lonely))
        raise InputDataError(
            f"{source}: line {data['line'].iloc[i]}: meter {data['m'].iloc[i]!r} has a single "
            "power sample; at least two samples are needed to integrate power over time",
            path=source,
            line=int(data["line"].iloc[i]),
            meter=str(data["m"].iloc[i]),
            reason="single-sample",
        )
    keep = same_meter  # each sample after a meter's first closes one span
    p1 = data["p"].to_numpy()
    p0 = np.roll(p1, 1)
    f1 = data["f"].to_numpy()
    f0 = np.roll(f1, 1)
    t = pd.DatetimeIndex(data["t"]).as_unit("ns")
    hours = np.diff(t.asi8, prepend=t.asi8[0]) / 3.6e12
    energy = (p0 + p1) / 2.0 * hours  # the trapezoid [kWh]; NaN where an end is empty
    estimated = (f0 == int(Flag.SOURCE_ESTIMATED)) | (f1 == int(Flag.SOURCE_ESTIMATED))
    flag = np.where(
        np.isnan(energy),
        int(Flag.SOURCE_MISSING),
        np.where(estimated, int(Flag.SOURCE_ESTIMATED), int(Flag.MEASURED)),
    ).astype(np.int8)
    table = pd.DataFrame(
        {
            "interval_start": t[np.roll(np.arange(len(t)), 1)][keep],
            "meter_id": data["m"].to_numpy()[keep].astype(str),
            "value": energy[keep].astype("float64"),
            "flag": flag[keep],
            "line": data["line"].to_numpy()[keep].astype(np.int64),
            "interval_end": t[keep],
            "power_start": p0[keep],
            "power_end": p1[keep],
        }
    ).reset_index(drop=True)
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(frame),
        start=stamps.min().isoformat(),
        end=stamps.max().isoformat(),
        kind="power samples (integrated by the trapezoid rule)",
    )
    return MeterTable(frame=table, unit=parse_unit("kWh"), interval=None, record=record, labels={})
