"""Browser fixtures: a real hub process on a seeded SQLite file, and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.helpers import PASSWORD, HubProcess, Seeded
from tests.kit import Serve, serve

# Every page of the staff menu an admin has, whatever the menu folds away.
STAFF_MENU_PAGES = (
    "/console",
    "/held-back",
    "/account",
    "/admin/start",
    "/admin/rules",
    "/admin/deliveries",
    "/admin/filters",
    "/admin/triage",
    "/admin/answers",
    "/admin/stats",
    "/admin/survey",
    "/admin/alerts",
    "/admin/kiosks",
    "/admin/points",
    "/admin/settings",
    "/admin/users",
)

CHROMIUM = os.environ.get("HUB_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
]


LIVE = Serve(slugs=("mirador",))


@dataclass
class LiveHub:
    """A running hub and the tenant seeded into it before it started."""

    process: HubProcess
    seeded: Seeded
    db: Path

    @property
    def url(self) -> str:
        return self.process.url

    @property
    def agent_email(self) -> str:
        return str(self.seeded.users["agent"]["email"])

    password = PASSWORD


def log_in(page: Page, hub: LiveHub, role: str = "agent", path: str = "/login") -> None:
    """Fill and send the staff login form as `role`; the caller checks where it lands."""
    page.goto(f"{hub.url}{path}")
    page.get_by_label("E-mail").fill(str(hub.seeded.users[role]["email"]))
    page.get_by_label("Password").fill(hub.password)
    page.get_by_role("button", name="Log in").click()


def send_login(page: Page, email: str, password: str) -> None:
    """Fill and send the staff login form by its fields' names (in any page language)."""
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    page.locator('button[type="submit"]').click()


def staff_page(
    browser: Any, hub: LiveHub, lang: str, path: str, width: int, height: int, role: str
) -> tuple[Any, Page, list[str]]:
    """`role` logged in on a touch screen of `width` x `height` reading `lang`, on `path`;
    the list fills with the page's script errors."""
    context = browser.new_context(
        locale=lang,
        extra_http_headers={"Accept-Language": lang},
        viewport={"width": width, "height": height},
        has_touch=True,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{hub.url}/login?next={path}")
    send_login(page, str(hub.seeded.users[role]["email"]), hub.password)
    page.wait_for_url(f"**{path}")
    return context, page, problems


@contextmanager
def opened(browser: Any, **options: Any) -> Iterator[Any]:
    """A browser context made with `options`, closed however the test ends."""
    context = browser.new_context(**options)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def live_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    """One hub per test module (start-up costs a second); each test makes its own tickets.

    A module may ask for another one with `SERVED = Serve(...)`; its first business is the
    one the tests use (by default `mirador`).
    """
    spec: Serve = getattr(request.module, "SERVED", LIVE)
    with serve(spec, tmp_path_factory.mktemp("hub")) as served:
        yield LiveHub(served.hubs[0], served.tenants[spec.slugs[0]], served.db)


@pytest.fixture(scope="session", autouse=True)
def _patient_expect() -> None:
    """expect() waits up to 10 s (default 5 s): CI machines run several suites at once."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (never `playwright install`).

    Module-scoped on purpose: Playwright's sync API keeps an event loop running on this
    thread while it is open, and pytest-asyncio tests collected after it could not start
    theirs. Closing it at the end of each module keeps the rest of the suite runnable.
    """
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        the_browser = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield the_browser
        finally:
            the_browser.close()
