"""Live events on a real `sos-hub serve`: /staff consoles and /thread pages, as clients see them."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from tests.helpers import PASSWORD, HubProcess, Seeded
from tests.integration.realtime_clients import Console, login_cookie, seed_file

pytestmark = pytest.mark.slow

# What a customer may see of their ticket on /thread; anything else is staff-only.
CUSTOMER_TICKET_KEYS = {
    "id", "number", "status", "text", "language", "translations", "anonymous", "point",
    "created_at", "resolved_at",
}
_texts = itertools.count(1)


@dataclass
class Served:
    url: str
    acme: Seeded
    globex: Seeded


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One hub process for the module, on a file seeded with two businesses."""
    tmp = tmp_path_factory.mktemp("realtime")
    db = tmp / "hub.db"
    tenants = asyncio.run(seed_file(db, "acme", "globex"))
    proc = HubProcess({"HUB_DATABASE_URL": f"sqlite:///{db}", "HUB_TEST_LOG_DIR": str(tmp)})
    with proc:
        yield Served(proc.url, tenants["acme"], tenants["globex"])


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=10) as client:
        yield client


@pytest.fixture
async def consoles() -> AsyncIterator[list[Console]]:
    """Clients a test opens; all closed at its end."""
    opened: list[Console] = []
    yield opened
    for c in opened:
        await c.close()


async def open_console(
    opened: list[Console], url: str, namespace: str = "/staff", **kwargs: Any
) -> Console:
    console = Console(url, namespace, **kwargs)
    opened.append(console)
    return await console.connect()


async def post_sos(http: httpx.AsyncClient, tenant: Seeded, **extra: Any) -> dict[str, Any]:
    body = {"point": tenant.point["code"], "text": f"SOS number {next(_texts)}", "anonymous": True}
    r = await http.post("/api/v1/sos", json={**body, **extra})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def created_ids(console: Console) -> list[str]:
    return [e["id"] for e in console.events("ticket.created")]


