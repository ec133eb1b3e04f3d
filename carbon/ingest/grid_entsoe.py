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
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import InputRecord, file_sha256
from carbon.ingest.xml_safety import element_line, parse_xml

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
# The tree: carbon.ingest.xml_safety.parse_xml (no DTDs or entities, local names, lines)
# --------------------------------------------------------------------------------------
_EXPECTED = "an ENTSO-E GL_MarketDocument (A75)"


def _value(element: ET.Element, path: str) -> str | None:
    """The stripped text at `path` below `element` (``"timeInterval/start"``), None if absent."""
    node = element.find(path)
    return None if node is None else (node.text or "").strip()


def _line(element: ET.Element) -> int:
    return element_line(element)


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


def _refuse_other_documents(root: ET.Element, source: str) -> None:
    if root.tag == "Acknowledgement_MarketDocument":
        reason = _value(root, "Reason/text") or _value(root, "Reason/code") or "no reason given"
        raise InputDataError(
            f"{source}: line {_line(root)}: the API answered with an acknowledgement, not data: "
            f"{reason}",
            path=source,
            line=int(_line(root)),
            reason="acknowledgement",
        )
    if root.tag != "GL_MarketDocument":
        raise InputDataError(
            f"{source}: line {_line(root)}: root element is {root.tag!r}; expected "
            "GL_MarketDocument (ENTSO-E A75 actual generation per production type)",
            path=source,
            line=int(_line(root)),
            reason="wrong-document",
        )
    doc_type = _value(root, "type")
    if doc_type is not None and doc_type != "A75":
        raise InputDataError(
            f"{source}: line {_line(root.find('type'))}: document type {doc_type!r}; only A75 "
            "(actual generation per production type) is read",
            path=source,
            line=int(_line(root.find("type"))),
            reason="wrong-document",
        )


def _series_facts(ts: ET.Element, source: str) -> tuple[str, str, str, str]:
    """psrType, curve type, zone and direction of one TimeSeries."""
    psr = _value(ts, "MktPSRType/psrType")
    if not psr:
        raise InputDataError(
            f"{source}: line {_line(ts)}: TimeSeries without MktPSRType/psrType",
            path=source,
            line=int(_line(ts)),
            reason="missing-element",
        )
    curve = _value(ts, "curveType") or "A01"
    if curve not in CURVE_TYPES:
        raise InputDataError(
            f"{source}: line {_line(ts.find('curveType'))}: curveType {curve!r}; expected "
            f"{', '.join(f'{k} ({v})' for k, v in CURVE_TYPES.items())}",
            path=source,
            line=int(_line(ts.find("curveType"))),
            reason="curve-type",
        )
    unit = _value(ts, "quantity_Measure_Unit.name")
    if unit is not None and unit != _UNIT_MW:
        raise UnitError(
            f"{source}: line {_line(ts.find('quantity_Measure_Unit.name'))}: quantity unit "
            f"{unit!r}; expected {_UNIT_MW} (MW)",
            path=source,
            line=int(_line(ts.find("quantity_Measure_Unit.name"))),
            reason="unit",
        )
    zone_in = _value(ts, "inBiddingZone_Domain.mRID")
    zone_out = _value(ts, "outBiddingZone_Domain.mRID")
    if zone_out and not zone_in:
        return psr, curve, zone_out, "consumption"
    return psr, curve, zone_in or "", "generation"


def _period_arrays(
    period: ET.Element, curve: str, source: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Timedelta]:
    """Interval starts, MW, flags and lines of one Period, every position filled."""
    start = _time(_value(period, "timeInterval/start"), "timeInterval/start", _line(period), source)
    end = _time(_value(period, "timeInterval/end"), "timeInterval/end", _line(period), source)
    node = period.find("resolution")
    step = _resolution(
        _value(period, "resolution"), _line(node) if node is not None else _line(period), source
    )
    span = end - start
    if span <= pd.Timedelta(0) or span % step != pd.Timedelta(0):
        raise InputDataError(
            f"{source}: line {_line(period)}: timeInterval {start.isoformat()} to "
            f"{end.isoformat()} is not a whole number of {step} steps",
            path=source,
            line=int(_line(period)),
            reason="resolution",
        )
    n = int(span / step)
    points = period.findall("Point")
    positions = np.empty(len(points), dtype=np.int64)
    quantities = np.empty(len(points), dtype="float64")
    lines = np.empty(len(points), dtype=np.int64)
    for i, point in enumerate(points):  # the XML Points, to arrays
        pos_text, qty_text = _value(point, "position"), _value(point, "quantity")
        try:
            positions[i] = int(pos_text or "")
            quantities[i] = float(qty_text or "")
            if not np.isfinite(quantities[i]):
                raise ValueError(qty_text)
        except ValueError:
            raise InputDataError(
                f"{source}: line {_line(point)}: Point position {pos_text!r} / quantity "
                f"{qty_text!r}; expected a whole position and a finite number in MW",
                path=source,
                line=int(_line(point)),
                reason="bad-number",
            ) from None
        lines[i] = _line(point)
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
            f"in the Period (line {_line(period)})",
            path=source,
            line=int(lines[dup[0] + 1]),
            reason="duplicate",
        )
    every = np.arange(1, n + 1)
    flags = np.full(n, int(Flag.MEASURED), dtype=np.int8)
    if curve == "A03":
        if positions.size == 0 or positions[0] != 1:
            raise InputDataError(
                f"{source}: line {_line(period)}: an A03 Period must start with position 1",
                path=source,
                line=int(_line(period)),
                reason="position",
            )
        source_index = np.searchsorted(positions, every, side="right") - 1
        mw, line = quantities[source_index], lines[source_index]
    else:
        mw = np.full(n, np.nan)
        line = np.full(n, _line(period), dtype=np.int64)
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
    root = parse_xml(path, source, _EXPECTED)
    _refuse_other_documents(root, source)
    series = root.findall("TimeSeries")
    if not series:
        raise InputDataError(
            f"{source}: line {_line(root)}: GL_MarketDocument without TimeSeries",
            path=source,
            line=int(_line(root)),
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
                f"{source}: line {_line(ts)}: TimeSeries without Period",
                path=source,
                line=int(_line(ts)),
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
        "mrid": _value(root, "mRID") or "",
        "type": _value(root, "type") or "",
        "time_series": str(len(series)),
        "curve_types": "; ".join(f"{k}={v}" for k, v in sorted(curves.items())),
        "missing_a01_positions": str(int((frame["flag"] == int(Flag.SOURCE_MISSING)).sum())),
    }
    return frame
