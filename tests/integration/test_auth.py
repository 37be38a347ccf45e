"""Staff authentication: password login with a session cookie, Bearer API tokens, CSRF, roles."""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
import uvicorn

from hub.accounts.access import deactivate_user
from hub.app import Hub
from tests.helpers import PASSWORD, Seeded, form_login
from tests.integration.realtime_clients import Console, login_cookie
from tests.kit import new_sos

LOGIN = "/api/v1/auth/login"
CSRF = {"X-Requested-With": "sos-hub"}


def _set_cookie(response: Any) -> str:
    return ", ".join(response.headers.getlist("Set-Cookie"))


async def _error(response: Any) -> dict[str, str]:
    body = await response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return dict(body["error"])


async def test_logging_in_with_the_right_password_sets_a_cookie_that_authorizes(
    client: Any, acme: Seeded
) -> None:
    await new_sos(client, acme, "Too cold")
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 200
    body = await r.get_json()
    assert body["user"]["email"] == "agent@acme.example"
    assert "password_hash" not in body["user"] and "token_hash" not in body["user"]
    cookie = _set_cookie(r)
    assert "QUART_AUTH=" in cookie and "HttpOnly" in cookie
    r = await client.get("/api/v1/tickets")
    assert r.status_code == 200
    assert [t["text"] for t in (await r.get_json())["items"]] == ["Too cold"]


async def test_login_ignores_the_case_and_spaces_of_the_email(client: Any, acme: Seeded) -> None:
    r = await client.post(LOGIN, json={"email": "  Agent@ACME.example ", "password": PASSWORD})
    assert r.status_code == 200


async def test_a_wrong_password_is_401_and_sets_no_cookie(client: Any, acme: Seeded) -> None:
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": "wrong-horse"})
    assert r.status_code == 401
    assert (await _error(r))["code"] == "unauthorized"
    assert "QUART_AUTH=" not in _set_cookie(r)
    assert (await client.get("/api/v1/tickets")).status_code == 401


async def test_an_unknown_email_gets_the_same_401_as_a_wrong_password(
    client: Any, acme: Seeded
) -> None:
    wrong = await client.post(LOGIN, json={"email": "agent@acme.example", "password": "nope-nope"})
    unknown = await client.post(LOGIN, json={"email": "nobody@acme.example", "password": PASSWORD})
    assert unknown.status_code == wrong.status_code == 401
    assert await _error(unknown) == await _error(wrong)
    assert "QUART_AUTH=" not in _set_cookie(unknown)


async def test_a_login_without_fields_is_400_naming_them(client: Any, acme: Seeded) -> None:
    r = await client.post(LOGIN, json={"email": "agent@acme.example"})
    assert r.status_code == 400
    assert "password" in (await _error(r))["message"]


async def test_logging_out_ends_the_session(client: Any, acme: Seeded) -> None:
    await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert (await client.get("/api/v1/me")).status_code == 200
    r = await client.post("/api/v1/auth/logout", headers=CSRF)
    assert r.status_code == 200
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_bearer_token_authorizes_and_names_its_user(client: Any, acme: Seeded) -> None:
    r = await client.get("/api/v1/me", headers=acme.auth("manager"))
    assert r.status_code == 200
    body = await r.get_json()
    assert body["user"]["email"] == "manager@acme.example"
    assert body["tenant"]["slug"] == "acme"


async def test_a_request_without_credentials_is_401(client: Any, acme: Seeded) -> None:
    for path in ("/api/v1/tickets", "/api/v1/me", "/api/v1/points", "/api/v1/events"):
        r = await client.get(path)
        assert r.status_code == 401, path
        assert (await _error(r))["code"] == "unauthorized"


async def test_a_garbage_or_wrong_token_is_401(client: Any, acme: Seeded) -> None:
    for header in (
        "Bearer garbage",
        "Bearer ",
        "Bearer " + acme.tokens["agent"] + "x",
        "Bearer " + "x" * 5000,
        "Basic " + acme.tokens["agent"],
    ):
        r = await client.get("/api/v1/tickets", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert (await _error(r))["code"] == "unauthorized"


async def test_a_cookie_write_needs_the_csrf_header(client: Any, hub: Hub, acme: Seeded) -> None:
    ticket_id = (await new_sos(client, acme, "Too cold"))["id"]
    await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    r = await client.patch(f"/api/v1/tickets/{ticket_id}", json={"status": "acknowledged"})
    assert r.status_code == 403
    assert (await _error(r))["code"] == "forbidden"
    stored = await hub.store.get(acme.tenant["id"], "tickets", ticket_id)
    assert stored is not None and stored["status"] == "new"
    r = await client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "acknowledged"}, headers=CSRF
    )
    assert r.status_code == 200
    assert (await r.get_json())["status"] == "acknowledged"


