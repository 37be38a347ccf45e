"""`sos-hub serve` as a real process: health, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import socketio

from tests.helpers import HubProcess
from tests.integration.realtime_clients import seed_file

pytestmark = pytest.mark.slow


def _stop_with_sigterm(hub: HubProcess, within: float = 8.0) -> int:
    """Send SIGTERM and wait (with a deadline) for the exit code."""
    assert hub.proc is not None
    hub.proc.send_signal(signal.SIGTERM)
    try:
        return hub.proc.wait(within)
    except subprocess.TimeoutExpired:
        hub.proc.kill()
        hub.proc.wait()
        raise AssertionError(f"no exit within {within}s of SIGTERM") from None


def test_serve_answers_healthz_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    hub = HubProcess(
        {"HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "HUB_TEST_LOG_DIR": str(tmp_path)}
    )
    with hub:
        r = httpx.get(hub.url + "/healthz", timeout=5)
        assert r.status_code == 200
        assert r.json() == {"status": "ok", "store": "sqlite", "redis": "off"}
        r = httpx.get(hub.url + "/api/v1/no-such-thing", timeout=5)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
        started = time.monotonic()
        assert _stop_with_sigterm(hub) == 0, hub.log_path.read_text()[-2000:]
        assert time.monotonic() - started < 8
    assert (tmp_path / "hub.db").is_file()


def test_serve_with_redis_reports_redis_ok(tmp_path: Path) -> None:
    hub = HubProcess(
        {
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
            "HUB_REDIS_URL": "redis://127.0.0.1:6379/0",
            "HUB_TEST_LOG_DIR": str(tmp_path),
        }
    )
    with hub:
        r = httpx.get(hub.url + "/healthz", timeout=5)
        assert r.json() == {"status": "ok", "store": "sqlite", "redis": "ok"}
        assert _stop_with_sigterm(hub) == 0, hub.log_path.read_text()[-2000:]


def test_serve_with_a_bad_variable_exits_2_naming_it(tmp_path: Path) -> None:
    hub = HubProcess(
        {
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
            "HUB_SMTP_PORT": "twenty-five",
            "HUB_TEST_LOG_DIR": str(tmp_path),
        }
    )
    with pytest.raises(RuntimeError, match="HUB_SMTP_PORT"):
        hub.start()
    assert hub.proc is not None and hub.proc.wait(5) == 2


def test_serve_on_a_database_it_cannot_open_exits_2_naming_hub_database_url(
    tmp_path: Path,
) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("not a database\n" * 100)
    hub = HubProcess(
        {"HUB_DATABASE_URL": f"sqlite:///{not_a_db}", "HUB_TEST_LOG_DIR": str(tmp_path)}
    )
    with pytest.raises(RuntimeError, match="HUB_DATABASE_URL"):
        hub.start()
    assert hub.proc is not None and hub.proc.wait(5) == 2


def test_serve_on_a_taken_port_exits_non_zero(tmp_path: Path) -> None:
    env = {
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "HUB_TEST_LOG_DIR": str(tmp_path),
    }
    with HubProcess(env) as first, (tmp_path / "second.log").open("wb") as log:
        # the first hub answers /healthz on that port: watch the second process itself
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(first.port),
            ],
            env=first.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert proc.wait(20) != 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


async def test_sigterm_closes_open_consoles_and_exits_0(tmp_path: Path) -> None:
    db = tmp_path / "hub.db"
    seeded = (await seed_file(db, "acme"))["acme"]
    hub = HubProcess({"HUB_DATABASE_URL": f"sqlite:///{db}", "HUB_TEST_LOG_DIR": str(tmp_path)})
    with hub:
        sio = socketio.AsyncClient(reconnection=False)
        disconnected = asyncio.Event()
        sio.on("disconnect", lambda *_: disconnected.set(), namespace="/staff")
        await sio.connect(
            hub.url,
            namespaces=["/staff"],
            transports=["websocket"],
            auth={"token": seeded.tokens["agent"]},
            headers={"Origin": hub.url},
            wait_timeout=10,
        )
        try:
            assert sio.connected
            assert hub.proc is not None
            hub.proc.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(hub.proc.wait, 8)
            assert code == 0, hub.log_path.read_text()[-2000:]
            await asyncio.wait_for(disconnected.wait(), 5)
        finally:
            await sio.disconnect()
