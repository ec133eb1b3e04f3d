"""CSV and text files as the importers read them: UTF-8 only, blank lines dropped, lines kept.

:func:`read_text` refuses an empty file and names the line and byte offset of the first
byte that is not UTF-8; :func:`read_csv_text` parses CSV text into string columns and keeps
the 1-based file line of every row, so that every later error can name it. ``line`` is
the physical line of the row (files with quoted multi-line cells would shift it).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from carbon.core.errors import InputDataError

__all__ = ["first", "read_csv_text", "read_text"]


def read_text(path: str | Path) -> str:
    """Read a text file as UTF-8 (a BOM is allowed); refuse empty files and other encodings."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputDataError(
            f"{source}: cannot read the file ({exc.strerror})", path=source, reason="unreadable"
        ) from None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if not data[bom:].strip():
        raise InputDataError(
            f"{source}: the file is empty; expected a header line and readings",
            path=source,
            reason="empty",
        )
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        line = data[:offset].count(b"\n") + 1
        raise InputDataError(
            f"{source}: line {line}: byte 0x{data[offset]:02x} at byte offset {offset} is not "
            "UTF-8; expected a UTF-8 text file (re-save it as 'CSV UTF-8')",
            path=source,
            line=line,
            reason="encoding",
        ) from None


def read_csv_text(text: str, source: str, first_line: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse CSV text (header first) into string columns; drop blank lines, keep line numbers.

    `first_line` is the file line of the header. Returns the frame and the 1-based
    file line of each of its rows.
    """
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputDataError(
            f"{source}: not a readable CSV file ({exc}); expected a header line and rows",
            path=source,
            reason="unreadable",
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    lines = np.arange(first_line + 1, first_line + 1 + len(frame), dtype=np.int64)
    blank = (frame.apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()
    frame = frame.loc[~blank].reset_index(drop=True)
    lines = lines[~blank]
    if frame.empty:
        raise InputDataError(
            f"{source}: line {first_line + 1}: no readings after the header; expected at least "
            "one row of readings",
            path=source,
            line=first_line + 1,
            reason="empty",
        )
    return frame, lines


def first(mask: np.ndarray) -> int:
    """Index of the first True in `mask`."""
    return int(np.argmax(mask))
