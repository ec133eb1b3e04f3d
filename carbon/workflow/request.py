"""What a report request asks for, checked before anything is computed: the status, a
restatement's reason, the signing key and the issue date (the CLI's options and the API's
arguments)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from carbon.core.errors import ConfigError
from carbon.core.period import Period
from carbon.ledger.signing import Signer, load_signer

__all__ = ["STATUSES", "check_options", "default_issue_date", "load_sign_key", "parse_issue_date"]

#: the statuses of a version: a draft (watermarked, not in the ledger) or issued
STATUSES = ("draft", "issued")


def default_issue_date(period: Period) -> date:
    """The issue date used when none is given: the first local day after the period.

    Never the clock, so that the same inputs give the same bytes on any day.
    """
    return period.end.date()


def check_options(status: str, restate: bool, reason: str | None) -> None:
    """Refuse an unknown status, a restatement without a reason, or a reason without one."""
    if status not in STATUSES:
        raise ConfigError(
            f"--status must be one of {', '.join(STATUSES)}; got {status!r}",
            reason="unknown-status",
        )
    if restate and not (reason and reason.strip()):
        raise ConfigError(
            '--restate needs --reason "..." (why the period is re-issued)',
            reason="restate-without-reason",
        )
    if reason is not None and not restate:
        raise ConfigError("--reason is only used with --restate", reason="reason-without-restate")


def load_sign_key(path: Path | None, status: str) -> Signer | None:
    """The operator's signing key for ``--sign-key`` (None without one); issued versions only."""
    if path is None:
        return None
    if status != "issued":
        raise ConfigError(
            "--sign-key signs issued versions; a draft is not signed (add --status issued)",
            reason="sign-draft",
        )
    return load_signer(path)


def parse_issue_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` → date (None stays None); anything else is a usage error."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--issue-date must be a date YYYY-MM-DD; got {text!r}",
            reason="bad-issue-date",
        ) from None
