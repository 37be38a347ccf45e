"""The routing job of an SOS with nothing to send finishes in one compare-and-set.

Most SOS match no rule that sends them, need no translation and complete no alert's
burst: their routing job reads what it needs in one trip and marks the routing done with
one compare-and-set, without claiming it first. That write holds only while no other job
has claimed the routing since it was read; one that has is left to finish it.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from hub.app import Hub
from hub.clock import iso, now
from hub.ports import Doc
from hub.settings import Settings
from hub.tickets.repository import TicketRepository
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    add_rule,
    email_to,
    eventually,
    quiet,
    rule,
    running_hub,
    submit,
)


@pytest.fixture
async def quiet_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A running hub whose intake leaves the language to the routing job (no detector)."""
    async with running_hub(dataclasses.replace(settings, language_detection=False)) as the_hub:
        yield the_hub


async def _routed(the_hub: Hub, tenant: Doc, ticket_id: str) -> Doc:
    async def check() -> Doc | None:
        doc = await the_hub.store.get(tenant["id"], "tickets", ticket_id)
        return doc if doc and doc.get("route_state") == "done" else None

    return await eventually(check, what="the routing marked done")


async def test_an_sos_no_rule_sends_is_routed_without_a_claim_and_sends_nothing(
    quiet_hub: Hub,
) -> None:
    acme = await seed_tenant(quiet_hub.store, "acme")
    # A rule that matches other words only: it names recipients, but not for this SOS.
    await add_rule(
        quiet_hub.store, acme.tenant, rule([email_to("ana@acme.example")], words=["humo"])
    )
    client = quiet_hub.quart.test_client()
    sos = await submit(client, acme.point["code"], "The shower drain in my room is blocked")
    ticket = await _routed(quiet_hub, acme.tenant, sos["id"])
    await quiet(quiet_hub)
    assert ticket["routed_at"] and ticket["routed_rules"] == []
    assert ticket.get("route_claim_until") is None  # finished in one write: never claimed
    assert await quiet_hub.store.find(acme.tenant["id"], "outbox") == []


async def test_an_sos_a_rule_sends_is_still_claimed_then_routed_once(quiet_hub: Hub) -> None:
    acme = await seed_tenant(quiet_hub.store, "acme")
    await add_rule(quiet_hub.store, acme.tenant, rule([email_to("ana@acme.example")]))
    client = quiet_hub.quart.test_client()
    sos = await submit(client, acme.point["code"], "The shower drain in my room is blocked")
    ticket = await _routed(quiet_hub, acme.tenant, sos["id"])
    await quiet(quiet_hub)
    assert ticket.get("route_claim_until")  # claimed: it had something to send
    items = await quiet_hub.store.find(acme.tenant["id"], "outbox", {"ticket_id": sos["id"]})
    assert [(i["to"], i["kind"]) for i in items] == [("ana@acme.example", "alert")]


async def test_a_routing_another_job_claims_meanwhile_is_left_to_that_job(
    quiet_hub: Hub,
) -> None:
    acme: Seeded = await seed_tenant(quiet_hub.store, "acme")
    assert quiet_hub.delivery is not None
    translation = quiet_hub.delivery.translation
    asked, go_on = asyncio.Event(), asyncio.Event()

    async def slow_detection(text: str) -> str | None:
        # The job has read the ticket and holds no claim while it detects the language.
        asked.set()
        await go_on.wait()
        return "en"

    translation.detect = slow_detection
    client = quiet_hub.quart.test_client()
    sos = await submit(client, acme.point["code"], "The shower drain in my room is blocked")
    await asyncio.wait_for(asked.wait(), 15)
    tickets = TicketRepository(quiet_hub.store)
    pending = await tickets.find(acme.tenant["id"], sos["id"])
    assert pending is not None and pending["route_state"] == "pending"
    until = iso(now() + timedelta(minutes=5))
    # Another job (another process, the sweeper's re-run) claims the routing meanwhile.
    assert await tickets.claim_routing(acme.tenant["id"], pending, until) is not None
    go_on.set()
    await quiet(quiet_hub)
    after = await tickets.find(acme.tenant["id"], sos["id"])
    assert after is not None
    assert after["route_state"] == "pending" and after["route_claim_until"] == until
    assert "routed_at" not in after or after["routed_at"] is None
