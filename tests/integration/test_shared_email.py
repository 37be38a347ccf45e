"""One e-mail at two businesses: staff e-mails are unique per business only.

Creating a user tells an admin nothing about other businesses' staff (a 201, not a 409),
and a person working for two businesses logs in to the one their password opens, or
chooses among the ones it opens, after the password was checked.
"""

from __future__ import annotations

import html
import re
from typing import Any

from hub.accounts.passwords import hash_token
from hub.accounts.services import create_user
from hub.app import Hub
from tests.helpers import PASSWORD, Seeded, _cached_hash, form_login

USERS = "/api/v1/users"
LOGIN = "/api/v1/auth/login"
OTHER = "another-pass-2026"
CHOICE = re.compile(r'name="choice" value="([^"]+)"')
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def add(hub: Hub, seeded: Seeded, email: str, password: str) -> dict[str, Any]:
    user, _ = await create_user(
        hub.store,
        seeded.tenant,
        email=email,
        password=password,
        role="agent",
        hash_password=_cached_hash,
        hash_token=hash_token,
    )
    return user


async def test_an_admin_learns_nothing_of_another_business_s_staff(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    taken_elsewhere = str(globex.users["admin"]["email"])
    r = await client.post(
        USERS,
        json={"email": taken_elsewhere, "name": "Cross", "role": "agent"},
        headers=acme.auth("admin"),
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert (await r.get_json())["email"] == taken_elsewhere
    # twice in one business is still refused, naming the field
    r = await client.post(
        USERS,
        json={"email": f" {taken_elsewhere.upper()}", "role": "agent"},
        headers=acme.auth("admin"),
    )
    assert r.status_code == 409
    message = (await r.get_json())["error"]["message"]
    assert message.startswith("email:") and "this business" in message
    # the other business's account is untouched and still logs in
    r = await client.post(LOGIN, json={"email": taken_elsewhere, "password": PASSWORD})
    assert r.status_code == 200 and (await r.get_json())["tenant_id"] == globex.tenant["id"]


async def test_the_api_login_opens_the_account_the_password_is_for(
    hub: Hub, client: Any, acme: Seeded, globex: Seeded
) -> None:
    await add(hub, acme, "ana@two.example", PASSWORD)
    await add(hub, globex, "ana@two.example", OTHER)
    r = await client.post(LOGIN, json={"email": "Ana@two.example", "password": OTHER})
    assert r.status_code == 200 and (await r.get_json())["tenant_id"] == globex.tenant["id"]
    r = await client.post(LOGIN, json={"email": "ana@two.example", "password": PASSWORD})
    assert r.status_code == 200 and (await r.get_json())["tenant_id"] == acme.tenant["id"]
    me = await (await client.get("/api/v1/me")).get_json()
    assert me["tenant"]["slug"] == "acme"
    r = await client.post(LOGIN, json={"email": "ana@two.example", "password": "wrong-pass"})
    assert r.status_code == 401
    assert "business" not in await r.get_data(as_text=True)


async def test_the_api_login_lists_the_businesses_only_to_the_right_password(
    hub: Hub, client: Any, acme: Seeded, globex: Seeded
) -> None:
    await add(hub, acme, "bea@two.example", PASSWORD)
    await add(hub, globex, "bea@two.example", PASSWORD)
    r = await client.post(LOGIN, json={"email": "bea@two.example", "password": "wrong-pass"})
    assert r.status_code == 401
    body = await r.get_data(as_text=True)
    assert "acme" not in body and "globex" not in body
    r = await client.post(LOGIN, json={"email": "bea@two.example", "password": PASSWORD})
    assert r.status_code == 409
    error = (await r.get_json())["error"]
    assert error["message"].startswith("business:")
    assert error["businesses"] == [
        {"slug": "acme", "name": "Business acme"},
        {"slug": "globex", "name": "Business globex"},
    ]
    assert "QUART_AUTH" not in r.headers.get("Set-Cookie", "")
    for slug, seeded in (("globex", globex), ("acme", acme)):
        r = await client.post(
            LOGIN, json={"email": "bea@two.example", "password": PASSWORD, "business": slug}
        )
        assert r.status_code == 200 and (await r.get_json())["tenant_id"] == seeded.tenant["id"]
    r = await client.post(
        LOGIN, json={"email": "bea@two.example", "password": PASSWORD, "business": "initech"}
    )
    assert r.status_code == 400 and "business" in (await r.get_json())["error"]["message"]


async def test_the_login_form_shows_the_choice_after_the_password_and_logs_in_to_it(
    hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    await add(hub, acme, "cris@two.example", PASSWORD)
    await add(hub, globex, "cris@two.example", PASSWORD)
    browser = hub.quart.test_client()
    wrong = await form_login(browser, {"email": "cris@two.example", "password": "wrong-pass"})
    assert wrong.status_code == 401
    assert "Business acme" not in await wrong.get_data(as_text=True)

    page = await form_login(browser, {"email": "cris@two.example", "password": PASSWORD})
    text = await page.get_data(as_text=True)
    assert page.status_code == 200 and "Business acme" in text and "Business globex" in text
    form = {
        "choice": html.unescape(CHOICE.search(text).group(1)),  # type: ignore[union-attr]
        "csrf_token": html.unescape(TOKEN.search(text).group(1)),  # type: ignore[union-attr]
        "next": "",
    }
    # the chooser is worth nothing in another browser (its token is tied to this one's cookie)
    stranger = hub.quart.test_client()
    r = await stranger.post("/login/choose", form={**form, "business": globex.tenant["id"]})
    assert r.status_code == 403
    # nor for a business the password did not open
    r = await browser.post("/login/choose", form={**form, "business": "no-such-business"})
    assert r.status_code == 403
    r = await browser.post("/login/choose", form={**form, "business": globex.tenant["id"]})
    assert r.status_code == 303
    me = await (await browser.get("/api/v1/me")).get_json()
    assert me["tenant"]["slug"] == "globex" and me["user"]["email"] == "cris@two.example"


async def test_after_logging_out_the_same_chooser_form_logs_in_nowhere(
    hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    """A shared reception PC: someone picks a business, works, logs out. The chooser's form
    values (in the browser's history, or resent with Back) must not log in again, to that
    business or another, without the password: a login and a logout renew the browser's
    pre-login cookie the chooser's token is tied to."""
    await add(hub, acme, "cris@two.example", PASSWORD)
    await add(hub, globex, "cris@two.example", PASSWORD)
    browser = hub.quart.test_client()
    page = await form_login(browser, {"email": "cris@two.example", "password": PASSWORD})
    text = await page.get_data(as_text=True)
    form = {
        "choice": html.unescape(CHOICE.search(text).group(1)),  # type: ignore[union-attr]
        "csrf_token": html.unescape(TOKEN.search(text).group(1)),  # type: ignore[union-attr]
        "next": "",
    }
    r = await browser.post("/login/choose", form={**form, "business": globex.tenant["id"]})
    assert r.status_code == 303
    assert (await browser.get("/api/v1/me")).status_code == 200
    r = await browser.post("/logout")
    assert r.status_code == 303
    assert (await browser.get("/api/v1/me")).status_code == 401

    for business in (globex, acme):
        r = await browser.post("/login/choose", form={**form, "business": business.tenant["id"]})
        assert r.status_code == 403  # the login form again, saying it expired
        assert 'name="password"' in await r.get_data(as_text=True)
        assert (await browser.get("/api/v1/me")).status_code == 401
