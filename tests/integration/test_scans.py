"""Scans: every opening of a point's page, counted per point and local day, beside its SOS.

Real hubs over real HTTP (`served`), guests as phones (a browser's user agent, a device
cookie of their own), a manager reading `GET /api/v1/stats?by=point`, and the SQLite file
read back to see what is kept.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from datetime import datetime
from typing import Any

import httpx

from hub.accounts.scans import Scans, local_day
from hub.accounts.services import create_point
from hub.clock import now, parse_iso
from hub.ports import Store
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import eventually
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.kit import Serve, Served, fresh_device, http_sos

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
AUCKLAND = "Pacific/Auckland"  # UTC+13 in November: its days start at 11:00 UTC


async def _seed(store: Store, tenants: dict[str, Seeded]) -> None:
    acme = tenants["acme"].tenant
    await create_point(store, acme, code="acme-lobby", label="Lobby", establishment="Hotel Norte")
    await create_point(store, acme, code="acme-spa", label="Spa", establishment="Hotel Sur")
    await create_point(store, acme, code="acme-stairs", label="Stairs poster")
    await create_point(store, acme, code="acme-lift", label="Lift poster")
    old = await create_point(store, acme, code="acme-old", label="Old poster")
    await store.update(acme["id"], "points", old["id"], {"active": False})
    tenants["kiwi"] = await seed_tenant(store, "kiwi", timezone=AUCKLAND)


# A short store timeout: the test that locks the file waits for the hub to give up.
SERVED = Serve(slugs=("acme", "globex"), envs=({"HUB_STORE_TIMEOUT": "1.5"},), seed=_seed)


def phone(device: str | None = None, agent: str = PHONE) -> dict[str, str]:
    """A phone's headers: its browser, and its device cookie (None: a fresh one)."""
    return {"User-Agent": agent, "Cookie": f"sos_device={device or fresh_device()}"}


