"""Fixtures the integration tests share: real hubs (`served`), SMTP and a local Vonage SMS API."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.app import Hub, create_app
from hub.clock import SteppedClock
from hub.settings import Settings
from tests.integration.delivery_kit import tuned
from tests.integration.realtime_clients import Console
from tests.integration.smtp_server import SmtpServer
from tests.integration.vonage_server import VonageServer
from tests.kit import Serve, Served, serve


@pytest.fixture
async def consoles() -> AsyncIterator[list[Console]]:
    """socket.io clients a test opens (it appends them); all closed at its end."""
    opened: list[Console] = []
    yield opened
    for c in opened:
        await c.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """aiosmtpd on a free loopback port; the test reads what it received."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def vonage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VonageServer]:
    """An HTTPS server speaking Vonage's SMS API; the SDK trusts its self-signed certificate."""
    with VonageServer(tmp_path) as server:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(server.ca_file))
        yield server


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    """Real `sos-hub serve` processes for the module, as its `SERVED = Serve(...)` asks.

    One per module: a hub takes seconds to boot; each test makes its own tickets.
    """
    spec: Serve = getattr(request.module, "SERVED", Serve())
    with serve(spec, tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])) as s:
        yield s


@pytest.fixture
async def watched(settings: Settings, smtp: SmtpServer) -> AsyncIterator[tuple[Hub, SteppedClock]]:
    """A hub with SMTP whose kiosk watch runs on a clock the test moves."""
    clock = SteppedClock()
    tuned_settings = dataclasses.replace(tuned(settings, smtp.env()), kiosk_check_every=3600.0)
    the_hub = create_app(tuned_settings, clock=clock)
    async with the_hub.quart.test_app():
        yield the_hub, clock
