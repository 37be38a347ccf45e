"""Every page template compiles: a broken macro (an unclosed block left by a merge) would
otherwise only show as a 500 on the pages that import it."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
TEMPLATES = sorted(str(p.relative_to(WEB)) for p in WEB.rglob("*.html"))


def test_there_are_templates_to_check() -> None:
    assert "staff/_words.html" in TEMPLATES


@pytest.mark.parametrize("name", TEMPLATES)
def test_a_template_compiles(name: str) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB), extensions=["jinja2.ext.i18n"])
    env.get_template(name)  # raises TemplateSyntaxError when it does not
