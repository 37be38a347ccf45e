"""Kiosks on a real `sos-hub serve`: paired by token, configured live, sending SOS."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio
from PIL import Image

from hub.accounts.services import create_point
from hub.ports import Store
from tests.helpers import Seeded
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served

pytestmark = pytest.mark.slow
WAIT = 10.0


async def add_lobby(store: Store, tenants: dict[str, Seeded]) -> None:
    """A second department for acme: Reception, at the lobby."""
    await create_point(
        store, tenants["acme"].tenant, code="acme-lobby", label="Lobby", department="Reception"
    )


SERVED = Serve(slugs=("acme", "globex"), seed=add_lobby)


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


@dataclass
class Screen:
    """A kiosk's socket, recording the configurations it is sent."""

    sio: socketio.AsyncClient
    configs: list[dict[str, Any]] = field(default_factory=list)
    unpaired: int = 0

    async def until(self, check: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not check():
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.configs}"
            await asyncio.sleep(0.02)


async def open_screen(url: str, token: str) -> Screen:
    screen = Screen(socketio.AsyncClient(reconnection=False))
    screen.sio.on("config", screen.configs.append, namespace="/kiosk")

    def unpaired(_data: Any = None) -> None:
        screen.unpaired += 1

    screen.sio.on("unpaired", unpaired, namespace="/kiosk")
    await screen.sio.connect(
        url,
        namespaces=["/kiosk"],
        transports=["websocket"],
        auth={"device_token": token},
        wait_timeout=WAIT,
    )
    return screen


