"""Rows of a (meter, time) array without a copy where a view gives the same array."""

from __future__ import annotations

from typing import Any

import numpy as np


def take_rows(values: Any, rows: list[int]) -> Any:
    """``values[rows]``, as a view when `rows` are consecutive rows of a C-ordered array.

    The view holds the same numbers in the same C layout as the copy fancy indexing makes,
    so sums over it add in the same order; it only skips copying (a 1-minute month of 100
    meters is 36 MB). Anything else (other rows, dask arrays) is indexed as given.
    """
    if (
        isinstance(values, np.ndarray)
        and values.flags.c_contiguous
        and rows
        and rows == list(range(rows[0], rows[0] + len(rows)))
    ):
        return values[rows[0] : rows[0] + len(rows)]
    return values[rows]
