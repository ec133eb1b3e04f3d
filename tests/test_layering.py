"""The package's shape: stages import downward only, no circles, small modules.

The import rules are import-linter contracts in ``pyproject.toml`` (see
``docs/how-it-works.md``); this module runs them with the test suite and checks the
rules that import-linter cannot express.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "carbon"
MAX_MODULE_LINES = 600


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_import_contracts_hold() -> None:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (it comes with the test extras)")
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout


def _function_level_imports(tree: ast.AST) -> list[ast.ImportFrom | ast.Import]:
    found: list[ast.ImportFrom | ast.Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom | ast.Import):
                    found.append(inner)
    return found


def _carbon_targets(node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.module.split(".")[0] == "carbon" else []
    return [a.name for a in node.names if a.name.split(".")[0] == "carbon"]


def test_no_function_level_import_of_carbon_modules_without_a_reason() -> None:
    """A carbon module imported inside a function dodges a cycle unless it says otherwise.

    The one accepted reason is start-up time (``carbon --help`` must not load the
    stages); such an import carries a ``start-up`` comment on its line or the line above.
    """
    offenders = []
    for path in _modules():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for node in _function_level_imports(ast.parse(source)):
            if not _carbon_targets(node):
                continue
            context = " ".join(lines[max(0, node.lineno - 2) : node.end_lineno])
            if "start-up" not in context:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_no_private_name_crosses_a_module() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("carbon"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
    assert offenders == []


def test_modules_are_small() -> None:
    big = {
        str(p.relative_to(ROOT)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert big == {}


def test_every_exception_class_lives_in_core_errors() -> None:
    errors_module = PACKAGE / "core" / "errors.py"
    elsewhere = []
    for path in _modules():
        if path == errors_module:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {ast.unparse(b) for b in node.bases}
                if any(b.endswith(("Error", "Exception")) for b in bases):
                    elsewhere.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert elsewhere == []


def test_stages_are_packages_in_data_flow_order() -> None:
    """The stage list of the layers contract names every package of carbon."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    layers = next(c for c in contracts if c["type"] == "layers")["layers"]
    named = {part.strip() for layer in layers for part in layer.split("|")}
    packages = {_name(p.parent) for p in PACKAGE.glob("*/__init__.py")}
    packages |= {_name(p) for p in PACKAGE.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    assert packages <= named, sorted(packages - named)
