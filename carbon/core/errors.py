"""The exception hierarchy of `carbon`.

Every error a user can cause derives from :class:`CarbonError`; the CLI turns
these into a short message and a distinct exit code (no traceback unless
``--debug``). Subclasses also inherit the matching built-in exception so that
callers may catch either.
"""

from __future__ import annotations

#: The structured fields every :class:`CarbonError` carries beside its message.
FIELDS = ("path", "line", "timestamp", "meter", "key")

#: The most characters of a file's content an error message quotes.
EXCERPT_CHARS = 80


def excerpt(text: object, limit: int = EXCERPT_CHARS) -> str:
    """`text` quoted for an error message: ``repr``-escaped (control, bidi and other
    unprintable characters as escapes) and cut to at most `limit` characters (``…`` marks
    a cut). An error never echoes more of a file than this."""
    quoted = repr(str(text))
    if len(quoted) <= limit:
        return quoted
    return quoted[: limit - 2] + "…" + quoted[-1]


class CarbonError(Exception):
    """Base class of all domain errors raised by `carbon`.

    The message (``str(error)``) is written for a person and already names what it
    can. The same facts are kept as fields, for programs: ``path`` (the input file),
    ``line`` (1-based line or row of that file), ``timestamp`` (the interval, as
    written or as ISO 8601 UTC), ``meter`` (the site's meter id), ``key`` (the site
    file's key path, e.g. ``meters[2].format``) and ``reason``, a short stable code
    (``"non-finite"``, ``"unknown-format"``, ...) that a caller can branch on. A field
    that does not apply is ``None``. ``carbon --json`` prints :meth:`to_dict`.
    """

    exit_code: int = 1
    #: The reason code used when a raise site gives none (one per class).
    default_reason: str = "error"

    def __init__(
        self,
        *args: object,
        path: object | None = None,
        line: int | None = None,
        timestamp: object | None = None,
        meter: str | None = None,
        key: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(*args)
        self.path = None if path is None else str(path)
        self.line = line
        self.timestamp = None if timestamp is None else str(timestamp)
        self.meter = meter
        self.key = key
        self.reason = reason or self.default_reason

    @property
    def message(self) -> str:
        """The message for a person (what ``str()`` gives)."""
        return str(self)

    def to_dict(self) -> dict[str, object]:
        """The error as plain data: its class, reason code, message and fields."""
        return {
            "error": type(self).__name__,
            "reason": self.reason,
            "message": self.message,
            **{name: getattr(self, name) for name in FIELDS},
            "exit_code": self.exit_code,
        }


class ConfigError(CarbonError, ValueError):
    """A site file or option is invalid (names the key path and valid choices)."""

    default_reason = "config"

    exit_code = 2


class UnitError(CarbonError, ValueError):
    """A unit is missing, ambiguous, or of the wrong dimension."""

    default_reason = "unit"


class AmbiguousUnitError(UnitError):
    """A unit token whose meaning differs between conventions (``ton``, ``kt``, ``month``)."""

    default_reason = "ambiguous-unit"


class FactorError(CarbonError, LookupError):
    """An emission factor or factor dataset cannot be found or fails its checksum."""

    default_reason = "factor"


class FactorNotFoundError(FactorError, KeyError):
    """No factor for the requested (dataset, region, gas)."""

    default_reason = "factor-not-found"

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ChecksumError(FactorError):
    """A shipped data file does not match the SHA-256 recorded in its metadata."""

    default_reason = "checksum"


class InputDataError(CarbonError, ValueError):
    """Input data is malformed; the message names the file and line or timestamp."""

    default_reason = "input-data"


class PeriodError(CarbonError, ValueError):
    """A reporting period is malformed or not covered by the data."""

    default_reason = "period"

    exit_code = 2


class OutputExistsError(CarbonError, FileExistsError):
    """An issued report folder already exists; issued reports are never overwritten."""

    default_reason = "output-exists"


class LedgerConflictError(OutputExistsError):
    """Another run recorded the same report version first; this one recorded nothing."""

    default_reason = "ledger-conflict"


class ReportContextError(CarbonError, ValueError):
    """``results`` lacks a key or value the disclosure cannot be written without."""

    default_reason = "report-context"


class ReportResourceError(CarbonError, PermissionError):
    """A template asked for a resource outside the templates folder (or the network)."""

    default_reason = "report-resource"


class AllocationError(CarbonError, ValueError):
    """Instrument MWh cannot be allocated to workloads, or the allocation does not add up."""

    default_reason = "allocation"


class SerialOverlapError(CarbonError, ValueError):
    """A certificate serial is applied twice (Scope 2 Quality Criterion 2)."""

    default_reason = "serial-overlap"


class SigningKeyError(ConfigError):
    """A signing or public key file is missing, unreadable, or not an Ed25519 key."""

    default_reason = "signing-key"


class MissingVersionError(CarbonError, FileNotFoundError):
    """The ledger records an issued version whose folder is not under the report root."""

    default_reason = "version-folder-missing"


class PlausibilityError(InputDataError):
    """A reading or grid intensity outside a named plausibility bound, refused under
    ``--strict`` (without it the same finding is a counted flag)."""

    default_reason = "implausible"
