"""A guest is told by their phone however they write it: blocks, repeats and insult strikes
compare phones as E.164, read in the business's country (hub/phones.py).

Through the HTTP intake of the app under test (real SQLite). A number blocked as staff type
it at a Danish, Norwegian or Singaporean hotel (8 digits, no trunk zero) used to be kept as
"22334455" and compared with the last nine digits of the guest's "+4522334455": the blocked
sender got through. Tickets and blocks stored before phones were kept E.164 must still match.
"""

from __future__ import annotations

from typing import Any

import pytest

from hub.app import Hub
from hub.clock import iso, new_id, now
from tests.helpers import Seeded, seed_tenant
from tests.kit import fresh_device, fresh_ip, new_sos, post_sos


async def held_back(client: Any, seeded: Seeded) -> dict[str, str]:
    """Held-back tickets' texts and why."""
    r = await client.get("/api/v1/tickets?status=quarantined", headers=seeded.auth("agent"))
    return {t["text"]: t["quarantine_reason"] for t in (await r.get_json())["items"]}


async def listed(client: Any, seeded: Seeded) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/tickets", headers=seeded.auth("agent"))
    return list((await r.get_json())["items"])


async def block_phone(client: Any, seeded: Seeded, value: str) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/blocks", headers=seeded.auth("manager"), json={"kind": "phone", "value": value}
    )
    assert r.status_code == 201, await r.get_data()
    return dict(await r.get_json())


async def blocks(client: Any, seeded: Seeded) -> list[dict[str, Any]]:
    r = await client.get("/api/v1/blocks", headers=seeded.auth("manager"))
    return list((await r.get_json())["items"])


@pytest.mark.parametrize(
    ("timezone", "blocked", "written", "neighbour"),
    [
        (
            "Europe/Copenhagen",
            "22 33 44 55",
            ["+45 22 33 44 55", "+4522334455", "22334455", "0045 2233 4455"],
            "22 33 44 56",
        ),
        (
            "Europe/Oslo",
            "412 34 567",
            ["+47 41234567", "41 23 45 67", "0047 412 34 567"],
            "41234568",
        ),
        ("Asia/Singapore", "9123 4567", ["+65 9123 4567", "91234567", "0065 91234567"], "91234568"),
    ],
)
async def test_a_phone_blocked_as_typed_at_home_holds_back_the_sender_however_they_write_it(
    hub: Hub, client: Any, timezone: str, blocked: str, written: list[str], neighbour: str
) -> None:
    hotel = await seed_tenant(hub.store, "nordic", timezone=timezone)
    shown = await block_phone(client, hotel, blocked)
    assert shown["value"] == blocked  # staff see the number as they typed it
    for n, phone in enumerate(written):
        await post_sos(
            client, hotel, f"Room {n + 101}: the heating is off", contact={"phone": phone}
        )
    await post_sos(client, hotel, "Room 300: the heating is off", contact={"phone": neighbour})
    assert await held_back(client, hotel) == {
        f"Room {n + 101}: the heating is off": "blocked" for n in range(len(written))
    }
    assert [t["text"] for t in await listed(client, hotel)] == ["Room 300: the heating is off"]


async def test_a_phone_that_is_no_number_of_the_business_s_country_is_refused_naming_the_field(
    hub: Hub, client: Any
) -> None:
    hotel = await seed_tenant(hub.store, "nordic", timezone="Europe/Copenhagen")
    r = await client.post(
        "/api/v1/blocks",
        headers=hotel.auth("manager"),
        json={"kind": "phone", "value": "07700 900123"},  # British, without its country
    )
    assert r.status_code == 400
    message = (await r.get_json())["error"]["message"]
    assert message.startswith("value: ") and "country" in message
    assert await blocks(client, hotel) == []


def old_phone_block(typed: str, kept: str) -> dict[str, Any]:
    """A phone block as it was stored before blocks were kept E.164: the last nine digits."""
    return {
        "id": new_id(),
        "kind": "phone",
        "value": kept,
        "shown_value": typed,
        "ticket_id": None,
        "ticket_number": None,
        "created_at": iso(now()),
        "created_by": "Manager nordic",
        "expires_at": None,
        "note": None,
        "updated_at": iso(now()),
    }


