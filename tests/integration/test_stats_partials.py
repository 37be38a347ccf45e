"""The dashboard's export and words partials (admin/stats.html includes them): links that
carry the dashboard's period and filters, strings in the manager's language."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from quart import g, render_template

from hub.app import Hub


async def _render(hub: Hub, template: str, query: str, lang: str = "en") -> str:
    async with hub.quart.test_request_context(f"/admin/stats?{query}"):
        g.lang = lang
        return await render_template(template)


def _href(page: str, element_id: str) -> tuple[str, dict[str, list[str]]]:
    found = re.search(rf'id="{element_id}"[^>]*?href="([^"]*)"', page, re.S)
    assert found, element_id
    link = urlsplit(html.unescape(found[1]))
    return link.path, parse_qs(link.query)


async def test_csv_links_carry_the_dashboards_filter(hub: Hub) -> None:
    page = await _render(
        hub, "admin/_stats_exports.html", "from=2026-11-01&to=2026-11-30&point=bar&by=point&x=1"
    )
    path, query = _href(page, "export-tickets")
    assert path == "/api/v1/export/tickets.csv"
    assert query == {"from": ["2026-11-01"], "to": ["2026-11-30"], "point": ["bar"]}
    path, query = _href(page, "export-surveys")
    assert path == "/api/v1/export/surveys.csv" and query["from"] == ["2026-11-01"]
    assert 'action="/api/v1/reports/monthly.pdf"' in page
    assert 'name="month" type="month" value="2026-11"' in page  # the period's month


async def test_partials_speak_the_managers_language(hub: Hub) -> None:
    page = await _render(hub, "admin/_stats_exports.html", "", lang="es")
    assert "Informe mensual (PDF)" in page and "Todo el negocio" in page
    assert 'href="/api/v1/export/tickets.csv"' in page  # no filter: the API's default period
    words = await _render(
        hub, "admin/_stats_words.html", "from=2026-11-01&category=complaint", "gl"
    )
    assert "O que din os clientes" in words
    assert 'data-query="from=2026-11-01&amp;category=complaint"' in words
    assert 'src="/static/js/admin-words.js"' in words


async def test_hostile_filters_stay_text(hub: Hub) -> None:
    page = await _render(hub, "admin/_stats_exports.html", "point=%22%3E%3Cscript%3Ex%3C/script%3E")
    assert "<script>x" not in page
