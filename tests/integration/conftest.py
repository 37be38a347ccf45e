"""Fixtures the integration tests share: real hubs (`served`), SMTP and a local Vonage SMS API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.smtp_server import SmtpServer
from tests.integration.vonage_server import VonageServer
from tests.kit import Serve, Served, serve


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
