"""The Python API (``carbon.run`` and friends): lazy, and the command line's figures and files."""

from __future__ import annotations

import contextlib
import csv
import inspect
import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

import carbon
import carbon.core.errors as errors
from carbon.results.document import results_csv_bytes, results_json_bytes
from carbon.results.frame import FRAME_COLUMNS, Results
from carbon.workflow import api
from carbon.workflow.publish import WrittenReport
from tests.integration.test_example_site import write_example

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"
HEAVY = ("xarray", "pandas", "weasyprint", "matplotlib")


@pytest.fixture(scope="module")
def demo() -> SimpleNamespace:
    """The demo site and its July 2025, computed once for the module (about 5 s)."""
    site = carbon.demo_site()
    return SimpleNamespace(site=site, results=carbon.run(site, "2025-07"))


def doc_snippets() -> list[tuple[str, str | None]]:
    """The ``python`` blocks of docs/api.md, each with the ``text`` block that follows it
    (its printed output), in order. Blocks fenced ``python no-run`` are left out."""
    text = DOCS.read_text(encoding="utf-8")
    pattern = r"^```python\n(.*?)^```\n(?:\n```text\n(.*?)^```$)?"
    return [(code, shown) for code, shown in re.findall(pattern, text, flags=re.S | re.M)]


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """docs/api.md run from top to bottom in a fresh folder (it writes and verifies the demo
    report): the snippets' namespace, what each printed, and the folder."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = tmp_path_factory.mktemp("walkthrough")
    namespace: dict[str, object] = {}
    printed = []
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for code, _ in doc_snippets():
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, str(DOCS), "exec"), namespace)
            printed.append(out.getvalue())
    finally:
        os.chdir(cwd)
        plt.close("all")
    return SimpleNamespace(namespace=namespace, printed=printed, folder=folder)


# --- the package: lazy names ------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    loaded = f"sorted(m for m in {HEAVY!r} if m in sys.modules)"
    probe = f"{code}\nimport sys\nprint('LOADED', *{loaded})"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADED"))
    return set(line.split()[1:])


def test_import_carbon_and_help_load_no_heavy_library() -> None:
    assert _modules_after("import carbon; carbon.__version__; dir(carbon)") == set()
    help_run = (
        "import sys\nsys.argv = ['carbon', '--help']\nfrom carbon.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )
    assert _modules_after(help_run) == set()
    assert _modules_after("import carbon; carbon.ConfigError") == set()
    assert "xarray" in _modules_after("import carbon; carbon.run")


def test_every_public_name_resolves_and_dir_lists_them() -> None:
    for name in carbon.__all__:
        assert getattr(carbon, name) is not None
    assert dir(carbon) == sorted(carbon.__all__)
    assert carbon.run is api.run and carbon.Results is Results
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        carbon.nope  # noqa: B018


def test_every_error_class_is_exported() -> None:
    classes = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.CarbonError)
    }
    assert classes <= set(carbon.__all__)
    for name in classes:
        assert getattr(carbon, name) is getattr(errors, name)


# --- run: the report's document, its table and its figures --------------------------------


def test_results_identify_the_period(demo) -> None:
    r = demo.results
    assert (r.site_id, r.period) == ("demo", "2025-07")
    assert r.to_dict()["report_id"] == "demo-2025-07-v1"
    assert r.to_dict()["status"] == "draft" and r.to_dict()["version"] == 1
    copy = r.to_dict()
    copy["energy_kwh"]["total"] = -1.0
    assert r.to_dict()["energy_kwh"]["total"] > 0  # to_dict hands out a copy


def test_to_frame_holds_the_rows_of_results_csv(demo) -> None:
    document = demo.results.to_dict()
    frame = demo.results.to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert str(frame["value"].dtype) == "float64"
    rows = list(csv.reader(io.StringIO(results_csv_bytes(document).decode())))
    assert tuple(rows[0]) == FRAME_COLUMNS
    assert len(frame) == len(rows) - 1
    for got, row in zip(frame.itertuples(index=False), rows[1:], strict=True):
        assert list(got)[:4] == row[:4] and got.unit == row[5]
        assert math.isnan(got.value) if row[4] == "" else got.value == float(row[4])
    energy = frame[frame.metric == "energy"].set_index("workload")["value"]
    assert energy.to_dict() == document["energy_kwh"]


def test_figures_carry_units_and_equal_the_document(demo) -> None:
    r, document = demo.results, demo.results.to_dict()
    energy = r.energy
    assert str(energy.pint.units) == "kilowatt_hour"
    assert list(energy["workload"].values) == [w for w in document["energy_kwh"] if w != "total"]
    for w in energy["workload"].values:
        assert float(energy.sel(workload=w).pint.magnitude) == document["energy_kwh"][w]
        assert float(r.it_energy.sel(workload=w).pint.magnitude) == document["it_energy_kwh"][w]
        overhead = r.overhead_energy.sel(workload=w).pint.magnitude
        assert float(overhead) == document["overhead_energy_kwh"][w]
    emissions = r.emissions
    assert emissions.dims == ("basis", "workload")
    assert str(emissions.pint.units) == "CO2e * kilogram"
    for basis, key in (("location", "scope2_location_kgco2e"), ("market", "scope2_market_kgco2e")):
        for w in emissions["workload"].values:
            got = float(emissions.sel(basis=basis, workload=w).pint.magnitude)
            assert got == document[key][w]
    tonnes = emissions.sel(basis="market").sum("workload").pint.to("t CO2e")
    assert float(tonnes.pint.magnitude) == pytest.approx(
        document["scope2_market_kgco2e"]["total"] / 1000, rel=1e-12
    )


def test_hourly_series_sum_to_the_document(demo) -> None:
    r, document = demo.results, demo.results.to_dict()
    hourly = r.hourly
    assert set(hourly.data_vars) == {"energy", "scope2_location", "grid_intensity"}
    kg = hourly["scope2_location"].sum().pint.to("kg CO2e").pint.magnitude
    # the site's emissions: the operator's Scope 2 plus the tenant in Scope 3 cat. 13 (§1.1)
    site_kg = (
        document["scope2_location_kgco2e"]["total"] + document["scope3_13_location_kgco2e"]["total"]
    )
    assert float(kg) == pytest.approx(site_kg, rel=1e-9)
    kwh = hourly["energy"].sum().pint.to("kWh").pint.magnitude
    assert float(kwh) == pytest.approx(document["energy_kwh"]["total"], rel=1e-9)
    with pytest.raises(carbon.ConfigError, match="document only"):
        Results(document).hourly  # noqa: B018


def test_run_refuses_bad_periods_and_non_sites(demo) -> None:
    with pytest.raises(carbon.PeriodError, match="no meter data in period 2024-07"):
        carbon.run(demo.site, "2024-07")
    with pytest.raises(carbon.PeriodError, match="YYYY-MM"):
        carbon.run(demo.site, "2025-13")
    with pytest.raises(TypeError, match="takes a Site"):
        carbon.run("site.toml", "2025-07")  # type: ignore[arg-type]


def test_load_site_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(carbon.ConfigError, match="site file not found"):
        carbon.load_site(tmp_path / "missing.toml")
    with pytest.raises(carbon.ConfigError, match="site file not found"):
        carbon.load_site(tmp_path)  # a folder without site.toml


# --- write_report: the command's folder ----------------------------------------------------


def test_write_report_passes_the_baseline_and_options(demo, monkeypatch, tmp_path) -> None:
    choice = {"requested": "2025-03", "period": "2025-03", "rule": "requested", "reason": None}
    document = demo.results.to_dict() | {"baseline_choice": choice}
    calls = []

    def fake(out, label, **options):
        calls.append((out, label, options))
        return WrittenReport(path=out / "v1", results=document, outcome=None)

    monkeypatch.setattr(api, "write_demo_report", fake)
    found = Results(document, source=demo.site)
    path = carbon.write_report(found, tmp_path, status="issued", issue_date="2025-08-05")
    assert path == tmp_path / "v1"
    (out, label, options), *_ = calls
    assert (out, label) == (tmp_path, "2025-07")
    assert options["baseline"] == "2025-03" and options["status"] == "issued"
    assert options["issue_date"].isoformat() == "2025-08-05"
    with pytest.raises(carbon.ConfigError, match="YYYY-MM-DD"):
        carbon.write_report(found, tmp_path, issue_date="5 Aug")


def test_write_report_warns_when_the_written_figures_differ(demo, monkeypatch, tmp_path) -> None:
    written = demo.results.to_dict()
    written["scope2_market_kgco2e"] = {**written["scope2_market_kgco2e"], "total": 1.0}
    monkeypatch.setattr(
        api,
        "write_demo_report",
        lambda out, label, **_: WrittenReport(path=out, results=written, outcome=None),
    )
    with pytest.warns(UserWarning, match=r"1 figure\(s\) .*\(scope2_market_kgco2e\.total\)"):
        carbon.write_report(demo.results, tmp_path)


def test_write_report_needs_results_of_run(demo, tmp_path) -> None:
    with pytest.raises(carbon.ConfigError, match=r"carbon\.run\(site, period\)"):
        carbon.write_report(Results(demo.results.to_dict()), tmp_path)


# --- docs/api.md, run as written: writes and verifies the demo report ---------------------


def test_the_walkthrough_prints_what_the_docs_show(walkthrough) -> None:
    snippets = doc_snippets()
    assert len(snippets) >= 10 and len(walkthrough.printed) == len(snippets)
    for (code, shown), printed in zip(snippets, walkthrough.printed, strict=True):
        if shown is not None:
            assert printed == shown, code
    assert (walkthrough.folder / "hourly-emissions.png").stat().st_size > 0


def test_run_gives_the_results_json_of_carbon_demo_byte_for_byte(demo, walkthrough) -> None:
    folder = walkthrough.namespace["folder"]
    assert folder == Path("reports/demo/2025-07/v1")
    written = walkthrough.folder / folder
    document = demo.results.to_dict()
    assert (written / "results.json").read_bytes() == results_json_bytes(document)
    assert (written / "results.csv").read_bytes() == results_csv_bytes(document)
    assert walkthrough.namespace["found"].ok


def test_write_report_never_overwrites(demo, walkthrough) -> None:
    with pytest.raises(carbon.OutputExistsError, match="never overwritten"):
        carbon.write_report(demo.results, walkthrough.folder / "reports")


def test_a_site_file_runs_writes_and_verifies(tmp_path: Path) -> None:
    write_example(tmp_path)
    site = carbon.load_site(tmp_path)  # the folder holding site.toml
    assert site.path == tmp_path / "site.toml" and site.id == site.config.site.id
    results = carbon.run(site, "2023-11")
    folder = carbon.write_report(results, tmp_path / "reports", status="issued")
    assert folder == tmp_path / "reports" / site.id / "2023-11" / "v1"
    written = (folder / "results.json").read_bytes()
    issued = results.to_dict() | {"status": "issued"}
    assert written == results_json_bytes(issued)
    found = carbon.verify(folder / "disclosure.pdf", inputs=site)
    checks = {c.name: c.ok for c in found.checks}
    assert found.ok and checks["ledger"] is True and checks["recomputed figures"] is True
