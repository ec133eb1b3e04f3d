"""EnergyTag-style granular certificate (GC) exports: one row per certificate bundle.

A registry account's export of cancelled GC bundles (docs/importers/energytag.md), as CSV
with a header row. Each row is one bundle: the production device, the production interval
(``production_starting_interval`` … ``production_ending_interval``, ISO 8601 with a UTC
offset, at most one hour, as the EnergyTag Standard issues them), the energy it certifies
(``energy_wh``, or ``bundle_quantity`` certificates of ``face_value`` Wh each), its
``issuance_id``, the ``cancellation_id`` of the cancellation that redeemed it and the
``beneficiary`` (and, optionally, ``consumption_site``) it was cancelled for.

:func:`read_energytag_gc` checks what a bundle is on its own and refuses, naming the file
and line: an interval longer than one hour or not after its start, an issuance id seen
before in the file, and energy that is empty, not finite or negative. Whom a bundle was
cancelled for is checked against the instrument that claims it
(:mod:`carbon.site.profile_files`), which keeps only its own bundles and counts the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError
from carbon.core.lineage import InputRecord, file_sha256
from carbon.ingest.csv_text import first, read_csv_text, read_text
from carbon.ingest.meter_values import parse_numbers
from carbon.ingest.stamps import parse_stamps

__all__ = ["GC_COLUMNS", "GranularCertificates", "read_energytag_gc"]

#: Columns every GC export must have (the energy as ``energy_wh`` or ``bundle_quantity``).
GC_COLUMNS = (
    "device_id",
    "production_starting_interval",
    "production_ending_interval",
    "issuance_id",
    "cancellation_id",
    "beneficiary",
)
_HOUR = pd.Timedelta(hours=1)


@dataclass(frozen=True)
class GranularCertificates:
    """The bundles of one GC export.

    ``frame`` columns: ``start``, ``end`` (datetime64[ns, UTC]), ``energy_wh`` (float64,
    finite, ≥ 0), ``device_id``, ``issuance_id``, ``cancellation_id``, ``beneficiary``,
    ``consumption_site`` (str; empty where the export leaves it out), ``line`` (int64).
    """

    frame: pd.DataFrame
    record: InputRecord


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[column].astype(str).str.strip()


def _energy_wh(frame: pd.DataFrame, lines: np.ndarray, source: str) -> np.ndarray:
    """Energy per bundle [Wh]: ``energy_wh``, or ``bundle_quantity`` × ``face_value`` (Wh)."""
    if "energy_wh" in frame:
        column, wh = (
            "energy_wh",
            parse_numbers(frame["energy_wh"], lines=lines, source=source, column="energy_wh"),
        )
    elif "bundle_quantity" in frame:
        column = "bundle_quantity"
        count = parse_numbers(
            frame["bundle_quantity"], lines=lines, source=source, column="bundle_quantity"
        )
        face = (
            parse_numbers(frame["face_value"], lines=lines, source=source, column="face_value")
            if "face_value" in frame
            else np.ones(len(frame))
        )
        wh = count * np.where(np.isnan(face), np.nan, face)
    else:
        raise InputDataError(
            f"{source}: line 1: no energy column; expected energy_wh (Wh per bundle) or "
            "bundle_quantity (certificates of face_value Wh, 1 Wh when face_value is absent)",
            path=source,
            line=1,
            reason="missing-column",
        )
    bad = np.isnan(wh) | (wh < 0)
    if bad.any():
        i = first(bad)
        what = "empty" if np.isnan(wh[i]) else f"negative ({wh[i]:g} Wh)"
        raise InputDataError(
            f"{source}: line {lines[i]}: {column} is {what}; a certificate bundle certifies a "
            "finite, non-negative energy",
            path=source,
            line=int(lines[i]),
            reason="bad-number",
        )
    return wh


def read_energytag_gc(path: str | Path) -> GranularCertificates:
    """Read a granular certificate export: one cancelled bundle a row.

    Parameters
    ----------
    path : str or Path
        UTF-8 CSV with the columns of :data:`GC_COLUMNS` and ``energy_wh`` (or
        ``bundle_quantity`` and optionally ``face_value`` [Wh]); ``consumption_site`` is
        optional. Other columns (status, energy source, country …) are ignored.

    Returns
    -------
    GranularCertificates
        The bundles in file order and the file's input record (hash, rows, span).

    Raises
    ------
    InputDataError
        Missing columns, a stamp without offset, an interval not after its start or
        longer than one hour, a repeated issuance id, an empty, non-finite or negative
        energy; the message names the file and line.
    """
    source = str(path)
    frame, lines = read_csv_text(read_text(path), source)
    missing = [c for c in GC_COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"{source}: line 1: missing column(s) {', '.join(missing)}; a granular certificate "
            f"export needs {', '.join(GC_COLUMNS)} and energy_wh (or bundle_quantity)",
            path=source,
            line=1,
            reason="missing-column",
        )
    stamps = {
        c: parse_stamps(frame[c], lines=lines, source=source, column=c, timezone=None)
        for c in ("production_starting_interval", "production_ending_interval")
    }
    start = stamps["production_starting_interval"]
    end = stamps["production_ending_interval"]
    length = end - start
    wrong = np.asarray((length <= pd.Timedelta(0)) | (length > _HOUR))
    if wrong.any():
        i = first(wrong)
        raise InputDataError(
            f"{source}: line {lines[i]}: the bundle runs {start[i].isoformat()} – "
            f"{end[i].isoformat()} ({length[i]}); a granular certificate covers a production "
            "interval after its start and at most one hour long",
            path=source,
            line=int(lines[i]),
            timestamp=start[i].isoformat(),
            reason="interval",
        )
    issuance = _text(frame, "issuance_id")
    for column in ("issuance_id", "device_id"):
        empty = (_text(frame, column) == "").to_numpy()
        if empty.any():
            i = first(empty)
            raise InputDataError(
                f"{source}: line {lines[i]}: {column} is empty; every bundle names its "
                "production device and issuance",
                path=source,
                line=int(lines[i]),
                reason="missing-value",
            )
    repeated = issuance.duplicated().to_numpy()
    if repeated.any():
        i = first(repeated)
        before = first((issuance == issuance.iloc[i]).to_numpy())
        raise InputDataError(
            f"{source}: line {lines[i]}: issuance id {issuance.iloc[i]!r} is already on line "
            f"{lines[before]}; a bundle is listed once (merge split bundles of one issuance)",
            path=source,
            line=int(lines[i]),
            reason="duplicate",
        )
    energy = _energy_wh(frame, lines, source)
    bundles = pd.DataFrame(
        {
            "start": start,
            "end": end,
            "energy_wh": energy,
            "device_id": _text(frame, "device_id").to_numpy(),
            "issuance_id": issuance.to_numpy(),
            "cancellation_id": _text(frame, "cancellation_id").to_numpy(),
            "beneficiary": _text(frame, "beneficiary").to_numpy(),
            "consumption_site": _text(frame, "consumption_site").to_numpy(),
            "line": lines,
        }
    )
    record = InputRecord(
        path=source,
        sha256=file_sha256(path),
        rows=len(bundles),
        start=start.min().isoformat(),
        end=end.max().isoformat(),
        kind="granular certificates (EnergyTag export)",
    )
    return GranularCertificates(bundles, record)
