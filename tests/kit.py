"""The tests' one kit: an SOS as a phone sends it, fresh guests, real hubs, staff logins.

Every module posts SOS and starts hub processes through these, so a change of the intake
(a new field, a new cookie) is made here once. Two twins: `post_sos` and friends for the
Quart test client, `http_sos` (async httpx) and `live_sos` (sync, for Playwright modules)
for a real server.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from hub.ports import Store
from hub.store.sqlite import SqliteStore
from tests.helpers import PASSWORD, HubProcess, Seeded, seed_tenant
from tests.integration.realtime_clients import HTTP_TIMEOUT, start_hubs

SOS = "/api/v1/sos"
LOGIN = "/api/v1/auth/login"
PORT = 40000  # the source port of a test-client request; only the address matters

_addresses = itertools.count()
_devices = itertools.count(1)
_texts = itertools.count(1)


def fresh_ip() -> str:
    """A guest's network address: 198.51.100.10-249 in turn (one /24, as a hotel's guests
    share; a block by network catches them all, a block by address only the one)."""
    return f"198.51.100.{10 + next(_addresses) % 240}"


def fresh_device() -> str:
    """A phone's own `sos_device` cookie value, never used before in this run."""
    return f"device-{next(_devices)}"


def fresh_text() -> str:
    """An SOS text not sent before in this run (a fresh phone's SOS is never merged anyway)."""
    return f"SOS number {next(_texts)}"


def thread_token(sent: Mapping[str, Any]) -> str:
    """The customer's thread token out of an SOS answer's `thread_url`."""
    return str(sent["thread_url"]).rsplit("/", 1)[1]


