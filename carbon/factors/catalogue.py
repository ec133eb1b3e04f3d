"""Emission-factor datasets shipped in ``factors/``: finding, loading, checksums.

Each dataset lives in ``factors/<publisher>/<dataset>/`` as one CSV (one row per
value, with a unit and a provenance column) and ``metadata.json`` (who published
it, which edition and revision, GWP set, source URLs, licence, and the SHA-256 of
the CSV). Every load hashes the CSV bytes it parses and raises
:class:`~carbon.core.errors.ChecksumError` on a mismatch. The files are written by
``scripts/build_factors.py``; see ``docs/factors.md``. Look-ups by subregion live
in :mod:`carbon.factors.egrid`, the GWP-100 sets in :mod:`carbon.factors.gwp`.

pandas is imported only when a table is read, so that :mod:`carbon.factors.gwp` can
read its table (stdlib ``csv``, :func:`shipped_csv_bytes`) without importing pandas.
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FactorDataset",
    "list_datasets",
    "load_dataset",
    "shipped_csv_bytes",
    "shipped_ids",
]

METADATA_FILE = "metadata.json"

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


def shipped_ids(kind: str | None = None) -> list[str]:
    """Ids of the shipped datasets, sorted by path; only those of `kind` when given.

    Reads the metadata only (no CSV is loaded or hashed).
    """
    return [i for i, (_f, _d, meta) in _shipped_index().items() if kind in (None, meta["kind"])]


def shipped_csv_bytes(dataset_id: str) -> bytes:
    """The CSV bytes of a shipped dataset, checked against its SHA-256.

    Uses only the standard library, for readers that need no DataFrame.

    Raises
    ------
    FactorNotFoundError
        Unknown id; the message lists the valid ids.
    ChecksumError
        The CSV does not match the SHA-256 in its metadata.
    """
    index = _shipped_index()
    folder, directory, meta = index[_resolve_id(dataset_id, list(index))]
    return _verified_bytes(folder, directory, meta)
