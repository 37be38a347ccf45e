"""A manager sets up a threshold alert on /admin/alerts, in Spanish: a zero count is refused
next to its field in the page's language, a good alert is saved and listed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveHub, send_login

pytestmark = pytest.mark.browser


def _manager(browser: Any, hub: LiveHub, lang: str) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(locale=lang, extra_http_headers={"Accept-Language": lang})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{hub.url}/login?next=/admin/alerts")
    send_login(page, str(hub.seeded.users["manager"]["email"]), hub.password)
    page.wait_for_url("**/admin/alerts")
    return context, page, problems


def _alerts(hub: LiveHub) -> list[dict[str, Any]]:
    token = hub.seeded.tokens["manager"]
    r = httpx.get(f"{hub.url}/api/v1/alerts", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_manager_creates_an_alert_after_a_zero_count_is_refused_in_spanish(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _manager(browser, live_hub, "es")
    expect(page.get_by_role("heading", name="Alertas", exact=True)).to_be_visible()
    expect(page.locator('.staff-nav a[href="/admin/alerts"]')).to_have_attribute(
        "aria-current", "page"
    )
    page.get_by_label("Nombre", exact=True).first.fill("Terraza llena")
    page.get_by_label("Cuántos SOS").fill("0")
    row = page.locator("#recipients .recipient-row").first
    row.locator('[data-k="to"]').fill("jefa@mirador.example")
    page.get_by_role("button", name="Guardar alerta").click()

    count = page.get_by_label("Cuántos SOS")
    expect(count).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#alert-count-error")).to_contain_text("al menos 2 SOS")
    expect(count).to_be_focused()
    assert _alerts(live_hub) == []

    # The server's refusal (a recipient that is no address) comes back in Spanish too.
    count.fill("3")
    row.locator('[data-k="to"]').fill("no-es-un-correo")
    page.get_by_role("button", name="Guardar alerta").click()
    expect(page.locator("#alert-error")).to_contain_text("Revisa este destinatario")
    expect(row.locator('[data-k="to"]')).to_have_attribute("aria-invalid", "true")
    assert _alerts(live_hub) == []

    row.locator('[data-k="to"]').fill("jefa@mirador.example")
    page.get_by_label("En (minutos)").fill("15")
    page.get_by_label("En el punto de acceso").select_option(live_hub.seeded.point["code"])
    page.get_by_label("De la categoría").select_option("complaint")
    page.get_by_role("button", name="Guardar alerta").click()
    expect(page.locator("#alert-status")).to_have_text("Guardado.")
    expect(page.locator("#alert-list")).to_contain_text("Terraza llena")
    expect(page.locator("#alert-list")).to_contain_text("3 SOS en 15 min")
    expect(page.locator("#alert-list")).to_contain_text("aún no ha saltado")

    [saved] = _alerts(live_hub)
    assert saved["name"] == "Terraza llena" and saved["count"] == 3 and saved["minutes"] == 15
    assert saved["point"] == live_hub.seeded.point["code"] and saved["category"] == "complaint"
    assert saved["recipients"][0]["to"] == "jefa@mirador.example"

    page.on("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Eliminar").click()
    expect(page.locator("#alert-status")).to_have_text("Eliminada.")
    assert _alerts(live_hub) == []
    # the one refused save shows in the console as a failed request; nothing else went wrong
    assert [p for p in problems if "status of 400" not in p] == []
    context.close()
