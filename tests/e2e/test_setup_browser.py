"""A manager sets the business up in a real browser: an access point made from the form, its
QR preview read back to its link, a refused code marked by its field; the settings in Spanish."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveHub, send_login

pytestmark = pytest.mark.browser


def _manager(browser: Any, hub: LiveHub, lang: str, path: str) -> tuple[Any, Page, list[str]]:
    context = browser.new_context(
        locale=lang, extra_http_headers={"Accept-Language": lang}, device_scale_factor=2
    )
    page = context.new_page()
    problems: list[str] = []
    # A refused request is logged by the browser as a failed load: expected here, not a fault.
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{hub.url}/login?next={path}")
    send_login(page, str(hub.seeded.users["manager"]["email"]), hub.password)
    page.wait_for_url(f"**{path}")
    return context, page, problems


def test_a_manager_creates_a_point_sees_its_qr_and_link_and_a_bad_code_is_marked(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _manager(browser, live_hub, "en", "/admin/points")
    expect(page.locator('.staff-nav a[aria-current="page"]')).to_have_text("Access points")
    page.get_by_text("New access point").click()  # folded away once the business has points
    form = page.locator("#point-create")
    code = form.get_by_label("Code")
    code.fill("terrace 7")  # a space: refused
    form.get_by_label("Label · Español").fill("Terraza, mesa 7")
    form.get_by_label("Label · English").fill("Terrace, table 7")
    form.get_by_label("Printed as").select_option("table-tent")
    form.get_by_label("Department").select_option("bar")
    form.get_by_role("button", name="Create the access point").click()
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_attribute("aria-describedby", "new-code-help new-code-error")
    expect(page.locator("#new-code-error")).to_have_text(
        "1 to 40 letters, digits, - or _: no spaces or accents."
    )
    expect(code).to_be_focused()
    expect(page.locator("#point-terrace-7")).to_have_count(0)

    code.fill("terrace-7")
    form.get_by_role("button", name="Create the access point").click()
    expect(page.locator("#flash")).to_have_text(
        "Access point created. Its QR code is ready to print."
    )
    card = page.locator("#point-terrace-7")
    url = f"{live_hub.url}/q/terrace-7"
    expect(card.locator(".point-label")).to_have_text("Terraza, mesa 7")
    expect(card.locator(".point-url")).to_have_attribute("href", url)
    expect(card.locator(".point-meta")).to_contain_text("Table tent")
    expect(card.get_by_role("link", name="Print")).to_have_attribute(
        "href", "/api/v1/points/terrace-7/print?format=table-tent&type=pdf"
    )
    card.get_by_label("Select for printing").check()
    # printed alone, each point in the format of its kind unless one paper is chosen
    expect(page.locator("#print-points")).to_have_value("terrace-7")
    expect(page.get_by_label("Print as")).to_have_value("own")
    expect(page.locator("#print-selected")).to_have_text("Print the 1 selected")
    # The preview, as the manager sees it on the screen, reads back to the point's link.
    qr = card.get_by_role("img", name="QR code of terrace-7")
    qr.scroll_into_view_if_needed()
    expect(qr).to_have_js_property("complete", True)
    shot = Image.open(io.BytesIO(qr.screenshot()))
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == [url]

    # Deactivated: the card says so, and the QR link shows the page for inactive codes.
    page.once("dialog", lambda dialog: dialog.accept())
    card.get_by_role("button", name="Deactivate").click()
    expect(page.locator("#flash")).to_contain_text("Deactivated")
    expect(page.locator("#point-terrace-7 .badge-off")).to_be_visible()
    page.goto(f"{url}?lang=en")
    expect(page.get_by_role("heading", name="This code is not active")).to_be_visible()
    assert problems == []
    context.close()


def test_the_settings_page_speaks_spanish_and_marks_a_bad_time_zone_by_its_field(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = _manager(browser, live_hub, "es", "/admin/settings")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", name="Ajustes", exact=True)).to_be_visible()
    form = page.locator("#business-form")
    zone = form.get_by_label("Zona horaria")
    zone.fill("Marte/Olimpo")
    form.get_by_label("Compromiso de respuesta (horas)").fill("12")
    form.get_by_role("button", name="Guardar ajustes").click()
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#b-timezone-error")).to_have_text(
        "No conocemos esa zona horaria: elige una de la lista, como Europe/Madrid."
    )

    zone.fill("Atlantic/Canary")
    form.get_by_label("Siempre abierto").uncheck()
    row = form.locator("[data-row]").first
    row.get_by_label("Desde").fill("09:00")
    row.get_by_label("Hasta").fill("00:00")  # midnight
    form.get_by_role("button", name="Guardar ajustes").click()
    expect(page.locator("#flash")).to_have_text("Guardado.")

    departments = page.locator("#department-new")
    departments.get_by_label("Nombre · Español").fill("Recepción")
    departments.get_by_label("Nombre · English").fill("Front desk")
    departments.get_by_role("button", name="Añadir").click()
    expect(page.locator("#flash")).to_have_text("Añadido.")
    expect(page.locator("#department-recepcion summary")).to_contain_text("Recepción")

    token = live_hub.seeded.tokens["manager"]
    saved = httpx.get(
        f"{live_hub.url}/api/v1/tenant", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert (saved["timezone"], saved["sla_hours"]) == ("Atlantic/Canary", 12)
    assert saved["opening_hours"] == [{"weekdays": [1, 2, 3, 4, 5], "from": "09:00", "to": "24:00"}]
    assert problems == []
    context.close()


def test_a_manager_s_checklist_asks_an_admin_to_invite_and_still_ticks_its_other_steps(
    browser: Any, live_hub: LiveHub
) -> None:
    """Inviting is the admins': the step shows whom to ask instead of a button to a page the
    manager cannot open, and the page keeps ticking the steps after it as they get done."""
    context, page, problems = _manager(browser, live_hub, "ca", "/admin/start")
    staff = page.locator('[data-key="staff"]')
    expect(staff).to_contain_text("Només un administrador pot convidar companys: demana-ho al teu.")
    expect(staff.get_by_role("link")).to_have_count(0)
    expect(page.locator('a[href="/admin/users"]')).to_have_count(0)
    # a first SOS arrives while the page is open: coming back to it ticks the last step
    sos = {
        "point": live_hub.seeded.point["code"],
        "text": "Falten tovalloles a la 12",
        "anonymous": True,
    }
    assert httpx.post(f"{live_hub.url}/api/v1/sos", json=sos, timeout=10).status_code == 201
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(page.locator('[data-key="sos"]')).to_have_attribute("data-done", "true")
    expect(staff).to_have_attribute("data-done", "true")
    assert problems == []
    context.close()
