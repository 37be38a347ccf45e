""" "Block this sender" blocks the sender, not everyone who shares their network or kiosk.

Many guests share one public address (a hotel's Wi-Fi, a carrier's NAT) and every guest at a
kiosk shares its device id. By default a block names the sender's own identifiers: their
e-mail, their phone, their own device. An address (`"network": true`, or `"ip"` named in
`by`) or a kiosk (`"kiosk": true`) is blocked only when asked for.
"""

from __future__ import annotations

from typing import Any

from hub.app import Hub
from tests.helpers import Seeded
from tests.kit import fresh_device, new_sos

HOTEL = "198.51.100.40"


async def block(client: Any, acme: Seeded, ticket_id: str, **body: Any) -> Any:
    return await client.post(
        f"/api/v1/tickets/{ticket_id}/block", headers=acme.auth("agent"), json=body
    )


async def held_back_texts(client: Any, acme: Seeded) -> set[str]:
    r = await client.get("/api/v1/tickets?status=quarantined", headers=acme.auth("agent"))
    return {t["text"] for t in (await r.get_json())["items"]}


async def new_kiosk(client: Any, acme: Seeded) -> dict[str, str]:
    r = await client.post(
        "/api/v1/kiosks",
        headers=acme.auth("manager"),
        json={"name": "Lobby kiosk", "point": acme.point["code"]},
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    kiosk = await r.get_json()
    return {"Authorization": f"Bearer {kiosk['device_token']}"}


async def kiosk_sos(
    client: Any, kiosk: dict[str, str], text: str, email: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "anonymous": not email}
    if email:
        body["contact"] = {"email": email}
    r = await client.post(
        "/api/v1/kiosk/sos", headers=kiosk, json=body, scope_base={"client": (HOTEL, 40000)}
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    return dict(await r.get_json())


async def test_blocking_a_sender_by_default_never_holds_back_another_guest_on_their_network(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    spammer = fresh_device()
    first = await new_sos(
        client,
        acme,
        "Buy cheap watches",
        ip=HOTEL,
        device=spammer,
        contact={"email": "spam@example.com"},
    )
    r = await block(client, acme, first["id"], expires_in_hours=24 * 30)
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert sorted(b["kind"] for b in (await r.get_json())["items"]) == ["device", "email"]

    await new_sos(client, acme, "A child is hurt at the pool", ip=HOTEL)  # the next room
    await new_sos(client, acme, "Same phone, now on mobile data", ip="203.0.113.8", device=spammer)
    await new_sos(
        client,
        acme,
        "Same e-mail, another phone",
        ip="203.0.113.9",
        contact={"email": "SPAM@example.com"},
    )
    assert await held_back_texts(client, acme) == {
        "Same phone, now on mobile data",
        "Same e-mail, another phone",
    }


async def test_blocking_a_kiosk_ticket_by_default_never_holds_back_the_next_guest_at_the_kiosk(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    kiosk = await new_kiosk(client, acme)
    first = await kiosk_sos(client, kiosk, "Rude words here", email="troll@example.com")
    r = await block(client, acme, first["id"])
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert [b["kind"] for b in (await r.get_json())["items"]] == ["email"]

    await kiosk_sos(client, kiosk, "The towels in room 12 are missing")
    await kiosk_sos(client, kiosk, "Please call a doctor", email="guest@example.com")
    await kiosk_sos(client, kiosk, "Back again to annoy you", email="troll@example.com")
    assert await held_back_texts(client, acme) == {"Back again to annoy you"}

    # an anonymous kiosk SOS carries nothing of its sender's own: nothing is blocked unasked
    anonymous = await kiosk_sos(client, kiosk, "Anonymous nonsense")
    r = await block(client, acme, anonymous["id"])
    assert r.status_code == 400
    message = (await r.get_json())["error"]["message"]
    assert message.startswith("by:") and "kiosk" in message
    assert await held_back_texts(client, acme) == {"Back again to annoy you"}


async def test_an_explicit_network_or_kiosk_block_still_blocks_everyone_behind_it(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    first = await new_sos(client, acme, "Flood from the lobby", ip=HOTEL)
    r = await block(client, acme, first["id"], network=True)
    assert r.status_code == 201
    assert sorted(b["kind"] for b in (await r.get_json())["items"]) == ["device", "ip"]
    await new_sos(client, acme, "Another phone on the same Wi-Fi", ip=HOTEL)

    kiosk = await new_kiosk(client, acme)
    from_kiosk = await kiosk_sos(client, kiosk, "Kiosk abuse")
    r = await block(client, acme, from_kiosk["id"], kiosk=True)
    assert r.status_code == 201
    assert "device" in [b["kind"] for b in (await r.get_json())["items"]]
    await kiosk_sos(client, kiosk, "The next guest at that kiosk")
    # the old explicit form, naming the kinds, still works as it did
    named = await new_sos(client, acme, "Named kinds", ip="203.0.113.50")
    r = await block(client, acme, named["id"], by=["ip"])
    assert [b["kind"] for b in (await r.get_json())["items"]] == ["ip"]
    await new_sos(client, acme, "Same address, named block", ip="203.0.113.50")
    assert {
        "Another phone on the same Wi-Fi",
        "The next guest at that kiosk",
        "Same address, named block",
    } <= await held_back_texts(client, acme)
