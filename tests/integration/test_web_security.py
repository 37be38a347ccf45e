"""Web security: headers, templates without inline script, cookies, GET never writes, CSRF,
and the socket.io handshake (Origin, packet size, connections per address).

CSRF for the few cookie-authenticated HTML forms (only POST /logout) rests on the session
cookie's SameSite=Lax: a cross-site form post arrives without it. Cookie-authenticated API
writes also need the `X-Requested-With: sos-hub` header, which no cross-site page can add.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from hub.app import Hub, create_app
from hub.clock import new_id, now_iso
from hub.notify.ack import ack_token
from hub.settings import Settings
from tests.helpers import PASSWORD, ROOT, Seeded
from tests.integration.delivery_kit import quiet
from tests.integration.realtime_clients import (
    Console,
    login_cookie,
)
from tests.kit import Serve, Served, http_sos, new_sos

CSRF = {"X-Requested-With": "sos-hub"}
JSON = {"Content-Type": "application/json"}
LOGIN = "/api/v1/auth/login"
SNAPSHOT_COLLECTIONS = (
    "tickets",
    "entries",
    "events",
    "outbox",
    "blocks",
    "rules",
    "configs",
    "users",
    "points",
)


# ---------------------------------------------------------------- a populated business


@dataclass
class Site:
    """A business with one of everything a URL can name, and a logged-in admin."""

    hub: Hub
    acme: Seeded
    ticket: dict[str, Any]
    thread_token: str
    rule_id: str
    block_id: str
    ack: str
    admin: Any  # a test client holding the admin's session cookie

    def values(self) -> dict[str, str]:
        """A real value for each URL parameter name the app uses."""
        return {
            "code": self.acme.point["code"],
            "ticket_id": self.ticket["id"],
            "rule_id": self.rule_id,
            "block_id": self.block_id,
            "filename": "css/hub.css",
        }

    def url(self, rule: Any) -> str:
        values = self.values()
        path = rule.rule
        for name in rule.arguments:
            if name == "token":
                value = self.ack if path.startswith("/ack/") else self.thread_token
            else:
                value = values.get(name, "unknown")
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
        return str(path)

    async def snapshot(self) -> tuple[Any, ...]:
        """Everything a request could change: the event seq, counts, the ticket itself."""
        tenant = self.acme.tenant["id"]
        counts = [await self.hub.store.count(tenant, c) for c in SNAPSHOT_COLLECTIONS]
        ticket = await self.hub.store.get(tenant, "tickets", self.ticket["id"])
        return await self.hub.store.latest_seq(tenant), counts, ticket


@pytest.fixture
async def site(hub: Hub, acme: Seeded, client: Any) -> Site:
    created = await new_sos(
        client, acme, "The shower is cold", contact={"name": "Ana", "email": "ana@example.com"}
    )
    manager = acme.auth("manager")
    r = await client.post("/api/v1/rules", json={"name": "Night shift"}, headers=manager)
    assert r.status_code == 201, await r.get_data(as_text=True)
    rule_id = (await r.get_json())["id"]
    r = await client.post(
        "/api/v1/blocks", json={"kind": "ip", "value": "192.0.2.66"}, headers=manager
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    block_id = (await r.get_json())["id"]
    item = await hub.store.insert(
        acme.tenant["id"],
        "outbox",
        {
            "id": new_id(),
            "ticket_id": created["id"],
            "channel": "email",
            "to": "boss@acme.example",
            "name": "Boss",
            "kind": "alert",
            "status": "sent",
            "attempts": 1,
            "reason": None,
            "language": "en",
            "created_at": now_iso(),
            "sent_at": now_iso(),
        },
    )
    admin = hub.quart.test_client()
    r = await admin.post(LOGIN, json={"email": "admin@acme.example", "password": PASSWORD})
    assert r.status_code == 200
    await quiet(hub)  # the SOS's routing job runs after intake: let it finish first
    return Site(
        hub=hub,
        acme=acme,
        ticket=created,
        thread_token=created["thread_url"].rsplit("/", 1)[1],
        rule_id=rule_id,
        block_id=block_id,
        ack=ack_token(hub.settings.secret_key, acme.tenant["id"], item["id"]),
        admin=admin,
    )


def rules_with(hub: Hub, method: str) -> list[Any]:
    return sorted(
        (r for r in hub.quart.url_map.iter_rules() if method in (r.methods or ())),
        key=lambda r: r.rule,
    )


def assert_security_headers(response: Any, where: str) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert script_src, f"{where}: no script-src in CSP {csp!r}"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where


# ---------------------------------------------------------------- headers, GET, CSRF


async def test_every_get_route_called_by_staff_changes_nothing_and_carries_the_headers(
    site: Site,
) -> None:
    anonymous = site.hub.quart.test_client()
    seen = []
    for rule in rules_with(site.hub, "GET"):
        url = site.url(rule)
        await quiet(site.hub)  # translation and routing of the fixture's SOS run in jobs
        before = await site.snapshot()
        for who, client, extra in (
            ("admin cookie", site.admin, {}),
            ("bearer", anonymous, site.acme.auth("admin")),
            ("nobody", anonymous, {}),
        ):
            r = await client.get(url, headers=extra)
            assert r.status_code < 500, (url, who, await r.get_data(as_text=True))
            assert_security_headers(r, f"GET {url} as {who}")
            assert await site.snapshot() == before, f"GET {url} as {who} changed state"
        seen.append(rule.rule)
    # the list was not empty by accident: the pages that matter were among them
    for path in (
        "/q/<code>",
        "/t/<token>",
        "/ack/<token>",
        "/console",
        "/admin/rules",
        "/api/v1/tickets/<ticket_id>",
    ):
        assert path in seen
    ticket = await site.hub.store.get(site.acme.tenant["id"], "tickets", site.ticket["id"])
    assert ticket is not None
    assert ticket["status"] == "new"  # viewing it (or its ack page) acknowledged nothing


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/api/v1/tickets", 401),
        ("DELETE", "/api/v1/sos", 405),
        ("POST", "/api/v1/sos", 400),
        ("GET", "/q/no-such-point", 404),
        ("GET", "/t/no-such-thread", 404),
        ("GET", "/ack/forged-token", 403),
    ],
)
async def test_error_responses_carry_the_security_headers_too(
    client: Any, acme: Seeded, method: str, path: str, status: int
) -> None:
    r = await client.open(path, method=method, data=b"{bad", headers=JSON)
    assert r.status_code == status
    assert_security_headers(r, f"{method} {path}")


async def test_an_oversized_body_gets_413_with_the_security_headers(client: Any) -> None:
    r = await client.post("/api/v1/sos", data=b"x" * 70_000, headers=JSON)
    assert r.status_code == 413
    assert_security_headers(r, "413")


PUBLIC_WRITES = {
    "/api/v1/sos",
    "/api/v1/thread/<token>/messages",
    "/api/v1/auth/login",
    "/api/v1/auth/logout",
    "/api/v1/kiosk/sos",  # a kiosk's device token in the Authorization header, never a cookie
    "/api/v1/thread/<token>/survey",
    "/api/v1/operator/auth/login",
    "/api/v1/operator/auth/logout",
    "/api/v1/thread/<token>/attachments",
}
# The operator's writes take the operator cookie, never a staff one (a staff cookie gets 401
# there before anything else): their CSRF check is in tests/integration/test_installation.py.
OPERATOR_WRITES = {"/api/v1/operator/tenants", "/api/v1/operator/tenants/<slug>"}
# Valid bodies, so that only the missing header can be the reason for a refusal.
BODIES: dict[str, Any] = {
    "api.patch_ticket": {"status": "acknowledged"},
    "api.reply": {"text": "csrf reply"},
    "api.note": {"text": "csrf note"},
    "rules.create_rule": {"name": "csrf rule"},
    "rules.replace_rule": {"name": "csrf rule"},
    "rules.test_rules": {"point": "acme-bar", "text": "x"},
    "moderation.put_filters": {"checks": {"links": False}},
    "moderation.test_filters": {"text": "x"},
    "moderation.post_block": {"kind": "ip", "value": "192.0.2.77"},
    "moderation.block_sender": {"by": ["email"]},
    "kiosks.add_kiosk": {"name": "csrf kiosk", "point": "acme-bar"},
    "kiosks.change_kiosk": {"name": "csrf kiosk"},
    "api.change_password": {"current": PASSWORD, "new": "csrf-horse-99"},
}


async def test_cookie_authenticated_api_writes_without_the_csrf_header_are_403_and_change_nothing(
    site: Site,
) -> None:
    checked = []
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for rule in rules_with(site.hub, method):
            if not rule.rule.startswith("/api/") or rule.rule in PUBLIC_WRITES | OPERATOR_WRITES:
                continue
            url = site.url(rule)
            await quiet(site.hub)
            before = await site.snapshot()
            r = await site.admin.open(url, method=method, json=BODIES.get(rule.endpoint, {}))
            assert r.status_code == 403, (method, url, await r.get_data(as_text=True))
            body = await r.get_json()
            assert body["error"]["code"] == "forbidden"
            assert "X-Requested-With" in body["error"]["message"]
            assert await site.snapshot() == before, f"{method} {url} changed state"
            checked.append(rule.endpoint)
    assert {"api.reply", "api.note", "api.patch_ticket", "rules.delete_rule"} <= set(checked)
    # the same requests with the header do go through: the 403s were the header's doing
    r = await site.admin.post(
        f"/api/v1/tickets/{site.ticket['id']}/notes", json={"text": "with header"}, headers=CSRF
    )
    assert r.status_code == 201
    r = await site.admin.delete(f"/api/v1/rules/{site.rule_id}", headers=CSRF)
    assert r.status_code == 204


async def test_a_bearer_token_needs_no_csrf_header(site: Site) -> None:
    client = site.hub.quart.test_client()
    r = await client.post(
        f"/api/v1/tickets/{site.ticket['id']}/notes",
        json={"text": "by token"},
        headers=site.acme.auth(),
    )
    assert r.status_code == 201


# ---------------------------------------------------------------- templates


TEMPLATES = sorted((ROOT / "web").rglob("*.html"))
UNSERVED = {"email", "print"}  # rendered for mail clients and WeasyPrint, never as pages
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.S | re.I)
_HANDLER = re.compile(r"(?:^|\s)on[a-z]+\s*=", re.I)


@pytest.mark.parametrize("path", TEMPLATES, ids=[str(p.relative_to(ROOT)) for p in TEMPLATES])
def test_no_template_has_inline_script_or_event_handler_attributes(path: Path) -> None:
    source = path.read_text()
    for attrs, body in _SCRIPT.findall(source):
        assert not body.strip(), f"inline script in {path.name}: {body.strip()[:80]!r}"
        assert "src=" in attrs, f"a <script> without src in {path.name}"
    for name, attrs in _TAG.findall(source):
        assert not _HANDLER.search(attrs), f"an on*= handler on <{name}> in {path.name}"
        assert "javascript:" not in attrs.lower(), f"a javascript: URL on <{name}> in {path.name}"
        # pages run under style-src 'self': inline style would be blocked (e-mails and
        # printables have no CSP: mail clients and WeasyPrint read them, no browser serves them)
        if not UNSERVED.intersection(path.parts):
            assert not re.search(r"(?:^|\s)style\s*=", attrs), f"inline style in {path.name}"
    if not UNSERVED.intersection(path.parts):
        assert "<style" not in source, f"a <style> block in {path.name}"


def test_the_template_scan_would_catch_what_it_looks_for() -> None:
    bad = '<script>alert(1)</script><img src=x onerror="go()"><a href="javascript:x">'
    assert _SCRIPT.findall(bad)[0][1] == "alert(1)"
    tags = dict(_TAG.findall(bad))
    assert _HANDLER.search(tags["img"]) and "javascript:" in tags["a"]
    assert not _HANDLER.search(' data-one="1" aria-controls="x"')


# ---------------------------------------------------------------- cookies


def _cookie(response: Any, name: str) -> str:
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return str(found[0])


async def test_the_session_and_device_cookies_are_httponly_and_samesite(
    client: Any, acme: Seeded
) -> None:
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    session = _cookie(r, "QUART_AUTH")
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session  # the test hub runs on http://
    r = await client.get(f"/q/{acme.point['code']}")
    device = _cookie(r, "sos_device")
    assert "HttpOnly" in device and "SameSite=Lax" in device


async def test_cookies_are_secure_when_the_public_url_is_https(
    settings: Settings, tmp_path: Path
) -> None:
    from tests.helpers import seed_tenant

    https = Settings.from_env({"HUB_PUBLIC_URL": "https://sos.example.com"})
    assert https.secure_cookies
    the_hub = create_app(
        dataclasses.replace(
            settings,
            public_url=https.public_url,
            secure_cookies=https.secure_cookies,
            database_url=f"sqlite:///{tmp_path / 'https.db'}",
        )
    )
    async with the_hub.quart.test_app():
        acme = await seed_tenant(the_hub.store, "acme")
        client = the_hub.quart.test_client()
        r = await client.post(
            LOGIN, json={"email": "agent@acme.example", "password": PASSWORD}, scheme="https"
        )
        session = _cookie(r, "QUART_AUTH")
        assert "Secure" in session and "HttpOnly" in session and "SameSite=Lax" in session
        r = await client.get(f"/q/{acme.point['code']}", scheme="https")
        assert "Secure" in _cookie(r, "sos_device")


# ---------------------------------------------------------------- socket.io on a real server


SOCKET_CAP = 3


# A hub with limits on, a small socket cap, loopback as trusted proxy; one with limits off.
# Trusting loopback lets each test present its own client address in X-Forwarded-For,
# so the tests' connections never count against each other.
_COMMON = {"HUB_SOCKETS_PER_ADDRESS": str(SOCKET_CAP)}
SERVED = Serve(
    envs=(
        {**_COMMON, "HUB_RATE_LIMITS": "on", "HUB_TRUSTED_PROXIES": "127.0.0.1"},
        {**_COMMON, "HUB_RATE_LIMITS": "off"},
    )
)


def unlimited_url(served: Served) -> str:
    """The second hub of SERVED: the one with rate limits off."""
    return served.urls[1]


async def connect(consoles: list[Console], url: str, address: str, **kwargs: Any) -> Console:
    headers = {"X-Forwarded-For": address, **kwargs.pop("headers", {})}
    console = Console(url, headers=headers, **kwargs)
    consoles.append(console)
    return await console.connect()


async def refused(url: str, address: str, **kwargs: Any) -> Console:
    headers = {"X-Forwarded-For": address, **kwargs.pop("headers", {})}
    console = Console(url, headers=headers, **kwargs)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await console.connect()
    assert not console.connected
    return console


@pytest.mark.slow
async def test_a_foreign_origin_with_a_valid_session_cookie_is_refused_and_our_own_is_accepted(
    served: Served, consoles: list[Console]
) -> None:
    cookie = await login_cookie(served.url, "agent@acme.example", PASSWORD)
    await refused(
        served.url, "203.0.113.1", cookie=cookie, headers={"Origin": "https://evil.example"}
    )
    await refused(served.url, "203.0.113.1", cookie=cookie, headers={"Origin": "null"})
    console = await connect(
        consoles, served.url, "203.0.113.1", cookie=cookie, headers={"Origin": served.url}
    )
    assert console.connected
    # and it really is the console of that user's business
    await console.resume(0)
    await console.wait_for(lambda: bool(console.events("resume.done")), 5, "resume.done")


@pytest.mark.slow
async def test_a_socketio_packet_over_the_cap_closes_that_client_only(
    served: Served, consoles: list[Console]
) -> None:
    token = served.acme.tokens["agent"]
    big = await connect(consoles, served.url, "203.0.113.2", auth={"token": token})
    calm = await connect(consoles, served.url, "203.0.113.3", auth={"token": token})
    await big.sio.emit("resume", {"since": 0, "padding": "x" * 200_000}, namespace="/staff")
    await big.wait_for(lambda: big.disconnects >= 1, 5, "the oversized client to be dropped")
    assert not big.connected
    assert "resume.done" not in big.names()  # the server never handled the packet
    async with httpx.AsyncClient(base_url=served.url) as http:
        sent = await http_sos(http, served.acme, "Still working after the big packet?")
    await calm.wait_for(
        lambda: sent["id"] in [e["id"] for e in calm.events("ticket.created")],
        5,
        "the other console to keep getting events",
    )
    assert calm.connected


@pytest.mark.slow
async def test_connections_per_address_are_capped_and_the_slot_frees_on_disconnect(
    served: Served, consoles: list[Console]
) -> None:
    auth = {"token": served.acme.tokens["agent"]}
    crowd = [
        await connect(consoles, served.url, "203.0.113.9", auth=auth) for _ in range(SOCKET_CAP)
    ]
    over = await refused(served.url, "203.0.113.9", auth=auth)
    assert over.connects == 0
    # a thread page counts too: the cap is on connections, whatever the namespace
    await refused(served.url, "203.0.113.9", namespace="/thread", auth={"thread_token": "x"})
    # another address is not affected
    await connect(consoles, served.url, "203.0.113.10", auth=auth)
    # one leaves: its place is free again
    await crowd[0].close()
    deadline = asyncio.get_running_loop().time() + 5
    while True:
        try:
            await connect(consoles, served.url, "203.0.113.9", auth=auth)
            break
        except socketio.exceptions.ConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


@pytest.mark.slow
async def test_bare_engineio_sessions_from_one_address_cannot_lock_its_consoles_out(
    served: Served, consoles: list[Console]
) -> None:
    """No credentials are needed to open an Engine.IO session: a guest on the hotel's
    network filling the cap with bare ones must not keep the staff's consoles out."""
    address = "203.0.113.31"
    forwarded = {"X-Forwarded-For": address}
    poll = {"EIO": "4", "transport": "polling"}
    async with httpx.AsyncClient(base_url=served.url) as http:
        for i in range(SOCKET_CAP * 3):
            r = await http.get("/socket.io/", params=poll, headers=forwarded)
            assert r.status_code == 200 and '"sid"' in r.text  # opened, never signed in
            if i % 2:  # half of them ask for the console with a made-up token: refused
                sid = r.text.split('"sid":"', 1)[1].split('"', 1)[0]
                r = await http.post(
                    "/socket.io/",
                    params={**poll, "sid": sid},
                    content='40/staff,{"token":"junk"}',
                    headers={**forwarded, "Content-Type": "text/plain;charset=UTF-8"},
                )
                assert r.status_code == 200
                r = await http.get("/socket.io/", params={**poll, "sid": sid}, headers=forwarded)
                assert "44/staff" in r.text  # the namespace refused it; the session stays
    console = await connect(
        consoles, served.url, address, auth={"token": served.acme.tokens["agent"]}
    )
    assert console.connected


@pytest.mark.slow
async def test_with_rate_limits_off_there_is_no_connection_cap(
    served: Served, consoles: list[Console]
) -> None:
    auth = {"token": served.acme.tokens["agent"]}
    for _ in range(SOCKET_CAP + 2):
        console = await connect(consoles, unlimited_url(served), "203.0.113.20", auth=auth)
        assert console.connected
    assert all(c.connected for c in consoles)


def test_the_socket_cap_is_generous_by_default_and_configurable() -> None:
    from hub.settings import ConfigError

    assert Settings.from_env({}).sockets_per_address >= 500  # a stadium shares few addresses
    assert Settings.from_env({"HUB_SOCKETS_PER_ADDRESS": "7"}).sockets_per_address == 7
    for bad in ("0", "-1", "many", "1.5"):
        with pytest.raises(ConfigError, match="HUB_SOCKETS_PER_ADDRESS"):
            Settings.from_env({"HUB_SOCKETS_PER_ADDRESS": bad})
