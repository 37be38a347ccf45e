"""GET /api/v1/events, the HTTP twin of the socket `resume`, pages without losing events.

An answer covers one page of stored events. Before, its `latest` was the tenant's last seq
whatever the page held: an integrator resuming from it after 520 new events never got the
last 20, and a page of SOS held back from consoles answered no items and a `latest` past
everything, so the client believed it was caught up.
"""

from __future__ import annotations

from typing import Any

from tests.helpers import Seeded
from tests.kit import new_sos

EVENTS = "/api/v1/events"
EVENTS_PAGE = 500  # stored events an answer covers (README)


async def _page(client: Any, seeded: Seeded, since: int) -> dict[str, Any]:
    r = await client.get(f"{EVENTS}?since={since}", headers=seeded.auth("manager"))
    assert r.status_code == 200, await r.get_data(as_text=True)
    return dict(await r.get_json())


async def _everything_after(client: Any, seeded: Seeded, since: int) -> tuple[list[Any], int]:
    """What an integrator collects resuming from each answer's `latest` while `has_more`:
    the items, and how many answers it took."""
    items: list[Any] = []
    answers = 0
    while True:
        body = await _page(client, seeded, since)
        answers += 1
        assert answers < 20, "the pages never end"
        items += body["items"]
        assert body["latest"] >= since
        since = body["latest"]
        if not body.get("has_more"):
            return items, answers


async def test_resuming_from_latest_after_more_than_a_page_of_events_loses_none(
    client: Any, acme: Seeded
) -> None:
    ticket = await new_sos(client, acme, "The shower in room 12 is cold")
    start = (await _page(client, acme, 0))["latest"]
    notes = [f"note {i}" for i in range(EVENTS_PAGE + 20)]
    for text in notes:
        r = await client.post(
            f"/api/v1/tickets/{ticket['id']}/notes", json={"text": text}, headers=acme.auth()
        )
        assert r.status_code == 201

    first = await _page(client, acme, start)
    assert len(first["items"]) == EVENTS_PAGE
    # what this answer covered, and that more is waiting
    assert first["latest"] == first["items"][-1]["seq"] and first["has_more"] is True

    items, answers = await _everything_after(client, acme, start)
    assert [e["data"]["note"]["text"] for e in items if e["name"] == "ticket.note"] == notes
    seqs = [e["seq"] for e in items]
    assert seqs == sorted(set(seqs))
    assert answers == 2
    # caught up: nothing more, and `latest` stays where it was
    last = await _page(client, acme, items[-1]["seq"])
    assert last == {"items": [], "latest": items[-1]["seq"], "has_more": False}


async def test_a_page_of_held_back_sos_does_not_hide_the_events_after_it(
    client: Any, acme: Seeded
) -> None:
    r = await client.put(
        "/api/v1/filters", json={"spam_phrases": ["cheap watches"]}, headers=acme.auth("manager")
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    start = (await _page(client, acme, 0))["latest"]
    for i in range(EVENTS_PAGE + 1):
        await new_sos(client, acme, f"Cheap watches here, offer {i}")
    ticket = await new_sos(client, acme, "No hot water in room 7")

    first = await _page(client, acme, start)
    # held back: never shown to consoles, but covered, and more is waiting
    assert first["items"] == [] and first["has_more"] is True
    assert first["latest"] == start + EVENTS_PAGE

    items, _ = await _everything_after(client, acme, start)
    assert [e["data"]["id"] for e in items if e["name"] == "ticket.created"] == [ticket["id"]]


async def test_the_openapi_document_lists_since_for_the_events(client: Any) -> None:
    spec = await (await client.get("/openapi.json")).get_json()
    parameters = spec["paths"]["/api/v1/events"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in parameters] == [("since", "query")]


async def test_a_number_lost_to_a_crash_does_not_leave_more_to_fetch_for_ever() -> None:
    """On MongoDB a seq is taken before its event is written: a process that dies between
    the two leaves the counter ahead of the events. The client that asks again "while
    has_more" must stop (it spun, answered no items and has_more true, until the next
    real event)."""
    from mongomock_motor import AsyncMongoMockClient

    from hub.ports import EventDraft
    from hub.realtime.publisher import EventLog
    from hub.store.mongo import MongoStore

    store = MongoStore(AsyncMongoMockClient(), "lost_seq")
    await store.open()
    tenant = "t-lost"
    await store.insert(tenant, "tenants", {"id": tenant, "name": "Lost"})
    [first] = await store.commit(tenant, [], [EventDraft("ticket.note", None, {})])
    await store.next_value(tenant, "event_seq")  # taken by a commit whose process then died
    page = await EventLog(store).after(tenant, 0, "manager")
    assert (page["latest"], page["has_more"]) == (first.seq, False)
    page = await EventLog(store).after(tenant, page["latest"], "manager")
    assert (page["items"], page["latest"], page["has_more"]) == ([], first.seq, False)
