"""Every importer page in docs/importers/ shows an example that runs.

Each page carries a ``## Example`` section whose ```python blocks are executed here from
the repository root, as a reader would paste them, on files kept in the repository. A page
without one, or an example that fails or prints nothing, fails its test.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs" / "importers").glob("*.md"))


def example_blocks(text: str) -> list[str]:
    """The python blocks of a page's ``## Example`` section (up to the next heading outside
    a code fence)."""
    blocks: list[str] = []
    inside = False  # in the Example section
    fence: list[str] | None = None  # lines of the open fence, if a python one
    in_fence = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if in_fence:
                if fence is not None and inside:
                    blocks.append("".join(fence))
                in_fence, fence = False, None
            else:
                in_fence = True
                fence = [] if line.strip() == "```python" else None
            continue
        if in_fence:
            if fence is not None:
                fence.append(line)
            continue
        if re.match(r"#{1,6} ", line):
            inside = line.startswith("## Example")
    return blocks


def test_pages_found() -> None:
    assert len(PAGES) >= 13


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_example_runs(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = example_blocks(page.read_text(encoding="utf-8"))
    assert blocks, f"{page.name} has no ```python block under '## Example'"
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    namespace: dict[str, object] = {"__name__": "__example__"}
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, f"{page.name}:example", "exec"), namespace)
    assert out.getvalue().strip(), f"{page.name}: the example prints nothing"


def test_example_section_parsing() -> None:
    text = "# T\n## Example\n\n```python\nprint(1)\n```\n\n### Next\n```python\nx\n```\n"
    assert example_blocks(text) == ["print(1)\n"]
    assert example_blocks("# T\n```python\nprint(1)\n```\n") == []
    fenced = "## Example\n```python\n# a comment, not a heading\nprint(2)\n```\n"
    assert example_blocks(fenced) == ["# a comment, not a heading\nprint(2)\n"]
