"""The intake guard end to end: held back, never pushed, never told, findable and releasable.

Through the HTTP API and the customer form on the app under test (real SQLite), and on a real
`sos-hub serve` with a socket.io console for what reaches the consoles.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
import pytest

from hub.app import Hub
from hub.clock import iso, now
from hub.moderation.bots import form_stamp
from hub.moderation.guard import REPEAT_CANDIDATES, StoreGuard
from hub.tickets.filters import nearly_same
from tests.helpers import Seeded
from tests.integration.realtime_clients import Console
from tests.kit import Served, fresh_device, fresh_ip, post_sos


async def held_back(client: Any, seeded: Seeded) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/tickets?status=quarantined", headers=seeded.auth("agent"))
    assert r.status_code == 200
    return list((await r.get_json())["items"])


async def listed(client: Any, seeded: Seeded) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/tickets", headers=seeded.auth("agent"))
    return list((await r.get_json())["items"])


async def put_filters(client: Any, seeded: Seeded, **changes: Any) -> dict[str, Any]:
    r = await client.put("/api/v1/filters", json=changes, headers=seeded.auth("manager"))
    assert r.status_code == 200, await r.get_data()
    return dict(await r.get_json())


async def at_once(
    n: int, client: Any, seeded: Seeded, text: str, **kw: Any
) -> list[tuple[int, dict[str, Any]]]:
    """The same SOS posted `n` times at the same moment (as `post_sos` answers each)."""
    return list(await asyncio.gather(*(post_sos(client, seeded, text, **kw) for _ in range(n))))


def shape(body: dict[str, Any]) -> dict[str, Any]:
    """A customer response without what differs between any two SOS (ids, numbers, links)."""
    return {
        k: (type(v).__name__ if k in ("id", "number", "thread_url") else v) for k, v in body.items()
    }


# Held back, and the customer cannot tell ----------------------------------------------------


async def test_a_filtered_sos_answers_the_customer_exactly_like_an_accepted_one(
    client: Any, acme: Seeded
) -> None:
    ok_status, ok = await post_sos(client, acme, "The music on the terrace is too loud")
    held_status, held = await post_sos(client, acme, "Eres un gilipollas")
    assert ok_status == held_status == 201
    assert shape(ok) == shape(held)
    assert held["status"] == "new"
    for body in (ok, held):
        token = body["thread_url"].rsplit("/", 1)[1]
        thread = await (await client.get(f"/api/v1/thread/{token}")).get_json()
        assert thread["ticket"]["status"] == "received"
        assert thread["messages"] == []


async def test_a_held_back_sos_is_stored_with_its_reason_and_listed_only_as_quarantined(
    client: Any, acme: Seeded
) -> None:
    _, ok = await post_sos(client, acme, "No towels in room 12")
    _, held = await post_sos(client, acme, "the waiter is an asshole")
    assert [t["id"] for t in await listed(client, acme)] == [ok["id"]]
    [ticket] = await held_back(client, acme)
    assert ticket["id"] == held["id"]
    assert ticket["status"] == "quarantined"
    assert ticket["quarantine_reason"] == "offensive"
    assert ticket["text"] == "the waiter is an asshole"
    assert not {"ip", "device_id", "signals", "thread_token"} & set(ticket)


@pytest.mark.parametrize(
    "text",
    [
        "Best prices at https://cheap.example/deal",
        "Call me on 612 345 678 for a discount",
        "Write to deals@spam.example for offers",
        "Gana dinero rápido desde casa",
    ],
)
async def test_spam_is_held_back_as_spam(client: Any, acme: Seeded, text: str) -> None:
    status, _ = await post_sos(client, acme, text)
    assert status == 201
    assert [t["quarantine_reason"] for t in await held_back(client, acme)] == ["spam"]


async def test_names_and_places_reach_the_consoles(client: Any, acme: Seeded) -> None:
    texts = [
        "Estamos en Concha Espina, cerca del estadio",
        "A couple from Sussex at table 3",
        "El pollo del análisis de la disputa en la computadora",
    ]
    for text in texts:
        await post_sos(client, acme, text)
    assert sorted(t["text"] for t in await listed(client, acme)) == sorted(texts)
    assert await held_back(client, acme) == []


# The form: honeypot and time to submit ------------------------------------------------------


async def _form_post(hub: Hub, seeded: Seeded, text: str, **extra: str) -> tuple[Any, str]:
    """Open the form page in a fresh browser, then send it; return the answer and the stamp."""
    browser = hub.quart.test_client()
    page = await (await browser.get(f"/q/{seeded.point['code']}")).get_data(as_text=True)
    stamp = re.search(r'name="t" value="([^"]+)"', page)
    assert stamp and 'name="website"' in page
    fields = {"text": text, "anonymous": "1", "website": "", "t": stamp.group(1), **extra}
    return await browser.post(f"/q/{seeded.point['code']}", form=fields), stamp.group(1)


def _stamp_seconds_ago(seeded: Seeded, seconds: float) -> str:
    served = int((time.time() - seconds) * 1000)
    return form_stamp("test-secret", seeded.point["code"], served_ms=served)


async def test_a_form_sent_in_time_reaches_the_consoles(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    r, _ = await _form_post(hub, acme, "The lift is stuck", t=_stamp_seconds_ago(acme, 8))
    assert r.status_code == 303
    assert [t["text"] for t in await listed(client, acme)] == ["The lift is stuck"]


async def test_a_filled_honeypot_or_a_hasty_form_is_held_back_and_looks_sent(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    good, _ = await _form_post(hub, acme, "Cold shower", t=_stamp_seconds_ago(acme, 8))
    bot, _ = await _form_post(
        hub, acme, "Nice place", website="https://spam.example", t=_stamp_seconds_ago(acme, 8)
    )
    hasty, _ = await _form_post(hub, acme, "Hello there")  # sent at once with its fresh stamp
    for r in (good, bot, hasty):
        assert r.status_code == 303
        assert re.fullmatch(r"/t/[\w-]+\?sent=1", r.headers["Location"])
    reasons = {t["text"]: t["quarantine_reason"] for t in await held_back(client, acme)}
    assert reasons == {"Nice place": "honeypot", "Hello there": "too_fast"}


async def test_a_forged_or_foreign_stamp_does_not_count_as_time_taken(
    hub: Hub, client: Any, acme: Seeded, globex: Seeded
) -> None:
    foreign = form_stamp("test-secret", globex.point["code"], int((time.time() - 60) * 1000))
    await _form_post(hub, acme, "Stamp of another point", t=foreign)
    await _form_post(hub, acme, "Forged stamp", t="WyJhY21lLWJhciIsIDFd.forged")
    # Neither proves a hasty bot (old pages, rotated secrets): they pass, but never as "too fast".
    assert {t["text"] for t in await listed(client, acme)} == {
        "Stamp of another point",
        "Forged stamp",
    }


# Repeats -------------------------------------------------------------------------------------


async def test_the_same_text_twice_from_one_device_is_one_ticket_with_a_repeat(
    client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    _, first = await post_sos(client, acme, "The music is too loud!!", device=device)
    status, second = await post_sos(client, acme, "the music is too loud", device=device)
    assert status == 201
    assert (second["id"], second["number"]) == (first["id"], first["number"])
    [ticket] = await listed(client, acme)
    assert ticket["repeat_count"] == 1
    entries = await client.get(f"/api/v1/tickets/{ticket['id']}", headers=acme.auth("agent"))
    assert "repeated" in [h["action"] for h in (await entries.get_json())["history"]]


async def test_the_same_text_sent_at_once_from_one_device_is_one_ticket_with_repeats(
    client: Any, acme: Seeded
) -> None:
    # a guest in a noisy bar taps "send" five times before the first answer comes back
    sent = await at_once(5, client, acme, "The music is too loud!", device=fresh_device())
    assert [status for status, _ in sent] == [201] * 5
    assert len({body["id"] for _, body in sent}) == 1
    assert len({body["thread_url"] for _, body in sent}) == 1
    [ticket] = await listed(client, acme)
    assert ticket["repeat_count"] == 4


async def test_the_same_email_sent_at_once_without_a_device_is_one_ticket(
    client: Any, acme: Seeded
) -> None:
    # an integration without cookies retries on a slow network: the e-mail tells who it is
    kw: dict[str, Any] = {"contact": {"email": "eva@example.com"}, "device": "", "ip": fresh_ip()}
    sent = await at_once(3, client, acme, "Wake-up call at 6", **kw)
    assert len({body["id"] for _, body in sent}) == 1
    [ticket] = await listed(client, acme)
    assert ticket["repeat_count"] == 2


async def test_the_same_text_from_another_device_and_address_is_another_ticket(
    client: Any, acme: Seeded
) -> None:
    await post_sos(client, acme, "The music is too loud")
    await post_sos(client, acme, "The music is too loud")
    tickets = await listed(client, acme)
    assert len(tickets) == 2 and all(t["repeat_count"] == 0 for t in tickets)


async def test_one_address_never_makes_the_guests_behind_it_one_sender(
    client: Any, acme: Seeded
) -> None:
    hotel = fresh_ip()
    # two guests' phones behind the hotel's one address: two tickets (and two private links)
    await post_sos(client, acme, "Pool is closed?", ip=hotel, device=fresh_device())
    await post_sos(client, acme, "Pool is closed?", ip=hotel, device=fresh_device())
    assert len(await listed(client, acme)) == 2
    # nor two guests without cookies behind it: the address alone never makes one sender
    body = {"point": acme.point["code"], "text": "Spam spam spam", "anonymous": True}
    links = set()
    for _ in range(3):
        r = await client.post("/api/v1/sos", json=body, scope_base={"client": (hotel, 1)})
        assert r.status_code == 201
        links.add((await r.get_json())["thread_url"])
    assert len(links) == 3
    counts = [t["repeat_count"] for t in await listed(client, acme) if t["text"] == body["text"]]
    assert counts == [0, 0, 0]


async def test_the_same_email_repeats_and_the_window_ends(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    contact = {"name": "Ana", "email": "ana@example.com"}
    home = fresh_ip()
    # an integration without cookies, from Ana's network: the e-mail tells it is Ana again
    kw: dict[str, Any] = {"contact": contact, "device": "", "ip": home}
    _, first = await post_sos(client, acme, "Where is my order?", **kw)
    _, again = await post_sos(client, acme, "Where is my order??", **kw)
    assert again["id"] == first["id"]
    # anyone can type Ana's e-mail: from another network it is never her thread
    _, stranger = await post_sos(client, acme, "Where is my order?!", contact=contact, device="")
    assert stranger["id"] != first["id"] and stranger["thread_url"] != first["thread_url"]
    # eleven minutes later (the window is ten) it is news again
    eleven_minutes_ago = iso(now() - timedelta(minutes=11))
    await hub.store.update(
        acme.tenant["id"], "tickets", first["id"], {"created_at": eleven_minutes_ago}
    )
    _, later = await post_sos(client, acme, "Where is my order?", **kw)
    assert later["id"] != first["id"]


async def test_two_guests_behind_one_address_with_their_own_emails_get_their_own_threads(
    client: Any, acme: Seeded
) -> None:
    hotel = fresh_ip()
    ana_contact = {"name": "Ana", "email": "ana@example.com"}
    bob_contact = {"name": "Bob", "email": "bob@example.com"}
    _, ana = await post_sos(
        client,
        acme,
        "The air conditioning in my room is broken",
        ip=hotel,
        device="",
        contact=ana_contact,
    )
    _, bob = await post_sos(
        client,
        acme,
        "The air conditioning in my room is broken!",
        ip=hotel,
        device="",
        contact=bob_contact,
    )
    assert ana["id"] != bob["id"] and ana["thread_url"] != bob["thread_url"]
    emails = sorted(t["contact"]["email"] for t in await listed(client, acme))
    assert emails == ["ana@example.com", "bob@example.com"]


async def new_kiosk(client: Any, seeded: Seeded) -> tuple[dict[str, Any], dict[str, str]]:
    """A kiosk paired on the seeded point, and the headers it sends an SOS with."""
    r = await client.post(
        "/api/v1/kiosks",
        headers=seeded.auth("manager"),
        json={"name": "Lobby kiosk", "point": seeded.point["code"]},
    )
    assert r.status_code == 201, await r.get_data()
    kiosk = await r.get_json()
    return kiosk, {"Authorization": f"Bearer {kiosk['device_token']}"}


async def kiosk_sos(client: Any, headers: dict[str, str], text: str, **extra: Any) -> Any:
    r = await client.post("/api/v1/kiosk/sos", headers=headers, json={"text": text, **extra})
    assert r.status_code == 201, await r.get_data()
    return await r.get_json()


async def test_two_guests_at_one_kiosk_get_their_own_tickets_and_threads(
    client: Any, acme: Seeded
) -> None:
    _, device = await new_kiosk(client, acme)
    ana = await kiosk_sos(
        client, device, "No hot water in room 12", contact={"email": "ana@example.com"}
    )
    bob = await kiosk_sos(
        client, device, "No hot water in room 12!", contact={"email": "bob@example.com"}
    )
    first = await kiosk_sos(client, device, "The lift is stuck", anonymous=True)
    second = await kiosk_sos(client, device, "The lift is stuck", anonymous=True)
    links = {t["thread_url"] for t in (ana, bob, first, second)}
    assert len(links) == 4
    assert [t["repeat_count"] for t in await listed(client, acme)] == [0, 0, 0, 0]


async def test_the_same_guest_at_a_kiosk_twice_is_still_one_ticket(
    client: Any, acme: Seeded
) -> None:
    _, device = await new_kiosk(client, acme)
    ana = await kiosk_sos(
        client, device, "No hot water in room 12", contact={"email": "ana@example.com"}
    )
    again = await kiosk_sos(
        client,
        device,
        "no hot water in room 12!!",
        contact={"email": "ana@example.com", "name": "Ana"},
    )
    assert again["id"] == ana["id"]


async def test_a_forged_kiosk_device_cookie_does_not_join_the_kiosks_ticket(
    client: Any, acme: Seeded
) -> None:
    kiosk, device = await new_kiosk(client, acme)
    guest = await kiosk_sos(client, device, "The lift is stuck", anonymous=True)
    status, forged = await post_sos(
        client, acme, "The lift is stuck", device=f"kiosk-{kiosk['id']}"
    )
    assert status == 201
    assert forged["id"] != guest["id"] and forged["thread_url"] != guest["thread_url"]
    r = await client.get(f"/api/v1/tickets/{forged['id']}", headers=acme.auth("agent"))
    assert "kiosk" not in await r.get_json()


async def test_a_phone_with_a_kiosk_device_cookie_gets_a_device_id_of_its_own(
    client: Any, acme: Seeded
) -> None:
    r = await client.get(f"/q/{acme.point['code']}", headers={"Cookie": "sos_device=kiosk-x1"})
    assert r.status_code == 200
    cookies = [v for v in r.headers.getlist("Set-Cookie") if v.startswith("sos_device=")]
    assert len(cookies) == 1
    assert not cookies[0].removeprefix("sos_device=").startswith("kiosk-")


async def test_a_merged_repeats_contact_shows_in_the_ticket_detail(
    client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    _, first = await post_sos(
        client,
        acme,
        "Towels missing in 301",
        device=device,
        contact={"name": "Ana", "email": "ana@example.com"},
    )
    _, second = await post_sos(
        client,
        acme,
        "Towels missing in 301!",
        device=device,
        contact={"name": "Ana", "phone": "+34 600 111 222"},
    )
    _, third = await post_sos(client, acme, "towels missing in 301", device=device)
    assert first["id"] == second["id"] == third["id"]
    r = await client.get(f"/api/v1/tickets/{first['id']}", headers=acme.auth("agent"))
    repeats = (await r.get_json())["repeats"]
    assert [(x["text"], x["contact"]) for x in repeats] == [
        # stored international (E.164), as an SMS reaches it (hub/phones.py)
        ("Towels missing in 301!", {"name": "Ana", "phone": "+34600111222"}),
        ("towels missing in 301", None),
    ]
    assert all(x["created_at"] for x in repeats)


async def test_one_device_with_another_email_is_not_merged(client: Any, acme: Seeded) -> None:
    device = fresh_device()
    _, ana = await post_sos(
        client, acme, "Towels missing in 301", device=device, contact={"email": "ana@example.com"}
    )
    _, bob = await post_sos(
        client, acme, "Towels missing in 301", device=device, contact={"email": "bob@example.com"}
    )
    assert ana["thread_url"] != bob["thread_url"]


def long_text(n: int) -> str:
    """About 2,000 characters that differ from the other long texts in one word only."""
    return f"Report {n}: " + "the water in room 204 is cold again and nobody answers " * 36


async def test_fifty_long_repeats_from_one_sender_are_compared_a_bounded_number_of_times(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    await put_filters(client, acme, checks={"repeats": False})
    _, first = await post_sos(client, acme, long_text(0), device=device)
    stored = await hub.store.get(acme.tenant["id"], "tickets", first["id"])
    assert stored is not None
    ids = {first["id"]}
    for n in range(1, 50):
        number = await hub.store.next_value(acme.tenant["id"], "ticket_number")
        clone = {
            **stored,
            "id": f"clone-{n}",
            "number": number,
            "text": long_text(n),
            "thread_token": f"clone-token-{n}",
        }
        ids.add((await hub.store.insert(acme.tenant["id"], "tickets", clone))["id"])
    await put_filters(client, acme, checks={"repeats": True})

    compared: list[tuple[str, str]] = []

    def counting(a: str, b: str) -> bool:
        compared.append((a, b))
        return nearly_same(a, b)

    guard = StoreGuard(hub.store, similar=counting)
    incoming = {**stored, "id": "incoming", "text": long_text(50), "created_at": iso(now())}
    verdict = await guard.screen(acme.tenant, incoming)
    assert verdict.action == "merge" and verdict.merge_into in ids
    assert 0 < len(compared) <= REPEAT_CANDIDATES

    status, again = await post_sos(client, acme, long_text(51), device=device)
    assert status == 201 and again["id"] in ids
    merged = [t for t in await listed(client, acme) if t["repeat_count"]]
    assert [t["id"] for t in merged] == [again["id"]] and merged[0]["repeat_count"] == 1
    _, other = await post_sos(client, acme, long_text(52), device=fresh_device())
    assert other["id"] not in ids


async def test_a_repeat_of_a_held_back_sos_joins_it_and_stays_held_back(
    client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    _, first = await post_sos(client, acme, "You are all idiots", device=device)
    _, second = await post_sos(client, acme, "you are all idiots!!!", device=device)
    assert second["id"] == first["id"] and second["status"] == "new"
    [ticket] = await held_back(client, acme)
    assert ticket["repeat_count"] == 1
    assert await listed(client, acme) == []


async def test_an_objectionable_repeat_never_joins_an_accepted_ticket(
    client: Any, acme: Seeded
) -> None:
    device = fresh_device()
    _, first = await post_sos(client, acme, "Call me about the broken lift", device=device)
    await put_filters(client, acme, spam_phrases=["broken lift"])  # now it would be spam
    _, second = await post_sos(client, acme, "Call me about the broken lift", device=device)
    assert second["id"] != first["id"]
    assert [t["repeat_count"] for t in await listed(client, acme)] == [0]


async def test_repeats_can_be_turned_off(client: Any, acme: Seeded) -> None:
    await put_filters(client, acme, checks={"repeats": False})
    device = fresh_device()
    await post_sos(client, acme, "Too cold", device=device)
    await post_sos(client, acme, "Too cold", device=device)
    assert len(await listed(client, acme)) == 2


# Blocked senders -----------------------------------------------------------------------------


async def test_a_blocked_email_is_held_back(client: Any, acme: Seeded) -> None:
    r = await client.post(
        "/api/v1/blocks",
        headers=acme.auth("manager"),
        json={"kind": "email", "value": "Troll@Example.com", "note": "abuse"},
    )
    assert r.status_code == 201
    block = await r.get_json()
    assert (block["kind"], block["value"], block["active"]) == ("email", "troll@example.com", True)
    status, _ = await post_sos(
        client, acme, "Hello, a question about parking", contact={"email": "troll@example.com"}
    )
    assert status == 201
    assert [t["quarantine_reason"] for t in await held_back(client, acme)] == ["blocked"]


async def test_block_this_sender_holds_back_their_device_and_address(
    client: Any, acme: Seeded
) -> None:
    device, ip = fresh_device(), fresh_ip()
    _, first = await post_sos(client, acme, "First message", device=device, ip=ip)
    r = await client.post(
        f"/api/v1/tickets/{first['id']}/block",
        headers=acme.auth("agent"),
        json={"by": ["device", "ip", "email"]},
    )
    assert r.status_code == 201, await r.get_data()
    blocks = (await r.get_json())["items"]
    assert sorted(b["kind"] for b in blocks) == ["device", "ip"]  # anonymous: no e-mail
    assert all(b["value"] is None and b["ticket_number"] == first["number"] for b in blocks)
    await post_sos(client, acme, "From the same phone elsewhere", device=device)
    await post_sos(client, acme, "From another phone at the same address", ip=ip)
    await post_sos(client, acme, "Someone else entirely")
    reasons = {t["text"]: t["quarantine_reason"] for t in await held_back(client, acme)}
    assert reasons == {
        "From the same phone elsewhere": "blocked",
        "From another phone at the same address": "blocked",
    }
    assert "Someone else entirely" in [t["text"] for t in await listed(client, acme)]


async def test_an_ipv6_block_covers_the_senders_whole_network(client: Any, acme: Seeded) -> None:
    _, first = await post_sos(client, acme, "Hi", ip="2001:db8:1:2::10")
    r = await client.post(
        f"/api/v1/tickets/{first['id']}/block", headers=acme.auth("agent"), json={"by": ["ip"]}
    )
    assert r.status_code == 201
    await post_sos(client, acme, "New address, same network", ip="2001:db8:1:2:aaaa::1")
    await post_sos(client, acme, "Another network", ip="2001:db8:1:3::1")
    assert [t["text"] for t in await held_back(client, acme)] == ["New address, same network"]


async def test_an_expired_block_no_longer_holds_back(hub: Hub, client: Any, acme: Seeded) -> None:
    r = await client.post(
        "/api/v1/blocks",
        headers=acme.auth("manager"),
        json={"kind": "phone", "value": "+34 600 111 222", "expires_in_hours": 2},
    )
    block = await r.get_json()
    contact = {"phone": "600111222"}
    await post_sos(client, acme, "Blocked for now", contact=contact)
    # three hours later
    await hub.store.update(
        acme.tenant["id"], "blocks", block["id"], {"expires_at": iso(now() - timedelta(hours=1))}
    )
    await post_sos(client, acme, "The block is over", contact=contact)
    assert [t["text"] for t in await held_back(client, acme)] == ["Blocked for now"]
    assert [t["text"] for t in await listed(client, acme)] == ["The block is over"]
    items = await (await client.get("/api/v1/blocks", headers=acme.auth("manager"))).get_json()
    assert [b["active"] for b in items["items"]] == [False]


async def test_blocks_are_managed_by_managers_and_removed(client: Any, acme: Seeded) -> None:
    assert (await client.get("/api/v1/blocks", headers=acme.auth("agent"))).status_code == 403
    r = await client.post(
        "/api/v1/blocks",
        headers=acme.auth("manager"),
        json={"kind": "ip", "value": "203.0.113.0/24"},
    )
    block = await r.get_json()
    await post_sos(client, acme, "From the blocked network", ip="203.0.113.77")
    r = await client.delete(f"/api/v1/blocks/{block['id']}", headers=acme.auth("manager"))
    assert r.status_code == 204
    await post_sos(client, acme, "After the unblock", ip="203.0.113.78")
    assert [t["text"] for t in await held_back(client, acme)] == ["From the blocked network"]
    bad = await client.post(
        "/api/v1/blocks",
        headers=acme.auth("manager"),
        json={"kind": "ip", "value": "203.0.113.0/25"},
    )
    assert bad.status_code == 400 and "value" in (await bad.get_json())["error"]["message"]


async def test_another_tenants_ticket_cannot_be_blocked_or_released(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    _, theirs = await post_sos(client, globex, "Eres un imbécil")
    for path in ("block", "release"):
        r = await client.post(
            f"/api/v1/tickets/{theirs['id']}/{path}",
            headers=acme.auth("agent"),
            json={"by": ["ip"]} if path == "block" else {},
        )
        assert r.status_code == 404


# Release -------------------------------------------------------------------------------------


async def test_releasing_lets_a_held_back_sos_through_once(client: Any, acme: Seeded) -> None:
    _, held = await post_sos(client, acme, "Pendejo, the pool is dirty")
    r = await client.post(f"/api/v1/tickets/{held['id']}/release", headers=acme.auth("agent"))
    assert r.status_code == 200
    assert (await r.get_json())["status"] == "new"
    assert [t["id"] for t in await listed(client, acme)] == [held["id"]]
    assert await held_back(client, acme) == []
    again = await client.post(f"/api/v1/tickets/{held['id']}/release", headers=acme.auth("agent"))
    assert again.status_code == 409


# Settings and masking ------------------------------------------------------------------------


async def test_filters_are_read_and_changed_by_managers_only(client: Any, acme: Seeded) -> None:
    r = await client.get("/api/v1/filters", headers=acme.auth("agent"))
    assert r.status_code == 403
    r = await client.get("/api/v1/filters", headers=acme.auth("manager"))
    config = await r.get_json()
    assert config["checks"]["offensive"] is True and config["repeat_window_minutes"] == 10
    changed = await put_filters(client, acme, words=["  melón ", "Melón"], repeat_window_minutes=5)
    assert changed["words"] == ["melón"] and changed["repeat_window_minutes"] == 5
    assert changed["checks"] == config["checks"]  # left out: unchanged
    r = await client.put(
        "/api/v1/filters", json={"checks": {"telepathy": True}}, headers=acme.auth("manager")
    )
    assert r.status_code == 400 and "telepathy" in (await r.get_json())["error"]["message"]
    await post_sos(client, acme, "Eres un melon")
    assert [t["quarantine_reason"] for t in await held_back(client, acme)] == ["offensive"]


async def test_agents_see_offensive_words_masked_when_the_tenant_asks(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    await put_filters(client, acme, checks={"offensive": False}, mask_for_agents=True)
    _, sent = await post_sos(client, acme, "El camarero es un gilipollas")
    [as_agent] = await listed(client, acme)
    assert as_agent["text"] == "El camarero es un g*********"
    detail = await client.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth("agent"))
    assert (await detail.get_json())["text"] == "El camarero es un g*********"
    r = await client.get("/api/v1/tickets", headers=acme.auth("manager"))
    assert (await r.get_json())["items"][0]["text"] == "El camarero es un gilipollas"
    # another business did not ask: its agents read the original (held back there)
    await post_sos(client, globex, "Qué gilipollas")
    assert [t["text"] for t in await held_back(client, globex)] == ["Qué gilipollas"]


async def test_a_name_is_never_a_reason_to_hold_an_sos_back_but_is_masked_for_agents(
    client: Any, acme: Seeded
) -> None:
    """Real surnames are on the insult lists (Morón, Bastardo): a name never holds an SOS
    back, silently, from the consoles. Where the business masks for agents, it is masked."""
    for name in ("Ana Morón", "Carlo Bastardo"):
        _, sent = await post_sos(
            client,
            acme,
            "Hay una fuga de agua en la 204",
            contact={"name": name, "email": "a@g.example"},
        )
        assert sent["status"] == "new"
    assert await held_back(client, acme) == []
    insult = {"name": "Hijo de puta cabron", "email": "b@guest.example"}
    await put_filters(client, acme, mask_for_agents=True)
    device = fresh_device()
    _, sent = await post_sos(client, acme, "No hay toallas", contact=insult, device=device)
    await post_sos(client, acme, "No hay toallas!!", contact=insult, device=device)  # a repeat
    url = f"/api/v1/tickets/{sent['id']}"
    as_agent = await (await client.get(url, headers=acme.auth("agent"))).get_json()
    assert as_agent["status"] == "new"
    assert as_agent["contact"]["name"] == "H*** d* p*** c*****"
    assert [r["contact"]["name"] for r in as_agent["repeats"]] == ["H*** d* p*** c*****"]
    listed_names = [t["contact"]["name"] for t in await listed(client, acme) if t["contact"]]
    assert "H*** d* p*** c*****" in listed_names and "Hijo de puta cabron" not in listed_names
    as_manager = await (await client.get(url, headers=acme.auth("manager"))).get_json()
    assert as_manager["contact"]["name"] == "Hijo de puta cabron"


async def test_agents_read_a_merged_repeat_masked_too(client: Any, acme: Seeded) -> None:
    await put_filters(client, acme, checks={"offensive": False}, mask_for_agents=True)
    device = fresh_device()
    _, sent = await post_sos(client, acme, "El camarero es un gilipollas", device=device)
    _, again = await post_sos(client, acme, "el camarero es un gilipollas!!", device=device)
    assert again["id"] == sent["id"]
    url = f"/api/v1/tickets/{sent['id']}"
    as_agent = await (await client.get(url, headers=acme.auth("agent"))).get_json()
    assert [r["text"] for r in as_agent["repeats"]] == ["el camarero es un g*********!!"]
    as_manager = await (await client.get(url, headers=acme.auth("manager"))).get_json()
    assert [r["text"] for r in as_manager["repeats"]] == ["el camarero es un gilipollas!!"]


async def test_the_filter_tester_explains_its_verdict(client: Any, acme: Seeded) -> None:
    r = await client.post(
        "/api/v1/filters/test",
        headers=acme.auth("manager"),
        json={"text": "Hijo de puta, visit www.spam.example"},
    )
    result = await r.get_json()
    assert result["reason"] == "offensive"
    assert {"insult", "link"} <= {f["kind"] for f in result["findings"]}
    assert result["masked"].startswith("H*** d* p***")


async def test_the_pages_are_served_to_the_right_staff(client: Any, acme: Seeded) -> None:
    r = await client.get("/held-back")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    await client.post(
        "/api/v1/auth/login", json={"email": "agent@acme.example", "password": "correct-horse-9"}
    )
    page = await (await client.get("/held-back")).get_data(as_text=True)
    assert "/static/js/held-back.js" in page and "<script>" not in page
    assert (await client.get("/admin/filters")).status_code == 403
    await client.post(
        "/api/v1/auth/login", json={"email": "manager@acme.example", "password": "correct-horse-9"}
    )
    page = await (await client.get("/admin/filters")).get_data(as_text=True)
    assert "/static/js/admin-filters.js" in page and 'id="check-vulgar"' in page


# Live: a real hub and a real console ---------------------------------------------------------


@pytest.fixture
async def console(served: Served) -> AsyncIterator[Console]:
    url, acme = served.url, served.acme
    opened = await Console(url, auth={"token": acme.tokens["agent"]}).connect()
    yield opened
    await opened.close()


def created_ids(console: Console) -> list[str]:
    return [e["id"] for e in console.events("ticket.created")]


def has_created(console: Console, ticket_id: str) -> bool:
    return ticket_id in created_ids(console)


def has_messages(console: Console) -> bool:
    return bool(console.events("ticket.message"))


@pytest.mark.slow
async def test_a_connected_console_never_sees_a_held_back_sos_until_it_is_released(
    served: Served, console: Console
) -> None:
    url, acme = served.url, served.acme
    code = acme.point["code"]
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        phone = {"Cookie": f"sos_device={fresh_device()}"}  # one phone, writing it twice
        held = (
            await http.post(
                "/api/v1/sos", headers=phone, json={"point": code, "text": "Hijo de puta"}
            )
        ).json()
        again = await http.post(
            "/api/v1/sos", headers=phone, json={"point": code, "text": "hijo de puta!!"}
        )
        assert again.json()["id"] == held["id"]  # a repeat: joins it, still unseen
        token = held["thread_url"].rsplit("/", 1)[1]
        await http.post(f"/api/v1/thread/{token}/messages", json={"text": "hello?"})
        ok = (await http.post("/api/v1/sos", json={"point": code, "text": "Lift stuck"})).json()
        # events reach a console in order: once the later SOS is here, the held one never came
        await console.wait_for(lambda: ok["id"] in created_ids(console), 10, "the clean SOS")
        assert all((e.get("id") or e.get("ticket_id")) != held["id"] for e in console.events()), (
            console.names()
        )
        await console.resume(0)
        await console.next_event("resume.done", 10)
        assert held["id"] not in created_ids(console)

        r = await http.post(
            f"/api/v1/tickets/{held['id']}/release",
            headers={"Authorization": f"Bearer {acme.tokens['agent']}"},
        )
        assert r.status_code == 200
        await console.wait_for(lambda: held["id"] in created_ids(console), 10, "the released SOS")
        released = next(e for e in console.events("ticket.created") if e["id"] == held["id"])
        assert released["status"] == "new" and released["repeat_count"] == 1
        assert isinstance(released["seq"], int)
        assert not {"ip", "device_id", "signals"} & set(released)


@pytest.mark.slow
async def test_agents_consoles_read_offensive_words_masked_live_and_in_replay(
    served: Served, console: Console
) -> None:
    url, acme = served.url, served.acme
    code = acme.point["code"]
    manager = {"Authorization": f"Bearer {acme.tokens['manager']}"}
    lead = await Console(url, auth={"token": acme.tokens["manager"]}).connect()
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        r = await http.put(
            "/api/v1/filters",
            headers=manager,
            json={"checks": {"offensive": False}, "mask_for_agents": True},
        )
        assert r.status_code == 200, r.text
        try:
            rude = (
                await http.post(
                    "/api/v1/sos", json={"point": code, "text": "El camarero es un gilipollas"}
                )
            ).json()
            token = rude["thread_url"].rsplit("/", 1)[1]
            await http.post(f"/api/v1/thread/{token}/messages", json={"text": "Qué gilipollas"})
            polite = (
                await http.post(
                    "/api/v1/sos", json={"point": code, "text": "Polite note about the lift"}
                )
            ).json()
            for c in (console, lead):
                await c.wait_for(partial(has_created, c, polite["id"]), 10, "both SOS")
                await c.wait_for(partial(has_messages, c), 10, "the message")

            def created(c: Console, ticket_id: str) -> dict[str, Any]:
                [event] = [e for e in c.events("ticket.created") if e["id"] == ticket_id]
                return dict(event)

            assert created(console, rude["id"])["text"] == "El camarero es un g*********"
            assert created(lead, rude["id"])["text"] == "El camarero es un gilipollas"
            [said] = console.events("ticket.message")
            assert said["message"]["text"] == "Qué g*********"
            assert lead.events("ticket.message")[0]["message"]["text"] == "Qué gilipollas"
            # a clean SOS reaches each console once, as written
            assert created(console, polite["id"])["text"] == "Polite note about the lift"
            assert created(lead, polite["id"]) == created(console, polite["id"])
            assert console.duplicates == 0 and lead.duplicates == 0
            updates = [e for e in console.events("ticket.updated") if e["id"] == rude["id"]]
            assert updates and all("gilipollas" not in str(e) for e in updates)

            # a console that catches up reads the same as one that was there
            late = await Console(url, auth={"token": acme.tokens["agent"]}).connect()
            try:
                await late.resume(0)
                await late.next_event("resume.done", 10)
                assert created(late, rude["id"])["text"] == "El camarero es un g*********"
                assert "gilipollas" not in str(late.events())
            finally:
                await late.close()
        finally:
            await http.put(
                "/api/v1/filters",
                headers=manager,
                json={"checks": {"offensive": True}, "mask_for_agents": False},
            )
            await lead.close()


# Thread messages: screened like an SOS, held (stored, flagged), never pushed --------------


def customer_messages_of(console: Console, ticket_id: str) -> list[str]:
    return [
        e["message"]["text"]
        for e in console.events("ticket.message")
        if e["ticket_id"] == ticket_id and e["message"]["author"] == "customer"
    ]


@pytest.mark.slow
async def test_a_blocked_senders_thread_messages_are_kept_but_never_pushed_nor_reopen(
    served: Served, console: Console
) -> None:
    url, acme = served.url, served.acme
    code = acme.point["code"]
    agent = {"Authorization": f"Bearer {acme.tokens['agent']}"}
    troll = {"name": "Troll", "email": f"troll-{fresh_device()}@example.com"}
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        sos = (
            await http.post(
                "/api/v1/sos",
                json={"point": code, "text": "Question about late check-out", "contact": troll},
            )
        ).json()
        token = sos["thread_url"].rsplit("/", 1)[1]
        r = await http.post(
            f"/api/v1/tickets/{sos['id']}/replies",
            headers=agent,
            json={"text": "Until 12:00, happy to help"},
        )
        assert r.status_code == 201
        r = await http.post(
            "/api/v1/blocks",
            json={"kind": "email", "value": troll["email"]},
            headers={"Authorization": f"Bearer {acme.tokens['manager']}"},
        )
        assert r.status_code == 201, r.text
        for n in range(15):
            r = await http.post(
                f"/api/v1/thread/{token}/messages", json={"text": f"Buy followers now, offer {n}"}
            )
            assert r.status_code == 201, r.text
            assert r.json()["text"] == f"Buy followers now, offer {n}"
            assert "held_reason" not in r.json()
        # a later, clean message on another thread: once it is live, the held ones never came
        other = (await http.post("/api/v1/sos", json={"point": code, "text": "Wifi down"})).json()
        other_token = other["thread_url"].rsplit("/", 1)[1]
        await http.post(f"/api/v1/thread/{other_token}/messages", json={"text": "Still down"})
        await console.wait_for(
            lambda: bool(customer_messages_of(console, other["id"])), 10, "the clean message"
        )
        assert customer_messages_of(console, other["id"]) == ["Still down"]
        assert customer_messages_of(console, sos["id"]) == []
        updates = [e for e in console.events("ticket.updated") if e["id"] == sos["id"]]
        assert all(e["status"] == "waiting_customer" for e in updates)

        detail = (await http.get(f"/api/v1/tickets/{sos['id']}", headers=agent)).json()
        assert detail["status"] == "waiting_customer"
        held = [m for m in detail["messages"] if m["author"] == "customer"]
        assert len(held) == 15 and all(m["held_reason"] == "blocked" for m in held)
        assert [m["held_reason"] for m in detail["messages"] if m["author"] == "staff"] == [None]
        # the customer sees their own messages, and nothing tells them they were held
        thread = (await http.get(f"/api/v1/thread/{token}")).json()
        assert len([m for m in thread["messages"] if m["from"] == "customer"]) == 15
        assert "held_reason" not in str(thread) and thread["ticket"]["status"] != "open"


@pytest.mark.slow
async def test_spam_and_insults_on_a_thread_are_held_and_a_normal_message_arrives_live(
    served: Served, console: Console
) -> None:
    url, acme = served.url, served.acme
    agent = {"Authorization": f"Bearer {acme.tokens['agent']}"}
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        sos = (
            await http.post(
                "/api/v1/sos", json={"point": acme.point["code"], "text": "The shower is cold"}
            )
        ).json()
        token = sos["thread_url"].rsplit("/", 1)[1]
        for text in (
            "Cheap pills at www.cheap-pills.xyz",
            "Sois unos gilipollas",
            "It is warm again now, thank you",
        ):
            r = await http.post(f"/api/v1/thread/{token}/messages", json={"text": text})
            assert r.status_code == 201
        await console.wait_for(
            lambda: bool(customer_messages_of(console, sos["id"])), 10, "the normal message"
        )
        assert customer_messages_of(console, sos["id"]) == ["It is warm again now, thank you"]
        detail = (await http.get(f"/api/v1/tickets/{sos['id']}", headers=agent)).json()
        assert [(m["text"], m["held_reason"]) for m in detail["messages"]] == [
            ("Cheap pills at www.cheap-pills.xyz", "spam"),
            ("Sois unos gilipollas", "offensive"),
            ("It is warm again now, thank you", None),
        ]
