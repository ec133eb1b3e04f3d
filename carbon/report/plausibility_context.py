"""The plausibility findings of the data-quality section, from ``results.json``.

``quality.plausibility`` (:mod:`carbon.quality.plausibility`) holds the bounds the checks
used, the intervals flagged per check and each finding; this module turns it into the rows
of the section's table (``templates/sections/plausibility.html.j2``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["plausibility_context"]

#: What each check compares, for the table's caption.
CHECK_LABELS: dict[str, str] = {
    "above-rated": "reading above the meter's rated power",
    "above-capacity": "reading above the site's approved capacity",
    "site-average-above-capacity": "site average power above its capacity stack",
    "intensity-out-of-range": "grid intensity outside its physical range",
    "intensity-far-from-annual": "grid intensity far from the region's annual rate",
}


def plausibility_context(results: dict) -> dict[str, Any] | None:
    """Counts per check, findings and bounds; None when results.json holds no checks."""
    found = (results.get("quality") or {}).get("plausibility")
    if not found:
        return None
    counts = found.get("counts", {}) or {}
    order = [c for c in CHECK_LABELS if c in counts] + sorted(set(counts) - set(CHECK_LABELS))
    return {  # in a fixed order: the HTML may not depend on the order of results.json's keys
        "checks": [
            {"name": name, "label": CHECK_LABELS.get(name, name), "count": counts[name]}
            for name in order
        ],
        "flags": [
            {
                "check": f.get("check"),
                "subject": f.get("subject"),
                "path": f.get("path") or "–",
                "count": f.get("count"),
                "first": f.get("first") or "–",
                "detail": f.get("detail"),
            }
            for f in found.get("flags", []) or []
        ],
        "total": found.get("total", 0),
        "bounds": found.get("bounds", {}) or {},
        "notes": found.get("notes", []) or [],
    }
