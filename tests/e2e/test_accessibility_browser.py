"""WCAG 2.2 AA in a real browser: axe-core on every page of the app (issue 14, item 4).

Every GET rule of the app's URL map that answers a page is either filled in `CASES` (how to
reach it, who may see it) or named in `NOT_PAGES` with the reason: a page added later
without a case fails `test_every_page_of_the_url_map_has_an_axe_case`. Each page is loaded
once per language and checked in light, then dark mode (prefers-color-scheme), with no
serious or critical violation allowed. One hub (and one rate-limited twin for the 429 page)
and one browser serve the whole module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from playwright.sync_api import Browser, BrowserContext, Page, expect

from hub.app import create_app
from hub.installation.operators import create_operator
from hub.notify import ack
from hub.ports import Store
from hub.settings import Settings
from hub.surveys.links import invite_token
from tests.e2e.conftest import LiveHub, log_in
from tests.helpers import PASSWORD, Seeded, _cached_hash, seed_tenant
from tests.kit import Serve, Served, live_sos, serve

pytestmark = pytest.mark.browser

OPERATOR = "ops@a11y.example"
SECRET = "test-secret"  # tests.helpers.HubProcess's HUB_SECRET_KEY
SHOTS = Path("/tmp/shots/a11y")

# URL-map rules that answer no HTML page (JSON, files, redirects), each with why.
NOT_PAGES = {
    "/static/<path:filename>": "static files",
    "/openapi.json": "JSON",
    "/healthz": "JSON",
    "/admin/points/<code>/qr.svg": "an SVG image (its page, /admin/points, is checked)",
    "/brand/<tenant>/logo": "an image",
    "/brand/<tenant>/establishments/<slug>/logo": "an image",
    "/": "a redirect to /console",
    "/kiosk-sw.js": "the kiosk's service worker (JavaScript)",
}


def _serves_a_page(rule: str) -> bool:
    """/api/… answers JSON or files: the printables (/api/v1/points/<code>/print,
    /api/v1/print) are PDF, PNG or SVG, with no HTML preview page to check."""
    return not rule.startswith("/api/") and rule not in NOT_PAGES


async def _seed(store: Store, tenants: dict[str, Seeded]) -> None:
    """An operator, a rule that e-mails every SOS (for an acknowledge link), a suspended
    business (its customer page answers 423)."""
    await create_operator(store, email=OPERATOR, password=PASSWORD, hash_password=_cached_hash)
    mirador = tenants["mirador"].tenant
    await store.insert(
        mirador["id"],
        "rules",
        {
            "id": uuid.uuid4().hex,
            "name": "Everything",
            "active": True,
            "match": {"points": [], "departments": [], "categories": [], "words": []}
            | {"languages": []},
            "schedule": None,
            "recipients": [{"channel": "email", "to": "boss@mirador.example", "name": "Ana"}],
            "escalation": [],
        },
    )
    closed = await seed_tenant(store, "closed")
    tid = str(closed.tenant["id"])
    await store.update(tid, "tenants", tid, {"suspended": True})


SPEC = Serve(slugs=("mirador",), envs=({}, {"HUB_RATE_LIMITS": "on"}), seed=_seed)


@dataclass
class Case:
    """One page to check: the URL-map rule it stands for, its path, who looks at it."""

    rule: str
    path: str
    who: str  # guest, staff, operator, kiosk
    status: int = 200
    langs: tuple[str, ...] = ("en", "es")
    ready: str = "main"  # a selector visible once the page has drawn itself


@dataclass
class Site:
    """The running hubs and what the cases need (tickets, links, tokens)."""

    served: Served
    seeded: Seeded
    cases: list[Case] = field(default_factory=list)
    ticket: dict[str, Any] = field(default_factory=dict)
    pair_url: str = ""

    @property
    def url(self) -> str:
        return self.served.urls[0]

    @property
    def limited_url(self) -> str:
        return self.served.urls[1]

    def api(self, method: str, path: str, role: str = "admin", **kw: Any) -> Any:
        r = httpx.request(
            method, f"{self.url}{path}", headers=self.seeded.auth(role), timeout=10, **kw
        )
        assert r.status_code < 300, r.text
        return r.json()


def _invite(tenant_id: str, ticket_id: str, *, days: int) -> str:
    """A survey invitation's link token, valid for `days` more (negative: expired)."""
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return invite_token(SECRET, tenant_id, ticket_id, expires)


