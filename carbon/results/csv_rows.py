"""More rows of ``results.csv``: market-based Scope 2, Scope 1, Scope 3 cat. 3, KPIs,
matching, intensities and tenants, in the tidy ``metric, workload, value, unit`` form.

Rows are read from the results document as is (no figure is computed here). A figure
that is not available (null) is written with an empty value.
"""

from __future__ import annotations

from typing import Any

__all__ = ["extra_csv_rows"]

_INTENSITY_UNITS = {
    "j_per_th": "J/TH",
    "j_per_th_facility": "J/TH",
    "j_per_th_nameplate": "J/TH",
    "kwh_per_btc": "kWh/BTC",
    "kgco2e_per_btc_location": "kg CO2e/BTC",
    "kgco2e_per_btc_market": "kg CO2e/BTC",
    "kgco2e_per_ph_day_location": "kg CO2e/(PH/s day)",
    "kgco2e_per_ph_day_market": "kg CO2e/(PH/s day)",
    "kwh_per_gpu_hour": "kWh/GPU-h",
    "kwh_per_gpu_hour_it": "kWh/GPU-h",
    "gco2e_per_gpu_hour_location": "g CO2e/GPU-h",
    "gco2e_per_gpu_hour_market": "g CO2e/GPU-h",
    "gpu_utilisation": "1",
    "hashrate_eh_per_s": "EH/s",
    "btc_mined_self": "BTC",
    "btc_mined_hosted": "BTC",
}
_KPI_UNITS = {
    "ref": "1",
    "erf": "1",
    "ere": "1",
    "cue_location": "kg CO2e/kWh",
    "cue_market": "kg CO2e/kWh",
    "cue_market_hourly_matching": "kg CO2e/kWh",
    "wue": "L/kWh",
}
_TENANT_KEYS = (
    ("tenant_it_energy", "it_energy_kwh", "kWh"),
    ("tenant_energy", "energy_kwh", "kWh"),
    ("tenant_scope2_location", "scope2_location_kgco2e", "kg CO2e"),
    ("tenant_scope2_market", "scope2_market_kgco2e", "kg CO2e"),
    ("tenant_scope2_market_hourly_matching", "scope2_market_hourly_matching_kgco2e", "kg CO2e"),
)


def _value(value: Any) -> str:
    return "" if value is None else repr(float(value))


def extra_csv_rows(results: dict[str, Any]) -> list[list[str]]:
    """``[metric, workload, value, unit]`` rows of the figures beyond the first set."""
    rows: list[list[str]] = []
    for key, metric in (
        ("scope2_market_kgco2e", "scope2_market"),
        ("scope2_market_hourly_matching_kgco2e", "scope2_market_hourly_matching"),
        ("timing_effect_kgco2e", "scope2_location_timing_effect"),
    ):
        for workload, value in (results.get(key) or {}).items():
            rows.append([metric, workload, _value(value), "kg CO2e"])
    scope1 = (results.get("scope1_kgco2e") or {}).get("total")
    rows.append(["scope1", "total", _value(scope1), "kg CO2e"])
    cat3 = (results.get("scope3_cat3_kgco2e") or {}).get("total")
    rows.append(["scope3_cat3", "total", _value(cat3), "kg CO2e"])
    kpis = results.get("kpis") or {}
    for key, unit in _KPI_UNITS.items():
        if key in kpis:
            rows.append([key, "total", _value(kpis[key]), unit])
    for key, value in (results.get("matching") or {}).items():
        rows.append([f"{key}", "total", _value(value), "1"])
    for key, unit in _INTENSITY_UNITS.items():
        value = (results.get("intensities") or {}).get(key)
        rows.append([key, "total", _value(value), unit])
    tenants = results.get("tenants") or {}
    groups = [*(tenants.get("by_tenant") or {}).items()]
    if tenants.get("not_tenanted"):
        groups.append(("not_tenanted", tenants["not_tenanted"]))
    for name, block in groups:
        for metric, key, unit in _TENANT_KEYS:
            rows.append([metric, name, _value(block.get(key)), unit])
    return rows
