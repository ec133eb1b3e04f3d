"""ENTSO-E Transparency Platform: A75 actual generation per production type, and its intensity.

:func:`read_entsoe_generation` reads a ``GL_MarketDocument`` (document type
``A75``) into a long DataFrame of MW per production type (``psrType``) and
interval. :func:`entsoe_intensity` turns that into an hourly (or 15/30-minute)
**production-based, direct** CO2 intensity with per-``psrType`` factors, by
default the shipped dataset ``entsoe_psr_direct_co2_ipcc2006``
(``factors/entsoe_psr/``, values derived from IPCC 2006 fuel defaults and
assumed efficiencies: all marked unverified or assumption).

XML rules (DATA-FORMATS 2.6):

- Parsed by local name, so any namespace (or none) is accepted. Every element
  keeps its source line, used in the ``line`` column and in error messages.
- ``TimeSeries`` → ``MktPSRType/psrType`` (B01 … B25), ``curveType``
  (``A01`` if absent), ``quantity_Measure_Unit.name`` (``MAW`` = MW),
  ``inBiddingZone_Domain.mRID`` (generation) or ``outBiddingZone_Domain.mRID``
  (consumption, e.g. pumping; unverified in DATA-FORMATS), and one or more
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pint

from carbon.core.errors import ConfigError, InputDataError, UnitError
from carbon.core.flags import Flag
from carbon.core.lineage import GridTable, InputRecord, file_sha256
from carbon.core.units import parse_unit, ureg
from carbon.factors.catalogue import load_dataset

__all__ = [
    "CURVE_TYPES",
    "DEFAULT_PSR_FACTORS",
    "GENERATION_COLUMNS",
    "entsoe_intensity",
    "read_entsoe_generation",
]

#: Dataset id of the default per-psrType rates in ``factors/entsoe_psr/``.
DEFAULT_PSR_FACTORS = "entsoe_psr_direct_co2_ipcc2006"
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
        raise InputDataError(f"{source}: line {parser.CurrentLineNumber}: DTDs are not accepted")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse_doctype
    try:
        with open(path, "rb") as handle:
            parser.ParseFile(handle)
    except xml.parsers.expat.ExpatError as exc:
        raise InputDataError(f"{source}: line {exc.lineno}: not well-formed XML ({exc})") from None
    if not root:
        raise InputDataError(f"{source}: empty XML document")
    return root[0]


# --------------------------------------------------------------------------------------
# Reader
# --------------------------------------------------------------------------------------
def _time(text: str | None, where: str, line: int, source: str) -> pd.Timestamp:
    stamp = pd.to_datetime(text or "", format="ISO8601", utc=True, errors="coerce")
    if text is None or pd.isna(stamp) or not re.search(r"(?:Z|[+-]\d{2}:?\d{2})$", text):
        raise InputDataError(
            f"{source}: line {line}: {where} is {text!r}; expected a UTC time such as "
            "2024-03-30T23:00Z"
        )
    return stamp


def _resolution(text: str | None, line: int, source: str) -> pd.Timedelta:
    match = _DURATION.match(text or "")
    if not match or not (match["h"] or match["m"]):
        raise InputDataError(
            f"{source}: line {line}: resolution {text!r} is not read; expected PT15M, PT30M, "
            "PT60M (or another PTnM / PTnH)"
        )
    step = pd.Timedelta(hours=int(match["h"] or 0), minutes=int(match["m"] or 0))
    if step <= pd.Timedelta(0):
        raise InputDataError(f"{source}: line {line}: resolution {text!r} is zero")
    return step


def _refuse_other_documents(root: _Node, source: str) -> None:
    if root.tag == "Acknowledgement_MarketDocument":
        reason = root.value("Reason", "text") or root.value("Reason", "code") or "no reason given"
        raise InputDataError(
            f"{source}: line {root.line}: the API answered with an acknowledgement, not data: "
            f"{reason}"
        )
    if root.tag != "GL_MarketDocument":
        raise InputDataError(
            f"{source}: line {root.line}: root element is {root.tag!r}; expected "
            "GL_MarketDocument (ENTSO-E A75 actual generation per production type)"
        )
    doc_type = root.value("type")
    if doc_type is not None and doc_type != "A75":
        raise InputDataError(
            f"{source}: line {root.find('type').line}: document type {doc_type!r}; only A75 "
            "(actual generation per production type) is read"
        )


def _series_facts(ts: _Node, source: str) -> tuple[str, str, str, str]:
    """psrType, curve type, zone and direction of one TimeSeries."""
    psr = ts.value("MktPSRType", "psrType")
    if not psr:
        raise InputDataError(f"{source}: line {ts.line}: TimeSeries without MktPSRType/psrType")
    curve = ts.value("curveType") or "A01"
    if curve not in CURVE_TYPES:
        raise InputDataError(
            f"{source}: line {ts.find('curveType').line}: curveType {curve!r}; expected "
            f"{', '.join(f'{k} ({v})' for k, v in CURVE_TYPES.items())}"
        )
    unit = ts.value("quantity_Measure_Unit.name")
    if unit is not None and unit != _UNIT_MW:
        raise UnitError(
            f"{source}: line {ts.find('quantity_Measure_Unit.name').line}: quantity unit "
            f"{unit!r}; expected {_UNIT_MW} (MW)"
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
            f"{end.isoformat()} is not a whole number of {step} steps"
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
        except ValueError:
            raise InputDataError(
                f"{source}: line {point.line}: Point position {pos_text!r} / quantity "
                f"{qty_text!r}; expected a whole position and a number in MW"
            ) from None
        lines[i] = point.line
    bad = (positions < 1) | (positions > n)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputDataError(
            f"{source}: line {lines[i]}: position {positions[i]} is outside 1..{n} "
            f"({start.isoformat()} to {end.isoformat()} at {step})"
        )
    order = np.argsort(positions, kind="stable")
    positions, quantities, lines = positions[order], quantities[order], lines[order]
    dup = np.flatnonzero(np.diff(positions) == 0)
    if dup.size:
        raise InputDataError(
            f"{source}: line {lines[dup[0] + 1]}: position {positions[dup[0]]} appears twice "
            f"in the Period (line {period.line})"
        )
    every = np.arange(1, n + 1)
    flags = np.full(n, int(Flag.MEASURED), dtype=np.int8)
    if curve == "A03":
        if positions.size == 0 or positions[0] != 1:
            raise InputDataError(
                f"{source}: line {period.line}: an A03 Period must start with position 1"
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
    source = str(path)
    root = _parse_xml(path, source)
    _refuse_other_documents(root, source)
    series = root.findall("TimeSeries")
    if not series:
        raise InputDataError(f"{source}: line {root.line}: GL_MarketDocument without TimeSeries")
    parts: dict[str, list[np.ndarray]] = {k: [] for k in GENERATION_COLUMNS}  # one per Period
    curves: dict[str, int] = {}
    for ts in series:
        psr, curve, zone, direction = _series_facts(ts, source)
        curves[curve] = curves.get(curve, 0) + 1
        periods = ts.findall("Period")
        if not periods:
            raise InputDataError(f"{source}: line {ts.line}: TimeSeries without Period")
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


# --------------------------------------------------------------------------------------
# Intensity
# --------------------------------------------------------------------------------------
def _as_quantity(name: str, value: object) -> pint.Quantity:
    if isinstance(value, str):
        try:
            value = ureg.Quantity(value)
        except (pint.PintError, ValueError, AttributeError, TypeError) as exc:
            raise UnitError(f"fuel_factors[{name!r}]: cannot parse {value!r} ({exc})") from None
    if not isinstance(value, ureg.Quantity):
        raise UnitError(
            f"fuel_factors[{name!r}] = {value!r} has no unit; give a pint Quantity or a string "
            "such as '400 kg CO2/MWh'"
        )
    if not value.is_compatible_with("kg CO2/MWh"):
        raise UnitError(
            f"fuel_factors[{name!r}] is in {value.units}; expected a CO2 mass per energy "
            "(e.g. kg CO2/MWh, g CO2/kWh). The shipped factors are direct CO2; CO2e rates "
            "cannot be mixed with them"
        )
    if float(value.magnitude) < 0:
        raise ConfigError(f"fuel_factors[{name!r}] = {value} is negative")
    return value


def _psr_table(
    dataset_id: str, fuel_factors: Mapping[str, object] | None
) -> tuple[dict[str, tuple[str, float]], str, str]:
    """psrType → (category, rate in kg CO2/MWh), the dataset sha256, the overrides text."""
    dataset = load_dataset(dataset_id)
    table: dict[str, tuple[str, float]] = {}
    for row in dataset.table().itertuples(index=False):  # the factor table, not the data
        q = ureg.Quantity(float(row.value), parse_unit(row.unit))
        table[row.psr_type] = (row.category, float(q.to("kg CO2/MWh").magnitude))
    overrides = []
    for name, value in (fuel_factors or {}).items():
        key = str(name).strip().upper()
        q = _as_quantity(str(name), value)
        category = table.get(key, ("combustion", 0.0))[0]
        if category == "storage":
            raise ConfigError(
                f"fuel_factors[{name!r}]: {key} is storage, which is left out of the intensity; "
                "a factor for it has no effect"
            )
        rate = float(q.to("kg CO2/MWh").magnitude)
        table[key] = ("combustion", rate)
        overrides.append(f"{key}={rate:g} kg CO2/MWh")
    return table, dataset.sha256, "; ".join(overrides)


def entsoe_intensity(
    generation: pd.DataFrame,
    fuel_factors: Mapping[str, object] | None = None,
    *,
    dataset: str = DEFAULT_PSR_FACTORS,
) -> GridTable:
    """Production-based direct CO2 intensity of a bidding zone from A75 generation.

    ``intensity(t) = Σ_psr MW(t, psr) × EF_psr / Σ_psr MW(t, psr)`` over the
    generation series (storage types B10 and B25 and consumption series are
    left out of both sums), in kg CO2/MWh (= g CO2/kWh).

    Parameters
    ----------
    generation : pandas.DataFrame
        As returned by :func:`read_entsoe_generation` (one zone, one resolution).
    fuel_factors : Mapping[str, pint.Quantity or str], optional
        Rates that replace or extend the dataset's, keyed by psrType, e.g.
        ``{"B04": "370 kg CO2/MWh"}`` [CO2 mass per energy].
    dataset : str
        Factor dataset id (default ``entsoe_psr_direct_co2_ipcc2006``).

    Returns
    -------
    GridTable
        One row per interval: ``value`` [kg CO2/MWh], ``flag`` (``MEASURED``;
        ``SOURCE_MISSING`` where a counted series has no value for the interval
        or total generation is zero), ``line`` (smallest source line among the
        interval's points). ``gas="CO2"``, ``basis="direct"``,
        ``kind="average"``, ``region`` = the zone EIC code. ``meta`` names the
        factor dataset, its sha256, the rates used and what was left out.

    Raises
    ------
    InputDataError
        Missing columns; several zones or resolutions; a psrType appearing twice
        for one interval; a psrType with no factor and non-zero generation (names
        the file and line); no generating series.
    UnitError, ConfigError
        Invalid `fuel_factors`.
    """
    missing = [c for c in GENERATION_COLUMNS if c not in generation.columns]
    if missing:
        raise InputDataError(
            f"generation frame lacks column(s) {', '.join(missing)}; pass the frame "
            "read_entsoe_generation returns"
        )
    record = generation.attrs.get("record")
    source = record.path if isinstance(record, InputRecord) else "<generation frame>"
    gen = generation[generation["direction"] == "generation"]
    consumption_rows = int(len(generation) - len(gen))
    zones = sorted(set(gen["zone"]))
    if len(zones) != 1:
        raise InputDataError(
            f"{source}: the generation holds {len(zones)} zones ({', '.join(zones) or 'none'}); "
            "compute one zone at a time"
        )
    steps = pd.unique(gen["resolution"])
    if len(steps) != 1:
        raise InputDataError(
            f"{source}: mixed resolutions ({', '.join(str(pd.Timedelta(s)) for s in steps)}); "
            "resample the generation to one resolution first"
        )
    step = pd.Timedelta(steps[0])
    rates, sha256, overrides = _psr_table(dataset, fuel_factors)

    known = gen["psr_type"].isin(list(rates)).to_numpy()
    nonzero = gen["mw"].fillna(0.0).to_numpy() != 0
    unknown = ~known & nonzero
    if unknown.any():
        i = int(np.argmax(unknown))
        raise InputDataError(
            f"{source}: line {gen['line'].iloc[i]}: psrType {gen['psr_type'].iloc[i]!r} has "
            f"{gen['mw'].iloc[i]:g} MW but no emission factor; known: {', '.join(sorted(rates))}. "
            f"Pass fuel_factors={{{gen['psr_type'].iloc[i]!r}: <rate>}} to read it"
        )
    ignored = sorted(set(gen.loc[~known, "psr_type"]))
    category = gen["psr_type"].map({p: c for p, (c, _r) in rates.items()}).fillna("ignored")
    counted = gen[(category != "storage").to_numpy() & known]
    if counted.empty:
        raise InputDataError(f"{source}: no generating series with a factor")
    dup = counted.duplicated(["interval_start", "psr_type"], keep=False).to_numpy()
    if dup.any():
        lines = counted.loc[dup, "line"].head(2).tolist()
        raise InputDataError(
            f"{source}: lines {lines}: psrType {counted['psr_type'].to_numpy()[dup][0]} has "
            "two values for one interval (overlapping documents or TimeSeries?)"
        )
    mw = counted.pivot(index="interval_start", columns="psr_type", values="mw").sort_index()
    first_line = counted.groupby("interval_start")["line"].min().reindex(mw.index)
    negative = mw.to_numpy() < 0
    values_mw = np.where(negative, 0.0, mw.to_numpy())
    rate_row = np.array([rates[p][1] for p in mw.columns])
    incomplete = np.isnan(values_mw).any(axis=1)
    total = np.nansum(values_mw, axis=1)
    emitted = np.nansum(values_mw * rate_row, axis=1)
    missing_rows = incomplete | (total <= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        intensity = np.where(missing_rows, np.nan, emitted / np.where(total > 0, total, 1.0))
    flags = np.where(missing_rows, int(Flag.SOURCE_MISSING), int(Flag.MEASURED)).astype(np.int8)
    starts = pd.DatetimeIndex(mw.index).as_unit("ns")
    table = pd.DataFrame(
        {
            "interval_start": starts,
            "value": intensity,
            "flag": flags,
            "line": first_line.to_numpy(dtype=np.int64),
        }
    )
    meta = {
        "source": "ENTSO-E Transparency Platform A75; intensity computed by carbon",
        "accounting": "production-based (generation inside the zone; imports ignored)",
        "formula": "sum(MW_psr * EF_psr) / sum(MW_psr) per interval; storage excluded",
        "factor_dataset": dataset,
        "factor_sha256": sha256,
        "factor_overrides": overrides,
        "psr_rates": "; ".join(f"{p}={rates[p][1]:g} kg CO2/MWh" for p in mw.columns),
        "storage_excluded": ", ".join(
            sorted(set(gen.loc[(category == "storage").to_numpy(), "psr_type"]))
        ),
        "ignored_psr_types": ", ".join(ignored),
        "consumption_rows_excluded": str(consumption_rows),
        "clipped_negative_cells": str(int(negative.sum())),
        "incomplete_intervals": str(int(incomplete.sum())),
        "missing_intervals": str(int(missing_rows.sum())),
        "time_convention": "timeInterval/start + (position-1) x resolution, UTC",
        "licence": "ENTSO-E Transparency Platform terms: reuse with attribution (confirm per "
        "dataset, DATA-FORMATS 8)",
        **{f"document_{k}": v for k, v in generation.attrs.get("meta", {}).items()},
    }
    out_record = InputRecord(
        path=source,
        sha256=record.sha256 if isinstance(record, InputRecord) else "",
        rows=len(table),
        start=starts.min().isoformat(),
        end=(starts.max() + step).isoformat(),
        kind=f"grid intensity (ENTSO-E A75, {zones[0]}, production-based, direct)",
    )
    return GridTable(
        frame=table,
        unit=parse_unit("kg CO2/MWh"),
        region=zones[0],
        gas="CO2",
        basis="direct",
        kind="average",
        resolution=step,
        record=out_record,
        meta=meta,
    )
