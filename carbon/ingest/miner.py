"""ASIC miner telemetry: cgminer-family API polls to energy per interval and hashrate.

Miners answer on TCP 4028 (``{"command":"summary"}``, ``stats``, ``devs``,
``power``, ``tunerstatus``, or joined ``summary+stats``) [docs/data-formats.md §4.2].
:func:`parse_miner_response` reads one reply as received, with its quirks:

- a trailing NUL byte (and surrounding whitespace);
- ``}{`` between objects with no comma (stock Bitmain ``stats``), also two whole
  replies back to back: list values of the same key are concatenated, other
  keys keep their first value;
- numbers as strings (``"GHS 5s":"140258.58"``): kept as given here, converted
  by the reader;
- the pipe-delimited text protocol (``STATUS=S,When=…,Code=11,…|SUMMARY,Elapsed=…|``),
  returned in the same shape as JSON: section name → list of dicts of strings.

:func:`read_miner_polls` reads a JSON Lines log of polls of one miner (shape in
``docs/importers/miner.md``). Each non-blank line is either the raw reply as
received, or an envelope ``{"time": <ISO 8601 with offset | Unix s>,
"response": <raw reply text | parsed object | list of them>}``. The poll time
is the envelope's ``time``, else ``STATUS[0].When`` (the miner's clock, epoch s
UTC, which drifts).

Per poll: hashrate [TH/s] from the first field found, by window then unit
(:data:`HASHRATE_WINDOWS` × :data:`HASHRATE_UNITS`) in ``SUMMARY`` then
``STATS``; power [W] from the first of :data:`POWER_FIELDS` the firmware
reports (values ≤ 0, e.g. Whatsminer's −1, are "not reported"); otherwise
``nameplate_j_per_th`` × hashrate, an estimate. Energy between consecutive
polls is the trapezoid ``(P0 + P1) / 2 · Δt`` [J].
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from carbon.core.errors import ConfigError, InputDataError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.core.units import Q_, ureg

__all__ = [
    "HASHRATE_UNITS",
    "HASHRATE_WINDOWS",
    "POWER_FIELDS",
    "MinerTelemetry",
    "parse_miner_response",
    "read_miner_polls",
]

#: Field prefix → pint unit of the value.
HASHRATE_UNITS: dict[str, str] = {"THS": "TH/s", "GHS": "GH/s", "MHS": "MH/s", "KHS": "kH/s"}
#: Averaging windows in order of preference (the shortest is the reading at the poll).
HASHRATE_WINDOWS = ("5s", "1m", "5m", "15m", "30m", "av")
#: Where firmwares report power [W], in order of preference: (section, field, firmware).
POWER_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("POWER", "Watts", "LuxOS 'power'"),
    ("TUNERSTATUS", "ApproximateMinerPowerConsumption", "Braiins OS 'tunerstatus'"),
    ("SUMMARY", "Power", "Whatsminer btminer v2 'summary' (-1 = unavailable)"),
    ("STATS", "chain_power", "some Antminer firmwares 'stats'"),
    ("STATS", "chain_power1..n", "some Antminer firmwares 'stats', summed"),
    ("Power Supply Stats", "Input Power", "ePIC"),
)
_FAILED = {"E", "F"}  # cgminer STATUS codes: Error, Fatal (S, I, W are answers)
_JSON_STRING_OR_GAP = re.compile(r'("(?:[^"\\]|\\.)*")|\}\s*\{')
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_UNESCAPED = {"|": re.compile(r"(?<!\\)\|"), ",": re.compile(r"(?<!\\),")}
_CHAIN_POWER = re.compile(r"^chain_power\d+$")
_WATTS = re.compile(r"^\s*([-+0-9.eE]+)\s*W?\s*$")


@dataclass(frozen=True)
class MinerTelemetry:
    """What :func:`read_miner_polls` returns for one miner.

    Attributes
    ----------
    energy : MeterTable
        Energy per interval between consecutive polls [J].
    hashrate : xarray.DataArray
        ``(time,)`` hashrate at each poll [TH/s], pint-quantified; ``time`` is
        naive UTC; coordinate ``hashrate_field`` names the field read (NaN and
        "" where the poll failed).
    power : xarray.DataArray
        ``(time,)`` power at each poll [W], pint-quantified; coordinate
        ``power_source`` is the field read, ``"nameplate"`` for an estimate, or
        "" where unknown.
    """

    energy: MeterTable
    hashrate: xr.DataArray
    power: xr.DataArray

    def efficiency(self) -> xr.DataArray:
        """Efficiency at each poll, power / hashrate [J/TH] (1 J/TH = 1 W per TH/s)."""
        return (self.power / self.hashrate).pint.to("J/TH")


# --- one response -----------------------------------------------------------------------------


def _merge(objects: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Merge replies: list values of one key are concatenated, others keep the first value."""
    merged: dict[str, Any] = {}
    for obj in objects:  # loop over the objects of one reply
        for key, value in obj.items():
            if key in merged and isinstance(merged[key], list) and isinstance(value, list):
                merged[key] = merged[key] + value
            else:
                merged.setdefault(key, value)
    return merged


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _parse_text_protocol(text: str) -> dict[str, Any]:
    """``STATUS=S,When=…|SUMMARY,Elapsed=…|`` → ``{"STATUS": [{…}], "SUMMARY": [{…}]}``."""
    result: dict[str, list[dict[str, str]]] = {}
    for section in _UNESCAPED["|"].split(text):  # loop over the sections of one reply
        if not section.strip():
            continue
        items = [item.strip() for item in _UNESCAPED[","].split(section)]
        fields: dict[str, str] = {}
        name = None
        for item in items:  # loop over the fields of one section
            key, sep, value = item.partition("=")
            if not sep:
                name = name or _unescape(key)
                continue
            fields[_unescape(key)] = _unescape(value)
            name = name or _unescape(key)
        if name:
            result.setdefault(name, []).append(fields)
    return result


