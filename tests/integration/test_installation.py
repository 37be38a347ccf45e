"""A business goes live on a real hub: the installation's operator (made with the CLI) opens
it, its manager's checklist ticks itself as its data appears, and the operator sees its
figures (never its tickets), suspends and resumes it. Operator and staff cookies never stand
in for each other; bad input opens nothing by half.

Data that other parts' set-up pages create (a department, a point, a printed poster, a
colleague) is written through the same domain functions, on the hub's own SQLite file;
the rule and the SOS go through the HTTP API; every answer is read over HTTP.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from hub.accounts.first_run import FirstRun
from hub.accounts.passwords import hash_token
from hub.accounts.services import create_point, create_tenant, create_user, ensure_named
from hub.errors import Invalid
from hub.installation.operators import create_operator
from hub.ports import INSTALLATION, Store
from hub.store.sqlite import SqliteStore
from tests.helpers import LOGIN_FORM_TOKEN, PASSWORD, Seeded, _cached_hash
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console, login_cookie
from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BOSS = "boss@fresh.example"
OPERATOR = "club@soscliente.example"
OPERATOR_PASSWORD = "quality-club-2026"
CSRF = {"X-Requested-With": "sos-hub"}
TENANTS = "/api/v1/operator/tenants"
FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _fresh(store: Store, tenants: dict[str, Seeded]) -> None:
    """A business just opened: its manager and nothing else."""
    tenant = await create_tenant(store, slug="fresh", name="Fresh Hostel", timezone="Europe/Madrid")
    await _user(store, tenant, BOSS, "manager")


async def _user(store: Store, tenant: dict[str, Any], email: str, role: str) -> None:
    await create_user(
        store,
        tenant,
        email=email,
        password=PASSWORD,
        role=role,
        hash_password=_cached_hash,
        hash_token=hash_token,
    )


# The second hub serves the same file under an address guests' phones reach; the first is
# on this computer's own (127.0.0.1), where printed posters would not open.
PUBLIC = "https://sos.fresh-hostel.example"
SERVED = Serve(slugs=("acme", "globex", "calm"), seed=_fresh, envs=({}, {"HUB_PUBLIC_URL": PUBLIC}))


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


@pytest.fixture
async def store(served: Served) -> AsyncIterator[Store]:
    """The hub's own SQLite file, opened beside the running hub (WAL: both write)."""
    opened = SqliteStore(served.db)
    await opened.open()
    yield opened
    await opened.close()


async def form_login(http: httpx.AsyncClient, email: str, next_page: str | None = None) -> str:
    """Log in with the page's form as a browser does; where the answer sends the browser."""
    page = await http.get("/login", params={"next": next_page} if next_page else None)
    token = LOGIN_FORM_TOKEN.search(page.text)
    assert token, page.text
    form = {"email": email, "password": PASSWORD, "csrf_token": html.unescape(token.group(1))}
    form["next"] = next_page or ""
    r = await http.post("/login", data=form)
    assert r.status_code == 303, r.text
    return r.headers["Location"]


async def checklist(http: httpx.AsyncClient) -> dict[str, Any]:
    r = await http.get("/api/v1/setup/checklist")
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["total"] == 7 and len(body["steps"]) == 7
    return body


def done_keys(body: dict[str, Any]) -> set[str]:
    return {s["key"] for s in body["steps"] if s["done"]}


