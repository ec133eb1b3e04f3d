"""The output folder: ``<out>/<site>/<period>/v<N>/``, written atomically, never overwritten.

Files are written into a temporary sibling folder, flushed to disk, and the
folder is renamed into place in one step, so a reader sees either nothing or
the complete version. An existing version folder is never replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from carbon.core.errors import OutputExistsError


def version_dir(root: Path, site_id: str, period_label: str, version: int) -> Path:
    """Where version `version` of a site's period report lives."""
    return Path(root) / site_id / period_label / f"v{version}"


_VERSION_NAME = re.compile(r"^v([1-9][0-9]*)$")


def existing_versions(root: Path, site_id: str, period_label: str) -> list[int]:
    """The version numbers already written for a site's period, ascending."""
    folder = Path(root) / site_id / period_label
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = _VERSION_NAME.match(entry.name)
        if match and entry.is_dir():
            found.append(int(match.group(1)))
    return sorted(found)


def write_version(
    root: Path, site_id: str, period_label: str, version: int, files: dict[str, bytes]
) -> Path:
    """Write `files` (name → bytes) as a new version folder; refuse to overwrite."""
    target = version_dir(root, site_id, period_label, version)
    if target.exists():
        raise OutputExistsError(
            f"{target} already exists; a written report version is never overwritten. "
            'Re-issue the period with --restate --reason "..." (a new version) or choose '
            "another --out folder.",
            path=target,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for name in sorted(files):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(files[name])
                handle.flush()
                os.fsync(handle.fileno())
        try:
            os.rename(staging, target)
        except OSError as exc:
            raise OutputExistsError(
                f"{target} appeared while writing; nothing was replaced", path=target
            ) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
