"""Admins manage their staff over real HTTP: invitations by e-mail, one-time set-password
links, roles, deactivation (sessions, token and sockets end at once) and password resets.

One real hub for the module, with a real SMTP server (aiosmtpd) it sends invitations to;
every test invites its own people, so the seeded users stay as they are.
"""

from __future__ import annotations

import dataclasses
import html
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx
import pytest

from hub.accounts.passwords import hash_token
from hub.installation.operators import create_operator
from hub.ports import Store
from hub.settings import Settings
from hub.store.sqlite import SqliteStore
from tests.helpers import PASSWORD, Seeded, _cached_hash, free_port
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.integration.smtp_server import SmtpServer, body_html, body_text
from tests.kit import Serve, Served, serve

USERS = "/api/v1/users"
CSRF = {"X-Requested-With": "sos-hub"}
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


OPERATOR = "club@soscliente.example"


async def _operator(store: Store, tenants: dict[str, Seeded]) -> None:
    await create_operator(
        store, email=OPERATOR, password=PASSWORD, hash_password=_cached_hash, name="Quality Club"
    )


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    """A real SMTP server for the module's hub (it must exist before the hub starts)."""
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(mail: SmtpServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    spec = Serve(slugs=("acme", "globex", "initech"), envs=(mail.env(),), seed=_operator)
    with serve(spec, tmp_path_factory.mktemp("staff")) as served:
        yield served


@pytest.fixture
async def http(site: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=HTTP_TIMEOUT) as client:
        yield client


@dataclass
class Member:
    """A colleague who accepted an invitation: their id, login and session cookie."""

    id: str
    email: str
    password: str
    cookie: str

    @property
    def session(self) -> dict[str, str]:
        return {"Cookie": self.cookie, **CSRF}


def fresh_email(seeded: Seeded) -> str:
    return f"staff-{uuid.uuid4().hex[:8]}@{seeded.slug}.example"


async def invite(
    http: httpx.AsyncClient, seeded: Seeded, *, role: str = "agent", **extra: Any
) -> dict[str, Any]:
    body = {"email": fresh_email(seeded), "role": role, **extra}
    r = await http.post(USERS, json=body, headers=seeded.auth("admin"))
    assert r.status_code == 201, r.text
    answer: dict[str, Any] = r.json()
    return answer


async def choose_password(
    url: str,
    link: str,
    password: str,
    again: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[httpx.Response, str]:
    """Open the link in a fresh browser (sending `headers`, its Accept-Language say) and send
    its form; the answer and the cookies set."""
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, headers=headers) as browser:
        page = await browser.get(link)
        assert page.status_code == 200, page.text
        found = FORM_TOKEN.search(page.text)
        assert found, "the set-password page carries no form token"
        form = {
            "password": password,
            "again": password if again is None else again,
            "csrf_token": html.unescape(found.group(1)),
        }
        r = await browser.post(link, data=form)
        cookies = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        return r, cookies


async def member(http: httpx.AsyncClient, seeded: Seeded, role: str = "agent") -> Member:
    invited = await invite(http, seeded, role=role)
    password = f"pw-{uuid.uuid4().hex[:10]}"
    r, cookie = await choose_password(str(http.base_url), invited["set_password_url"], password)
    # where a login lands: agents on the console; a manager or admin of a business still
    # setting up on the first-run checklist
    lands = {"/console"} if role == "agent" else {"/console", "/admin/start"}
    assert r.status_code == 303 and r.headers["Location"] in lands, r.text
    return Member(invited["id"], invited["email"], password, cookie)


def closed(console: Console) -> bool:
    return not console.connected


async def me(http: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return (await http.get("/api/v1/me", headers=headers)).status_code


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> int:
    r = await http.post("/api/v1/auth/login", json={"email": email, "password": password})
    return r.status_code


def error_of(r: httpx.Response) -> str:
    body = r.json()
    assert set(body) == {"error"}, body
    return str(body["error"]["message"])


async def move_expiry(site: Served, link: str, to: str = "2001-01-01T00:00:00.000+00:00") -> None:
    """Age a link in the hub's own SQLite file, as 72 hours would."""
    store = SqliteStore(site.db)
    await store.open()
    try:
        found = await store.lookup("password_links", "token_hash", hash_token(link.rsplit("/")[-1]))
        assert found is not None
        await store.update(found["tenant_id"], "password_links", found["id"], {"expires_at": to})
    finally:
        await store.close()


async def set_tenant(site: Served, seeded: Seeded, **fields: Any) -> None:
    """Change a business's record in the hub's own SQLite file (as the operator would)."""
    store = SqliteStore(site.db)
    await store.open()
    try:
        await store.update(seeded.tenant["id"], "tenants", seeded.tenant["id"], fields)
    finally:
        await store.close()


# ---------------------------------------------------------------- invitations and links


async def test_an_invitation_mails_a_link_that_works_once_and_logs_the_new_colleague_in(
    site: Served, http: httpx.AsyncClient, mail: SmtpServer
) -> None:
    acme = site.acme
    email = fresh_email(acme)
    r = await http.post(
        USERS,
        json={"email": email.upper(), "name": "Nina Ruiz", "role": "agent", "language": "es"},
        headers=acme.auth("admin"),
    )
    assert r.status_code == 201, r.text
    assert r.headers["Cache-Control"] == "no-store"
    invited = r.json()
    assert {k: invited[k] for k in ("email", "name", "role", "active")} == {
        "email": email,
        "name": "Nina Ruiz",
        "role": "agent",
        "active": True,
    }
    assert invited["password_set"] is False and invited["emailed"] is True
    link = invited["set_password_url"]
    assert link.startswith(f"{site.url}/set-password/") and len(link.rsplit("/")[-1]) >= 40
    # the e-mail, in the language the admin chose for her
    [letter] = mail.to(email)  # sent before the answer came back
    assert "Business acme" in str(letter["Subject"]) and "invita" in str(letter["Subject"])
    assert link in body_text(letter) and html.escape(link) in body_html(letter)
    # no password works until she chooses one; the link is stored only as a hash
    assert await log_in(http, email, "") == 400
    assert await log_in(http, email, PASSWORD) == 401
    raw = b"".join(p.read_bytes() for p in site.tmp.glob("hub.db*") if p.is_file())
    assert link.rsplit("/")[-1].encode() not in raw
    # the page shows whose account it is; two different passwords are refused, link unspent
    page = await http.get(link)
    assert page.status_code == 200 and email in page.text
    r, _ = await choose_password(site.url, link, "a-long-password", "another-password")
    assert r.status_code == 400 and 'id="again-error"' in r.text
    r, _ = await choose_password(site.url, link, "short")
    assert r.status_code == 400 and 'id="password-error"' in r.text
    # chosen: logged in, sent to the console
    r, cookie = await choose_password(site.url, link, "nina-chose-this")
    assert r.status_code == 303 and r.headers["Location"] == "/console"
    who = await http.get("/api/v1/me", headers={"Cookie": cookie})
    assert who.status_code == 200 and who.json()["user"]["email"] == email
    # once only
    again = await http.get(link)
    assert again.status_code == 410 and "Este enlace ya se ha usado" in again.text  # her language
    assert (
        await http.post(link, data={"password": "x" * 12, "again": "x" * 12})
    ).status_code == 410
    assert await log_in(http, email, "nina-chose-this") == 200
    listed = (await http.get(USERS, headers=acme.auth("admin"))).json()["items"]
    assert [u["password_set"] for u in listed if u["email"] == email] == [True]


async def test_the_set_password_page_refuses_a_password_in_the_invitee_s_language_only(
    site: Served, http: httpx.AsyncClient
) -> None:
    """Invited in Spanish, opened on a Galician phone: the page and its refusals are Spanish."""
    invited = await invite(http, site.acme, language="es")
    galician = {"Accept-Language": "gl-ES,gl;q=0.9"}
    link = invited["set_password_url"]
    r, _ = await choose_password(site.url, link, "short", headers=galician)
    assert r.status_code == 400 and '<html lang="es"' in r.text
    assert "Te damos la bienvenida a SOS hub" in r.text
    assert 'id="password-error" class="error" role="alert">Usa al menos 8 caracteres.' in r.text
    assert "polo menos" not in r.text
    r, _ = await choose_password(site.url, link, "long-enough-1", "long-enough-2", galician)
    assert r.status_code == 400 and '<html lang="es"' in r.text
    assert "Las dos contraseñas no coinciden. Escríbela otra vez." in r.text
    assert "Os dous contrasinais" not in r.text


async def test_an_expired_link_is_410_and_says_to_ask_for_a_new_one(
    site: Served, http: httpx.AsyncClient
) -> None:
    invited = await invite(http, site.acme)
    link = invited["set_password_url"]
    assert (await http.get(link)).status_code == 200
    await move_expiry(site, link)
    page = await http.get(link + "?lang=en")
    assert page.status_code == 410
    assert "This link has expired" in page.text and "new one" in page.text
    assert (
        await http.post(link, data={"password": "x" * 12, "again": "x" * 12})
    ).status_code == 410
    assert (await http.get(f"{site.url}/set-password/not-a-link")).status_code == 404
    assert await log_in(http, invited["email"], "x" * 12) == 401


async def test_a_suspended_business_link_waits_until_it_is_resumed(
    site: Served, http: httpx.AsyncClient
) -> None:
    initech = site.tenants["initech"]
    invited = await invite(http, initech)
    link = invited["set_password_url"]
    await set_tenant(site, initech, suspended=True)
    try:
        page = await http.get(link + "?lang=en")
        assert page.status_code == 423 and "suspended" in page.text
        r = await http.post(link, data={"password": "x" * 12, "again": "x" * 12})
        assert r.status_code == 423
    finally:
        await set_tenant(site, initech, suspended=False)
    r, cookie = await choose_password(site.url, link, "back-in-business")
    assert r.status_code == 303 and await me(http, {"Cookie": cookie}) == 200


async def test_the_link_form_refuses_a_post_without_its_token(
    site: Served, http: httpx.AsyncClient
) -> None:
    invited = await invite(http, site.acme)
    link = invited["set_password_url"]
    r = await http.post(link, data={"password": "x" * 12, "again": "x" * 12})
    assert r.status_code == 403 and 'name="csrf_token"' in r.text  # a fresh form to retry
    assert await log_in(http, invited["email"], "x" * 12) == 401
    assert (await http.get(link)).status_code == 200  # still unspent


# ---------------------------------------------------------------- deactivation and resets


async def test_deactivating_ends_the_session_the_token_and_the_open_socket_at_once(
    site: Served, http: httpx.AsyncClient
) -> None:
    acme = site.acme
    nina = await member(http, acme)
    r = await http.post("/api/v1/me/token", headers=nina.session)
    assert r.status_code == 200
    api_token = r.json()["api_token"]
    token = {"Authorization": f"Bearer {api_token}"}
    consoles = [Console(site.url, cookie=nina.cookie), Console(site.url, auth={"token": api_token})]
    colleague = Console(site.url, auth={"token": acme.tokens["agent"]})
    try:
        for console in (*consoles, colleague):
            await console.connect()
        r = await http.delete(f"{USERS}/{nina.id}", headers=acme.auth("admin"))
        assert r.status_code == 200 and r.json()["active"] is False
        for console in consoles:
            await console.wait_for(partial(closed, console), 10, "the console to close")
        assert colleague.connected
        assert await me(http, {"Cookie": nina.cookie}) == 401
        assert await me(http, token) == 401
        assert await log_in(http, nina.email, nina.password) == 401
        assert await me(http, acme.auth("agent")) == 200
        # back next season: she logs in again
        r = await http.patch(
            f"{USERS}/{nina.id}", json={"active": True}, headers=acme.auth("admin")
        )
        assert r.status_code == 200 and r.json()["active"] is True
        assert await log_in(http, nina.email, nina.password) == 200
        # the token made before (by her, or by whoever had her account) stays dead
        assert await me(http, token) == 401
    finally:
        for console in (*consoles, colleague):
            await console.close()


async def test_a_password_reset_ends_old_sessions_and_only_the_newest_link_works(
    site: Served, http: httpx.AsyncClient, mail: SmtpServer
) -> None:
    acme = site.acme
    nina = await member(http, acme)
    # a token made from her session (POST /me/token asks no password): whoever had her
    # password could have made it
    r = await http.post("/api/v1/me/token", headers=nina.session)
    token = {"Authorization": f"Bearer {r.json()['api_token']}"}
    consoles = [
        Console(site.url, cookie=nina.cookie),
        Console(site.url, auth={"token": r.json()["api_token"]}),
    ]
    try:
        for console in consoles:
            await console.connect()
        first = await http.post(f"{USERS}/{nina.id}/password-reset", headers=acme.auth("admin"))
        assert first.status_code == 200, first.text
        assert first.headers["Cache-Control"] == "no-store"
        assert first.json()["emailed"] is True and first.json()["password_set"] is False
        for console in consoles:
            await console.wait_for(partial(closed, console), 10, "the console to close")
    finally:
        for console in consoles:
            await console.close()
    assert await me(http, token) == 401
    assert await me(http, {"Cookie": nina.cookie}) == 401
    assert await log_in(http, nina.email, nina.password) == 401
    second = await http.post(f"{USERS}/{nina.id}/password-reset", headers=acme.auth("admin"))
    assert second.status_code == 200
    assert (await http.get(first.json()["set_password_url"])).status_code == 410
    letters = [m for m in mail.messages if nina.email in str(m["To"])]
    assert second.json()["set_password_url"] in body_text(letters[-1])
    r, cookie = await choose_password(site.url, second.json()["set_password_url"], "new-one-here")
    assert r.status_code == 303 and await me(http, {"Cookie": cookie}) == 200
    assert await log_in(http, nina.email, "new-one-here") == 200


# ---------------------------------------------------------------- roles and refusals


async def test_an_admin_changes_roles_and_the_new_role_takes_effect(
    site: Served, http: httpx.AsyncClient
) -> None:
    acme = site.acme
    nina = await member(http, acme)
    assert (await http.get("/api/v1/rules", headers=nina.session)).status_code == 403
    r = await http.patch(f"{USERS}/{nina.id}", json={"role": "manager"}, headers=acme.auth("admin"))
    assert r.status_code == 200 and r.json()["role"] == "manager"
    assert (await http.get("/api/v1/rules", headers=nina.session)).status_code == 200
    r = await http.post(
        USERS, json={"email": fresh_email(acme), "role": "agent"}, headers=nina.session
    )
    assert r.status_code == 403  # managers do not manage staff


@pytest.mark.parametrize("role", ["owner", "superadmin", "", "ADMIN "])
async def test_a_role_an_admin_may_not_grant_is_refused_naming_role_and_creates_nothing(
    site: Served, http: httpx.AsyncClient, role: str
) -> None:
    acme = site.acme
    email = fresh_email(acme)
    r = await http.post(USERS, json={"email": email, "role": role}, headers=acme.auth("admin"))
    assert r.status_code in (400, 403) and "role" in error_of(r)
    r = await http.patch(
        f"{USERS}/{acme.users['agent']['id']}", json={"role": role}, headers=acme.auth("admin")
    )
    assert r.status_code in (400, 403) and "role" in error_of(r)
    listed = (await http.get(USERS, headers=acme.auth("admin"))).json()["items"]
    assert email not in [u["email"] for u in listed]
    assert {u["email"]: u["role"] for u in listed}["agent@acme.example"] == "agent"


async def test_a_taken_or_malformed_email_is_refused_naming_email(
    site: Served, http: httpx.AsyncClient
) -> None:
    acme = site.acme
    before = len((await http.get(USERS, headers=acme.auth("admin"))).json()["items"])
    for email, status in (
        ("agent@acme.example", 409),
        (" Manager@ACME.example", 409),
        # another business's (admin@globex.example) is no one's business here: a 201
        # (tests/integration/test_shared_email.py)
        ("not-an-email", 400),
    ):
        r = await http.post(
            USERS, json={"email": email, "role": "agent"}, headers=acme.auth("admin")
        )
        assert r.status_code == status, (email, r.text)
        assert "email" in error_of(r)
    after = len((await http.get(USERS, headers=acme.auth("admin"))).json()["items"])
    assert after == before


async def test_the_last_active_admin_can_neither_leave_nor_be_switched_off(
    site: Served, http: httpx.AsyncClient
) -> None:
    initech = site.tenants["initech"]
    boss = initech.users["admin"]["id"]
    for method, path, body, field in (
        ("PATCH", f"{USERS}/{boss}", {"role": "manager"}, "role"),
        ("PATCH", f"{USERS}/{boss}", {"active": False}, "active"),
        ("DELETE", f"{USERS}/{boss}", None, "active"),
    ):
        r = await http.request(method, path, json=body, headers=initech.auth("admin"))
        assert r.status_code == 409, r.text
        assert field in error_of(r)
    # with a second admin, the first may step down; the second is then the last one
    deputy = await member(http, initech, role="admin")
    r = await http.patch(f"{USERS}/{boss}", json={"role": "manager"}, headers=initech.auth("admin"))
    assert r.status_code == 200 and r.json()["role"] == "manager"
    r = await http.patch(f"{USERS}/{deputy.id}", json={"role": "agent"}, headers=deputy.session)
    assert r.status_code == 409 and "admin" in error_of(r)
    r = await http.patch(f"{USERS}/{boss}", json={"role": "admin"}, headers=initech.auth("admin"))
    assert r.status_code == 403  # no longer an admin: they cannot make themselves one again
    r = await http.patch(f"{USERS}/{boss}", json={"role": "admin"}, headers=deputy.session)
    assert r.status_code == 200


async def test_another_business_admin_gets_404_on_your_people(
    site: Served, http: httpx.AsyncClient
) -> None:
    acme, globex = site.acme, site.globex
    agent = acme.users["agent"]["id"]
    for method, path, body in (
        ("PATCH", f"{USERS}/{agent}", {"active": False}),
        ("PATCH", f"{USERS}/{agent}", {"role": "admin"}),
        ("DELETE", f"{USERS}/{agent}", None),
        ("POST", f"{USERS}/{agent}/password-reset", None),
    ):
        r = await http.request(method, path, json=body, headers=globex.auth("admin"))
        assert r.status_code == 404, (method, path, r.text)
    listed = (await http.get(USERS, headers=globex.auth("admin"))).json()["items"]
    assert all(u["email"].endswith("@globex.example") for u in listed)
    assert await me(http, acme.auth("agent")) == 200
    assert await log_in(http, "agent@acme.example", PASSWORD) == 200


@pytest.mark.parametrize("role", ["agent", "manager"])
async def test_agents_and_managers_get_403_on_every_staff_write(
    site: Served, http: httpx.AsyncClient, role: str
) -> None:
    acme = site.acme
    agent = acme.users["agent"]["id"]
    for method, path, body in (
        ("POST", USERS, {"email": fresh_email(acme), "role": "agent"}),
        ("PATCH", f"{USERS}/{agent}", {"role": "admin"}),
        ("DELETE", f"{USERS}/{agent}", None),
        ("POST", f"{USERS}/{agent}/password-reset", None),
    ):
        r = await http.request(method, path, json=body, headers=acme.auth(role))
        assert r.status_code == 403, (method, path, r.text)
    assert (await http.get(USERS, headers=acme.auth(role))).status_code == 200  # the console's
    assert await log_in(http, "agent@acme.example", PASSWORD) == 200


async def test_everyone_changes_their_own_name_and_language(
    site: Served, http: httpx.AsyncClient
) -> None:
    nina = await member(http, site.acme)
    r = await http.patch(
        "/api/v1/me", json={"name": "  Nina  R. ", "language": "es"}, headers=nina.session
    )
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["language"]) == ("Nina R.", "es")
    assert "lang=es" in r.headers["Set-Cookie"]
    r = await http.patch("/api/v1/me", json={"language": "xx"}, headers=nina.session)
    assert r.status_code == 400 and "language" in error_of(r)
    page = await http.get("/account", headers={"Cookie": nina.cookie + "; lang=es"})
    assert page.status_code == 200 and "Mi cuenta" in page.text and "Nina R." in page.text


STAFF_WORDS = {  # a language the staff pages speak, and what its pages and letters say
    "gl": ("A miña conta", "Dámosche a benvida a SOS hub", "convídate"),
    "ca": ("El meu compte", "Et donem la benvinguda a SOS hub", "et convida"),
}
NOT_STAFF = "language: must be one of es, en, gl, ca"


@pytest.mark.parametrize(("lang", "other"), [("gl", "ca"), ("ca", "gl")])
async def test_staff_choose_galician_or_catalan_wherever_their_language_is_chosen(
    site: Served, http: httpx.AsyncClient, mail: SmtpServer, lang: str, other: str
) -> None:
    acme = site.acme
    admin = acme.auth("admin")
    # the invitation form offers every language the staff pages speak
    page = await http.get("/admin/users", headers={**admin, "Accept-Language": "es"})
    for code, name in (("es", "Español"), ("en", "English"), ("gl", "Galego"), ("ca", "Català")):
        assert f'<option value="{code}"' in page.text and f">{name}</option>" in page.text, code
    # invited in Galician (or Catalan): the e-mail, then the set-password page on a Spanish
    # phone, speak it
    invited = await invite(http, acme, language=lang)
    assert invited["language"] == lang
    account, welcome, invites = STAFF_WORDS[lang]
    [letter] = mail.to(invited["email"])
    assert invites in str(letter["Subject"]), letter["Subject"]
    spanish = {"Accept-Language": "es-ES,es;q=0.9"}
    link = invited["set_password_url"]
    page = await http.get(link, headers=spanish)
    assert f'<html lang="{lang}"' in page.text and welcome in page.text
    r, cookie = await choose_password(site.url, link, "my-own-words-2026")
    assert r.status_code == 303, r.text
    # /account, in a browser whose language the staff pages do not speak: theirs
    page = await http.get("/account", headers={"Cookie": cookie, "Accept-Language": "fr"})
    assert f'<html lang="{lang}"' in page.text and account in page.text
    assert f'<option value="{lang}" selected>' in page.text
    assert f'<option value="{other}">' in page.text
    # they switch to the other one themselves; a language the pages do not speak is refused
    session = {"Cookie": cookie, **CSRF}
    r = await http.patch("/api/v1/me", json={"language": other}, headers=session)
    assert r.status_code == 200 and r.json()["language"] == other, r.text
    assert f"lang={other}" in r.headers["Set-Cookie"]
    r = await http.patch("/api/v1/me", json={"language": "fr"}, headers=session)
    assert r.status_code == 400 and error_of(r) == NOT_STAFF
    # an admin sets it for them, or invites someone in it; never in one the pages lack
    r = await http.patch(f"{USERS}/{invited['id']}", json={"language": lang}, headers=admin)
    assert r.status_code == 200 and r.json()["language"] == lang, r.text
    body = {"email": fresh_email(acme), "role": "agent", "language": "pt"}
    r = await http.post(USERS, json=body, headers=admin)
    assert r.status_code == 400 and error_of(r) == NOT_STAFF


async def test_the_staff_page_is_for_admins_and_lists_the_people(
    site: Served, http: httpx.AsyncClient
) -> None:
    acme = site.acme
    boss = await member(http, acme, role="admin")
    page = await http.get("/admin/users", headers={"Cookie": boss.cookie, "Accept-Language": "en"})
    assert page.status_code == 200
    assert "agent@acme.example" in page.text and "globex" not in page.text
    manager = await member(http, acme, role="manager")
    page = await http.get("/admin/users", headers={"Cookie": manager.cookie})
    assert page.status_code == 403
    assert (
        'href="/admin/users"'
        not in (await http.get("/account", headers={"Cookie": manager.cookie})).text
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An in-process hub whose mail server is down (nothing listens on its port)."""
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=free_port())


async def test_an_invitation_stands_when_the_mail_server_is_down(client: Any, acme: Seeded) -> None:
    body = {"email": "pat@acme.example", "role": "agent"}
    r = await client.post(USERS, json=body, headers=acme.auth("admin"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    invited = await r.get_json()
    assert invited["emailed"] is False  # the admin is told to pass the link on by hand
    assert invited["set_password_url"].startswith("http://hub.test/set-password/")
    assert invited["language"] == "es"  # the business's own


async def test_a_new_business_s_first_admin_is_invited_by_e_mail_from_the_operator(
    site: Served, mail: SmtpServer, http: httpx.AsyncClient
) -> None:
    r = await http.post(
        "/api/v1/operator/auth/login", json={"email": OPERATOR, "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    body = {
        "name": "Casa Rural Olmo",
        "slug": "casa-olmo",
        "language": "es",
        "timezone": "Europe/Madrid",
        "admin_email": "olmo@casa.example",
    }
    r = await http.post("/api/v1/operator/tenants", json=body, headers=CSRF)
    assert r.status_code == 201, r.text
    opened = r.json()
    assert opened["emailed"] is True
    link = opened["set_password_url"]
    [letter] = mail.to("olmo@casa.example")  # in the business's language, from the operator
    assert "Casa Rural Olmo" in str(letter["Subject"]) and "invita" in str(letter["Subject"])
    assert link in body_text(letter) and "Quality Club" in body_text(letter)
    r, cookie = await choose_password(site.url, link, "olmo-chose-this")
    assert r.status_code == 303 and r.headers["Location"] == "/admin/start", r.text
    who = await http.get("/api/v1/me", headers={"Cookie": cookie})
    assert who.json()["user"]["role"] == "admin" and who.json()["tenant"]["slug"] == "casa-olmo"
