"""Fixtures the delivery tests share: a real SMTP server and a local Vonage SMS API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.smtp_server import SmtpServer
from tests.integration.vonage_server import VonageServer


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
