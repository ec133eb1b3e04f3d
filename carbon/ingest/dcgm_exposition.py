"""Prometheus text exposition as dcgm-exporter writes it: the GPU energy samples of scrapes.

dcgm-exporter (``:9400/metrics``) answers with Prometheus text exposition
[docs/data-formats.md §4.1]. :func:`parse_dcgm_exposition` turns one or more scrapes into one row
per ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` [mJ] or ``DCGM_FI_DEV_POWER_USAGE`` [W]
sample, with the GPU's meter id, its kept labels and its line; DCGM blank values
(:data:`SENTINEL_RANGES`), ``NaN`` and ``±Inf`` are missing samples. Each scrape may start
with a ``# scrape_time <ISO 8601 with offset | Unix seconds>`` comment written by the
collector (a plain comment to every Prometheus parser). The energy per interval is made
from these samples by :mod:`carbon.ingest.dcgm`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError
from carbon.core.flags import Flag
from carbon.ingest.csv_text import first

__all__ = [
    "ENERGY_COUNTER",
    "ENERGY_METRICS",
    "KEPT_LABELS",
    "POWER_GAUGE",
    "SENTINEL_RANGES",
    "parse_dcgm_exposition",
    "parse_scrapes",
    "samples_frame",
    "utc_time",
]

ENERGY_COUNTER = "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION"  # [mJ] counter since boot
POWER_GAUGE = "DCGM_FI_DEV_POWER_USAGE"  # [W] gauge
ENERGY_METRICS = (ENERGY_COUNTER, POWER_GAUGE)

#: Labels kept per meter (tenant attribution and identification); others are not read.
KEPT_LABELS = (
    "UUID",
    "gpu",
    "device",
    "modelName",
    "Hostname",
    "pci_bus_id",
    "pod",
    "namespace",
    "container",
    "GPU_I_ID",
    "GPU_I_PROFILE",
)

#: Closed ranges of values that DCGM / NVML use for "blank, not found, not supported,
#: not permitted" (``dcgm_structs.h``: each blank base plus up to 15), and what they are.
SENTINEL_RANGES: tuple[tuple[float, float, str], ...] = (
    (float(0x7FFFFFF0), float(0x7FFFFFFF), "DCGM_INT32_BLANK .. +15 (2147483632-2147483647)"),
    (float(0xFFFFFFFF), float(0xFFFFFFFF), "uint32 all ones (4294967295, NVML 'N/A')"),
    (2.0**47, 2.0**47 + 15.0, "DCGM_FP64_BLANK .. +15 (140737488355328-...343)"),
    (float(0x7FFFFFFFFFFFFFF0), np.inf, "DCGM_INT64_BLANK .. +15 and above (>= 2^63 - 16)"),
)

_LABEL = r'[A-Za-z_][A-Za-z0-9_]*\s*=\s*"(?:[^"\\\n]|\\.)*"'
_SAMPLE = re.compile(
    r"^\s*(?P<name>[A-Za-z_:][A-Za-z0-9_:]*)\s*"
    rf"(?:\{{(?P<labels>\s*(?:{_LABEL}(?:\s*,\s*{_LABEL})*\s*,?)?\s*)\}})?"
    r"\s+(?P<value>\S+)(?:\s+(?P<ts>-?\d+))?\s*$"
)
_LABEL_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\.)*)"')
_SCRAPE_MARK = re.compile(r"^\s*#\s*scrape_time\b[ \t]*(?P<time>.*?)\s*$")
_ESCAPES = {"n": "\n", "\\": "\\", '"': '"'}


# --- small helpers ----------------------------------------------------------------------------


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse Prometheus sample values; return (values, bad) where bad marks non-numbers."""
    text = raw.astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(values) & ~text.str.fullmatch(r"[+-]?nan", case=False).to_numpy()
    return values, bad


def _sentinel(values: np.ndarray) -> np.ndarray:
    """True where a value is a DCGM blank (see SENTINEL_RANGES) or not finite."""
    mask = ~np.isfinite(values)
    for low, high, _what in SENTINEL_RANGES:
        mask |= (values >= low) & (values <= high)
    return mask


