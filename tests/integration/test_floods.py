"""Floods: past FLOOD_LIMIT new SOS from one network in the window, the next are held back.

A script that sends every SOS with a new device cookie and a new text from one address
passes the generous per-address rate limits; it must not put a ticket on every console (and
an SMS in every pocket) each time. Through the HTTP API on the app under test (real SQLite),
rate limits on, as shipped.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from hub.app import Hub
from hub.clock import iso, now
from hub.moderation.floods import (
    FLOOD,
    FLOOD_LIMIT,
    FLOOD_WINDOW_MINUTES,
    from_trusted,
    parsed_networks,
)
from hub.notify.render import Renderer
from hub.settings import Settings
from tests.helpers import Seeded
from tests.integration.delivery_kit import eventually, quiet
from tests.kit import fresh_device, post_sos

HOTEL = "198.51.100.77"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Rate limits on (the flood budget comes with them), as a business runs the hub."""
    return dataclasses.replace(settings, rate_limits=True)


async def tickets(client: Any, seeded: Seeded, status: str = "") -> list[dict[str, Any]]:
    query = f"?status={status}&limit=100" if status else "?limit=100"
    r = await client.get(f"/api/v1/tickets{query}", headers=seeded.auth("manager"))
    assert r.status_code == 200
    return list((await r.get_json())["items"])


async def from_new_phones(client: Any, seeded: Seeded, ip: str, n: int) -> list[dict[str, Any]]:
    """`n` SOS from `ip`, each from a phone never seen (a new device cookie) with a new text."""
    sent = []
    for _ in range(n):
        status, body = await post_sos(client, seeded, ip=ip, device=fresh_device())
        assert status == 201, body
        sent.append(body)
    return sent


async def test_past_the_budget_one_networks_new_sos_are_held_back_not_refused(
    client: Any, acme: Seeded
) -> None:
    first = await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)
    assert all(s["status"] == "new" for s in first)
    # the next one is answered like any other (the sender learns nothing) …
    status, extra = await post_sos(client, acme, "Room 12 has no hot water", ip=HOTEL)
    assert status == 201 and extra["status"] == "new" and extra["thread_url"]
    # … but waits under "Held back", as a flood, where nothing is lost
    held = await tickets(client, acme, "quarantined")
    assert [(t["id"], t["quarantine_reason"]) for t in held] == [(extra["id"], FLOOD)]
    assert held[0]["text"] == "Room 12 has no hot water"
    on_consoles = {t["id"] for t in await tickets(client, acme)}
    assert {s["id"] for s in first} <= on_consoles and extra["id"] not in on_consoles
    # a guest on another network is not held back, nor is the same hotel at another business
    _, elsewhere = await post_sos(client, acme, ip="203.0.113.5")
    assert elsewhere["id"] in {t["id"] for t in await tickets(client, acme)}
    # a manager lets the real one through: it is on the consoles
    r = await client.post(f"/api/v1/tickets/{extra['id']}/release", headers=acme.auth("agent"))
    assert r.status_code == 200, await r.get_data()
    assert extra["id"] in {t["id"] for t in await tickets(client, acme)}


async def test_sent_all_at_once_they_are_still_counted_one_by_one(
    client: Any, acme: Seeded
) -> None:
    # a script sends twice the budget at the same moment, each from a new phone
    sent = await asyncio.gather(
        *(post_sos(client, acme, ip=HOTEL, device=fresh_device()) for _ in range(2 * FLOOD_LIMIT))
    )
    assert all(status == 201 for status, _ in sent)
    assert len(await tickets(client, acme, "quarantined")) == FLOOD_LIMIT
    assert len(await tickets(client, acme)) == FLOOD_LIMIT


