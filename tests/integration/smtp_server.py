"""A real SMTP server (aiosmtpd) on a free loopback port that keeps what it receives.

It can be told to refuse the next N messages with a temporary error (451), the way a
provider under load does, to test retries.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.helpers import free_port


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.server.lock:
            self.server.attempts += 1
            if self.server.refuse > 0:
                self.server.refuse -= 1
                return self.server.refuse_with
            raw = envelope.content
            raw = raw if isinstance(raw, bytes) else raw.encode()
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.server.messages.append(message)
            self.server.envelopes.append(list(envelope.rcpt_tos))
        return "250 2.0.0 queued as test"


class SmtpServer:
    """aiosmtpd's Controller on 127.0.0.1 (in its own thread); `messages` are parsed e-mails."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[list[str]] = []
        self.attempts = 0
        self.refuse = 0
        self.refuse_with = "451 4.3.0 try again later"  # the answer to a refused message
        self.lock = threading.Lock()
        self.running = False
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def env(self) -> dict[str, str]:
        """HUB_* variables that point a hub at this server."""
        return {
            "HUB_SMTP_HOST": "127.0.0.1",
            "HUB_SMTP_PORT": str(self.port),
            "HUB_SMTP_FROM": "alerts@hub.test",
            "HUB_SMTP_TLS": "none",
        }

    def to(self, address: str) -> list[EmailMessage]:
        """Messages addressed to `address`."""
        return [m for m in self.messages if address in str(m["To"])]

    async def wait_for(self, count: int, within: float = 15.0) -> list[EmailMessage]:
        """Poll until at least `count` messages arrived; fail after `within` seconds."""
        deadline = time.monotonic() + within
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} e-mails, got {len(self.messages)}")
            await asyncio.sleep(0.05)
        return list(self.messages)

    def stop(self) -> None:
        """Take the server away (an outage): connections to its port are refused."""
        if self.running:
            self.controller.stop()
            self.running = False

    def restart(self) -> None:
        """Bring it back on the same port (aiosmtpd's Controller runs once: a fresh one)."""
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.running = True

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        self.running = True
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def body_text(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def body_html(message: EmailMessage) -> str:
    """The HTML part of a message."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
