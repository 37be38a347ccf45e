"""Dates written by the pages' scripts in the page's language, in a real browser.

Debian's Chromium has no Galician dates: Intl fell back to Spanish and the console showed
"mércoles, 14 de enero" to a Galician receptionist. The pages carry the language's month and
weekday names from the server (babel's CLDR data), and the scripts write with them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.ports import Store
from tests.e2e.conftest import LiveHub, opened, staff_page
from tests.e2e.test_stats_dashboard_browser import _ticket
from tests.helpers import Seeded
from tests.kit import Serve

pytestmark = pytest.mark.browser

TICKET = "dates-1"
CREATED = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)  # Wednesday 14 January, 11:00 in Madrid
# What the full date says, and a neighbour's words it must not say.
FULL = {
    "gl": ("mércores, 14 de xaneiro de 2026", ("enero", "miércoles", "January")),
    "ca": ("dimecres, 14 de gener del 2026", ("enero", "miércoles", "January")),
}
SHORT = {"gl": "14 de xan.", "ca": "14 de gen."}
MEDIUM = {"gl": "14 de xan. de 2026", "ca": "14 de gen. 2026"}


async def seed(store: Store, tenants: dict[str, Seeded]) -> None:
    """One SOS of last January, still open, in the console's list."""
    mirador = tenants["mirador"]
    bar = {"code": mirador.point["code"], "label": mirador.point["label"]}
    doc = _ticket(700, CREATED, bar, "question", 15)
    doc |= {"id": TICKET, "status": "open", "resolved_at": None, "text": "Falta auga quente"}
    await store.insert(mirador.tenant["id"], "tickets", doc)


SERVED = Serve(slugs=("mirador",), seed=seed)


def _console(browser: Any, hub: LiveHub, lang: str, width: int = 1440, height: int = 900) -> Any:
    context, page, problems = staff_page(
        browser, hub, lang, f"/console?ticket={TICKET}", width, height, "agent"
    )
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return context, page, problems


@pytest.mark.parametrize("lang", ["gl", "ca"])
def test_the_console_writes_the_received_date_in_the_staff_language(
    browser: Any, live_hub: LiveHub, lang: str
) -> None:
    """The ticket's full date ("Received") and its card's short one name the month and the
    weekday in Galician (or Catalan), never in Spanish or English."""
    context, page, problems = _console(browser, live_hub, lang)
    try:
        full, foreign = FULL[lang]
        received = page.locator("#ticket-panel [data-f=created-full]")
        expect(received).to_contain_text(full)
        text = received.inner_text()
        assert not any(word in text for word in foreign), text
        card = page.locator(f'[data-ticket-id="{TICKET}"] .card-time')
        expect(card).to_contain_text(SHORT[lang])
        # the staff pages' shared helper (alerts, filters, users, held back) writes alike
        medium = page.evaluate(
            "async (at) => (await import('/static/js/lib/i18n.js')).when(at)", CREATED.isoformat()
        )
        assert MEDIUM[lang] in medium, medium
        assert problems == []
    finally:
        context.close()


@pytest.mark.parametrize(("lang", "day"), [("gl", "14 de xan."), ("ca", "14 de gen.")])
def test_the_customer_pages_write_days_in_the_guests_language(
    browser: Any, live_hub: LiveHub, lang: str, day: str
) -> None:
    """The QR form's scripts (its "your earlier messages" list, the thread's times) name the
    month in Galician or Catalan too."""
    with opened(browser, locale=lang, extra_http_headers={"Accept-Language": lang}) as context:
        page = context.new_page()
        page.goto(f"{live_hub.url}/q/{live_hub.seeded.point['code']}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.wait_for_function("() => window.sosWords && window.sosCalendar")
        written = page.evaluate(
            """(at) => window.sosWords.dates({ day: "numeric", month: "short",
              timeZone: "Europe/Madrid", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
              .format(new Date(at))""",
            CREATED.isoformat(),
        )
        assert written.startswith(day) and "11:00" in written, written
