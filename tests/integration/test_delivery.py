"""Delivery through the outbox: a real SMTP server and the real Vonage SDK on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from hub.app import Hub
from hub.notify import ack as ack_module
from hub.notify import outbox
from hub.notify.outbox import NO_TRANSPORT
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
    ticket_number,
    tuned,
)
from tests.integration.smtp_server import SmtpServer, body_html, body_text
from tests.integration.vonage_server import VonageServer

PHONE = "34600111222"


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    """A hub with both transports configured, on quick retry timings."""
    async with running_hub(tuned(settings, {**smtp.env(), **vonage.env()})) as the_hub:
        yield the_hub


@pytest.fixture
async def acme(live: Hub) -> Seeded:
    seeded = await seed_tenant(live.store, "acme")
    await add_rule(
        live.store,
        seeded.tenant,
        rule([email_to("ana@acme.example", "Ana"), sms_to("+" + PHONE, "Luis")]),
    )
    return seeded


async def test_an_sos_reaches_every_recipient_its_rule_names_by_email_and_sms(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "La estufa de la terraza está ardiendo")
    [mail] = await smtp.wait_for(1)
    [sms] = await vonage.wait_for(1)

    assert mail["To"] == "ana@acme.example"
    assert ticket_number(mail["Subject"]) == 1 and "Bar terrace" in mail["Subject"]
    text = body_text(mail)
    assert "La estufa de la terraza está ardiendo" in text
    assert "Bar terrace" in text
    assert "(Europe/Madrid)" in text  # the time in the tenant's zone
    assert f"http://hub.test/console?ticket={sos['id']}" in text
    assert ack_link(text).startswith("http://hub.test/ack/")
    assert "La estufa de la terraza está ardiendo" in body_html(mail)

    assert sms["to"] == PHONE
    assert sms["from"] == "SOSHUB"
    assert ticket_number(sms["text"]) == 1 and "Bar terrace" in sms["text"]
    assert ack_link(sms["text"]).startswith("http://hub.test/ack/")

    items = await settled(live.store, acme.tenant, sos["id"], 2)
    response = await client.get(
        f"/api/v1/deliveries?ticket={sos['id']}", headers=acme.auth("manager")
    )
    assert response.status_code == 200
    shown = (await response.get_json())["items"]
    assert {(d["channel"], d["to"], d["kind"], d["status"], d["attempts"]) for d in shown} == {
        ("email", "ana@acme.example", "alert", "sent", 1),
        ("sms", "+" + PHONE, "alert", "sent", 1),
    }
    assert all(d["sent_at"] and d["reason"] is None for d in shown)
    assert {i["id"] for i in items} == {d["id"] for d in shown}
    detail = await ticket_detail(client, acme, sos["id"])
    assert {d["status"] for d in detail["deliveries"]} == {"sent"}


async def test_the_deliveries_api_is_for_managers_of_the_same_tenant(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    globex = await seed_tenant(live.store, "globex")
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "Alguien se ha desmayado")
    url = f"/api/v1/deliveries?ticket={sos['id']}"
    agent = await client.get(url, headers=acme.auth("agent"))
    assert agent.status_code == 403
    other = await client.get(url, headers=globex.auth("manager"))
    assert other.status_code == 404
    everything = await client.get("/api/v1/deliveries", headers=globex.auth("manager"))
    assert (await everything.get_json())["items"] == []


async def test_the_acknowledge_link_shows_a_page_and_only_its_post_acknowledges(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "Hay cristales rotos junto a la piscina")
    [mail] = await smtp.wait_for(1)
    path = urlsplit(ack_link(body_text(mail))).path

    for _ in range(2):  # a mail scanner prefetching the link changes nothing
        page = await client.get(path)
        assert page.status_code == 200
        html = await page.get_data(as_text=True)
        assert '<form method="post"' in html and "Hay cristales rotos junto a la piscina" in html
    assert (await live.store.get(acme.tenant["id"], "tickets", sos["id"]) or {})["status"] == "new"

    done = await client.post(path)
    assert done.status_code == 200
    assert 'id="ack-result"' in await done.get_data(as_text=True)
    ticket = await live.store.get(acme.tenant["id"], "tickets", sos["id"])
    assert ticket is not None and ticket["status"] == "acknowledged"
    detail = await ticket_detail(client, acme, sos["id"])
    changes = [(h["to"], h["by"]) for h in detail["history"] if h["action"] == "status"]
    assert changes == [("acknowledged", "Ana")]
    again = await client.post(path)  # a second tap: already done, nothing new
    assert again.status_code == 200
    assert 'id="ack-already"' in await again.get_data(as_text=True)


async def test_an_expired_or_forged_acknowledge_link_is_refused_and_changes_nothing(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "El ascensor está atascado")
    [mail] = await smtp.wait_for(1)
    token = urlsplit(ack_link(body_text(mail))).path.removeprefix("/ack/")
    item = next(
        i for i in await outbox_items(live.store, acme.tenant, sos["id"]) if i["channel"] == "email"
    )

    class FourDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 4 * 24 * 3600

    old = URLSafeTimedSerializer("test-secret", salt=ack_module._SALT, signer=FourDaysAgo)
    expired = str(old.dumps([acme.tenant["id"], item["id"]]))
    other_secret = ack_module.ack_token("not-our-secret", acme.tenant["id"], item["id"])
    tampered = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    for method in (client.get, client.post):
        gone = await method(f"/ack/{expired}")
        assert gone.status_code == 410
        assert 'id="ack-expired"' in await gone.get_data(as_text=True)
        for forged in (other_secret, tampered, "nonsense"):
            refused = await method(f"/ack/{forged}")
            assert refused.status_code == 403
            assert 'id="ack-invalid"' in await refused.get_data(as_text=True)
    ticket = await live.store.get(acme.tenant["id"], "tickets", sos["id"])
    assert ticket is not None and ticket["status"] == "new" and ticket["acknowledged_at"] is None


async def test_a_provider_failing_twice_then_recovering_sends_once_on_the_third_attempt(
    live: Hub, acme: Seeded, vonage: VonageServer
) -> None:
    vonage.fail_next(1, "error")
    vonage.fail_next(1, "http500")
    sos = await submit(live.quart.test_client(), acme.point["code"], "No sale agua caliente")
    items = await settled(live.store, acme.tenant, sos["id"], 2)
    sms = next(i for i in items if i["channel"] == "sms")
    assert (sms["status"], sms["attempts"]) == ("sent", 3)
    assert len(vonage.requests) == 3
    assert len(vonage.to(PHONE)) == 1


@pytest.mark.parametrize(
    ("answer", "status", "attempts"),
    [
        ("550 5.4.5 Daily user sending quota exceeded", "sent", 2),  # clears: tried again
        ("550 5.1.1 No such mailbox here", "failed", 1),  # the address: refused for good
    ],
)
async def test_a_5xx_from_the_mail_server_refuses_for_good_only_for_the_address(
    live: Hub, acme: Seeded, smtp: SmtpServer, answer: str, status: str, attempts: int
) -> None:
    smtp.refuse, smtp.refuse_with = 1, answer
    sos = await submit(live.quart.test_client(), acme.point["code"], "El ascensor no va")
    items = await settled(live.store, acme.tenant, sos["id"], 2)
    mail = next(i for i in items if i["channel"] == "email")
    assert (mail["status"], mail["attempts"]) == (status, attempts), mail


async def test_a_long_sms_throttled_in_every_part_is_tried_again_and_sent_once(
    live: Hub, acme: Seeded, vonage: VonageServer
) -> None:
    """Most alerts are longer than one SMS: a throttled account must not fail them for
    good (the SDK's partial failure carries no error code, and read as a refusal)."""
    vonage.fail_next(1, "error-parts")
    sos = await submit(live.quart.test_client(), acme.point["code"], "Se ha ido la luz")
    items = await settled(live.store, acme.tenant, sos["id"], 2)
    sms = next(i for i in items if i["channel"] == "sms")
    assert (sms["status"], sms["attempts"]) == ("sent", 2)
    assert len(vonage.to(PHONE)) == 1


async def test_a_provider_that_refuses_for_good_leaves_the_item_failed_with_its_reason(
    live: Hub, acme: Seeded, vonage: VonageServer
) -> None:
    """A permanent refusal fails at once (a transient one is retried for hours:
    test_delivery_outage.py)."""
    vonage.fail_next(3, "refuse")
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "La música está demasiado alta")
    items = await settled(live.store, acme.tenant, sos["id"], 2)
    sms = next(i for i in items if i["channel"] == "sms")
    assert (sms["status"], sms["attempts"]) == ("failed", 1)
    assert "Unroutable" in sms["reason"]
    assert vonage.accepted == []

    async def failure_in_history() -> list[Any]:
        # A manager reads the recipient's number there (agents do not: see below).
        detail = await ticket_detail(client, acme, sos["id"], "manager")
        return [h for h in detail["history"] if h["action"] == "delivery_failed"]

    [entry] = await eventually(failure_in_history, what="delivery_failed in the history")
    assert PHONE in entry["to"] and "Unroutable" in entry["to"]
    ticket = await live.store.get(acme.tenant["id"], "tickets", sos["id"])
    assert ticket is not None and ticket["delivery_failures"] == 1