async def test_the_budget_is_per_business_and_per_window(
    hub: Hub, client: Any, acme: Seeded, globex: Seeded
) -> None:
    sent = await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)
    # the same address writing to another business starts from nothing there
    _, other = await post_sos(client, globex, ip=HOTEL)
    assert not await tickets(client, globex, "quarantined")
    assert other["id"] in {t["id"] for t in await tickets(client, globex)}
    # once the oldest of the twenty is older than the window, there is room for one more
    older = iso(now() - timedelta(minutes=FLOOD_WINDOW_MINUTES + 1))
    await hub.store.update(acme.tenant["id"], "tickets", sent[0]["id"], {"created_at": older})
    _, one_more = await post_sos(client, acme, ip=HOTEL)
    assert not await tickets(client, acme, "quarantined")
    _, past = await post_sos(client, acme, ip=HOTEL)
    assert [t["id"] for t in await tickets(client, acme, "quarantined")] == [past["id"]]
    assert one_more["id"] != past["id"]


async def test_an_ipv6_site_is_counted_by_its_56(client: Any, acme: Seeded) -> None:
    # a host changes the last 64 bits of its address at will, and a site is handed a /56:
    # 256 networks of /64 to send from
    for i in range(FLOOD_LIMIT):
        status, _ = await post_sos(client, acme, ip=f"2001:db8:7:{i:x}::{i + 1:x}")
        assert status == 201
    _, held = await post_sos(client, acme, ip="2001:db8:7:ff::beef")
    _, neighbour = await post_sos(client, acme, ip="2001:db8:7:100::1")
    assert [t["id"] for t in await tickets(client, acme, "quarantined")] == [held["id"]]
    assert neighbour["id"] in {t["id"] for t in await tickets(client, acme)}


async def test_a_guests_repeat_still_joins_their_ticket_during_a_flood(
    client: Any, acme: Seeded
) -> None:
    phone = fresh_device()
    _, mine = await post_sos(client, acme, "The lift is stuck on floor 3", ip=HOTEL, device=phone)
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)
    _, again = await post_sos(client, acme, "The lift is stuck on floor 3!", ip=HOTEL, device=phone)
    assert again["id"] == mine["id"]
    ticket = next(t for t in await tickets(client, acme) if t["id"] == mine["id"])
    assert ticket["repeat_count"] == 1


async def test_a_business_that_forwards_a_web_form_turns_it_off(client: Any, acme: Seeded) -> None:
    r = await client.put(
        "/api/v1/filters", json={"checks": {"floods": False}}, headers=acme.auth("manager")
    )
    assert r.status_code == 200 and (await r.get_json())["checks"]["floods"] is False
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT + 2)
    assert not await tickets(client, acme, "quarantined")


async def test_the_filters_and_held_back_pages_name_it(client: Any, acme: Seeded) -> None:
    headers = {**acme.auth("manager"), "Accept-Language": "es"}
    page = await (await client.get("/admin/filters", headers=headers)).get_data(as_text=True)
    assert "Avalanchas" in page
    expected = (
        f"Más de {FLOOD_LIMIT} SOS nuevos en {FLOOD_WINDOW_MINUTES} minutos desde una misma"
        " dirección de red: los siguientes esperan en «Retenidos»"
    )
    assert expected in page
    # a business that forwards its web form is sent to the list, not to turning it all off
    assert "pon su dirección en «Redes de confianza», más abajo" in page
    assert 'name="trusted_networks"' in page
    held = await (await client.get("/held-back", headers=headers)).get_data(as_text=True)
    assert 'data-key="reason.flood">Avalancha (muchos SOS nuevos desde una misma red)' in held


async def told(client: Any, seeded: Seeded, ticket_id: str) -> list[tuple[str, str]]:
    """The notifications the outbox holds about one ticket: (kind, to)."""
    r = await client.get(
        "/api/v1/deliveries", query_string={"ticket": ticket_id}, headers=seeded.auth("manager")
    )
    assert r.status_code == 200
    return sorted((d["kind"], d["to"]) for d in (await r.get_json())["items"])


