"""Context of the audit sections: restatements, framework mapping, sign-off.

They read what the manifest records beside the results (the restatement and the
sign-off) and a datapoint map, ``templates/datapoints.toml``, that names for each
framework line item the results.json key it reads, its display unit and the
section of the PDF where the figure is shown, or says why the item is not
applicable or not available. The map is data, not template code; a figure's
paragraph reference in each framework is its declaration's
(:mod:`carbon.results.fields`), the references of sums and of items the report
does not give are in the map.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

from carbon.core.dotted import lookup
from carbon.report.numbers import NOT_AVAILABLE, PLAIN, convert, format_number
from carbon.report.render import templates_dir
from carbon.results.fields import field_for

__all__ = [
    "NOT_APPLICABLE",
    "framework_tables",
    "load_datapoints",
    "restatement_context",
    "signoff_context",
]

_SIGNOFF_ROLES = (
    ("prepared", "Prepared by"),
    ("reviewed", "Reviewed by"),
    ("approved", "Approved by"),
)

NOT_APPLICABLE = "not applicable"


def load_datapoints(path: Path | None = None) -> list[dict[str, Any]]:
    """The frameworks of the datapoint map (default ``templates/datapoints.toml``).

    A row that reads one figure takes its paragraph reference (``ref``) and its unit
    (``from_unit``) from the figure's declaration in :mod:`carbon.results.fields`; a
    row that sums figures takes their common unit and states its own ``ref``.
    """
    path = Path(path) if path is not None else templates_dir() / "datapoints.toml"
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    frameworks = data.get("framework")
    if not isinstance(frameworks, list) or not frameworks:
        raise ValueError(f"{path}: no [[framework]] tables")
    for framework in frameworks:
        for row in framework.get("row", ()):
            where = f"{path}: {framework.get('id')}/{row.get('item')}"
            status = row.get("status")
            has_value = "value" in row or "text" in row
            if status not in (None, NOT_APPLICABLE, NOT_AVAILABLE):
                raise ValueError(
                    f"{where}: status must be '{NOT_APPLICABLE}' or '{NOT_AVAILABLE}', "
                    f"got {status!r}"
                )
            if status is not None and not row.get("reason"):
                raise ValueError(f"{where}: no reason")
            if status is None and not has_value:
                raise ValueError(f"{where}: needs value, text or status")
            if has_value:
                row.update(_declared(row, str(framework.get("id")), where))
    return frameworks


def _declared(row: dict[str, Any], framework: str, where: str) -> dict[str, Any]:
    """``ref`` and ``from_unit`` of a row that reads figures, from their declarations."""
    keys = row.get("value", row.get("text"))
    keys = keys if isinstance(keys, list) else [keys]
    try:
        figures = [field_for(str(k)) for k in keys]
    except KeyError as exc:
        raise ValueError(f"{where}: {exc.args[0]}") from None
    units = {f.unit for f in figures}
    if len(units) != 1:
        raise ValueError(
            f"{where}: the figures summed have different units {sorted(map(str, units))}"
        )
    out: dict[str, Any] = {"from_unit": units.pop()}
    if len(keys) == 1:
        if "ref" in row or "from_unit" in row:
            raise ValueError(f"{where}: the reference and unit of {keys[0]} are its declaration's")
        ref = figures[0].references.get(framework)
        if ref is None:
            raise ValueError(f"{where}: {keys[0]} declares no reference for {framework!r}")
        out["ref"] = ref
    elif not row.get("ref"):
        raise ValueError(f"{where}: a sum of figures needs its own ref")
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _row(row: dict[str, Any], results: dict[str, Any]) -> dict:
    section = str(row.get("section", ""))  # numbered when rendered
    out = {
        "item": row["item"],
        "ref": row.get("ref", ""),
        "value": "",
        "unit": "",
        "section": "",
        "status": None,
        "note": row.get("note", ""),
    }
    if row.get("status"):
        return {**out, "status": row["status"], "note": row["reason"]}
    if "text" in row:
        text = lookup(results, row["text"])
        if text in (None, ""):
            return {**out, "status": NOT_AVAILABLE, "note": row.get("missing", "not in results")}
        return {**out, "value": str(text), "section": section}
    keys = row["value"] if isinstance(row["value"], list) else [row["value"]]
    numbers = [_number(lookup(results, k)) for k in keys]
    if any(n is None for n in numbers):
        missing = [k for k, n in zip(keys, numbers, strict=True) if n is None]
        reason = row.get("missing") or f"not in the results ({', '.join(missing)})"
        return {**out, "status": NOT_AVAILABLE, "note": reason}
    total = convert(sum(numbers), row["from_unit"], row["unit"])
    return {
        **out,
        "value": format_number(total, int(row.get("decimals", 1)), PLAIN),
        "unit": row.get("unit_label", row["unit"]),
        "section": section,
    }


def framework_tables(
    results: dict[str, Any], frameworks: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One table per framework: every line item with its value, unit and section (by
    name), or ``not applicable`` / ``not available`` and why."""
    tables = []
    for framework in frameworks if frameworks is not None else load_datapoints():
        tables.append(
            {
                "id": framework["id"],
                "title": framework["title"],
                "source": framework.get("source", ""),
                "note": framework.get("note", ""),
                "rows": [_row(r, results) for r in framework.get("row", ())],
            }
        )
    return tables


