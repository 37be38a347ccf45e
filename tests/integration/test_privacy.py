"""Privacy basics: tickets' network addresses and device ids are cleared after the retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.app import Hub
from hub.clock import iso
from hub.ports import Doc
from hub.settings import Settings
from hub.tickets.privacy import purge_private_data
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import eventually, running_hub, submit, tuned

CONTACT = {"name": "Marta", "email": "marta@example.org", "phone": "+34600999888"}


async def _aged_sos(
    the_hub: Hub,
    seeded: Seeded,
    text: str,
    days: int,
    *,
    anonymous: bool = False,
    device: str = "device-1",
) -> Doc:
    """An SOS through the API, then dated `days` back with a known address and device."""
    body: Doc = {"anonymous": anonymous}
    if not anonymous:
        body["contact"] = CONTACT
    sos = await submit(the_hub.quart.test_client(), seeded.point["code"], text, **body)
    moment = datetime.now(UTC) - timedelta(days=days)
    await the_hub.store.update(
        seeded.tenant["id"],
        "tickets",
        sos["id"],
        {
            "created_at": iso(moment),
            "ip": "203.0.113.7",
            "device_id": device,
            "signals": {"honeypot": False, "elapsed": 4.2},
        },
    )
    return sos


async def _ticket(the_hub: Hub, seeded: Seeded, sos: Doc) -> Doc:
    doc = await the_hub.store.get(seeded.tenant["id"], "tickets", sos["id"])
    assert doc is not None
    return doc


def _identifying(doc: Doc) -> tuple[object, object, object]:
    return doc.get("ip"), doc.get("device_id"), doc.get("signals")


async def test_addresses_and_device_ids_older_than_the_retention_are_cleared_newer_kept(
    hub: Hub,
) -> None:
    acme = await seed_tenant(hub.store, "acme")  # the default: 30 days
    globex = await seed_tenant(hub.store, "globex")
    await hub.store.update(
        globex.tenant["id"], "tenants", globex.tenant["id"], {"privacy_retention_days": 90}
    )
    old = await _aged_sos(hub, acme, "La ducha no tiene agua caliente", 40)
    old_anonymous = await _aged_sos(
        hub, acme, "Ruido toda la noche", 31, anonymous=True, device="device-2"
    )
    recent = await _aged_sos(hub, acme, "Falta una toalla", 5, device="device-3")
    kept_by_setting = await _aged_sos(hub, globex, "El mando de la tele no va", 40)
    anonymous_elsewhere = await _aged_sos(
        hub, globex, "Hay una fuga", 40, anonymous=True, device="device-4"
    )

    assert await purge_private_data(hub.store) == 3

    for sos in (old, old_anonymous):
        assert _identifying(await _ticket(hub, acme, sos)) == (None, None, None)
    assert _identifying(await _ticket(hub, acme, recent))[:2] == ("203.0.113.7", "device-3")
    # Another tenant keeps its own retention (90 days here) for identified tickets ...
    assert _identifying(await _ticket(hub, globex, kept_by_setting))[:2] == (
        "203.0.113.7",
        "device-1",
    )
    # ... but anonymous tickets never keep them beyond the default.
    assert _identifying(await _ticket(hub, globex, anonymous_elsewhere)) == (None, None, None)
    # What the customer chose to leave stays, and staff can still block by it.
    assert (await _ticket(hub, acme, old))["contact"]["email"] == CONTACT["email"]
    client = hub.quart.test_client()
    blocked = await client.post(
        f"/api/v1/tickets/{old['id']}/block",
        json={"by": ["email", "phone"]},
        headers=acme.auth("manager"),
    )
    assert blocked.status_code == 201, await blocked.get_data(as_text=True)
    again = await submit(
        client, acme.point["code"], "Otra vez sin agua caliente en la 204", contact=CONTACT
    )
    assert (await _ticket(hub, acme, again))["status"] == "quarantined"
    assert await purge_private_data(hub.store) == 0


async def test_a_running_hub_clears_expired_addresses_on_its_own(settings: Settings) -> None:
    fast = tuned(settings)
    async with running_hub(fast) as first:
        acme = await seed_tenant(first.store, "acme")
        old = await _aged_sos(first, acme, "Se ha ido la luz en el pasillo", 45)
    async with running_hub(fast) as second:

        async def cleared() -> bool:
            doc = await _ticket(second, acme, old)
            return _identifying(doc) == (None, None, None)

        await eventually(cleared, what="the privacy sweep of a running hub")
