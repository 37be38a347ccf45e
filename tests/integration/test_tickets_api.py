"""The staff's ticket flow through the HTTP API: list, filter, page, read, change, answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import pytest

from hub.app import Hub
from tests.helpers import Seeded
from tests.kit import CONTRACT_TICKET_KEYS, new_sos

TICKETS = "/api/v1/tickets"


async def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, await r.get_data(as_text=True)
    return await r.get_json()


async def _error(r: Any, status: int, code: str, field: str | None = None) -> str:
    assert r.status_code == status, await r.get_data(as_text=True)
    body = await r.get_json()
    assert body["error"]["code"] == code
    message = str(body["error"]["message"])
    if field:
        assert field in message, message
    return message


def _when(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.utcoffset() is not None, text
    return moment


async def test_the_list_is_newest_first_and_pages_with_next_cursor(
    client: Any, acme: Seeded
) -> None:
    for i in range(1, 6):
        await new_sos(client, acme, f"Complaint number {i}")
    seen: list[int] = []
    path = f"{TICKETS}?limit=2"
    pages = 0
    while True:
        body = await _ok(await client.get(path, headers=acme.auth()))
        pages += 1
        assert len(body["items"]) <= 2
        seen += [t["number"] for t in body["items"]]
        if body["next_cursor"] is None:
            break
        path = f"{TICKETS}?limit=2&cursor={body['next_cursor']}"
    assert seen == [5, 4, 3, 2, 1]
    assert pages == 3
    body = await _ok(await client.get(f"{TICKETS}?limit=5", headers=acme.auth()))
    assert body["next_cursor"] is None and len(body["items"]) == 5


async def test_listed_tickets_carry_the_contract_fields_and_no_thread_secret(
    client: Any, acme: Seeded
) -> None:
    created = await new_sos(
        client, acme, "Cold shower", anonymous=False, contact={"name": "Ana", "email": "a@x.es"}
    )
    (item,) = (await _ok(await client.get(TICKETS, headers=acme.auth())))["items"]
    for key in sorted(CONTRACT_TICKET_KEYS):
        assert key in item, key
    assert item["id"] == created["id"] and isinstance(item["id"], str)
    assert item["point"] == {"code": acme.point["code"], "label": acme.point["label"]}
    assert item["contact"] == {"name": "Ana", "email": "a@x.es"}
    _when(item["created_at"])
    assert created["token"] not in str(item)
    assert "thread_token" not in item and "tenant_id" not in item


async def test_an_anonymous_ticket_shows_staff_no_contact(client: Any, acme: Seeded) -> None:
    await new_sos(client, acme, "Anonymous please", anonymous=True, contact={"name": "Ana"})
    (item,) = (await _ok(await client.get(TICKETS, headers=acme.auth())))["items"]
    assert item["anonymous"] is True and item["contact"] is None


async def test_the_list_filters_by_status_list_point_and_text(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    from hub.accounts.services import create_point

    await create_point(hub.store, acme.tenant, code="acme-pool", label="Pool", department="Pool")
    a = await new_sos(client, acme, "The MÚSICA is too loud")
    b = await new_sos(client, acme, "Towels missing")
    r = await client.post("/api/v1/sos", json={"point": "acme-pool", "text": "Pool is cold"})
    c = await _ok(r, 201)
    await _ok(
        await client.patch(f"{TICKETS}/{b['id']}", json={"status": "open"}, headers=acme.auth())
    )
    await _ok(
        await client.patch(f"{TICKETS}/{c['id']}", json={"status": "resolved"}, headers=acme.auth())
    )

    async def ids(query: str) -> list[str]:
        body = await _ok(await client.get(f"{TICKETS}?{query}", headers=acme.auth()))
        return [t["id"] for t in body["items"]]

    assert await ids("status=new") == [a["id"]]
    assert await ids("status=new,open") == [b["id"], a["id"]]
    assert await ids("status=resolved,closed") == [c["id"]]
    assert await ids("point=acme-pool") == [c["id"]]
    assert await ids(f"point={acme.point['code']}") == [b["id"], a["id"]]
    assert await ids("q=" + quote("música")) == [a["id"]]
    assert await ids("q=TOWELS") == [b["id"]]
    assert await ids("q=pool") == [c["id"]]  # the point's label is searched too
    assert await ids("q=nothing-like-this") == []
    assert await ids("q=50%25") == []  # a LIKE wildcard is a plain character
    assert await ids("status=open&q=loud") == []
    await _error(
        await client.get(f"{TICKETS}?status=new,bogus", headers=acme.auth()),
        400,
        "invalid",
        "status",
    )


async def test_the_detail_has_messages_notes_and_a_history_of_who_and_when(
    client: Any, acme: Seeded
) -> None:
    t = await new_sos(client, acme, "The lift is stuck")
    auth = acme.auth()
    await _ok(await client.post(f"{TICKETS}/{t['id']}/acknowledge", headers=auth))
    message = await _ok(
        await client.post(f"{TICKETS}/{t['id']}/replies", json={"text": "Coming"}, headers=auth),
        201,
    )
    note = await _ok(
        await client.post(
            f"{TICKETS}/{t['id']}/notes", json={"text": "Call the tech"}, headers=auth
        ),
        201,
    )
    await _ok(
        await client.post(f"/api/v1/thread/{t['token']}/messages", json={"text": "Thanks"}), 201
    )
    detail = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=auth))
    assert "thread_token" not in detail
    assert [(m["author"], m["text"]) for m in detail["messages"]] == [
        ("staff", "Coming"),
        ("customer", "Thanks"),
    ]
    assert detail["messages"][0]["id"] == message["id"]
    assert detail["messages"][0]["author_name"] == "Agent acme"
    assert [(n["id"], n["text"], n["author_name"]) for n in detail["notes"]] == [
        (note["id"], "Call the tech", "Agent acme")
    ]
    history = detail["history"]
    statuses = [(h["from"], h["to"], h["by"]) for h in history if h["action"] == "status"]
    assert statuses == [
        ("new", "acknowledged", "Agent acme"),
        ("acknowledged", "waiting_customer", "Agent acme"),
        ("waiting_customer", "open", "customer"),
    ]
    assert history[0]["action"] == "created" and history[0]["by"] == "customer"
    assert {"replied", "note"} <= {h["action"] for h in history}
    moments = [_when(h["created_at"]) for h in history]
    assert moments == sorted(moments)
    assert detail["status"] == "open"


async def test_status_moves_through_the_whole_life_each_step_in_the_history(
    client: Any, acme: Seeded
) -> None:
    t = await new_sos(client, acme, "Noise at night")
    life = [
        "acknowledged",
        "waiting_customer",
        "open",
        "waiting_customer",
        "open",
        "resolved",
        "closed",
    ]
    for status in life:
        body = await _ok(
            await client.patch(
                f"{TICKETS}/{t['id']}", json={"status": status}, headers=acme.auth("manager")
            )
        )
        assert body["status"] == status
    detail = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth()))
    steps = [(h["from"], h["to"]) for h in detail["history"] if h["action"] == "status"]
    assert steps == list(zip(["new", *life[:-1]], life, strict=True))
    assert all(
        h["by"] == "Manager acme" and h["by_id"] == acme.users["manager"]["id"]
        for h in detail["history"]
        if h["action"] == "status"
    )
    assert detail["resolved_at"] is not None and detail["closed_at"] is not None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (["open"], "acknowledged"),
        (["resolved"], "acknowledged"),
        (["resolved", "closed"], "resolved"),
        (["resolved", "closed"], "waiting_customer"),
        (["acknowledged"], "new"),
    ],
)
async def test_an_illegal_transition_is_409_and_changes_nothing(
    client: Any, acme: Seeded, path: list[str], status: str
) -> None:
    t = await new_sos(client, acme, "Broken chair")
    for step in path:
        await _ok(
            await client.patch(f"{TICKETS}/{t['id']}", json={"status": step}, headers=acme.auth())
        )
    before = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth()))
    r = await client.patch(f"{TICKETS}/{t['id']}", json={"status": status}, headers=acme.auth())
    await _error(r, 409, "conflict", "status")
    assert await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth())) == before


async def test_an_unknown_status_or_category_is_400_naming_the_field(
    client: Any, acme: Seeded
) -> None:
    t = await new_sos(client, acme, "Dirty table")
    url = f"{TICKETS}/{t['id']}"
    await _error(
        await client.patch(url, json={"status": "done"}, headers=acme.auth()),
        400,
        "invalid",
        "status",
    )
    await _error(
        await client.patch(url, json={"category": "rant"}, headers=acme.auth()),
        400,
        "invalid",
        "category",
    )
    await _error(
        await client.patch(url, json={"status": 3}, headers=acme.auth()), 400, "invalid", "status"
    )
    detail = await _ok(await client.get(url, headers=acme.auth()))
    assert detail["status"] == "new" and detail["category"] is None
    assert [h["action"] for h in detail["history"]] == ["created"]


async def test_category_is_set_and_cleared(client: Any, acme: Seeded) -> None:
    t = await new_sos(client, acme, "Great breakfast")
    url = f"{TICKETS}/{t['id']}"
    assert (await _ok(await client.patch(url, json={"category": "praise"}, headers=acme.auth())))[
        "category"
    ] == "praise"
    assert (await _ok(await client.patch(url, json={"category": None}, headers=acme.auth())))[
        "category"
    ] is None
    detail = await _ok(await client.get(url, headers=acme.auth()))
    changes = [(h["from"], h["to"]) for h in detail["history"] if h["action"] == "category"]
    assert changes == [(None, "praise"), ("praise", None)]


async def test_an_absent_patch_field_stays_as_it_is(client: Any, acme: Seeded) -> None:
    t = await new_sos(client, acme, "Wobbly table")
    url = f"{TICKETS}/{t['id']}"
    await _ok(
        await client.patch(
            url, json={"category": "complaint", "description": "Table 4"}, headers=acme.auth()
        )
    )
    body = await _ok(await client.patch(url, json={"status": "open"}, headers=acme.auth()))
    assert (body["category"], body["description"], body["status"]) == (
        "complaint",
        "Table 4",
        "open",
    )


async def test_the_assignee_must_be_staff_of_the_same_tenant(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    t = await new_sos(client, acme, "Room not cleaned")
    url = f"{TICKETS}/{t['id']}"
    body = await _ok(
        await client.patch(
            url, json={"assignee": acme.users["agent"]["id"]}, headers=acme.auth("manager")
        )
    )
    assert body["assignee"]["id"] == acme.users["agent"]["id"]
    # a bad field of the body (400 naming it), told alike for another business's colleague
    # and for nobody at all: 404 is for the ticket in the path
    foreign = await _error(
        await client.patch(
            url, json={"assignee": globex.users["agent"]["id"]}, headers=acme.auth("manager")
        ),
        400,
        "invalid",
        "assignee",
    )
    nobody = await _error(
        await client.patch(url, json={"assignee": "no-such-user"}, headers=acme.auth("manager")),
        400,
        "invalid",
        "assignee",
    )
    assert foreign.startswith("assignee: ") and foreign == nobody
    detail = await _ok(await client.get(url, headers=acme.auth()))
    assert detail["assignee"]["id"] == acme.users["agent"]["id"]
    body = await _ok(await client.patch(url, json={"assignee": None}, headers=acme.auth()))
    assert body["assignee"] is None


async def test_a_ticket_that_does_not_exist_is_404(client: Any, acme: Seeded) -> None:
    for r in (
        await client.get(f"{TICKETS}/nope", headers=acme.auth()),
        await client.patch(f"{TICKETS}/nope", json={"status": "open"}, headers=acme.auth()),
        await client.post(f"{TICKETS}/nope/replies", json={"text": "x"}, headers=acme.auth()),
        await client.post(f"{TICKETS}/nope/notes", json={"text": "x"}, headers=acme.auth()),
        await client.post(f"{TICKETS}/nope/acknowledge", headers=acme.auth()),
    ):
        await _error(r, 404, "not_found")


async def test_a_reply_sets_first_response_and_reaches_the_thread_but_a_note_does_not(
    client: Any, acme: Seeded
) -> None:
    t = await new_sos(client, acme, "Where is the gym?")
    auth = acme.auth()
    await _ok(
        await client.post(f"{TICKETS}/{t['id']}/notes", json={"text": "SECRET-NOTE"}, headers=auth),
        201,
    )
    ticket = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=auth))
    assert ticket["first_response_at"] is None  # a note is no response
    message = await _ok(
        await client.post(
            f"{TICKETS}/{t['id']}/replies", json={"text": "  Floor -1  "}, headers=auth
        ),
        201,
    )
    assert message["text"] == "Floor -1" and message["author"] == "staff"
    ticket = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=auth))
    first = ticket["first_response_at"]
    assert first is not None and _when(first) >= _when(ticket["created_at"])
    assert ticket["status"] == "waiting_customer"
    await _ok(
        await client.post(f"{TICKETS}/{t['id']}/replies", json={"text": "Open 7-22"}, headers=auth),
        201,
    )
    ticket = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=auth))
    assert ticket["first_response_at"] == first  # the first stays the first

    thread = await _ok(await client.get(f"/api/v1/thread/{t['token']}"))
    assert [m["text"] for m in thread["messages"]] == ["Floor -1", "Open 7-22"]
    assert "SECRET-NOTE" not in str(thread)
    assert thread["ticket"]["id"] == t["id"]
    for hidden in ("contact", "thread_token", "assignee", "notes", "history", "seq", "tenant_id"):
        assert hidden not in thread["ticket"], hidden


async def test_resolving_sets_resolved_at(client: Any, acme: Seeded) -> None:
    t = await new_sos(client, acme, "Missing pillow")
    url = f"{TICKETS}/{t['id']}"
    body = await _ok(await client.patch(url, json={"status": "resolved"}, headers=acme.auth()))
    assert body["resolved_at"] is not None
    assert _when(body["resolved_at"]) >= _when(body["created_at"])
    thread = await _ok(await client.get(f"/api/v1/thread/{t['token']}"))
    assert thread["ticket"]["resolved_at"] == body["resolved_at"]


async def test_a_customer_message_reopens_a_waiting_ticket(client: Any, acme: Seeded) -> None:
    t = await new_sos(client, acme, "Can I get a late checkout?")
    await _ok(
        await client.post(
            f"{TICKETS}/{t['id']}/replies", json={"text": "Until when?"}, headers=acme.auth()
        ),
        201,
    )
    assert (await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth())))[
        "status"
    ] == "waiting_customer"
    message = await _ok(
        await client.post(f"/api/v1/thread/{t['token']}/messages", json={"text": "Until 2 pm"}), 201
    )
    assert message["from"] == "customer" and message["author"] is None
    assert message["text"] == "Until 2 pm"
    detail = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth()))
    assert detail["status"] == "open"
    assert detail["messages"][-1]["text"] == "Until 2 pm"


async def test_a_customer_message_with_a_bad_body_or_token_changes_nothing(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    t = await new_sos(client, acme, "Lost key")
    await _error(
        await client.post(f"/api/v1/thread/{t['token']}/messages", json={"text": " "}),
        400,
        "invalid",
        "text",
    )
    await _error(
        await client.post(f"/api/v1/thread/{t['token']}/messages", json={"text": "x" * 2001}),
        400,
        "invalid",
        "text",
    )
    await _error(
        await client.post("/api/v1/thread/not-a-token/messages", json={"text": "hello"}),
        404,
        "not_found",
    )
    await _error(await client.get("/api/v1/thread/not-a-token"), 404, "not_found")
    assert await hub.store.count(acme.tenant["id"], "entries", {"kind": "message"}) == 0


async def _held(client: Any, acme: Seeded, text: str) -> dict[str, Any]:
    """An SOS the tenant's spam filter holds back (quarantined)."""
    r = await client.put(
        "/api/v1/filters", json={"spam_phrases": ["cheap watches"]}, headers=acme.auth("manager")
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    t = await new_sos(client, acme, f"{text}: cheap watches here")
    detail = await _ok(await client.get(f"{TICKETS}/{t['id']}", headers=acme.auth()))
    assert detail["status"] == "quarantined"
    return t


async def _pushed_ids(client: Any, acme: Seeded) -> list[tuple[str, str]]:
    """(event name, ticket id) of every event a console got or would get on resume."""
    body = await _ok(await client.get("/api/v1/events?since=0", headers=acme.auth()))
    return [(e["name"], e["data"].get("id") or e["data"].get("ticket_id")) for e in body["items"]]


async def test_editing_a_held_back_ticket_pushes_nothing_to_consoles(
    client: Any, acme: Seeded
) -> None:
    t = await _held(client, acme, "Spam one")
    url = f"{TICKETS}/{t['id']}"
    await _ok(
        await client.patch(
            url, json={"category": "complaint", "description": "spam"}, headers=acme.auth()
        )
    )
    closed = await _ok(await client.patch(url, json={"status": "closed"}, headers=acme.auth()))
    assert closed["status"] == "closed"
    assert all(ticket_id != t["id"] for _name, ticket_id in await _pushed_ids(client, acme))
    detail = await _ok(await client.get(url, headers=acme.auth()))
    assert [(h["from"], h["to"]) for h in detail["history"] if h["action"] == "status"] == [
        ("quarantined", "closed")
    ]


async def test_setting_a_held_back_ticket_to_new_releases_it_like_the_release_button(
    client: Any, acme: Seeded
) -> None:
    t = await _held(client, acme, "Spam two")
    body = await _ok(
        await client.patch(f"{TICKETS}/{t['id']}", json={"status": "new"}, headers=acme.auth())
    )
    assert body["status"] == "new"
    # consoles learn of it as a new ticket, as they would after POST .../release
    assert ("ticket.created", t["id"]) in await _pushed_ids(client, acme)
    listed = await _ok(await client.get(TICKETS, headers=acme.auth()))
    assert t["id"] in [x["id"] for x in listed["items"]]


async def test_replying_to_a_held_back_ticket_is_a_conflict_and_sends_nothing(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    t = await _held(client, acme, "Spam three")
    r = await client.post(
        f"{TICKETS}/{t['id']}/replies", json={"text": "Hello"}, headers=acme.auth()
    )
    await _error(r, 409, "conflict", "status")
    assert await hub.store.count(acme.tenant["id"], "entries", {"kind": "message"}) == 0
    thread = await _ok(await client.get(f"/api/v1/thread/{t['token']}"))
    assert thread["messages"] == [] and thread["ticket"]["status"] == "received"