async def test_the_managers_hear_of_a_flood_once_by_e_mail(client: Any, acme: Seeded) -> None:
    # nobody on the consoles sees a held SOS, and real guests on that network are held too
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT)
    _, first = await post_sos(client, acme, ip=HOTEL)
    _, second = await post_sos(client, acme, ip=HOTEL)
    assert await told(client, acme, first["id"]) == [
        ("flood", "admin@acme.example"),
        ("flood", "manager@acme.example"),
    ]
    assert await told(client, acme, second["id"]) == []  # once an hour per network
    headers = {**acme.auth("manager"), "Accept-Language": "es"}
    page = await (await client.get("/admin/deliveries", headers=headers)).get_data(as_text=True)
    assert page.count("avalancha retenida") == 2  # the deliveries page names the kind
    # another network's flood is news again
    other = "203.0.113.40"
    await from_new_phones(client, acme, other, FLOOD_LIMIT)
    _, third = await post_sos(client, acme, ip=other)
    assert [kind for kind, _ in await told(client, acme, third["id"])] == ["flood", "flood"]


def test_the_flood_mail_says_what_is_held_and_where_in_the_managers_language() -> None:
    ticket = {
        "number": 41,
        "point": {"label": "Bar terrace"},
        "created_at": "2026-12-03T18:07:00+00:00",
    }
    tenant = {"name": "Hotel Mirador", "timezone": "Europe/Madrid"}
    link = "https://h.example/held-back"
    english = Renderer().flood({"language": "en"}, ticket, tenant, held_url=link)
    assert "#41" in english.subject and "flood" in english.subject
    assert f"More than {FLOOD_LIMIT} new SOS" in english.text and "19:07" in english.text
    assert link in english.text and english.html and link in english.html
    spanish = Renderer().flood({"language": "es"}, ticket, tenant, held_url=link)
    assert "retenidos como avalancha" in spanish.subject and "n.º 41" in spanish.subject
    assert (
        f"en {FLOOD_WINDOW_MINUTES} minutos" in spanish.text
        and "Revisar los mensajes retenidos" in spanish.text
        and "3 dic 2026, 19:07" in spanish.text  # the manager's language, the business's time
    )


# ---- trusted networks: an integrator's server, the staff's own Wi-Fi ---------------------


async def put_filters(client: Any, seeded: Seeded, body: dict[str, Any]) -> Any:
    return await client.put("/api/v1/filters", json=body, headers=seeded.auth("manager"))


async def test_a_trusted_network_is_neither_held_back_nor_counted(
    client: Any, acme: Seeded
) -> None:
    r = await put_filters(
        client, acme, {"trusted_networks": [HOTEL, " 2001:db8:7:1::/64 ", "198.51.100.77/32"]}
    )
    assert r.status_code == 200, await r.get_data()
    # kept as networks, once each: an address is its own /32
    assert (await r.get_json())["trusted_networks"] == ["198.51.100.77/32", "2001:db8:7:1::/64"]
    # the integrator's server forwards its web form: past the budget, none is held back
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT + 2)
    assert not await tickets(client, acme, "quarantined")
    # an IPv6 site's trusted /64 does not count against the rest of its /56 …
    for i in range(FLOOD_LIMIT):
        status, _ = await post_sos(client, acme, ip=f"2001:db8:7:1::{i + 1:x}")
        assert status == 201
    _, neighbour = await post_sos(client, acme, ip="2001:db8:7:2::1")
    assert not await tickets(client, acme, "quarantined")
    # … whose own flood is still held back as ever
    await from_new_phones(client, acme, "2001:db8:7:2::1", FLOOD_LIMIT - 1)
    _, held = await post_sos(client, acme, ip="2001:db8:7:2::2")
    assert [t["id"] for t in await tickets(client, acme, "quarantined")] == [held["id"]]
    assert neighbour["id"] != held["id"]


