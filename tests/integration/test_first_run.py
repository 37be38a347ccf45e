"""First run on a real hub: the checklist ticks itself as a new business's data appears, and a
login lands a manager still setting up on /admin/start (agents on the console).

Data the set-up pages of other parts create (a department, a point, a printed poster, a
colleague) is written here through the same domain functions, on the hub's own SQLite file;
the rule and the SOS go through the HTTP API; every answer is read over HTTP.
"""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.accounts.first_run import FirstRun
from hub.accounts.passwords import hash_token
from hub.accounts.services import create_point, create_tenant, create_user, ensure_named
from hub.ports import Store
from hub.store.sqlite import SqliteStore
from tests.helpers import LOGIN_FORM_TOKEN, PASSWORD, Seeded, _cached_hash
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

BOSS = "boss@fresh.example"


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


SERVED = Serve(slugs=(), seed=_fresh)


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
    first_run = FirstRun(store, served.url)

    # each piece of data ticks its own step, and only that one
    expected: set[str] = set()

    async def ticks(step: str) -> None:
        expected.add(step)
        body = await checklist(http)
        assert done_keys(body) == expected, body
        assert body["done"] == len(expected)

    await first_run.mark_settings_saved(tid)
    await ticks("settings")
    await ensure_named(store, tenant, "departments", "Reception")
    await ticks("departments")
    point = await create_point(store, tenant, code="fresh-desk", label="Front desk")
    await ticks("points")
    sos_step = next(s for s in (await checklist(http))["steps"] if s["key"] == "sos")
    assert sos_step["url"] == f"{served.url}/q/fresh-desk"  # the test SOS opens the point
    assert await first_run.mark_printed(tid, [point["code"], "someone-elses-code"]) == 1
    await ticks("print")
    rule = {
        "name": "Everything to the boss",
        "recipients": [{"channel": "email", "to": BOSS, "name": "Boss"}],
    }
    r = await http.post("/api/v1/rules", json=rule, headers={"X-Requested-With": "sos-hub"})
    assert r.status_code == 201, r.text
    await ticks("rules")
    await _user(store, tenant, "desk@fresh.example", "agent")
    await ticks("staff")
    page = await http.get("/admin/start", params={"lang": "es"})
    assert "6 de 7 hechos" in page.text  # the page in the manager's language too
    console = await http.get("/console", params={"lang": "en"})
    assert "Finish setting up (6/7)" in console.text

    # an agent always lands on the console, whatever is left to set up
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as desk:
        assert await form_login(desk, "desk@fresh.example") == "/console"
        r = await desk.get("/api/v1/setup/checklist")
        assert r.status_code == 403  # the checklist is a manager's

    await http_sos(served.url, None, "Testing our new poster", point="fresh-desk")
    await ticks("sos")
    assert (await checklist(http))["complete"] is True
    page = await http.get("/admin/start", params={"lang": "en"})
    assert "7 of 7 done" in page.text and "All set" in page.text
    console = await http.get("/console", params={"lang": "en"})
    assert "Finish setting up" not in console.text

    # set up: the manager's next login lands on the console
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as again:
        assert await form_login(again, BOSS) == "/console"
        r = await again.post("/api/v1/auth/login", json={"email": BOSS, "password": PASSWORD})
        assert r.json()["landing"] == "/console"

