"""The rows of ``results.csv``: the headline figures in the tidy ``metric, workload, value,
unit`` form, from the results document as is (no figure is computed here).

Which figures, in which order, is this module's; each row's metric name and unit are the
figure's declaration in :mod:`carbon.results.fields`. A figure that is not available
(null) is written with an empty value.
"""

from __future__ import annotations

from typing import Any

from carbon.results.fields import FIELDS, Field, member

__all__ = ["csv_rows"]

#: Blocks written per workload (``mining``, ``ai``, ``other``, ``total``) first.
_HEAD_BLOCKS = ("energy_kwh", "it_energy_kwh", "overhead_energy_kwh", "scope2_location_kgco2e")
#: Blocks written per workload after the PUE rows.
_MORE_BLOCKS = (
    "scope2_market_kgco2e",
    "scope2_market_hourly_matching_kgco2e",
    "timing_effect_kgco2e",
)
#: KPIs written when results hold them.
_KPIS = ("ref", "erf", "ere", "cue_location", "cue_market", "cue_market_hourly_matching", "wue")
#: Figures written per tenant (and for what is not tenanted), in this order.
_TENANT_FIGURES = (
    "it_energy_kwh",
    "energy_kwh",
    "scope2_location_kgco2e",
    "scope2_market_kgco2e",
    "scope2_market_hourly_matching_kgco2e",
)


def _value(value: Any) -> str:
    return "" if value is None else repr(float(value))


def _row(figure: Field, part: str, value: Any) -> list[str]:
    return [str(figure.csv), part, _value(value), str(figure.unit)]


def _block(items: dict[str, Any], key: str) -> list[list[str]]:
    """One row per workload of the block at `key` (``items`` is its value)."""
    return [_row(member(key, part), part, value) for part, value in items.items()]


def csv_rows(results: dict[str, Any]) -> list[list[str]]:
    """``[metric, workload, value, unit]`` rows of results.csv, in file order."""
    rows: list[list[str]] = []
    for key in _HEAD_BLOCKS:
        rows += _block(results[key], key)
    annual = results["scope2_location_annual_factor_kgco2e"]
    rows.append(
        _row(FIELDS["scope2_location_annual_factor_kgco2e.total"], "total", annual["total"])
    )
    kpis = results["kpis"]
    rows.append(_row(FIELDS["kpis.pue"], "total", kpis["pue"]))
    rows += _block(kpis["pue_by_workload"], "kpis.pue_by_workload")
    for key in _MORE_BLOCKS:
        rows += _block(results.get(key) or {}, key)
    rows.append(_row(FIELDS["scope1_kgco2e.total"], "total", _total(results, "scope1_kgco2e")))
    rows.append(
        _row(FIELDS["scope3_cat3_kgco2e.total"], "total", _total(results, "scope3_cat3_kgco2e"))
    )
    for key in _KPIS:
        if key in kpis:
            rows.append(_row(FIELDS[f"kpis.{key}"], "total", kpis[key]))
    for key, value in (results.get("matching") or {}).items():
        rows.append(_row(FIELDS[f"matching.{key}"], "total", value))
    intensities = results.get("intensities") or {}
    for key, figure in FIELDS.items():
        if key.startswith("intensities.") and figure.csv:
            rows.append(_row(figure, "total", intensities.get(key.removeprefix("intensities."))))
    tenants = results.get("tenants") or {}
    groups = [
        ("by_tenant.{tenant}", name, block)
        for name, block in (tenants.get("by_tenant") or {}).items()
    ]
    if tenants.get("not_tenanted"):
        groups.append(("not_tenanted", "not_tenanted", tenants["not_tenanted"]))
    for where, name, block in groups:
        for key in _TENANT_FIGURES:
            rows.append(_row(FIELDS[f"tenants.{where}.{key}"], name, block.get(key)))
    return rows


def _total(results: dict[str, Any], key: str) -> Any:
    return (results.get(key) or {}).get("total")
