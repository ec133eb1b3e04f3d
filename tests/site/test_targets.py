"""``[targets]`` of the site file (carbon.site.targets): accepted, refused with the key named,
and absent without changing a site's configuration hash."""

from __future__ import annotations

import pytest

from carbon.core.errors import ConfigError
from carbon.report.sections import contents_entries
from tests.conftest import tiny_site

GOOD = {
    "base_year": 2024,
    "target_year": 2030,
    "reduction_pct": 42,
    "base_year_location": "246000 t CO2e",
    "base_year_electricity": "690 GWh",
    "source": "2024 inventory",
}


def test_a_declared_target_loads_with_its_defaults() -> None:
    targets = tiny_site(targets=GOOD).targets
    assert targets is not None
    assert targets.standard == "sbti-cnzs-v2"
    assert targets.rapid_growth_threshold_pct == 10.0
    assert tiny_site().targets is None


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"target_year": 2024}, "target_year (2024) must be after base_year (2024)"),
        ({"reduction_pct": 0}, "reduction_pct"),
        ({"reduction_pct": 120}, "reduction_pct"),
        ({"base_year_location": "246000 MWh"}, "base_year_location"),
        ({"base_year_electricity": "690 t CO2e"}, "base_year_electricity"),
        ({"source": None}, "declared without 'source'"),
        ({"standard": "sbti-v1"}, "standard"),
        ({"base_year_scope2": "1 t CO2e"}, "base_year_scope2"),
    ],
)
def test_bad_targets_are_refused_naming_the_key(change: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        tiny_site(targets={**GOOD, **change})
    assert "targets" in str(err.value) and fragment in str(err.value)


def test_no_targets_keeps_the_configuration_hash() -> None:
    plain = tiny_site()
    # the hash the tiny site had before [targets] existed
    assert plain.sha256() == "448e4fa0f51bb332889853e78aee55513f391ddf1dfa44072612555f122cfa8c"
    assert tiny_site(targets=GOOD).sha256() != plain.sha256()


def test_a_site_without_targets_gets_one_contents_line() -> None:
    entries = contents_entries(
        {"sbti": {"available": False, "reason": "no targets declared"}}, ("core",)
    )
    line = next(e for e in entries if e["id"] == "targets")
    assert line["not_applicable"] == "no targets declared" and "template" not in line