@pytest.mark.parametrize(
    ("timezone", "typed", "kept", "written"),
    [
        ("Europe/Copenhagen", "22 33 44 55", "22334455", "+45 22 33 44 55"),
        ("Europe/Copenhagen", "+45 22 33 44 55", "522334455", "22 33 44 55"),
        ("Europe/Madrid", "600 111 222", "600111222", "+34600111222"),
    ],
)
async def test_a_phone_block_stored_before_numbers_were_international_still_holds_back(
    hub: Hub, client: Any, timezone: str, typed: str, kept: str, written: str
) -> None:
    hotel = await seed_tenant(hub.store, "nordic", timezone=timezone)
    await hub.store.insert(hotel.tenant["id"], "blocks", old_phone_block(typed, kept))
    await post_sos(client, hotel, "The heating is off", contact={"phone": written})
    assert await held_back(client, hotel) == {"The heating is off": "blocked"}
    # blocking the number again renews that block, kept E.164 from then on
    await block_phone(client, hotel, written)
    [stored] = await hub.store.find(hotel.tenant["id"], "blocks")
    assert stored["value"].startswith("+") and stored["shown_value"] == typed
    await post_sos(client, hotel, "Still no heating", contact={"phone": typed})
    assert (await held_back(client, hotel))["Still no heating"] == "blocked"


async def test_a_repeat_joins_the_guest_s_ticket_stored_with_the_phone_as_typed(
    hub: Hub, client: Any
) -> None:
    """From one phone (its device): the phones are one number, not two senders."""
    hotel = await seed_tenant(hub.store, "nordic", timezone="Europe/Copenhagen")
    device, ip = fresh_device(), fresh_ip()
    kw: dict[str, Any] = {"device": device, "ip": ip}
    _, first = await post_sos(
        client, hotel, "The shower in 214 is cold", contact={"phone": "22 33 44 55"}, **kw
    )
    # as the hub stored it before phones were kept E.164
    await hub.store.update(
        hotel.tenant["id"], "tickets", first["id"], {"contact": {"phone": "22 33 44 55"}}
    )
    _, again = await post_sos(
        client, hotel, "The shower in 214 is cold!!", contact={"phone": "+45 22334455"}, **kw
    )
    assert again["id"] == first["id"]
    [ticket] = await listed(client, hotel)
    assert ticket["repeat_count"] == 1


async def test_a_repeat_without_cookies_finds_the_ticket_stored_with_the_phone_as_typed(
    hub: Hub, client: Any
) -> None:
    """An integration without cookies, from the guest's network: the phone tells."""
    hotel = await seed_tenant(hub.store, "mirador", timezone="Europe/Madrid")
    kw: dict[str, Any] = {"device": "", "ip": fresh_ip()}
    _, first = await post_sos(
        client, hotel, "Where is my order?", contact={"phone": "600 111 222"}, **kw
    )
    await hub.store.update(
        hotel.tenant["id"], "tickets", first["id"], {"contact": {"phone": "600 111 222"}}
    )
    _, again = await post_sos(
        client, hotel, "Where is my order??", contact={"phone": "+34 600 11 12 22"}, **kw
    )
    assert again["id"] == first["id"]


async def test_insults_on_tickets_stored_with_the_phone_as_typed_count_towards_the_block(
    hub: Hub, client: Any
) -> None:
    """Three insults within 30 days from one phone block it, however the phone was stored."""
    hotel = await seed_tenant(hub.store, "mirador", timezone="Europe/Madrid")
    tenant_id = hotel.tenant["id"]
    for text, typed in (("Sois unos gilipollas", "600 111 222"), ("Hijos de puta", "600-111-222")):
        sent = await new_sos(client, hotel, text, contact={"phone": typed})  # each a new device
        await hub.store.update(tenant_id, "tickets", sent["id"], {"contact": {"phone": typed}})
    assert await hub.store.find(tenant_id, "blocks") == []
    await new_sos(client, hotel, "Cabrones de mierda", contact={"phone": "+34 600 111 222"})
    phones = [b for b in await hub.store.find(tenant_id, "blocks") if b["kind"] == "phone"]
    assert [b["value"] for b in phones] == ["+34600111222"]
    await post_sos(client, hotel, "La ducha no funciona", contact={"phone": "600111222"})
    assert (await held_back(client, hotel))["La ducha no funciona"] == "blocked"
