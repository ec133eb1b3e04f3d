"""Per-tenant statements: a short PDF/A-3b per AI tenant, beside the disclosure.

Each statement shows one tenant's energy (facility energy allocated to it and
its IT energy) and its Scope 2 emissions on both bases (location-based;
market-based with annual matching, and with hourly matching), the method words
of ``results["tenants"]["method"]``, its meters, and the report id of the
disclosure it is taken from. The tenant's figures are embedded as
``tenant.json``. Dates come from the disclosure's issue date, so the same
results give the same bytes.

``results["tenants"]`` (written by the pipeline) has this shape::

    {"method": "<words>",
     "by_tenant": {"<tenant id>": {"workload": "ai", "meters": [...],
                   "it_energy_kwh": float, "energy_kwh": float,
                   "scope2_location_kgco2e": float, "scope2_market_kgco2e": float,
                   "scope2_market_hourly_matching_kgco2e": float,
                   "instruments": [ids]}},   # only where instruments are designated to it
     "not_tenanted": {...}}

No ``tenants`` key, or an empty ``by_tenant``, gives no statements.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from typing import Any

from carbon.report.charts import WORKLOAD_STYLE
from carbon.report.header import document_header
from carbon.report.metering_context import key_versions_text
from carbon.report.numbers import PLAIN, format_figure
from carbon.report.render import environment, html_to_pdf, templates_dir
from carbon.results.fields import field_for

__all__ = ["TENANT_FOLDER", "statement_name", "tenant_figures", "tenant_statements"]

TENANT_FOLDER = "tenants"
_TEMPLATE = "tenant.html.j2"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")

#: (key of the tenant's block, label); unit, display unit and decimals are the figure's
#: declaration (``tenants.by_tenant.{tenant}.<key>``).
_ROWS = (
    ("energy_kwh", "Energy, facility (IT energy plus its share of shared load)"),
    ("it_energy_kwh", "IT energy (metered at the tenant's feeders)"),
    ("scope2_location_kgco2e", "Scope 2, location-based"),
    ("scope2_market_kgco2e", "Scope 2, market-based (annual matching, 2015 guidance)"),
    ("scope2_market_hourly_matching_kgco2e", "Scope 2, market-based (hourly matching)"),
)


def statement_name(tenant_id: str) -> str:
    """The statement's path inside the version folder: ``tenants/<tenant>.pdf``.

    A tenant id that is not a plain file name (letters, digits, ``.``, ``_``,
    ``-``) is turned into one: other characters become ``_`` and the first 8 hex
    digits of the id's SHA-256 are appended, so different ids never share a file.
    """
    if _SAFE.match(tenant_id):
        return f"{TENANT_FOLDER}/{tenant_id}.pdf"
    slug = re.sub(r"[^A-Za-z0-9._-]", "_", tenant_id).strip("._-")[:60] or "tenant"
    digest = hashlib.sha256(tenant_id.encode("utf-8")).hexdigest()[:8]
    return f"{TENANT_FOLDER}/{slug}-{digest}.pdf"


_LEASES = {
    "triple-net": "triple-net (the tenant pays for its power)",
    "gross": "gross (power included in the rent)",
    "modified-gross": "modified-gross (power re-billed by the operator)",
    "colocation": "colocation (space, power and cooling from the operator)",
    "hosting": "hosting (the operator runs the client's machines)",
}
_HOLDERS = {"operator": "the site operator", "party": "the tenant"}
_NOT_DECLARED = "not declared in the site file ([[boundary.power_contracts]])"
#: Where the tenant's figures sit in the operator's inventory (docs/methodology.md §1.1).
_OPERATOR_SCOPE = {
    "scope2": "Scope 2: the operator reports the tenant's power as its own Scope 2; the "
    "tenant reports its share in Scope 3 (category 1 or 8)",
    "scope3_cat13": "Scope 3 category 13 (downstream leased assets): the tenant controls its "
    "space and reports these figures as its own Scope 2; the operator has taken them out of its "
    "Scope 2 on both bases",
}


def _contract(results: dict[str, Any], tenant_id: str) -> dict[str, Any] | None:
    """The tenant's power contract as the site file declares it (results ``boundary``)."""
    contracts = (results.get("boundary") or {}).get("power_contracts") or []
    return next((c for c in contracts if c.get("party") == tenant_id), None)