def _old_token(tenant_id: str, item_id: str) -> str:
    """An acknowledge link signed long ago (expired: 410)."""

    class Old(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 10 * ack.ACK_MAX_AGE

    serializer = URLSafeTimedSerializer(SECRET, salt=ack._SALT, signer=Old)
    return str(serializer.dumps([tenant_id, item_id]))


def _delivery_item(site: Site, ticket_id: str) -> dict[str, Any]:
    """The outbox item the e-mail rule made for the ticket (routing runs in the background)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        items = site.api("GET", "/api/v1/deliveries", params={"ticket": ticket_id})["items"]
        if items:
            return dict(items[0])
        time.sleep(0.2)  # polling a condition with a deadline, not waiting a fixed time
    raise AssertionError("the rule made no outbox item")


def _cases(site: Site) -> list[Case]:
    """Every page with the data that makes it full: messages, a survey, an open ticket."""
    seeded, url = site.seeded, site.url
    code = str(seeded.point["code"])
    # A resolved ticket with a reply (the thread shows messages and the survey).
    done = live_sos(url, seeded, "The wifi password please", device=None)
    site.api("POST", f"/api/v1/tickets/{done['id']}/replies", json={"text": "It is MIRADOR24"})
    site.api("PATCH", f"/api/v1/tickets/{done['id']}", json={"status": "resolved"})
    # An open one with a question back and forth, the console's open ticket.
    open_ = live_sos(url, seeded, "Two more towels to room 12", device=None)
    site.api("POST", f"/api/v1/tickets/{open_['id']}/replies", json={"text": "On their way"})
    site.ticket = open_
    live_sos(url, seeded, "Eres un gilipollas de mierda", device=None)  # held back
    item = _delivery_item(site, open_["id"])
    tenant_id = str(seeded.tenant["id"])
    invite = site.api(
        "POST",
        "/api/v1/users",
        json={"email": f"new-{uuid.uuid4().hex[:6]}@x.example"}
        | {"role": "agent", "name": "New colleague"},
    )
    kiosk = site.api(
        "POST", "/api/v1/kiosks", json={"name": "Hall", "point": code, "welcome": "Hello"}
    )
    site.pair_url = str(kiosk["pair_url"])
    customer = ("en", "es", "fr")
    return [
        Case("/q/<code>", f"/q/{code}", "guest", langs=customer),
        Case("/q/<code>", "/q/no-such-point", "guest", 404, customer),
        Case("/q/<code>", "/q/closed-bar", "guest", 423, customer),
        Case("/t/<token>", f"/t/{done['token']}", "guest", langs=customer),
        Case("/t/<token>", f"/t/{open_['token']}", "guest", langs=customer),
        Case("/t/<token>", "/t/no-such-thread", "guest", 404, customer),
        Case("/s/<code>", f"/s/{code}", "guest", langs=customer),
        Case("/s/<code>/thanks", f"/s/{code}/thanks", "guest", langs=customer),
        Case("/survey/<token>", f"/survey/{_invite(tenant_id, done['id'], days=14)}", "guest"),
        Case("/survey/<token>", f"/survey/{_invite(tenant_id, done['id'], days=-1)}", "guest", 410),
        Case("/survey/<token>", "/survey/forged", "guest", 404),
        Case("/ack/<token>", f"/ack/{ack.ack_token(SECRET, tenant_id, item['id'])}", "guest"),
        Case("/ack/<token>", f"/ack/{_old_token(tenant_id, item['id'])}", "guest", 410),
        Case("/ack/<token>", "/ack/forged", "guest", 403),
        Case("<error>", "/no-such-page", "guest", 404, customer),
        Case("/login", "/login", "guest"),
        Case("/set-password/<token>", invite["set_password_url"].removeprefix(url), "guest"),
        Case("/set-password/<token>", "/set-password/no-such-link", "guest", 404),
        Case("/kiosk", "/kiosk", "kiosk", langs=customer, ready="#kiosk-form"),
        Case("/console", f"/console?ticket={open_['id']}", "staff", ready="#ticket-panel"),
        Case("/account", "/account", "staff"),
        Case("/held-back", "/held-back", "staff", ready="#held-rows tr"),
        *[
            Case(rule, rule, "staff")
            for rule in sorted(_page_rules())
            if rule.startswith("/admin/") and "<" not in rule and rule != "/admin/stats/said"
        ],
        Case("/admin/stats/said", "/admin/stats/said?q=towels", "staff"),
        Case("/operator/login", "/operator/login", "guest"),
        Case("/operator", "/operator", "operator", ready="#businesses tr[data-slug]"),
    ]


@functools.cache
def _page_rules() -> frozenset[str]:
    """The URL map's GET rules that answer a page (a throwaway app: routes only)."""
    settings = dataclasses.replace(Settings.from_env({}), database_url="sqlite:///:memory:")
    app = create_app(settings).quart
    return frozenset(
        r.rule
        for r in app.url_map.iter_rules()
        if "GET" in (r.methods or ()) and _serves_a_page(r.rule)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serve(SPEC, tmp_path_factory.mktemp("hub")) as served:
        the_site = Site(served, served.tenants["mirador"])
        the_site.cases = _cases(the_site)
        yield the_site


AXE = """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(" | ")}`)"""


def axe_serious(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page (one line per rule), with every
    <details> open: the language list, the "More" menu and folded forms are checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => (d.open = true))")
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(url="/static/vendor/axe.min.js")
    return list(page.evaluate(AXE))


def _with_lang(path: str, lang: str) -> str:
    base, _, fragment = path.partition("#")
    joined = f"{base}{'&' if '?' in base else '?'}lang={lang}"
    return f"{joined}#{fragment}" if fragment else joined


@dataclass
class Pages:
    """Two tabs of one browser session: one in the light scheme, one in the dark.

    Each page is loaded in both at once (each waits for its own quiet network, the two
    waits overlapping), and the dark one is loaded afresh in the dark scheme: Chromium,
    switched on a loaded page, can leave some inherited colours of the light one behind a
    frame later, and axe then reads light text on a dark background that no user sees.
    """

    light: Page
    dark: Page

    @classmethod
    def open(cls, context: BrowserContext) -> Pages:
        return cls(context.new_page(), context.new_page())


def _check(pages: Pages, site: Site, case: Case, problems: dict[str, list[str]]) -> None:
    """Load the case in each of its languages, in light and in dark mode; axe each."""
    pages.light.emulate_media(color_scheme="light")  # whatever a check in between set
    pages.dark.emulate_media(color_scheme="dark")
    for lang in case.langs:
        url = f"{site.url}{_with_lang(case.path, lang)}"
        dark = pages.dark.goto(url, wait_until="commit")  # loads on while the light one does
        light = pages.light.goto(url)
        for scheme, page, response in (("light", pages.light, light), ("dark", pages.dark, dark)):
            assert response is not None and response.status == case.status, (case.path, lang)
            expect(page.locator(case.ready).first).to_be_visible()
            page.wait_for_load_state("networkidle")
            dark_now = page.evaluate("() => matchMedia('(prefers-color-scheme: dark)').matches")
            assert dark_now == (scheme == "dark"), (case.path, lang, scheme)
        for scheme, page in (("light", pages.light), ("dark", pages.dark)):
            found = axe_serious(page)
            if found:
                problems[f"{case.path} [{lang}, {scheme}]"] = found
        if lang == case.langs[-1]:  # to look at: /tmp/shots/a11y
            name = re.sub(r"[^a-z0-9]+", "-", case.path.split("?")[0].lower()).strip("-")
            pages.dark.screenshot(path=str(SHOTS / f"dark-{lang}-{name[:40] or 'root'}.png"))


def _context(browser: Browser, **kw: Any) -> BrowserContext:
    return browser.new_context(
        viewport={"width": 1280, "height": 800}, reduced_motion="reduce", **kw
    )


def test_every_page_of_the_url_map_has_an_axe_case(site: Site) -> None:
    covered = {case.rule for case in site.cases}
    assert _page_rules() - covered == set(), "pages without an axe case (add them to _cases)"
    assert "<error>" in covered and "/t/<token>" in covered


def test_guest_pages_pass_axe_in_three_languages_light_and_dark(
    browser: Browser, site: Site
) -> None:
    context = _context(browser)
    problems: dict[str, list[str]] = {}
    try:
        pages = Pages.open(context)
        page = pages.light
        for case in site.cases:
            if case.who == "guest":
                _check(pages, site, case, problems)
        # The page a guest meets after too many tries (the rate-limited twin hub).
        token = site.ticket["token"]
        for _ in range(5):
            httpx.post(f"{site.limited_url}/t/{token}/survey", data={}, timeout=10)
        for lang in ("en", "es", "fr"):
            page.emulate_media(color_scheme="light")
            page.goto(f"{site.limited_url}/t/{token}?lang={lang}")
            with page.expect_navigation() as refused:
                page.evaluate(
                    """() => { const f = document.createElement("form"); f.method = "post";
                    f.action = location.pathname + "/survey"; document.body.append(f);
                    f.submit(); }"""
                )
            assert refused.value is not None and refused.value.status == 429
            expect(page.locator("h1")).to_have_count(1)
            page.screenshot(path=str(SHOTS / f"rate-limited-{lang}.png"))
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                found = axe_serious(page)
                if found:
                    problems[f"429 [{lang}, {scheme}]"] = found
        # The kiosk, paired by its link.
        page.goto(site.pair_url)
        expect(page.locator("#kiosk-form")).to_be_visible()
        for case in site.cases:
            if case.who == "kiosk":
                _check(pages, site, case, problems)
    finally:
        context.close()
    assert problems == {}


def test_staff_and_operator_pages_pass_axe_in_two_languages_light_and_dark(
    browser: Browser, site: Site
) -> None:
    context = _context(browser)
    problems: dict[str, list[str]] = {}
    try:
        pages = Pages.open(context)
        page = pages.light
        log_in(page, LiveHub(site.served.hubs[0], site.seeded, site.served.db), role="admin")
        expect(page).not_to_have_url(re.compile(r".*/login"))
        for case in site.cases:
            if case.who == "staff":
                _check(pages, site, case, problems)
        page.goto(f"{site.url}/operator/login")
        page.get_by_label("E-mail").fill(OPERATOR)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/operator")
        for case in site.cases:
            if case.who == "operator":
                _check(pages, site, case, problems)
    finally:
        context.close()
    assert problems == {}