async def test_a_bad_trusted_network_is_a_400_naming_the_field_and_changes_nothing(
    client: Any, acme: Seeded
) -> None:
    assert (
        await put_filters(client, acme, {"trusted_networks": ["203.0.113.0/24"]})
    ).status_code == 200
    for bad in ("hotel wifi", "203.0.113.0/33", "2001:db8::g", "10.0.0.1/8/8"):
        r = await put_filters(client, acme, {"trusted_networks": ["198.51.100.1", bad]})
        assert r.status_code == 400, bad
        error = (await r.get_json())["error"]
        assert error["code"] == "invalid" and error["message"].startswith("trusted_networks: ")
        assert bad in error["message"]
    r = await client.get("/api/v1/filters", headers=acme.auth("manager"))
    assert (await r.get_json())["trusted_networks"] == ["203.0.113.0/24"]
    # the on/off check stays, beside the list
    r = await put_filters(client, acme, {"checks": {"floods": False}})
    body = await r.get_json()
    assert body["checks"]["floods"] is False and body["trusted_networks"] == ["203.0.113.0/24"]


# ---- releasing one network's held flood at once ------------------------------------------

OTHER = "203.0.113.40"


async def held_flood(client: Any, seeded: Seeded, ip: str, n: int) -> list[dict[str, Any]]:
    """Fill `ip`'s budget, then `n` more SOS, held back as a flood: those `n`, in order."""
    await from_new_phones(client, seeded, ip, FLOOD_LIMIT)
    held = await from_new_phones(client, seeded, ip, n)
    quarantined = {t["id"]: t for t in await tickets(client, seeded, "quarantined")}
    assert all(quarantined[s["id"]]["quarantine_reason"] == FLOOD for s in held)
    return held


async def floods(client: Any, seeded: Seeded, role: str = "agent") -> dict[str, Any]:
    r = await client.get("/api/v1/floods", headers=seeded.auth(role))
    assert r.status_code == 200, await r.get_data()
    return dict(await r.get_json())


async def created_events(client: Any, seeded: Seeded) -> list[str]:
    """The ids of the tickets pushed to the consoles as new (`ticket.created`), every time."""
    r = await client.get("/api/v1/events?since=0", headers=seeded.auth("manager"))
    assert r.status_code == 200
    items = (await r.get_json())["items"]
    return [e["data"]["id"] for e in items if e["name"] == "ticket.created"]


