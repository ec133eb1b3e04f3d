from pathlib import Path

import pytest

from carbon.core.errors import ConfigError
from carbon.site.load import load_site, site_from_dict
from tests.conftest import tiny_site

EXAMPLE_TOML = """
[site]
id = "pecos"
name = "Pecos campus"
timezone = "America/Chicago"
grid_region = "ERCT"

[[grid]]
source = "electricitymaps"
path = "grid/US-TEX-ERCO_2023_hourly.csv"
basis = "direct"

[[meters]]
id = "REV"
role = "revenue"
file = "meters.csv"

[[meters]]
id = "HALL-A"
role = "it"
parent = "REV"
workload = "mining"

[[meters]]
id = "HALL-B"
role = "it"
parent = "REV"
workload = [ { until = "2023-11-14T12:00:00-06:00", workload = "mining" },
             { workload = "ai", tenant = "tenant-1" } ]

[[meters]]
id = "COOL"
role = "shared"
parent = "REV"
allocation = "it-energy"
"""


def test_documented_example_site_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(EXAMPLE_TOML)
    site = load_site(path)
    assert site.site.id == "pecos"
    assert site.revenue_meter.id == "REV"
    spans = site.meters[2].workload_spans()
    assert [s[2] for s in spans] == ["mining", "ai"]
    assert spans[0][1].isoformat() == "2023-11-14T12:00:00-06:00"


def test_unknown_key_names_its_path(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text(
        EXAMPLE_TOML.replace(
            'role = "it"\nparent = "REV"\nworkload = "mining"',
            'role = "it"\nparent = "REV"\nworkload = "minning"',
        )
    )
    with pytest.raises(ConfigError) as err:
        load_site(path)
    message = str(err.value)
    assert str(path) in message
    assert "meters[1].workload" in message
    assert "'mining'" in message and "'ai'" in message  # the valid choices are listed
    fields = err.value.to_dict()
    assert (fields["path"], fields["key"], fields["reason"]) == (
        str(path),
        "meters[1].workload",
        "invalid-site",
    )


def test_invalid_role_lists_choices() -> None:
    with pytest.raises(ConfigError, match=r"meters\[0\]\.role.*'revenue'.*'it'.*'shared'"):
        site_from_dict(
            {
                "site": {"id": "s", "name": "s", "timezone": "UTC", "grid_region": "ERCT"},
                "meters": [{"id": "REV", "role": "main"}],
            }
        )


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["meters"].append({"id": "M", "role": "shared"}), "repeated: M"),
        (lambda d: d["meters"].pop(0), "exactly one meter with role 'revenue'"),
        (lambda d: d["meters"][1].update(parent="NOPE"), "names parent 'NOPE'"),
        (lambda d: d["meters"][1].pop("workload"), "needs a 'workload'"),
        (lambda d: d["site"].update(timezone="Mars/Olympus"), "unknown IANA timezone"),
        (lambda d: d["meters"][3]["workload"][0].update(until="2025-01-01T00:07:00"), "UTC offset"),
        (lambda d: d["meters"][4].update(allocation="dedicated"), "no 'dedicated_to'"),
    ],
)
def test_invalid_sites_are_refused_with_a_reason(change, fragment: str) -> None:
    data = tiny_site().model_dump(mode="json")
    change(data)
    with pytest.raises(ConfigError, match=fragment):
        site_from_dict(data)


def test_spans_must_be_ordered_and_closed() -> None:
    data = tiny_site().model_dump(mode="json")
    data["meters"][3]["workload"] = [
        {"until": "2025-02-01T00:00:00+00:00", "workload": "mining"},
        {"until": "2025-01-01T00:00:00+00:00", "workload": "ai"},
        {"workload": "mining"},
    ]
    with pytest.raises(ConfigError, match="time order"):
        site_from_dict(data)
    data["meters"][3]["workload"] = [{"until": "2025-02-01T00:00:00+00:00", "workload": "mining"}]
    with pytest.raises(ConfigError, match="last workload span"):
        site_from_dict(data)


def test_config_hash_is_stable_and_sensitive() -> None:
    a, b = tiny_site(), tiny_site()
    assert a.sha256() == b.sha256()
    data = a.model_dump(mode="json")
    data["site"]["name"] = "Other"
    assert site_from_dict(data).sha256() != a.sha256()


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found") as err:
        load_site(tmp_path / "nope.toml")
    assert (err.value.path, err.value.reason) == (str(tmp_path / "nope.toml"), "not-found")
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\nid=1")
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        load_site(bad)
    assert (err.value.path, err.value.reason) == (str(bad), "invalid-toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[site]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8") as err:
        load_site(latin)
    assert err.value.reason == "not-utf8"


def test_a_site_built_in_code_has_no_path_but_names_the_key() -> None:
    data = tiny_site().model_dump(mode="json")
    data["meters"][0]["role"] = "main"
    with pytest.raises(ConfigError) as err:
        site_from_dict(data)
    assert str(err.value).startswith("<site>: invalid site configuration\n  meters[0].role: ")
    assert (err.value.path, err.value.key) == (None, "meters[0].role")


def test_the_package_exports_the_model_and_the_loader() -> None:
    import carbon.site as site_stage
    from carbon.site.meters import WORKLOADS
    from carbon.site.model import SiteConfig

    assert site_stage.SiteConfig is SiteConfig and site_stage.load_site is load_site
    assert site_stage.WORKLOADS is WORKLOADS
    assert all(hasattr(site_stage, name) for name in site_stage.__all__)


def test_a_timezone_folder_name_is_refused_cleanly() -> None:
    data = tiny_site().model_dump(mode="json")
    data["site"]["timezone"] = "Pacific"
    with pytest.raises(ConfigError, match="unknown IANA timezone"):
        site_from_dict(data)
