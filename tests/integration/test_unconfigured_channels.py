"""A hub with no SMS or e-mail service says so wherever it would promise alerts or replies.

Two real `sos-hub serve` processes on one SQLite file: the first has no SMS nor e-mail
service (as a restaurant group goes live without a developer), the second the same hub
once whoever runs it set up e-mail (HUB_SMTP_HOST, a real aiosmtpd). The rules page, the
console and the checklist of the first tell the manager that alerts would be dropped;
the alerts it skipped are sent by a manager's "Send again" once e-mail is there, once.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers import Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT
from tests.integration.smtp_server import SmtpServer
from tests.kit import Serve, Served, http_sos, serve

WITHIN = 20.0  # seconds; a busy 2-core machine runs other suites at once


@pytest.fixture(scope="module")
def mail() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="module")
def hubs(mail: SmtpServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """[0]: no SMS nor e-mail service; [1]: the same hub with e-mail set up."""
    spec = Serve(envs=({}, mail.env()))
    with serve(spec, tmp_path_factory.mktemp("channels")) as served:
        yield served


def manager(seeded: Seeded) -> dict[str, str]:
    return seeded.auth("manager")


async def add_rule(http: httpx.AsyncClient, seeded: Seeded, *recipients: dict[str, str]) -> None:
    rule = {
        "name": "Todo",
        "active": True,
        "match": {"points": [], "departments": [], "categories": [], "words": [], "languages": []},
        "schedule": None,
        "recipients": list(recipients),
        "escalation": [],
    }
    r = await http.post("/api/v1/rules", json=rule, headers=manager(seeded))
    assert r.status_code == 201, r.text


async def deliveries(http: httpx.AsyncClient, seeded: Seeded, ticket: str) -> list[dict[str, Any]]:
    r = await http.get(f"/api/v1/deliveries?ticket={ticket}", headers=manager(seeded))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


async def until(
    http: httpx.AsyncClient, seeded: Seeded, ticket: str, status: str
) -> dict[str, Any]:
    """The ticket's e-mail alert once it is `status`."""
    deadline = time.monotonic() + WITHIN
    items: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        items = [
            i
            for i in await deliveries(http, seeded, ticket)
            if i["kind"] == "alert" and i["channel"] == "email"
        ]
        if items and items[0]["status"] == status:
            return items[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"the alert never became {status}: {items!r}")


def text_of(html: str) -> str:
    """The page's words without tags, spaces collapsed (what a reader sees, roughly)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_the_pages_say_alerts_are_not_sent_and_a_skipped_alert_is_sent_once_mail_is_set_up(
    hubs: Served, mail: SmtpServer
) -> None:
    bare, mailing = hubs.urls
    acme = hubs.acme
    async with (
        httpx.AsyncClient(base_url=bare, timeout=HTTP_TIMEOUT) as http,
        httpx.AsyncClient(base_url=mailing, timeout=HTTP_TIMEOUT) as later,
    ):
        await add_rule(
            http,
            acme,
            {"channel": "sms", "to": "+34611222333", "name": "Luis", "language": "es"},
            {"channel": "email", "to": "luis@sabores.example", "name": "", "language": "es"},
        )
        # the rules page: one warning per channel with no service
        page = text_of((await http.get("/admin/rules?lang=en", headers=manager(acme))).text)
        assert "Sending SMS is not set up here." in page
        assert "Sending e-mail is not set up here." in page
        # the checklist: never "all set" while alerts would be dropped
        checklist = (await http.get("/api/v1/setup/checklist", headers=manager(acme))).json()
        assert checklist["unsent_channels"] == ["email", "sms"]
        assert checklist["live"] is False
        start = (await http.get("/admin/start?lang=en", headers=manager(acme))).text
        assert 'id="start-unsent"' in start
        assert re.search(r'id="start-complete"[^>]*hidden', start)
        # the same business on the hub with e-mail: only SMS is missing, and its rule uses it
        mailed = (await later.get("/api/v1/setup/checklist", headers=manager(acme))).json()
        assert mailed["unsent_channels"] == ["sms"]
        page = text_of((await later.get("/admin/rules?lang=en", headers=manager(acme))).text)
        assert "Sending SMS is not set up here." in page
        assert "Sending e-mail is not set up here." not in page

        sos = await http_sos(http, acme, "La mesa 2 espera la cuenta", device=None)
        skipped = await until(http, acme, sos["id"], "skipped")
        assert skipped["to"] == "luis@sabores.example"
        listing = (await http.get("/admin/deliveries", headers=manager(acme))).text
        resend = f"/admin/deliveries/{skipped['id']}/resend"
        assert resend not in listing  # nothing to send it with yet
        r = await http.post(resend, headers=manager(acme))
        assert r.status_code == 303 and "resent=0" in r.headers["Location"]
        assert (await until(http, acme, sos["id"], "skipped"))["id"] == skipped["id"]

        # once e-mail is set up, a manager sends it again: two clicks, one e-mail
        listing = (await later.get("/admin/deliveries", headers=manager(acme))).text
        assert resend in listing
        first, second = await asyncio.gather(
            later.post(resend, headers=manager(acme)),
            later.post(resend, headers=manager(acme)),
        )
        answers = sorted(r.headers["Location"].split("#")[0][-8:] for r in (first, second))
        assert answers == ["resent=0", "resent=1"]
        await until(later, acme, sos["id"], "sent")
        await mail.wait_for(1)
        assert len(mail.to("luis@sabores.example")) == 1
        agent = await later.post(resend, headers=acme.auth("agent"))
        assert agent.status_code == 403