def _allocation_key(results: dict[str, Any], block: dict[str, Any]) -> str:
    """The allocation key of the tenant's energy: its meters, then each shared meter's key
    for the tenant's workload, then the unmetered residual (results ``allocation``)."""
    workload = block.get("workload")
    meters = ", ".join(block.get("meters") or ()) or "none"
    parts = [f"IT energy metered at {meters}"]
    allocation = results.get("allocation") or {}
    for m in allocation.get("shared_meters") or ():
        key, dedicated = m.get("key"), m.get("workload")
        if m.get("versions"):
            parts.append(f"{m.get('id')} by key version {key_versions_text(m['versions'])}")
        elif key == "dedicated":
            if dedicated == workload:
                parts.append(f"{m.get('id')} dedicated to {_workload_label(workload)}")
        else:
            parts.append(f"{m.get('id')} pro rata to {str(key).replace('-', ' ')}")
    parts.append("the unmetered residual pro rata to IT energy")
    return "; ".join(parts) + "; split between a workload's tenants by IT energy per interval"


def tenant_figures(results: dict[str, Any], tenant_id: str) -> dict[str, Any]:
    """The JSON embedded in one tenant's statement (plain numbers, units in the key names)."""
    tenants = results["tenants"]
    block = tenants["by_tenant"][tenant_id]
    period = results.get("period") or {}
    own = {"instruments": list(block["instruments"])} if block.get("instruments") else {}
    return {
        "tenant_id": tenant_id,
        "parent_report_id": results.get("report_id"),
        "parent_version": results.get("version"),
        "parent_status": results.get("status"),
        "issue_date": results.get("issue_date"),
        "site_id": (results.get("site") or {}).get("id"),
        "period": {k: period.get(k) for k in ("label", "start", "end", "timezone")},
        "method": tenants.get("method"),
        "workload": block.get("workload"),
        "meters": list(block.get("meters") or ()),
        "lease": (_contract(results, tenant_id) or {}).get("lease"),
        "supply_contract_holder": (_contract(results, tenant_id) or {}).get(
            "supply_contract_holder"
        ),
        "operator_scope": (_contract(results, tenant_id) or {}).get("operator_scope", "scope2"),
        "allocation_key": _allocation_key(results, block),
        **{key: block.get(key) for key, _ in _ROWS},
        "software_version": results.get("software_version"),
        **own,
    }


def _row(figures: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    declared = f"tenants.by_tenant.{{tenant}}.{key}"
    return {
        "label": label,
        "value": format_figure(figures[key], declared, style=PLAIN),
        "unit": str(field_for(declared).display_unit),
    }


def _workload_label(workload: object) -> str:
    """The workload's display name, as in the disclosure's charts and tables."""
    return WORKLOAD_STYLE.get(str(workload), {}).get("label", str(workload))


def _context(results: dict[str, Any], figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "tenant": {
            "id": figures["tenant_id"],
            "meters": figures["meters"],
            "workload": _workload_label(figures["workload"]),
            "method": figures["method"] or "",
            "lease": _LEASES.get(str(figures["lease"]), _NOT_DECLARED)
            if figures["lease"]
            else _NOT_DECLARED,
            "supply_contract_holder": _HOLDERS.get(
                str(figures["supply_contract_holder"]), _NOT_DECLARED
            ),
            "operator_scope": _OPERATOR_SCOPE[str(figures["operator_scope"])],
            "allocation_key": figures["allocation_key"],
            "instruments": figures.get("instruments") or [],
            "rows": [_row(figures, key, label) for key, label in _ROWS],
        },
        **document_header(results),
    }


def render_statement_html(results: dict[str, Any], tenant_id: str) -> str:
    """One tenant statement as HTML (autoescaped)."""
    context = _context(results, tenant_figures(results, tenant_id))
    return environment(str(templates_dir())).get_template(_TEMPLATE).render(**context)


def tenant_statements(results: dict[str, Any]) -> dict[str, bytes]:
    """``tenants/<tenant>.pdf`` → PDF/A-3b bytes for every AI tenant in `results`.

    Empty when `results` has no ``tenants`` or no tenant in ``by_tenant``.
    """
    by_tenant = (results.get("tenants") or {}).get("by_tenant") or {}
    day = date.fromisoformat(str(results["issue_date"])[:10])
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    statements = {}
    for tenant_id in sorted(by_tenant):
        if (by_tenant[tenant_id] or {}).get("workload", "ai") != "ai":
            continue
        name = statement_name(tenant_id)
        figures = tenant_figures(results, tenant_id)
        data = (json.dumps(figures, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
        html = render_statement_html(results, tenant_id)
        statements[name] = html_to_pdf(html, moment=moment, attachments={"tenant.json": data})
    return statements