def manager(who: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {who.tokens['manager']}"}


async def new_kiosk(http: httpx.AsyncClient, who: Seeded, **fields: Any) -> dict[str, Any]:
    body = {"name": "Lobby kiosk", "point": who.point["code"], **fields}
    r = await http.post("/api/v1/kiosks", json=body, headers=manager(who))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def test_a_paired_kiosk_gets_its_configuration_and_every_change_live(
    served: Served, http: httpx.AsyncClient
) -> None:
    kiosk = await new_kiosk(
        http, served.acme, departments=["bar", "reception"], welcome="Welcome to the terrace"
    )
    assert kiosk["pair_url"] == f"{served.url}/kiosk#device_token={kiosk['device_token']}"
    listed = (await http.get("/api/v1/kiosks", headers=manager(served.acme))).json()["items"]
    assert [k["id"] for k in listed] == [kiosk["id"]] and "device_token" not in listed[0]

    screen = await open_screen(served.url, kiosk["device_token"])
    try:
        await screen.until(lambda: screen.configs, "the first configuration")
        first = screen.configs[0]
        assert first["business"]["name"] == "Business acme" and first["place"] == "Bar terrace"
        assert first["departments"] == [
            {"slug": "bar", "name": "Bar", "names": {}},  # no names in other languages yet
            {"slug": "reception", "name": "Reception", "names": {}},
        ]
        assert first["welcome"] == "Welcome to the terrace" and first["active"] is True
        assert "seq" not in first

        r = await http.patch(
            f"/api/v1/kiosks/{kiosk['id']}",
            headers=manager(served.acme),
            json={"welcome": "Bienvenidos", "departments": ["reception"]},
        )
        assert r.status_code == 200, r.text
        await screen.until(lambda: len(screen.configs) == 2, "the changed configuration")
        assert screen.configs[1]["welcome"] == "Bienvenidos"
        assert [d["slug"] for d in screen.configs[1]["departments"]] == ["reception"]

        assert r.json()["welcome"] == "Bienvenidos" and "device_token" not in r.json()
        r = await http.patch(
            f"/api/v1/kiosks/{kiosk['id']}", headers=manager(served.acme), json={"active": False}
        )
        assert r.status_code == 200 and r.json()["active"] is False
        await screen.until(lambda: len(screen.configs) == 3, "the switched-off configuration")
        assert screen.configs[2]["active"] is False
    finally:
        await screen.sio.disconnect()


async def test_an_sos_from_a_kiosk_reaches_the_console_with_the_kiosk_and_department(
    served: Served, http: httpx.AsyncClient
) -> None:
    kiosk = await new_kiosk(http, served.acme, departments=["bar", "reception"])
    device = {"Authorization": f"Bearer {kiosk['device_token']}"}
    console = await Console(served.url, auth={"token": served.acme.tokens["agent"]}).connect()
    try:
        r = await http.post(
            "/api/v1/kiosk/sos",
            headers=device,
            json={
                "text": "The lift on floor 2 is stuck",
                "department": "reception",
                "contact": {"name": "Ana", "email": "ana@example.com"},
            },
        )
        assert r.status_code == 201, r.text
        sent = r.json()
        assert sent["thread_url"].startswith(f"{served.url}/t/")
        assert sent["thread_qr"].startswith("data:image/svg+xml")
        await console.wait_for(
            lambda: any(e["id"] == sent["id"] for e in console.events("ticket.created")),
            WAIT,
            "the kiosk's SOS on the console",
        )
        [shown] = [e for e in console.events("ticket.created") if e["id"] == sent["id"]]
        assert shown["kiosk"] == {"id": kiosk["id"], "name": "Lobby kiosk"}
        assert shown["department"] == "reception" and shown["source"] == "kiosk"
        assert shown["point"]["label"] == "Bar terrace"
        assert shown["contact"]["email"] == "ana@example.com"
    finally:
        await console.close()


async def test_kiosks_refuse_what_they_should(served: Served, http: httpx.AsyncClient) -> None:
    kiosk = await new_kiosk(http, served.acme, departments=["bar"])
    device = {"Authorization": f"Bearer {kiosk['device_token']}"}
    r = await http.post(
        "/api/v1/kiosk/sos", headers=device, json={"text": "Hi", "department": "reception"}
    )
    assert r.status_code == 400 and "department" in r.json()["error"]["message"]
    r = await http.post("/api/v1/kiosk/sos", headers=device, json={"text": "   "})
    assert r.status_code == 400 and "text" in r.json()["error"]["message"]
    r = await http.post(
        "/api/v1/kiosk/sos", json={"text": "Hi"}, headers={"Authorization": "Bearer not-a-kiosk"}
    )
    assert r.status_code == 401
    with pytest.raises(socketio.exceptions.ConnectionError):
        await open_screen(served.url, "not-a-kiosk")

    for body, field_name in (
        ({"name": "K", "point": "no-such-point"}, "point"),
        (
            {"name": "K", "point": served.acme.point["code"], "departments": ["kitchen"]},
            "departments",
        ),
        ({"name": "K", "point": served.acme.point["code"], "idle_seconds": 5}, "idle_seconds"),
        ({"name": "K", "point": served.globex.point["code"]}, "point"),
    ):
        r = await http.post("/api/v1/kiosks", json=body, headers=manager(served.acme))
        assert r.status_code == 400 and field_name in r.json()["error"]["message"], body
    r = await http.post(
        "/api/v1/kiosks",
        headers={"Authorization": f"Bearer {served.acme.tokens['agent']}"},
        json={"name": "K", "point": served.acme.point["code"]},
    )
    assert r.status_code == 403

    r = await http.patch(
        f"/api/v1/kiosks/{kiosk['id']}", headers=manager(served.acme), json={"active": False}
    )
    assert r.status_code == 200
    r = await http.post("/api/v1/kiosk/sos", headers=device, json={"text": "Hi"})
    assert r.status_code == 403 and "switched off" in r.json()["error"]["message"]


async def test_an_unpaired_kiosk_is_told_and_its_token_stops_working(
    served: Served, http: httpx.AsyncClient
) -> None:
    kiosk = await new_kiosk(http, served.acme)
    screen = await open_screen(served.url, kiosk["device_token"])
    try:
        # another business cannot touch it
        r = await http.delete(f"/api/v1/kiosks/{kiosk['id']}", headers=manager(served.globex))
        assert r.status_code == 404
        r = await http.delete(f"/api/v1/kiosks/{kiosk['id']}", headers=manager(served.acme))
        assert r.status_code == 204
        await screen.until(lambda: screen.unpaired == 1, "the unpaired notice")
    finally:
        await screen.sio.disconnect()
    r = await http.post(
        "/api/v1/kiosk/sos",
        json={"text": "Hi"},
        headers={"Authorization": f"Bearer {kiosk['device_token']}"},
    )
    assert r.status_code == 401


async def test_a_kiosks_heartbeat_is_recorded_and_brings_a_flagged_kiosk_back(
    served: Served, http: httpx.AsyncClient
) -> None:
    """The screen's `heartbeat` over /kiosk: seen, and an offline flag lifted by it."""
    from hub.store.sqlite import SqliteStore

    kiosk = await new_kiosk(http, served.acme, name="Beating kiosk")
    agent = {"Authorization": f"Bearer {served.acme.tokens['agent']}"}

    async def status() -> dict[str, Any]:
        r = await http.get("/api/v1/kiosks/status", headers=agent)
        assert r.status_code == 200, r.text
        [mine] = [k for k in r.json()["items"] if k["id"] == kiosk["id"]]
        return dict(mine)

    assert (await status())["last_seen_at"] is None  # paired, never switched on
    screen = await open_screen(served.url, kiosk["device_token"])
    try:
        await screen.until(lambda: screen.configs, "the configuration")
        assert screen.configs[0]["heartbeat_seconds"] == 30
        assert (await status())["last_seen_at"]  # connecting is a sign of life
        # the hub's watch flagged it offline meanwhile (as after ten silent minutes)
        store = SqliteStore(served.db)
        await store.open()
        try:
            tenant_id = served.acme.tenant["id"]
            await store.update(tenant_id, "kiosks", kiosk["id"], {"offline": True})
        finally:
            await store.close()
        assert (await status())["online"] is False
        await screen.sio.emit("heartbeat", {}, namespace="/kiosk")
        deadline = time.monotonic() + WAIT
        while not (await status())["online"]:
            assert time.monotonic() < deadline, "the heartbeat did not bring the kiosk back"
            await asyncio.sleep(0.05)
    finally:
        await screen.sio.disconnect()


async def test_the_kiosk_s_logo_address_is_absolute_and_opens(
    served: Served, http: httpx.AsyncClient
) -> None:
    logo = io.BytesIO()
    Image.new("RGB", (48, 48), (11, 79, 168)).save(logo, "PNG")
    kiosk = await new_kiosk(http, served.globex)
    screen = await open_screen(served.url, kiosk["device_token"])
    try:
        await screen.until(lambda: screen.configs, "the first configuration")
        assert screen.configs[0]["business"]["logo_url"] is None  # no logo yet
        r = await http.put(
            "/api/v1/logo",
            content=logo.getvalue(),
            headers={**manager(served.globex), "Content-Type": "image/png"},
        )
        assert r.status_code == 200, r.text
        await screen.until(lambda: len(screen.configs) == 2, "the configuration with the logo")
        url = screen.configs[1]["business"]["logo_url"]
        assert url == r.json()["logo_url"]  # as the API answers it: under HUB_PUBLIC_URL
        assert url.startswith(f"{served.url}/brand/"), url
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as bare:  # the address alone
            image = await bare.get(url)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    finally:
        await screen.sio.disconnect()
