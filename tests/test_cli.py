import subprocess
import sys


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


def test_period_without_demo_data_is_refused(tmp_path) -> None:
    result = run("demo", "--period", "2024-05", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "no meter data in period 2024-05" in result.stderr


def test_unknown_option_is_a_usage_error() -> None:
    result = run("demo", "--nope")
    assert result.returncode == 2
    assert "No such option" in result.stderr
