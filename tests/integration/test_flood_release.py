"""Releasing a network's held flood: what staff were shown, never a blocked sender's, and the
counts the held-back page and the consoles read (from the review of the floods work).

Through the HTTP API on the app under test (real SQLite), rate limits on, as shipped.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from hub.app import Hub
from hub.moderation import held_floods
from hub.moderation.floods import FLOOD_LIMIT
from tests.helpers import Seeded
from tests.integration.test_floods import (  # noqa: F401  (the settings fixture: rate limits on)
    HOTEL,
    OTHER,
    floods,
    from_new_phones,
    held_flood,
    settings,
    tickets,
)
from tests.kit import fresh_device, post_sos


async def release(client: Any, seeded: Seeded, ticket: str, query: str = "") -> Any:
    r = await client.post(f"/api/v1/floods/{ticket}/release{query}", headers=seeded.auth("manager"))
    assert r.status_code == 200, await r.get_data()
    return await r.get_json()


async def test_release_all_leaves_held_the_sos_of_a_sender_blocked_since(
    client: Any, acme: Seeded
) -> None:
    # the page says: block the flooder first, then "Release all N"
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)
    bot = fresh_device()
    spam = [
        (await post_sos(client, acme, f"{i} " + uuid4().hex, ip=HOTEL, device=bot))[1]
        for i in range(4)
    ]
    _, guest = await post_sos(client, acme, "Room 12 has no hot water", ip=HOTEL)
    r = await client.post(
        f"/api/v1/tickets/{spam[0]['id']}/block", json={}, headers=acme.auth("agent")
    )
    assert r.status_code == 201, await r.get_data()
    done = await release(client, acme, spam[0]["id"])
    assert [t["id"] for t in done["released"]] == [guest["id"]]
    assert done["blocked"] == 4 and done["remaining"] == 0
    # the bot's SOS stay held back, now as a blocked sender's; the consoles' count is 0
    held = {t["id"]: t for t in await tickets(client, acme, "quarantined")}
    assert {held[s["id"]]["quarantine_reason"] for s in spam} == {"blocked"}
    assert (await floods(client, acme))["held"] == 0
    assert guest["id"] in {t["id"] for t in await tickets(client, acme, "new")}


async def test_release_all_releases_what_staff_were_shown_not_what_arrived_since(
    client: Any, acme: Seeded
) -> None:
    held = await held_flood(client, acme, HOTEL, 3)
    shown = (await floods(client, acme))["items"][0]  # "Release all 3", confirmed
    assert shown["count"] == 3
    later = await from_new_phones(client, acme, HOTEL, 2)  # the flood goes on meanwhile
    done = await release(client, acme, shown["ticket"], f"?through={shown['last_number']}")
    assert [t["id"] for t in done["released"]] == [t["id"] for t in held]
    assert done["remaining"] == 0  # the page stops asking: the 2 unseen ones are not its
    quarantined = {t["id"] for t in await tickets(client, acme, "quarantined")}
    assert {t["id"] for t in later} <= quarantined
    # the page then lists them, as a line of their own
    [group] = (await floods(client, acme))["items"]
    assert group["count"] == 2 and group["ticket"] == later[0]["id"]


@pytest.mark.parametrize("through", ["x", "0", "-1", "1.5", str(2**53)])
async def test_a_bad_through_is_refused_naming_it(client: Any, acme: Seeded, through: str) -> None:
    [held] = await held_flood(client, acme, HOTEL, 1)
    r = await client.post(
        f"/api/v1/floods/{held['id']}/release?through={through}", headers=acme.auth("manager")
    )
    assert r.status_code == 400
    assert (await r.get_json())["error"]["message"].startswith("through:")
    assert (await floods(client, acme))["held"] == 1


async def test_the_held_back_page_lists_every_networks_flood(
    client: Any, acme: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(held_floods, "MOST_LISTED", 3)  # stands for 5,000 (a long flood)
    first = await held_flood(client, acme, HOTEL, 4)
    other = await held_flood(client, acme, OTHER, 1)
    listed = await floods(client, acme)
    assert listed["held"] == 5
    assert [g["count"] for g in listed["items"]] == [4, 1]
    assert [g["ticket"] for g in listed["items"]] == [first[0]["id"], other[0]["id"]]
    assert listed["items"][0]["last_number"] == first[-1]["number"]


async def test_a_console_reconnecting_reads_the_count_not_the_held_tickets(
    client: Any, hub: Hub, acme: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    await held_flood(client, acme, HOTEL, 3)
    reads: list[int] = []
    real = hub.store.find

    async def counting(tenant_id: str, collection: str, *args: Any, **kwargs: Any) -> Any:
        found = await real(tenant_id, collection, *args, **kwargs)
        if collection == "tickets":
            reads.append(len(found))
        return found

    monkeypatch.setattr(hub.store, "find", counting)
    # static/js/console-floods.js: every console, on every (re)connect, wants {held} only
    r = await client.get("/api/v1/floods/count", headers=acme.auth("agent"))
    assert r.status_code == 200, await r.get_data()
    assert await r.get_json() == {"held": 3}
    assert reads == []


async def test_after_release_all_the_next_guest_on_that_network_is_not_held_at_once(
    client: Any, acme: Seeded
) -> None:
    """Staff released the network's flood (a busy evening): those SOS no longer fill its
    budget, so the next guest's SOS reaches the consoles; a flood that goes on is held
    again once it has sent a whole budget more."""
    held = await held_flood(client, acme, HOTEL, 3)
    done = await release(client, acme, held[0]["id"])
    assert done["count"] == 3 and done["remaining"] == 0
    _, guest = await post_sos(client, acme, "Room 12 has no hot water", ip=HOTEL)
    assert guest["id"] in {t["id"] for t in await tickets(client, acme, "new")}
    assert (await floods(client, acme))["held"] == 0
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)  # the flood goes on
    assert (await floods(client, acme))["held"] > 0


async def test_only_a_manager_releases_a_whole_network_an_agent_one_sos_at_a_time(
    client: Any, acme: Seeded
) -> None:
    held = await held_flood(client, acme, HOTEL, 3)
    # an agent may not let a whole network's SOS through at once: nothing is released
    r = await client.post(f"/api/v1/floods/{held[0]['id']}/release", headers=acme.auth("agent"))
    assert r.status_code == 403
    error = (await r.get_json())["error"]
    assert error["code"] == "forbidden" and "manager" in error["message"]
    assert (await floods(client, acme))["held"] == 3
    # … but releases the one they read
    r = await client.post(f"/api/v1/tickets/{held[0]['id']}/release", headers=acme.auth("agent"))
    assert r.status_code == 200, await r.get_data()
    assert (await floods(client, acme))["held"] == 2
    # a manager (and an admin) release the network's rest at once
    body = await release(client, acme, held[1]["id"])
    assert [t["id"] for t in body["released"]] == [held[1]["id"], held[2]["id"]]
    assert (await floods(client, acme))["held"] == 0
    more = await held_flood(client, acme, OTHER, 1)
    r = await client.post(f"/api/v1/floods/{more[0]['id']}/release", headers=acme.auth("admin"))
    assert r.status_code == 200 and (await r.get_json())["count"] == 1
