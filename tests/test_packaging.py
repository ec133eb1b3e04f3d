"""The built wheel ships factors/ and templates/ and runs the demo from anywhere."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        env=_clean_env(),
        timeout=300,
    )
    return next(dist.glob("carbon-*.whl"))


def test_wheel_contains_the_shipped_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for dataset in ("epa/egrid2022", "epa/egrid2023rev2"):
        assert any(n.startswith(f"carbon/_data/factors/{dataset}/") for n in names), dataset
    assert any(n.startswith("carbon/_data/factors/ipcc/") for n in names)
    assert any(n.startswith("carbon/_data/templates/") and n.endswith(".j2") for n in names)
    assert any(n.startswith("carbon/_data/templates/fonts/") for n in names)
    assert "carbon/core/units.txt" in names
    for export in ("mica", "eed", "esrs-ifrs"):  # the filing exports' JSON Schemas
        assert f"carbon/results/schemas/{export}.json" in names


def test_installed_wheel_runs_the_demo_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    # a venv without pip of its own (seeding one takes seconds): this pip installs into it
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300
    )
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python)]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        env=_clean_env(),
        timeout=300,
    )
    # The fresh venv gets carbon from the wheel only; its dependencies are borrowed from the test
    # environment through a .pth file, which Python appends *after* the venv's own site-packages.
    purelib = subprocess.check_output(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
    ).strip()
    (Path(purelib) / "_borrowed_dependencies.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.check_output(
        [str(python), "-c", "import carbon; print(carbon.__file__)"],
        cwd=elsewhere,
        text=True,
        env=_clean_env(),
    )
    assert where.startswith(str(venv)), where
    result = subprocess.run(
        [str(venv / "bin" / "carbon"), "demo"],
        cwd=elsewhere,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = elsewhere / "reports" / "demo" / "2025-07" / "v1"
    assert (out / "disclosure.pdf").stat().st_size > 10_000
    assert {p.name for p in out.iterdir()} == {
        "disclosure.pdf",
        "results.json",
        "results.csv",
        "manifest.json",
        "render-series.json",
        "operating-update.json",
        "operating-update.pdf",
        "tenants",
        "exports",
    }
    # the filing exports (docs/exports.md)
    assert sorted(p.name for p in (out / "exports").iterdir()) == [
        "eed.json",
        "esrs-ifrs.json",
        "mica.json",
    ]
    # one statement per AI tenant of the demo (METHODOLOGY 1.1 allocations to customers)
    assert sorted(p.name for p in (out / "tenants").iterdir()) == [
        "tenant-1.pdf",
        "tenant-2.pdf",
        "tenant-3.pdf",
    ]
