"""NVIDIA dcgm-exporter telemetry: GPU energy per interval between scrapes.

dcgm-exporter (``:9400/metrics``) answers with Prometheus text exposition
[docs/data-formats.md §4.1]. One scrape is one instant, so energy needs a series of
scrapes. Two shapes are read:

- :func:`read_dcgm_scrapes`: scrape files (one file per scrape, a folder of
  them, or several scrapes in one file). Each scrape starts with a
  ``# scrape_time <ISO 8601 with offset | Unix seconds>`` comment written by
  the collector (a plain comment to every Prometheus parser); otherwise the
  time comes from the ``timestamps`` argument or from the samples' own
  trailing millisecond timestamps.
- :func:`read_dcgm_csv`: a long CSV export, one sample per row, columns
  ``timestamp, metric, <label columns …>, value`` (the shape of a Prometheus
  range query flattened to rows).

Rules (also in ``docs/importers/dcgm.md``):

- Meter id: the ``UUID`` label (the physical GPU, stable across hosts and
  reboots); ``<Hostname>:<gpu>`` where ``UUID`` is empty or absent. Several
  series of one GPU in one scrape (Kubernetes pods sharing a GPU, MIG
  instances) repeat the device value: identical values are one reading, the
  differing labels are listed in ``labels``; different values make the sample
  ``DUPLICATE_CONFLICTING``.
- Energy: ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` [mJ, counter since boot],
  differenced per GPU. A drop is a reset (driver reload, GPU reset): the
  interval is flagged ``COUNTER_RESET`` and holds the power integral if power
  is known at both ends, else the post-reset reading (energy since the reset,
  a lower bound, as Prometheus ``increase()`` assumes). Never negative.
- Without the counter at both ends of an interval, ``DCGM_FI_DEV_POWER_USAGE``
  [W, gauge] is integrated with the trapezoid rule, ``(P0 + P1) / 2 · Δt``,
  flagged ``SOURCE_ESTIMATED``.
- DCGM blank values (:data:`~carbon.ingest.dcgm_exposition.SENTINEL_RANGES`), ``NaN``
  and ``±Inf`` are missing samples; an interval without a usable pair is NaN, flagged
  ``SOURCE_MISSING``.
- Output: one row per GPU and pair of consecutive sample times, interval start
  = the earlier time (UTC), ``interval_end`` = the later one, energy in J, and the power at
  both ends where the value is a trapezoid (``power_start``, ``power_end`` [W], else NaN):
  the spans :mod:`carbon.quality.apportion` spreads over the site's meter grid by time
  overlap. Other metrics are not read.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.core.units import ureg
from carbon.ingest.csv_text import first
from carbon.ingest.dcgm_exposition import (
    ENERGY_COUNTER,
    ENERGY_METRICS,
    KEPT_LABELS,
    POWER_GAUGE,
    parse_scrapes,
    samples_frame,
    utc_time,
)

__all__ = ["SCRAPE_SUFFIXES", "read_dcgm_csv", "read_dcgm_scrapes"]

SCRAPE_SUFFIXES = (".prom", ".txt")
_MJ_TO_J = 1e-3


# --- intervals ------------------------------------------------------------------------------


def _dedupe(samples: pd.DataFrame) -> pd.DataFrame:
    """One reading per (meter, time, metric); repeated series of one GPU collapse."""
    keys = ["meter_id", "time", "metric"]
    grouped = samples.groupby(keys, sort=False)
    agg = grouped.agg(
        low=("value", "min"), high=("value", "max"), valid=("value", "count"), line=("line", "min")
    ).reset_index()
    conflict = (agg["valid"] > 0) & (agg["low"] != agg["high"])
    agg["value"] = np.where(conflict, np.nan, agg["low"])
    agg["flag"] = np.select(
        [conflict, agg["valid"] == 0],
        [int(Flag.DUPLICATE_CONFLICTING), int(Flag.SOURCE_MISSING)],
        int(Flag.MEASURED),
    ).astype(np.int8)
    return agg[[*keys, "value", "flag", "line"]]


def _intervals(samples: pd.DataFrame) -> pd.DataFrame:
    """Energy per interval between consecutive sample times of each GPU [J]."""
    readings = _dedupe(samples)
    wide = readings.set_index(["meter_id", "time", "metric"])[["value", "flag", "line"]].unstack(
        "metric"
    )
    wide = wide.reindex(
        columns=pd.MultiIndex.from_product([["value", "flag", "line"], list(ENERGY_METRICS)])
    ).sort_index()
    meter = wide.index.get_level_values("meter_id").to_numpy(dtype=object)
    time = pd.DatetimeIndex(wide.index.get_level_values("time"))
    ns = time.as_unit("ns").asi8
    has_next = np.zeros(len(wide), dtype=bool)
    has_next[:-1] = meter[:-1] == meter[1:]
    nxt = np.minimum(np.arange(len(wide)) + 1, len(wide) - 1)
    seconds = (ns[nxt] - ns) / 1e9

    def column(kind: str, metric: str, fill: float) -> np.ndarray:
        return wide[(kind, metric)].to_numpy(dtype="float64", na_value=fill)

    absent = float(Flag.SOURCE_MISSING)
    c0 = column("value", ENERGY_COUNTER, np.nan)
    p0 = column("value", POWER_GAUGE, np.nan)
    c1, p1 = c0[nxt], p0[nxt]
    fc, fp = column("flag", ENERGY_COUNTER, absent), column("flag", POWER_GAUGE, absent)
    counter_ok = ~np.isnan(c0) & ~np.isnan(c1)
    power_ok = ~np.isnan(p0) & ~np.isnan(p1)
    delta_j = (c1 - c0) * _MJ_TO_J
    trapezoid_j = (p0 + p1) / 2.0 * seconds
    reset = counter_ok & (delta_j < 0)
    conflicting = np.isin(
        np.stack([fc, fc[nxt], fp, fp[nxt]]), [float(Flag.DUPLICATE_CONFLICTING)]
    ).any(axis=0)

    value = np.select(
        [counter_ok & ~reset, reset & power_ok, reset, power_ok],
        [delta_j, trapezoid_j, c1 * _MJ_TO_J, trapezoid_j],
        np.nan,
    )
    flag = np.select(
        [counter_ok & ~reset, reset, power_ok, conflicting],
        [
            int(Flag.MEASURED),
            int(Flag.COUNTER_RESET),
            int(Flag.SOURCE_ESTIMATED),
            int(Flag.DUPLICATE_CONFLICTING),
        ],
        int(Flag.SOURCE_MISSING),
    ).astype(np.int8)
    line_c = column("line", ENERGY_COUNTER, np.nan)
    line_p = column("line", POWER_GAUGE, np.nan)
    line = np.where(np.isnan(line_c), line_p, line_c)
    keep = has_next
    trapezoid = ~(counter_ok & ~reset) & power_ok  # the value is the trapezoid of power
    return pd.DataFrame(
        {
            "interval_start": time[keep],
            "meter_id": meter[keep].astype(str),
            "value": value[keep].astype("float64"),
            "flag": flag[keep],
            "line": line[keep].astype(np.int64),
            "interval_end": time[nxt][keep],
            "power_start": np.where(trapezoid, p0, np.nan)[keep],
            "power_end": np.where(trapezoid, p1, np.nan)[keep],
        }
    ).reset_index(drop=True)


def _labels(samples: pd.DataFrame) -> dict[str, dict[str, str]]:
    """meter_id -> kept labels; values that vary are joined with ',' in order of first use."""
    long = samples.melt(
        id_vars=["meter_id"], value_vars=list(KEPT_LABELS), var_name="label", value_name="text"
    )
    long = long[long["text"] != ""].drop_duplicates()
    joined = long.groupby(["meter_id", "label"], sort=False)["text"].agg(",".join)
    result: dict[str, dict[str, str]] = {str(m): {} for m in samples["meter_id"].unique()}
    for (meter, label), value in joined.items():  # loop over (meter, label) pairs, not samples
        result[str(meter)][str(label)] = str(value)
    return result


def _nominal_interval(times: pd.Series, interval: pd.Timedelta | str | None) -> pd.Timedelta | None:
    if interval is not None:
        return pd.Timedelta(interval)
    distinct = pd.DatetimeIndex(times.drop_duplicates()).sort_values()
    if len(distinct) < 2:
        return None
    return pd.Timedelta(np.median(np.diff(distinct.asi8)), unit="ns").round("1s")


def _table(
    samples: pd.DataFrame,
    *,
    source: str,
    sha256: str,
    interval: pd.Timedelta | str | None,
    kind: str,
) -> MeterTable:
    times = samples["time"]
    if times.nunique() < 2:
        raise InputDataError(
            f"{source}: the GPU samples hold a single time ({times.iloc[0].isoformat()}); "
            "one scrape is one instant, energy needs at least two scrapes",
            path=source,
            reason="single-reading",
        )
    frame = _intervals(samples)
    record = InputRecord(
        path=source,
        sha256=sha256,
        rows=len(samples),
        start=times.min().isoformat(),
        end=times.max().isoformat(),
        kind=kind,
    )
    return MeterTable(
        frame=frame,
        unit=ureg.Unit("J"),
        interval=_nominal_interval(times, interval),
        record=record,
        labels=_labels(samples),
    )


# --- readers ---------------------------------------------------------------------------------


def _utc_array(raw: pd.Series, lines: np.ndarray, source: str) -> pd.DatetimeIndex:
    """:func:`~carbon.ingest.dcgm_exposition.utc_time` over a column, vectorised.

    The column holds Unix seconds only, or ISO 8601 with offsets only.
    """
    text = raw.astype(str).str.strip()
    seconds = pd.to_numeric(text, errors="coerce")
    if seconds.notna().all():
        ns = np.round(seconds.to_numpy(dtype="float64") * 1e9).astype("int64")
        return pd.DatetimeIndex(pd.to_datetime(ns, unit="ns", utc=True))
    iso = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    has_offset = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True)
    bad = (iso.isna() | ~has_offset).to_numpy()
    if bad.any():
        i = first(bad)
        utc_time(text.iloc[i], f"{source}: line {lines[i]}")  # raises with the precise reason
    return pd.DatetimeIndex(iso).as_unit("ns")


def _scrape_files(paths_or_dir: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    if isinstance(paths_or_dir, (str, os.PathLike)):
        path = Path(paths_or_dir)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in SCRAPE_SUFFIXES)
            if not files:
                raise InputDataError(
                    f"{path}: no scrape files ({', '.join(SCRAPE_SUFFIXES)}) in the folder",
                    path=path,
                    reason="no-files",
                )
            return files
        candidates = [path]
    else:
        candidates = [Path(p) for p in paths_or_dir]
    if not candidates:
        raise InputDataError("no DCGM scrape files given", reason="no-files")
    for path in candidates:
        if not path.is_file():
            raise InputDataError(f"{path}: scrape file not found", path=path, reason="not-found")
    return candidates


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputDataError(
            f"{path}: not UTF-8 text ({exc}); expected dcgm-exporter scrapes as UTF-8 text",
            path=path,
            reason="encoding",
        ) from None


def read_dcgm_scrapes(
    paths_or_dir: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    timestamps: Sequence[str | pd.Timestamp] | None = None,
    interval: pd.Timedelta | str | None = None,
) -> MeterTable:
    """Read a series of dcgm-exporter scrapes into GPU energy per interval.

    Parameters
    ----------
    paths_or_dir : path, folder or sequence of paths
        Scrape files in Prometheus text format. A folder is read in file-name
        order (files ending ``.prom`` or ``.txt``); a sequence in the order
        given. One file may hold several scrapes, each starting with a
        ``# scrape_time`` comment. A single path ending ``.csv`` is read with
        :func:`read_dcgm_csv`.
    timestamps : sequence of times, optional
        One scrape time per scrape, in reading order (tz-aware, or ISO 8601
        strings with an offset, or Unix seconds). Given, it overrides the
        ``# scrape_time`` comments; otherwise each scrape's time is its
        ``# scrape_time`` comment, else the latest own timestamp of each GPU's
        samples in that scrape.
    interval : Timedelta or str, optional
        The nominal scrape interval, recorded as ``MeterTable.interval``.
        Default: the median spacing of the sample times rounded to 1 s.

    Returns
    -------
    MeterTable
        ``frame``: one row per GPU and pair of consecutive sample times:
        ``interval_start`` (the earlier time, UTC), ``meter_id``, ``value``
        [J] energy in the interval, ``flag`` (``MEASURED``: counter
        difference; ``SOURCE_ESTIMATED``: trapezoid of power;
        ``COUNTER_RESET``; ``SOURCE_MISSING``; ``DUPLICATE_CONFLICTING``),
        ``line`` (line of the sample opening the interval, counted through the
        files in reading order). ``unit`` is J; ``labels`` maps each meter to
        its :data:`~carbon.ingest.dcgm_exposition.KEPT_LABELS`. ``record.rows`` counts the
        energy samples read.

    Raises
    ------
    InputDataError
        Missing or unreadable files, a malformed sample line, a scrape without
        a time or without any GPU energy sample, a timestamp count that does
        not match the scrapes, or a single scrape time overall. The message
        names the file and line.
    """
    # Long by design: files are read and their scrapes numbered across files, then every scrape is
    # timed; each step needs the tables of the one before and names the file and line of what it
    # refuses.
    if isinstance(paths_or_dir, (str, os.PathLike)) and Path(paths_or_dir).suffix == ".csv":
        if timestamps is not None:
            raise InputDataError(
                f"{paths_or_dir}: a CSV export carries its own timestamps; "
                "do not pass 'timestamps'",
                path=paths_or_dir,
                reason="bad-option",
            )
        return read_dcgm_csv(paths_or_dir, interval=interval)
    files = _scrape_files(paths_or_dir)
    parts, scrape_tables, offset, n_scrapes = [], [], 0, 0
    for path in files:  # loop over files
        text = _read_text(path)
        samples, scrapes = parse_scrapes(text, str(path))
        samples["file"], samples["local_line"] = str(path), samples["line"]
        samples["line"] += offset
        keys = range(n_scrapes, n_scrapes + len(scrapes))
        samples["scrape_key"] = samples["scrape"].map(
            dict(zip(scrapes["scrape"], keys, strict=True))
        )
        parts.append(samples)
        scrape_tables.append(scrapes.assign(file=str(path)))
        offset += len(text.splitlines())
        n_scrapes += len(scrapes)
    samples = pd.concat(parts, ignore_index=True)
    scrapes = pd.concat(scrape_tables, ignore_index=True)

    if timestamps is not None:
        if len(timestamps) != len(scrapes):
            raise InputDataError(
                f"{len(timestamps)} timestamps given for {len(scrapes)} scrapes in "
                f"{', '.join(str(f) for f in files)}; give one per scrape, in reading order",
                reason="bad-option",
            )
        scrape_time = pd.DatetimeIndex(
            [utc_time(t, f"timestamps[{i}]") for i, t in enumerate(timestamps)]
        )
    else:
        scrape_time = pd.DatetimeIndex(scrapes["time"])

    empty = np.bincount(samples["scrape_key"], minlength=len(scrapes)) == 0
    if empty.any():
        i = first(empty)
        raise InputDataError(
            f"{scrapes['file'].iloc[i]}: line {scrapes['line'].iloc[i]}: the scrape holds no "
            f"{ENERGY_COUNTER} or {POWER_GAUGE} sample; expected dcgm-exporter output with "
            "at least one of them (check the exporter's counters file)",
            path=scrapes["file"].iloc[i],
            line=int(scrapes["line"].iloc[i]),
            reason="no-energy-metric",
        )
    repeated = samples.groupby(["scrape_key", "meter_id", "metric"])["sample_time"].transform(
        "nunique"
    )
    if (repeated > 1).any():
        i = first((repeated > 1).to_numpy())
        raise InputDataError(
            f"{samples['file'].iloc[i]}: line {samples['local_line'].iloc[i]}: "
            f"{samples['metric'].iloc[i]} of GPU {samples['meter_id'].iloc[i]} appears again "
            "with another timestamp in the same scrape; start each scrape with a "
            "'# scrape_time' line",
            path=samples["file"].iloc[i],
            line=int(samples["local_line"].iloc[i]),
            meter=str(samples["meter_id"].iloc[i]),
            reason="duplicate",
        )
    time = pd.Series(scrape_time[samples["scrape_key"].to_numpy()], index=samples.index)
    own = samples.groupby(["scrape_key", "meter_id"])["sample_time"].transform("max")
    time = time.fillna(own)
    if time.isna().any():
        i = first(time.isna().to_numpy())
        key = int(samples["scrape_key"].iloc[i])
        raise InputDataError(
            f"{scrapes['file'].iloc[key]}: line {scrapes['line'].iloc[key]}: the scrape has "
            "no time; start it with '# scrape_time 2025-07-01T00:00:15Z', pass "
            "'timestamps', or keep the samples' own timestamps",
            path=scrapes["file"].iloc[key],
            line=int(scrapes["line"].iloc[key]),
            reason="timestamp",
        )
    samples["time"] = pd.DatetimeIndex(time).as_unit("ns")

    if len(files) == 1:
        source, sha = str(files[0]), file_sha256(files[0])
    else:
        folder = Path(paths_or_dir) if isinstance(paths_or_dir, (str, os.PathLike)) else None
        source = str(folder) if folder is not None else str(Path(os.path.commonpath(files)))
        digest = hashlib.sha256()
        for path in files:  # loop over files
            digest.update(f"{path.name}\0{file_sha256(path)}\n".encode())
        sha = digest.hexdigest()
    return _table(
        samples,
        source=source,
        sha256=sha,
        interval=interval,
        kind=f"DCGM exporter scrapes ({len(files)} file(s), {len(scrapes)} scrape(s))",
    )


def read_dcgm_csv(
    path: str | os.PathLike, *, interval: pd.Timedelta | str | None = None
) -> MeterTable:
    """Read a long CSV export of dcgm-exporter metrics into GPU energy per interval.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header row and one sample per row: ``timestamp``
        (Unix seconds, as the Prometheus HTTP API gives them, or ISO 8601 with
        an offset), ``metric`` (or ``__name__``), ``value``, and label columns
        named as the Prometheus labels (``gpu``, ``UUID``, ``Hostname``,
        ``modelName``, ``pod``, ``namespace``, ``container``, …). Rows of other
        metrics are allowed and not read.
    interval : Timedelta or str, optional
        The nominal sample spacing (the range query's ``step``); default: the
        median spacing rounded to 1 s.

    Returns
    -------
    MeterTable
        As :func:`read_dcgm_scrapes`; ``line`` is the CSV line (header = 1).

    Raises
    ------
    InputDataError
        Unreadable CSV, missing columns, no GPU energy rows, a timestamp or
        value that does not parse, or a single time; names the file and line.
    """
    source = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputDataError(f"{source}: file not found", path=source, reason="not-found") from None
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable UTF-8 CSV file ({exc}); expected a UTF-8 CSV export",
            path=source,
            reason="unreadable",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if "metric" not in frame.columns and "__name__" in frame.columns:
        frame = frame.rename(columns={"__name__": "metric"})
    missing = [c for c in ("timestamp", "metric", "value") if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; expected "
            "'timestamp, metric, <labels: gpu, UUID, Hostname, ...>, value'",
            path=source,
            line=1,
            reason="missing-column",
        )
    lines = np.arange(2, len(frame) + 2, dtype=np.int64)
    wanted = frame["metric"].str.strip().isin(ENERGY_METRICS).to_numpy(dtype=bool)
    if not wanted.any():
        raise InputDataError(
            f"{source}: no {ENERGY_COUNTER} or {POWER_GAUGE} rows; expected a dcgm-exporter "
            "export holding at least one of them in the 'metric' column",
            path=source,
            reason="no-energy-metric",
        )
    rows = frame.loc[wanted].reset_index(drop=True)
    lines = lines[wanted]
    labels = pd.DataFrame(
        {n: rows[n].str.strip() if n in rows.columns else "" for n in KEPT_LABELS},
        index=rows.index,
    ).astype(object)
    samples = samples_frame(
        rows["metric"].str.strip().to_numpy(dtype=object), rows["value"], labels, lines, source
    )
    samples["time"] = _utc_array(rows["timestamp"], lines, source)
    return _table(
        samples,
        source=source,
        sha256=file_sha256(path),
        interval=interval,
        kind="DCGM exporter CSV export",
    )
