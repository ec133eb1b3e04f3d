"""Locate the data that ships with `carbon`: ``factors/`` and ``templates/``.

In the repository both live at the top level. In a built wheel they are
force-included under ``carbon/_data/`` (see ``pyproject.toml``). Both layouts
are looked up through :mod:`importlib.resources`.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from carbon.core.errors import CarbonError

_KINDS = ("factors", "templates")


def data_root(kind: str) -> Traversable:
    """Return the folder of shipped data of one `kind` (``factors`` or ``templates``)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown data kind {kind!r}; expected one of {_KINDS}")
    packaged = resources.files("carbon") / "_data" / kind
    if packaged.is_dir():
        return packaged
    source_tree = Path(str(resources.files("carbon"))).parent / kind
    if source_tree.is_dir():
        return source_tree
    raise CarbonError(
        f"the {kind}/ folder was not found inside the installed package (carbon/_data/{kind}) "
        f"nor beside it ({source_tree}); the installation is incomplete"
    )


def factors_root() -> Traversable:
    """The folder of emission-factor datasets."""
    return data_root("factors")


def templates_root() -> Traversable:
    """The folder of report templates, CSS and fonts."""
    return data_root("templates")
