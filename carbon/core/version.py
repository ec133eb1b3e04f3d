"""The package version, and the fingerprint of this build of it."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from carbon.core.resources import templates_root

__version__ = "0.1.0"

__all__ = ["__version__", "build_sha256"]


@functools.cache
def build_sha256() -> str:
    """SHA-256 of this build: every ``.py`` file of the ``carbon`` package and every file of
    its report templates, by path relative to their folder, in path order.

    The version string names a release; two builds of one version (a source checkout at two
    commits) can render a report differently, and this tells them apart.
    """
    digest = hashlib.sha256()
    roots = (("carbon", Path(__file__).resolve().parents[1], "*.py"),)
    roots += (("templates", Path(str(templates_root())).resolve(), "*"),)
    for label, root, pattern in roots:
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            if "__pycache__" in path.parts or "_data" in path.relative_to(root).parts:
                continue
            digest.update(f"{label}/{path.relative_to(root).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