def utc_time(token: str, where: str) -> pd.Timestamp:
    """A time given as Unix seconds or ISO 8601 with an offset, as a UTC Timestamp."""
    text = str(token).strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None and np.isfinite(seconds):
        return pd.Timestamp(round(seconds * 1e9), unit="ns", tz="UTC")
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise InputDataError(
            f"{where}: time {text!r} is not a time; expected ISO 8601 with an offset "
            "(e.g. 2025-07-01T00:00:15Z) or Unix seconds (e.g. 1751328015)",
            timestamp=text,
            reason="timestamp",
        )
    if stamp.tzinfo is None:
        raise InputDataError(
            f"{where}: time {text!r} has no UTC offset; write e.g. 2025-07-01T00:00:15Z",
            timestamp=text,
            reason="timestamp",
        )
    return stamp.tz_convert("UTC").as_unit("ns")


def _unescape(values: pd.Series) -> pd.Series:
    return values.str.replace(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), regex=True)


def _meter_ids(labels: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray:
    uuid = labels["UUID"].to_numpy(dtype=object)
    host, gpu = labels["Hostname"].to_numpy(dtype=object), labels["gpu"].to_numpy(dtype=object)
    fallback = np.char.add(np.char.add(host.astype(str), ":"), gpu.astype(str)).astype(object)
    no_id = (uuid == "") & ((host == "") | (gpu == ""))
    if no_id.any():
        i = first(no_id)
        raise InputDataError(
            f"{source}: line {lines[i]}: GPU sample without a 'UUID' label and without "
            "'Hostname' and 'gpu' labels; one of them is needed to name the GPU (meter id)",
            path=source,
            line=int(lines[i]),
            reason="missing-meter-id",
        )
    return np.where(uuid != "", uuid, fallback)


def samples_frame(
    metric: np.ndarray,
    raw_values: pd.Series,
    labels: pd.DataFrame,
    lines: np.ndarray,
    source: str,
) -> pd.DataFrame:
    """Energy samples with parsed values, sentinel flags and meter ids."""
    values, bad = _numbers(raw_values)
    if bad.any():
        i = first(bad)
        raise InputDataError(
            f"{source}: line {lines[i]}: {metric[i]} value {raw_values.iloc[i]!r} is not a "
            "number; expected a Prometheus sample value such as 8.969 or 128996013",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    missing = _sentinel(values)
    frame = pd.DataFrame(
        {
            "metric": metric.astype(object),
            "meter_id": _meter_ids(labels, lines, source),
            "value": np.where(missing, np.nan, values),
            "flag": np.where(missing, int(Flag.SOURCE_MISSING), int(Flag.MEASURED)).astype(np.int8),
            "line": lines.astype(np.int64),
        }
    )
    for name in KEPT_LABELS:
        frame[name] = labels[name].to_numpy(dtype=object)
    return frame


# --- Prometheus text exposition ---------------------------------------------------------------


def parse_scrapes(text: str, source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Energy samples of `text` and its scrapes (``scrape``, ``time``, ``line``, ``samples``)."""
    lines = pd.Series(text.splitlines(), dtype=object)
    if lines.empty:
        raise InputDataError(
            f"{source}: the file is empty; expected a dcgm-exporter scrape",
            path=source,
            reason="empty",
        )
    numbers = np.arange(1, len(lines) + 1, dtype=np.int64)
    stripped = lines.str.strip()
    comment = stripped.str.startswith("#").to_numpy(dtype=bool)
    blank = (stripped == "").to_numpy(dtype=bool)
    marks = stripped.str.extract(_SCRAPE_MARK)["time"]
    is_mark = marks.notna().to_numpy(dtype=bool)
    scrape_of_line = np.cumsum(is_mark)  # scrape 0 = lines before the first marker

    sample = ~comment & ~blank
    content = lines[sample]
    parts = content.str.extract(_SAMPLE)
    malformed = parts["name"].isna().to_numpy(dtype=bool)
    if malformed.any():
        i = first(malformed)
        raise InputDataError(
            f"{source}: line {numbers[sample][i]}: not a Prometheus sample line "
            f'({str(content.iloc[i])[:80]!r}); expected \'NAME{{label="value",...}} VALUE '
            "[TIMESTAMP_MS]' (a truncated or corrupted scrape?)",
            path=source,
            line=int(numbers[sample][i]),
            reason="malformed",
        )

    # scrapes: every marker, plus the unmarked lines before it if they hold samples
    n_samples = np.bincount(scrape_of_line[sample], minlength=int(scrape_of_line[-1]) + 1)
    mark_lines = numbers[is_mark]
    scrape_ids = np.arange(len(n_samples))
    start_line = np.concatenate([[1], mark_lines])[: len(n_samples)]
    times = [pd.NaT] + [  # an empty '# scrape_time' only marks the boundary
        utc_time(t, f"{source}: line {n}") if t else pd.NaT
        for t, n in zip(marks[is_mark], mark_lines, strict=True)
    ]
    scrapes = pd.DataFrame(
        {
            "scrape": scrape_ids,
            "time": pd.DatetimeIndex(times[: len(n_samples)], tz="UTC").as_unit("ns"),
            "line": start_line,
            "samples": n_samples,
        }
    )
    if len(scrapes) and scrapes["samples"].iloc[0] == 0:
        scrapes = scrapes.iloc[1:]  # nothing before the first marker

    wanted = parts["name"].isin(ENERGY_METRICS).to_numpy(dtype=bool)
    energy = parts.loc[wanted]
    energy_lines = numbers[sample][wanted]
    pairs = energy["labels"].fillna("").str.findall(_LABEL_PAIR).explode().dropna()
    kv = pd.DataFrame(pairs.tolist(), index=pairs.index, columns=["key", "val"])
    kv = kv[kv["key"].isin(KEPT_LABELS)]
    kv = kv[~kv.reset_index().duplicated(["index", "key"], keep="last").to_numpy()]
    kv["val"] = _unescape(kv["val"].astype(str))
    labels = kv.pivot(columns="key", values="val").reindex(
        index=energy.index, columns=list(KEPT_LABELS)
    )
    labels = labels.astype(object).fillna("")

    frame = samples_frame(
        energy["name"].to_numpy(dtype=object), energy["value"], labels, energy_lines, source
    )
    frame.insert(0, "scrape", scrape_of_line[sample][wanted].astype(np.int64))
    ts = pd.to_numeric(energy["ts"], errors="coerce").to_numpy(dtype="float64")
    frame.insert(
        1,
        "sample_time",
        pd.to_datetime(np.where(np.isnan(ts), np.nan, ts), unit="ms", utc=True).as_unit("ns"),
    )
    return frame, scrapes.reset_index(drop=True)


def parse_dcgm_exposition(text: str, *, source: str = "<text>") -> pd.DataFrame:
    """Parse dcgm-exporter Prometheus text into its GPU energy samples.

    Parameters
    ----------
    text : str
        One or more scrapes of ``/metrics``; a ``# scrape_time <time>`` comment
        starts each scrape when there are several.
    source : str
        Name used in error messages (the file name).

    Returns
    -------
    pandas.DataFrame
        One row per ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` [mJ] or
        ``DCGM_FI_DEV_POWER_USAGE`` [W] sample: ``scrape`` (0 = lines before
        the first ``# scrape_time`` comment), ``sample_time`` (the sample's own
        timestamp, UTC; NaT if none), ``metric``, ``meter_id`` (UUID, or
        ``Hostname:gpu``), ``value`` (float64 in the metric's unit; NaN for
        DCGM blanks and NaN/Inf), ``flag`` (``MEASURED`` or ``SOURCE_MISSING``),
        ``line`` (1-based line in `text`), and one column per label of
        :data:`KEPT_LABELS` ("" where absent).

    Raises
    ------
    InputDataError
        A line that is not a sample, a value that is not a number, a bad
        ``# scrape_time``, or a GPU sample without ``UUID`` or
        ``Hostname`` + ``gpu``; the message names `source` and the line.
    """
    return parse_scrapes(text, source)[0]
