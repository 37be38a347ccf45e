"""A restaurant group with two restaurants, each with its own "Barra": staff tell them apart.

The console's cards, ticket panel and filters, the statistics by point, the guest's page,
the rules page and the access points page name the establishment beside the point once a
business has more than one, and let staff narrow to one of them.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Page, expect

from hub.accounts.services import create_point
from hub.ports import Store
from tests.e2e.conftest import LiveHub, staff_page
from tests.helpers import Seeded
from tests.kit import Serve, live_sos

pytestmark = pytest.mark.browser

PLAYA, CENTRO = "Sabores Playa", "Sabores Centro"


async def _two_restaurants(store: Store, tenants: dict[str, Seeded]) -> None:
    """Two restaurants with a "Barra" each; the beach one also has table coasters."""
    tenant = tenants["sabores"].tenant
    await create_point(
        store, tenant, code="playa-barra", label="Barra", department="Bar", establishment=PLAYA
    )
    await create_point(
        store, tenant, code="centro-barra", label="Barra", department="Bar", establishment=CENTRO
    )
    for n in (1, 2):
        await create_point(
            store,
            tenant,
            code=f"playa-mesa-{n}",
            label=f"Mesa {n}",
            establishment=PLAYA,
            kind="coaster",
        )


SERVED = Serve(slugs=("sabores",), seed=_two_restaurants)


def _sos(hub: LiveHub, point: str, text: str) -> dict[str, Any]:
    return live_sos(hub.url, hub.seeded, text, point=point, anonymous=True)


def _card(page: Page, number: int) -> Any:
    return page.locator(".ticket-card", has=page.locator(".card-num", has_text=f"#{number}"))


def test_the_console_names_each_restaurant_and_filters_by_it_kept_in_the_address(
    browser: Any, live_hub: LiveHub
) -> None:
    playa = _sos(live_hub, "playa-barra", "No queda hielo en la barra de la playa")
    centro = _sos(live_hub, "centro-barra", "La barra del centro está cerrada")
    context, page, problems = staff_page(browser, live_hub, "en", "/console", 1440, 900, "agent")
    playa_card, centro_card = _card(page, playa["number"]), _card(page, centro["number"])
    expect(playa_card.locator(".card-place")).to_have_text(f"Barra · {PLAYA}")
    expect(centro_card.locator(".card-place")).to_have_text(f"Barra · {CENTRO}")

    choice = page.get_by_label("Establishment")
    expect(choice.locator("option")).to_have_text(["All establishments", CENTRO, PLAYA])
    choice.select_option(label=PLAYA)
    expect(centro_card).to_have_count(0)
    expect(playa_card).to_be_visible()
    page.wait_for_url(re.compile(r"establishment=sabores-playa"))

    page.reload()  # the address keeps the filter, and the API's list honours it
    expect(page.get_by_label("Establishment")).to_have_value("sabores-playa")
    expect(playa_card).to_be_visible()
    expect(centro_card).to_have_count(0)
    # the point filter names the restaurant too: two "Barra" are two choices
    points = page.get_by_label("Access point").locator("option")
    expect(points.filter(has_text=f"Barra · {PLAYA}")).to_have_count(1)
    expect(points.filter(has_text=f"Barra · {CENTRO}")).to_have_count(1)

    playa_card.click()
    expect(page.locator('[data-f="place"]')).to_have_text(f"Barra · {PLAYA}")
    expect(page.locator('[data-f="place-full"]')).to_have_text(f"Barra · {PLAYA} (Bar)")
    assert problems == []
    context.close()

    token = live_hub.seeded.tokens["agent"]
    listed = httpx.get(
        f"{live_hub.url}/api/v1/tickets",
        params={"establishment": "sabores-centro"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["items"]
    assert [t["number"] for t in listed] == [centro["number"]]


def test_the_statistics_by_point_say_which_restaurant(browser: Any, live_hub: LiveHub) -> None:
    _sos(live_hub, "playa-barra", "Mucho ruido en la barra")
    _sos(live_hub, "centro-barra", "Tardan en servir")
    context, page, problems = staff_page(
        browser, live_hub, "es", "/admin/stats", 1440, 900, "manager"
    )
    table = page.locator("#chart-points table")
    expect(table).to_contain_text(f"Barra · {PLAYA}")
    expect(table).to_contain_text(f"Barra · {CENTRO}")
    assert problems == []
    context.close()


def test_the_guest_page_names_the_restaurant(browser: Any, live_hub: LiveHub) -> None:
    with_js = browser.new_context(locale="es", extra_http_headers={"Accept-Language": "es"})
    page = with_js.new_page()
    page.goto(f"{live_hub.url}/q/playa-barra")
    expect(page.locator(".brand .business")).to_have_text(live_hub.seeded.tenant["name"])
    expect(page.locator(".brand .place")).to_contain_text(f"Barra · {PLAYA}")
    # the one point outside any restaurant keeps its plain label
    page.goto(f"{live_hub.url}/q/sabores-bar")
    expect(page.locator(".brand .place")).to_have_text(re.compile(r"Bar terrace$"))
    with_js.close()


def test_a_rule_for_one_restaurant_round_trips_and_the_dry_run_honours_it(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "en", "/admin/rules", 1440, 900, "manager"
    )
    page.locator("#rule-name").fill("Beach bar staff")
    page.locator("#rule-establishments").get_by_label(PLAYA).check()
    row = page.locator("#recipients .recipient-row").first
    row.locator('[data-k="to"]').fill("playa@example.com")
    row.locator('[data-k="name"]').fill("Beach team")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#rule-status")).to_have_text("Saved.")

    auth = {"Authorization": f"Bearer {live_hub.seeded.tokens['manager']}"}
    rules = httpx.get(f"{live_hub.url}/api/v1/rules", headers=auth).json()["items"]
    saved = next(r for r in rules if r["name"] == "Beach bar staff")
    assert saved["match"]["establishments"] == ["sabores-playa"]

    page.reload()
    page.locator("#rule-list .rule-item", has_text="Beach bar staff").click()
    expect(page.locator("#rule-establishments").get_by_label(PLAYA)).to_be_checked()
    expect(page.locator("#rule-establishments").get_by_label(CENTRO)).not_to_be_checked()

    tester = page.get_by_label("Access point")
    page.get_by_label("Text", exact=True).fill("Se ha roto un vaso")
    tester.select_option(label=f"Barra · {PLAYA}")
    page.get_by_role("button", name="Who would get it?").click()
    expect(page.locator("#test-result")).to_contain_text("Beach team")
    tester.select_option(label=f"Barra · {CENTRO}")
    page.get_by_role("button", name="Who would get it?").click()
    expect(page.locator("#test-result")).not_to_contain_text("Beach team")
    expect(page.locator("#test-result")).to_contain_text("Nobody")
    assert problems == []
    context.close()
    assert httpx.delete(f"{live_hub.url}/api/v1/rules/{saved['id']}", headers=auth).is_success


def _print_query(page: Page) -> dict[str, list[str]]:
    """What "Print" would ask the print API for (the form's fields, as the browser sends them)."""
    query = page.locator("#print-form").evaluate(
        "f => new URLSearchParams(new FormData(f)).toString()"
    )
    return parse_qs(str(query))


def test_the_points_page_narrows_to_a_restaurant_or_a_search_and_prints_what_it_shows(
    browser: Any, live_hub: LiveHub
) -> None:
    context, page, problems = staff_page(
        browser, live_hub, "en", "/admin/points", 1440, 900, "manager"
    )
    expect(page.locator(".point-card")).to_have_count(5)
    # each point in the format of its kind unless one paper is chosen
    expect(page.get_by_label("Print as")).to_have_value("own")
    assert _print_query(page)["format"] == ["own"]
    filters = page.locator("#point-filter")
    filters.get_by_label("Establishment").select_option(label=PLAYA)
    filters.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"establishment=sabores-playa"))
    cards = page.locator(".point-card")
    expect(cards).to_have_count(3)
    expect(page.locator("#point-centro-barra")).to_have_count(0)
    expect(page.locator("#point-count")).to_have_text("3 of 5 access points shown")
    assert sorted(_print_query(page)["points"][0].split(",")) == [
        "playa-barra",
        "playa-mesa-1",
        "playa-mesa-2",
    ]
    page.get_by_label("Print as").select_option("coaster")
    with page.expect_popup() as popup:
        page.get_by_role("button", name="Print all shown").click()
    asked = urlsplit(popup.value.url)
    assert asked.path == "/api/v1/print"
    assert parse_qs(asked.query)["format"] == ["coaster"]
    popup.value.close()

    filters.get_by_label("Search").fill("mesa 2")
    filters.get_by_role("button", name="Show").click()
    expect(cards).to_have_count(1)
    expect(page.locator("#point-playa-mesa-2")).to_be_visible()
    assert problems == []
    context.close()

    # the same list without JavaScript: the form is a plain GET
    with_no_js = browser.new_context(java_script_enabled=False)
    try:
        plain = with_no_js.new_page()
        plain.goto(f"{live_hub.url}/login?next=/admin/points")
        plain.locator('input[name="email"]').fill(str(live_hub.seeded.users["manager"]["email"]))
        plain.locator('input[name="password"]').fill(live_hub.password)
        plain.locator('button[type="submit"]').click()
        plain.wait_for_url("**/admin/points")
        plain.locator("#pf-establishment").select_option("sabores-centro")
        plain.locator("#point-filter button[type=submit]").click()
        expect(plain.locator(".point-card")).to_have_count(1)
        expect(plain.locator("#point-centro-barra")).to_be_visible()
    finally:
        with_no_js.close()
