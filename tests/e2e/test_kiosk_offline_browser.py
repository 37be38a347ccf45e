"""A kiosk on hotel Wi-Fi, in Chromium with its network cut (context.set_offline).

A guest's SOS written offline is kept in the browser, survives a reload, and reaches a
real staff socket exactly once when the network returns; an answer lost on the way is
retried and still makes one ticket.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import socketio
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.e2e.conftest import LiveHub

pytestmark = pytest.mark.browser
WAIT = 15.0


class StaffSocket:
    """A real /staff socket (an agent's API token), counting the tickets it is told of.

    python-socketio's asyncio client on a loop of its own thread: Playwright's sync API
    holds this thread's loop, and the sync client lacks a websocket transport here.
    """

    def __init__(self, url: str, token: str) -> None:
        self.created: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("ticket.created", self._created, namespace="/staff")
        self.run(
            self.sio.connect(
                url, namespaces=["/staff"], transports=["websocket"], auth={"token": token}
            )
        )

    def run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(WAIT)

    def close(self) -> None:
        self.run(self.sio.disconnect())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(WAIT)
        # A stopped loop still owns its self-pipe; closing it here keeps the garbage
        # collector from warning about it in whatever test runs next.
        self.loop.close()

    async def _created(self, payload: dict[str, Any]) -> None:
        with self.lock:
            self.created.append(payload)

    def texts(self) -> list[str]:
        with self.lock:
            return [str(p["text"]) for p in self.created]

    def wait_for(self, count: int, what: str) -> list[str]:
        deadline = time.monotonic() + WAIT
        while len(self.texts()) < count:
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.texts()}"
            time.sleep(0.05)
        return self.texts()


@pytest.fixture
def staff(live_hub: LiveHub) -> Iterator[StaffSocket]:
    socket = StaffSocket(live_hub.url, live_hub.seeded.tokens["agent"])
    try:
        yield socket
    finally:
        socket.close()


def new_kiosk(live_hub: LiveHub, name: str) -> dict[str, Any]:
    with httpx.Client(
        base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10
    ) as api:
        r = api.post("/api/v1/kiosks", json={"name": name, "point": live_hub.seeded.point["code"]})
        assert r.status_code == 201, r.text
        return dict(r.json())


def tickets_saying(live_hub: LiveHub, text: str) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10
    ) as api:
        items = api.get("/api/v1/tickets", params={"limit": 200}).json()["items"]
        return [t for t in items if t["text"] == text]


def tablet(browser: Browser, **options: Any) -> BrowserContext:
    return browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", has_touch=True, **options
    )


def write(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Send anonymously").check()
    page.get_by_role("button", name="Send").click()


def test_messages_written_offline_survive_a_reload_and_arrive_once_in_order(
    live_hub: LiveHub, browser: Browser, staff: StaffSocket
) -> None:
    kiosk = new_kiosk(live_hub, "Wi-Fi kiosk")
    context = tablet(browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(kiosk["pair_url"])
        expect(page.locator("#ready")).to_be_visible()
        # the service worker keeps the screen's copy: the page opens again offline
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller"
        )

        context.set_offline(True)
        first, second = "Offline one: the lift is stuck", "Offline two: no hot water in 12"
        write(page, first)
        saved = page.locator("#saved")
        expect(saved).to_be_visible()
        expect(saved).to_contain_text(
            "Saved on this kiosk; it will be sent as soon as the connection returns."
        )
        expect(page.locator("#offline-banner")).to_be_visible()
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 1")
        page.get_by_role("button", name="New message").click()
        write(page, second)
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 2")
        assert tickets_saying(live_hub, first) == [] and staff.texts() == []

        page.reload()  # offline: the service worker's copy, the queue from IndexedDB
        expect(page.locator("#ready")).to_be_visible()
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 2")
        send = page.get_by_role("button", name="Send").bounding_box()
        assert send is not None and send["y"] + send["height"] <= 800  # the line costs no Send
        assert staff.texts() == []

        context.set_offline(False)
        assert staff.wait_for(2, "the two kept messages") == [first, second]  # in order
        expect(page.locator("#offline-banner")).to_be_hidden()
        assert page.evaluate("() => navigator.onLine")
        # exactly once each, however often the kiosk retried
        assert [len(tickets_saying(live_hub, t)) for t in (first, second)] == [1, 1]
        assert staff.texts() == [first, second]
        assert errors == []
    finally:
        context.close()


def test_an_answer_lost_on_the_way_is_retried_and_makes_one_ticket(
    live_hub: LiveHub, browser: Browser, staff: StaffSocket
) -> None:
    kiosk = new_kiosk(live_hub, "Lossy kiosk")
    # no service worker here, so page.route sees the page's own requests
    context = tablet(browser, service_workers="block")
    keys: list[str | None] = []
    answers: list[int] = []

    def lose_the_first_answer(route: Route) -> None:
        keys.append(route.request.headers.get("idempotency-key"))
        if len(keys) == 1:
            response = route.fetch()  # the hub gets it and stores the ticket …
            answers.append(response.status)
            route.abort("connectionreset")  # … but the kiosk never hears back
        else:
            response = route.fetch()
            answers.append(response.status)
            route.fulfill(response=response)

    try:
        page = context.new_page()
        page.route("**/api/v1/kiosk/sos", lose_the_first_answer)
        page.goto(kiosk["pair_url"])
        expect(page.locator("#ready")).to_be_visible()
        text = "Lost answer: a guest fell on the stairs"
        write(page, text)
        # kept, sent again by itself, and the guest still at the screen sees the number
        expect(page.locator("#sent")).to_be_visible(timeout=20_000)
        number = page.locator("#sent-number").inner_text()
        assert staff.wait_for(1, "the ticket") == [text]
        [ticket] = tickets_saying(live_hub, text)
        assert number == f"#{ticket['number']}"
        assert answers == [201, 200]  # the retry found the ticket the lost answer was about
        assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
        assert staff.texts() == [text]
    finally:
        context.close()


def test_past_fifty_kept_messages_the_guest_is_sent_to_the_reception(
    live_hub: LiveHub, browser: Browser, staff: StaffSocket
) -> None:
    kiosk = new_kiosk(live_hub, "Full kiosk")
    context = tablet(browser, service_workers="block")
    try:
        page = context.new_page()
        page.goto(kiosk["pair_url"])
        expect(page.locator("#ready")).to_be_visible()
        context.set_offline(True)
        for n in range(50):  # a long outage on a busy evening
            page.get_by_label("Your message").fill(f"Kept number {n}")
            page.get_by_role("button", name="Send").click()
            expect(page.locator("#saved")).to_be_visible()
            page.get_by_role("button", name="New message").click()
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 50")
        page.get_by_label("Your message").fill("Number fifty-one")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#kiosk-error")).to_have_text(
            "This kiosk cannot keep more messages until the connection returns. "
            "Please ask at the reception."
        )
        expect(page.get_by_label("Your message")).to_have_value("Number fifty-one")  # kept
        expect(page.locator("#offline-waiting")).to_have_text("Messages waiting to be sent: 50")
        assert staff.texts() == []
    finally:
        context.close()


def kept_items(page: Page) -> list[dict[str, Any]]:
    """What the kiosk keeps for sending, read from its IndexedDB as the page stored it."""
    return list(
        page.evaluate(
            """() => new Promise((resolve, reject) => {
                const open = indexedDB.open("sos-hub-kiosk", 1);
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {
                    const all = open.result.transaction("pending").objectStore("pending").getAll();
                    all.onsuccess = () => { open.result.close(); resolve(all.result); };
                };
            })"""
        )
    )


def test_a_wrong_email_or_phone_is_told_to_the_guest_before_their_sos_is_kept_offline(
    live_hub: LiveHub, browser: Browser
) -> None:
    kiosk = new_kiosk(live_hub, "Checking kiosk")
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, locale="es-ES", has_touch=True
    )
    try:
        page = context.new_page()
        page.goto(kiosk["pair_url"])
        expect(page.locator("#ready")).to_be_visible()
        context.set_offline(True)
        text = "Sin conexión: el aire acondicionado de la 214 gotea"
        page.get_by_label("Tu mensaje").fill(text)
        email, phone = page.get_by_label("Correo electrónico"), page.get_by_label("Teléfono")
        email.fill("ana@hotel")  # the browser's own check takes it; the hub would not
        phone.fill("612")
        page.get_by_role("button", name="Enviar", exact=True).click()

        # told now, in the screen's language, next to each field: not kept to be refused later
        expect(page.locator("#kiosk-email-error")).to_have_text(
            "Este correo no parece correcto. Revísalo o déjalo en blanco."
        )
        expect(page.locator("#kiosk-phone-error")).to_be_visible()
        expect(email).to_have_attribute("aria-invalid", "true")
        expect(phone).to_have_attribute("aria-invalid", "true")
        expect(email).to_be_focused()
        expect(page.locator("#saved")).to_be_hidden()
        expect(page.locator("#offline-waiting")).to_be_hidden()
        assert kept_items(page) == []
        expect(page.get_by_label("Tu mensaje")).to_have_value(text)  # nothing the guest typed goes

        email.fill("ana@hotel.es")
        expect(page.locator("#kiosk-email-error")).to_be_hidden()
        phone.fill("612 345 678")
        page.get_by_role("button", name="Enviar", exact=True).click()
        expect(page.locator("#saved")).to_be_visible()
        [item] = kept_items(page)
        assert item["body"]["contact"]["email"] == "ana@hotel.es"

        context.set_offline(False)
        page.wait_for_function("() => navigator.onLine")
        expect(page.locator("#offline-banner")).to_be_hidden(timeout=WAIT * 1000)
        [ticket] = tickets_saying(live_hub, text)
        assert ticket["contact"]["email"] == "ana@hotel.es"
        assert ticket["contact"]["phone"].replace(" ", "").endswith("612345678")
    finally:
        context.close()


def test_a_kept_sos_whose_contact_the_hub_refuses_still_arrives_without_that_field(
    live_hub: LiveHub, browser: Browser, staff: StaffSocket
) -> None:
    kiosk = new_kiosk(live_hub, "Forgiving kiosk")
    context = tablet(browser)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(kiosk["pair_url"])
        expect(page.locator("#ready")).to_be_visible()
        context.set_offline(True)

        # An address only the hub can judge ("xn--zz" is punycode that does not decode):
        # the screen takes it, the hub will not.
        first = "Kept one: the sauna door is stuck"
        page.get_by_label("Your message").fill(first)
        page.get_by_label("Name").fill("Ana Pérez")
        page.get_by_label("E-mail").fill("ana@xn--zz.com")
        page.get_by_label("Phone").fill("+34 612 345 678")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#saved")).to_be_visible()

        # One kept by a page from before contact fields were checked (a kiosk updated while
        # its queue waited): a wrong e-mail and phone, next in the same pairing's line.
        second = "Kept two: nobody at the desk"
        [kept] = kept_items(page)
        page.evaluate(
            """([pairing, text]) => new Promise((resolve, reject) => {
                const open = indexedDB.open("sos-hub-kiosk", 1);
                open.onsuccess = () => {
                    const tx = open.result.transaction("pending", "readwrite");
                    tx.objectStore("pending").add({
                        key: "older-page-key-0001", at: Date.now(), pairing,
                        body: {text, anonymous: false, language: "en",
                               contact: {name: "Luis", email: "luis@", phone: "abc"}},
                    });
                    tx.oncomplete = () => { open.result.close(); resolve(); };
                    tx.onerror = () => reject(tx.error);
                };
            })""",
            [kept["pairing"], second],
        )
        context.set_offline(False)
        assert staff.wait_for(2, "both kept messages") == [first, second]  # none lost, in order
        [one] = tickets_saying(live_hub, first)
        [two] = tickets_saying(live_hub, second)
        # only the refused fields went; the rest of what the guest left stays
        assert one["contact"]["name"] == "Ana Pérez" and not one["contact"].get("email")
        assert one["contact"]["phone"].endswith("34612345678")
        assert two["contact"]["name"] == "Luis"
        assert not two["contact"].get("email") and not two["contact"].get("phone")
        # the first guest, still at the screen, is shown their number all the same
        expect(page.locator("#sent-number")).to_have_text(f"#{one['number']}")
        expect(page.locator("#offline-banner")).to_be_hidden()
        assert kept_items(page) == []
        assert errors == []
    finally:
        context.close()


def test_a_kept_sos_for_a_department_the_kiosk_no_longer_offers_still_arrives(
    live_hub: LiveHub, browser: Browser, staff: StaffSocket
) -> None:
    with httpx.Client(
        base_url=live_hub.url, headers=live_hub.seeded.auth("manager"), timeout=10
    ) as api:
        r = api.post(
            "/api/v1/kiosks",
            json={
                "name": "Bar kiosk",
                "point": live_hub.seeded.point["code"],
                "departments": ["bar"],
            },
        )
        assert r.status_code == 201, r.text
        kiosk = r.json()
        context = tablet(browser, service_workers="block")
        try:
            page = context.new_page()
            page.goto(kiosk["pair_url"])
            expect(page.locator("#ready")).to_be_visible()
            context.set_offline(True)
            page.get_by_role("button", name="Bar").click()
            text = "For the bar: a broken glass under table 7"
            write(page, text)
            expect(page.locator("#saved")).to_be_visible()
            # meanwhile the manager takes the department off this kiosk
            r = api.patch(f"/api/v1/kiosks/{kiosk['id']}", json={"departments": []})
            assert r.status_code == 200, r.text

            context.set_offline(False)
            assert staff.wait_for(1, "the kept message") == [text]
            [ticket] = tickets_saying(live_hub, text)
            assert ticket["kiosk"]["name"] == "Bar kiosk"  # at the kiosk's point, as any other
            expect(page.locator("#offline-banner")).to_be_hidden()
        finally:
            context.close()