async def test_the_checklist_ticks_itself_step_by_step_and_the_login_lands_accordingly(
    served: Served, http: httpx.AsyncClient, store: Store
) -> None:
    # a manager of a business with nothing set up lands on the checklist, 0 of 7; a page
    # asked for still wins, and the API's login says where a browser would land
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as other:
        assert await form_login(other, BOSS, "/admin/kiosks") == "/admin/kiosks"
        r = await other.post("/api/v1/auth/login", json={"email": BOSS, "password": PASSWORD})
        assert r.status_code == 200 and r.json()["landing"] == "/admin/start"
    assert await form_login(http, BOSS) == "/admin/start"
    body = await checklist(http)
    assert body["done"] == 0 and not body["complete"]
    assert [s["key"] for s in body["steps"]] == [
        "settings",
        "departments",
        "points",
        "print",
        "rules",
        "staff",
        "sos",
    ]
    assert {s["key"]: s["url"] for s in body["steps"]}["rules"] == "/admin/rules"
    page = await http.get("/admin/start", params={"lang": "en"})
    assert page.status_code == 200 and "0 of 7 done" in page.text
    console = await http.get("/console", params={"lang": "en"})
    assert "Finish setting up (0/7)" in console.text

    tenant = await store.lookup("tenants", "slug", "fresh")
    assert tenant is not None
    tid = tenant["id"]
    first_run = FirstRun(store, PUBLIC)
    # the same business, logged in, on the hub whose public address guests reach
    live = httpx.AsyncClient(base_url=served.urls[1], timeout=HTTP_TIMEOUT, cookies=http.cookies)

    # each piece of data ticks its own step, and only that one
    expected: set[str] = set()

    async def ticks(step: str) -> None:
        expected.add(step)
        body = await checklist(live)
        assert done_keys(body) == expected, body
        assert body["done"] == len(expected)
        # on this computer's address, all the same but the posters, which no phone could open
        here = await checklist(http)
        assert done_keys(here) == expected - {"print"}, here

    await first_run.mark_settings_saved(tid)
    await ticks("settings")
    await ensure_named(store, tenant, "departments", "Reception")
    await ticks("departments")
    point = await create_point(store, tenant, code="fresh-desk", label="Front desk")
    await ticks("points")
    sos_step = next(s for s in (await checklist(live))["steps"] if s["key"] == "sos")
    assert sos_step["url"] == f"{PUBLIC}/q/fresh-desk"  # the test SOS opens the point
    assert await first_run.mark_printed(tid, [point["code"], "someone-elses-code"]) == 1
    await ticks("print")
    # printed on this computer's own address: the step waits and says why, with the address
    here = next(s for s in (await checklist(http))["steps"] if s["key"] == "print")
    assert here["done"] is False and here["warning"] == "this_computer"
    page = await http.get("/admin/start", params={"lang": "en"})
    assert "Guests' phones cannot open your QR codes" in page.text
    assert f'<code class="address">{served.url}</code>' in page.text
    page = await live.get("/admin/start", params={"lang": "en"})
    assert 'id="address-warning"' not in page.text
    rule = {
        "name": "Everything to the boss",
        "recipients": [{"channel": "email", "to": BOSS, "name": "Boss"}],
    }
    r = await http.post("/api/v1/rules", json=rule, headers={"X-Requested-With": "sos-hub"})
    assert r.status_code == 201, r.text
    await ticks("rules")
    await _user(store, tenant, "desk@fresh.example", "agent")
    await ticks("staff")
    page = await live.get("/admin/start", params={"lang": "es"})
    assert "6 de 7 hechos" in page.text  # the page in the manager's language too
    console = await live.get("/console", params={"lang": "en"})
    assert "Finish setting up (6/7)" in console.text

    # an agent always lands on the console, whatever is left to set up
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as desk:
        assert await form_login(desk, "desk@fresh.example") == "/console"
        r = await desk.get("/api/v1/setup/checklist")
        assert r.status_code == 403  # the checklist is a manager's

    # a test SOS that a filter held back (sent too fast, say) never reached a console: the
    # step waits for one that did
    held = {"id": "held-test-sos", "number": 99, "status": "quarantined", "held": True}
    await store.insert(tid, "tickets", {**held, "quarantine_reason": "too_fast"})
    assert "sos" not in done_keys(await checklist(live))
    await http_sos(served.url, None, "Testing our new poster", point="fresh-desk")
    await ticks("sos")
    assert (await checklist(live))["complete"] is True
    page = await live.get("/admin/start", params={"lang": "en"})
    assert "7 of 7 done" in page.text and "All set" in page.text
    console = await live.get("/console", params={"lang": "en"})
    assert "Finish setting up" not in console.text
    # on this computer's address the posters are still to print (the console says 6/7) …
    assert (await checklist(http))["complete"] is False
    console = await http.get("/console", params={"lang": "en"})
    assert "Finish setting up (6/7)" in console.text
    await live.aclose()

    # set up: the manager's next login lands on the console (… though there too: the address
    # is the installation's to change, and the pages say so)
    for url in served.urls:
        async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT) as again:
            assert await form_login(again, BOSS) == "/console"
            r = await again.post("/api/v1/auth/login", json={"email": BOSS, "password": PASSWORD})
            assert r.json()["landing"] == "/console"


# ---------------------------------------------------------------- the operator


