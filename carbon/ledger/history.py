"""``carbon history``: the issued versions of a site, read from the ledger index."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon.ledger.index import ledger_path, read_ledger, superseded_by, verify_chain

__all__ = ["History", "site_history"]


@dataclass(frozen=True)
class History:
    """The issued versions of one site, oldest first, and the state of the chain."""

    ledger: Path
    site_id: str
    versions: list[dict[str, Any]]
    chain_problems: list[str]
    #: Repair rows: issued versions whose folder went missing (``carbon ledger repair``).
    repairs: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ledger": str(self.ledger),
            "site_id": self.site_id,
            "chain_ok": not self.chain_problems,
            "chain_problems": self.chain_problems,
            "versions": self.versions,
            "repairs": self.repairs,
        }


def site_history(root: Path, site_id: str) -> History:
    """Every version of `site_id` recorded under the report root `root`.

    Each version: ``period``, ``version``, ``status``, ``issue_date``,
    ``report_id``, ``pdf`` (path relative to `root`), ``pdf_sha256``,
    ``supersedes``, ``restated_by`` (the report id of the version that replaced
    it, or None while it is in force), ``reason`` and ``seq`` (its row). Repair rows
    (a version's folder recorded as missing) are listed apart, in ``repairs``.
    """
    path = ledger_path(root)
    entries = read_ledger(path)
    problems = verify_chain(path) if path.exists() else []
    versions, repairs = [], []
    for entry in entries:
        if entry.get("site_id") != site_id:
            continue
        if entry.get("status") == "repair":
            repairs.append(
                {
                    k: entry.get(k)
                    for k in ("period", "repairs", "repaired_version", "folder", "reason", "seq")
                }
            )
            continue
        versions.append(
            {
                "period": entry.get("period"),
                "version": entry.get("version"),
                "status": entry.get("status"),
                "issue_date": entry.get("issue_date"),
                "report_id": entry.get("report_id"),
                "pdf": entry.get("pdf"),
                "pdf_sha256": entry.get("pdf_sha256"),
                "supersedes": entry.get("supersedes"),
                "restated_by": superseded_by(entries, str(entry.get("report_id"))),
                "reason": entry.get("reason"),
                "seq": entry.get("seq"),
            }
        )
    versions.sort(key=lambda v: (str(v["period"]), int(v["version"] or 0)))
    return History(
        ledger=path, site_id=site_id, versions=versions, chain_problems=problems, repairs=repairs
    )