async def test_a_send_job_run_many_times_at_once_sends_one_sms(
    live: Hub, acme: Seeded, vonage: VonageServer, smtp: SmtpServer
) -> None:
    sos = await submit(live.quart.test_client(), acme.point["code"], "La nevera pierde agua")
    await settled(live.store, acme.tenant, sos["id"], 2)
    sms = next(
        i for i in await outbox_items(live.store, acme.tenant, sos["id"]) if i["channel"] == "sms"
    )
    await live.store.update(
        acme.tenant["id"],
        "outbox",
        sms["id"],
        {"status": "pending", "attempts": 0, "sent_at": None},
    )
    before = len(vonage.accepted)
    assert live.delivery is not None
    await asyncio.gather(*(live.delivery.send_item(acme.tenant["id"], sms["id"]) for _ in range(8)))
    assert len(vonage.accepted) == before + 1
    again = await live.store.get(acme.tenant["id"], "outbox", sms["id"])
    assert again is not None and (again["status"], again["attempts"]) == ("sent", 1)


async def test_a_text_with_line_breaks_cannot_inject_email_headers(
    live: Hub, acme: Seeded, smtp: SmtpServer
) -> None:
    hostile = "Ayuda por favor\r\nX-Evil: sí\r\nSubject: pwned\nReply-To: evil"
    await submit(live.quart.test_client(), acme.point["code"], hostile)
    [mail] = await smtp.wait_for(1)
    assert mail["X-Evil"] is None and mail["Reply-To"] is None
    assert len(mail.get_all("Subject", [])) == 1 and "\n" not in mail["Subject"]
    assert [r.lower() for r in smtp.envelopes[0]] == ["ana@acme.example"]
    assert "X-Evil: sí" in body_text(mail)  # shown as text, never obeyed