def parse_miner_response(text: str | bytes, *, source: str = "<response>") -> dict[str, Any]:
    """Parse one cgminer-family API reply, as received, into a dict.

    Parameters
    ----------
    text : str or bytes
        The reply: JSON (possibly with a trailing NUL, ``}{`` without a comma,
        or several objects back to back) or the pipe-delimited text protocol.
        Bytes are decoded as UTF-8 (invalid bytes replaced).
    source : str
        Where the reply came from (file and line), for error messages.

    Returns
    -------
    dict
        The reply: ``STATUS`` and the command's sections (``SUMMARY``,
        ``STATS``, ``DEVS``, ``POWER``, …), or the lower-case command keys of a
        joined command (``summary+stats``). Values are as sent (numbers may be
        strings).

    Raises
    ------
    InputDataError
        Empty, truncated or otherwise invalid JSON, or JSON that is not an
        object; the message names `source` and the character position.

    Examples
    --------
    >>> parse_miner_response('{"STATUS":[{"STATUS":"S","When":1751328000}],"id":1}\\x00')
    {'STATUS': [{'STATUS': 'S', 'When': 1751328000}], 'id': 1}
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    body = text.strip("\x00 \t\r\n")
    if not body:
        raise InputDataError(f"{source}: empty miner response", reason="empty")
    if body.startswith("STATUS="):
        return _parse_text_protocol(body)
    if not body.startswith("{"):
        raise InputDataError(
            f"{source}: not a miner API response ({body[:40]!r}); expected a JSON object "
            'such as {"STATUS":[...],"SUMMARY":[...]} or the text form \'STATUS=S,...|\'',
            reason="wrong-document",
        )
    try:
        return _json_object(json.loads(body), source)
    except json.JSONDecodeError as exc:
        first_error = exc
    # Quirk: '}{' between objects without a comma, inside an array or at the top level.
    fixed = _JSON_STRING_OR_GAP.sub(lambda m: m.group(1) or "},{", body)
    try:
        parts = json.loads(f"[{fixed}]")
    except json.JSONDecodeError:
        where = first_error.pos
        what = "truncated JSON" if _unclosed(body) else "invalid JSON"
        raise InputDataError(
            f"{source}: {what} at character {where + 1} of {len(body)} "
            f"({first_error.msg}); expected one complete JSON object per response",
            reason="malformed",
        ) from None
    return _merge(_json_object(part, source) for part in parts)


def _unclosed(body: str) -> bool:
    """True if `body` ends inside a string or with objects/arrays left open (cut short)."""
    outside = _JSON_STRING.sub("", body)
    opened = outside.count("{") + outside.count("[")
    return '"' in outside or opened > outside.count("}") + outside.count("]")


def _json_object(parsed: Any, source: str) -> dict[str, Any]:
    if not isinstance(parsed, dict):
        raise InputDataError(
            f"{source}: the response is JSON {type(parsed).__name__}, not an object",
            reason="malformed",
        )
    return parsed


# --- fields of one poll -----------------------------------------------------------------------


def _sections(reply: dict[str, Any]) -> dict[str, Any]:
    """Flatten a joined command (``{"summary":[{STATUS, SUMMARY}], "stats":[…]}``)."""
    if "STATUS" in reply:
        return reply
    parts = [
        item
        for value in reply.values()
        if isinstance(value, list)
        for item in value
        if isinstance(item, dict) and "STATUS" in item
    ]
    return _merge(parts) if parts else reply


def _number(value: Any, where: str, field: str, *, watts: bool = False) -> float:
    """A field value as float (numbers may be strings; with `watts`, may end in 'W')."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        match = _WATTS.match(value) if watts else None
        try:
            return float(match.group(1) if match else value)
        except ValueError:
            pass
    raise InputDataError(
        f"{where}: {field} is {value!r}, expected a number (or a number as a string)",
        reason="bad-number",
    )


