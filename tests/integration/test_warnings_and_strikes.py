"""Insults: a private warning from the held-back view, and a block on the third insult.

Staff warn the sender of a held-back SOS without releasing it: the warning reaches their
thread (live, and by e-mail or SMS through the replies' outbox) while no console ever sees
the ticket. A sender held back for insults three times within 30 days is blocked by their
own identifiers (never the network address a whole hotel shares) and the managers are told.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub import clock
from hub.app import Hub
from hub.notify.render import Renderer
from tests.helpers import Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Served, fresh_device, http_sos, new_sos

TROLL = {"name": "Troll", "email": "troll@example.com"}


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


async def held_ids(http: httpx.AsyncClient, seeded: Seeded) -> dict[str, str]:
    r = await http.get("/api/v1/tickets", params={"status": "quarantined"}, headers=seeded.auth())
    return {t["id"]: t["quarantine_reason"] for t in r.json()["items"]}


async def test_a_warning_reaches_the_senders_thread_while_their_sos_stays_held_back(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme = served.acme
    sent = await http_sos(
        http, acme, "Sois unos gilipollas", device=fresh_device(), anonymous=False, contact=TROLL
    )
    assert (await held_ids(http, acme)).get(sent["id"]) == "offensive"
    thread = await Console(served.url, "/thread", auth={"thread_token": sent["token"]}).connect()
    try:
        warning = "Hola, soy Agent acme. Aquí no se permiten insultos."
        r = await http.post(
            f"/api/v1/tickets/{sent['id']}/warning", json={"text": warning}, headers=acme.auth()
        )
        assert r.status_code == 201, r.text
        assert r.json()["warning"] is True and r.json()["author"] == "staff"
        await thread.wait_for(lambda: bool(thread.events("ticket.message")), 10, "the warning")
        live = thread.events("ticket.message")[0]["message"]
        assert (live["from"], live["author"], live["text"]) == (
            "staff",
            {"name": "Agent acme"},
            warning,
        )
    finally:
        await thread.close()
    messages = (await http.get(f"/api/v1/thread/{sent['token']}")).json()["messages"]
    assert [(m["from"], m["text"]) for m in messages] == [("staff", warning)]

    # still held back: listed only as such, never on a console, nothing routed
    assert (await held_ids(http, acme)).get(sent["id"]) == "offensive"
    listed = (await http.get("/api/v1/tickets", headers=acme.auth())).json()["items"]
    assert sent["id"] not in [t["id"] for t in listed]
    detail = (await http.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth())).json()
    assert detail["status"] == "quarantined" and detail["first_response_at"] is None
    assert [m["warning"] for m in detail["messages"]] == [True]
    assert "warned" in [h["action"] for h in detail["history"]]
    events = (await http.get("/api/v1/events", headers=acme.auth())).json()["items"]
    assert sent["id"] not in str(events)
    # and by e-mail, through the replies' outbox (the sender left an address)
    r = await http.get(
        "/api/v1/deliveries", params={"ticket": sent["id"]}, headers=acme.auth("manager")
    )
    assert [(d["kind"], d["to"]) for d in r.json()["items"]] == [("reply", TROLL["email"])]

    # a ticket that is not held back gets an answer, not a warning
    ok = await http_sos(http, acme, "Where is the gym?")
    r = await http.post(
        f"/api/v1/tickets/{ok['id']}/warning", json={"text": "No insults"}, headers=acme.auth()
    )
    assert r.status_code == 409
    r = await http.post(
        f"/api/v1/tickets/{sent['id']}/warning", json={"text": "  "}, headers=acme.auth()
    )
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("text")


async def test_the_third_insult_blocks_the_senders_device_not_their_neighbours_on_the_network(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme, boss = served.acme, served.acme.auth("manager")
    device = fresh_device()
    insults = ["Sois unos gilipollas", "Hijos de puta, arreglad la ducha ya", "Cabrones de mierda"]
    sent = []
    for text in insults:
        sent.append(await http_sos(http, acme, text, device=device))
        blocks = (await http.get("/api/v1/blocks", headers=boss)).json()["items"]
        mine = [b for b in blocks if b["ticket_id"] in {s["id"] for s in sent}]
        assert bool(mine) == (len(sent) == 3), (len(sent), mine)
    assert [b["kind"] for b in mine] == ["device"]  # anonymous: their own device, no address
    assert mine[0]["created_by"] == "SOS hub" and "insults" in mine[0]["note"]
    assert mine[0]["ticket_id"] == sent[2]["id"] and mine[0]["expires_at"]
    held = await held_ids(http, acme)
    assert [held.get(s["id"]) for s in sent] == ["offensive"] * 3

    fourth = await http_sos(http, acme, "La ducha no funciona", device=device)
    assert (await held_ids(http, acme))[fourth["id"]] == "blocked"
    # another guest on the same network (every request here comes from 127.0.0.1)
    neighbour = await http_sos(http, acme, "The lift is stuck", device=fresh_device())
    assert neighbour["id"] not in await held_ids(http, acme)
    assert neighbour["status"] == "new"

    # the managers are told, by e-mail through the outbox
    r = await http.get("/api/v1/deliveries", params={"ticket": sent[2]["id"]}, headers=boss)
    told = sorted((d["kind"], d["to"]) for d in r.json()["items"])
    assert told == [("auto_block", "admin@acme.example"), ("auto_block", "manager@acme.example")]
    detail = (await http.get(f"/api/v1/tickets/{sent[2]['id']}", headers=acme.auth())).json()
    assert [h["to"] for h in detail["history"] if h["action"] == "auto_blocked"] == ["device"]


# In-process: the window and thread messages, with the store at hand to age the strikes.


async def test_insults_older_than_30_days_do_not_count_and_held_thread_messages_do(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    tenant_id = acme.tenant["id"]
    old = clock.iso(clock.now() - timedelta(days=31))
    for text in ("Sois unos gilipollas", "Hijos de puta"):
        sent = await new_sos(client, acme, text, device=device)
        await hub.store.update(
            tenant_id, "tickets", sent["id"], {"insults": [old], "last_insult_at": old}
        )
    await new_sos(client, acme, "Cabrones de mierda", device=device)
    assert await hub.store.find(tenant_id, "blocks") == []  # one insult within 30 days

    clean = await new_sos(client, acme, "Where is the gym?", device=device)
    assert clean["status"] == "new"
    for text in ("gilipollas", "hijo de puta"):
        r = await client.post(f"/api/v1/thread/{clean['token']}/messages", json={"text": text})
        assert r.status_code == 201
    blocks = await hub.store.find(tenant_id, "blocks")
    assert [(b["kind"], b["value"], b["ticket_id"]) for b in blocks] == [
        ("device", device, clean["id"])
    ]


def test_the_managers_mail_says_what_happened_and_where_to_review_it_in_their_language() -> None:
    ticket = {
        "number": 7,
        "point": {"label": "Bar terrace"},
        "created_at": "2026-12-03T18:07:00+00:00",
    }
    tenant = {"name": "Hotel Mirador", "timezone": "Europe/Madrid"}
    links = {"held_url": "https://h.example/held-back", "blocks_url": "https://h.example/f"}
    english = Renderer().auto_block({"language": "en"}, ticket, tenant, **links)
    assert "#7" in english.subject and "insults" in english.subject
    assert "https://h.example/held-back" in english.text and "Bar terrace" in english.text
    assert "19:07" in english.text  # the business's local time
    assert english.html and "https://h.example/f" in english.html
    spanish = Renderer().auto_block({"language": "es"}, ticket, tenant, **links)
    assert "insultos" in spanish.subject and "n.º 7" in spanish.subject
    assert "Revisar los mensajes retenidos" in spanish.text
