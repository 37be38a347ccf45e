"""Every template parses: a broken one (a merge that drops an `endmacro`) fails here, not as a
500 on the page that happens to import it. Babel's extraction also skips a template that does
not parse, silently dropping its strings from the catalogs."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
TEMPLATES = sorted(p.relative_to(WEB).as_posix() for p in WEB.rglob("*.html"))


def test_there_are_templates_to_check() -> None:
    assert "staff/_words.html" in TEMPLATES and len(TEMPLATES) > 20


@pytest.mark.parametrize("name", TEMPLATES)
def test_the_template_parses(name: str) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB), extensions=["jinja2.ext.i18n"])
    source, filename, _uptodate = env.loader.get_source(env, name)  # type: ignore[union-attr]
    # syntax only (the app adds its own filters and globals): raises TemplateSyntaxError
    env.parse(source, name, filename)
