"""carbon: energy and carbon accounting for mining-to-AI data centres.

The heavy modules (xarray, weasyprint, matplotlib) are imported lazily by the
stages that need them, so that ``carbon --help`` starts instantly.
"""

from __future__ import annotations

from carbon.core.version import __version__

__all__ = ["__version__"]
