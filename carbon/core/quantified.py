"""Build a pint-wrapped DataArray cheaply.

``xr.DataArray(quantity, dims=..., coords=...)`` asks the data for ``name`` and ``attrs``;
a pint quantity answers a missing attribute with an ``AttributeError`` whose message
prints the whole magnitude, and numpy prints arrays of up to 1,000 values in full (about
5 ms for a month of hours, on every call). Wrapping the quantity in an ``xr.Variable``
first gives xarray nothing to ask, and the same DataArray.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pint
import xarray as xr

from carbon.core.units import ureg


def quantified(
    values: Any,
    unit: str | pint.Unit,
    dims: Sequence[Hashable],
    coords: Mapping[Hashable, Any] | None = None,
    *,
    name: Hashable | None = None,
    attrs: Mapping[Any, Any] | None = None,
) -> xr.DataArray:
    """``values`` [`unit`] (magnitudes: numpy or dask) as a DataArray on `dims` and `coords`.

    Equal to ``xr.DataArray(ureg.Quantity(values, unit), dims=dims, coords=coords,
    name=name, attrs=attrs)``.
    """
    data = ureg.Quantity(values, unit)
    return xr.DataArray(xr.Variable(tuple(dims), data, attrs=attrs), coords=coords, name=name)
