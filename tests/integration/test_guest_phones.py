"""A guest's phone written as people write it at home reaches them: "611 222 333" at a
Spanish hotel is +34 611 222 333, not +61 (Australia), where the reply SMS went before."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.app import Hub
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant
from tests.integration.delivery_kit import add_rule, rule, running_hub, sms_to, submit, tuned
from tests.integration.smtp_server import SmtpServer
from tests.integration.vonage_server import VonageServer


@pytest.fixture
async def live(settings: Settings, smtp: SmtpServer, vonage: VonageServer) -> AsyncIterator[Hub]:
    async with running_hub(tuned(settings, {**smtp.env(), **vonage.env()})) as the_hub:
        yield the_hub


@pytest.fixture
async def madrid(live: Hub) -> Seeded:
    return await seed_tenant(live.store, "madrid", timezone="Europe/Madrid")


async def test_a_number_without_its_country_is_read_in_the_business_s_country(
    live: Hub, madrid: Seeded, vonage: VonageServer
) -> None:
    client = live.quart.test_client()
    sos = await submit(
        client,
        madrid.point["code"],
        "La cerradura de la 214 no abre",
        contact={"name": "Marta", "phone": "611 222 333"},
    )
    r = await client.get(f"/api/v1/tickets/{sos['id']}", headers=madrid.auth("manager"))
    assert (await r.get_json())["contact"]["phone"] == "+34611222333"
    r = await client.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Le llevamos otra tarjeta."},
        headers=madrid.auth(),
    )
    assert r.status_code == 201
    [sms] = [m for m in await vonage.wait_for(1) if "otra tarjeta" in m["text"]]
    assert sms["to"] == "34611222333"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+44 7700 900123", "+447700900123"),  # with its country: as the guest wrote it
        ("0033 6 12 34 56 78", "+33612345678"),
        ("34600111222", "+34600111222"),  # international without its "+" (CONTRACT.md)
        ("0011 44 20 7946 0958", "+442079460958"),  # dialled as from Australia
        ("+34 (0) 612 345 678", "+34612345678"),  # a trunk zero in brackets
        ("+44 (0)20 7946 0958", "+442079460958"),
    ],
)
async def test_a_number_with_its_country_keeps_it(
    live: Hub, madrid: Seeded, typed: str, stored: str
) -> None:
    client = live.quart.test_client()
    sos = await submit(client, madrid.point["code"], f"Llamadme {typed}", contact={"phone": typed})
    r = await client.get(f"/api/v1/tickets/{sos['id']}", headers=madrid.auth("manager"))
    assert (await r.get_json())["contact"]["phone"] == stored


@pytest.mark.parametrize("typed", ["07700 900123", "0011 44 20", "+34 (0) 12"])
async def test_a_home_number_abroad_without_its_country_is_refused_naming_the_field(
    live: Hub, madrid: Seeded, typed: str
) -> None:
    """A British guest's "07700 900123" is no Spanish number: asked for the country, not
    texted at random; nor is a number cut short after its exit code or trunk zero."""
    client = live.quart.test_client()
    body = {
        "point": madrid.point["code"],
        "text": "The safe in my room is locked",
        "anonymous": False,
        "contact": {"phone": typed},
    }
    r = await client.post("/api/v1/sos", json=body)
    assert r.status_code == 400
    error = (await r.get_json())["error"]
    assert error["message"].startswith("contact.phone: ") and "country" in error["message"]
    assert await live.store.count(madrid.tenant["id"], "tickets") == 0


async def test_a_number_stored_as_typed_before_is_texted_in_the_business_s_country(
    live: Hub, madrid: Seeded, vonage: VonageServer
) -> None:
    """A rule saved before numbers were kept international holds "600111222": the alert
    goes to +34 600 111 222, not to +60 (Malaysia) as it was stored."""
    await add_rule(live.store, madrid.tenant, rule([sms_to("600111222", "Noche")]))
    client = live.quart.test_client()
    await submit(client, madrid.point["code"], "Hay agua en el pasillo", anonymous=True)
    [sms] = await vonage.wait_for(1)
    assert sms["to"] == "34600111222"
