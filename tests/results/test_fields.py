"""The declarations of the figures of results.json (carbon.results.fields) and their readers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from carbon.core.units import parse_unit, ureg
from carbon.report.audit_context import load_datapoints
from carbon.results.fields import FIELDS, field_for, fields_markdown, member, reference
from carbon.results.fields.declare import FRAMEWORKS, pint_unit

DOC = Path(__file__).resolve().parents[2] / "docs" / "results-json.md"


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def test_the_docs_table_of_figures_is_generated_from_the_declarations() -> None:
    text = _doc()
    block = text[text.index("<!-- fields:begin -->\n") + len("<!-- fields:begin -->\n") :]
    block = block[: block.index("<!-- fields:end -->")]
    regenerate = "regenerate it: python -m carbon.results.fields docs/results-json.md"
    assert block == fields_markdown(), regenerate


def test_every_declared_figure_sits_in_a_documented_key() -> None:
    documented = set(
        re.findall(r"^\| `([a-z0-9_]+)` \| (?:string|integer|date|object|array)", _doc(), re.M)
    )
    for key in FIELDS:
        top = re.split(r"[.\[]", key, maxsplit=1)[0]
        assert top in documented, f"{key}: {top} is not in the Keys table"


@pytest.mark.parametrize("figure", list(FIELDS.values()), ids=list(FIELDS))
def test_units_parse_and_convert_to_the_display_unit(figure) -> None:
    if figure.unit is None:
        assert figure.display_unit is None
        return
    parse_unit(pint_unit(figure.unit))
    ureg.Quantity(1.0, pint_unit(figure.unit)).to(pint_unit(figure.display_unit))
    assert figure.decimals >= 0
    assert set(figure.references) <= set(FRAMEWORKS)


def test_lookup_prefers_the_exact_declaration() -> None:
    assert field_for("energy_kwh.total").key == "energy_kwh.total"
    assert field_for("kpis.dc_energy_kwh.total").references["esrs"] == "E1-5 para 37"
    assert field_for("energy_kwh.mining").key == "energy_kwh.{workload}"
    assert field_for("meters[2].energy_kwh").key == "meters[].energy_kwh"
    assert field_for("scope2_location_factor_levels.national_mwh").unit == "MWh"
    assert member("kpis.pue_by_hall", "HALL.A", "meter").key == "kpis.pue_by_hall.{meter}"
    assert reference("scope1_kgco2e.total", "gri") == "GRI 305-1"
    with pytest.raises(KeyError):
        field_for("no_such_key")


def test_the_framework_map_reads_references_and_units_from_the_declarations() -> None:
    for framework in load_datapoints():
        for row in framework["row"]:
            key = row.get("value", row.get("text"))
            if isinstance(key, str):
                assert row["ref"] == reference(key, framework["id"])
                assert row["from_unit"] == field_for(key).unit


def test_a_map_row_may_not_restate_a_declared_reference(tmp_path: Path) -> None:
    bad = tmp_path / "map.toml"
    bad.write_text(
        '[[framework]]\nid = "gri"\ntitle = "X"\n[[framework.row]]\nitem = "a"\n'
        'ref = "302-1"\nvalue = "energy_kwh.total"\nunit = "MWh"\n'
    )
    with pytest.raises(ValueError, match="are its declaration's"):
        load_datapoints(bad)
    bad.write_text(
        '[[framework]]\nid = "eed"\ntitle = "X"\n[[framework.row]]\nitem = "a"\n'
        'value = "energy_kwh.total"\nunit = "MWh"\n'
    )
    with pytest.raises(ValueError, match="declares no reference"):
        load_datapoints(bad)
