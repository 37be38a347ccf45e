"""A kiosk goes silent, the clock moves, the console flags it and the managers get one
e-mail each; it comes back, and the flag goes.

The hub here runs under uvicorn in a thread of this process (not a subprocess) so the
test can move its kiosk watch's clock (hub.clock.SteppedClock) instead of waiting ten
minutes; everything else is real: SQLite, sockets, Chromium, aiosmtpd.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, expect

from hub.app import create_app
from hub.clock import SteppedClock
from hub.settings import Settings
from hub.store.sqlite import SqliteStore
from tests.helpers import PASSWORD, Seeded, free_port, seed_tenant
from tests.integration.smtp_server import SmtpServer

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/kiosk")


@dataclass
class ThreadHub:
    url: str
    seeded: Seeded
    clock: SteppedClock
    smtp: SmtpServer


async def _seed(db: Path) -> Seeded:
    store = SqliteStore(db)
    await store.open()
    try:
        return await seed_tenant(store, "mirador")
    finally:
        await store.close()


@pytest.fixture
def thread_hub(tmp_path: Path) -> Iterator[ThreadHub]:
    db = tmp_path / "hub.db"
    with ThreadPoolExecutor(1) as pool:  # Playwright may hold this thread's loop
        seeded = pool.submit(asyncio.run, _seed(db)).result()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with SmtpServer() as smtp:
        settings = Settings.from_env(
            {
                "HUB_DATABASE_URL": f"sqlite:///{db}",
                "HUB_PUBLIC_URL": url,
                "HUB_SECRET_KEY": "test-secret",
                "HUB_RATE_LIMITS": "off",
                "HUB_INSECURE_COOKIES": "1",
                "HUB_LANGUAGE_DETECTION": "off",
                "HUB_TRANSLATE_PROVIDER": "none",
                "HUB_KIOSK_CHECK_EVERY": "0.3",
                **smtp.env(),
            }
        )
        clock = SteppedClock()
        the_hub = create_app(settings, clock=clock)
        server = uvicorn.Server(
            uvicorn.Config(
                the_hub.asgi,
                host="127.0.0.1",
                port=port,
                lifespan="on",
                ws="websockets-sansio",
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.05)
        try:
            yield ThreadHub(url, seeded, clock, smtp)
        finally:
            server.should_exit = True
            thread.join(20)


def mails(smtp: SmtpServer, count: int) -> list[Any]:
    """Wait until aiosmtpd holds `count` e-mails; fail after 15 s."""
    deadline = time.monotonic() + 15
    while len(smtp.messages) < count:
        assert time.monotonic() < deadline, f"expected {count} e-mails, got {len(smtp.messages)}"
        time.sleep(0.05)
    return list(smtp.messages)


def statuses(hub: ThreadHub) -> list[dict[str, Any]]:
    r = httpx.get(f"{hub.url}/api/v1/kiosks/status", headers=hub.seeded.auth("agent"))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_silent_kiosk_is_flagged_on_the_console_and_mailed_once_then_back(
    thread_hub: ThreadHub, browser: Browser
) -> None:
    hub = thread_hub
    r = httpx.post(
        f"{hub.url}/api/v1/kiosks",
        headers=hub.seeded.auth("manager"),
        json={"name": "Hall kiosk", "point": hub.seeded.point["code"], "offline_minutes": 10},
    )
    assert r.status_code == 201, r.text
    kiosk = r.json()

    office = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")
    hall = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    try:
        console = office.new_page()
        console.goto(f"{hub.url}/login?next=/console")
        console.get_by_label("E-mail").fill(str(hub.seeded.users["agent"]["email"]))
        console.get_by_label("Password").fill(PASSWORD)
        console.get_by_role("button", name="Log in").click()
        expect(console.locator("#connection")).to_have_attribute("data-state", "live")
        alerts = console.locator("#kiosk-alerts")
        expect(alerts).to_be_hidden()

        screen = hall.new_page()
        screen.goto(kiosk["pair_url"])
        expect(screen.locator("#ready")).to_be_visible()
        [seen] = statuses(hub)
        assert seen["online"] is True and seen["last_seen_at"]

        screen.close()  # the kiosk goes silent (its power, its Wi-Fi)
        hub.clock.advance(minutes=9)
        expect(alerts).to_be_hidden()  # nine minutes: not yet
        hub.clock.advance(minutes=2)
        expect(alerts).to_be_visible()
        expect(alerts).to_contain_text("Kiosk offline: Hall kiosk")
        SHOTS.mkdir(parents=True, exist_ok=True)
        console.screenshot(path=str(SHOTS / "console-kiosk-offline-1440x900.png"))

        sent = mails(hub.smtp, 2)  # the manager and the admin, one each
        to = sorted(str(m["To"]) for m in sent)
        assert to == sorted(str(hub.seeded.users[r]["email"]) for r in ("admin", "manager"))
        assert all("Hall kiosk" in str(m["Subject"]) for m in sent)
        [flagged] = statuses(hub)
        assert flagged["online"] is False

        # back over an hour after that notice: managers get at most one notice per kiosk
        # an hour (a turn within it is mailed only once the hour has passed)
        hub.clock.advance(minutes=61)
        back = hall.new_page()  # it comes back: its socket connects again
        back.goto(f"{hub.url}/kiosk")
        expect(back.locator("#ready")).to_be_visible()
        expect(alerts).to_be_hidden()
        assert statuses(hub)[0]["online"] is True
        assert len(mails(hub.smtp, 4)) == 4  # one "back online" each
        assert len(hub.smtp.to(str(hub.seeded.users["manager"]["email"]))) == 2
    finally:
        hall.close()
        office.close()
