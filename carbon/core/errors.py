"""The exception hierarchy of `carbon`.

Every error a user can cause derives from :class:`CarbonError`; the CLI turns
these into a short message and a distinct exit code (no traceback unless
``--debug``). Subclasses also inherit the matching built-in exception so that
callers may catch either.
"""

from __future__ import annotations


class CarbonError(Exception):
    """Base class of all domain errors raised by `carbon`."""

    exit_code: int = 1


class ConfigError(CarbonError, ValueError):
    """A site file or option is invalid (names the key path and valid choices)."""

    exit_code = 2


class UnitError(CarbonError, ValueError):
    """A unit is missing, ambiguous, or of the wrong dimension."""


class AmbiguousUnitError(UnitError):
    """A unit token whose meaning differs between conventions (``ton``, ``kt``, ``month``)."""


class FactorError(CarbonError, LookupError):
    """An emission factor or factor dataset cannot be found or fails its checksum."""


class FactorNotFoundError(FactorError, KeyError):
    """No factor for the requested (dataset, region, gas)."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ChecksumError(FactorError):
    """A shipped data file does not match the SHA-256 recorded in its metadata."""


class InputDataError(CarbonError, ValueError):
    """Input data is malformed; the message names the file and line or timestamp."""


class PeriodError(CarbonError, ValueError):
    """A reporting period is malformed or not covered by the data."""

    exit_code = 2


class OutputExistsError(CarbonError, FileExistsError):
    """An issued report folder already exists; issued reports are never overwritten."""


class ReportContextError(CarbonError, ValueError):
    """``results`` lacks a key or value the disclosure cannot be written without."""


class ReportResourceError(CarbonError, PermissionError):
    """A template asked for a resource outside the templates folder (or the network)."""
