"""A ticket stored without an establishment (sent before tickets carried one, or before
its point was given one) shows its access point's establishment wherever staff read it:
the console's list and ticket page (the API), the CSV exports, the alerts (e-mail and
SMS) and the acknowledge page. Looked up in the ticket's own business only, on both store
adapters."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from hub.accounts.services import create_point
from hub.app import Hub
from hub.ports import Change, Update
from hub.settings import Settings
from hub.tickets import places
from hub.tickets.places import with_establishments
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    ack_link,
    add_rule,
    email_to,
    quiet,
    rule,
    running_hub,
    sms_to,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_text
from tests.integration.test_exports import export
from tests.integration.test_store_contract import Backend
from tests.integration.vonage_server import VonageServer

PHONE = "34600111222"


@pytest.fixture(params=["sqlite", "mongomock"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    backend = Backend(request.param, tmp_path)
    yield backend
    await backend.cleanup()


async def test_the_points_establishment_stands_in_within_the_tickets_business(
    backend: Backend,
) -> None:
    store = await backend.new_store()
    for tenant, code, slug, name in (
        ("tenant-a", "terrace", "playa", "Hotel Playa"),
        ("tenant-b", "pool", "monte", "Hotel Monte"),  # another business's point and hotel
    ):
        await store.insert(tenant, "establishments", {"id": slug, "slug": slug, "name": name})
        await store.insert(tenant, "points", {"id": code, "code": code, "establishment": slug})
    await store.insert("tenant-a", "points", {"id": "bar", "code": "bar", "establishment": None})
    tickets: list[dict[str, Any]] = [
        {"id": "old", "point": {"code": "terrace"}},  # stored before the field existed
        {"id": "none", "point": {"code": "terrace"}, "establishment": None},
        {"id": "slug-only", "point": {"code": "bar"}, "establishment": "playa"},
        {
            "id": "own",
            "point": {"code": "terrace"},
            "establishment": "x",
            "establishment_name": "X",
        },
        {"id": "no-hotel", "point": {"code": "bar"}, "establishment": None},
        {"id": "elsewhere", "point": {"code": "pool"}},  # tenant-b's point: not looked at
    ]
    shown = {t["id"]: t for t in await with_establishments(store, "tenant-a", tickets)}
    placed = {k: (t.get("establishment"), t.get("establishment_name")) for k, t in shown.items()}
    assert placed == {
        "old": ("playa", "Hotel Playa"),
        "none": ("playa", "Hotel Playa"),
        "slug-only": ("playa", "Hotel Playa"),
        "own": ("x", "X"),
        "no-hotel": (None, None),
        "elsewhere": (None, None),
    }
    assert "establishment" not in tickets[0]  # a copy: nothing stored changes


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    async with running_hub(tuned(settings, {**smtp.env(), **vonage.env()})) as the_hub:
        yield the_hub


async def _ticket_before_the_hotel(live: Hub, client: Any) -> tuple[Seeded, dict[str, Any]]:
    """An SOS from a point that had no establishment yet; then the point is given one."""
    acme = await seed_tenant(live.store, "acme")
    await create_point(live.store, acme.tenant, code="terrace", label="Terraza")
    await create_point(
        live.store, acme.tenant, code="lobby", label="Lobby", establishment="Hotel Mirador Playa"
    )
    await add_rule(
        live.store, acme.tenant, rule([email_to("ana@acme.example"), sms_to(PHONE, "Luis")])
    )
    sos = await submit(client, "terrace", "Se ha roto una copa en la terraza", language="es")
    await quiet(live)
    stored = await live.store.get(acme.tenant["id"], "tickets", sos["id"])
    assert stored is not None and stored.get("establishment") is None
    r = await client.patch(
        "/api/v1/points/terrace",
        json={"establishment": "hotel-mirador-playa"},
        headers=acme.auth("manager"),
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    return acme, sos


async def test_a_ticket_stored_without_establishment_shows_its_points_everywhere(
    live: Hub, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    acme, sos = await _ticket_before_the_hotel(live, client)
    agent = acme.auth("agent")

    listed = await (await client.get("/api/v1/tickets", headers=agent)).get_json()
    assert [t["establishment"] for t in listed["items"]] == ["hotel-mirador-playa"]
    detail = await (await client.get(f"/api/v1/tickets/{sos['id']}", headers=agent)).get_json()
    assert detail["establishment"] == "hotel-mirador-playa"
    [row] = await export(client, acme, "tickets")
    assert row["establishment"] == "hotel-mirador-playa"

    [first_sms] = vonage.to(PHONE)  # sent when the point had no hotel: the point alone
    assert "Terraza:" in first_sms["text"]
    page = await client.get(urlsplit(ack_link(first_sms["text"])).path)
    assert "Terraza · Hotel Mirador Playa" in await page.get_data(as_text=True)

    # a bad survey answer alerts the same people, now naming the hotel
    r = await client.post(f"/api/v1/tickets/{sos['id']}/acknowledge", headers=agent)
    assert (await r.get_json())["establishment"] == "hotel-mirador-playa"  # the console's copy
    r = await client.patch(
        f"/api/v1/tickets/{sos['id']}", json={"status": "resolved"}, headers=agent
    )
    assert (await r.get_json())["establishment"] == "hotel-mirador-playa"
    r = await client.post(f"/api/v1/thread/{sos['token']}/survey", json={"rating": "bad", "nps": 2})
    assert r.status_code == 201
    mails = await smtp.wait_for(2)
    detractor = mails[-1]
    assert "Terraza · Hotel Mirador Playa" in body_text(detractor), body_text(detractor)
    texts = [m["text"] for m in await vonage.wait_for(2)]
    assert "(Terraza - Hotel Mirador Playa)" in texts[-1], texts
    [surveys] = await export(client, acme, "surveys")
    assert surveys["establishment"] == "hotel-mirador-playa"


async def _as_before_settling(backend: Backend) -> None:
    """The store as a hub before this one left it: its tickets never settled."""
    if backend.kind == "sqlite":
        raw = sqlite3.connect(backend.path)
        with raw:
            raw.execute("DELETE FROM meta WHERE key = 'places_version'")
        raw.close()
    else:
        await backend.mock_client[backend.db_name]["meta"].delete_one({"_id": "places_version"})


async def test_opening_a_store_writes_the_points_establishment_onto_old_tickets(
    backend: Backend,
) -> None:
    """Statistics and filters count the stored field: a store opened by this hub settles
    the tickets written before (once), within each ticket's own business."""
    store = await backend.new_store()
    for tenant, code, slug, name in (
        ("tenant-a", "terrace", "playa", "Hotel Playa"),
        ("tenant-b", "pool", "monte", "Hotel Monte"),
    ):
        await store.insert(tenant, "tenants", {"id": tenant, "slug": tenant, "name": tenant})
        await store.insert(tenant, "establishments", {"id": slug, "slug": slug, "name": name})
        await store.insert(tenant, "points", {"id": code, "code": code, "establishment": slug})
    await store.insert("tenant-a", "points", {"id": "bar", "code": "bar", "establishment": None})
    old: list[tuple[str, dict[str, Any]]] = [
        ("tenant-a", {"id": "old", "point": {"code": "terrace"}}),
        ("tenant-a", {"id": "own", "point": {"code": "terrace"}, "establishment": "x"}),
        ("tenant-a", {"id": "no-hotel", "point": {"code": "bar"}, "establishment": None}),
        ("tenant-a", {"id": "elsewhere", "point": {"code": "pool"}}),  # tenant-b's point
        ("tenant-b", {"id": "b-old", "point": {"code": "pool"}}),
    ]
    for tenant, ticket in old:
        await store.insert(tenant, "tickets", {**ticket, "created_at": "2026-11-03T10:00:00Z"})
    await store.close()
    backend.stores.remove(store)
    await _as_before_settling(backend)

    reopened = await backend.new_store()
    placed = {
        t["id"]: (t.get("establishment"), t.get("establishment_name"))
        for tenant in ("tenant-a", "tenant-b")
        for t in await reopened.find(tenant, "tickets")
    }
    assert placed == {
        "old": ("playa", "Hotel Playa"),
        "own": ("x", None),
        "no-hotel": (None, None),
        "elsewhere": (None, None),
        "b-old": ("monte", "Hotel Monte"),
    }
    assert await reopened.count("tenant-a", "tickets", {"establishment": "playa"}) == 1


