"""Context of the lineage section: input files, factor datasets, configuration and
software, each hash split so that it can wrap."""

from __future__ import annotations

from carbon.report.dates import local_stamp

__all__ = ["lineage_context"]


def _hash_parts(digest: str | None) -> list[str]:
    """Split a hex digest into groups of 16 characters so it can wrap between groups."""
    if not digest:
        return []
    return [digest[i : i + 16] for i in range(0, len(digest), 16)]


def lineage_context(results: dict) -> dict:
    """Input files, factor datasets, configuration and software of the report."""
    timezone = str((results.get("period") or {}).get("timezone") or "UTC")
    inputs = []
    for item in results.get("inputs", []) or []:
        inputs.append(
            {
                "path": str(item.get("path", "")),
                "sha256": str(item.get("sha256", "")),
                "sha256_parts": _hash_parts(item.get("sha256")),
                "rows": item.get("rows"),
                "start": local_stamp(item.get("start", ""), timezone),
                "end": local_stamp(item.get("end", ""), timezone),
            }
        )
    factors = []
    for item in results.get("factors", []) or []:
        factors.append(
            {
                "id": str(item.get("id", "")),
                "edition": str(item.get("edition", "")),
                "revision": item.get("revision") or "–",
                "sha256": str(item.get("sha256", "")),
                "sha256_parts": _hash_parts(item.get("sha256")),
                "role": str(item.get("role", "")),
                "note": str(item.get("note", "")),
            }
        )
    config = results.get("config_sha256", "")
    return {
        "inputs": inputs,
        "factors": factors,
        "config_sha256": config,
        "config_sha256_parts": _hash_parts(config),
        "software_version": str(results.get("software_version", "")),
        "schema_version": str(results.get("schema_version", "")),
    }
