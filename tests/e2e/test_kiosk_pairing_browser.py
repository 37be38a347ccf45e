"""A kiosk's kept messages never cross businesses, in Chromium.

A tablet paired to one business keeps its guests' messages while it cannot send them
(IndexedDB, static/js/kiosk-queue.js). Paired again to another business, or unpaired and
then paired again, it must never hand that business the first one's guests' words: the
queue is deleted on unpair and re-pair, and an item kept by another pairing is never sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.kit import Serve, Served, serve

pytestmark = pytest.mark.browser

COUNT_KEPT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open("sos-hub-kiosk", 1);
  open.onupgradeneeded = () =>
    open.result.createObjectStore("pending", {keyPath: "n", autoIncrement: true});
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const count = db.transaction("pending", "readonly").objectStore("pending").count();
    count.onsuccess = () => { db.close(); resolve(count.result); };
  };
})"""

NOTHING_KEPT = f"async () => (await ({COUNT_KEPT})()) === 0"

KEEP_FOREIGN = """(text) => new Promise((resolve, reject) => {
  const open = indexedDB.open("sos-hub-kiosk", 1);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction("pending", "readwrite");
    tx.objectStore("pending").add({
      key: "foreign-key-0001", at: Date.now(), pairing: "p-another-pairing",
      body: {text: text, anonymous: true, language: "en"}
    });
    tx.oncomplete = () => { db.close(); resolve(true); };
  };
})"""


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One hub serving two businesses: the hotel the tablet was at, and the next one."""
    with serve(Serve(slugs=("mirador", "lindero")), tmp_path_factory.mktemp("hub")) as served:
        yield served


def api(served: Served, slug: str) -> httpx.Client:
    return httpx.Client(
        base_url=served.url, headers=served.tenants[slug].auth("manager"), timeout=10
    )


def new_kiosk(served: Served, slug: str, name: str) -> dict[str, Any]:
    with api(served, slug) as client:
        point = served.tenants[slug].point["code"]
        r = client.post("/api/v1/kiosks", json={"name": name, "point": point})
        assert r.status_code == 201, r.text
        return dict(r.json())


def texts(served: Served, slug: str) -> list[str]:
    """Every SOS the business got, those a filter held back (quarantined) included."""
    found = []
    with api(served, slug) as client:
        queries: list[dict[str, str | int]] = [{}, {"status": "quarantined"}]
        for query in queries:
            r = client.get("/api/v1/tickets", params={"limit": 200, **query})
            assert r.status_code == 200, r.text
            found += [str(t["text"]) for t in r.json()["items"]]
    return found


def tablet(browser: Browser) -> BrowserContext:
    # no service worker, so page.route sees the page's own requests
    return browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="en-GB",
        has_touch=True,
        service_workers="block",
    )


def write(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Send anonymously").check()
    page.get_by_role("button", name="Send").click()


def hub_busy_for(token: str) -> Any:
    """A route that answers 503 to one kiosk's submissions (kept and retried) only."""

    def handle(route: Route) -> None:
        if route.request.headers.get("authorization") == f"Bearer {token}":
            route.fulfill(
                status=503,
                headers={"Retry-After": "5", "Content-Type": "application/json"},
                body='{"error": {"code": "store_unavailable", "message": "busy"}}',
            )
        else:
            route.continue_()

    return handle


def sent_on(page: Page, text: str) -> None:
    """A guest writes on the screen and sees the number: it reached the hub."""
    write(page, text)
    expect(page.locator("#sent")).to_be_visible()
    expect(page.locator("#sent-number")).to_have_text(re.compile(r"^#\d+$"))


def test_a_kiosk_paired_again_to_another_business_never_sends_it_the_first_ones_messages(
    two: Served, browser: Browser
) -> None:
    first = new_kiosk(two, "mirador", "Mirador hall")
    second = new_kiosk(two, "lindero", "Lindero hall")
    context = tablet(browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route("**/api/v1/kiosk/sos", hub_busy_for(first["device_token"]))
        page.goto(first["pair_url"])
        expect(page.locator("#brand-name")).to_have_text("Business mirador")
        kept = "Mirador guest: my passport is in room 214, call me on 600111222"
        write(page, kept)
        expect(page.locator("#saved")).to_be_visible()  # kept on the tablet
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 1")
        assert page.evaluate(COUNT_KEPT) == 1

        # the tablet goes to the next hotel: its pairing link opened on the same screen
        page.goto(second["pair_url"])
        expect(page.locator("#brand-name")).to_have_text("Business lindero")
        expect(page.locator("#offline-waiting")).to_be_hidden()
        assert page.evaluate(COUNT_KEPT) == 0  # the first hotel's guest's words are gone
        fresh = "Lindero guest: the sauna door is jammed"
        sent_on(page, fresh)  # sent at once: nothing was waiting before it
        assert texts(two, "lindero") == [fresh]
        assert kept not in texts(two, "mirador")  # deleted unsent, never sent anywhere

        # an item some other pairing left behind (an older page, a failed delete) is
        # deleted unsent when the queue loads, never sent with this kiosk's token
        foreign = "Another pairing's guest: room 9 needs a doctor"
        page.evaluate(KEEP_FOREIGN, foreign)
        page.reload()
        expect(page.locator("#brand-name")).to_have_text("Business lindero")
        page.wait_for_function(NOTHING_KEPT)
        expect(page.locator("#offline-waiting")).to_be_hidden()
        also = "Lindero guest: no towels at the pool"
        write(page, also)
        expect(page.locator("#sent")).to_be_visible()
        assert sorted(texts(two, "lindero")) == sorted([fresh, also])
        assert errors == []
    finally:
        context.close()


def test_an_unpaired_kiosk_deletes_what_it_kept_before_it_is_paired_again(
    two: Served, browser: Browser
) -> None:
    first = new_kiosk(two, "mirador", "Mirador terrace")
    second = new_kiosk(two, "lindero", "Lindero terrace")
    context = tablet(browser)
    try:
        page = context.new_page()
        page.route("**/api/v1/kiosk/sos", hub_busy_for(first["device_token"]))
        page.goto(first["pair_url"])
        expect(page.locator("#brand-name")).to_have_text("Business mirador")
        kept = "Mirador guest: lost my daughter's inhaler by the pool"
        write(page, kept)
        expect(page.locator("#saved")).to_be_visible()
        assert page.evaluate(COUNT_KEPT) == 1

        with api(two, "mirador") as client:  # the hotel gives the tablet back: unpaired
            assert client.delete(f"/api/v1/kiosks/{first['id']}").status_code == 204
        expect(page.locator("#unpaired")).to_be_visible()
        page.wait_for_function(NOTHING_KEPT)
        # nothing is kept here any more: no "messages are kept on this kiosk" banner either
        expect(page.locator("#offline-banner")).to_be_hidden()

        page.goto(second["pair_url"])
        expect(page.locator("#brand-name")).to_have_text("Business lindero")
        expect(page.locator("#offline-waiting")).to_be_hidden()
        fresh = "Lindero guest: a wasp nest above table 4"
        sent_on(page, fresh)
        assert fresh in texts(two, "lindero") and kept not in texts(two, "lindero")
        assert kept not in texts(two, "mirador")
    finally:
        context.close()
