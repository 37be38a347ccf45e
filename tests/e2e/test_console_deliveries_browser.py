"""The console tells an agent that a reply has not reached the guest, in the agent's words.

The hub's SMTP server is a loopback port nobody listens on (connection refused: transient),
with a retry window of a second, so the reply goes from "still trying" to failed.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LiveHub, staff_page
from tests.helpers import free_port
from tests.kit import Serve

pytestmark = pytest.mark.browser

SERVED = Serve(
    slugs=("mirador",),
    envs=(
        {
            "HUB_SMTP_HOST": "127.0.0.1",
            "HUB_SMTP_PORT": str(free_port()),
            "HUB_SMTP_FROM": "alerts@hub.test",
            "HUB_SMTP_TLS": "none",
            "HUB_OUTBOX_BACKOFF": "0.2",
            "HUB_OUTBOX_RETRY_WINDOW": "1.5",
            "HUB_ESCALATION_MINUTE": "0.5",
        },
    ),
)


def test_a_reply_the_guest_did_not_get_is_shown_on_the_ticket_and_worded_in_its_history(
    browser: Any, live_hub: LiveHub
) -> None:
    text = f"No funciona el wifi {uuid.uuid4().hex[:6]}"
    body = {
        "point": live_hub.seeded.point["code"],
        "text": text,
        "anonymous": False,
        "contact": {"name": "Pilar", "email": "pilar@guest.example"},
    }
    sos = httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).json()
    agent = live_hub.seeded.auth()
    reply = httpx.post(
        f"{live_hub.url}/api/v1/tickets/{sos['id']}/replies",
        json={"text": "Reiniciamos el router ahora mismo."},
        headers=agent,
        timeout=10,
    )
    assert reply.status_code == 201
    context, page, problems = staff_page(
        browser, live_hub, "gl", f"/console?ticket={sos['id']}", 820, 1180, "agent"
    )
    try:
        notice = page.locator("#reply-deliveries .reply-delivery")
        expect(notice).to_have_count(1)
        expect(notice).to_contain_text("non se puido enviar ao cliente por correo")
        history = page.locator("#history")
        expect(history).to_contain_text("Non se puido enviar a resposta ao cliente por correo")
        expect(history).not_to_contain_text("delivery_failed")
        assert problems == []
    finally:
        context.close()


def test_an_escalation_and_a_failed_alert_are_worded_in_the_console_history(
    browser: Any, live_hub: LiveHub
) -> None:
    manager = live_hub.seeded.auth("manager")
    rule = {
        "name": "Bar",
        "recipients": [
            {"channel": "email", "to": "bar@hotel.example", "name": "Irene", "language": "es"}
        ],
        "escalation": [
            {
                "after_minutes": 1,
                "recipients": [
                    {
                        "channel": "email",
                        "to": "jefa@hotel.example",
                        "name": "Montse",
                        "language": "es",
                    }
                ],
            }
        ],
    }
    created = httpx.post(f"{live_hub.url}/api/v1/rules", json=rule, headers=manager, timeout=10)
    assert created.status_code == 201, created.text
    text = f"Se ha caído un vaso {uuid.uuid4().hex[:6]}"
    body = {"point": live_hub.seeded.point["code"], "text": text, "anonymous": True}
    sos = httpx.post(f"{live_hub.url}/api/v1/sos", json=body, timeout=10).json()
    context, page, problems = staff_page(
        browser, live_hub, "gl", f"/console?ticket={sos['id']}", 1440, 1000, "agent"
    )
    try:
        history = page.locator("#history")
        expect(history).to_contain_text("Ninguén o aceptou a tempo: escalado a Montse (paso 1)")
        expect(history).to_contain_text("Non se puido enviar por correo a Irene (aviso)")
        expect(history).not_to_contain_text("SOS hub:")
        assert problems == []
    finally:
        context.close()
