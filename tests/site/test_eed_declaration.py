"""``[eed]``: what the EU EED data-centre report needs and no meter gives."""

from __future__ import annotations

import pytest

from carbon.core.errors import ConfigError
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site


def _with(eed: object) -> dict:
    data = tiny_site().model_dump(mode="json")
    data["eed"] = eed
    return data


def test_declared_floor_areas_and_type_are_kept() -> None:
    site = site_from_dict(_with({"total_floor_area_m2": 5000, "data_centre_type": "colocation"}))
    assert site.eed is not None
    assert site.eed.total_floor_area_m2 == 5000.0
    assert site.eed.computer_room_floor_area_m2 is None
    assert site.eed.data_centre_type == "colocation"


@pytest.mark.parametrize(
    ("eed", "named"),
    [
        ({"total_floor_area_m2": -5}, "eed.total_floor_area_m2"),
        ({"floor_area": 5}, "eed.floor_area"),
        ({"data_centre_type": "mining"}, "eed.data_centre_type"),
    ],
)
def test_a_wrong_value_or_unknown_key_is_named(eed: dict, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        site_from_dict(_with(eed), "site.toml")


def test_a_site_without_it_keeps_its_configuration_hash() -> None:
    site = tiny_site()
    assert site.eed is None
    assert site_from_dict(site.model_dump(mode="json")).sha256() == site.sha256()
