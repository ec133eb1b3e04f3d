"""Loading a site: reading the TOML file, merging its activity CSV, and the loading errors.

:func:`load_site` reads a site file; :func:`site_from_dict` validates a mapping
built in code (the demo, tests). Every problem is a
:class:`~carbon.core.errors.ConfigError` whose message names the file and the key
path (``meters[2].workload``) with the valid choices; its fields carry the same
facts (``path``, ``key``, ``line``, ``reason``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from carbon.core.errors import ConfigError
from carbon.site.activity_file import read_activity_csv
from carbon.site.invoices import read_invoices_csv
from carbon.site.model import SiteConfig
from carbon.site.paths import resolve_input

__all__ = ["format_validation_error", "load_site", "site_from_dict", "with_activity_file"]


def _key_path(loc: tuple[str | int, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith(("function-after", "literal[", "list[", "str", "datetime")):
            continue  # pydantic's union-branch labels are noise to a user
        else:
            path += f".{part}" if path else part
    return path or "(top level)"


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Turn a pydantic error into lines naming the key path and what was expected."""
    lines = [f"{source}: invalid site configuration"]
    seen: set[str] = set()
    for err in exc.errors():
        line = f"  {_key_path(err['loc'])}: {err['msg']}"
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return "\n".join(lines)


def site_from_dict(
    data: dict, source: str = "<site>", *, path: str | Path | None = None
) -> SiteConfig:
    """Validate a site mapping; raise :class:`ConfigError` naming the key path.

    `source` names the site in the message; `path` (the site file, when there is
    one) goes to the error's ``path`` field. The error's ``key`` is the key path
    of the first problem (the message lists them all).
    """
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        raise ConfigError(
            format_validation_error(exc, source),
            path=path,
            key=_key_path(errors[0]["loc"]) if errors else None,
            reason="invalid-site",
        ) from None


def load_site(path: str | Path) -> SiteConfig:
    """Read and validate a TOML site file (and the activity CSV it names)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: site file not found", path=path, reason="not-found") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); expected a UTF-8 "
            "TOML file",
            path=path,
            reason="not-utf8",
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc}", path=path, reason="invalid-toml"
        ) from None
    if isinstance(data.get("invoices"), str):  # a CSV of bills beside the site file
        data = {
            **data,
            "invoices": read_invoices_csv(path.parent / data["invoices"], data["invoices"]),
        }
    site = site_from_dict(data, source=str(path), path=path)
    if site.activity_file is not None:  # monthly activity rows from a CSV beside the site file
        site = with_activity_file(site, path.parent, source=str(path))
    return site


def with_activity_file(site: SiteConfig, base: Path, source: str = "site file") -> SiteConfig:
    """`site` with the rows of its ``activity_file`` (relative to `base`) merged in."""
    if site.activity_file is None:
        return site
    path = resolve_input(
        Path(base),
        site.activity_file,
        what="activity_file",
        key="activity_file",
        allow_outside=site.allow_paths_outside,
        must_exist=False,  # read_activity_csv says which file is missing
    )
    rows = read_activity_csv(path)
    inline = {a.period for a in site.activity}
    for line, row in rows:
        if row["period"] in inline:
            raise ConfigError(
                f"activity period {row['period']} is given twice: in [[activity]] of {source} "
                f"and in {path} line {line}; keep one",
                path=path,
                line=line,
                key="activity_file",
                reason="duplicate-period",
            )
    data = site.model_dump(mode="json", exclude_none=True)
    merged = [*data.get("activity", []), *(row for _, row in rows)]
    data["activity"] = sorted(merged, key=lambda a: a["period"])
    return site_from_dict(data, source=source)
