"""Staff and admin pages share one frame and one set of script helpers instead of copies.

The API call with its CSRF header lives in `static/js/lib/api.js` alone; every admin page
(and Held back) extends `web/admin/layout.html`, so the header and nav are written once; the
pages take the model's statuses and categories as data and keep only the words.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from hub.tickets.model import Category
from tests.helpers import Seeded
from tests.kit import login

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "static" / "js"
LIB = SCRIPTS / "lib"
WEB = ROOT / "web"
# The customer thread page stays a classic ES5 script (old phones): it sends the CSRF header
# on its one write itself. See static/js/thread.js.
# photos.js is classic too: the customer's pages load it, and the console's photo uploads
# (multipart, with a progress bar: XMLHttpRequest, not lib/api.js's fetch) go through it.
CLASSIC_CUSTOMER_SCRIPTS = {"thread.js", "photos.js"}

ADMIN_PAGES = {
    "/admin/rules": "admin/rules.html",
    "/admin/deliveries": "admin/deliveries.html",
    "/admin/filters": "admin/filters.html",
    "/admin/triage": "admin/triage.html",
    "/admin/stats": "admin/stats.html",
    "/admin/kiosks": "admin/kiosks.html",
    "/admin/start": "admin/start.html",
    "/admin/answers": "admin/answers.html",
    "/held-back": "staff/held_back.html",
}
DEFINES_API = re.compile(
    r"\bfunction\s+api\s*\(|\b(?:const|let|var)\s+api\s*=\s*(?:async\b|function\b|\()"
)


def _page_scripts() -> list[Path]:
    return [p for p in SCRIPTS.rglob("*.js") if LIB not in p.parents]


def test_no_page_script_defines_its_own_api_call() -> None:
    copies = [p.name for p in _page_scripts() if DEFINES_API.search(p.read_text())]
    assert copies == []
    assert DEFINES_API.search((LIB / "api.js").read_text())


def test_only_the_shared_api_sets_the_csrf_header() -> None:
    setters = {p.name for p in _page_scripts() if "X-Requested-With" in p.read_text()}
    assert setters <= CLASSIC_CUSTOMER_SCRIPTS, setters - CLASSIC_CUSTOMER_SCRIPTS
    assert "X-Requested-With" in (LIB / "api.js").read_text()


def test_every_admin_page_template_extends_the_layout_instead_of_repeating_the_header() -> None:
    for template in ADMIN_PAGES.values():
        source = (WEB / template).read_text()
        assert source.startswith('{% extends "admin/layout.html" %}'), template
        assert "staff/_nav.html" not in source, template
        assert "staff-header" not in source, template
        assert "admin.css" not in source, template


def test_admin_templates_take_statuses_and_categories_from_the_model() -> None:
    values = "|".join(re.escape(c.value) for c in Category) + "|waiting_customer|acknowledged"
    typed = re.compile(rf"[\"']({values})[\"']")
    pages = [WEB / t for t in ADMIN_PAGES.values()] + [WEB / "admin" / "layout.html"]
    found = {p.name: typed.findall(p.read_text()) for p in pages}
    assert {name: words for name, words in found.items() if words} == {}


@pytest.mark.parametrize("path", list(ADMIN_PAGES))
async def test_each_admin_page_shows_the_business_and_the_nav_once_with_itself_marked(
    client: Any, acme: Seeded, path: str
) -> None:
    await login(client, acme, "manager")
    r = await client.get(path)
    assert r.status_code == 200
    page = (await r.get_data()).decode()
    assert page.count('class="staff-header"') == 1
    assert page.count('class="staff-nav"') == 1
    assert page.count("/static/css/admin.css") == 1
    assert page.count('<main id="main"') == 1
    assert page.count('<template id="strings">') == 1
    assert re.search(rf'<a href="{re.escape(path)}" aria-current="page">', page)
    assert page.count('aria-current="page"') == 1
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert all('type="module"' in tag and "src=" in tag for tag in scripts), scripts


async def test_the_rules_page_offers_every_category_of_the_model_in_the_readers_language(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "manager")
    page = (await (await client.get("/admin/rules?lang=es")).get_data()).decode()
    for category in Category:
        assert f'name="categories" value="{category.value}"' in page
    assert "Queja" in page and "Sugerencia" in page
    english = (await (await client.get("/admin/rules?lang=en")).get_data()).decode()
    assert "Complaint" in english and "Queja" not in english


async def test_the_console_words_for_states_and_categories_follow_the_readers_language(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "agent")
    spanish = (await (await client.get("/console?lang=es")).get_data()).decode()
    english = (await (await client.get("/console?lang=en")).get_data()).decode()
    assert '<option value="waiting_customer">Esperando al cliente</option>' in spanish
    assert '<option value="complaint">Queja</option>' in spanish
    assert '<option value="waiting_customer">Waiting for customer</option>' in english
    assert '<option value="complaint">Complaint</option>' in english
