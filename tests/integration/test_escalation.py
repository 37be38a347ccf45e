"""Escalation: nobody acknowledges an SOS, so the ladder's next people are told, step by step.

Minutes are shortened through HUB_ESCALATION_MINUTE (`escalation_minute`), so a step
"after 1 minute" fires after a second or less; tests wait for conditions, never sleep.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from hub.app import Hub
from hub.clock import now
from hub.notify.outbox import ACKNOWLEDGED
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import (
    ack_link,
    add_rule,
    email_to,
    eventually,
    outbox_items,
    rule,
    running_hub,
    settled,
    sms_to,
    submit,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_text
from tests.integration.vonage_server import VonageServer

DIRECTOR = "34600999888"


def ladder(*steps: tuple[float, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"after_minutes": after, "recipients": [who]} for after, who in steps]


async def seeded(the_hub: Hub, escalation: list[dict[str, Any]]) -> Seeded:
    acme = await seed_tenant(the_hub.store, "acme")
    await add_rule(
        the_hub.store,
        acme.tenant,
        rule([email_to("desk@acme.example", "Desk")], escalation=escalation),
    )
    return acme


async def history(client: Any, acme: Seeded, ticket_id: str, action: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/tickets/{ticket_id}", headers=acme.auth())
    return [h for h in (await response.get_json())["history"] if h["action"] == action]


async def test_an_unacknowledged_sos_is_escalated_step_by_step_and_each_step_is_in_history(
    settings: Settings, smtp: SmtpServer, vonage: VonageServer
) -> None:
    env = {**smtp.env(), **vonage.env()}
    async with running_hub(tuned(settings, env, escalation_minute=0.5)) as the_hub:
        acme = await seeded(
            the_hub,
            ladder((1, email_to("boss@acme.example", "Boss")), (2, sms_to(DIRECTOR, "Director"))),
        )
        client = the_hub.quart.test_client()
        sos = await submit(client, acme.point["code"], "Un cliente se ha caído en la escalera")
        items = await settled(the_hub.store, acme.tenant, sos["id"], 3)
        assert sorted((i["kind"], i["step"], i["to"], i["status"]) for i in items) == [
            ("alert", 0, "desk@acme.example", "sent"),
            ("escalation", 1, "boss@acme.example", "sent"),
            ("escalation", 2, DIRECTOR, "sent"),
        ]
        boss = smtp.to("boss@acme.example")[0]
        assert "Un cliente se ha caído en la escalera" in body_text(boss)
        assert ack_link(body_text(boss))
        [sms] = vonage.to(DIRECTOR)
        assert ack_link(sms["text"])
        steps = await eventually(
            lambda: _two(history(client, acme, sos["id"], "escalated")), what="two steps"
        )
        assert [(h["from"], h["to"], h["by"]) for h in steps] == [
            ("step 1", "Boss", "SOS hub"),
            ("step 2", "Director", "SOS hub"),
        ]
        ticket = await the_hub.store.get(acme.tenant["id"], "tickets", sos["id"])
        assert ticket is not None and ticket["escalated_step"] == 2


async def _two(found: Any) -> list[dict[str, Any]] | None:
    steps: list[dict[str, Any]] = await found
    return steps if len(steps) >= 2 else None


async def test_acknowledging_from_the_console_stops_the_ladder_before_it_starts(
    settings: Settings, smtp: SmtpServer
) -> None:
    async with running_hub(tuned(settings, smtp.env(), escalation_minute=30)) as the_hub:
        acme = await seeded(the_hub, ladder((1, email_to("boss@acme.example", "Boss"))))
        client = the_hub.quart.test_client()
        sos = await submit(client, acme.point["code"], "Se ha ido la luz en el comedor")
        await smtp.wait_for(1)
        response = await client.post(
            f"/api/v1/tickets/{sos['id']}/acknowledge", headers=acme.auth()
        )
        assert response.status_code == 200

        async def skipped() -> list[dict[str, Any]] | None:
            items = await outbox_items(the_hub.store, acme.tenant, sos["id"])
            found = [i for i in items if i["kind"] == "escalation"]
            return found if found and found[0]["status"] == "skipped" else None

        [step] = await eventually(skipped, what="the escalation step skipped")
        assert step["reason"] == ACKNOWLEDGED and step["attempts"] == 0

        # Its job fires later all the same (here: now, on a clock an hour ahead): nothing is sent.
        assert the_hub.delivery is not None
        sender = the_hub.delivery.sender
        sender.clock = lambda: now() + timedelta(hours=1)
        await the_hub.delivery.send_item(acme.tenant["id"], step["id"])
        # Even a step the listener missed checks the acknowledgement when it fires.
        await the_hub.store.update(
            acme.tenant["id"], "outbox", step["id"], {"status": "pending", "reason": None}
        )
        await the_hub.delivery.send_item(acme.tenant["id"], step["id"])
        again = await the_hub.store.get(acme.tenant["id"], "outbox", step["id"])
        assert again is not None and (again["status"], again["reason"]) == ("skipped", ACKNOWLEDGED)
        assert smtp.to("boss@acme.example") == []
        assert await history(client, acme, sos["id"], "escalated") == []


async def test_acknowledging_by_the_link_in_a_step_stops_the_steps_after_it(
    settings: Settings, smtp: SmtpServer, vonage: VonageServer
) -> None:
    env = {**smtp.env(), **vonage.env()}
    async with running_hub(tuned(settings, env, escalation_minute=0.5)) as the_hub:
        acme = await seeded(
            the_hub,
            ladder((1, email_to("boss@acme.example", "Boss")), (60, sms_to(DIRECTOR, "Director"))),
        )
        client = the_hub.quart.test_client()
        sos = await submit(client, acme.point["code"], "Huele a gas en la cocina")

        async def boss_mail() -> list[Any]:
            return smtp.to("boss@acme.example")

        [mail] = await eventually(boss_mail, what="the first step's e-mail")
        response = await client.post(urlsplit(ack_link(body_text(mail))).path)
        assert response.status_code == 200
        items = await settled(the_hub.store, acme.tenant, sos["id"], 3)
        assert sorted((i["step"], i["status"]) for i in items if i["kind"] == "escalation") == [
            (1, "sent"),
            (2, "skipped"),
        ]
        escalated = await history(client, acme, sos["id"], "escalated")
        assert [h["from"] for h in escalated] == ["step 1"]
        acked = await history(client, acme, sos["id"], "status")
        assert [(h["to"], h["by"]) for h in acked] == [("acknowledged", "Boss")]
        assert vonage.requests == []


async def test_a_step_that_fell_due_while_the_hub_was_down_fires_after_the_restart(
    settings: Settings, smtp: SmtpServer
) -> None:
    tuned_settings = tuned(settings, smtp.env(), escalation_minute=1, outbox_stale=0.5)
    async with running_hub(tuned_settings) as first:
        acme = await seeded(first, ladder((1, email_to("boss@acme.example", "Boss"))))
        sos = await submit(first.quart.test_client(), acme.point["code"], "Ascensor parado")

        async def routed() -> bool:
            ticket = await first.store.get(acme.tenant["id"], "tickets", sos["id"])
            return bool(ticket and ticket.get("route_state") == "done")

        await eventually(routed, what="the SOS routed")
    # The first hub stopped with the step's timer armed; the timer died with it.
    async with running_hub(tuned_settings) as second:
        items = await settled(second.store, acme.tenant, sos["id"], 2, within=20)
        assert sorted((i["kind"], i["status"]) for i in items) == [
            ("alert", "sent"),
            ("escalation", "sent"),
        ]
        assert len(smtp.to("boss@acme.example")) == 1
