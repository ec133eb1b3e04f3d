"""The report names the allocation-key versions in effect during the period."""

from __future__ import annotations

from carbon.core.period import month
from carbon.report.metering_context import allocation_context
from carbon.report.tenants import tenant_figures
from carbon.results.document import key_versions
from carbon.site.load import site_from_dict

SITE = {
    "site": {"id": "s", "name": "S", "timezone": "UTC", "grid_region": "ERCT"},
    "meters": [
        {"id": "REV", "role": "revenue", "file": "m.csv"},
        {"id": "A", "role": "it", "parent": "REV", "workload": "ai", "tenant": "t-1"},
        {
            "id": "COOL",
            "role": "shared",
            "parent": "REV",
            "allocation_schedule": [
                {
                    "key": "dedicated",
                    "dedicated_to": "mining",
                    "version": "v0",
                    "until": "2024-12-01T00:00:00+00:00",
                },
                {"key": "it-energy", "version": "v1", "until": "2025-01-15T12:00:00+00:00"},
                {"key": "dedicated", "dedicated_to": "ai", "version": "v2"},
            ],
        },
    ],
}


def test_versions_in_the_period_are_named() -> None:
    """January 2025: v0 ended on 1 December, so v1 (to 15 January noon) and v2 are named."""
    site = site_from_dict(SITE)
    cool = site.meters[2]
    versions = key_versions(cool, month("2025-01", "UTC"))["versions"]
    assert [v["version"] for v in versions] == ["v1", "v2"]
    assert versions[0] == {
        "version": "v1",
        "key": "it-energy",
        "workload": None,
        "from": "2024-12-01T00:00:00+00:00",
        "until": "2025-01-15T12:00:00+00:00",
    }
    assert key_versions(cool, month("2025-03", "UTC"))["versions"][0]["version"] == "v2"
    assert key_versions(site.meters[0], month("2025-01", "UTC")) == {}
    results = {
        "allocation": {
            "shared_meters": [
                {"id": "COOL", "key": "scheduled", "workload": None, "versions": versions}
            ],
        },
        "tenants": {"by_tenant": {"t-1": {"workload": "ai", "meters": ["A"]}}},
    }
    row = allocation_context(results)["shared_meters"][0]
    assert row["key"] == (
        "v1: it-energy from 2024-12-01T00:00:00+00:00 until 2025-01-15T12:00:00+00:00; "
        "v2: dedicated (AI hosting) from 2025-01-15T12:00:00+00:00"
    )
    assert row["workload"] == "per key version"
    assert "COOL by key version v1: it-energy" in tenant_figures(results, "t-1")["allocation_key"]
