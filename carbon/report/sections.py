"""The numbered sections of the disclosure, in order: one registry for the contents, the
numbering, the context and the rendering.

Each :class:`Section` names its template and the context builder of the entries only it
reads, and says whether it applies to a results document (``changed`` needs a
baseline). A section that does not apply is neither numbered, listed nor rendered; the
others are numbered 1, 2, ... in registry order. ``core`` sections are the disclosure
built from results.json alone (:func:`carbon.report.context.build_context`); ``audit``
sections also read what the manifest records beside it (restatement, sign-off) and come
after them. Sections point at each other by name: templates read
``sections_by_id[name].number``, sentences built in Python carry a marker
(:mod:`carbon.report.crossref`), numbered when rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from carbon.report.audit_context import framework_tables, restatement_context, signoff_context
from carbon.report.dates import parse_datetime
from carbon.report.metering_context import allocation_context, meters_context, quality_context
from carbon.report.methodology_context import factor_levels_context, gwp_note
from carbon.report.operating_context import operating_context
from carbon.report.operations_context import operations_context
from carbon.report.pivot_context import changed_context
from carbon.report.plausibility_context import plausibility_context
from carbon.report.power_context import chart_context, conversions_context
from carbon.report.register_context import register_context
from carbon.report.summary_context import statements
from carbon.report.tenants_context import tenants_context

__all__ = ["AUDIT", "CORE", "SECTIONS", "Section", "Sources", "numbered_sections"]

CORE = "core"
AUDIT = "audit"


@dataclass(frozen=True)
class Sources:
    """What the context builders read besides the context built so far."""

    results: dict[str, Any]
    power_by_workload: Any
    intensity: Any
    #: What the manifest records beside the results: ``restatement``, ``signoff``.
    recorded: Mapping[str, Any]


#: A context builder: (sources, context built so far) → the entries the section adds.
Builder = Callable[[Sources, dict[str, Any]], dict[str, Any]]


def _always(results: dict[str, Any]) -> bool:
    return True


def _nothing(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Section:
    """One numbered section of the disclosure."""

    name: str
    title: str
    template: str
    #: Adds the entries only this section reads (entries several sections read, such as
    #: ``summary`` or ``scopes``, are built before the sections).
    build: Builder = _nothing
    applies: Callable[[dict[str, Any]], bool] = _always
    part: str = CORE


def _power(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    period = sources.results["period"]
    timezone = context["period"]["timezone"]
    start, end = parse_datetime(period["start"]), parse_datetime(period["end"])
    return {
        "chart": chart_context(sources.power_by_workload, timezone),
        "conversions": conversions_context(sources.results, start, end),
    }


def _methodology(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    results = sources.results
    grid = results.get("grid_intensity_gco2e_per_kwh", {}) or {}
    return {
        "allocation": allocation_context(results),
        "factor_levels": factor_levels_context(results),
        "methodology": {
            "gwp_note": gwp_note(
                context["lineage"]["factors"], results.get("gwp_set"), grid.get("source", "")
            )
        },
    }


def _changed(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    changed = changed_context(
        sources.results,
        intensity=sources.intensity,
        power_by_workload=sources.power_by_workload,
        timezone=context["period"]["timezone"],
    )
    return {"changed": changed}


def _has_baseline(results: dict[str, Any]) -> bool:
    return "decomposition" in results


def _template(name: str) -> str:
    return f"sections/{name}.html.j2"


SECTIONS: tuple[Section, ...] = (
    Section(
        "summary",
        "Summary",
        _template("summary"),
        lambda s, ctx: {"statements": statements(ctx)},
    ),
    Section("power", "Power by workload", _template("power"), _power),
    Section("scopes", "Emissions by scope", _template("scopes")),
    Section(
        "tenants",
        "Tenants and hourly factors",
        _template("tenants"),
        lambda s, ctx: {"tenants": tenants_context(s.results)},
    ),
    Section(
        "operations",
        "Operations and intensities",
        _template("operations"),
        lambda s, ctx: {"operations": operations_context(s.results)},
    ),
    Section(
        "site_operations",
        "Operations: capacity, hashrate and production",
        _template("site_operations"),
        lambda s, ctx: {"operating": operating_context(s.results)},
    ),
    # reads the ``operating`` entry of site_operations
    Section(
        "clean_cost_water",
        "Clean-energy shares, curtailment, cost and water",
        _template("clean_cost_water"),
    ),
    Section(
        "meters",
        "Energy by meter",
        _template("meters"),
        lambda s, ctx: {"meters": meters_context(s.results, s.results["energy_kwh"]["total"])},
    ),
    Section("methodology", "Methodology", _template("methodology"), _methodology),
    Section(
        "quality",
        "Data quality",
        _template("quality"),
        lambda s, ctx: {
            "quality": quality_context(s.results),
            "plausibility": plausibility_context(s.results),
        },
    ),
    Section("lineage", "Lineage", _template("lineage")),
    Section(
        "changed",
        "What changed since the baseline",
        _template("changed"),
        _changed,
        applies=_has_baseline,
    ),
    Section(
        "register",
        "Boundary, credits and retired hardware",
        _template("register"),
        lambda s, ctx: {"register": register_context(s.results)},
        part=AUDIT,
    ),
    Section(
        "network",
        "Network comparison",
        _template("network"),
        lambda s, ctx: {"network": s.results.get("network_comparison")},
        part=AUDIT,
    ),
    Section(
        "restatements",
        "Restatements",
        _template("restatements"),
        lambda s, ctx: {"restatement": restatement_context(s.recorded.get("restatement"))},
        part=AUDIT,
    ),
    Section(
        "frameworks",
        "Framework mapping",
        _template("frameworks"),
        lambda s, ctx: {
            "frameworks": framework_tables(s.results),
            "assurance": s.results.get("assurance"),
        },
        part=AUDIT,
    ),
    Section(
        "signoff",
        "Sign-off",
        _template("signoff"),
        lambda s, ctx: {"signoff": signoff_context(s.recorded.get("signoff"))},
        part=AUDIT,
    ),
)


def numbered_sections(results: dict[str, Any], parts: tuple[str, ...]) -> list[dict[str, Any]]:
    """The sections of `parts` that apply to `results`, numbered in registry order:
    ``id``, ``number``, ``title``, ``template`` (what the contents and the templates read)."""
    present = [s for s in SECTIONS if s.part in parts and s.applies(results)]
    return [
        {"id": s.name, "number": n, "title": s.title, "template": s.template}
        for n, s in enumerate(present, start=1)
    ]
