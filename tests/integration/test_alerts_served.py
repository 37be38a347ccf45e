"""Alerts on real hub processes: two processes on one SQLite file fire a burst once, and a
detractor's survey reopens the ticket live on a console (a real Socket.IO client) and tells
the rule's recipients by e-mail (aiosmtpd)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded
from tests.integration.delivery_kit import email_to, eventually, ticket_number
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.integration.smtp_server import SmtpServer, body_text
from tests.kit import Serve, Served, http_sos, serve

pytestmark = pytest.mark.slow


@pytest.fixture
def pair(smtp: SmtpServer, tmp_path: Path) -> Iterator[Served]:
    """Two hub processes on one SQLite file, both sending through the test's SMTP server."""
    with serve(Serve(slugs=("acme",), envs=(smtp.env(), smtp.env())), tmp_path) as served:
        yield served


@pytest.fixture
async def db(pair: Served) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(pair.db)
    await store.open()
    yield store
    await store.close()


async def call(url: str, method: str, path: str, who: Seeded, role: str, **kw: Any) -> Any:
    async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT) as http:
        r = await http.request(method, path, headers=who.auth(role), **kw)
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def settled(db: SqliteStore, who: Seeded, tickets: int) -> bool:
    """Every SOS routed and counted, and nothing left to send."""
    tenant = who.tenant["id"]
    found = await db.find(tenant, "tickets")
    if len(found) < tickets or any(t.get("route_state") != "done" for t in found):
        return False
    return await db.count(tenant, "outbox", {"status": "pending"}) == 0


async def test_two_processes_on_one_file_send_one_alert_for_one_burst(
    pair: Served, db: SqliteStore, smtp: SmtpServer
) -> None:
    acme = pair.acme
    body = {
        "name": "Rush",
        "point": acme.point["code"],
        "count": 3,
        "minutes": 15,
        "recipients": [email_to("jefa@acme.example", "Marta", "es")],
    }
    await call(pair.urls[0], "POST", "/api/v1/alerts", acme, "manager", json=body)
    await asyncio.gather(
        *(http_sos(pair.urls[n % 2], acme, f"Mesa {n} sin atender", device=None) for n in range(8))
    )
    [mail] = await smtp.wait_for(1)
    await eventually(lambda: settled(db, acme, 8), 30, "every SOS routed and counted")
    assert len(smtp.messages) == 1
    assert "Alerta" in mail["Subject"] and "Bar terrace" in mail["Subject"]
    [alert] = await db.find(acme.tenant["id"], "alerts")
    assert alert["fires"] == 1
    items = await db.find(acme.tenant["id"], "outbox", {"kind": "threshold"})
    assert [i["status"] for i in items] == ["sent"]


async def test_a_detractor_reopens_the_ticket_live_and_tells_the_rule_recipients_once(
    pair: Served, db: SqliteStore, smtp: SmtpServer
) -> None:
    acme, url = pair.acme, pair.url
    rule = {
        "name": "Everything",
        "recipients": [email_to("jefe@acme.example", "Pablo", "es")],
    }
    await call(url, "POST", "/api/v1/rules", acme, "manager", json=rule)
    console = await Console(url, auth={"token": acme.tokens["agent"]}).connect()
    try:
        sos = await http_sos(url, acme, "La habitación está sucia", anonymous=False, device=None)
        await smtp.wait_for(1)  # the rule's alert
        await call(
            url, "PATCH", f"/api/v1/tickets/{sos['id']}", acme, "agent", json={"status": "resolved"}
        )

        async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT) as http:
            r = await http.post(
                f"/api/v1/thread/{sos['token']}/survey",
                json={"rating": "fair", "nps": 3, "comment": "Nadie vino"},
            )
        assert r.status_code == 201, r.text

        def reopened() -> bool:
            return any(
                d["id"] == sos["id"] and d["status"] == "open"
                for d in console.events("ticket.updated")
            )

        await console.wait_for(reopened, 15, "the ticket reopened on the console")
        mails = await smtp.wait_for(2)
        mail = mails[-1]
        assert mail["To"] == "jefe@acme.example"
        assert "reabierto" in mail["Subject"] and ticket_number(mail["Subject"]) == 1
        text = body_text(mail)
        assert "3 sobre 10" in text and "Nadie vino" in text and "La habitación está sucia" in text
        assert f"/console?ticket={sos['id']}" in text

        detail = await call(url, "GET", f"/api/v1/tickets/{sos['id']}", acme, "agent")
        assert detail["status"] == "open"
        assert [(h["from"], h["to"]) for h in detail["history"] if h["action"] == "reopened"] == [
            ("resolved", "detractor")
        ]
        # Once per ticket: resolved again and rated badly again, it stays resolved, nobody told.
        await call(
            url, "PATCH", f"/api/v1/tickets/{sos['id']}", acme, "agent", json={"status": "resolved"}
        )
        async with httpx.AsyncClient(base_url=url, timeout=HTTP_TIMEOUT) as http:
            r = await http.post(f"/api/v1/thread/{sos['token']}/survey", json={"rating": "bad"})
        assert r.status_code == 201
        await eventually(lambda: settled(db, acme, 1), 15, "nothing left to send")
        detail = await call(url, "GET", f"/api/v1/tickets/{sos['id']}", acme, "agent")
        assert detail["status"] == "resolved"
        kinds = [i["kind"] for i in await db.find(acme.tenant["id"], "outbox")]
        assert sorted(kinds) == ["alert", "detractor"]
        assert len(smtp.messages) == 2
    finally:
        await console.close()
