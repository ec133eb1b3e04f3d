"""The lineage record every reader returns for the manifest."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class InputRecord:
    """One input as the manifest lists it: where it came from, its hash, rows and span."""

    path: str
    sha256: str
    rows: int
    start: str | None
    end: str | None
    kind: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