def _records(reply: dict[str, Any], section: str) -> list[dict[str, Any]]:
    value = reply.get(section)
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _hashrate(reply: dict[str, Any], where: str) -> tuple[float, str, str] | None:
    """(value, unit, 'SECTION.field') of the preferred hashrate field, or None."""
    blocks = [("SUMMARY", b) for b in _records(reply, "SUMMARY")[:1]]
    blocks += [("STATS", b) for b in _records(reply, "STATS")]
    for window in HASHRATE_WINDOWS:
        for prefix, unit in HASHRATE_UNITS.items():
            key = f"{prefix} {window}"
            for section, block in blocks:
                if key in block:
                    return _number(block[key], where, key), unit, f"{section}.{key}"
    return None


def _power(reply: dict[str, Any], where: str) -> tuple[float, str] | None:
    """(watts, 'SECTION.field') of the first power field the firmware reports, or None."""
    candidates: list[tuple[Any, str]] = []
    for section, field, _firmware in POWER_FIELDS[:3]:
        for block in _records(reply, section)[:1]:
            if field in block:
                candidates.append((block[field], f"{section}.{field}"))
    for block in _records(reply, "STATS"):
        if "chain_power" in block:
            candidates.append((block["chain_power"], "STATS.chain_power"))
        chains = [k for k in block if _CHAIN_POWER.match(k)]
        if chains:
            total = sum(_number(block[k], where, k, watts=True) for k in chains)
            candidates.append((total, "STATS.chain_power1..n"))
    psu = reply.get("Power Supply Stats")
    if isinstance(psu, dict) and "Input Power" in psu:
        candidates.append((psu["Input Power"], "Power Supply Stats.Input Power"))
    for raw, name in candidates:  # loop over at most a few fields
        watts = _number(raw, where, name, watts=True)
        if watts > 0:
            return watts, name
    return None