def _format_change(value: Any) -> str:
    number = _number(value)
    if number is None:
        return "–" if value is None else str(value)
    magnitude = abs(number)
    if magnitude >= 1000 or magnitude == 0:
        return format_number(number, 1, PLAIN)
    # six significant digits, fixed notation (no exponent), at most 12 decimals
    decimals = min(12, max(0, 5 - math.floor(math.log10(magnitude))))
    return format_number(number, decimals, PLAIN)


def restatement_context(
    restatement: dict[str, Any] | None, limit: int = 80
) -> dict[str, Any] | None:
    """The restatement a version records: what it supersedes, why, the changed figures."""
    if not restatement:
        return None
    figures = []
    for change in restatement.get("changed_figures") or ():
        old, new = _number(change.get("old")), _number(change.get("new"))
        delta = new - old if old is not None and new is not None else None
        relative = delta / old if delta is not None and old else None
        figures.append(
            {
                "path": change.get("path"),
                "old": _format_change(change.get("old")),
                "new": _format_change(change.get("new")),
                "change": "–" if delta is None else _format_change(delta),
                "relative": "–" if relative is None else f"{relative:+.3%}",
            }
        )
    inputs = []
    for change in restatement.get("changed_inputs") or ():
        if "old_sha256" in change or "new_sha256" in change:
            old, new = change.get("old_sha256"), change.get("new_sha256")
        else:
            old, new = change.get("old"), change.get("new")
        inputs.append(
            {
                "path": change.get("path"),
                "old": "absent" if old is None else str(old)[:16],
                "new": "absent" if new is None else str(new)[:16],
            }
        )
    supersedes = restatement.get("supersedes") or {}
    return {
        "supersedes": supersedes,
        "reason": restatement.get("reason", ""),
        "figures": figures[:limit],
        "figures_total": len(figures),
        "figures_omitted": max(0, len(figures) - limit),
        "inputs": inputs,
        # the superseded version's folder was lost (carbon ledger repair): nothing to compare
        "lost": restatement.get("superseded_folder_missing"),
    }


def signoff_context(signoff: dict[str, Any] | None) -> list[dict[str, str | None]]:
    """Prepared, reviewed and approved by, with dates; None where not yet signed."""
    signoff = signoff or {}
    return [
        {
            "role": label,
            "name": signoff.get(f"{key}_by") or None,
            "date": signoff.get(f"{key}_on") or None,
        }
        for key, label in _SIGNOFF_ROLES
    ]
