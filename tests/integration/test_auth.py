"""Staff authentication: password login with a session cookie, Bearer API tokens, CSRF, roles."""

from __future__ import annotations

import hashlib
import statistics
import time
from pathlib import Path
from typing import Any

from hub.app import Hub
from tests.helpers import PASSWORD, Seeded

LOGIN = "/api/v1/auth/login"
CSRF = {"X-Requested-With": "sos-hub"}


def _set_cookie(response: Any) -> str:
    return ", ".join(response.headers.getlist("Set-Cookie"))


async def _error(response: Any) -> dict[str, str]:
    body = await response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return dict(body["error"])


async def _new_ticket(client: Any, seeded: Seeded) -> str:
    r = await client.post(
        "/api/v1/sos", json={"point": seeded.point["code"], "text": "Too cold", "anonymous": True}
    )
    assert r.status_code == 201
    return str((await r.get_json())["id"])


async def test_logging_in_with_the_right_password_sets_a_cookie_that_authorizes(
    client: Any, acme: Seeded
) -> None:
    await _new_ticket(client, acme)
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
    ticket_id = await _new_ticket(client, acme)
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
    ticket_id = await _new_ticket(client, acme)
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