def _poll(line: str, source: str, number: int) -> dict[str, Any]:
    """Time, status, hashrate and power of the log's line `number`."""
    where = f"{source}: line {number}"
    reply = parse_miner_response(line, source=where)
    stamp = None
    if "STATUS" not in reply and "response" in reply:
        stamp = reply.get("time")
        inner = reply["response"]
        inner = inner if isinstance(inner, list) else [inner]
        if not inner or not all(isinstance(r, (str, dict)) for r in inner):
            raise InputDataError(
                f"{where}: the envelope's 'response' must be the reply text, the parsed "
                "reply object, or a non-empty list of them",
                path=source,
                line=number,
                reason="malformed",
            )
        reply = _merge(
            parse_miner_response(r, source=where) if isinstance(r, str) else r for r in inner
        )
    reply = _sections(reply)
    status = _records(reply, "STATUS")
    if not status:
        raise InputDataError(
            f"{where}: no STATUS block; expected a cgminer-family reply "
            '{"STATUS":[{"STATUS":"S","When":...}], ...}',
            path=source,
            line=number,
            reason="missing-element",
        )
    if stamp is None:
        if "When" not in status[0]:
            raise InputDataError(
                f"{where}: no poll time: no envelope 'time' and no STATUS[0].When",
                path=source,
                line=number,
                reason="timestamp",
            )
        stamp = _number(status[0]["When"], where, "STATUS[0].When")  # epoch s, miner clock
    code = str(status[0].get("STATUS", "")).strip()
    poll: dict[str, Any] = {"time": stamp, "failed": code in _FAILED, "elapsed": np.nan}
    if poll["failed"]:  # e.g. {"STATUS":"E","Msg":"invalid cmd"}: no readings in this poll
        return poll
    for section in ("SUMMARY", "STATS"):
        for block in _records(reply, section):
            if "Elapsed" in block and np.isnan(poll["elapsed"]):
                poll["elapsed"] = _number(block["Elapsed"], where, f"{section}.Elapsed")
    rate = _hashrate(reply, where)
    if rate is None:
        fields = ", ".join(f"'{p} {w}'" for w in HASHRATE_WINDOWS[:2] for p in HASHRATE_UNITS)
        raise InputDataError(
            f"{where}: no hashrate field in SUMMARY or STATS (looked for {fields}, ...); "
            "log the 'summary' command (or 'summary+stats')",
            path=source,
            line=number,
            reason="no-hashrate",
        )
    poll["rate"], poll["rate_unit"], poll["rate_field"] = rate
    power = _power(reply, where)
    if power is not None:
        poll["watts"], poll["power_field"] = power
    return poll


# --- the poll log ----------------------------------------------------------------------------


def _seconds(stamp: Any) -> float | None:
    """Unix seconds from a number or a numeric string, else None."""
    if isinstance(stamp, bool):
        return None
    try:
        seconds = float(stamp)
    except (TypeError, ValueError):
        return None
    return seconds if np.isfinite(seconds) else None


def _utc(stamps: list[Any], lines: np.ndarray, source: str) -> pd.DatetimeIndex:
    out = []
    for stamp, line in zip(stamps, lines, strict=True):  # loop over polls (parsed per line)
        where = f"{source}: line {line}"
        seconds = _seconds(stamp)
        if seconds is not None:
            out.append(pd.Timestamp(round(seconds * 1e9), unit="ns", tz="UTC"))
            continue
        try:
            parsed = pd.Timestamp(str(stamp))
        except (ValueError, TypeError):
            parsed = None
        if parsed is None or pd.isna(parsed) or parsed.tzinfo is None:
            raise InputDataError(
                f"{where}: poll time {stamp!r} is not ISO 8601 with an offset "
                "(e.g. 2025-07-01T00:00:00Z) or Unix seconds",
                path=source,
                line=int(line),
                timestamp=str(stamp),
                reason="timestamp",
            )
        out.append(parsed.tz_convert("UTC"))
    return pd.DatetimeIndex(out).as_unit("ns")


