"""Monthly activity rows read from a CSV file the site file names (``activity_file``).

The CSV has a header row of ``[[activity]]`` keys (``period`` required, every other
key optional; miner groups stay in the site file) and one row per month. Values
are written as in the site file: hashrates and GPU-hours with their unit
(``2.62 EH/s``, ``6380000 hour``), BTC amounts and counts as plain numbers. An
empty cell means "not given". A month given twice in the file is an error naming
both lines; :func:`carbon.site.load.with_activity_file` merges the rows with the
inline ``[[activity]]`` rows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from carbon.core.errors import ConfigError
from carbon.core.lineage import InputRecord, file_sha256
from carbon.site.activity import ActivityPeriod
from carbon.site.csv_rows import table_rows, validation_problems
from carbon.site.model import SiteConfig

__all__ = ["ACTIVITY_COLUMNS", "activity_input_record", "read_activity_csv"]

#: Columns an activity CSV may hold (every ``[[activity]]`` key but the nested miners).
ACTIVITY_COLUMNS: tuple[str, ...] = tuple(k for k in ActivityPeriod.model_fields if k != "miners")


def read_activity_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """``(line, row)`` pairs of a validated activity CSV; errors name the file and line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: activity file not found", path=path, reason="not-found"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})",
            path=path,
            reason="not-utf8",
        ) from None
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if not header:
        raise ConfigError(
            f"{path}: empty activity file; expected a header row with 'period'",
            path=path,
            reason="empty-file",
        )
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in ACTIVITY_COLUMNS]
    if unknown:
        raise ConfigError(
            f"{path}: line 1: unknown column(s) {', '.join(map(repr, unknown))}; "
            f"expected some of: {', '.join(ACTIVITY_COLUMNS)} (miner groups stay in the site file)",
            path=path,
            line=1,
            reason="unknown-column",
        )
    if "period" not in header:
        raise ConfigError(
            f"{path}: line 1: the header needs a 'period' column (YYYY-MM)",
            path=path,
            line=1,
            reason="no-period-column",
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for line, row in table_rows(path, reader, header):
        try:
            record = ActivityPeriod.model_validate(row)
        except ValidationError as exc:
            raise ConfigError(
                f"{path}: line {line}: {validation_problems(exc)}",
                path=path,
                line=line,
                reason="invalid-row",
            ) from None
        if record.period in seen:
            raise ConfigError(
                f"{path}: line {line}: period {record.period} repeats line {seen[record.period]}",
                path=path,
                line=line,
                reason="duplicate-period",
            )
        seen[record.period] = line
        rows.append((line, record.model_dump(mode="json", exclude_none=True)))
    return rows


def activity_input_record(site: SiteConfig, base: Path) -> InputRecord | None:
    """The lineage record of the site's activity file (path as written, SHA-256, rows)."""
    if site.activity_file is None:
        return None
    path = Path(base) / site.activity_file
    rows = read_activity_csv(path)
    periods = sorted(row["period"] for _, row in rows)
    return InputRecord(
        path=site.activity_file,
        sha256=file_sha256(path),
        rows=len(rows),
        start=periods[0] if periods else None,
        end=periods[-1] if periods else None,
        kind="activity",
    )
