"""The sections of the disclosure, in order: one registry for the contents, the
numbering, the context and the rendering.

The body comes first (the results: emissions by scope on both bases, energy, KPIs,
operations, tenants), then the appendices (methodology, data quality, lineage, the long
tables, the framework index, sign-off). Body sections are numbered 1, 2, ...; appendices
are lettered A, B, ... and headed "Appendix A". Each :class:`Section` names its template
and the context builder of the entries only it reads, and says whether it applies to a
results document (``changed`` needs a baseline; a section that does not apply is neither
numbered, listed nor rendered) and whether its input is absent (:attr:`Section.absent`: a
section without input is one line in the contents, "not applicable: <reason>", and is
not rendered). ``core`` sections are the disclosure built from results.json alone
(:func:`carbon.report.context.build_context`); ``audit`` sections also read what the
manifest records beside it (restatement, sign-off). Sections point at each other by name:
templates read ``sections_by_id[name].number``, sentences built in Python carry a marker
(:mod:`carbon.report.crossref`), numbered when rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from carbon.report.audit_context import framework_tables, restatement_context, signoff_context
from carbon.report.dates import parse_datetime
from carbon.report.editions_context import editions_context
from carbon.report.metering_context import allocation_context, meters_context
from carbon.report.methodology_context import factor_levels_context, gwp_note
from carbon.report.operating_context import operating_context
from carbon.report.operations_context import operations_context
from carbon.report.pivot_context import changed_context
from carbon.report.plausibility_context import plausibility_context
from carbon.report.power_context import chart_context, conversions_context
from carbon.report.quality_context import quality_context
from carbon.report.register_context import register_context
from carbon.report.statements_context import gwp_rows, impact_rows, inventory_rows
from carbon.report.summary_context import statements
from carbon.report.targets_context import no_targets, targets_context
from carbon.report.tenants_context import tenants_context
from carbon.report.tiers_context import location_tiers_context

__all__ = [
    "AUDIT",
    "CORE",
    "SECTIONS",
    "Section",
    "Sources",
    "contents_entries",
    "numbered_sections",
]

CORE = "core"
AUDIT = "audit"


@dataclass(frozen=True)
class Sources:
    """What the context builders read besides the context built so far."""

    results: dict[str, Any]
    power_by_workload: Any
    intensity: Any
    #: What the manifest records beside the results: ``restatement``, ``signoff``,
    #: ``ledger_anchor`` and ``signing`` (issued and signed versions).
    recorded: Mapping[str, Any]


#: A context builder: (sources, context built so far) → the entries the section adds.
Builder = Callable[[Sources, dict[str, Any]], dict[str, Any]]


def _always(results: dict[str, Any]) -> bool:
    return True


def _nothing(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    return {}


def _present(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    return None


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
    #: An appendix (lettered, after the body) rather than a body section (numbered).
    appendix: bool = False
    #: (results, recorded) → why the section has no input ("the site file declares no
    #: pipeline"), or None when it has: a section without input is one line in the contents.
    absent: Callable[[dict[str, Any], Mapping[str, Any]], str | None] = _present
    #: Starts on a new page (the first section of the body and of the appendices, and a
    #: section that fills pages of its own); the others follow on the page.
    new_page: bool = False
    #: True for the front pages (rendered after the cover, before the contents).
    front: bool = False
    #: The title for a results document, where it depends on it (else `title`).
    titled: Callable[[dict[str, Any]], str] | None = None


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
        "location_tiers": location_tiers_context(results),
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


def _glance_title(results: dict[str, Any]) -> str:
    """'The pivot at a glance' for a site with a hall conversion, else 'The period ...'."""
    return f"The {'pivot' if results.get('conversions') else 'period'} at a glance"


def _has_editions(results: dict[str, Any]) -> bool:
    return bool(results.get("scope2_market_by_edition"))


def _has_baseline(results: dict[str, Any]) -> bool:
    return "decomposition" in results


def _template(name: str) -> str:
    return f"sections/{name}.html.j2"


def _no_operating_tables(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    """Why 'Operations: capacity, hashrate and production' has no input, or None."""
    capacity = results.get("capacity") or {}
    records = (capacity.get("month_end") or {}).get("records") or []
    hashrate = results.get("hashrate") or {}
    measured = any(isinstance(f, dict) and f.get("value") is not None for f in hashrate.values())
    production = (results.get("production") or {}).get("figures") or {}
    if records or capacity.get("pipeline") or measured or production:
        return None
    return (
        "the site file declares no capacity records, no mining activity and no contracted pipeline"
    )


def _no_events(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    if (results.get("demand_response") or {}).get("events"):
        return None
    return "no demand-response event in the period"


def _statement_pages(sources: Sources, context: dict[str, Any]) -> dict[str, Any]:
    """The rows of the three statements' pages, built once for the three sections."""
    if "statements_pages" in context:  # built by the first of the three
        return {}
    block = sources.results.get("statements") or {}
    return {
        "statements_pages": {
            "rule": block.get("rule"),
            "physical": inventory_rows(block.get("physical_inventory")),
            "market": inventory_rows(block.get("market_inventory")),
            "impact": impact_rows(block.get("impact")),
            "gwp": gwp_rows(sources.results.get("gwp_sets")),
        }
    }