def _series(
    values: np.ndarray, unit: str, time: pd.DatetimeIndex, name: str, coord: tuple[str, np.ndarray]
) -> xr.DataArray:
    """A per-poll series over naive-UTC ``time``, quantified in `unit`."""
    return xr.DataArray(
        values,
        dims=("time",),
        coords={"time": time.tz_localize(None), coord[0]: ("time", coord[1])},
        name=name,
        attrs={"time_zone": "UTC"},
    ).pint.quantify(unit, unit_registry=ureg)


def read_miner_polls(
    path: str | Path, *, meter_id: str, nameplate_j_per_th: float | None = None
) -> MinerTelemetry:
    """Read a JSON Lines log of one miner's API polls into energy and hashrate.

    Parameters
    ----------
    path : str or Path
        The log: one poll per line, either the raw reply as received or an
        envelope ``{"time": ..., "response": ...}`` (see the module notes).
        Blank lines are skipped.
    meter_id : str
        The meter id of this miner in the output.
    nameplate_j_per_th : float, optional
        The model's rated efficiency [J/TH], used where the firmware reports no
        power: power = nameplate × hashrate, flagged ``SOURCE_ESTIMATED``.

    Returns
    -------
    MinerTelemetry
        ``energy`` (:class:`MeterTable` in J, one row per pair of consecutive
        polls: ``interval_start`` = the earlier poll time UTC, ``line`` = its
        line; flags ``MEASURED`` when the firmware reported power at both
        ends, ``SOURCE_ESTIMATED`` when either end used the nameplate,
        ``COUNTER_RESET`` when ``Elapsed`` fell (the miner restarted within
        the interval; value kept), ``SOURCE_MISSING`` (NaN) when either end has
        no power), ``hashrate`` [TH/s] and ``power`` [W] per poll.

    Raises
    ------
    ConfigError
        `nameplate_j_per_th` is not a positive number.
    InputDataError
        A line that is not a reply (truncated or invalid JSON, not an object,
        no STATUS), no poll time, a non-numeric field, no hashrate field in a
        successful reply, two polls at the same time, fewer than two polls, or
        no power field anywhere with no `nameplate_j_per_th`. The message names
        the file and line.
    """
    # Long by design: the polls are timed and ordered, hashrate and power are converted once per
    # unit, and power is estimated from the nameplate where none is reported.
    if nameplate_j_per_th is not None and not (
        np.isfinite(nameplate_j_per_th) and nameplate_j_per_th > 0
    ):
        raise ConfigError(
            f"nameplate_j_per_th must be a positive number [J/TH], got {nameplate_j_per_th!r}",
            reason="bad-option",
        )
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        raise InputDataError(f"{source}: file not found", path=source, reason="not-found") from None
    raw_lines = text.split("\n")
    numbers = [n for n, line in enumerate(raw_lines, start=1) if line.strip("\x00 \t\r")]
    polls = [_poll(raw_lines[n - 1], source, n) for n in numbers]
    if len(polls) < 2:
        raise InputDataError(
            f"{source}: {len(polls)} poll(s); energy between polls needs at least two",
            path=source,
            reason="single-reading",
        )
    table = pd.DataFrame(polls)
    lines = np.asarray(numbers, dtype=np.int64)
    time = _utc(table["time"].tolist(), lines, source)
    order = np.argsort(time.asi8, kind="stable")
    repeat = np.diff(time.asi8[order]) == 0
    if repeat.any():
        i = _first_true(repeat)
        raise InputDataError(
            f"{source}: line {lines[order][i + 1]}: poll time {time[order][i + 1].isoformat()} "
            f"repeats line {lines[order][i]}; each poll needs its own time",
            path=source,
            line=int(lines[order][i + 1]),
            timestamp=time[order][i + 1].isoformat(),
            reason="duplicate",
        )
    table, lines, time = table.iloc[order].reset_index(drop=True), lines[order], time[order]
    for column in ("rate", "rate_unit", "rate_field", "watts", "power_field"):
        if column not in table:
            table[column] = np.nan

    # hashrate [TH/s]: one conversion per unit, vectorised over polls
    rate_ths = np.full(len(table), np.nan)
    units = table["rate_unit"]
    for unit in units.dropna().unique():  # loop over the (at most four) units present
        mask = (units == unit).to_numpy()
        rate = table.loc[mask, "rate"].to_numpy(dtype="float64")
        rate_ths[mask] = Q_(rate, unit).to("TH/s").magnitude
    watts = table["watts"].to_numpy(dtype="float64")
    reported = ~np.isnan(watts)
    if not reported.any() and nameplate_j_per_th is None:
        raise InputDataError(
            f"{source}: no poll reports power (looked for "
            f"{', '.join(f'{s}.{f}' for s, f, _ in POWER_FIELDS)}); stock firmware reports "
            "none: pass nameplate_j_per_th (the model's rated J/TH) to estimate it",
            path=source,
            reason="no-power",
        )
    estimated = ~reported & ~np.isnan(rate_ths) & (nameplate_j_per_th is not None)
    if estimated.any():
        nameplate_w = (Q_(nameplate_j_per_th, "J/TH") * Q_(rate_ths, "TH/s")).to("W").magnitude
        watts = np.where(estimated, nameplate_w, watts)
    power_source = np.where(
        reported,
        table["power_field"].astype(object).fillna("").astype(str),
        np.where(estimated, "nameplate", ""),
    )

    # energy per interval: trapezoid of power [W] × Δt [s] = J
    seconds = np.diff(time.asi8) / 1e9
    energy_j = (watts[:-1] + watts[1:]) / 2.0 * seconds
    elapsed = table["elapsed"].to_numpy(dtype="float64")
    restarted = elapsed[1:] < elapsed[:-1]
    flag = np.select(
        [np.isnan(energy_j), restarted, estimated[:-1] | estimated[1:]],
        [int(Flag.SOURCE_MISSING), int(Flag.COUNTER_RESET), int(Flag.SOURCE_ESTIMATED)],
        int(Flag.MEASURED),
    ).astype(np.int8)
    frame = pd.DataFrame(
        {
            "interval_start": time[:-1],
            "meter_id": np.full(len(seconds), str(meter_id), dtype=object),
            "value": energy_j.astype("float64"),
            "flag": flag,
            "line": lines[:-1],
            # spans between polls (carbon.core.lineage.SPAN_COLUMNS): the quality stage puts
            # them on the meter grid, the power linear between the polls
            "interval_end": time[1:],
            "power_start": watts[:-1],
            "power_end": watts[1:],
        }
    )
    frame["meter_id"] = frame["meter_id"].astype(str)
    steps = np.diff(time.asi8)
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(polls),
        start=time[0].isoformat(),
        end=time[-1].isoformat(),
        kind="miner polls (cgminer-family API, JSON Lines)",
    )
    energy = MeterTable(
        frame=frame,
        unit=ureg.Unit("J"),
        interval=pd.Timedelta(int(np.median(steps)), unit="ns").round("1s"),
        record=record,
        labels={str(meter_id): _labels(table)},
    )
    fields = table["rate_field"].astype(object).fillna("").astype(str).to_numpy()
    return MinerTelemetry(
        energy=energy,
        hashrate=_series(rate_ths, "TH/s", time, "hashrate", ("hashrate_field", fields)),
        power=_series(watts, "W", time, "power", ("power_source", power_source)),
    )


def _first_true(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def _labels(table: pd.DataFrame) -> dict[str, str]:
    """Source facts for the meter: the hashrate and power fields used."""
    labels = {"hashrate_fields": ",".join(dict.fromkeys(table["rate_field"].dropna()))}
    power = ",".join(dict.fromkeys(table["power_field"].dropna()))
    if power:
        labels["power_fields"] = power
    return labels
