"""carbon: energy and carbon accounting for mining-to-AI data centres.

The Python API (walk-through in ``docs/api.md``)::

    import carbon

    site = carbon.demo_site()              # or carbon.load_site("site.toml")
    r = carbon.run(site, "2025-07")        # the same computation as `carbon report`
    r.to_frame()                           # the rows of results.csv, as pandas
    r.emissions.sel(basis="market")        # xarray with pint units [kg CO2e]
    folder = carbon.write_report(r, "reports")
    carbon.verify(folder / "disclosure.pdf").ok

The names are loaded on first use (module ``__getattr__``, PEP 562), so that
``import carbon`` and ``carbon --help`` stay instant: the stages behind them import
xarray, pandas, weasyprint and matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from carbon.core.version import __version__

__all__ = [
    "AllocationError",
    "AmbiguousUnitError",
    "CarbonError",
    "ChecksumError",
    "ConfigError",
    "FactorError",
    "FactorNotFoundError",
    "InputDataError",
    "LedgerConflictError",
    "MissingVersionError",
    "OutputExistsError",
    "PeriodError",
    "PlausibilityError",
    "ReportContextError",
    "ReportResourceError",
    "Results",
    "SerialOverlapError",
    "SigningKeyError",
    "Site",
    "UnitError",
    "Verification",
    "__version__",
    "demo_site",
    "load_site",
    "run",
    "verify",
    "write_report",
]

#: The module that defines each public name (imported when the name is first used).
_MODULES: dict[str, tuple[str, ...]] = {
    "carbon.workflow.api": ("Site", "demo_site", "load_site", "run", "verify", "write_report"),
    "carbon.results.frame": ("Results",),
    "carbon.workflow.verify": ("Verification",),
    "carbon.core.errors": (
        "CarbonError",
        "ConfigError",
        "UnitError",
        "AmbiguousUnitError",
        "FactorError",
        "FactorNotFoundError",
        "ChecksumError",
        "InputDataError",
        "PeriodError",
        "OutputExistsError",
        "ReportContextError",
        "ReportResourceError",
        "AllocationError",
        "SerialOverlapError",
        "LedgerConflictError",
        "SigningKeyError",
        "MissingVersionError",
        "PlausibilityError",
    ),
}
_LAZY = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on first use, and keep the name."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors; at run time the names load lazily
    from carbon.core.errors import (
        AllocationError,
        AmbiguousUnitError,
        CarbonError,
        ChecksumError,
        ConfigError,
        FactorError,
        FactorNotFoundError,
        InputDataError,
        LedgerConflictError,
        MissingVersionError,
        OutputExistsError,
        PeriodError,
        ReportContextError,
        ReportResourceError,
        SerialOverlapError,
        SigningKeyError,
        UnitError,
    )
    from carbon.results.frame import Results
    from carbon.workflow.api import Site, demo_site, load_site, run, verify, write_report
    from carbon.workflow.verify import Verification