def _no_statements(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    if results.get("statements"):
        return None
    return "this results document predates the three statements"


def _no_network(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    network = results.get("network_comparison") or {}
    if network.get("panel"):
        return None
    return str(network.get("note") or "the site file declares no network comparison")


def _no_restatement(results: dict[str, Any], recorded: Mapping[str, Any]) -> str | None:
    if recorded.get("restatement"):
        return None
    return "this version restates no earlier issued version"


SECTIONS: tuple[Section, ...] = (
    # the front: built from the ``front`` entry (carbon.report.front_context)
    Section(
        "glance", "The pivot at a glance", _template("glance"), front=True, titled=_glance_title
    ),
    Section("dashboard", "Key figures", _template("dashboard"), front=True),
    # --- the body: the results -----------------------------------------------------
    Section(
        "summary",
        "Summary",
        _template("summary"),
        lambda s, ctx: {"statements": statements(ctx)},
        new_page=True,
    ),
    Section("scopes", "Emissions by scope", _template("scopes")),
    Section(
        "editions",
        "Scope 2 market-based under both editions",
        _template("editions"),
        lambda s, ctx: {"editions": editions_context(s.results)},
        applies=_has_editions,
        new_page=True,
    ),
    *(
        Section(key, title, _template(key), _statement_pages, absent=_no_statements, new_page=True)
        for key, title in (
            ("physical_inventory", "Physical inventory (location-based)"),
            ("market_inventory", "Market inventory (market-based)"),
            ("impact", "Impact statement (outside both inventories)"),
        )
    ),
    Section("power", "Power by workload", _template("power"), _power),
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
        absent=_no_operating_tables,
    ),
    # reads the ``operating`` entry of site_operations
    Section(
        "clean_cost_water",
        "Clean-energy shares, curtailment, cost and water",
        _template("clean_cost_water"),
    ),
    Section(
        "changed",
        "What changed since the baseline",
        _template("changed"),
        _changed,
        applies=_has_baseline,
        new_page=True,
    ),
    Section(
        "targets",
        "Scope 2 target tracker (SBTi CNZS V2.0)",
        _template("targets"),
        lambda s, ctx: {"targets": targets_context(s.results)},
        absent=no_targets,
        new_page=True,
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
        absent=_no_network,
    ),
    # --- the appendices ----------------------------------------------------------
    Section(
        "methodology",
        "Methodology",
        _template("methodology"),
        _methodology,
        appendix=True,
        new_page=True,
    ),
    Section(
        "quality",
        "Data quality",
        _template("quality"),
        lambda s, ctx: {
            "quality": quality_context(s.results),
            "plausibility": plausibility_context(s.results),
        },
        appendix=True,
    ),
    Section("lineage", "Lineage", _template("lineage"), appendix=True),
    # reads the ``operating`` entry of site_operations
    Section(
        "demand_response",
        "Demand-response events",
        _template("demand_response"),
        appendix=True,
        absent=_no_events,
    ),
    Section(
        "meters",
        "Energy by meter",
        _template("meters"),
        lambda s, ctx: {"meters": meters_context(s.results, s.results["energy_kwh"]["total"])},
        appendix=True,
    ),
    Section(
        "restatements",
        "Restatements",
        _template("restatements"),
        lambda s, ctx: {"restatement": restatement_context(s.recorded.get("restatement"))},
        part=AUDIT,
        appendix=True,
        absent=_no_restatement,
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
        appendix=True,
        new_page=True,
    ),
    Section(
        "signoff",
        "Sign-off",
        _template("signoff"),
        lambda s, ctx: {
            "signoff": signoff_context(s.recorded.get("signoff")),
            "ledger_anchor": s.recorded.get("ledger_anchor"),
            "signing": s.recorded.get("signing"),
        },
        part=AUDIT,
        appendix=True,
    ),
)


def _letter(n: int) -> str:
    """1 → A, 26 → Z, 27 → AA."""
    text = ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def contents_entries(
    results: dict[str, Any],
    parts: tuple[str, ...],
    recorded: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every section of `parts` that applies to `results`, in registry order, as the
    contents lists it: ``id``, ``title``, ``appendix``, and either ``number`` (body: 1,
    2, ...; appendices: A, B, ...), ``label`` ("3", "Appendix A"), ``template`` and
    ``new_page`` for a section that is rendered, or ``not_applicable`` (the reason) for a
    section without input, which is listed on one line and not rendered."""
    recorded = recorded or {}
    entries: list[dict[str, Any]] = []
    body = appendix = 0
    for s in SECTIONS:
        if s.part not in parts or not s.applies(results):
            continue
        entry: dict[str, Any] = {
            "id": s.name,
            "title": s.titled(results) if s.titled else s.title,
            "appendix": s.appendix,
            "front": s.front,
        }
        reason = s.absent(results, recorded)
        if reason is not None:
            entries.append({**entry, "not_applicable": reason})
            continue
        if s.appendix:
            appendix += 1
            number: int | str = _letter(appendix)
            label = f"Appendix {number}"
        else:
            body += 1
            number = body
            label = str(number)
        entries.append(
            {
                **entry,
                "number": number,
                "label": label,
                "template": s.template,
                "new_page": s.new_page,
            }
        )
    return entries


def numbered_sections(
    results: dict[str, Any],
    parts: tuple[str, ...],
    recorded: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The sections of `parts` that are rendered for `results` (they apply and have
    input), in registry order: ``id``, ``number``, ``label``, ``title``, ``template``,
    ``appendix``, ``new_page`` (what the templates read)."""
    return [e for e in contents_entries(results, parts, recorded) if "not_applicable" not in e]
