"""Every stylesheet's braces balance: one lost `}` (a merge) puts every rule after it inside
the `@media` block above, and the pages lose their layout without any error anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))


def _depths(text: str) -> list[int]:
    """The nesting depth after each line, comments left out."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    depth, out = 0, []
    for line in text.split("\n"):
        depth += line.count("{") - line.count("}")
        out.append(depth)
    return out


@pytest.mark.parametrize("path", CSS, ids=lambda p: p.name)
def test_the_stylesheet_s_blocks_close(path: Path) -> None:
    depths = _depths(path.read_text())
    assert min(depths) >= 0 and depths[-1] == 0, f"{path.name}: unbalanced braces"
    # nothing nests deeper than a rule inside an @media/@supports block
    assert max(depths) <= 2, f"{path.name}: line {depths.index(max(depths)) + 1} nests too deep"
