"""Green Button / NAESB REQ.21 ESPI XML ("Download My Data" as XML), interval energy.

:func:`read_green_button` reads an Atom feed of ESPI resources (docs/data-formats.md §3.1;
docs/importers/green-button.md):

- Parsing is namespace-agnostic: elements are matched by local name, so the ESPI
  namespace may be a default namespace, an ``espi:`` prefix, or (as in some real
  utility exports) missing or undeclared.
- Resources are linked by Atom ``link`` hrefs, not by nesting: UsagePoint →
  MeterReading (``rel="related"`` …/MeterReading) → ReadingType
  (``rel="related"`` …/ReadingType/N) and IntervalBlocks (``rel="up"``
  …/MeterReading/M/IntervalBlock). Hrefs are compared by URL path suffix, so
  host names and prefixes may differ. A feed with one MeterReading, or one
  ReadingType, needs no links for it.
- Each ``IntervalReading`` gives ``timePeriod/start`` (epoch seconds, UTC, the
  interval **start**), ``timePeriod/duration`` [s] and ``value``; the energy is
  ``value × 10^powerOfTenMultiplier`` in ``uom`` (72 = Wh, 169 = therm,
  132 = BTU). Non-energy reading types (W, VA, VAr, VAh, VArh, ft³, m³) are not
  meter energy and are skipped (listed in the labels of the energy meters under
  ``skipped_reading_types``); an unknown ``uom`` code is a UnitError naming the
  ReadingType element and its line.
- Meter ids: ``<meter>`` for delivered energy (``flowDirection`` 1, or absent);
  ``<meter>:export`` for received energy (19); ``<meter>:flow<N>`` for any other
  direction. When a usage point carries both 1 and 19, the delivered meter is
  ``<meter>:import`` instead, so import and export are never netted.
  ``<meter>`` is `meter_id`, else ``UsagePoint-<id>`` from the UsagePoint's
  href (``UsagePoint-2`` for ``…/UsagePoint/2``). With several usage points
  and a `meter_id`, ids are ``<meter_id>:<usage point id>``.
- ``ReadingQuality/quality`` codes map onto :class:`~carbon.core.flags.Flag` (see
  :data:`QUALITY_FLAGS`). ``cost`` (hundred-thousandths of the currency unit) is
  summed per meter into the labels (``cost_total``, ``currency``), not kept per
  interval. ``LocalTimeParameters`` go to the labels; computing stays in UTC.
- ``line`` is the source line of each ``IntervalReading`` element.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, MeterTable, file_sha256
from carbon.core.units import parse_unit, ureg
from carbon.ingest.xml_safety import element_line, parse_xml

__all__ = ["QUALITY_FLAGS", "UOM_UNITS", "read_green_button"]

#: ESPI ``uom`` code -> (pint unit text, is energy). Codes from docs/data-formats.md §3.1.
UOM_UNITS: dict[int, tuple[str, bool]] = {
    72: ("Wh", True),
    169: ("therm", True),
    132: ("BTU", True),
    38: ("W", False),
    73: ("VArh", False),
    63: ("VAr", False),
    71: ("VAh", False),
    61: ("VA", False),
    119: ("ft³", False),
    42: ("m³", False),
}
#: ESPI QualityOfReading code -> flag. 0, 7–12, 14, 17, 18 are in docs/data-formats.md §3.1;
#: 13 (mixed), 15 (normalised for weather), 16 (other) and 19 (revenue-quality)
#: complete the ESPI enumeration (not seen in a sample here).
QUALITY_FLAGS: dict[int, Flag] = {
    0: Flag.MEASURED,  # valid
    7: Flag.SOURCE_ESTIMATED,  # manually edited
    8: Flag.SOURCE_ESTIMATED,  # estimated using reference day
    9: Flag.SOURCE_ESTIMATED,  # estimated using linear interpolation
    10: Flag.MEASURED,  # questionable: kept as read, counted in the labels
    11: Flag.MEASURED,  # derived (computed deterministically from measurements)
    12: Flag.SOURCE_ESTIMATED,  # projected (forecast)
    13: Flag.SOURCE_ESTIMATED,  # mixed (part of the interval estimated)
    14: Flag.MEASURED,  # raw
    15: Flag.SOURCE_ESTIMATED,  # normalised for weather
    16: Flag.MEASURED,  # other: kept as read, counted in the labels
    17: Flag.MEASURED,  # validated
    18: Flag.MEASURED,  # verified
    19: Flag.MEASURED,  # revenue-quality
}
_COUNTED_QUALITIES = {10: "questionable", 16: "other"}
#: accumulationBehaviour codes that mean energy per interval (0/absent: not stated).
_DELTA_BEHAVIOURS = {0, 4}
_FLOW_EXPORT, _FLOW_IMPORT = 19, 1
_FEED = "a Green Button (ESPI) Atom feed"


# ----------------------------------------------------------------------------- XML
def _parse(path: str | Path, source: str) -> ET.Element:
    """The feed's tree (:func:`carbon.ingest.xml_safety.parse_xml`: no DTD, no entities)."""
    return parse_xml(path, source, _FEED)


