"""A hub whose public address is this computer's own (http://127.0.0.1:PORT, as a hub run
without HUB_PUBLIC_URL has): the manager is told before printing posters no guest's phone
could open, a test print still downloads, the checklist's print step stays to do; and a
browser that opened the hub as http://localhost:PORT gets its live updates."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveHub, opened, send_login, staff_page
from tests.kit import fresh_text, sos_body

pytestmark = pytest.mark.browser


def _warning(page: Page) -> Any:
    return page.get_by_role("note").filter(has=page.locator("#address-warning-title"))


def test_the_points_page_warns_before_printing_and_a_test_print_still_downloads(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "es", "/admin/points", 390, 844, "manager"
    )
    try:
        warning = _warning(page)
        expect(warning).to_be_visible()
        expect(warning.get_by_role("heading")).to_have_text(
            "Los móviles de los clientes no pueden abrir tus códigos QR"
        )
        expect(warning.locator("code")).to_have_text(live_hub.url)  # what the QR codes carry
        expect(warning).to_contain_text("HUB_PUBLIC_URL")
        expect(warning).to_contain_text("The public address")  # the README's section
        # above the print buttons, read before them
        warning_box = warning.bounding_box()
        print_box = page.locator("#print-selected").bounding_box()
        assert warning_box and print_box and warning_box["y"] < print_box["y"]

        link = page.locator(".point-card").first.get_by_role("link", name="Imprimir")
        pdf = page.request.get(f"{live_hub.url}{link.get_attribute('href')}")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"

        # printed, yet the checklist's step is still to do, and says why
        page.goto(f"{live_hub.url}/admin/start")
        step = page.locator('.check-step[data-key="print"]')
        expect(step).to_have_attribute("data-done", "false")
        expect(step.locator("[data-state]")).to_have_text("Pendiente")
        expect(_warning(page)).to_have_count(1)
        expect(step.get_by_role("note")).to_contain_text(live_hub.url)
        assert problems == []
    finally:
        context.close()


def test_the_checklist_step_warns_in_english_on_a_wide_screen(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "en", "/admin/start", 1440, 900, "manager"
    )
    try:
        step = page.locator('.check-step[data-key="print"]')
        note = step.get_by_role("note")
        expect(note.get_by_role("heading", level=3)).to_have_text(
            "Guests' phones cannot open your QR codes"
        )
        expect(note).to_contain_text("It is this computer's own address")
        expect(page.locator('.check-step:not([data-key="print"]) [role="note"]')).to_have_count(0)
        assert problems == []
    finally:
        context.close()


def test_a_console_opened_at_localhost_gets_its_live_updates(
    browser: Any, live_hub: LiveHub
) -> None:
    here = live_hub.url.replace("127.0.0.1", "localhost")  # the public URL says 127.0.0.1
    with opened(browser, locale="en", viewport={"width": 1440, "height": 900}) as context:
        page = context.new_page()
        page.goto(f"{here}/login?next=/console")
        send_login(page, live_hub.agent_email, live_hub.password)
        page.wait_for_url(f"{here}/console")
        expect(page.locator("#main")).to_have_attribute("data-connection", "live")
        text = fresh_text()
        body = sos_body(live_hub.seeded, text=text)
        r = httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=30)
        assert r.status_code == 201, r.text
        expect(page.get_by_text(text).first).to_be_visible()  # pushed, not reloaded
