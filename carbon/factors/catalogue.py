"""Emission-factor datasets shipped in ``factors/``: loading, checksums, look-ups.

Each dataset lives in ``factors/<publisher>/<dataset>/`` as one CSV (one row per
value, with a unit and a provenance column) and ``metadata.json`` (who published
it, which edition and revision, GWP set, source URLs, licence, and the SHA-256 of
the CSV). Every load hashes the CSV bytes it parses and raises
:class:`~carbon.core.errors.ChecksumError` on a mismatch. The files are written by
``scripts/build_factors.py``; see ``docs/factors.md``.

pandas is imported only when a table is read, so that :mod:`carbon.core.units` can
use :func:`gwp100_table` (stdlib ``csv``) without importing pandas.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from carbon.core.errors import ChecksumError, FactorError, FactorNotFoundError
from carbon.core.resources import factors_root
from carbon.core.units import GAS_DIMENSIONS, Q_, to_co2e

if TYPE_CHECKING:
    import pandas as pd
    import pint

__all__ = [
    "EGRID_GASES",
    "FactorDataset",
    "egrid_co2e_rate",
    "egrid_grid_gross_loss",
    "egrid_rate",
    "gwp100_table",
    "latest_egrid_for_year",
    "list_datasets",
    "load_dataset",
]

METADATA_FILE = "metadata.json"
GWP100_DATASET = "ipcc_gwp100"
EGRID_KIND = "egrid_subregion_rates"
#: Gas keys of the eGRID emission-rate rows.
EGRID_GASES: tuple[str, ...] = ("CO2", "CH4", "N2O", "CO2e")
_RATE = "total_output_emission_rate"
_GGL = "grid_gross_loss"

Root = Traversable | PathLike[str] | str


@dataclass(frozen=True)
class FactorDataset:
    """One verified factor dataset: its metadata and its table.

    Attributes
    ----------
    id : str
        Dataset id, e.g. ``"egrid2023rev2"``; cite it with every computed value.
    kind : str
        ``"egrid_subregion_rates"`` or ``"gwp100"``.
    title, publisher, edition : str
        As published, e.g. ``"US EPA"``, ``"eGRID2023"``.
    revision : str or None
        e.g. ``"rev2"``; None when the edition has no revision.
    data_year : int or None
        Year the data describe (eGRID: the edition's number, not its release year).
    release_date : str
        ISO date of the release shipped (for revisions, of the revision).
    sha256 : str
        SHA-256 of the CSV, verified when the dataset was loaded.
    source_url : str
        Main source page; ``source_urls`` holds all sources.
    licence : str
        Licence or public-domain statement.
    gwp_set : str or None
        GWP set embedded in the dataset's CO2e values (eGRID2022: AR4, eGRID2023: AR5).
    path : str
        CSV path relative to ``factors/``, e.g. ``"epa/egrid2023rev2/subregion_rates.csv"``.
    metadata : Mapping
        The whole ``metadata.json`` (read-only).
    """

    id: str
    kind: str
    title: str
    publisher: str
    edition: str
    revision: str | None
    data_year: int | None
    release_date: str
    sha256: str
    source_url: str
    source_urls: tuple[str, ...]
    licence: str
    gwp_set: str | None
    path: str
    metadata: Mapping[str, Any] = field(repr=False, compare=False)
    _frame: pd.DataFrame = field(repr=False, compare=False)

    def table(self) -> pd.DataFrame:
        """The dataset's rows as a new DataFrame (a copy; the cached one stays intact).

        Columns are those of the CSV, all text except ``value`` (float). Each row
        carries its ``unit`` [e.g. ``lb CO2/MWh``] and ``provenance``.
        """
        return self._frame.copy()

    @property
    def label(self) -> str:
        """Edition and revision for citations, e.g. ``"eGRID2023 rev2"``."""
        return f"{self.edition} {self.revision}" if self.revision else self.edition


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------
def _as_traversable(root: Root | None) -> Traversable:
    if root is None:
        return factors_root()
    if isinstance(root, str | PathLike):
        return Path(root)
    return root


def _metadata_files(root: Traversable) -> list[tuple[str, Traversable]]:
    """(relative folder, dataset folder) for every dataset under `root`, sorted."""
    found = []
    if not root.is_dir():
        raise FactorError(f"factor folder not found: {root}")
    for publisher in root.iterdir():
        if not publisher.is_dir():
            continue
        for dataset in publisher.iterdir():
            if dataset.is_dir() and (dataset / METADATA_FILE).is_file():
                found.append((f"{publisher.name}/{dataset.name}", dataset))
    return sorted(found, key=lambda item: item[0])


def _read_metadata(folder: str, directory: Traversable) -> dict[str, Any]:
    try:
        meta = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FactorError(f"cannot read {folder}/{METADATA_FILE}: {exc}") from exc
    missing = [k for k in ("id", "kind", "file", "sha256") if k not in meta]
    if missing:
        raise FactorError(f"{folder}/{METADATA_FILE} lacks the key(s) {', '.join(missing)}")
    return meta


def _index(root: Traversable) -> dict[str, tuple[str, Traversable, dict[str, Any]]]:
    """Dataset id → (relative folder, dataset folder, metadata)."""
    index: dict[str, tuple[str, Traversable, dict[str, Any]]] = {}
    for folder, directory in _metadata_files(root):
        meta = _read_metadata(folder, directory)
        if meta["id"] in index:
            raise FactorError(
                f"dataset id {meta['id']!r} is used by both {index[meta['id']][0]} and {folder}"
            )
        index[meta["id"]] = (folder, directory, meta)
    return index


@functools.lru_cache(maxsize=1)
def _shipped_index() -> Mapping[str, tuple[str, Traversable, dict[str, Any]]]:
    return MappingProxyType(_index(factors_root()))


def _resolve_id(dataset_id: str, ids: list[str]) -> str:
    if isinstance(dataset_id, str):
        for known in ids:
            if known.casefold() == dataset_id.strip().casefold():
                return known
    raise FactorNotFoundError(
        f"unknown factor dataset {dataset_id!r}; valid ids: {', '.join(sorted(ids))}"
    )


def _verified_bytes(folder: str, directory: Traversable, meta: Mapping[str, Any]) -> bytes:
    """The CSV's bytes, after checking them against the recorded SHA-256."""
    csv_file = directory / meta["file"]
    if not csv_file.is_file():
        raise FactorError(f"{folder}/{meta['file']} named in {folder}/{METADATA_FILE} is missing")
    data = csv_file.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    expected = str(meta["sha256"]).lower()
    if actual != expected:
        raise ChecksumError(
            f"checksum mismatch for factors/{folder}/{meta['file']} ({csv_file}): "
            f"expected sha256 {expected}, actual {actual}. The file was changed after "
            "scripts/build_factors.py wrote it; rebuild it with that script instead of editing it."
        )
    return data


def _frame(data: bytes) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    frame["value"] = frame["value"].astype(float)
    return frame


def _load(
    dataset_id: str, index: Mapping[str, tuple[str, Traversable, dict[str, Any]]]
) -> FactorDataset:
    canonical = _resolve_id(dataset_id, list(index))
    folder, directory, meta = index[canonical]
    data = _verified_bytes(folder, directory, meta)
    return FactorDataset(
        id=canonical,
        kind=meta["kind"],
        title=meta.get("title", canonical),
        publisher=meta.get("publisher", ""),
        edition=meta.get("edition", ""),
        revision=meta.get("revision"),
        data_year=meta.get("data_year"),
        release_date=meta.get("release_date", ""),
        sha256=str(meta["sha256"]).lower(),
        source_url=meta.get("source_url", ""),
        source_urls=tuple(meta.get("source_urls", ())),
        licence=meta.get("licence", ""),
        gwp_set=meta.get("gwp_set"),
        path=f"{folder}/{meta['file']}",
        metadata=MappingProxyType(meta),
        _frame=_frame(data),
    )


@functools.cache
def _load_shipped(dataset_id: str) -> FactorDataset:
    return _load(dataset_id, _shipped_index())


# --------------------------------------------------------------------------------------
# Public loading API
# --------------------------------------------------------------------------------------
def load_dataset(dataset_id: str, *, root: Root | None = None) -> FactorDataset:
    """Load one dataset and verify its checksum.

    Parameters
    ----------
    dataset_id : str
        e.g. ``"egrid2023rev2"``, ``"egrid2022"``, ``"ipcc_gwp100"`` (case-insensitive).
    root : Traversable or path, optional
        A factors folder to read instead of the shipped one (tests, staging a new
        dataset). Datasets from the shipped folder are cached per process, so
        their checksum runs once; datasets from `root` are read and checked on
        every call.

    Returns
    -------
    FactorDataset

    Raises
    ------
    FactorNotFoundError
        Unknown id; the message lists the valid ids.
    ChecksumError
        The CSV does not match the SHA-256 in its metadata.
    """
    if root is not None:
        return _load(dataset_id, _index(_as_traversable(root)))
    return _load_shipped(_resolve_id(dataset_id, list(_shipped_index())))


def list_datasets(*, root: Root | None = None) -> list[FactorDataset]:
    """All datasets under the factors folder, loaded and verified, sorted by path."""
    if root is None:
        return [load_dataset(dataset_id) for dataset_id in _shipped_index()]
    index = _index(_as_traversable(root))
    return [_load(dataset_id, index) for dataset_id in index]


@functools.cache
def gwp100_table() -> Mapping[str, Mapping[str, float]]:
    """GWP-100 values by set and gas, from ``factors/ipcc/gwp100`` (checksum verified).

    Uses only the standard library, so :mod:`carbon.core.units` can call it cheaply.

    Returns
    -------
    Mapping
        ``{"AR4": {"CO2": 1.0, "CH4": 25.0, "N2O": 298.0}, "AR5": {...}, "AR6": {...}}``
        [CO2e per unit mass of gas], read-only.
    """
    index = _shipped_index()
    if GWP100_DATASET not in index:
        raise FactorNotFoundError(
            f"the GWP-100 table ({GWP100_DATASET}) is missing from {factors_root()}"
        )
    folder, directory, meta = index[GWP100_DATASET]
    data = _verified_bytes(folder, directory, meta)
    table: dict[str, dict[str, float]] = {}
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"))):
        table.setdefault(row["gwp_set"], {})[row["gas"]] = float(row["value"])
    return MappingProxyType({k: MappingProxyType(v) for k, v in table.items()})


# --------------------------------------------------------------------------------------
# eGRID look-ups
# --------------------------------------------------------------------------------------
def _egrid_ids() -> list[str]:
    return [i for i, (_f, _d, meta) in _shipped_index().items() if meta["kind"] == EGRID_KIND]


def _egrid_dataset(dataset_id: str) -> FactorDataset:
    egrid = _egrid_ids()
    try:
        dataset = load_dataset(dataset_id)
    except FactorNotFoundError:
        dataset = None
    if dataset is None or dataset.kind != EGRID_KIND:
        raise FactorNotFoundError(
            f"{dataset_id!r} is not an eGRID dataset; valid eGRID ids: {', '.join(egrid)}"
        )
    return dataset


@functools.cache
def _egrid_values(dataset_id: str) -> Mapping[tuple[str, str, str], float]:
    """(subregion, quantity, gas) → value for one (cached, verified) eGRID dataset."""
    frame = _egrid_dataset(dataset_id)._frame
    return MappingProxyType(
        {
            (row.subregion, row.quantity, row.gas): float(row.value)
            for row in frame.itertuples(index=False)
        }
    )


def _subregion_key(subregion: str, dataset: FactorDataset) -> str:
    values = _egrid_values(dataset.id)
    known = sorted({s for s, _q, _g in values})
    key = subregion.strip().upper() if isinstance(subregion, str) else subregion
    if key not in known:
        raise FactorNotFoundError(
            f"unknown eGRID subregion {subregion!r} in {dataset.id}; "
            f"valid: {', '.join(known)} (US = national)"
        )
    return key


def _gas_key(gas: str) -> str:
    for known in EGRID_GASES:
        if isinstance(gas, str) and gas.strip().casefold() == known.casefold():
            return known
    raise FactorNotFoundError(f"unknown gas {gas!r}; valid: {', '.join(EGRID_GASES)}")


def egrid_rate(subregion: str, dataset_id: str, gas: str) -> pint.Quantity:
    """Published eGRID subregion total-output emission rate of one gas.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym, e.g. ``"ERCT"``; ``"US"`` for the national rate.
    dataset_id : str
        e.g. ``"egrid2023rev2"``.
    gas : str
        ``"CO2"``, ``"CH4"``, ``"N2O"`` or ``"CO2e"``.

    Returns
    -------
    pint.Quantity
        The rate [lb <gas>/MWh], e.g. ``736.629 lb CO2e/MWh``. A CO2e rate embeds
        the dataset's GWP set (``load_dataset(dataset_id).gwp_set``).

    Raises
    ------
    FactorNotFoundError
        Unknown dataset, subregion or gas; the message lists the valid choices.

    References
    ----------
    .. [1] US EPA, eGRID, https://www.epa.gov/egrid (fields ``SRCO2RTA``,
       ``SRCH4RTA``, ``SRN2ORTA``, ``SRC2ERTA``; national ``US…``).
    """
    dataset = _egrid_dataset(dataset_id)
    gas_key = _gas_key(gas)
    key = _subregion_key(subregion, dataset)
    value = _egrid_values(dataset.id)[(key, _RATE, gas_key)]
    return Q_(value, f"lb {gas_key} / MWh")


def egrid_co2e_rate(
    subregion: str, dataset_id: str, gwp_set: str | None = None
) -> tuple[pint.Quantity, bool]:
    """eGRID CO2e rate, as published or recomputed under another GWP set.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym or ``"US"``.
    dataset_id : str
        e.g. ``"egrid2022"``.
    gwp_set : str, optional
        The report's GWP set (``"AR4"``, ``"AR5"``, ``"AR6"``). None, or the set the
        dataset embeds, returns EPA's published CO2e rate; any other set returns
        ``CO2 + GWP_CH4·CH4 + GWP_N2O·N2O`` from the published per-gas rates (in AR6,
        CH4 is the fossil value).

    Returns
    -------
    rate : pint.Quantity
        [lb CO2e/MWh]
    recomputed : bool
        True when the rate was recomputed from the per-gas rates (disclose it).

    Notes
    -----
    EPA's own CO2e is used whenever it matches the requested set: rebuilding it
    from the rounded per-gas rates does not close exactly for every row
    (DATA-FORMATS §1.2: HIMS and SRVC in eGRID2022).
    """
    dataset = _egrid_dataset(dataset_id)
    if gwp_set is None or gwp_set.strip().upper() == (dataset.gwp_set or "").upper():
        return egrid_rate(subregion, dataset.id, "CO2e"), False
    total = Q_(0.0, "lb CO2e / MWh")
    for gas in GAS_DIMENSIONS:
        total = total + to_co2e(egrid_rate(subregion, dataset.id, gas), gwp_set)
    return total, True


def egrid_grid_gross_loss(subregion: str, dataset_id: str) -> pint.Quantity:
    """Grid gross loss (GGRSLOSS) of the subregion's interconnect.

    Parameters
    ----------
    subregion : str
        eGRID subregion acronym or ``"US"``.
    dataset_id : str
        e.g. ``"egrid2023rev2"``.

    Returns
    -------
    pint.Quantity
        Fraction of generation lost in transmission and distribution
        [dimensionless], e.g. 0.042. Under the GHG Protocol these losses belong
        to Scope 3 category 3, not to the Scope 2 location-based figure.
    """
    dataset = _egrid_dataset(dataset_id)
    key = _subregion_key(subregion, dataset)
    return Q_(_egrid_values(dataset.id)[(key, _GGL, "")], "dimensionless")


def latest_egrid_for_year(year: int) -> tuple[str, bool]:
    """The eGRID dataset to use for a reporting year.

    Parameters
    ----------
    year : int
        Reporting (activity) year.

    Returns
    -------
    dataset_id : str
        The dataset whose data year is `year`; otherwise the one with the latest
        data year before `year` (latest release date among revisions).
    is_reporting_year : bool
        False when the edition is for an earlier data year (disclose the lag).

    Raises
    ------
    FactorNotFoundError
        If every shipped edition has a data year after `year`.
    """
    editions = [load_dataset(i) for i in _egrid_ids()]
    usable = [d for d in editions if d.data_year is not None and d.data_year <= year]
    if not usable:
        years = ", ".join(f"{d.id} ({d.data_year})" for d in editions)
        raise FactorNotFoundError(
            f"no eGRID edition has data for {year} or earlier; shipped: {years}"
        )
    best = max(usable, key=lambda d: (d.data_year, d.release_date))
    return best.id, best.data_year == year