def cli(served: Served, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=f"sqlite:///{served.db}", HUB_PUBLIC_URL=served.url)
    return subprocess.run(
        [sys.executable, "-m", "hub.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def operator(served: Served) -> dict[str, Any]:
    """The operator, made as an installer would (`sos-hub operator create`), and logged in
    once for the module: its `cookie` is the operator session the `op` clients carry."""
    done = cli(served, "operator", "create", "--email", OPERATOR, "--password", OPERATOR_PASSWORD)
    assert done.returncode == 0, done.stderr
    made: dict[str, Any] = json.loads(done.stdout)  # one JSON object, nothing after it
    r = httpx.post(
        f"{served.url}/api/v1/operator/auth/login",
        json={"email": OPERATOR, "password": OPERATOR_PASSWORD},
        timeout=HTTP_TIMEOUT,
    )
    assert r.status_code == 200, r.text
    assert set(r.cookies) == {"SOS_OPERATOR"}  # no staff cookie
    return {**made, "cookie": r.cookies["SOS_OPERATOR"]}


@pytest.fixture
async def op(served: Served, operator: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with the operator's cookie (and no other)."""
    cookies = {"SOS_OPERATOR": operator["cookie"]}
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT, cookies=cookies) as c:
        yield c


def names_field(r: httpx.Response, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["message"].startswith(f"{field}:"), r.text


async def business(op: httpx.AsyncClient, slug: str) -> dict[str, Any] | None:
    r = await op.get(TENANTS)
    assert r.status_code == 200, r.text
    return next((b for b in r.json()["items"] if b["slug"] == slug), None)


async def test_the_cli_creates_an_operator_who_belongs_to_no_business(
    served: Served, operator: dict[str, Any], http: httpx.AsyncClient, store: Store
) -> None:
    assert operator["email"] == OPERATOR and operator["role"] == "superadmin"
    assert operator["url"] == f"{served.url}/operator"
    assert "password_hash" not in operator and "tenant_id" not in operator
    # no business's staff: the staff login does not know this e-mail
    r = await http.post(
        "/api/v1/auth/login", json={"email": OPERATOR, "password": OPERATOR_PASSWORD}
    )
    assert r.status_code == 401
    again = cli(served, "operator", "create", "--email", OPERATOR, "--password", "another-one-9")
    assert again.returncode == 1 and again.stdout == "" and "already exists" in again.stderr
    with pytest.raises(Invalid) as short:
        await create_operator(
            store, email="x@soscliente.example", password="7", hash_password=_cached_hash
        )
    assert short.value.field == "password"
    assert await store.count(INSTALLATION, "operators") == 1
    for slug in SERVED.slugs:  # and no business holds an operator
        tenant = await store.lookup("tenants", "slug", slug)
        assert tenant is not None
        assert await store.count(tenant["id"], "operators") == 0


async def test_the_operator_logs_in_with_the_page_and_out_with_the_api(
    served: Served, operator: dict[str, Any], http: httpx.AsyncClient
) -> None:
    page = await http.get("/operator")
    assert page.status_code == 302 and page.headers["Location"] == "/operator/login?next=/operator"
    form_page = await http.get("/operator/login")
    token = LOGIN_FORM_TOKEN.search(form_page.text)
    assert token
    form = {"email": OPERATOR, "csrf_token": html.unescape(token.group(1)), "next": "/console"}
    r = await http.post("/operator/login", data={**form, "password": "wrong-password"})
    assert r.status_code == 401 and "SOS_OPERATOR" not in http.cookies
    r = await http.post("/operator/login", data={**form, "password": OPERATOR_PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/operator"  # never a staff page
    page = await http.get("/operator", params={"lang": "en"})
    assert page.status_code == 200
    for slug in SERVED.slugs:
        assert f'data-slug="{slug}"' in page.text
    kept = {"Cookie": f"SOS_OPERATOR={http.cookies['SOS_OPERATOR']}"}  # a copy of the cookie
    assert (await http.get(TENANTS, headers=kept)).status_code == 200
    r = await http.post("/api/v1/operator/auth/logout")
    assert r.status_code == 200
    assert (await http.get(TENANTS)).status_code == 401
    assert (await http.get(TENANTS, headers=kept)).status_code == 401  # ended on the server


async def test_another_sites_page_cannot_log_the_operator_out(
    served: Served, operator: dict[str, Any]
) -> None:
    """Neither the operator page's "Log out" form nor the API's logout, posted by a page of
    another origin with the operator's cookie, ends the session."""
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as own:
        r = await own.post(
            "/api/v1/operator/auth/login", json={"email": OPERATOR, "password": OPERATOR_PASSWORD}
        )
        assert r.status_code == 200, r.text
        for sent in (
            {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
            {"Sec-Fetch-Site": "same-site", "Origin": "https://evil.hub.test"},
            {"Origin": "http://evil.example"},
            {"Origin": "null"},  # a sandboxed frame, Sec-Fetch-Site stripped by a proxy
        ):
            r = await own.post("/operator/logout", headers=sent)
            assert r.status_code == 403 and "another site" in r.text, sent
            r = await own.post("/api/v1/operator/auth/logout", headers=sent)
            assert r.status_code == 403, sent
            assert r.json()["error"]["code"] == "forbidden"
            # nor does it suspend a business, custom header or not
            r = await own.patch(
                f"{TENANTS}/acme", json={"suspended": True}, headers={**CSRF, **sent}
            )
            assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", sent
            assert (await own.get(TENANTS)).status_code == 200, sent
        r = await own.post("/operator/logout", headers={"Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 303
        assert (await own.get(TENANTS)).status_code == 401


async def test_the_operator_sees_each_business_s_figures_and_none_of_its_tickets(
    served: Served, op: httpx.AsyncClient
) -> None:
    calm = served.tenants["calm"]
    answered = await http_sos(served.url, calm, "Secret: the sauna door is broken")
    await http_sos(served.url, calm, "Secret: towels please")
    r = await op.get("/api/v1/me")  # no staff door opens for the operator cookie
    assert r.status_code == 401
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as staff:
        r = await staff.post(
            f"/api/v1/tickets/{answered['id']}/replies",
            json={"text": "On our way"},
            headers=calm.auth("agent"),
        )
        assert r.status_code == 201
    r = await op.get(TENANTS)
    assert "Secret" not in r.text and "calm.example" not in r.text and "On our way" not in r.text
    row = await business(op, "calm")
    assert row is not None
    assert row["status"] == "active" and row["sla_hours"] == 48
    # one answered within the promise, one still within it (not yet due)
    assert row["last_30_days"] == {"sos": 2, "due": 1, "answered_in_time": 1, "share_in_time": 1.0}
    assert row["open_tickets"] == 2
    page = await op.get("/operator", params={"lang": "en"})
    assert "100%" in page.text and "1 of 1 within 48 h" in page.text
    assert "Secret" not in page.text


async def test_operator_and_staff_cookies_never_stand_in_for_each_other(
    served: Served, op: httpx.AsyncClient
) -> None:
    acme = served.acme
    staff_cookie = await login_cookie(served.url, acme.users["admin"]["email"], PASSWORD)
    operator_value = op.cookies["SOS_OPERATOR"]
    staff_value = staff_cookie.split("QUART_AUTH=", 1)[1].split(";", 1)[0]
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as bare:
        # the operator cookie on staff routes and pages
        for path in ("/api/v1/me", "/api/v1/tickets", "/api/v1/setup/checklist"):
            r = await op.get(path)
            assert r.status_code == 401, (path, r.text)
        r = await op.get("/console")
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")
        r = await op.get("/admin/start")
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")
        # ... even under the staff cookie's name (another salt: it does not verify)
        r = await bare.get("/api/v1/me", headers={"Cookie": f"QUART_AUTH={operator_value}"})
        assert r.status_code == 401
        # a staff admin's cookie and token on the operator's routes and page
        cookie = {"Cookie": staff_cookie, **CSRF}
        for method, path in (("GET", TENANTS), ("POST", TENANTS), ("PATCH", f"{TENANTS}/acme")):
            for headers in (cookie, acme.auth("admin")):
                r = await bare.request(method, path, headers=headers, json={"suspended": True})
                assert r.status_code == 401, (method, path, r.text)
        r = await bare.get("/operator", headers={"Cookie": staff_cookie})
        assert r.status_code == 302 and r.headers["Location"].startswith("/operator/login")
        r = await bare.get(TENANTS, headers={"Cookie": f"SOS_OPERATOR={staff_value}"})
        assert r.status_code == 401
    # the operator's own writes need the CSRF header, as staff writes do
    r = await op.patch(f"{TENANTS}/acme", json={"suspended": True})
    assert r.status_code == 403
    row = await business(op, "acme")
    assert row is not None and row["status"] == "active"


async def test_the_operator_opens_a_business_whose_invited_admin_lands_on_the_checklist(
    served: Served, op: httpx.AsyncClient
) -> None:
    body = {
        "name": "Hostal Brisa",
        "slug": "hostal-brisa",
        "language": "es",
        "timezone": "Atlantic/Canary",
        "admin_email": "Dueña@Brisa.example",
        "admin_name": "Marta Brisa",
    }
    r = await op.post(TENANTS, json=body, headers=CSRF)
    assert r.status_code == 201, r.text
    opened = r.json()
    assert opened["tenant"]["slug"] == "hostal-brisa" and opened["tenant"]["status"] == "active"
    assert opened["tenant"]["timezone"] == "Atlantic/Canary"
    assert opened["admin"] == {
        "id": opened["admin"]["id"],
        "email": "dueña@brisa.example",
        "name": "Marta Brisa",
        "role": "admin",
    }
    # an invitation, as for any colleague: a one-time link, no password (this hub has no SMTP)
    assert "one_time_password" not in opened and "password" not in json.dumps(opened["admin"])
    link = opened["set_password_url"]
    assert link.startswith(f"{served.url}/set-password/") and opened["emailed"] is False
    assert opened["expires_at"] > opened["tenant"]["created_at"]
    assert opened["login_url"] == f"{served.url}/login"
    assert await business(op, "hostal-brisa") is not None
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as admin:
        # no password gets in before the admin chooses one
        for guess in ("", "None", PASSWORD):
            r = await admin.post(
                "/api/v1/auth/login", json={"email": "dueña@brisa.example", "password": guess}
            )
            assert r.status_code in (400, 401), r.text
        page = await admin.get(link)
        assert page.status_code == 200 and 'lang="es"' in page.text, page.text
        token = FORM_TOKEN.search(page.text)
        assert token, page.text
        form = {"password": "brisa-2026-mar", "again": "brisa-2026-mar"}
        r = await admin.post(link, data={**form, "csrf_token": html.unescape(token.group(1))})
        # the new admin lands on the first-run checklist, logged in
        assert r.status_code == 303 and r.headers["Location"] == "/admin/start", r.text
        checklist = (await admin.get("/api/v1/setup/checklist")).json()
        assert checklist["done"] == 0 and checklist["total"] == 7
        me = (await admin.get("/api/v1/me")).json()
        assert me["tenant"]["slug"] == "hostal-brisa" and me["user"]["role"] == "admin"
        # a new business sees only itself
        assert [p["code"] for p in (await admin.get("/api/v1/points")).json()["items"]] == []
        assert (await admin.get(TENANTS)).status_code == 401
        # the link works once
        assert (await admin.get(link)).status_code == 410
    # a business in a language the staff pages do not speak: its admin's pages are English
    french = {**body, "slug": "gite-brise", "language": "fr", "admin_email": "gite@brise.example"}
    r = await op.post(TENANTS, json=french, headers=CSRF)
    assert r.status_code == 201, r.text
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as gite:
        page = await gite.get(r.json()["set_password_url"], headers={"Accept-Language": "fr"})
        assert page.status_code == 200 and '<html lang="en"' in page.text


async def test_bad_input_names_its_field_and_opens_nothing_by_half(
    served: Served, op: httpx.AsyncClient, store: Store
) -> None:
    before = {b["slug"] for b in (await op.get(TENANTS)).json()["items"]}
    good = {
        "name": "Café Norte",
        "slug": "cafe-norte",
        "timezone": "Europe/Madrid",
        "admin_email": "norte@cafe.example",
    }
    cases = [
        ({"slug": "acme"}, 409, "slug"),  # taken: the new admin must not be made either
        ({"timezone": "Mars/Olympus_Mons"}, 400, "timezone"),
        ({"admin_email": "not-an-address"}, 400, "admin_email"),
        ({"slug": "Café Norte!"}, 400, "slug"),
        ({"name": "   "}, 400, "name"),
        ({"language": "spanish"}, 400, "language"),
    ]
    for change, status, field in cases:
        r = await op.post(TENANTS, json={**good, **change}, headers=CSRF)
        names_field(r, status, field)
    r = await op.post(TENANTS, json={k: v for k, v in good.items() if k != "slug"}, headers=CSRF)
    names_field(r, 400, "slug")
    assert {b["slug"] for b in (await op.get(TENANTS)).json()["items"]} == before
    assert await store.lookup_all("users", "email", "norte@cafe.example") == []
    assert await store.lookup("tenants", "slug", "cafe-norte") is None
    r = await op.patch(f"{TENANTS}/no-such-business", json={"suspended": True}, headers=CSRF)
    names_field(r, 404, "slug")
    r = await op.patch(f"{TENANTS}/acme", json={"suspended": "maybe"}, headers=CSRF)
    assert r.status_code == 400 and "suspended" in r.text


async def _refused(r: httpx.Response, status: int = 423) -> None:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == "suspended" and error["message"].startswith("tenant:"), error


async def test_a_suspended_business_takes_no_sos_and_no_staff_until_it_is_resumed(
    served: Served, op: httpx.AsyncClient, http: httpx.AsyncClient
) -> None:
    globex = served.globex
    code = globex.point["code"]
    manager = globex.auth("manager")
    r = await http.post(
        "/api/v1/kiosks", json={"name": "Lobby", "point": code}, headers={**manager}
    )
    assert r.status_code == 201, r.text
    device = {"Authorization": f"Bearer {r.json()['device_token']}"}
    before = await http_sos(served.url, globex, "Before the suspension")
    cookie = await login_cookie(served.url, globex.users["agent"]["email"], PASSWORD)
    console = await Console(served.url, cookie=cookie).connect()
    try:
        r = await op.patch(f"{TENANTS}/globex", json={"suspended": True}, headers=CSRF)
        assert r.status_code == 200 and r.json()["status"] == "suspended"
        assert r.json()["suspended_at"]
        # its open console is closed at once, and cannot come back
        await console.wait_for(lambda: not console.connected, 10, "the console to be closed")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await Console(served.url, cookie=cookie).connect()
        # its doors say so, readably
        page = await http.get(f"/q/{code}", params={"lang": "en"})
        assert page.status_code == 423 and "not taking messages" in page.text
        page = await http.post(f"/q/{code}", data={"text": "Hello?"}, params={"lang": "es"})
        assert page.status_code == 423 and "no recibimos mensajes" in page.text.lower()
        await _refused(await http.post("/api/v1/sos", json={"point": code, "text": "Hello?"}))
        await _refused(await http.post("/api/v1/kiosk/sos", json={"text": "Hi"}, headers=device))
        # its staff cannot log in, and what they had stops (but is not deleted)
        email = globex.users["manager"]["email"]
        r = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        await _refused(r)
        form_page = await http.get("/login", params={"lang": "en"})
        token = LOGIN_FORM_TOKEN.search(form_page.text)
        assert token
        r = await http.post(
            "/login",
            data={
                "email": email,
                "password": PASSWORD,
                "csrf_token": html.unescape(token.group(1)),
            },
            params={"lang": "en"},
        )
        assert r.status_code == 423 and "suspended" in r.text and "QUART_AUTH" not in r.cookies
        await _refused(await http.get("/api/v1/tickets", headers={"Cookie": cookie}))
        await _refused(await http.get("/api/v1/tickets", headers=manager))
        page = await http.get("/console", headers={"Cookie": cookie}, params={"lang": "en"})
        assert page.status_code == 423 and "suspended" in page.text
        # other businesses go on as before
        await http_sos(served.url, served.acme, "Acme is open")
        row = await business(op, "globex")
        assert row is not None and row["status"] == "suspended"

        r = await op.patch(f"{TENANTS}/globex", json={"suspended": False}, headers=CSRF)
        assert r.status_code == 200 and r.json()["status"] == "active"
        assert (await http.get(f"/q/{code}")).status_code == 200
        await http_sos(served.url, globex, "After the suspension")
        r = await http.post("/api/v1/kiosk/sos", json={"text": "Hi again"}, headers=device)
        assert r.status_code == 201, r.text
        r = await http.get("/api/v1/tickets", headers={"Cookie": cookie})  # the same session
        assert r.status_code == 200
        texts = [t["text"] for t in r.json()["items"]]
        assert "Before the suspension" in texts and "After the suspension" in texts
        r = await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert r.status_code == 200
        back = await Console(served.url, cookie=cookie).connect()
        assert back.connected
        await back.close()
        listed = (await http.get("/api/v1/tickets", headers=manager)).json()["items"]
        assert before["id"] in [t["id"] for t in listed]  # nothing was deleted
    finally:
        await console.close()