async def test_a_bearer_write_needs_no_csrf_header(client: Any, acme: Seeded) -> None:
    ticket_id = (await new_sos(client, acme, "Too cold"))["id"]
    r = await client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "acknowledged"}, headers=acme.auth()
    )
    assert r.status_code == 200


async def test_an_agent_is_refused_a_manager_endpoint_with_403(client: Any, acme: Seeded) -> None:
    r = await client.get("/api/v1/rules", headers=acme.auth("agent"))
    assert r.status_code == 403
    assert (await _error(r))["code"] == "forbidden"
    for role in ("manager", "admin"):
        assert (await client.get("/api/v1/rules", headers=acme.auth(role))).status_code == 200
    assert (await client.get("/api/v1/rules")).status_code == 401


async def test_an_agent_logged_in_by_cookie_is_refused_a_manager_endpoint(
    client: Any, acme: Seeded
) -> None:
    await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert (await client.get("/api/v1/rules")).status_code == 403
    await client.post(LOGIN, json={"email": "manager@acme.example", "password": PASSWORD})
    assert (await client.get("/api/v1/rules")).status_code == 200


async def test_passwords_and_tokens_are_stored_only_as_hashes(
    hub: Hub, settings: Any, acme: Seeded
) -> None:
    user = await hub.store.get(acme.tenant["id"], "users", acme.users["agent"]["id"])
    assert user is not None
    assert user["password_hash"].startswith("$argon2id$")
    token = acme.tokens["agent"]
    assert user["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    await hub.store.close()  # flush the WAL into the file before reading its bytes
    try:
        files = [Path(settings.sqlite_path)]
        files += [files[0].with_name(files[0].name + s) for s in ("-wal", "-journal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert b"$argon2id$" in raw  # the file really holds the users
        for role in ("agent", "manager", "admin"):
            assert acme.tokens[role].encode() not in raw
        assert PASSWORD.encode() not in raw
    finally:
        await hub.store.open()


async def test_an_unknown_email_takes_as_long_as_a_wrong_password(
    client: Any, acme: Seeded
) -> None:
    # Without a decoy hash an unknown e-mail answered ~1,000 times faster than a wrong
    # password (no Argon2 run), which told attackers which e-mails have accounts.
    async def timed(email: str) -> float:
        started = time.perf_counter()
        r = await client.post(LOGIN, json={"email": email, "password": "not-the-password"})
        assert r.status_code == 401
        return time.perf_counter() - started

    await timed("nobody@acme.example")  # the decoy hash is made once, on first use
    wrong = statistics.median([await timed("agent@acme.example") for _ in range(3)])
    unknown = statistics.median([await timed("nobody@acme.example") for _ in range(3)])
    assert unknown > wrong / 4, (unknown, wrong)


# ---------------------------------------------------------------- sessions end on the server


def _copied(response: Any) -> dict[str, str]:
    """The session cookie of a login answer, as a thief who copied it would send it."""
    cookies = [c.split(";", 1)[0] for c in response.headers.getlist("Set-Cookie")]
    session = [c for c in cookies if c.startswith("QUART_AUTH=")]
    assert session, cookies
    return {"Cookie": session[0]}


async def test_a_copied_session_cookie_gets_401_after_logging_out_through_the_api(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    copy = _copied(r)
    thief = hub.quart.test_client(use_cookies=False)
    assert (await thief.get("/api/v1/me", headers=copy)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=CSRF)).status_code == 200
    r = await thief.get("/api/v1/me", headers=copy)
    assert r.status_code == 401
    assert (await _error(r))["code"] == "unauthorized"
    r = await thief.get("/console", headers=copy)
    assert r.status_code == 302 and "/login" in r.headers["Location"]


async def test_a_copied_session_cookie_gets_401_after_logging_out_of_the_console_page(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    r = await form_login(client, {"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 303
    copy = _copied(r)
    thief = hub.quart.test_client(use_cookies=False)
    assert (await thief.get("/api/v1/me", headers=copy)).status_code == 200
    r = await client.post("/logout")
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")
    assert (await thief.get("/api/v1/me", headers=copy)).status_code == 401


# What a browser says of a post from another page: another site's (Fetch Metadata), a sibling
# subdomain's (same site, other origin), an older browser's foreign Origin.
FOREIGN_POSTS = (
    {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.hub.test"},
    {"Origin": "http://evil.example"},
)


async def test_another_sites_page_cannot_log_a_console_out(client: Any, acme: Seeded) -> None:
    """The console's "Log out" form and the API's logout take no custom header, so a page
    of another origin could post them with the session cookie (SameSite lets a sibling
    subdomain's through): refused, the session goes on."""
    r = await form_login(client, {"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 303
    for sent in FOREIGN_POSTS:
        r = await client.post("/logout", headers=sent)
        assert r.status_code == 403, sent
        assert "another site" in await r.get_data(as_text=True)
        r = await client.post("/api/v1/auth/logout", headers=sent)
        assert r.status_code == 403, sent
        assert (await _error(r))["code"] == "forbidden"
        assert (await client.get("/api/v1/me")).status_code == 200, sent
    # the console's own page (a browser saying same-origin is believed, whatever its Origin)
    r = await client.post("/logout", headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/login")
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_a_cookie_write_from_a_page_that_says_origin_null_is_refused(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """A sandboxed frame on a sibling subdomain (the same site: SameSite lets the cookie go)
    sends "Origin: null", and a privacy proxy may strip Sec-Fetch-Site: a write with the
    session cookie is then refused, whatever its custom header. API tokens are no cookie:
    a script's Origin does not matter."""
    ticket = await new_sos(client, acme)
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 200
    note = f"/api/v1/tickets/{ticket['id']}/notes"
    framed = {"X-Requested-With": "sos-hub", "Origin": "null"}
    r = await client.post(note, json={"text": "from a frame"}, headers=framed)
    assert r.status_code == 403
    error = await _error(r)
    assert error["code"] == "forbidden" and "Origin: null" in error["message"]
    r = await client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "open"}, headers=framed
    )
    assert r.status_code == 403
    # a page's plain form too: the session goes on
    r = await client.post("/logout", headers={"Origin": "null"})
    assert r.status_code == 403 and "Origin: null" in await r.get_data(as_text=True)
    r = await client.post("/api/v1/auth/logout", headers={"Origin": "null"})
    assert r.status_code == 403 and (await _error(r))["code"] == "forbidden"
    seen = await (await client.get(f"/api/v1/tickets/{ticket['id']}")).get_json()
    assert seen["notes"] == [] and seen["status"] == "new"
    # the hub's own page names its origin (or its browser says same-origin): it is written
    own = hub.settings.public_origin
    for sent in ({"Origin": own}, {"Sec-Fetch-Site": "same-origin", "Origin": "null"}):
        headers = {"X-Requested-With": "sos-hub", **sent}
        r = await client.post(note, json={"text": "from the console"}, headers=headers)
        assert r.status_code == 201, (sent, await r.get_data(as_text=True))
    # an API token without a cookie: the Origin a script sends is not a browser's word
    script = hub.quart.test_client(use_cookies=False)
    r = await script.post(
        note, json={"text": "from a script"}, headers={**acme.auth("agent"), "Origin": "null"}
    )
    assert r.status_code == 201, await r.get_data(as_text=True)


async def test_logging_in_twice_gives_two_sessions_and_logging_out_ends_only_one(
    hub: Hub, acme: Seeded
) -> None:
    phone, desk = hub.quart.test_client(), hub.quart.test_client()
    for c in (phone, desk):
        r = await c.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
        assert r.status_code == 200
    assert (await phone.post("/api/v1/auth/logout")).status_code == 200
    assert (await phone.get("/api/v1/me")).status_code == 401
    assert (await desk.get("/api/v1/me")).status_code == 200


# ---------------------------------------------------------------- a real server for sockets


@pytest.fixture
async def live(hub: Hub) -> AsyncIterator[str]:
    """The test's own hub served on a loopback port, so its store and sockets are at hand."""
    server = uvicorn.Server(
        uvicorn.Config(
            hub.asgi,
            host="127.0.0.1",
            port=0,
            log_level="warning",
            ws="websockets-sansio",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    consoles: list[Console] = []
    hub.quart.extensions["test_consoles"] = consoles
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for console in consoles:
            await console.close()
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _console(hub: Hub, url: str, **kwargs: Any) -> Console:
    console = Console(url, **kwargs)
    hub.quart.extensions["test_consoles"].append(console)
    await console.connect()
    assert console.connected
    return console


async def _me(url: str, headers: dict[str, str]) -> int:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return (await http.get("/api/v1/me", headers=headers)).status_code


async def test_changing_the_password_ends_the_other_sessions_and_their_consoles_but_not_this_one(
    hub: Hub, live: str, acme: Seeded
) -> None:
    here = await login_cookie(live, "agent@acme.example", PASSWORD)
    there = await login_cookie(live, "agent@acme.example", PASSWORD)
    here_console = await _console(hub, live, cookie=here)
    there_console = await _console(hub, live, cookie=there)
    token_console = await _console(hub, live, auth={"token": acme.tokens["agent"]})
    async with httpx.AsyncClient(base_url=live, timeout=30) as http:
        r = await http.post(
            "/api/v1/me/password",
            headers={"Cookie": here, **CSRF},
            json={"current": PASSWORD, "new": "new-horse-42"},
        )
        assert r.status_code == 200, r.text
    await there_console.wait_for(
        lambda: not there_console.connected, 10, "the other session's console to close"
    )
    assert await _me(live, {"Cookie": there}) == 401
    assert await _me(live, {"Cookie": here}) == 200
    assert here_console.connected
    # a token made with the leaked password dies with it, and so do the consoles it opened
    await token_console.wait_for(
        lambda: not token_console.connected, 10, "the token's console to close"
    )
    assert await _me(live, acme.auth()) == 401
    async with httpx.AsyncClient(base_url=live, timeout=30) as http:
        old = await http.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
        new = await http.post(
            LOGIN, json={"email": "agent@acme.example", "password": "new-horse-42"}
        )
    assert (old.status_code, new.status_code) == (401, 200)


async def test_a_password_changed_with_the_api_token_keeps_that_token(
    client: Any, acme: Seeded
) -> None:
    r = await client.post(
        "/api/v1/me/password",
        headers=acme.auth("manager"),
        json={"current": PASSWORD, "new": "new-horse-42"},
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await client.get("/api/v1/me", headers=acme.auth("manager"))).status_code == 200


async def test_a_wrong_current_password_is_refused_naming_current_and_changes_nothing(
    client: Any, acme: Seeded
) -> None:
    r = await client.post(
        "/api/v1/me/password",
        headers=acme.auth(),
        json={"current": "not-it-at-all", "new": "new-horse-42"},
    )
    assert r.status_code in (400, 403)
    assert "current" in (await _error(r))["message"]
    r = await client.post(
        "/api/v1/me/password", json={"current": PASSWORD, "new": "short"}, headers=acme.auth()
    )
    assert r.status_code == 400
    assert "new" in (await _error(r))["message"]
    r = await client.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 200


async def test_rotating_the_api_token_retires_the_old_one_and_shows_the_new_one_once(
    hub: Hub, live: str, client: Any, acme: Seeded
) -> None:
    old = acme.tokens["agent"]
    old_console = await _console(hub, live, auth={"token": old})
    r = await client.post("/api/v1/me/token", headers=acme.auth())
    assert r.status_code == 200
    new = (await r.get_json())["api_token"]
    assert new and new != old
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert r.status_code == 401
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"})
    assert r.status_code == 200
    assert new not in await r.get_data(as_text=True)
    await old_console.wait_for(
        lambda: not old_console.connected, 10, "the old token's console to close"
    )
    assert (await _console(hub, live, auth={"token": new})).connected


def _closed(console: Console) -> bool:
    return not console.connected


async def test_a_deactivated_user_loses_cookie_token_and_console_at_once(
    hub: Hub, live: str, acme: Seeded
) -> None:
    cookie = await login_cookie(live, "agent@acme.example", PASSWORD)
    by_cookie = await _console(hub, live, cookie=cookie)
    by_token = await _console(hub, live, auth={"token": acme.tokens["agent"]})
    colleague = await _console(hub, live, auth={"token": acme.tokens["manager"]})
    await deactivate_user(hub.store, hub.sio, acme.tenant["id"], acme.users["agent"]["id"])
    for console in (by_cookie, by_token):
        await console.wait_for(partial(_closed, console), 10, "the console to close")
    assert await _me(live, {"Cookie": cookie}) == 401
    assert await _me(live, acme.auth()) == 401
    assert await _me(live, acme.auth("manager")) == 200
    assert colleague.connected
    async with httpx.AsyncClient(base_url=live, timeout=30) as http:
        r = await http.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
    assert r.status_code == 401
    refused = Console(live, auth={"token": acme.tokens["agent"]})
    hub.quart.extensions["test_consoles"].append(refused)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await refused.connect()


async def test_an_admin_deactivates_a_colleague_and_every_door_closes_at_once(
    hub: Hub, live: str, acme: Seeded
) -> None:
    cookie = await login_cookie(live, "agent@acme.example", PASSWORD)
    by_cookie = await _console(hub, live, cookie=cookie)
    by_token = await _console(hub, live, auth={"token": acme.tokens["agent"]})
    agent_id = acme.users["agent"]["id"]
    async with httpx.AsyncClient(base_url=live, timeout=30) as http:
        r = await http.patch(
            f"/api/v1/users/{agent_id}", json={"active": False}, headers=acme.auth("admin")
        )
        assert r.status_code == 200, r.text
        assert r.json()["active"] is False and "password_hash" not in r.json()
        for console in (by_cookie, by_token):
            await console.wait_for(partial(_closed, console), 10, "the console to close")
        assert await _me(live, {"Cookie": cookie}) == 401
        assert await _me(live, acme.auth()) == 401
        listed = (await http.get("/api/v1/users", headers=acme.auth("admin"))).json()["items"]
        assert {u["email"]: u["active"] for u in listed}["agent@acme.example"] is False
        # back at work next season: they log in again (their old token stays retired)
        r = await http.patch(
            f"/api/v1/users/{agent_id}", json={"active": True}, headers=acme.auth("admin")
        )
        assert r.status_code == 200 and r.json()["active"] is True
        r = await http.post(LOGIN, json={"email": "agent@acme.example", "password": PASSWORD})
        assert r.status_code == 200


async def test_only_an_admin_changes_colleagues_and_never_locks_themselves_out(
    client: Any, acme: Seeded
) -> None:
    admin_id, agent_id = acme.users["admin"]["id"], acme.users["agent"]["id"]
    for role in ("agent", "manager"):
        r = await client.patch(
            f"/api/v1/users/{agent_id}", json={"active": False}, headers=acme.auth(role)
        )
        assert r.status_code == 403
    for body, field in (({"active": False}, "active"), ({"role": "agent"}, "role")):
        r = await client.patch(f"/api/v1/users/{admin_id}", json=body, headers=acme.auth("admin"))
        assert r.status_code == 409
        assert field in (await _error(r))["message"]
    r = await client.patch(
        f"/api/v1/users/{agent_id}", json={"role": "owner"}, headers=acme.auth("admin")
    )
    assert r.status_code == 400 and "role" in (await _error(r))["message"]
    r = await client.patch(
        f"/api/v1/users/{agent_id}", json={"role": "manager"}, headers=acme.auth("admin")
    )
    assert r.status_code == 200 and (await r.get_json())["role"] == "manager"
    r = await client.get("/api/v1/rules", headers=acme.auth("agent"))
    assert r.status_code == 200  # the new manager may now read the routing rules


# ---------------------------------------------------------------- the login page


async def test_the_login_form_refuses_a_post_without_its_token_and_logs_no_one_in(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    form = {"email": "agent@acme.example", "password": PASSWORD}
    r = await client.post("/login", form=form)
    assert r.status_code in (400, 403)
    assert "QUART_AUTH=" not in _set_cookie(r)
    page = await r.get_data(as_text=True)
    assert "<form" in page and 'name="csrf_token"' in page  # readable: a fresh form to retry
    assert (await client.get("/api/v1/me")).status_code == 401
    # a token from another browser (another pre-login cookie) does not do either
    other = hub.quart.test_client()
    theirs = await other.get("/login")
    from tests.helpers import LOGIN_FORM_TOKEN

    token = LOGIN_FORM_TOKEN.search(await theirs.get_data(as_text=True))
    assert token
    r = await client.post("/login", form={**form, "csrf_token": token.group(1)})
    assert r.status_code in (400, 403)
    assert (await client.get("/api/v1/me")).status_code == 401
    # with the token of its own page it works
    r = await form_login(client, form)
    assert r.status_code == 303 and r.headers["Location"] == "/console"
    assert (await client.get("/api/v1/me")).status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "/\\evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "/\t\\evil.example",
        "//evil.example",
        "https://evil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "\\\\evil.example",
        "/\r\n/evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
async def test_the_login_never_redirects_to_another_site(
    client: Any, acme: Seeded, target: str
) -> None:
    page = await (await client.get("/login", query_string={"next": target})).get_data(as_text=True)
    assert "evil" not in page
    form = {"email": "agent@acme.example", "password": PASSWORD, "next": target}
    r = await form_login(client, form)
    assert r.status_code == 303
    assert r.headers["Location"] == "/console", r.headers["Location"]


async def test_the_login_still_returns_to_a_page_of_this_site(client: Any, acme: Seeded) -> None:
    r = await form_login(
        client, {"email": "agent@acme.example", "password": PASSWORD, "next": "/admin/rules?tab=2"}
    )
    assert r.status_code == 303 and r.headers["Location"] == "/admin/rules?tab=2"
