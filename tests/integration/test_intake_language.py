"""The SOS's language is known before the first push, so consoles get each ticket once."""

from __future__ import annotations

import asyncio
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


async def test_an_sos_in_a_language_no_ticket_can_carry_is_refused_naming_it(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """ "xx-evil" was stored as "xx", and "xx" then showed as a language of its own in the
    statistics; a tag of a language the hub knows keeps its language ("pt-BR": "pt")."""
    sos = {"point": acme.point["code"], "text": "No hot water", "anonymous": True}
    for tag in ("xx-evil", "zz", "fra"):
        r = await client.post("/api/v1/sos", json={**sos, "language": tag})
        assert r.status_code == 400, (tag, await r.get_data(as_text=True))
        error = (await r.get_json())["error"]
        assert error["code"] == "invalid" and error["message"].startswith("language: "), error
        assert repr(tag) in error["message"]
    assert await hub.store.count(acme.tenant["id"], "tickets") == 0
    r = await client.post("/api/v1/sos", json={**sos, "language": "pt-BR"})
    assert r.status_code == 201, await r.get_data(as_text=True)
    doc = await hub.store.get(acme.tenant["id"], "tickets", (await r.get_json())["id"])
    assert doc is not None and doc["language"] == "pt"


async def test_the_guard_screens_while_the_detector_is_still_answering(
    hub: Hub, client: Any, acme: Seeded, monkeypatch: Any
) -> None:
    """The push waits for the longer of detection and screening, not for both one after
    the other: here the detector answers only once the guard has started screening."""
    asked, screening = asyncio.Event(), asyncio.Event()
    screen = hub.tickets.guard.screen  # type: ignore[union-attr]
    asked_first: list[bool] = []

    async def guard_screen(tenant: Any, doc: Any) -> Any:
        asked_first.append(asked.is_set())
        screening.set()
        return await screen(tenant, doc)

    async def detector(text: str, tenant: Any) -> str | None:
        asked.set()
        # Without the overlap the guard would only screen after this returned: it would
        # never return, and the request would fail (the wait below ends it).
        await asyncio.wait_for(screening.wait(), 10)
        return "fr"

    monkeypatch.setattr(hub.tickets.guard, "screen", guard_screen)
    monkeypatch.setattr(hub.tickets, "detect", detector)
    doc = await _stored_sos(hub, client, acme, "La douche est froide")
    assert doc["language"] == "fr" and doc["language_detected"] is True
    assert asked_first == [True]  # the detector was asked before the guard began


async def test_a_failing_detector_leaves_the_sos_stored_without_a_language(
    hub: Hub, client: Any, acme: Seeded, monkeypatch: Any, caplog: Any
) -> None:
    async def detector(text: str, tenant: Any) -> str | None:
        raise RuntimeError("the detector broke")

    monkeypatch.setattr(hub.tickets, "detect", detector)
    doc = await _stored_sos(hub, client, acme, "The lift is stuck")
    assert doc["number"] and not doc.get("language_detected")
    assert "language detection at intake failed" in caplog.text


async def test_a_repeat_is_merged_without_waiting_for_its_language(
    hub: Hub, client: Any, acme: Seeded, monkeypatch: Any
) -> None:
    """A repeat keeps no language of its own: the detector's answer is not waited for."""
    body = {"point": acme.point["code"], "text": "The lift is stuck on floor three"}
    cookie = {"Cookie": "sos_device=repeat-device-1"}
    first = await client.post("/api/v1/sos", json={**body, "anonymous": True}, headers=cookie)
    assert first.status_code == 201
    never = asyncio.Event()

    async def detector(text: str, tenant: Any) -> str | None:
        await never.wait()  # answers only if waited for forever: the request would hang
        return "en"

    monkeypatch.setattr(hub.tickets, "detect", detector)
    again = await asyncio.wait_for(
        client.post("/api/v1/sos", json={**body, "anonymous": True}, headers=cookie), 30
    )
    assert again.status_code == 201
    assert (await again.get_json())["id"] == (await first.get_json())["id"]
    original = await hub.store.get(acme.tenant["id"], "tickets", (await first.get_json())["id"])
    assert original is not None and original["repeat_count"] == 1


async def _stored_sos(hub: Hub, client: Any, acme: Seeded, text: str) -> dict[str, Any]:
    """Post an anonymous SOS to acme's point; the ticket as stored."""
    r = await client.post(
        "/api/v1/sos", json={"point": acme.point["code"], "text": text, "anonymous": True}
    )
    assert r.status_code == 201, await r.get_data()
    doc = await hub.store.get(acme.tenant["id"], "tickets", (await r.get_json())["id"])
    assert doc is not None
    return doc
