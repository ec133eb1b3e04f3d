"""``carbon verify``: the filing exports of a version (``exports/*.json``).

Two checks, for a manifest that records exports (versions written before the exports
existed record none and are not checked):

- the exports built again from the embedded ``results.json``
  (:func:`carbon.results.exports.export_files`) hash as the manifest records, so the
  exports say what the results say;
- the export files next to the PDF, where present, hash as the manifest records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carbon.ledger.index import sha256_hex
from carbon.results.exports import export_files

__all__ = ["export_checks"]

Finding = tuple[str, bool | None, str]


def export_checks(pdf: Path, manifest: dict[str, Any], results: dict[str, Any]) -> list[Finding]:
    """The findings on the exports of the version whose PDF is `pdf`."""
    recorded = manifest.get("exports")
    if not isinstance(recorded, dict) or not recorded:
        return []
    return [_rebuilt(recorded, results), _next_to_pdf(Path(pdf).parent, recorded)]


def _rebuilt(recorded: dict[str, str], results: dict[str, Any]) -> Finding:
    rebuilt = {name: sha256_hex(data) for name, data in export_files(results).items()}
    differ = sorted(n for n in set(recorded) | set(rebuilt) if recorded.get(n) != rebuilt.get(n))
    if differ:
        return (
            "exports",
            False,
            f"{', '.join(differ)}: built again from the embedded results.json, the export "
            "does not hash as the manifest records",
        )
    return ("exports", True, f"{len(rebuilt)} export(s) built again from results.json match")


def _next_to_pdf(folder: Path, recorded: dict[str, str]) -> Finding:
    present = {n: folder / n for n in sorted(recorded) if (folder / n).is_file()}
    if not present:
        return ("export files", None, "the exports are not next to the PDF")
    problems = [
        f"{name} hashes to {sha256_hex(path.read_bytes())}, the manifest recorded {recorded[name]}"
        for name, path in present.items()
        if sha256_hex(path.read_bytes()) != recorded[name]
    ]
    if problems:
        return ("export files", False, "; ".join(problems))
    return ("export files", True, f"{len(present)} file(s) hash as the manifest records")
