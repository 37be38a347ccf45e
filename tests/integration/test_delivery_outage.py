"""A provider away for a long while: the real SMTP server on loopback stopped, then started.

Nothing already accepted is lost: a transient failure (connection refused) is retried with
growing waits for the retry window (hours), on a clock the test moves instead of waiting;
past the window the item fails, and a manager's re-send sends it once, however many clicks.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from hub.app import Hub, create_app
from hub.clock import SteppedClock
from hub.notify import outbox
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    add_rule,
    email_to,
    eventually,
    outbox_items,
    rule,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_text

WINDOW_HOURS = 2.0


@pytest.fixture
async def outage(settings: Settings, smtp: SmtpServer) -> AsyncIterator[tuple[Hub, SteppedClock]]:
    """A hub with SMTP, quick retries and a two-hour retry window, on a clock the test moves."""
    clock = SteppedClock()
    tuned_settings = dataclasses.replace(
        tuned(settings, smtp.env()), outbox_retry_window=WINDOW_HOURS * 3600
    )
    the_hub = create_app(tuned_settings, clock=clock)
    async with the_hub.quart.test_app():
        yield the_hub, clock


@pytest.fixture
async def hotel(outage: tuple[Hub, SteppedClock]) -> Seeded:
    the_hub, _clock = outage
    seeded = await seed_tenant(the_hub.store, "hotel")
    await add_rule(the_hub.store, seeded.tenant, rule([email_to("bar@hotel.example", "Bar")]))
    return seeded


async def _item(the_hub: Hub, seeded: Seeded, ticket_id: str, kind: str) -> dict[str, Any]:
    [item] = [
        i for i in await outbox_items(the_hub.store, seeded.tenant, ticket_id) if i["kind"] == kind
    ]
    return item


async def _tried(
    the_hub: Hub, seeded: Seeded, ticket_id: str, kind: str, times: int
) -> dict[str, Any]:
    """The item once it was tried `times` times, or as it ended, whichever comes first."""

    async def check() -> dict[str, Any] | None:
        found = [
            i
            for i in await outbox_items(the_hub.store, seeded.tenant, ticket_id)
            if i["kind"] == kind
        ]
        if found and (found[0]["attempts"] >= times or found[0]["status"] != "pending"):
            return found[0]
        return None

    return await eventually(check, what=f"{kind} tried {times} times")


async def _status(
    the_hub: Hub, seeded: Seeded, ticket_id: str, kind: str, status: str
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        item = await _item(the_hub, seeded, ticket_id, kind)
        return item if item["status"] == status else None

    return await eventually(check, what=f"{kind} {status}")


async def test_an_smtp_outage_longer_than_three_attempts_loses_no_alert_and_no_reply(
    outage: tuple[Hub, SteppedClock], hotel: Seeded, smtp: SmtpServer
) -> None:
    the_hub, clock = outage
    client = the_hub.quart.test_client()
    smtp.stop()  # the mail server goes away
    sos = await submit(
        client,
        hotel.point["code"],
        "No hay toallas en la piscina",
        contact={"name": "Pilar", "email": "pilar@guest.example"},
    )
    response = await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Ahora mismo le llevamos toallas."},
        headers=hotel.auth(),
    )
    assert response.status_code == 201
    alert = await _tried(the_hub, hotel, sos["id"], "alert", 5)
    reply = await _tried(the_hub, hotel, sos["id"], "reply", 5)
    assert (alert["status"], reply["status"]) == ("pending", "pending")
    assert "Connection refused" in alert["reason"] or "connect" in alert["reason"].lower()

    # The agent is told the reply has not reached the guest yet (the ticket's deliveries).
    detail = await (
        await client.get(f"/api/v1/tickets/{sos['id']}", headers=hotel.auth())
    ).get_json()
    assert {(d["kind"], d["status"]) for d in detail["deliveries"]} >= {("reply", "pending")}

    clock.advance(minutes=75)  # well past the old 75 s, inside the window
    await _tried(the_hub, hotel, sos["id"], "alert", alert["attempts"] + 1)
    assert (await _item(the_hub, hotel, sos["id"], "alert"))["status"] == "pending"
    smtp.restart()  # back: both go, once each
    await _status(the_hub, hotel, sos["id"], "alert", "sent")
    await _status(the_hub, hotel, sos["id"], "reply", "sent")
    await asyncio.sleep(0)  # (no waiting for more: the items are settled as sent)
    assert len(smtp.to("bar@hotel.example")) == 1
    assert len(smtp.to("pilar@guest.example")) == 1
    ticket = await the_hub.store.get(hotel.tenant["id"], "tickets", sos["id"])
    assert ticket is not None and not ticket.get("delivery_failures")


async def test_past_the_retry_window_it_fails_and_a_double_clicked_resend_sends_once(
    outage: tuple[Hub, SteppedClock], hotel: Seeded, smtp: SmtpServer
) -> None:
    the_hub, clock = outage
    client = the_hub.quart.test_client()
    smtp.stop()
    sos = await submit(client, hotel.point["code"], "Se ha roto una hamaca")
    await _tried(the_hub, hotel, sos["id"], "alert", 3)
    clock.advance(hours=WINDOW_HOURS + 1)
    failed = await _status(the_hub, hotel, sos["id"], "alert", "failed")
    assert failed["attempts"] >= 3

    page = await client.get("/admin/deliveries?lang=gl", headers=hotel.auth("manager"))
    html = await page.get_data(as_text=True)
    assert f"/admin/deliveries/{failed['id']}/resend" in html
    assert "Non se puido contactar co provedor." in html  # the class of failure, in Galician
    assert "Error connecting" in html  # the provider's own words kept as the detail

    smtp.restart()
    url = f"/admin/deliveries/{failed['id']}/resend"
    first, second = await asyncio.gather(
        client.post(url, headers=hotel.auth("manager")),
        client.post(url, headers=hotel.auth("manager")),
    )
    assert {first.status_code, second.status_code} == {303}
    answers = sorted(r.headers["Location"].split("#")[0][-8:] for r in (first, second))
    assert answers == ["resent=0", "resent=1"]  # one click re-sent it, the other found it done
    await _status(the_hub, hotel, sos["id"], "alert", "sent")
    third = await client.post(url, headers=hotel.auth("manager"))
    assert "resent=0" in third.headers["Location"]
    await asyncio.sleep(0)
    assert len(smtp.to("bar@hotel.example")) == 1
    agent = await client.post(url, headers=hotel.auth("agent"))
    assert agent.status_code == 403


async def test_an_alert_hours_late_for_a_closed_sos_is_skipped_and_the_reply_still_goes(
    outage: tuple[Hub, SteppedClock], hotel: Seeded, smtp: SmtpServer
) -> None:
    the_hub, clock = outage
    client = the_hub.quart.test_client()
    smtp.stop()
    sos = await submit(
        client,
        hotel.point["code"],
        "La ducha no tiene agua caliente",
        contact={"name": "Tom", "email": "tom@guest.example"},
    )
    await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Ya está arreglada, disculpe."},
        headers=hotel.auth(),
    )
    await _tried(the_hub, hotel, sos["id"], "alert", 2)
    await _tried(the_hub, hotel, sos["id"], "reply", 2)
    response = await client.patch(
        f"/api/v1/tickets/{sos['id']}", json={"status": "resolved"}, headers=hotel.auth()
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    clock.advance(hours=1)
    smtp.restart()
    skipped = await _status(the_hub, hotel, sos["id"], "alert", "skipped")
    assert skipped["reason"] == outbox.TICKET_SETTLED
    await _status(the_hub, hotel, sos["id"], "reply", "sent")
    replies = [m for m in smtp.to("tom@guest.example") if "Ya está arreglada" in body_text(m)]
    assert len(replies) == 1 and smtp.to("bar@hotel.example") == []


async def test_an_escalation_due_a_day_later_gets_its_whole_retry_window(
    outage: tuple[Hub, SteppedClock], hotel: Seeded, smtp: SmtpServer
) -> None:
    """A step after 25 hours, the mail server away when it is due: retried, not failed at
    once (the window was counted from the SOS, so it was over before the first try)."""
    the_hub, clock = outage
    client = the_hub.quart.test_client()
    sos = await submit(client, hotel.point["code"], "La caja fuerte no abre")
    smtp.stop()
    step = outbox.new_item(
        ticket_id=sos["id"],
        channel="email",
        to="night@hotel.example",
        name="Night",
        language="es",
        kind="escalation",
        created_at=clock(),
        due_at=clock() + timedelta(hours=25),
        step=1,
    )
    await outbox.add_items(the_hub.store, hotel.tenant["id"], [step])
    clock.advance(hours=25)
    assert the_hub.delivery is not None
    await the_hub.delivery.sender.send_item(hotel.tenant["id"], step["id"])
    [tried] = [
        i
        for i in await outbox_items(the_hub.store, hotel.tenant, sos["id"])
        if i["id"] == step["id"]
    ]
    assert (tried["status"], tried["attempts"]) == ("pending", 1), tried
    smtp.restart()
