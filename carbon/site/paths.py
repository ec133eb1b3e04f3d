"""Where a site's input files may lie: inside the site file's folder, unless it says otherwise.

Every path a site file names (``meters[].file``, ``[[grid]] path``, ``[reporting]
instruments``, ``activity_file``, ``[marginal_rate] path``) is resolved against the site
file's folder by :func:`resolve_input`. A path that resolves outside that folder
(``../elsewhere``, an absolute path such as ``/proc/self/environ``, a symbolic link pointing
out) is refused unless the site file sets ``allow_paths_outside = true``. A path that cannot
be resolved (a symbolic-link loop), does not exist, is a folder where a file is expected, or
cannot be opened (permissions) is a :class:`~carbon.core.errors.ConfigError` naming the site
file's key, never a traceback. Nothing of the file's content is read or quoted here.
"""

from __future__ import annotations

from pathlib import Path

from carbon.core.errors import ConfigError

__all__ = ["resolve_input"]


def resolve_input(
    base: Path,
    declared: str,
    *,
    what: str,
    key: str | None = None,
    allow_outside: bool = False,
    folder_ok: bool = False,
    meter: str | None = None,
    must_exist: bool = True,
    root: Path | None = None,
) -> Path:
    """The absolute path of the input `declared` (relative to `base`), checked.

    `what` names the input in messages (``meter 'REV'``), `key` is the site file's key path,
    `folder_ok` accepts a folder (the DCGM reader reads a folder of scrapes); without
    `must_exist` a missing file is left for its reader to report. `root` is the folder the
    input must lie in, where it is not `base` (a profile named relative to the instruments
    CSV must still lie in the site file's folder).
    """
    given = Path(base) / declared
    fields = {"key": key, "meter": meter}
    try:
        path = given.resolve(strict=False)
        root = Path(base if root is None else root).resolve(strict=False)
    except (OSError, RuntimeError) as exc:  # a symbolic-link loop: RuntimeError before 3.13
        raise ConfigError(
            f"{what}: {declared!r} cannot be resolved ({exc.__class__.__name__}: a symbolic-link "
            "loop or an unreadable folder); expected a path to a file",
            path=given,
            reason="unresolvable-path",
            **fields,
        ) from None
    if not allow_outside and not path.is_relative_to(root):
        raise ConfigError(
            f"{what}: {declared!r} resolves to {path}, outside the site file's folder {root}; "
            "inputs must lie inside it (set allow_paths_outside = true at the top of the site "
            "file to allow other paths)",
            path=path,
            reason="path-outside",
            **fields,
        )
    try:
        exists, is_folder = path.exists(), path.is_dir()
    except OSError as exc:  # a loop below a folder, a name too long ...
        raise ConfigError(
            f"{what}: {declared!r} cannot be examined ({exc.strerror or exc})",
            path=path,
            reason="unresolvable-path",
            **fields,
        ) from None
    if not exists and not must_exist:
        return path
    if not exists:
        raise ConfigError(
            f"{what}: file {declared!r} not found (looked for {path}); expected a path "
            "relative to the site file's folder",
            path=path,
            reason="file-not-found",
            **fields,
        )
    if is_folder:
        if folder_ok:
            return path
        raise ConfigError(
            f"{what}: {declared!r} is a folder ({path}); expected a file",
            path=path,
            reason="is-a-folder",
            **fields,
        )
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise ConfigError(
            f"{what}: {declared!r} cannot be opened ({exc.strerror or exc}); check its permissions",
            path=path,
            reason="unreadable",
            **fields,
        ) from None
    return path