async def test_with_no_transport_configured_each_delivery_is_skipped_with_the_reason(
    settings: Settings,
) -> None:
    async with running_hub(tuned(settings)) as the_hub:
        acme = await seed_tenant(the_hub.store, "acme")
        await add_rule(
            the_hub.store, acme.tenant, rule([email_to("ana@acme.example"), sms_to(PHONE)])
        )
        client = the_hub.quart.test_client()
        sos = await submit(client, acme.point["code"], "No hay nadie en recepción")
        items = await settled(the_hub.store, acme.tenant, sos["id"], 2)
        assert {(i["channel"], i["status"], i["reason"]) for i in items} == {
            ("email", "skipped", NO_TRANSPORT),
            ("sms", "skipped", NO_TRANSPORT),
        }
        page = await client.get("/admin/deliveries?lang=en", headers=acme.auth("manager"))
        assert page.status_code == 200
        html = await page.get_data(as_text=True)
        # the page says why in words (the API keeps the stored reason, above)
        assert html.count("Not sent: no SMS or e-mail service is set up.") == 2
        assert "ana@acme.example" in html
        # In Spanish: words, not codes; "To" as the recipient, not "until"; Madrid's clock.
        page = await client.get("/admin/deliveries?lang=es", headers=acme.auth("manager"))
        html = await page.get_data(as_text=True)
        assert "Destinatario" in html and "Hasta" not in html
        assert "<strong>omitido</strong>" in html and "<strong>skipped</strong>" not in html
        assert "correo: " in html and "aviso" in html
        assert html.count("No enviado: no hay ningún servicio de SMS ni de correo") == 2
        assert NO_TRANSPORT not in html and "not sent" not in html
        created = datetime.fromisoformat(items[0]["created_at"]).astimezone(
            ZoneInfo("Europe/Madrid")
        )
        # Spanish short form, "H:mm": 0:05 just after midnight, not 00:05
        assert f"{created.day}/{created.month}/{created:%y}, {created.hour}:{created:%M}" in html