def sos_body(
    seeded: Seeded | None,
    text: str | None = None,
    *,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON of an SOS at `seeded`'s point (or `point`); anonymous unless a contact is given."""
    if point is None:
        assert seeded is not None, "an SOS needs a point: a seeded tenant's or a code"
        point = str(seeded.point["code"])
    body: dict[str, Any] = {
        "point": point,
        "text": fresh_text() if text is None else text,
        "anonymous": not contact if anonymous is None else anonymous,
    }
    if contact is not None:
        body["contact"] = dict(contact)
    return {**body, **extra}


def device_headers(device: str | None) -> dict[str, str]:
    """The cookie header: None a fresh phone, "" none (the client's own jar decides)."""
    device = fresh_device() if device is None else device
    return {"Cookie": f"sos_device={device}"} if device else {}


def peer(ip: str | None) -> dict[str, Any]:
    """Test-client kwargs for the remote address: None a fresh one, "" the client's own."""
    if ip == "":
        return {}
    return {"scope_base": {"client": (fresh_ip() if ip is None else ip, PORT)}}


# ---------------------------------------------------------------- the Quart test client


async def send_sos(
    client: Any,
    seeded: Seeded | None,
    text: str | None = None,
    *,
    device: str | None = None,
    ip: str | None = None,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> Any:
    """POST /api/v1/sos as a customer's phone would (its device cookie, its address); the response.

    `device`/`ip`: None is a fresh phone on a fresh address, "" leaves it to the client
    (its cookie jar, its default address); `extra` goes into the JSON body.
    """
    body = sos_body(seeded, text, contact=contact, anonymous=anonymous, point=point, **extra)
    return await client.post(SOS, json=body, headers=device_headers(device), **peer(ip))


async def post_sos(
    client: Any,
    seeded: Seeded | None,
    text: str | None = None,
    *,
    device: str | None = None,
    ip: str | None = None,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> tuple[int, dict[str, Any]]:
    """`send_sos`, answered as (status, JSON body)."""
    r = await send_sos(
        client,
        seeded,
        text,
        device=device,
        ip=ip,
        contact=contact,
        anonymous=anonymous,
        point=point,
        **extra,
    )
    return r.status_code, dict(await r.get_json())


async def new_sos(
    client: Any,
    seeded: Seeded | None,
    text: str | None = None,
    *,
    device: str | None = None,
    ip: str | None = None,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """`send_sos` that must be accepted (201): its JSON plus the thread's `token`."""
    r = await send_sos(
        client,
        seeded,
        text,
        device=device,
        ip=ip,
        contact=contact,
        anonymous=anonymous,
        point=point,
        **extra,
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    sent = dict(await r.get_json())
    sent["token"] = thread_token(sent)
    return sent


async def login(client: Any, seeded: Seeded, role: str = "agent") -> None:
    """Log the test client in as `seeded`'s `role` through the API (a session cookie)."""
    r = await client.post(LOGIN, json={"email": seeded.users[role]["email"], "password": PASSWORD})
    assert r.status_code == 200, await r.get_data(as_text=True)


# ---------------------------------------------------------------- a real server


async def http_sos(
    http: httpx.AsyncClient | str,
    seeded: Seeded | None,
    text: str | None = None,
    *,
    device: str | None = "",
    status: int | None = 201,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """POST an SOS to a real hub (a client, or a base URL for a one-off client); its JSON,
    with the thread's `token` when accepted.

    `device` as in `send_sos`, but "" (the client's own jar) by default; `status` is the
    one expected (None: any). The address is the real connection's.
    """
    body = sos_body(seeded, text, contact=contact, anonymous=anonymous, point=point, **extra)
    if isinstance(http, str):
        async with httpx.AsyncClient(base_url=http, timeout=HTTP_TIMEOUT) as client:
            r = await client.post(SOS, json=body, headers=device_headers(device))
    else:
        r = await http.post(SOS, json=body, headers=device_headers(device))
    return _answer(r, status)


def live_sos(
    url: str,
    seeded: Seeded | None,
    text: str | None = None,
    *,
    device: str | None = "",
    status: int | None = 201,
    state: str | None = None,
    contact: Mapping[str, Any] | None = None,
    anonymous: bool | None = None,
    point: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """`http_sos` without an event loop (Playwright's sync API holds this thread's); `state`,
    when given, is the ticket status the answer must carry."""
    body = sos_body(seeded, text, contact=contact, anonymous=anonymous, point=point, **extra)
    r = httpx.post(url + SOS, json=body, headers=device_headers(device), timeout=HTTP_TIMEOUT)
    sent = _answer(r, status)
    if state is not None:
        assert sent["status"] == state, sent
    return sent


def _answer(r: httpx.Response, status: int | None) -> dict[str, Any]:
    if status is not None:
        assert r.status_code == status, r.text
    sent: dict[str, Any] = r.json()
    if r.status_code == 201:
        sent["token"] = thread_token(sent)
    return sent


Seeder = Callable[[Store, dict[str, Seeded]], Awaitable[None]]


@dataclass(frozen=True)
class Serve:
    """What a module's real hubs are: its tenants, extra seeding, one environment per process.

    A module sets `SERVED = Serve(...)`; the `served` fixture reads it (default: one hub,
    tenant `acme`).
    """

    slugs: tuple[str, ...] = ("acme",)
    envs: tuple[Mapping[str, str], ...] = ({},)
    seed: Seeder | None = None


async def no_bot_check(store: Store, tenants: dict[str, Seeded]) -> None:
    """A `Serve` seeder: the bot check (a form sent within two seconds of its page is a
    robot's) off for tenant `mirador`. Browser tests type faster than a person; the check
    has its own tests."""
    from hub.moderation.settings import load_config, save_config

    tenant_id = tenants["mirador"].tenant["id"]
    config = await load_config(store, tenant_id)
    checks = {**config.checks, "bots": False}
    await save_config(store, tenant_id, replace(config, checks=checks), None)


@dataclass
class Served:
    """Running hub processes on one seeded SQLite file."""

    hubs: list[HubProcess]
    tenants: dict[str, Seeded]
    tmp: Path
    urls: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.urls = [h.url for h in self.hubs]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def db(self) -> Path:
        """The SQLite file the hubs serve."""
        return self.tmp / "hub.db"

    @property
    def acme(self) -> Seeded:
        return self.tenants["acme"]

    @property
    def globex(self) -> Seeded:
        return self.tenants["globex"]


async def _seed(db: Path, spec: Serve) -> dict[str, Seeded]:
    store = SqliteStore(db)
    await store.open()
    try:
        tenants = {slug: await seed_tenant(store, slug) for slug in spec.slugs}
        if spec.seed is not None:
            await spec.seed(store, tenants)
        return tenants
    finally:
        await store.close()


@contextmanager
def serve(spec: Serve, tmp: Path) -> Iterator[Served]:
    """Seed `tmp/hub.db`, start one `sos-hub serve` per env on it (at once), stop them after."""
    db = tmp / "hub.db"
    # Playwright's sync API may hold this thread's event loop: seed from a thread of its own.
    with ThreadPoolExecutor(1) as pool:
        tenants = pool.submit(asyncio.run, _seed(db, spec)).result()
    common = {"HUB_DATABASE_URL": f"sqlite:///{db}", "HUB_TEST_LOG_DIR": str(tmp)}
    hubs = start_hubs([{**common, **env} for env in spec.envs])
    try:
        yield Served(hubs, tenants, tmp)
    finally:
        for h in hubs:
            h.stop()


# The ticket fields CONTRACT.md promises in every ticket JSON.
CONTRACT_TICKET_KEYS = {
    "id",
    "number",
    "status",
    "text",
    "language",
    "translations",
    "anonymous",
    "contact",
    "point",
    "department",
    "establishment",
    "category",
    "suggested_category",  # "Second wave": from the text, beside the staff's category
    "created_at",
    "first_response_at",
    "resolved_at",
}
