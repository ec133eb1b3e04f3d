"""ENTSO-E Transparency Platform: A75 actual generation per production type.

:func:`read_entsoe_generation` reads a ``GL_MarketDocument`` (document type
``A75``) into a long DataFrame of MW per production type (``psrType``) and
interval; :func:`carbon.ingest.grid_entsoe_intensity.entsoe_intensity` turns that
into a production-based, direct CO2 intensity.

XML rules (docs/data-formats.md §2.6):

- Parsed by local name, so any namespace (or none) is accepted. Every element
  keeps its source line, used in the ``line`` column and in error messages.
- ``TimeSeries`` → ``MktPSRType/psrType`` (B01 … B25), ``curveType``
  (``A01`` if absent), ``quantity_Measure_Unit.name`` (``MAW`` = MW),
  ``inBiddingZone_Domain.mRID`` (generation) or ``outBiddingZone_Domain.mRID``
  (consumption, e.g. pumping; unverified, docs/data-formats.md §2.6), and one or more
  ``Period`` with ``timeInterval/start,end`` (UTC, ``YYYY-MM-DDTHH:MMZ``),
  ``resolution`` (``PT15M``, ``PT30M``, ``PT60M``; any ``PTnM``/``PTnH``) and
  ``Point/position`` (1-based), ``Point/quantity`` [MW].
- Interval start = ``start + (position − 1) × resolution``, in UTC: no DST
  handling is needed (a CET/CEST day is 23 or 25 h long in UTC and the
  document simply has 92 or 100 quarter-hours).
- Curve type ``A03`` (variable-sized blocks): a point holds until the next
  given position, so missing positions repeat the previous quantity (rows
  marked ``MEASURED``; ``line`` is the line of the point repeated). ``A01``
  (fixed-size blocks): every position should be present; a missing one is a
  row with NaN flagged ``SOURCE_MISSING`` (``line`` = the ``Period``).
- An ``Acknowledgement_MarketDocument`` (the API's "no matching data" answer)
  is an error that quotes its reason.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, file_sha256

__all__ = ["CURVE_TYPES", "GENERATION_COLUMNS", "read_entsoe_generation"]

#: Columns of the frame :func:`read_entsoe_generation` returns.
GENERATION_COLUMNS = (
    "interval_start",
    "psr_type",
    "mw",
    "flag",
    "line",
    "zone",
    "direction",
    "resolution",
)
#: Curve types read: A01 fixed-size blocks, A03 variable-sized blocks.
CURVE_TYPES = {"A01": "sequential fixed size block", "A03": "variable sized block"}
_DURATION = re.compile(r"^PT(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?$")
_UNIT_MW = "MAW"


# --------------------------------------------------------------------------------------
# A small element tree that keeps line numbers (expat; no DTDs or entities)
# --------------------------------------------------------------------------------------
@dataclass
class _Node:
    tag: str  # local name, namespace removed
    line: int
    children: list[_Node] = field(default_factory=list)
    text: str = ""

    def find(self, *path: str) -> _Node | None:
        node: _Node | None = self
        for name in path:
            node = next((c for c in node.children if c.tag == name), None) if node else None
        return node

    def findall(self, name: str) -> list[_Node]:
        return [c for c in self.children if c.tag == name]

    def value(self, *path: str) -> str | None:
        node = self.find(*path)
        return node.text.strip() if node is not None else None


def _parse_xml(path: str | Path, source: str) -> _Node:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    stack: list[_Node] = []
    texts: list[list[str]] = []
    root: list[_Node] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        node = _Node(tag=name.rsplit(" ", 1)[-1], line=parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)
        texts.append([])

    def end(_name: str) -> None:
        stack.pop().text = "".join(texts.pop())

    def chars(data: str) -> None:
        if texts:
            texts[-1].append(data)

    def refuse_doctype(*_args: object) -> None:
        raise InputDataError(
            f"{source}: line {parser.CurrentLineNumber}: DTDs are not accepted",
            path=source,
            line=int(parser.CurrentLineNumber),
            reason="dtd",
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as exc:
        raise InputDataError(
            f"{source}: line {exc.lineno}: not well-formed XML ({exc}); expected an ENTSO-E "
            "GL_MarketDocument",
            path=source,
            line=int(exc.lineno),
            reason="malformed",
        ) from None
    if not root:
        raise InputDataError(f"{source}: empty XML document", path=source, reason="empty")
    return root[0]


# --------------------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------------------
def _time(text: str | None, where: str, line: int, source: str) -> pd.Timestamp:
    stamp = pd.to_datetime(text or "", format="ISO8601", utc=True, errors="coerce")
    if text is None or pd.isna(stamp) or not re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", text):
        raise InputDataError(
            f"{source}: line {line}: {where} is {text!r}; expected a UTC time such as "
            "2024-03-30T23:00Z",
            path=source,
            line=int(line),
            timestamp=text,
            reason="timestamp",
        )
    return stamp


def _resolution(text: str | None, line: int, source: str) -> pd.Timedelta:
    match = _DURATION.match(text or "")
    if not match or not (match["h"] or match["m"]):
        raise InputDataError(
            f"{source}: line {line}: resolution {text!r} is not read; expected PT15M, PT30M, "
            "PT60M (or another PTnM / PTnH)",
            path=source,
            line=int(line),
            reason="resolution",
        )
    step = pd.Timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0))
    if step <= pd.Timedelta(0):
        raise InputDataError(
            f"{source}: line {line}: resolution {text!r} is zero",
            path=source,
            line=int(line),
            reason="resolution",
        )
    return step


def _refuse_other_documents(root: _Node, source: str) -> None:
    if root.tag == "Acknowledgement_MarketDocument":
        reason = root.value("Reason", "text") or root.value("Reason", "code") or "no reason given"
        raise InputDataError(
            f"{source}: line {root.line}: the API answered with an acknowledgement, not data: "
            f"{reason}",
            path=source,
            line=int(root.line),
            reason="acknowledgement",
        )
    if root.tag != "GL_MarketDocument":
        raise InputDataError(
            f"{source}: line {root.line}: root element is {root.tag!r}; expected "
            "GL_MarketDocument (ENTSO-E A75 actual generation per production type)",
            path=source,
            line=int(root.line),
            reason="wrong-document",
        )
    doc_type = root.value("type")
    if doc_type is not None and doc_type != "A75":
        raise InputDataError(
            f"{source}: line {root.find('type').line}: document type {doc_type!r}; only A75 "
            "(actual generation per production type) is read",
            path=source,
            line=int(root.find("type").line),
            reason="wrong-document",
        )


def _series_facts(ts: _Node, source: str) -> tuple[str, str, str, str]:
    """psrType, curve type, zone and direction of one TimeSeries."""
    psr = ts.value("MktPSRType", "psrType")
    if not psr:
        raise InputDataError(
            f"{source}: line {ts.line}: TimeSeries without MktPSRType/psrType",
            path=source,
            line=int(ts.line),
            reason="missing-element",
        )
    curve = ts.value("curveType") or "A01"
    if curve not in CURVE_TYPES:
        raise InputDataError(
            f"{source}: line {ts.find('curveType').line}: curveType {curve!r}; expected "
            f"{', '.join(f'{k} ({v})' for k, v in CURVE_TYPES.items())}",
            path=source,
            line=int(ts.find("curveType").line),
            reason="curve-type",
        )
    unit = ts.value("quantity_Measure_Unit.name")
    if unit is not None and unit != _UNIT_MW:
        raise UnitError(
            f"{source}: line {ts.find('quantity_Measure_Unit.name').line}: quantity unit "
            f"{unit!r}; expected {_UNIT_MW} (MW)",
            path=source,
            line=int(ts.find("quantity_Measure_Unit.name").line),
            reason="unit",
        )
    zone_in = ts.value("inBiddingZone_Domain.mRID")
    zone_out = ts.value("outBiddingZone_Domain.mRID")
    if zone_out and not zone_in:
        return psr, curve, zone_out, "consumption"
    return psr, curve, zone_in or "", "generation"


def _period_arrays(
    period: _Node, curve: str, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Timedelta]:
    """Interval starts, MW, flags and lines of one Period, every position filled."""
    start = _time(period.value("timeInterval", "start"), "timeInterval/start", period.line, source)
    end = _time(period.value("timeInterval", "end"), "timeInterval/end", period.line, source)
    node = period.find("resolution")
    step = _resolution(period.value("resolution"), node.line if node else period.line, source)
    span = end - start
    if span <= pd.Timedelta(0) or span % step != pd.Timedelta(0):
        raise InputDataError(
            f"{source}: line {period.line}: timeInterval {start.isoformat()} to "
            f"{end.isoformat()} is not a whole number of {step} steps",
            path=source,
            line=int(period.line),
            reason="resolution",
        )
    n = int(span / step)
    points = period.findall("Point")
    positions = np.empty(len(points), dtype=np.int64)
    quantities = np.empty(len(points), dtype="float64")
    lines = np.empty(len(points), dtype=np.int64)
    for i, point in enumerate(points):  # the XML Points, to arrays
        pos_text, qty_text = point.value("position"), point.value("quantity")
        try:
            positions[i] = int(pos_text or "")
            quantities[i] = float(qty_text or "")
            if not np.isfinite(quantities[i]):
                raise ValueError(qty_text)
        except ValueError:
            raise InputDataError(
                f"{source}: line {point.line}: Point position {pos_text!r} / quantity "
                f"{qty_text!r}; expected a whole position and a finite number in MW",
                path=source,
                line=int(point.line),
                reason="bad-number",
            ) from None
        lines[i] = point.line
    bad = (positions < 1) | (positions > n)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: position {positions[i]} is outside 1..{n} "
            f"({start.isoformat()} to {end.isoformat()} at {step})",
            path=source,
            line=int(lines[i]),
            reason="position",
        )
    order = np.argsort(positions, kind="stable")
    positions, quantities, lines = positions[order], quantities[order], lines[order]
    dup = np.flatnonzero(np.diff(positions) == 0)
    if dup.size:
        raise InputDataError(
            f"{source}: line {lines[dup[0] + 1]}: position {positions[dup[0]]} appears twice "
            f"in the Period (line {period.line})",
            path=source,
            line=int(lines[dup[0] + 1]),
            reason="duplicate",
        )
    every = np.arange(1, n + 1)
    flags = np.full(n, int(Flag.MEASURED), dtype=np.int8)
    if curve == "A03":
        if positions.size == 0 or positions[0] != 1:
            raise InputDataError(
                f"{source}: line {period.line}: an A03 Period must start with position 1",
                path=source,
                line=int(period.line),
                reason="position",
            )
        source_index = np.searchsorted(positions, every, side="right") - 1
        mw, line = quantities[source_index], lines[source_index]
    else:
        mw = np.full(n, np.nan)
        line = np.full(n, period.line, dtype=np.int64)
        mw[positions - 1] = quantities
        line[positions - 1] = lines
        flags[np.isnan(mw)] = int(Flag.SOURCE_MISSING)
    starts_ns = start.value + (every - 1) * step.value  # int64 ns since the epoch, UTC
    return starts_ns, mw, flags, line, step


def read_entsoe_generation(path: str | Path) -> pd.DataFrame:
    """Read an ENTSO-E A75 document (actual generation per production type).

    Parameters
    ----------
    path : str or Path
        The XML returned by the Transparency Platform API for
        ``documentType=A75`` (one bidding zone or control area).

    Returns
    -------
    pandas.DataFrame
        Long form, one row per TimeSeries, Period and position (all positions
        of each Period, A03 blocks expanded): ``interval_start``
        (datetime64[ns, UTC]), ``psr_type`` (``"B04"`` …), ``mw`` (float64,
        average output over the interval [MW]; NaN where an A01 position is
        missing), ``flag`` (int8: ``MEASURED`` or ``SOURCE_MISSING``), ``line``
        (int64, source line of the Point, or of the Period for a missing A01
        position), ``zone`` (EIC code of the bidding zone), ``direction``
        (``"generation"``, or ``"consumption"`` for series with only an
        ``outBiddingZone_Domain``) and ``resolution`` (timedelta64).
        ``frame.attrs["record"]`` is the file's
        :class:`~carbon.core.lineage.InputRecord` and ``frame.attrs["meta"]``
        the document facts (mRID, curve types, series count).

    Raises
    ------
    InputDataError
        Not XML; an acknowledgement document; not a GL_MarketDocument or not
        A75; a TimeSeries without psrType; an unknown curve type; a bad time,
        resolution, position or quantity; an interval that is not a whole number
        of steps; a duplicated position; an A03 Period not starting at
        position 1. The message names the file and the line.
    UnitError
        A quantity unit other than ``MAW`` (MW).

    References
    ----------
    .. [1] ENTSO-E Transparency Platform RESTful API, https://transparency.entsoe.eu/
       (Implementation Guide, document type A75; curve types A01/A03).
    """
    # Long by design: one loop over TimeSeries and Periods gathers the arrays; the rest builds the
    # frame, its record and its meta.
    source = str(path)
    root = _parse_xml(path, source)
    _refuse_other_documents(root, source)
    series = root.findall("TimeSeries")
    if not series:
        raise InputDataError(
            f"{source}: line {root.line}: GL_MarketDocument without TimeSeries",
            path=source,
            line=int(root.line),
            reason="missing-element",
        )
    parts: dict[str, list[np.ndarray]] = {k: [] for k in GENERATION_COLUMNS}  # one per Period
    curves: dict[str, int] = {}
    for ts in series:
        psr, curve, zone, direction = _series_facts(ts, source)
        curves[curve] = curves.get(curve, 0) + 1
        periods = ts.findall("Period")
        if not periods:
            raise InputDataError(
                f"{source}: line {ts.line}: TimeSeries without Period",
                path=source,
                line=int(ts.line),
                reason="missing-element",
            )
        for period in periods:
            starts, mw, flags, lines, step = _period_arrays(period, curve, source)
            n = len(mw)
            parts["interval_start"].append(starts)
            parts["mw"].append(mw)
            parts["flag"].append(flags)
            parts["line"].append(lines)
            parts["psr_type"].append(np.full(n, psr, dtype=object))
            parts["zone"].append(np.full(n, zone, dtype=object))
            parts["direction"].append(np.full(n, direction, dtype=object))
            parts["resolution"].append(np.full(n, step.to_timedelta64()))
    frame = pd.DataFrame({k: np.concatenate(v) for k, v in parts.items()})
    frame["interval_start"] = pd.to_datetime(frame["interval_start"], unit="ns", utc=True)
    frame["mw"] = frame["mw"].astype("float64")
    frame["flag"] = frame["flag"].astype(np.int8)
    frame["line"] = frame["line"].astype(np.int64)
    frame["resolution"] = pd.to_timedelta(frame["resolution"]).astype("timedelta64[ns]")
    ends = frame["interval_start"] + frame["resolution"]
    frame.attrs["record"] = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(frame),
        start=frame["interval_start"].min().isoformat(),
        end=ends.max().isoformat(),
        kind="generation per production type (ENTSO-E A75)",
    )
    frame.attrs["meta"] = {
        "mrid": root.value("mRID") or "",
        "type": root.value("type") or "",
        "time_series": str(len(series)),
        "curve_types": "; ".join(f"{k}={v}" for k, v in sorted(curves.items())),
        "missing_a01_positions": str(int((frame["flag"] == int(Flag.SOURCE_MISSING)).sum())),
    }
    return frame