async def test_a_ticket_stored_without_establishment_is_counted_and_filtered_by_its_points(
    live: Hub,
) -> None:
    """The CSV filtered by an establishment holds exactly what the statistics count for it,
    and the consoles' realtime copy after an acknowledge names it too."""
    client = live.quart.test_client()
    acme, sos = await _ticket_before_the_hotel(live, client)
    manager, agent = acme.auth("manager"), acme.auth("agent")

    rows = await export(client, acme, "tickets", establishment="hotel-mirador-playa")
    assert [r["number"] for r in rows] == [str(sos["number"])]
    r = await client.get("/api/v1/stats", query_string={"by": "establishment"}, headers=manager)
    groups = {g["key"]: g["count"] for g in (await r.get_json())["groups"]}
    assert groups == {"hotel-mirador-playa": 1}

    r = await client.post(f"/api/v1/tickets/{sos['id']}/acknowledge", headers=agent)
    assert r.status_code == 200
    events = await (await client.get("/api/v1/events", headers=agent)).get_json()
    [pushed] = [
        e for e in events["items"] if e["name"] == "ticket.updated" and e["data"]["id"] == sos["id"]
    ][-1:]
    assert pushed["data"]["establishment"] == "hotel-mirador-playa"


async def test_releasing_a_held_sos_stored_without_establishment_names_its_points(
    live: Hub,
) -> None:
    """An SOS held back while its point had no establishment; the point is given one; the
    release's answer and the consoles' realtime copy name it."""
    client = live.quart.test_client()
    acme = await seed_tenant(live.store, "acme")
    await create_point(live.store, acme.tenant, code="terrace", label="Terraza")
    await create_point(
        live.store, acme.tenant, code="lobby", label="Lobby", establishment="Hotel Mirador Playa"
    )
    sos = await submit(client, "terrace", "Se ha roto una copa en la terraza", language="es")
    await quiet(live)
    held = {"status": "quarantined", "quarantine_reason": "flood"}
    await live.store.update(acme.tenant["id"], "tickets", sos["id"], held)
    r = await client.patch(
        "/api/v1/points/terrace",
        json={"establishment": "hotel-mirador-playa"},
        headers=acme.auth("manager"),
    )
    assert r.status_code == 200, await r.get_data(as_text=True)

    agent = acme.auth("agent")
    r = await client.post(f"/api/v1/tickets/{sos['id']}/release", headers=agent)
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert (await r.get_json())["establishment"] == "hotel-mirador-playa"
    events = await (await client.get("/api/v1/events", headers=agent)).get_json()
    pushed = [e for e in events["items"] if e["data"].get("id") == sos["id"]]
    assert pushed and pushed[-1]["data"]["establishment"] == "hotel-mirador-playa"