async def test_a_reply_reaches_a_customer_who_left_contact_data_with_the_thread_link(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(
        client,
        acme.point["code"],
        "Nadie nos ha servido en la mesa",
        contact={"name": "Marta", "email": "marta@guest.example", "phone": "+34 611 222 333"},
    )
    await smtp.wait_for(1)
    response = await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "¡Lo sentimos! Un camarero va para allá."},
        headers=acme.auth(),
    )
    assert response.status_code == 201
    mails = await smtp.wait_for(2)
    [reply] = [m for m in mails if m["To"] == "marta@guest.example"]
    text = body_text(reply)
    assert "¡Lo sentimos! Un camarero va para allá." in text
    assert sos["thread_url"] in text and sos["thread_url"].startswith("http://hub.test/t/")
    [sms] = [m for m in await vonage.wait_for(2) if m["to"] == "34611222333"]
    # spelled in GSM characters ("á" is not one): 160 characters a part, not 70
    assert "Un camarero va para alla" in sms["text"] and sos["thread_url"] in sms["text"]
    items = await settled(live.store, acme.tenant, sos["id"], 4)
    assert {(i["kind"], i["channel"], i["status"]) for i in items if i["kind"] == "reply"} == {
        ("reply", "email", "sent"),
        ("reply", "sms", "sent"),
    }


async def test_an_anonymous_customer_never_gets_a_reply_by_email_or_sms(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(
        client,
        acme.point["code"],
        "El encargado fue muy grosero",
        anonymous=True,
        contact={"name": "X", "email": "x@guest.example", "phone": "34699000111"},
    )
    await settled(live.store, acme.tenant, sos["id"], 2)
    response = await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Gracias, lo revisaremos."},
        headers=acme.auth(),
    )
    assert response.status_code == 201
    assert live.delivery is not None
    await eventually(lambda: _idle(live), what="an idle job runner")
    items = await outbox_items(live.store, acme.tenant, sos["id"])
    assert [i["kind"] for i in items] == ["alert", "alert"]
    assert all(m["To"] != "x@guest.example" for m in smtp.messages)
    assert all(m["to"] != "34699000111" for m in vonage.requests)


async def ticket_detail(
    client: Any, seeded: Seeded, ticket_id: str, role: str = "agent"
) -> dict[str, Any]:
    response = await client.get(f"/api/v1/tickets/{ticket_id}", headers=seeded.auth(role))
    assert response.status_code == 200
    data: dict[str, Any] = await response.get_json()
    return data


async def _idle(the_hub: Hub) -> bool:
    assert the_hub.delivery is not None
    return bool(getattr(the_hub.delivery.queue, "idle", True))


