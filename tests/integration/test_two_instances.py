"""Scale-out: two hub processes on one SQLite file, fanning out through the real Redis."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.helpers import PASSWORD, Seeded
from tests.integration.realtime_clients import (
    HTTP_TIMEOUT,
    Console,
    login_cookie,
)
from tests.kit import Serve, Served, http_sos

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass
class Pair:
    a: str
    b: str
    tenants: dict[str, Seeded]


# Instances A and B on one file and the shared Redis, on a channel of their own.
_ENV = {
    "HUB_REDIS_URL": REDIS_URL,
    "HUB_REDIS_CHANNEL": f"sos-hub-test-{uuid.uuid4().hex}",  # parallel runs never cross
}
SERVED = Serve(slugs=("acme", "globex", "initech"), envs=(_ENV, _ENV))


@pytest.fixture(scope="module")
def pair(served: Served) -> Pair:
    """Instances A and B of the module's `served`."""
    a, b = served.urls
    return Pair(a, b, served.tenants)


async def open_console(
    opened: list[Console], url: str, namespace: str = "/staff", **kwargs: Any
) -> Console:
    console = Console(url, namespace, **kwargs)
    opened.append(console)
    return await console.connect()


def created_ids(console: Console) -> set[str]:
    return {e["id"] for e in console.events("ticket.created")}


async def test_both_instances_report_redis_as_ok(pair: Pair) -> None:
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        for url in (pair.a, pair.b):
            assert (await http.get(url + "/healthz")).json()["redis"] == "ok"


async def test_a_console_on_one_instance_gets_an_sos_posted_to_the_other(
    pair: Pair, consoles: list[Console]
) -> None:
    acme, globex = pair.tenants["acme"], pair.tenants["globex"]
    on_a = await open_console(consoles, pair.a, auth={"token": acme.tokens["agent"]})
    foreign_on_a = await open_console(consoles, pair.a, auth={"token": globex.tokens["agent"]})
    sos = await http_sos(pair.b, acme)
    await on_a.wait_for(lambda: sos["id"] in created_ids(on_a), 5, "the SOS posted to B")
    assert isinstance(on_a.events("ticket.created")[-1]["seq"], int)
    globex_sos = await http_sos(pair.b, globex)
    await foreign_on_a.wait_for(lambda: bool(foreign_on_a.received), 5, "globex's own SOS")
    assert created_ids(foreign_on_a) == {globex_sos["id"]}


async def test_a_staff_reply_on_one_instance_reaches_the_customer_on_the_other(
    pair: Pair, consoles: list[Console]
) -> None:
    acme = pair.tenants["acme"]
    sos = await http_sos(pair.a, acme)
    thread = await open_console(
        consoles, pair.a, "/thread", auth={"thread_token": sos["thread_url"].split("/t/")[1]}
    )
    async with httpx.AsyncClient(base_url=pair.b, timeout=HTTP_TIMEOUT) as http:
        r = await http.post(
            f"/api/v1/tickets/{sos['id']}/replies",
            json={"text": "A waiter is coming"},
            headers=acme.auth(),
        )
        assert r.status_code == 201, r.text
    await thread.wait_for(lambda: bool(thread.events("ticket.message")), 5, "the reply")
    message = thread.events("ticket.message")[0]
    assert message["message"]["text"] == "A waiter is coming" and "seq" not in message


async def test_concurrent_sos_on_both_instances_get_unique_gap_free_numbers(
    pair: Pair, consoles: list[Console]
) -> None:
    initech = pair.tenants["initech"]
    watcher = await open_console(consoles, pair.a, auth={"token": initech.tokens["agent"]})
    urls = [pair.a, pair.b] * 20
    results = await asyncio.gather(*(http_sos(url, initech) for url in urls))
    assert sorted(r["number"] for r in results) == list(range(1, 41))
    ids = {r["id"] for r in results}
    await watcher.wait_for(lambda: created_ids(watcher) == ids, 5, "all 40 tickets on A")
    assert watcher.duplicates == 0


async def test_one_phone_sending_to_both_instances_at_once_is_one_ticket(pair: Pair) -> None:
    # a guest taps "send" six times; the load balancer spreads the requests over A and B
    acme = pair.tenants["acme"]
    device, text = f"device-{uuid.uuid4().hex}", f"No hot water in room {uuid.uuid4().hex[:6]}"
    sent = await asyncio.gather(
        *(http_sos(url, acme, text, device=device) for url in [pair.a, pair.b] * 3)
    )
    assert len({r["id"] for r in sent}) == 1 and len({r["token"] for r in sent}) == 1
    async with httpx.AsyncClient(base_url=pair.b, timeout=HTTP_TIMEOUT) as http:
        r = await http.get("/api/v1/tickets", headers=acme.auth("agent"))
    [ticket] = [t for t in r.json()["items"] if t["text"] == text]
    assert ticket["repeat_count"] == 5


async def test_logging_out_on_one_instance_closes_the_console_on_the_other(
    pair: Pair, consoles: list[Console]
) -> None:
    cookie = await login_cookie(pair.a, "manager@acme.example", PASSWORD)
    console = await open_console(consoles, pair.a, cookie=cookie)
    async with httpx.AsyncClient(base_url=pair.b, timeout=HTTP_TIMEOUT) as http:
        r = await http.post("/logout", headers={"Cookie": cookie})
        assert r.status_code in (302, 303)
    await console.wait_for(lambda: not console.connected, 5, "the console on A to close")


async def test_a_guest_reloading_on_the_other_instance_is_still_one_scan(pair: Pair) -> None:
    globex = pair.tenants["globex"]
    code = globex.point["code"]
    browser = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131 Mobile"

    def phone(device: str) -> dict[str, str]:
        return {"User-Agent": browser, "Cookie": f"sos_device={device}"}

    # Devices unique to this run: the shared Redis remembers visits for half an hour.
    guest, others = uuid.uuid4().hex, [uuid.uuid4().hex for _ in range(10)]
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        for url in (pair.a, pair.b, pair.b):
            assert (await http.get(f"{url}/q/{code}", headers=phone(guest))).status_code == 200
        opened = await asyncio.gather(
            *(
                http.get(f"{url}/q/{code}", headers=phone(d))
                for url, d in zip([pair.a, pair.b] * 5, others, strict=True)
            )
        )
        assert {r.status_code for r in opened} == {200}
        r = await http.get(f"{pair.a}/api/v1/stats?by=point", headers=globex.auth("manager"))
    [group] = [g for g in r.json()["groups"] if g["key"] == code]
    assert group["scans"] == 11
