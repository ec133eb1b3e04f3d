"""``[[standard_supply]]`` in the site file: the documented example parses, errors name the key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from carbon.core.errors import ConfigError
from carbon.site.load import site_from_dict
from tests.conftest import tiny_site

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-formats.md"


def _documented() -> dict:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("Standard supply service (`[[standard_supply]]`)") :]
    (block,) = re.findall(r"```toml\n(.*?)```", section, re.S)[:1]
    return tomllib.loads(block)


def test_the_documented_row_parses_and_gives_its_share() -> None:
    site = tiny_site(**_documented())
    (row,) = site.standard_supply
    assert row.share == pytest.approx(1_150_000 / 9_800_000)
    assert site.sha256() != tiny_site().sha256()


def test_errors_name_the_key() -> None:
    data = _documented()
    data["standard_supply"][0]["clean_energy"] = "12000000 MWh"
    with pytest.raises(ConfigError, match="standard_supply") as err:
        tiny_site(**data)
    assert "exceeds retail_sales" in str(err.value)
    data = _documented()
    data["standard_supply"][0]["retail_share"] = 0.1
    with pytest.raises(ConfigError, match="retail_share"):
        site_from_dict(
            {**tiny_site().model_dump(mode="json", exclude_defaults=True), **data},
            source="site.toml",
        )
