import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from carbon.cli import app

REPO = Path(__file__).resolve().parents[1]
ERROR_KEYS = {
    "error",
    "reason",
    "message",
    "path",
    "line",
    "timestamp",
    "meter",
    "key",
    "exit_code",
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "carbon", *args], capture_output=True, text=True, timeout=120
    )


def test_help_and_version() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout
    result = run("demo", "--help")
    assert result.returncode == 0 and "--period" in result.stdout and "--out" in result.stdout
    assert run("--version").stdout.startswith("carbon ")


def test_bad_period_is_a_usage_error_without_traceback(tmp_path) -> None:
    result = run("demo", "--period", "2025-13", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "YYYY-MM" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def no_demo_data(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess:
    """``carbon demo --period 2024-05``, a month the demo has no data for (run once)."""
    return run("demo", "--period", "2024-05", "--out", str(tmp_path_factory.mktemp("out")))


def test_period_without_demo_data_is_refused(no_demo_data) -> None:
    result = no_demo_data
    assert result.returncode == 2
    assert "no meter data in period 2024-05" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = run("demo", "--nope")
    assert result.returncode == 2
    assert "No such option" in result.stderr


# --- carbon --json: a failing command's error as JSON on stderr ------------------------------


def test_json_error_for_a_period_without_data(no_demo_data, tmp_path) -> None:
    plain = no_demo_data
    result = run("--json", "demo", "--period", "2024-05", "--out", str(tmp_path))
    assert result.returncode == plain.returncode == 2  # the exit code is unchanged
    assert result.stdout == ""
    error = json.loads(result.stderr)
    assert set(error) == ERROR_KEYS
    assert error["error"] == "PeriodError"
    assert error["exit_code"] == 2
    assert plain.stderr == f"carbon: error: {error['message']}\n"
    assert "no meter data in period 2024-05" in error["message"]


def test_json_error_for_a_missing_site_file(tmp_path) -> None:
    missing = tmp_path / "nope.toml"
    plain = run("validate", "--site", str(missing))
    result = run("--json", "validate", "--site", str(missing))
    assert result.returncode == plain.returncode == 2
    error = json.loads(result.stderr)
    assert set(error) == ERROR_KEYS
    assert error["error"] == "ConfigError"
    assert error["message"] == f"{missing}: site file not found"
    assert plain.stderr == f"carbon: error: {error['message']}\n"


def test_json_error_of_a_workflow_check_names_its_reason(tmp_path) -> None:
    result = run("--json", "report", "--out", str(tmp_path))
    assert result.returncode == 2
    error = json.loads(result.stderr)
    assert error["error"] == "ConfigError"
    assert error["reason"] == "site-or-fleet"
    assert error["message"] == "give either --site FILE or --fleet FILE (one of them)"


# --- user text printed through rich is escaped ------------------------------------------------


def test_history_prints_a_site_id_with_brackets_as_written(tmp_path) -> None:
    result = CliRunner().invoke(app, ["history", "--site-id", "[bold]x[/bold]", "--out", tmp_path])
    assert result.exit_code == 0, result.output
    assert "No issued version of [bold]x[/bold] is recorded." in result.output


# --- every entry point answers --help ---------------------------------------------------------


def _console_scripts() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["scripts"]


@pytest.mark.parametrize("name", sorted(_console_scripts()))
def test_console_script_help(name: str) -> None:
    """Each ``[project.scripts]`` entry point, called as the installed script calls it."""
    module, function = _console_scripts()[name].split(":")
    code = f"import sys; sys.argv = [{name!r}, '--help']; from {module} import {function}; "
    code += f"{function}()"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "carbon"],
        ["-m", "bench"],
        ["-m", "bench.child"],
        ["scripts/build_factors.py"],
    ],
    ids=lambda c: " ".join(c),
)
def test_module_and_script_help(command: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, *command, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


@pytest.mark.parametrize("command", sorted(typer.main.get_command(app).commands))
def test_every_command_help(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: carbon {command}" in " ".join(result.output.split())