async def test_on_sunday_at_23_an_sos_reaches_exactly_the_rules_that_cover_that_hour(
    live: Hub, smtp: SmtpServer, vonage: VonageServer
) -> None:
    acme = await seed_tenant(live.store, "acme")  # Europe/Madrid
    nights = {"weekdays": [6, 7], "from": "22:00", "to": "06:00"}
    days = {"weekdays": [1, 2, 3, 4, 5, 6, 7], "from": "08:00", "to": "22:00"}
    await add_rule(
        live.store,
        acme.tenant,
        rule(
            [sms_to("34600000001", "Night porter"), email_to("duty@acme.example", "Duty")],
            name="Weekend nights",
            schedule=nights,
        ),
    )
    await add_rule(
        live.store,
        acme.tenant,
        rule([email_to("desk@acme.example", "Desk")], name="Days", schedule=days),
    )
    await add_rule(
        live.store,
        acme.tenant,
        rule([email_to("DUTY@acme.example", "Duty, again")], name="Always the duty manager"),
    )
    await add_rule(
        live.store,
        acme.tenant,
        rule([email_to("pool@acme.example", "Pool")], name="Pool only", points=["acme-pool"]),
    )
    # Sunday 29 March 2026, 23:00 in Madrid: the night daylight-saving time began (UTC+2).
    sunday_23 = datetime(2026, 3, 29, 21, 0, tzinfo=UTC)
    ticket = await _ticket_at(live, acme, sunday_23)
    assert live.delivery is not None
    await live.delivery.route_ticket(acme.tenant["id"], ticket["id"])
    items = await settled(live.store, acme.tenant, ticket["id"], 2)
    assert sorted((i["channel"], i["to"]) for i in items) == [
        ("email", "duty@acme.example"),
        ("sms", "34600000001"),
    ]
    routed = await live.store.get(acme.tenant["id"], "tickets", ticket["id"])
    assert routed is not None and routed["route_state"] == "done"
    assert len(routed["routed_rules"]) == 2
    assert [m["To"] for m in await smtp.wait_for(1)] == ["duty@acme.example"]
    assert "23:00 (Europe/Madrid)" in body_text(smtp.messages[0])


async def _ticket_at(the_hub: Hub, seeded: Seeded, moment: datetime) -> dict[str, Any]:
    """A stored SOS as if sent at `moment` (the routing job reads its created_at)."""
    from hub.clock import iso, new_id, new_secret

    doc = {
        "id": new_id(),
        "number": 7,
        "status": "new",
        "text": "Hay una fiesta, no puedo dormir",
        "language": "es",
        "language_explicit": True,
        "translations": {},
        "anonymous": True,
        "contact": None,
        "point": {"code": seeded.point["code"], "label": "Bar terrace"},
        "department": "bar",
        "establishment": None,
        "category": None,
        "thread_token": new_secret(),
        "created_at": iso(moment),
        "acknowledged_at": None,
        "route_state": "pending",
    }
    return await the_hub.store.insert(seeded.tenant["id"], "tickets", doc)


async def test_a_tenant_with_its_own_sms_sender_sends_under_that_name(
    live: Hub, acme: Seeded, vonage: VonageServer, smtp: SmtpServer
) -> None:
    await live.store.update(
        acme.tenant["id"], "tenants", acme.tenant["id"], {"sms_from": "HotelAcme"}
    )
    await submit(live.quart.test_client(), acme.point["code"], "Se ha atascado la puerta")
    [sms] = await vonage.wait_for(1)
    assert sms["from"] == "HotelAcme"
    [mail] = await smtp.wait_for(1)
    assert mail["From"] == "alerts@hub.test"


