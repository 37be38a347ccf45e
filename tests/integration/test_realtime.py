"""Live events on a real `sos-hub serve`: /staff consoles and /thread pages, as clients see them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import socketio

from tests.helpers import PASSWORD
from tests.integration.realtime_clients import (
    HTTP_TIMEOUT,
    Console,
    login_cookie,
)
from tests.kit import CONTRACT_TICKET_KEYS, Serve, Served, http_sos

pytestmark = pytest.mark.slow

# What a customer may see of their ticket on /thread; anything else is staff-only.
CUSTOMER_TICKET_KEYS = {
    "id",
    "number",
    "status",
    "text",
    "language",
    "translations",
    "anonymous",
    "point",
    "created_at",
    "resolved_at",
    "survey",  # the customer's own survey answer
}


SERVED = Serve(slugs=("acme", "globex"))  # one hub for the module, two businesses


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


async def open_console(
    opened: list[Console], url: str, namespace: str = "/staff", **kwargs: Any
) -> Console:
    console = Console(url, namespace, **kwargs)
    opened.append(console)
    return await console.connect()


def created_ids(console: Console) -> list[str]:
    return [e["id"] for e in console.events("ticket.created")]


def latest_view(console: Console, ticket_id: str) -> dict[str, Any]:
    """The ticket as the console shows it: its newest created/updated payload by seq."""
    views: list[dict[str, Any]] = [
        data
        for _, (name, data) in sorted(console.shown.items())
        if name in ("ticket.created", "ticket.updated") and data["id"] == ticket_id
    ]
    return views[-1]


async def test_a_console_gets_a_new_sos_live_as_the_api_shows_it(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    # How fast it arrives is bench/fanout.py's to measure; a test on a shared machine only
    # waits for it to arrive (the bound is a hang guard, not a latency target).
    console = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    sos = await http_sos(
        http, served.acme, anonymous=False, contact={"name": "Ana", "email": "ana@example.com"}
    )
    await console.wait_for(lambda: sos["id"] in created_ids(console), 15.0, "ticket.created")
    event = console.events("ticket.created")[-1]
    assert isinstance(event["seq"], int) and event["seq"] > 0
    assert set(event) >= CONTRACT_TICKET_KEYS, CONTRACT_TICKET_KEYS - set(event)
    assert event["contact"] == {"name": "Ana", "email": "ana@example.com"}
    assert event["number"] == sos["number"] and event["status"] == "new"
    assert "thread_token" not in event and "tenant_id" not in event

    # Later changes (translation, routing) arrive as ticket.updated: once they have, the
    # console shows the ticket exactly as the API does.
    deadline = time.monotonic() + 5
    while True:
        r = await http.get(f"/api/v1/tickets/{sos['id']}", headers=served.acme.auth())
        ticket = r.json()
        for key in ("messages", "notes", "history"):
            ticket.pop(key)
        view = latest_view(console, sos["id"])
        differing = {k for k in view if k != "seq" and view[k] != ticket.get(k)}
        if not differing:
            break
        assert time.monotonic() < deadline, {k: (view[k], ticket.get(k)) for k in differing}
        await asyncio.sleep(0.05)  # poll the API until the deadline


async def test_a_console_never_gets_another_business_events(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    mine = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    foreign = await open_console(
        consoles, served.url, auth={"token": served.globex.tokens["admin"]}
    )
    acme_sos = await http_sos(http, served.acme)
    await mine.wait_for(lambda: acme_sos["id"] in created_ids(mine), 5, "acme's ticket")
    # The foreign console's own SOS comes after: had acme's leaked, it would have come first.
    globex_sos = await http_sos(http, served.globex)
    await foreign.wait_for(lambda: bool(foreign.received), 5, "globex's ticket")
    assert foreign.names()[0] == "ticket.created"
    assert {d.get("ticket_id") or d["id"] for d in foreign.events()} == {globex_sos["id"]}
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
    ids=[
        "nothing",
        "empty",
        "unknown-token",
        "number",
        "list",
        "huge",
        "forged-cookie",
        "bad-cookie",
        "thread-token",
    ],
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
        served.url,
        auth={"token": served.acme.tokens["agent"]},
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
    sos = await http_sos(http, served.acme)
    await console.wait_for(lambda: sos["id"] in created_ids(console), 5, "ticket.created")


async def test_a_console_that_missed_events_gets_exactly_those_on_resume_in_order(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    token = served.acme.tokens["agent"]
    witness = await open_console(consoles, served.url, auth={"token": token})
    console = await open_console(consoles, served.url, auth={"token": token})
    first = await http_sos(http, served.acme)
    await console.wait_for(lambda: first["id"] in created_ids(console), 5, "the first SOS")
    last_seen = console.max_seq
    await console.close()

    missed = [await http_sos(http, served.acme) for _ in range(3)]
    target = missed[1]["id"]
    r = await http.post(
        f"/api/v1/tickets/{target}/replies", json={"text": "On our way"}, headers=served.acme.auth()
    )
    assert r.status_code == 201, r.text
    r = await http.post(
        f"/api/v1/tickets/{target}/notes", json={"text": "Table 4"}, headers=served.acme.auth()
    )
    assert r.status_code == 201, r.text

    # Background jobs (translation, routing) may add ticket.updated events at any moment;
    # those the witness got before `again` connects can reach `again` only by replay.
    await witness.wait_for(lambda: "ticket.note" in witness.names(), 5, "the live note")
    before = {seq: event for seq, event in witness.shown.items() if seq > last_seen}

    again = await open_console(consoles, served.url, auth={"token": token})
    await again.resume(last_seen)
    await again.wait_for(lambda: "resume.done" in again.names(), 5, "resume.done")
    at = again.names().index("resume.done")
    done = again.received[at][1]
    got = [(n, d) for n, d in again.received[:at] if d["seq"] <= done["seq"]]

    # What only replay could bring: each once, in seq order, named and shaped as live.
    replayed = [(n, d) for n, d in got if d["seq"] in before]
    assert replayed == [before[seq] for seq in sorted(before)]
    names = [n for n, d in replayed if target in (d.get("id"), d.get("ticket_id"))]
    assert names[0] == "ticket.created"
    assert names.index("ticket.message") < names.index("ticket.note")
    assert [d["id"] for n, d in replayed if n == "ticket.created"] == [m["id"] for m in missed]
    # And nothing stored in (last_seen, done] is missing, as the HTTP twin lists it.
    r = await http.get(f"/api/v1/events?since={last_seen}", headers=served.acme.auth())
    stored = {e["seq"]: (e["name"], e["data"]) for e in r.json()["items"]}
    assert {d["seq"]: (n, d) for n, d in got} == {
        seq: event for seq, event in stored.items() if seq <= done["seq"]
    }
    assert done["seq"] >= max(before)


@pytest.mark.parametrize(
    "data",
    [
        {"since": "5"},
        {"since": -1},
        {},
        {"since": True},
        {"since": 1.5},
        {"since": None},
        {"since": 2**64},
        "since",
        None,
        [1],
    ],
    ids=[
        "string",
        "negative",
        "missing",
        "bool",
        "float",
        "null",
        "huge",
        "not-an-object",
        "no-data",
        "list",
    ],
)
async def test_a_malformed_resume_gets_an_error_event_and_keeps_the_connection(
    served: Served, consoles: list[Console], data: Any
) -> None:
    console = await open_console(consoles, served.url, auth={"token": served.acme.tokens["agent"]})
    if data is None:
        await console.sio.emit("resume", namespace="/staff")
    else:
        await console.sio.emit("resume", data, namespace="/staff")
    error = await console.next_event("error", 5)
    assert set(error) == {"code", "message"} and error["code"] and error["message"]
    assert console.connected
    await console.resume(0)
    done = await console.next_event("resume.done", 5)
    assert isinstance(done["seq"], int) and done["seq"] > 0
    assert console.connected


async def test_a_customer_thread_gets_replies_and_status_changes_but_never_notes(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    mine = await http_sos(
        http, served.acme, anonymous=False, contact={"name": "Eva", "phone": "+34600111222"}
    )
    other = await http_sos(http, served.acme)
    thread = await open_console(
        consoles, served.url, "/thread", auth={"thread_token": mine["thread_url"].split("/t/")[1]}
    )
    bystander = await open_console(
        consoles, served.url, "/thread", auth={"thread_token": other["thread_url"].split("/t/")[1]}
    )
    staff = served.acme.auth()
    base = f"/api/v1/tickets/{mine['id']}"
    r = await http.post(f"{base}/notes", json={"text": "Regular, VIP"}, headers=staff)
    assert r.status_code == 201, r.text
    r = await http.post(f"{base}/replies", json={"text": "Coming"}, headers=staff)
    assert r.status_code == 201, r.text
    await thread.wait_for(lambda: len(thread.events("ticket.message")) == 1, 5, "the reply")
    token = mine["thread_url"].split("/t/")[1]
    r = await http.post(f"/api/v1/thread/{token}/messages", json={"text": "Thanks!"})
    assert r.status_code == 201, r.text
    await thread.wait_for(lambda: len(thread.events("ticket.message")) == 2, 5, "my own message")
    r = await http.patch(base, json={"status": "resolved"}, headers=staff)
    assert r.status_code == 200, r.text
    await thread.wait_for(
        lambda: any(
            e["status"] != "open" and e["resolved_at"] for e in thread.events("ticket.updated")
        ),
        5,
        "the status change",
    )

    assert "ticket.note" not in thread.names()
    assert [e["message"]["text"] for e in thread.events("ticket.message")] == ["Coming", "Thanks!"]
    for name, data in thread.received:
        assert "seq" not in data, name
        if name == "ticket.updated":
            assert set(data) <= CUSTOMER_TICKET_KEYS, set(data) - CUSTOMER_TICKET_KEYS
            assert "Regular, VIP" not in str(data)

    # Another customer's thread heard none of it, and hears its own reply only.
    r = await http.post(
        f"/api/v1/tickets/{other['id']}/replies", json={"text": "Hi"}, headers=staff
    )
    assert r.status_code == 201
    await bystander.wait_for(lambda: "ticket.message" in bystander.names(), 5, "its own reply")
    assert {d["message"]["ticket_id"] for d in bystander.events("ticket.message")} == {other["id"]}
    assert all(d["id"] == other["id"] for d in bystander.events("ticket.updated"))


async def test_an_unknown_thread_token_is_refused(served: Served) -> None:
    for auth in ({"thread_token": "no-such-thread"}, {}, None, {"thread_token": 7}):
        console = Console(served.url, "/thread", auth=auth)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await console.connect()


async def test_one_thread_link_opens_a_few_live_pages_not_the_whole_socket_cap(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    """A script holding one SOS's link cannot open hundreds of sockets through it."""
    from hub.realtime.namespaces import PAGES_PER_THREAD

    mine, other = await http_sos(http, served.acme), await http_sos(http, served.acme)
    auth = {"thread_token": mine["thread_url"].split("/t/")[1]}
    pages = [
        await open_console(consoles, served.url, "/thread", auth=auth)
        for _ in range(PAGES_PER_THREAD)
    ]
    one_more = Console(served.url, "/thread", auth=auth)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await one_more.connect()
    await one_more.close()
    # another customer's link is not affected, and a page closed frees its place
    await open_console(
        consoles, served.url, "/thread", auth={"thread_token": other["thread_url"].split("/t/")[1]}
    )
    await pages[0].close()
    for _ in range(200):  # the server hears the close a moment later
        again = Console(served.url, "/thread", auth=auth)
        consoles.append(again)
        try:
            await again.connect()
            break
        except socketio.exceptions.ConnectionError:
            await asyncio.sleep(0.05)
    assert again.connected