async def test_a_console_gets_a_new_sos_within_a_second_as_the_api_shows_it(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    console = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    started = time.monotonic()
    sos = await post_sos(
        http, served.acme, anonymous=False, contact={"name": "Ana", "email": "ana@example.com"}
    )
    await console.wait_for(lambda: sos["id"] in created_ids(console), 1.0, "ticket.created")
    assert time.monotonic() - started < 1.0
    event = console.events("ticket.created")[-1]
    assert isinstance(event["seq"], int) and event["seq"] > 0
    r = await http.get(f"/api/v1/tickets/{sos['id']}", headers=served.acme.auth())
    ticket = r.json()
    for key in ("messages", "notes", "history"):
        ticket.pop(key)
    assert {k: v for k, v in event.items() if k != "seq"} == ticket
    assert event["contact"] == {"name": "Ana", "email": "ana@example.com"}
    assert "thread_token" not in event


async def test_a_console_never_gets_another_business_events(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    mine = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    foreign = await open_console(
        consoles, served.url, auth={"token": served.globex.tokens["admin"]}
    )
    acme_sos = await post_sos(http, served.acme)
    await mine.wait_for(lambda: acme_sos["id"] in created_ids(mine), 2, "acme's ticket")
    # The foreign console's own SOS comes after: had acme's leaked, it would have come first.
    globex_sos = await post_sos(http, served.globex)
    await foreign.wait_for(lambda: bool(foreign.received), 2, "globex's ticket")
    assert foreign.names() == ["ticket.created"]
    assert created_ids(foreign) == [globex_sos["id"]]
    assert globex_sos["id"] not in created_ids(mine)


@pytest.mark.parametrize(
    ("auth", "headers"),
    [
        (None, {}),
        ({}, {}),
        ({"token": "not-a-token"}, {}),
        ({"token": 12345}, {}),
        ({"token": ["list"]}, {}),
        ({"token": "x" * 5000}, {}),
        (None, {"Cookie": "QUART_AUTH=forged.value.here"}),
        (None, {"Cookie": "garbage;;;=="}),
        ({"thread_token": "valid-looking"}, {}),
    ],
    ids=["nothing", "empty", "unknown-token", "number", "list", "huge", "forged-cookie",
         "bad-cookie", "thread-token"],
)
async def test_a_console_without_valid_credentials_is_refused(
    served: Served, auth: Any, headers: dict[str, str]
) -> None:
    console = Console(served.url, auth=auth, headers=headers)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await console.connect()
    assert console.connect_errors, "the client should get a connect_error"
    assert not console.connected


async def test_a_handshake_from_a_foreign_origin_is_refused_even_with_a_valid_token(
    served: Served,
) -> None:
    console = Console(
        served.url, auth={"token": served.acme.tokens["agent"]},
        headers={"Origin": "http://evil.example"},
    )
    with pytest.raises(socketio.exceptions.ConnectionError):
        await console.connect()
    assert not console.connected


async def test_a_console_logged_in_with_the_session_cookie_gets_events(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    cookie = await login_cookie(served.url, "manager@acme.example", PASSWORD)
    console = await open_console(consoles, served.url, cookie=cookie)
    sos = await post_sos(http, served.acme)
    await console.wait_for(lambda: sos["id"] in created_ids(console), 2, "ticket.created")


async def test_a_console_that_missed_events_gets_exactly_those_on_resume_in_order(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    token = served.acme.tokens["agent"]
    witness = await open_console(consoles, served.url, auth={"token": token})
    console = await open_console(consoles, served.url, auth={"token": token})
    first = await post_sos(http, served.acme)
    await console.wait_for(lambda: first["id"] in created_ids(console), 2, "the first SOS")
    last_seen = console.max_seq
    await console.close()

    missed = [await post_sos(http, served.acme) for _ in range(3)]
    target = missed[1]["id"]
    r = await http.post(
        f"/api/v1/tickets/{target}/replies", json={"text": "On our way"}, headers=served.acme.auth()
    )
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/api/v1/tickets/{target}/notes", json={"text": "Table 4"}, headers=served.acme.auth()
    )
    assert r.status_code == 201, r.text
    await witness.wait_for(lambda: "ticket.note" in witness.names(), 2, "the live note")
    live = [(n, d) for n, d in witness.received if isinstance(d, dict) and d["seq"] > last_seen]

    again = await open_console(consoles, served.url, auth={"token": token})
    await again.resume(last_seen)
    await again.wait_for(lambda: "resume.done" in again.names(), 3, "resume.done")

    replayed = again.received[:-1]
    assert [n for n, _ in replayed] == [
        "ticket.created", "ticket.created", "ticket.created",
        "ticket.message", "ticket.updated", "ticket.note",
    ]
    assert [d["id"] for n, d in replayed if n == "ticket.created"] == [m["id"] for m in missed]
    seqs = [d["seq"] for _, d in replayed]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs[0] > last_seen
    assert replayed == live  # the same names and payloads a live console got
    assert again.received[-1] == ("resume.done", {"seq": seqs[-1]})


@pytest.mark.parametrize(
    "data",
    [{"since": "5"}, {"since": -1}, {}, {"since": True}, {"since": 1.5}, {"since": None},
     "since", None, [1]],
    ids=["string", "negative", "missing", "bool", "float", "null", "not-an-object", "no-data",
         "list"],
)
async def test_a_malformed_resume_gets_an_error_event_and_keeps_the_connection(
    served: Served, consoles: list[Console], data: Any
) -> None:
    console = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    if data is None:
        await console.sio.emit("resume", namespace="/staff")
    else:
        await console.sio.emit("resume", data, namespace="/staff")
    error = await console.next_event("error", 2)
    assert set(error) == {"code", "message"} and error["code"] and error["message"]
    assert console.connected
    await console.resume(0)
    done = await console.next_event("resume.done", 3)
    assert isinstance(done["seq"], int) and done["seq"] > 0
    assert console.connected


async def test_a_customer_thread_gets_replies_and_status_changes_but_never_notes(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    mine = await post_sos(
        http, served.acme, anonymous=False, contact={"name": "Eva", "phone": "+34600111222"}
    )
    other = await post_sos(http, served.acme)
    thread = await open_console(
        consoles, served.url, "/thread", auth={"thread_token": mine["thread_url"].split("/t/")[1]}
    )
    bystander = await open_console(
        consoles, served.url, "/thread", auth={"thread_token": other["thread_url"].split("/t/")[1]}
    )
    staff = served.acme.auth()
    base = f"/api/v1/tickets/{mine['id']}"
    assert (await http.post(f"{base}/notes", json={"text": "Regular, VIP"}, headers=staff)).is_success
    assert (await http.post(f"{base}/replies", json={"text": "Coming"}, headers=staff)).is_success
    await thread.wait_for(lambda: len(thread.events("ticket.message")) == 1, 2, "the reply")
    token = mine["thread_url"].split("/t/")[1]
    r = await http.post(f"/api/v1/thread/{token}/messages", json={"text": "Thanks!"})
    assert r.status_code == 201, r.text
    await thread.wait_for(lambda: len(thread.events("ticket.message")) == 2, 2, "my own message")
    r = await http.patch(base, json={"status": "resolved"}, headers=staff)
    assert r.status_code == 200, r.text
    await thread.wait_for(
        lambda: any(e["status"] != "open" and e["resolved_at"] for e in thread.events(
            "ticket.updated")), 2, "the status change",
    )

    assert "ticket.note" not in thread.names()
    assert [e["message"]["text"] for e in thread.events("ticket.message")] == ["Coming", "Thanks!"]
    for name, data in thread.received:
        assert "seq" not in data, name
        if name == "ticket.updated":
            assert set(data) <= CUSTOMER_TICKET_KEYS, set(data) - CUSTOMER_TICKET_KEYS
            assert "Regular, VIP" not in str(data)

    # Another customer's thread heard none of it, and hears its own reply only.
    r = await http.post(f"/api/v1/tickets/{other['id']}/replies", json={"text": "Hi"}, headers=staff)
    assert r.status_code == 201
    await bystander.wait_for(lambda: "ticket.message" in bystander.names(), 2, "its own reply")
    assert {d["message"]["ticket_id"] for d in bystander.events("ticket.message")} == {other["id"]}
    assert all(d["id"] == other["id"] for d in bystander.events("ticket.updated"))


async def test_an_unknown_thread_token_is_refused(served: Served) -> None:
    for auth in ({"thread_token": "no-such-thread"}, {}, None, {"thread_token": 7}):
        console = Console(served.url, "/thread", auth=auth)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await console.connect()


async def test_logging_out_closes_that_users_open_consoles(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    cookie = await login_cookie(served.url, "agent@globex.example", PASSWORD)
    console = await open_console(consoles, served.url, cookie=cookie)
    colleague_cookie = await login_cookie(served.url, "manager@globex.example", PASSWORD)
    colleague = await open_console(consoles, served.url, cookie=colleague_cookie)

    r = await http.post("/logout", headers={"Cookie": cookie})
    assert r.status_code in (302, 303)
    await console.wait_for(lambda: not console.connected, 3, "the console to be disconnected")
    assert colleague.connected