async def test_sms_past_the_tenants_hourly_budget_are_recorded_as_budget_exceeded(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    """Toll fraud: a flood through a public QR code cannot spend the business's SMS budget."""
    await live.store.update(
        acme.tenant["id"], "tenants", acme.tenant["id"], {"sms_hourly_budget": 2}
    )
    client = live.quart.test_client()
    tickets = []
    for text in ("Fuego en la cocina", "Agua en el pasillo", "Cristales rotos en la piscina"):
        sos = await submit(client, acme.point["code"], text)
        tickets.append(sos)
        await settled(live.store, acme.tenant, sos["id"], 2)
    sms_items = [
        i
        for t in tickets
        for i in await outbox_items(live.store, acme.tenant, t["id"])
        if i["channel"] == "sms"
    ]
    assert [i["status"] for i in sms_items] == ["sent", "sent", "skipped"]
    assert "budget exceeded" in sms_items[2]["reason"]
    assert len(await vonage.wait_for(2)) == 2
    # E-mail has no such cost: every alert still went out.
    assert len(await smtp.wait_for(3)) == 3


async def test_a_budget_of_zero_sms_sends_none_and_the_e_mail_still_goes(
    live: Hub, acme: Seeded, smtp: SmtpServer, vonage: VonageServer
) -> None:
    """0 is a budget a manager may set (/admin/settings): no SMS at all, not the default."""
    await live.store.update(
        acme.tenant["id"], "tenants", acme.tenant["id"], {"sms_hourly_budget": 0}
    )
    sos = await submit(live.quart.test_client(), acme.point["code"], "Se ha ido la luz")
    await settled(live.store, acme.tenant, sos["id"], 2)
    items = await outbox_items(live.store, acme.tenant, sos["id"])
    [sms] = [i for i in items if i["channel"] == "sms"]
    assert sms["status"] == "skipped" and "budget exceeded" in sms["reason"]
    assert len(await smtp.wait_for(1)) == 1
    assert vonage.requests == []


async def test_thirty_sms_sent_at_once_with_a_budget_of_five_send_exactly_five(
    live: Hub, vonage: VonageServer, smtp: SmtpServer
) -> None:
    """A burst cannot overshoot the budget: each SMS reserves its place before the provider."""
    seeded = await seed_tenant(live.store, "burst")
    tenant_id = seeded.tenant["id"]
    await add_rule(live.store, seeded.tenant, rule([email_to("ana@burst.example")]))
    await live.store.update(tenant_id, "tenants", tenant_id, {"sms_hourly_budget": 5})
    sos = await submit(live.quart.test_client(), seeded.point["code"], "Humo en el garaje")
    await settled(live.store, seeded.tenant, sos["id"], 1)
    items = [
        outbox.new_item(
            ticket_id=sos["id"],
            channel="sms",
            to=f"+3460011{n:04d}",
            name="Luis",
            language="es",
            kind="alert",
            created_at=datetime.now(UTC),
        )
        for n in range(30)
    ]
    await outbox.add_items(live.store, tenant_id, items)
    assert live.delivery is not None
    await asyncio.gather(*(live.delivery.send_item(tenant_id, i["id"]) for i in items))
    done = await settled(live.store, seeded.tenant, sos["id"], 31)
    sms_items = [i for i in done if i["channel"] == "sms"]
    assert len(vonage.accepted) == 5
    assert sorted(i["status"] for i in sms_items) == ["sent"] * 5 + ["skipped"] * 25
    assert all("budget exceeded" in i["reason"] for i in sms_items if i["status"] == "skipped")


async def test_an_agent_reading_a_ticket_sees_no_recipient_addresses_and_a_manager_does(
    live: Hub, acme: Seeded, vonage: VonageServer, smtp: SmtpServer
) -> None:
    """The same rule as /api/v1/deliveries: managers' e-mails and phones are for managers."""
    vonage.fail_next(3, "refuse")  # the SMS fails for good: its failure lands in the history
    client = live.quart.test_client()
    sos = await submit(client, acme.point["code"], "Se ha caído un cliente en la escalera")
    await settled(live.store, acme.tenant, sos["id"], 2)

    async def failure_recorded() -> bool:
        ticket = await live.store.get(acme.tenant["id"], "tickets", sos["id"])
        return bool(ticket and ticket.get("delivery_failures"))

    await eventually(failure_recorded, what="the failed SMS in the history")
    url = f"/api/v1/tickets/{sos['id']}"
    manager = await (await client.get(url, headers=acme.auth("manager"))).get_json()
    assert {d["to"] for d in manager["deliveries"]} == {"ana@acme.example", "+" + PHONE}
    agent_response = await client.get(url, headers=acme.auth("agent"))
    assert agent_response.status_code == 200
    agent_text = await agent_response.get_data(as_text=True)
    assert "ana@acme.example" not in agent_text
    assert PHONE not in agent_text
    agent = await agent_response.get_json()
    assert sorted(d["status"] for d in agent["deliveries"]) == ["failed", "sent"]
    assert [h for h in agent["history"] if h["action"] == "delivery_failed"]


async def test_an_sms_the_provider_accepted_without_answering_is_not_sent_again_on_retry(
    live: Hub, acme: Seeded, vonage: VonageServer, smtp: SmtpServer
) -> None:
    """The outbox id travels as the SMS's client reference; a retry asks before it resends."""
    vonage.fail_next(1, "accept-hang")  # sent to the phone, but the answer never comes back
    sos = await submit(live.quart.test_client(), acme.point["code"], "Se ha roto una tubería")
    items = await settled(live.store, acme.tenant, sos["id"], 2, within=40)
    [sms] = [i for i in items if i["channel"] == "sms"]
    assert (sms["status"], sms["attempts"]) == ("sent", 2)
    assert len(vonage.to(PHONE)) == 1
    assert vonage.to(PHONE)[0]["client-ref"] == sms["id"]
    assert "earlier attempt" in sms["provider_answer"]


async def _pages(client: Any, seeded: Seeded, query: str, limit: int) -> list[list[str]]:
    """The ids of each page, following `next_cursor` as an integrator would."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        url = f"/api/v1/deliveries?limit={limit}{query}"
        r = await client.get(
            url + (f"&cursor={cursor}" if cursor else ""), headers=seeded.auth("manager")
        )
        assert r.status_code == 200, await r.get_data(as_text=True)
        body = await r.get_json()
        pages.append([d["id"] for d in body["items"]])
        assert len(pages) < 20, "the pages never end"
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_the_outbox_pages_with_next_cursor_losing_and_repeating_nothing(
    client: Any, hub: Hub
) -> None:
    """Each SOS alerts four people at once: items that share their creation time, which a
    page may cut in two."""
    seeded = await seed_tenant(hub.store, "acme")
    people = [
        {"channel": "email", "to": f"desk{i}@acme.example", "name": f"Desk {i}"} for i in range(4)
    ]
    r = await client.post(
        "/api/v1/rules",
        json={"name": "Everyone", "recipients": people},
        headers=seeded.auth("manager"),
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    sos = [await submit(client, seeded.point["code"], f"Fuga de agua {n}") for n in range(3)]

    async def all_twelve() -> list[str] | None:
        r = await client.get("/api/v1/deliveries", headers=seeded.auth("manager"))
        ids = [d["id"] for d in (await r.get_json())["items"]]
        return ids if len(ids) == 12 else None

    everything = await eventually(all_twelve, what="twelve alerts")
    r = await client.get("/api/v1/deliveries", headers=seeded.auth("manager"))
    times = [d["created_at"] for d in (await r.get_json())["items"]]
    assert len(set(times)) < len(times)  # items share their creation time
    pages = await _pages(client, seeded, "", 5)
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [i for p in pages for i in p] == everything  # newest first, each once
    for limit in (1, 3, 4, 12):
        assert [i for p in await _pages(client, seeded, "", limit) for i in p] == everything
    # a ticket's, oldest first, pages the same way
    r = await client.get(
        f"/api/v1/deliveries?ticket={sos[1]['id']}", headers=seeded.auth("manager")
    )
    ticket_items = [d["id"] for d in (await r.get_json())["items"]]
    pages = await _pages(client, seeded, f"&ticket={sos[1]['id']}", 3)
    assert [i for p in pages for i in p] == ticket_items and len(ticket_items) == 4
    r = await client.get("/api/v1/deliveries?cursor=nonsense", headers=seeded.auth("manager"))
    assert r.status_code == 400
    assert (await r.get_json())["error"]["message"].startswith("cursor: ")