async def test_logging_out_closes_that_users_open_consoles(
    served: Served, http: httpx.AsyncClient, consoles: list[Console]
) -> None:
    globex = served.globex
    cookie = await login_cookie(served.url, "agent@globex.example", PASSWORD)
    console = await open_console(consoles, served.url, cookie=cookie)
    other_tab = await open_console(consoles, served.url, cookie=cookie)
    # The same user's API-token integration is not the session: it stays.
    integration = await open_console(consoles, served.url, auth={"token": globex.tokens["agent"]})
    colleague_cookie = await login_cookie(served.url, "manager@globex.example", PASSWORD)
    colleague = await open_console(consoles, served.url, cookie=colleague_cookie)

    r = await http.post("/logout", headers={"Cookie": cookie})
    assert r.status_code in (302, 303)
    await console.wait_for(lambda: not console.connected, 5, "the console to be closed")
    await other_tab.wait_for(lambda: not other_tab.connected, 5, "the other tab to be closed")
    assert integration.connected and colleague.connected
    sos = await http_sos(http, globex)
    await integration.wait_for(lambda: sos["id"] in created_ids(integration), 5, "live events")


async def test_logging_out_through_the_api_closes_that_sessions_consoles(
    served: Served, consoles: list[Console]
) -> None:
    cookie = await login_cookie(served.url, "admin@globex.example", PASSWORD)
    console = await open_console(consoles, served.url, cookie=cookie)
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.post(
            "/api/v1/auth/logout", headers={"Cookie": cookie, "X-Requested-With": "sos-hub"}
        )
    assert r.status_code == 200, r.text
    await console.wait_for(lambda: not console.connected, 5, "the console to be closed")