async def stats(url: str, who: Seeded, **params: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT) as http:
        r = await http.get("/api/v1/stats", params=params, headers=who.auth("manager"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def group(result: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((g for g in result["groups"] if g["key"] == key), None)


def scan_rows(served: Served, tenant: Seeded) -> list[dict[str, Any]]:
    """The tenant's scans as stored in the SQLite file the hub serves."""
    with sqlite3.connect(served.db) as db:
        rows = db.execute("SELECT doc FROM scans WHERE tenant_id = ?", (tenant.tenant["id"],))
        return [json.loads(doc) for (doc,) in rows]


async def test_each_phone_opening_the_page_is_one_scan_beside_its_sos(served: Served) -> None:
    acme, code = served.acme, str(served.acme.point["code"])
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        # Not scans: a HEAD request, a chat app's link preview, a search engine, a script,
        # an inactive and an unknown code.
        assert (await http.head(f"/q/{code}", headers=phone())).status_code == 200
        for agent in (
            "WhatsApp/2.23.20.0 A",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "python-httpx/0.28",
        ):
            assert (await http.get(f"/q/{code}", headers=phone(agent=agent))).status_code == 200
        assert (await http.get("/q/acme-old", headers=phone())).status_code == 404
        assert (await http.get("/q/no-such-code", headers=phone())).status_code == 404
        # Three phones; one of them reloads: still its one scan.
        devices = [fresh_device() for _ in range(3)]
        for device in (*devices, devices[0]):
            page = await http.get(f"/q/{code}", headers=phone(device))
            assert page.status_code == 200 and "<form" in page.text
        # A poster scanned and never used.
        assert (await http.get("/q/acme-stairs", headers=phone())).status_code == 200
    # A phone's very first visit has no cookie yet: the one it gets makes its reload the same scan.
    async with httpx.AsyncClient(
        base_url=served.url, timeout=HTTP_TIMEOUT, headers={"User-Agent": PHONE}
    ) as browser:
        assert (await browser.get(f"/q/{code}")).status_code == 200
        assert browser.cookies.get("sos_device")
        assert (await browser.get(f"/q/{code}")).status_code == 200
    for _ in range(2):
        await http_sos(served.url, acme)

    result = await stats(served.url, acme, by="point")
    bar = group(result, code)
    assert bar is not None
    assert (bar["count"], bar["scans"], bar["conversion"]) == (2, 4, 0.5)
    assert bar["label"] == acme.point["label"]
    stairs = group(result, "acme-stairs")
    assert stairs is not None and stairs["label"] == "Stairs poster"
    assert (stairs["count"], stairs["scans"], stairs["conversion"]) == (0, 1, 0.0)
    assert group(result, "acme-old") is None
    assert result["overall"]["scans"] >= 5
    # Another business sees none of it.
    other = await stats(served.url, served.globex, by="point")
    assert other["groups"] == [] and other["overall"]["scans"] == 0


async def test_scans_fall_on_the_business_own_local_day(served: Served) -> None:
    kiwi = served.tenants["kiwi"]
    code = str(kiwi.point["code"])
    store = SqliteStore(served.db)  # the file the hub serves, as a second process
    await store.open()
    try:
        # 10:30 UTC on the 29th is 23:30 there; 11:30 and 11:45 UTC are the 30th already.
        for moment in (
            "2026-11-29T10:30:00+00:00",
            "2026-11-29T11:30:00+00:00",
            "2026-11-29T11:45:00+00:00",
        ):
            scans = Scans(store, clock=functools.partial(parse_iso, moment))
            assert await scans.opened(kiwi.tenant, kiwi.point, None)
    finally:
        await store.close()

    async def scanned(start: str, end: str) -> int:
        result = await stats(served.url, kiwi, by="point", **{"from": start, "to": end})
        found = group(result, code)
        return int(found["scans"]) if found else 0

    assert await scanned("2026-11-29", "2026-11-29") == 1
    assert await scanned("2026-11-30", "2026-11-30") == 2
    assert await scanned("2026-11-28", "2026-11-30") == 3
    assert await scanned("2026-12-01", "2026-12-05") == 0
    # A period of date-times counts the local days that begin inside it.
    half = await stats(
        served.url, kiwi, by="point", **{"from": "2026-11-29T12:00", "to": "2026-12-01T12:00"}
    )
    assert half["scan_days"] == {"from": "2026-11-30", "to": "2026-12-01"}
    assert (group(half, code) or {}).get("scans") == 2


async def test_the_stored_scan_is_a_number_per_point_and_local_day_and_nothing_else(
    served: Served,
) -> None:
    kiwi = served.tenants["kiwi"]
    device = fresh_device()
    before = local_day(now(), AUCKLAND)
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.get(f"/q/{kiwi.point['code']}", headers=phone(device))
        assert r.status_code == 200
    after = local_day(now(), AUCKLAND)
    [today] = [d for d in scan_rows(served, kiwi) if d["day"] in (before, after)]
    assert set(today) == {"id", "tenant_id", "point", "day", "count"}
    assert today["point"] == kiwi.point["code"] and today["count"] == 1
    with sqlite3.connect(served.db) as db:
        raw = " ".join(doc for (doc,) in db.execute("SELECT doc FROM scans"))
    for personal in (device, "127.0.0.1", "Mozilla", "iPhone"):
        assert personal not in raw


async def test_by_establishment_groups_the_sos_where_their_points_stood(served: Served) -> None:
    acme = served.acme
    sent = [await http_sos(served.url, acme, point="acme-lobby") for _ in range(2)]
    await http_sos(served.url, acme, point="acme-spa")
    result = await stats(served.url, acme, by="establishment")
    named = [(g["key"], g["label"], g["count"]) for g in result["groups"] if g["key"]]
    assert named == [("hotel-norte", "Hotel Norte", 2), ("hotel-sur", "Hotel Sur", 1)]
    assert "scans" not in result["groups"][0]  # scans belong to points
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        r = await http.get(f"/api/v1/tickets/{sent[0]['id']}", headers=acme.auth())
        assert r.json()["establishment"] == "hotel-norte"
        r = await http.get("/api/v1/stats", params={"by": "building"}, headers=acme.auth("manager"))
        assert r.status_code == 400 and r.json()["error"]["message"].startswith("by")


async def test_a_store_that_cannot_count_never_costs_the_guest_the_page(served: Served) -> None:
    acme = served.acme
    log = served.hubs[0].log_path
    gave_up = "a scan of acme-lift was not counted"
    locker = sqlite3.connect(served.db, isolation_level=None, timeout=5)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the file for writing
    try:
        async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
            page = await http.get("/q/acme-lift", headers=phone())
        assert page.status_code == 200 and 'name="text"' in page.text

        async def logged() -> bool:
            return gave_up in log.read_text()

        await eventually(logged, what="the hub to give the scan up")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as http:
        assert (await http.get("/q/acme-lift", headers=phone())).status_code == 200
    lift = group(await stats(served.url, acme, by="point"), "acme-lift")
    assert lift is not None and lift["scans"] == 1  # the lost one, and then the next counted


def test_the_day_a_moment_falls_on_is_the_business_one() -> None:
    moment = datetime.fromisoformat("2026-11-29T11:30:00+00:00")
    assert local_day(moment, AUCKLAND) == "2026-11-30"
    assert local_day(moment, "America/Los_Angeles") == "2026-11-29"
    assert local_day(moment, "Not/AZone") == "2026-11-29"  # an unknown zone: UTC