async def test_a_backfill_page_written_at_once_keeps_a_ticket_placed_meanwhile(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`settle` writes a page of tickets in one commit of compare-and-sets: a ticket given
    its own establishment between the page's read and its write keeps it; the rest of the
    page, and pages past the first, are written (pages of 5 here: the same loop as 500)."""
    monkeypatch.setattr(places, "PAGE", 5)
    store = await backend.new_store()
    await store.insert("t1", "points", {"id": "bar", "code": "bar", "establishment": None})
    await store.insert("t1", "establishments", {"id": "playa", "slug": "playa", "name": "Playa"})
    for i in range(places.PAGE + 3):
        await store.insert("t1", "tickets", {"id": f"k{i}", "point": {"code": "bar"}})
    await store.update("t1", "tickets", "k1", {"establishment": "monte"})
    changes: list[Change] = [
        Update("tickets", t, {"establishment": "playa"}, expected={"establishment": None})
        for t in ("k0", "k1")
    ]
    await store.commit("t1", changes, [])
    assert (await store.get("t1", "tickets", "k0") or {})["establishment"] == "playa"
    assert (await store.get("t1", "tickets", "k1") or {})["establishment"] == "monte"

    await store.update("t1", "points", "bar", {"establishment": "playa"})
    assert await places.settle(store, "t1", "bar") == places.PAGE + 1
    assert await store.count("t1", "tickets", {"establishment": None}) == 0
    assert await store.count("t1", "tickets", {"establishment_name": "Playa"}) == places.PAGE + 1
