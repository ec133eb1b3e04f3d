"""The output folder: ``<out>/<site>/<period>/v<N>/``, written atomically, never overwritten.

Files are written into a temporary sibling folder, flushed to disk, and the
folder is renamed into place in one step, so a reader sees either nothing or
the complete version. An existing version folder is never replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from carbon.errors import OutputExistsError


def version_dir(root: Path, site_id: str, period_label: str, version: int) -> Path:
    """Where version `version` of a site's period report lives."""
    return Path(root) / site_id / period_label / f"v{version}"


def write_version(
    root: Path, site_id: str, period_label: str, version: int, files: dict[str, bytes]
) -> Path:
    """Write `files` (name → bytes) as a new version folder; refuse to overwrite."""
    target = version_dir(root, site_id, period_label, version)
    if target.exists():
        raise OutputExistsError(
            f"{target} already exists; a written report version is never overwritten. "
            "Choose another --out folder (restatements with new versions arrive with the ledger)."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for name in sorted(files):
            path = staging / name
            with open(path, "wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
        try:
            os.rename(staging, target)
        except OSError as exc:
            raise OutputExistsError(
                f"{target} appeared while writing; nothing was replaced"
            ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
