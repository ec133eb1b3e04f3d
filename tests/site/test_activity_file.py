"""Monthly activity rows from the CSV a site file names (``activity_file``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from carbon.core.errors import ConfigError
from carbon.site.load import load_site

SITE = """
activity_file = "activity.csv"

[site]
id = "s"
name = "S"
timezone = "UTC"
grid_region = "ERCT"

[[meters]]
id = "REV"
role = "revenue"

[[meters]]
id = "HALL-A"
role = "it"
parent = "REV"
workload = "mining"
{inline}
"""

INLINE = """
[[activity]]
period = "2025-06"
btc_mined_self = 10.5
"""

CSV = """period,hashrate_average,btc_mined_self,gpu_hours_sold,gpu_hours_available,source
2025-08,2.5 EH/s,41.2,,,pool statements
2025-07,2.62 EH/s,46.0559,1000 hour,1200 hour,pool statements
"""


def _site(tmp_path: Path, csv_text: str, inline: str = INLINE) -> Path:
    (tmp_path / "activity.csv").write_text(csv_text, encoding="utf-8")
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(inline=inline), encoding="utf-8")
    return path


def test_file_rows_merge_with_inline_rows(tmp_path: Path) -> None:
    site = load_site(_site(tmp_path, CSV))
    assert [a.period for a in site.activity] == ["2025-06", "2025-07", "2025-08"]
    july = site.activity_for("2025-07")
    assert july.hashrate_average == "2.62 EH/s" and july.btc_mined_self == pytest.approx(46.0559)
    assert july.gpu_hours_sold == "1000 hour"
    august = site.activity_for("2025-08")
    assert august.gpu_hours_sold is None  # an empty cell is "not given", never 0
    assert site.activity_for("2025-06").btc_mined_self == 10.5


def test_file_rows_reach_the_sector_metrics(tmp_path: Path) -> None:
    from carbon.analysis.activity import activity_from_config

    site = load_site(_site(tmp_path, CSV))
    act = activity_from_config(site.activity_for("2025-07"))
    assert act.hashrate_average.to("TH/s").magnitude == pytest.approx(2.62e6)


def test_a_month_in_both_places_is_refused_naming_both(tmp_path: Path) -> None:
    text = CSV + "2025-06,1 EH/s,3,,,x\n"
    with pytest.raises(
        ConfigError, match=r"2025-06 is given twice.*site.toml.*activity.csv line 4"
    ) as err:
        load_site(_site(tmp_path, text))
    fields = err.value.to_dict()
    assert (fields["path"], fields["line"], fields["key"], fields["reason"]) == (
        str(tmp_path / "activity.csv"),
        4,
        "activity_file",
        "duplicate-period",
    )


def test_a_bad_value_names_the_file_and_line(tmp_path: Path) -> None:
    text = CSV.replace("2.5 EH/s", "2.5 EH")  # not a hashrate
    with pytest.raises(ConfigError, match=r"activity.csv: line 2: hashrate_average") as err:
        load_site(_site(tmp_path, text))
    assert (err.value.path, err.value.line, err.value.reason) == (
        str(tmp_path / "activity.csv"),
        2,
        "invalid-row",
    )
    text = CSV.replace("41.2", "lots")
    with pytest.raises(ConfigError, match=r"line 2: btc_mined_self"):
        load_site(_site(tmp_path, text))


def test_unknown_column_repeat_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"line 1: unknown column\(s\) 'btc'"):
        load_site(_site(tmp_path, "period,btc\n2025-07,1\n"))
    with pytest.raises(ConfigError, match=r"line 3: period 2025-07 repeats line 2") as err:
        load_site(_site(tmp_path, "period,btc_mined_self\n2025-07,1\n2025-07,2\n"))
    assert (err.value.line, err.value.reason) == (3, "duplicate-period")
    with pytest.raises(ConfigError, match=r"line 2: 1 cells, expected 2"):
        load_site(_site(tmp_path, "period,btc_mined_self\n2025-07\n"))
    path = _site(tmp_path, CSV)
    (tmp_path / "activity.csv").unlink()
    with pytest.raises(ConfigError, match="activity file not found"):
        load_site(path)


def test_the_activity_file_is_listed_among_the_report_inputs(tmp_path: Path) -> None:
    """carbon report on the documented example site with an activity file: the CSV's hash is in
    results.json inputs (and so in the manifest), and its row feeds the sector metrics."""
    import json

    from typer.testing import CliRunner

    from carbon.cli import app
    from carbon.core.lineage import file_sha256
    from tests.integration.test_example_site import write_example

    write_example(tmp_path)
    site = tmp_path / "site.toml"
    site.write_text('activity_file = "activity.csv"\n' + site.read_text(encoding="utf-8"))
    (tmp_path / "activity.csv").write_text(
        "period,hashrate_average,btc_mined_self\n2023-11,0.4 EH/s,7.5\n", encoding="utf-8"
    )
    out = tmp_path / "r"
    args = ["report", "--site", str(site), "--period", "2023-11", "--out", str(out), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    results = json.loads(result.output)
    record = next(i for i in results["inputs"] if i["kind"] == "activity")
    assert record["path"] == "activity.csv"
    assert record["sha256"] == file_sha256(tmp_path / "activity.csv")
    assert results["intensities"]["btc_mined_self"] == 7.5