async def test_staff_release_one_networks_held_flood_at_once_in_arrival_order(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    rule = {
        "name": "Night shift",
        "match": {"points": [acme.point["code"]]},
        "recipients": [{"channel": "email", "to": "night@acme.example", "name": "Night"}],
    }
    r = await client.post("/api/v1/rules", json=rule, headers=acme.auth("manager"))
    assert r.status_code == 201, await r.get_data()
    hotel = await held_flood(client, acme, HOTEL, 3)
    other = await held_flood(client, acme, OTHER, 2)
    # the page's groups: one per network, named by its oldest held SOS, never by its address
    listed = await floods(client, acme)
    assert listed["held"] == 5
    assert [
        (g["ticket"], g["count"], g["first_number"], g["last_number"]) for g in listed["items"]
    ] == [
        (hotel[0]["id"], 3, hotel[0]["number"], hotel[-1]["number"]),
        (other[0]["id"], 2, other[0]["number"], other[-1]["number"]),
    ]
    assert HOTEL not in str(listed) and OTHER not in str(listed) and "network" not in str(listed)
    r = await client.post(f"/api/v1/floods/{hotel[0]['id']}/release", headers=acme.auth("manager"))
    assert r.status_code == 200, await r.get_data()
    body = await r.get_json()
    assert [t["number"] for t in body["released"]] == [t["number"] for t in hotel]  # in order
    assert body["count"] == 3 and body["remaining"] == 0 and HOTEL not in str(body)
    # on the consoles now, pushed once each as just arrived; the other network's still held
    on_consoles = {t["id"] for t in await tickets(client, acme)}
    assert {t["id"] for t in hotel} <= on_consoles
    assert {t["id"] for t in await tickets(client, acme, "quarantined")} == {t["id"] for t in other}
    pushed = await created_events(client, acme)
    assert [pushed.count(t["id"]) for t in hotel] == [1, 1, 1]
    # and routed: the night shift is told of each, once
    await quiet(hub)
    for t in hotel:
        assert [to for kind, to in await told(client, acme, t["id"]) if kind != "flood"] == [
            "night@acme.example"
        ]
    assert (await floods(client, acme))["held"] == 2


async def test_two_staff_releasing_one_flood_at_once_release_each_sos_once(
    client: Any, acme: Seeded
) -> None:
    held = await held_flood(client, acme, HOTEL, 6)
    first = held[0]["id"]
    answers = await asyncio.gather(
        client.post(f"/api/v1/floods/{first}/release", headers=acme.auth("manager")),
        client.post(f"/api/v1/floods/{first}/release", headers=acme.auth("admin")),
        client.post(f"/api/v1/floods/{first}/release", headers=acme.auth("manager")),
    )
    assert [r.status_code for r in answers] == [200, 200, 200]
    released = [t["id"] for r in answers for t in (await r.get_json())["released"]]
    assert sorted(released) == sorted(t["id"] for t in held)  # each once, none twice
    pushed = await created_events(client, acme)
    assert [pushed.count(t["id"]) for t in held] == [1] * 6
    # a double click on one SOS's own Release: the second is told it is released already
    single = await held_flood(client, acme, OTHER, 1)
    clicks = await asyncio.gather(
        *(
            client.post(f"/api/v1/tickets/{single[0]['id']}/release", headers=acme.auth("agent"))
            for _ in range(2)
        )
    )
    assert sorted(r.status_code for r in clicks) == [200, 409]
    assert (await created_events(client, acme)).count(single[0]["id"]) == 1
    # moving it back to "new" through the API releases it too: once, whoever asks at once
    patched = await held_flood(client, acme, "192.0.2.77", 1)
    moves = await asyncio.gather(
        *(
            client.patch(
                f"/api/v1/tickets/{patched[0]['id']}",
                json={"status": "new"},
                headers=acme.auth(role),
            )
            for role in ("agent", "manager")
        )
    )
    assert sorted(r.status_code for r in moves) == [200, 409]
    assert (await created_events(client, acme)).count(patched[0]["id"]) == 1


async def test_a_flood_release_is_for_held_floods_of_the_business_only(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    held = await held_flood(client, acme, HOTEL, 1)
    # another business's staff: as if it did not exist
    r = await client.post(f"/api/v1/floods/{held[0]['id']}/release", headers=globex.auth("admin"))
    assert r.status_code == 404
    assert (await floods(client, globex, "admin")) == {"held": 0, "items": []}
    # a ticket that was not held as a flood names no flood to release
    _, plain = await post_sos(client, acme, ip="192.0.2.9")
    r = await client.post(f"/api/v1/floods/{plain['id']}/release", headers=acme.auth("manager"))
    assert r.status_code == 400 and "flood" in (await r.get_json())["error"]["message"]
    assert [t["id"] for t in await tickets(client, acme, "quarantined")] == [held[0]["id"]]


def test_a_trusted_network_holds_the_senders_address_however_it_was_written() -> None:
    trusted = parsed_networks(["198.51.100.0/24", "2001:db8:7::/56", "not stored right"])
    assert from_trusted({"ip": "198.51.100.77"}, trusted)
    assert from_trusted({"ip": "::ffff:198.51.100.77"}, trusted)  # a dual-stack socket's
    assert from_trusted({"ip": "2001:db8:7:ff::1"}, trusted)
    assert not from_trusted({"ip": "2001:db8:7:100::1"}, trusted)
    assert not from_trusted({"ip": "198.51.101.1"}, trusted)
    assert not from_trusted({"network": "198.51.100.77"}, trusted)  # a kiosk's: no address


async def test_a_blocked_bot_no_longer_holds_back_the_guests_on_its_network(
    client: Any, acme: Seeded
) -> None:
    """Staff block the flooder: its SOS, held back as blocked, no longer fill the network's
    budget, so the other guests on that Wi-Fi reach the consoles again."""
    mail = {"email": "bot@spam.example"}
    r = await client.post(
        "/api/v1/blocks",
        json={"kind": "email", "value": mail["email"]},
        headers=acme.auth("manager"),
    )
    assert r.status_code == 201, await r.get_data()
    for _ in range(FLOOD_LIMIT):  # the blocked bot goes on, a new phone each time
        text = " ".join(uuid4().hex for _ in range(3))
        status, _ = await post_sos(
            client, acme, text, ip=HOTEL, device=fresh_device(), contact=mail, anonymous=False
        )
        assert status == 201
    held = await tickets(client, acme, "quarantined")
    assert [t["quarantine_reason"] for t in held] == ["blocked"] * FLOOD_LIMIT
    _, guest = await post_sos(client, acme, "Room 12 has no hot water", ip=HOTEL)
    assert guest["id"] in {t["id"] for t in await tickets(client, acme, "new")}


@pytest.mark.parametrize(
    "everything", ["0.0.0.0/0", "::/0", "2001:db8::1/0", "198.51.100.77/1", "10.0.0.0/8"]
)
async def test_a_trusted_network_that_trusts_much_of_the_internet_is_refused(
    client: Any, acme: Seeded, everything: str
) -> None:
    r = await put_filters(client, acme, {"trusted_networks": ["203.0.113.7", everything]})
    assert r.status_code == 400
    error = (await r.get_json())["error"]
    assert "trusted_networks" in error["message"] and "too wide" in error["message"]
    assert everything in error["message"]
    r = await client.get("/api/v1/filters", headers=acme.auth("manager"))
    assert (await r.get_json())["trusted_networks"] == []


async def test_an_ipv4_mapped_trusted_entry_trusts_that_ipv4_network(
    client: Any, acme: Seeded
) -> None:
    r = await put_filters(client, acme, {"trusted_networks": ["::ffff:198.51.100.0/120"]})
    assert r.status_code == 200, await r.get_data()
    assert (await r.get_json())["trusted_networks"] == ["198.51.100.0/24"]
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT + 1)
    assert not await tickets(client, acme, "quarantined")


async def test_a_held_sos_is_routed_once_released_and_never_swept_before(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    """A held SOS is routed when staff release it. Marked for routing while held, the
    sweeper re-enqueued every held SOS at each round (200 a round: a flood of a thousand
    held kept it busy, and real lost routings waited behind them)."""
    await from_new_phones(client, acme, HOTEL, FLOOD_LIMIT + 1)
    [held] = await tickets(client, acme, "quarantined")
    tid = acme.tenant["id"]
    assert hub.delivery is not None
    far = iso(now() + timedelta(days=1))
    assert held["id"] not in {
        t["id"] for t in await hub.delivery.tickets.stuck_routings(tid, far, 500)
    }
    # one marked by an earlier version: its routing job clears the mark, the SOS stays held
    await hub.store.update(
        tid, "tickets", held["id"], {"route_state": "pending", "route_requested_at": iso(now())}
    )
    await hub.delivery.route_ticket(tid, held["id"])
    assert held["id"] not in {
        t["id"] for t in await hub.delivery.tickets.stuck_routings(tid, far, 500)
    }
    stored = await hub.store.get(tid, "tickets", held["id"])
    assert stored is not None and stored["status"] == "quarantined"
    # released, it is routed as if it had just arrived
    r = await client.post(f"/api/v1/tickets/{held['id']}/release", headers=acme.auth("agent"))
    assert r.status_code == 200, await r.get_data()

    async def routed() -> bool:
        doc = await hub.store.get(tid, "tickets", held["id"])
        return doc is not None and doc.get("route_state") == "done"

    await eventually(routed, what="the released SOS routed")
