"""A manager writes a routing rule on the admin page and asks who would get an SOS."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, log_in, send_login

pytestmark = pytest.mark.browser


def test_a_manager_saves_a_night_rule_and_the_dry_run_names_its_recipient(
    browser: Any, live_hub: LiveHub
) -> None:
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_hub, "manager", "/login?next=/admin/rules")
    expect(page.get_by_role("heading", name="Routing rules", exact=True)).to_be_visible()
    # the empty form is for a new rule; once saved, it edits that rule
    expect(page.locator("#editor-heading")).to_have_text("New rule")

    page.get_by_label("Name", exact=True).first.fill("Weekend nights")
    page.get_by_label("Always").uncheck()
    page.get_by_label("Sat").check()
    page.get_by_label("Sun").check()
    page.get_by_label("From").fill("22:00")
    page.get_by_label("To", exact=True).fill("06:00")
    row = page.locator("#recipients .recipient-row").first
    # the address's example follows the channel: an e-mail for e-mail, a number for SMS
    expect(row.locator('[data-k="to"]')).to_have_attribute("placeholder", "ana@example.com")
    row.locator('[data-k="channel"]').select_option("sms")
    expect(row.locator('[data-k="to"]')).to_have_attribute("placeholder", "+34600111222")
    row.locator('[data-k="to"]').fill("+34600111222")
    row.locator('[data-k="name"]').fill("Night manager")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-status")).to_have_text("Saved.")
    expect(page.locator("#rule-list")).to_contain_text("Weekend nights")
    expect(page.locator("#editor-heading")).to_have_text("Edit rule")
    page.locator("#new-rule").click()
    expect(page.locator("#editor-heading")).to_have_text("New rule")
    page.locator("#rule-list .rule-item", has_text="Weekend nights").click()
    expect(page.locator("#editor-heading")).to_have_text("Edit rule")

    # Stored for real, as the API shows it.
    token = live_hub.seeded.tokens["manager"]
    rules = httpx.get(
        f"{live_hub.url}/api/v1/rules", headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    saved = next(r for r in rules if r["name"] == "Weekend nights")
    assert saved["schedule"]["weekdays"] == [6, 7]
    assert saved["recipients"] == [
        {"channel": "sms", "to": "+34600111222", "name": "Night manager", "language": "es"}
    ]

    page.get_by_label("Text", exact=True).fill("Music too loud")
    page.get_by_role("button", name="Sunday at 23:00").click()
    expect(page.locator("#test-result")).to_contain_text("Night manager")
    page.get_by_label("When (local time; empty: now)").fill("2026-11-25T12:00")
    page.get_by_role("button", name="Who would get it?").click()
    expect(page.locator("#test-result")).not_to_contain_text("Night manager")

    # a rule on a category answers for the category staff would confirm, tried from the page
    rule = {
        "name": "Claims desk",
        "match": {"categories": ["claim"]},
        "recipients": [{"channel": "email", "to": "claims@example.com", "name": "Claims desk"}],
    }
    auth = {"Authorization": f"Bearer {token}"}
    r = httpx.post(f"{live_hub.url}/api/v1/rules", json=rule, headers=auth)
    assert r.status_code == 201, r.text
    page.get_by_label("Text", exact=True).fill("La ducha sigue sin funcionar")
    page.get_by_role("button", name="Who would get it?").click()
    expect(page.locator("#test-result")).not_to_contain_text("Claims desk")
    page.get_by_label("Category confirmed by staff").select_option("claim_repeated")
    page.get_by_role("button", name="Who would get it?").click()
    expect(page.locator("#test-result")).to_contain_text("Claims desk")
    assert httpx.delete(f"{live_hub.url}/api/v1/rules/{r.json()['id']}", headers=auth).is_success
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_a_bad_phone_number_is_refused_with_the_field_named_and_nothing_saved(
    browser: Any, live_hub: LiveHub
) -> None:
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    log_in(page, live_hub, "manager", "/login?next=/admin/rules")
    row = page.locator("#recipients .recipient-row").first
    expect(row).to_be_visible()  # the page's script has given the rule its first recipient row
    page.get_by_label("Name", exact=True).first.fill("Broken number")
    row.locator('[data-k="channel"]').select_option("sms")
    row.locator('[data-k="to"]').fill("600-11")
    page.get_by_role("button", name="Save rule").click()
    # named in the page's words, next to the recipient that is wrong
    expect(page.locator("#rule-error")).to_contain_text("Check this recipient")
    expect(page.locator("#rule-list")).not_to_contain_text("Broken number")
    context.close()


def test_an_agent_gets_a_clear_refusal_on_the_rules_page(browser: Any, live_hub: LiveHub) -> None:
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    log_in(page, live_hub, "agent", "/login?next=/admin/rules")
    expect(page.locator("body")).to_contain_text("This page is for managers.")
    context.close()


def test_a_department_gone_since_the_page_loaded_is_refused_next_to_the_departments(
    browser: Any, live_hub: LiveHub
) -> None:
    """Another manager deletes a department while this one writes a rule on it: saved, the
    rule would never fire; refused instead, in the page's language, by the departments."""
    auth = {"Authorization": f"Bearer {live_hub.seeded.tokens['manager']}"}
    r = httpx.post(f"{live_hub.url}/api/v1/departments", json={"name": "Sauna"}, headers=auth)
    assert r.status_code == 201, r.text
    slug = r.json()["slug"]
    context = browser.new_context(locale="es-ES", extra_http_headers={"Accept-Language": "es"})
    page = context.new_page()
    page.goto(f"{live_hub.url}/login?next=/admin/rules")
    send_login(page, str(live_hub.seeded.users["manager"]["email"]), live_hub.password)
    box = page.locator(f'input[name="departments"][value="{slug}"]')
    expect(box).to_be_visible()
    assert httpx.delete(f"{live_hub.url}/api/v1/departments/{slug}", headers=auth).is_success

    page.locator("#rule-name").fill("Sauna nights")
    box.check()
    page.locator('#recipients .recipient-row [data-k="to"]').first.fill("sauna@example.com")
    page.locator("#rule-form button[type=submit]").click()
    said = "Uno de los departamentos que elegiste ya no existe"
    expect(page.locator("#rule-error")).to_contain_text(said)
    expect(page.locator("#rule-departments")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rule-departments + .field-error")).to_contain_text(said)
    rules = httpx.get(f"{live_hub.url}/api/v1/rules", headers=auth).json()["items"]
    assert "Sauna nights" not in [rule["name"] for rule in rules]
    context.close()
