"""`sos-hub serve --host H --port P` without HUB_PUBLIC_URL: its links, its sockets and the
command line's links all name the address it really listens on (not port 8000, where
nothing may listen), and a browser that reached it at another name of the same address
(http://localhost:P) gets its socket, while a foreign page still does not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import socketio

from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import Serve, Served

ROOT = Path(__file__).resolve().parents[2]

SERVED = Serve(envs=({"HUB_PUBLIC_URL": ""},))  # blank: unset


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


def localhost(served: Served) -> str:
    """The same hub under the other name of this computer's loopback address."""
    return served.url.replace("127.0.0.1", "localhost")


async def test_points_get_links_under_the_address_the_hub_listens_on(
    served: Served, http: httpx.AsyncClient
) -> None:
    r = await http.get("/api/v1/points/acme-bar", headers=served.acme.auth("manager"))
    assert r.status_code == 200, r.text
    assert r.json()["url"] == f"{served.url}/q/acme-bar"
    r = await http.get(r.json()["url"])  # the link a QR code carries opens the guest's form
    assert r.status_code == 200 and "<form" in r.text


async def test_a_console_on_the_hub_s_own_address_gets_its_socket(served: Served) -> None:
    console = Console(
        served.url, auth={"token": served.acme.tokens["agent"]}, headers={"Origin": served.url}
    )
    try:
        await console.connect()
        assert console.connected
    finally:
        await console.close()


async def test_a_browser_at_localhost_gets_its_socket_and_foreign_pages_do_not(
    served: Served,
) -> None:
    token = {"token": served.acme.tokens["agent"]}
    here = Console(localhost(served), auth=token, headers={"Origin": localhost(served)})
    try:
        await here.connect()
        assert here.connected
    finally:
        await here.close()
    refused = [
        (localhost(served), "http://evil.example"),
        (localhost(served), f"http://evil.example:{served.hubs[0].port}"),
        # a page on localhost does not get a socket on the hub's other name: another origin
        (served.url, localhost(served)),
        (localhost(served), f"ftp://localhost:{served.hubs[0].port}"),
    ]
    for url, origin in refused:
        console = Console(url, auth=token, headers={"Origin": origin})
        try:
            with pytest.raises(socketio.exceptions.ConnectionError):
                await console.connect()
            assert not console.connected, origin
        finally:
            await console.close()


def test_the_command_line_without_hub_public_url_prints_the_served_address(
    served: Served,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = f"sqlite:///{served.db}"
    command = ["point", "create", "--tenant", "acme", "--code", "lobby", "--label", "Lobby"]
    result = subprocess.run(
        [sys.executable, "-m", "hub.cli", *command],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    point = json.loads(result.stdout)
    assert point["url"] == f"{served.url}/q/lobby"  # as the API gives it
    assert "HUB_PUBLIC_URL is not set" in result.stderr and served.url in result.stderr
    r = httpx.get(point["url"], timeout=HTTP_TIMEOUT)
    assert r.status_code == 200