def _line(element: ET.Element) -> int:
    return element_line(element)


def _text(element: ET.Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = element.find(name)
    if child is None or child.text is None or not child.text.strip():
        return None
    return child.text.strip()


def _int(element: ET.Element, name: str, source: str, default: int | None = None) -> int | None:
    text = _text(element, name)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise InputDataError(
            f"{source}: line {_line(element)}: <{element.tag}>/<{name}> {text!r} is not an integer",
            path=source,
            line=int(_line(element)),
            reason="bad-number",
        ) from None


def _path(href: str) -> str:
    return urlparse(href.strip()).path.rstrip("/")


def _same(a: str, b: str) -> bool:
    """Two hrefs name the same resource: one path is a suffix of the other (whole segments)."""
    pa, pb = _path(a).split("/"), _path(b).split("/")
    n = min(len(pa), len(pb))
    return n > 0 and pa[-n:] == pb[-n:] and n >= 2


@dataclass
class _Resource:
    kind: str
    element: ET.Element
    self_href: str = ""
    up: str = ""
    related: list[str] = field(default_factory=list)


def _resources(root: ET.Element) -> Iterator[_Resource]:
    """Each Atom entry's content resource with its links; a bare resource root too."""
    entries = [root] if root.tag == "entry" else list(root.iter("entry"))
    if not entries:
        yield _Resource(root.tag, root)
        return
    for entry in entries:  # loop over entries (resources), not readings
        content = entry.find("content")
        if content is None or len(content) == 0:
            continue
        links = entry.findall("link")
        resource = _Resource(content[0].tag, content[0])
        for link in links:
            rel, href = link.get("rel", ""), link.get("href", "")
            if rel == "self":
                resource.self_href = href
            elif rel == "up":
                resource.up = href
            elif rel == "related":
                resource.related.append(href)
        yield resource


def _segment(href: str, default: str) -> str:
    parts = [p for p in _path(href).split("/") if p]
    return parts[-1] if parts else default


# ----------------------------------------------------------------------------- reading
@dataclass
class _Series:
    """One MeterReading with its ReadingType and readings."""

    usage_point: str
    reading_type: ET.Element
    blocks: list[ET.Element]
    self_href: str


def _link_series(resources: list[_Resource], source: str) -> list[_Series]:
    # Long by design: the ESPI links (UsagePoint, MeterReading, ReadingType, IntervalBlock) and the
    # fall-backs of feeds without them are resolved in one place.
    by_kind: dict[str, list[_Resource]] = {}
    for resource in resources:
        by_kind.setdefault(resource.kind, []).append(resource)
    readings = by_kind.get("MeterReading", [])
    types = by_kind.get("ReadingType", [])
    blocks = by_kind.get("IntervalBlock", [])
    points = by_kind.get("UsagePoint", [])
    if not blocks:
        raise InputDataError(
            f"{source}: no IntervalBlock found; expected a Green Button feed with "
            "UsagePoint, MeterReading, ReadingType and IntervalBlock entries",
            path=source,
            reason="missing-element",
        )
    if not types:
        raise InputDataError(
            f"{source}: no ReadingType found; the unit (uom) and powerOfTenMultiplier of "
            "the readings are unknown",
            path=source,
            reason="missing-element",
        )
    if not readings:  # a bare feed: one ReadingType for every block
        if len(types) != 1:
            raise InputDataError(
                f"{source}: no MeterReading links its {len(types)} ReadingTypes to the "
                "IntervalBlocks; expected MeterReading entries with related links",
                path=source,
                reason="missing-element",
            )
        return [_Series("1", types[0].element, [b.element for b in blocks], "")]
    series = []
    unclaimed = list(blocks)
    for reading in readings:  # loop over MeterReadings
        own_blocks = [
            b
            for b in blocks
            if (b.up and any(_same(b.up, r) for r in reading.related))
            or (reading.self_href and b.up and _same(b.up, reading.self_href + "/IntervalBlock"))
        ]
        if not own_blocks and len(readings) == 1:
            own_blocks = list(blocks)
        rt = [
            t for t in types if t.self_href and any(_same(t.self_href, r) for r in reading.related)
        ]
        if not rt and len(types) == 1:
            rt = types
        if not rt:
            raise InputDataError(
                f"{source}: line {_line(reading.element)}: the MeterReading "
                f"{reading.self_href or '(no self link)'} links to no ReadingType in the file",
                path=source,
                line=int(_line(reading.element)),
                reason="broken-link",
            )
        point = next(
            (
                p
                for p in points
                if p.self_href
                and reading.up
                and (
                    _same(reading.up, p.self_href + "/MeterReading")
                    or any(_same(reading.up, r) for r in p.related)
                )
            ),
            None,
        )
        point_id = (
            _segment(point.self_href, "1")
            if point is not None
            else _usage_point_of(reading.self_href)
        )
        series.append(
            _Series(point_id, rt[0].element, [b.element for b in own_blocks], reading.self_href)
        )
        unclaimed = [b for b in unclaimed if b not in own_blocks]
    if unclaimed:
        raise InputDataError(
            f"{source}: line {_line(unclaimed[0].element)}: the IntervalBlock "
            f"{unclaimed[0].self_href or ''} belongs to no MeterReading in the file "
            f"(its 'up' link is {unclaimed[0].up!r})",
            path=source,
            line=int(_line(unclaimed[0].element)),
            reason="broken-link",
        )
    return series


def _usage_point_of(href: str) -> str:
    parts = [p for p in _path(href).split("/") if p]
    if "UsagePoint" in parts and parts.index("UsagePoint") + 1 < len(parts):
        return parts[parts.index("UsagePoint") + 1]
    return "1"


def _arrays(blocks: list[ET.Element], source: str) -> dict[str, np.ndarray]:
    """Start, duration, value, quality, cost and line of every IntervalReading, as arrays."""
    starts, durations, values, costs, lines, qualities = [], [], [], [], [], []
    for block in blocks:  # loop over IntervalBlocks
        for reading in block.iter("IntervalReading"):  # XML iteration, building lists
            period = reading.find("timePeriod")
            line = _line(reading)
            start = _text(period, "start")
            if start is None:
                raise InputDataError(
                    f"{source}: line {line}: IntervalReading has no timePeriod/start; "
                    "expected epoch seconds (UTC) of the interval start",
                    path=source,
                    line=int(line),
                    reason="timestamp",
                )
            starts.append(start)
            durations.append(_text(period, "duration") or "")
            values.append(_text(reading, "value") or "")
            costs.append(_text(reading, "cost") or "")
            codes = [q.text.strip() for q in reading.iter("quality") if q.text and q.text.strip()]
            qualities.append(codes)
            lines.append(line)
    line_array = np.asarray(lines, dtype=np.int64)
    return {
        "start": _numbers(starts, line_array, source, "timePeriod/start", integer=True),
        "duration": _numbers(durations, line_array, source, "timePeriod/duration", integer=True),
        "value": _numbers(values, line_array, source, "value", integer=False),
        "cost": _numbers(costs, line_array, source, "cost", integer=False),
        "quality": _quality(qualities, line_array, source),
        "line": line_array,
    }


def _numbers(
    texts: list[str], lines: np.ndarray, source: str, name: str, *, integer: bool
) -> np.ndarray:
    series = pd.Series(texts, dtype=object)
    empty = (series == "").to_numpy()
    numbers = pd.to_numeric(series.where(~empty), errors="coerce").to_numpy(dtype="float64")
    bad = np.isnan(numbers) & ~empty
    if integer:
        bad |= ~np.isnan(numbers) & (numbers != np.round(numbers))
    if bad.any():
        i = int(np.argmax(bad))
        kind = "an integer" if integer else "a number"
        raise InputDataError(
            f"{source}: line {lines[i]}: IntervalReading {name} {texts[i]!r} is not {kind}",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    return numbers


def _quality(codes: list[list[str]], lines: np.ndarray, source: str) -> np.ndarray:
    """The most severe flag of each reading's ReadingQuality codes (MEASURED when none)."""
    flags = np.full(len(codes), int(Flag.MEASURED), dtype=np.int8)
    raw = np.full(len(codes), -1, dtype=np.int64)
    for i, own in enumerate(codes):  # only readings that carry a quality code
        for code in own:
            if not code.isdigit() or int(code) not in QUALITY_FLAGS:
                raise InputDataError(
                    f"{source}: line {lines[i]}: ReadingQuality/quality {code!r} is not an "
                    f"ESPI QualityOfReading code; expected one of {sorted(QUALITY_FLAGS)}",
                    path=source,
                    line=int(lines[i]),
                    reason="quality-code",
                )
            flag = QUALITY_FLAGS[int(code)]
            if flag == Flag.SOURCE_ESTIMATED or raw[i] < 0:
                flags[i] = int(flag)
                raw[i] = int(code)
    return np.stack([flags.astype(np.int64), raw])


def _reading_type(element: ET.Element, source: str) -> dict[str, int | None]:
    names = (
        "uom",
        "powerOfTenMultiplier",
        "flowDirection",
        "accumulationBehaviour",
        "intervalLength",
        "kind",
        "commodity",
        "currency",
    )
    return {name: _int(element, name, source) for name in names}


def read_green_button(path: str | Path, *, meter_id: str | None = None) -> MeterTable:
    """Read a Green Button (ESPI) XML feed into interval energy per meter.

    Parameters
    ----------
    path : str or Path
        The ``.xml`` file from the utility's "Green Button Download My Data".
    meter_id : str, optional
        Base meter id; default ``UsagePoint-<id>`` (see the module notes for the
        import/export suffixes).

    Returns
    -------
    MeterTable
        One row per IntervalReading of every energy ReadingType:
        ``interval_start`` = ``timePeriod/start`` (UTC, used as is), ``value``
        = ``value × 10^powerOfTenMultiplier`` in the first energy reading type's
        unit (Wh for electricity), ``flag`` from ReadingQuality, ``line`` the line
        of the ``<IntervalReading>``. ``interval`` is the one duration shared by
        all readings, or None when durations differ (daily readings on a local
        calendar last 23 h and 25 h on DST days). ``labels`` per meter: reading
        type codes, durations, cost total, local-time parameters.

    Raises
    ------
    InputDataError
        Empty file, malformed XML (line and column), no IntervalBlock or
        ReadingType, unlinked blocks, a reading without start, numbers or
        quality codes that do not parse, cumulative (non-delta) reading types.
    UnitError
        An unknown ``uom`` code (names the ReadingType line), or no energy
        reading type at all.
    """
    # Long by design: per MeterReading, the reading type, meter id, scaling and flags are decided
    # together, and each refusal names the element's line.
    source = str(path)
    root = _parse(path, source)
    resources = list(_resources(root))
    all_series = _link_series(resources, source)
    local_time = next((r.element for r in resources if r.kind == "LocalTimeParameters"), None)
    points = sorted({s.usage_point for s in all_series})

    chosen, skipped = [], []
    for series in all_series:  # loop over MeterReadings
        rt = _reading_type(series.reading_type, source)
        uom = rt["uom"]
        if uom is None or uom not in UOM_UNITS:
            raise UnitError(
                f"{source}: line {_line(series.reading_type)}: ReadingType uom {uom!r} is not a "
                f"known ESPI unit code; expected one of {', '.join(str(k) for k in UOM_UNITS)} "
                "(72 = Wh)",
                path=source,
                line=int(_line(series.reading_type)),
                reason="unit",
            )
        text, is_energy = UOM_UNITS[uom]
        if not is_energy:
            skipped.append(f"uom {uom} ({text}) at line {_line(series.reading_type)}")
            continue
        behaviour = rt["accumulationBehaviour"] or 0
        if behaviour not in _DELTA_BEHAVIOURS:
            raise InputDataError(
                f"{source}: line {_line(series.reading_type)}: ReadingType "
                f"accumulationBehaviour {behaviour} is not interval data (4 deltaData); "
                "cumulative register readings are not read from Green Button files",
                path=source,
                line=int(_line(series.reading_type)),
                reason="cumulative",
            )
        chosen.append((series, rt, parse_unit(text)))
    if not chosen:
        raise UnitError(
            f"{source}: no energy reading type in the file (found {'; '.join(skipped)}); "
            "expected uom 72 (Wh), 169 (therm) or 132 (BTU)",
            path=source,
            reason="unit",
        )

    target: pint.Unit = chosen[0][2]
    directions: dict[str, set[int]] = {}
    for series, rt, _unit in chosen:
        directions.setdefault(series.usage_point, set()).add(rt["flowDirection"] or _FLOW_IMPORT)
    parts, labels = [], {}
    for series, rt, unit in chosen:  # loop over MeterReadings
        if meter_id is None:
            base = f"UsagePoint-{series.usage_point}"
        else:
            base = meter_id if len(points) == 1 else f"{meter_id}:{series.usage_point}"
        flow = rt["flowDirection"] or _FLOW_IMPORT
        both = {_FLOW_IMPORT, _FLOW_EXPORT} <= directions[series.usage_point]
        suffix = {
            _FLOW_IMPORT: ":import" if both else "",
            _FLOW_EXPORT: ":export",
        }.get(flow, f":flow{flow}")
        meter = base + suffix
        if meter in labels:
            meter = f"{meter}:{_segment(series.self_href, str(len(labels)))}"
        arrays = _arrays(series.blocks, source)
        power = rt["powerOfTenMultiplier"] or 0
        scale = 10.0**power * float(ureg.Quantity(1.0, unit).to(target).magnitude)
        values = arrays["value"] * scale
        flags, raw_quality = arrays["quality"]
        flags = np.where(np.isnan(values), int(Flag.SOURCE_MISSING), flags).astype(np.int8)
        bad_start = np.isnan(arrays["start"])
        if bad_start.any():
            i = int(np.argmax(bad_start))
            raise InputDataError(
                f"{source}: line {arrays['line'][i]}: IntervalReading timePeriod/start is empty",
                path=source,
                line=int(arrays["line"][i]),
                meter=meter,
                reason="timestamp",
            )
        starts = pd.to_datetime(arrays["start"].astype(np.int64), unit="s", utc=True)
        parts.append(
            pd.DataFrame(
                {
                    "interval_start": pd.DatetimeIndex(starts).as_unit("ns"),
                    "meter_id": meter,
                    "value": values,
                    "flag": flags,
                    "line": arrays["line"],
                }
            )
        )
        labels[meter] = _labels(rt, arrays, raw_quality, local_time, skipped, series)
    table = pd.concat(parts, ignore_index=True)
    table["meter_id"] = table["meter_id"].astype(str)
    if table.empty:
        raise InputDataError(
            f"{source}: the IntervalBlocks hold no IntervalReading", path=source, reason="empty"
        )
    durations = np.concatenate([_durations(s.blocks) for s, _rt, _u in chosen])
    known = durations[~np.isnan(durations)]
    distinct = np.unique(known)
    interval = pd.Timedelta(seconds=float(distinct[0])) if len(distinct) == 1 else None
    ends = table["interval_start"] + pd.to_timedelta(np.nan_to_num(durations), unit="s")
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(table),
        start=table["interval_start"].min().isoformat(),
        end=ends.max().isoformat(),
        kind="Green Button ESPI XML (interval energy)",
    )
    return MeterTable(frame=table, unit=target, interval=interval, record=record, labels=labels)


def _durations(blocks: list[ET.Element]) -> np.ndarray:
    texts = [
        _text(r.find("timePeriod"), "duration") or "nan"
        for b in blocks
        for r in b.iter("IntervalReading")
    ]
    return np.asarray(texts, dtype="float64")


def _labels(
    rt: dict[str, int | None],
    arrays: dict[str, np.ndarray],
    raw_quality: np.ndarray,
    local_time: ET.Element | None,
    skipped: list[str],
    series: _Series,
) -> dict[str, str]:
    labels = {
        "source": "Green Button ESPI XML",
        "usage_point": series.usage_point,
        "meter_reading": series.self_href,
    }
    labels.update({f"reading_type_{k}": str(v) for k, v in rt.items() if v is not None})
    durations = arrays["duration"][~np.isnan(arrays["duration"])]
    values, counts = np.unique(durations, return_counts=True)
    labels["durations_s"] = "; ".join(
        f"{int(v)}={int(n)}" for v, n in zip(values, counts, strict=True)
    )
    costs = arrays["cost"][~np.isnan(arrays["cost"])]
    if costs.size:
        # cost is in hundred-thousandths of the currency unit (docs/data-formats.md §3.1)
        labels["cost_total"] = f"{costs.sum() / 1e5:.5f}"
        if rt.get("currency") is not None:
            labels["currency"] = str(rt["currency"])  # ISO 4217 numeric, 840 = USD
    for code, name in _COUNTED_QUALITIES.items():
        n = int((raw_quality == code).sum())
        if n:
            labels[f"quality_{name}"] = str(n)
    if local_time is not None:
        for name in ("tzOffset", "dstOffset", "dstStartRule", "dstEndRule"):
            text = _text(local_time, name)
            if text is not None:
                labels[f"local_{name}"] = text
    if skipped:
        labels["skipped_reading_types"] = "; ".join(skipped)
    return labels
