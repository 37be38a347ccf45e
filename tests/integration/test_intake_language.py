"""The SOS's language is known before the first push, so consoles get each ticket once."""

from __future__ import annotations

from typing import Any

from hub.app import Hub
from hub.translate.detect import detect_sync
from tests.helpers import Seeded


async def test_an_sos_is_stored_with_its_detected_language_once_the_models_are_loaded(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    detect_sync("warm up", ["es", "en"])  # what the hub's start-up does in the background
    r = await client.post(
        "/api/v1/sos",
        json={
            "point": acme.point["code"],
            "text": "The air conditioning in our room is very noisy",
            "anonymous": True,
        },
    )
    ticket_id = (await r.get_json())["id"]
    created = [
        e
        for e in await hub.store.events_after(acme.tenant["id"], 0)
        if e.name == "ticket.created" and e.ticket_id == ticket_id
    ]
    assert created and created[0].staff is not None
    assert created[0].staff["language"] == "en"


async def test_an_api_caller_who_names_the_language_keeps_it(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    detect_sync("warm up", ["es", "en"])
    r = await client.post(
        "/api/v1/sos",
        json={
            "point": acme.point["code"],
            "text": "The air conditioning in our room is very noisy",
            "anonymous": True,
            "language": "es",
        },
    )
    doc = await hub.store.get(acme.tenant["id"], "tickets", (await r.get_json())["id"])
    assert doc is not None and doc["language"] == "es"
