"""Every path a held-back SOS could leak by: one rule (`Ticket.held_back`) closes them all.

Each test failed before the rule had one home: a held SOS that staff closed came back as
an ordinary closed ticket in lists and statistics, a repeat merged into a closed-then-
reopened held ticket was pushed to every console, and `GET /api/v1/events` showed agents
the words that `resume` masks.
"""

from __future__ import annotations

from typing import Any

from hub.app import Hub
from tests.helpers import Seeded
from tests.integration.test_quarantine import put_filters
from tests.kit import fresh_device, post_sos


async def _patch(client: Any, seeded: Seeded, ticket_id: str, **body: Any) -> dict[str, Any]:
    r = await client.patch(f"/api/v1/tickets/{ticket_id}", json=body, headers=seeded.auth("agent"))
    assert r.status_code == 200, await r.get_data()
    return dict(await r.get_json())


async def _ids(client: Any, seeded: Seeded, query: str = "") -> list[str]:
    r = await client.get(f"/api/v1/tickets{query}", headers=seeded.auth("agent"))
    assert r.status_code == 200
    return [t["id"] for t in (await r.get_json())["items"]]


async def _events_about(client: Any, seeded: Seeded, ticket_id: str, since: int = 0) -> list[str]:
    r = await client.get(f"/api/v1/events?since={since}", headers=seeded.auth("agent"))
    assert r.status_code == 200
    return [
        e["name"]
        for e in (await r.get_json())["items"]
        if ticket_id in (e["data"].get("id"), e["data"].get("ticket_id"))
    ]


async def _latest(client: Any, seeded: Seeded) -> int:
    r = await client.get("/api/v1/events?since=0", headers=seeded.auth("agent"))
    return int((await r.get_json())["latest"])


async def test_a_held_back_sos_that_staff_close_stays_out_of_the_ticket_lists(
    client: Any, acme: Seeded
) -> None:
    _, ok = await post_sos(client, acme, "No towels in room 12")
    _, held = await post_sos(client, acme, "the waiter is an asshole")
    closed = await _patch(client, acme, held["id"], status="closed")
    assert closed["status"] == "closed"
    assert await _ids(client, acme) == [ok["id"]]
    assert held["id"] not in await _ids(client, acme, "?status=closed")
    await _patch(client, acme, ok["id"], status="closed")
    assert await _ids(client, acme, "?status=closed") == [ok["id"]]


async def test_statistics_count_a_closed_held_back_sos_as_held_back_not_as_closed(
    client: Any, acme: Seeded
) -> None:
    await post_sos(client, acme, "No towels in room 12")
    _, held = await post_sos(client, acme, "the waiter is an asshole")
    await _patch(client, acme, held["id"], status="closed")
    r = await client.get("/api/v1/stats?by=status", headers=acme.auth("manager"))
    stats = await r.get_json()
    assert r.status_code == 200, stats
    assert stats["held_back"] == 1
    assert stats["overall"]["count"] == 1
    assert {g["key"]: g["count"] for g in stats["groups"]} == {"new": 1}


async def test_a_repeat_of_a_closed_then_reopened_held_sos_reaches_no_console(
    client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    _, held = await post_sos(client, acme, "You are all idiots", device=device)
    await _patch(client, acme, held["id"], status="closed")
    await _patch(client, acme, held["id"], status="open")
    before = await _latest(client, acme)
    _, again = await post_sos(client, acme, "you are all idiots!!!", device=device)
    assert again["id"] == held["id"]
    r = await client.get(f"/api/v1/tickets/{held['id']}", headers=acme.auth("agent"))
    assert (await r.get_json())["repeat_count"] == 1  # stored: nothing is lost
    assert await _events_about(client, acme, held["id"], before) == []
    assert held["id"] not in await _ids(client, acme)


async def test_nothing_staff_do_to_a_held_back_sos_is_pushed_until_it_is_released(
    client: Any, acme: Seeded
) -> None:
    _, held = await post_sos(client, acme, "the waiter is an asshole")
    await _patch(client, acme, held["id"], status="closed")
    await _patch(client, acme, held["id"], status="open")
    r = await client.post(
        f"/api/v1/tickets/{held['id']}/notes", json={"text": "checked"}, headers=acme.auth("agent")
    )
    assert r.status_code == 201
    r = await client.post(
        f"/api/v1/tickets/{held['id']}/replies", json={"text": "Hello"}, headers=acme.auth("agent")
    )
    assert r.status_code == 409  # reopened but never released: no answer goes out
    assert await _events_about(client, acme, held["id"]) == []


async def test_the_events_api_masks_offensive_words_for_agents_as_resume_does(
    client: Any, acme: Seeded
) -> None:
    await put_filters(client, acme, checks={"offensive": False}, mask_for_agents=True)
    _, sent = await post_sos(client, acme, "El camarero es un gilipollas")

    async def texts(role: str) -> list[str]:
        r = await client.get("/api/v1/events?since=0", headers=acme.auth(role))
        return [
            e["data"]["text"]
            for e in (await r.get_json())["items"]
            if e["data"].get("id") == sent["id"]
        ]

    assert await texts("agent") == ["El camarero es un g*********"]
    assert await texts("manager") == ["El camarero es un gilipollas"]


async def test_a_released_sos_arrives_once_as_created_with_the_staff_changes(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    _, held = await post_sos(client, acme, "the waiter is an asshole")
    before = await _latest(client, acme)
    released = await _patch(client, acme, held["id"], status="new", category="complaint")
    assert released["status"] == "new" and released["category"] == "complaint"
    assert await _events_about(client, acme, held["id"], before) == ["ticket.created"]
    assert held["id"] in await _ids(client, acme)
