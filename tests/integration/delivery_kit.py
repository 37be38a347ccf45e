"""Helpers for the delivery tests: rules, SOS, polling with a deadline, hubs on real servers."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from hub.app import Hub, create_app
from hub.clock import new_id
from hub.jobs import InProcessJobQueue
from hub.ports import Doc, Store
from hub.settings import Settings
from tests.kit import new_sos

T = TypeVar("T")
ACK_LINK = re.compile(r"https?://[^\s\"<>]+/ack/[A-Za-z0-9_.\-]+")

FAST = {
    "outbox_backoff": (0.1, 0.2),
    "outbox_lease": 10.0,
    "outbox_stale": 1.0,
    "escalation_minute": 60.0,
}


def tuned(settings: Settings, env: Mapping[str, str] = {}, **overrides: Any) -> Settings:
    """`settings` with transports from HUB_* `env` and quick retry and sweep timings."""
    from_env = Settings.from_env({k: v for k, v in env.items() if k.startswith("HUB_")})
    transport_fields = {
        f.name: getattr(from_env, f.name)
        for f in dataclasses.fields(Settings)
        if f.name.startswith(("smtp_", "vonage_", "translate_"))
    }
    # the shared fixture turns translation off; `env` may name a provider
    translation = {"translate_provider": from_env.translate_provider}
    return dataclasses.replace(settings, **{**transport_fields, **FAST, **translation, **overrides})


@asynccontextmanager
async def running_hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub whose lifespan (store, job runner, sweeper) runs for the block."""
    the_hub = create_app(settings)
    async with the_hub.quart.test_app():
        yield the_hub


def rule(
    recipients: list[Doc],
    *,
    name: str = "Everything",
    escalation: list[Doc] | None = None,
    schedule: Doc | None = None,
    **match: Any,
) -> Doc:
    """A routing rule document as CONTRACT.md shapes it."""
    return {
        "id": new_id(),
        "name": name,
        "active": True,
        "match": {
            "points": [],
            "departments": [],
            "categories": [],
            "words": [],
            "languages": [],
            **match,
        },
        "schedule": schedule,
        "recipients": recipients,
        "escalation": escalation or [],
    }


def email_to(address: str, name: str = "Ana", language: str = "es") -> Doc:
    return {"channel": "email", "to": address, "name": name, "language": language}


def sms_to(number: str, name: str = "Luis", language: str = "es") -> Doc:
    return {"channel": "sms", "to": number, "name": name, "language": language}


async def add_rule(store: Store, tenant: Doc, doc: Doc) -> Doc:
    return await store.insert(tenant["id"], "rules", doc)


async def submit(client: Any, point: str, text: str, **body: Any) -> Doc:
    """POST /api/v1/sos, not anonymous unless `body` says so, and return its JSON (201 expected)."""
    return await new_sos(client, None, text, point=point, **{"anonymous": False, **body})


async def eventually(
    check: Callable[[], Awaitable[T | None]], within: float = 15.0, what: str = "condition"
) -> T:
    """Poll `check` until it returns something truthy; fail after `within` seconds."""
    deadline = time.monotonic() + within
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


async def outbox_items(store: Store, tenant: Doc, ticket_id: str) -> list[Doc]:
    return await store.find(tenant["id"], "outbox", {"ticket_id": ticket_id}, sort="created_at")


async def settled(
    store: Store, tenant: Doc, ticket_id: str, count: int, within: float = 15.0
) -> list[Doc]:
    """Wait until the ticket has `count` items and none is pending; return them."""

    async def check() -> list[Doc] | None:
        items = await outbox_items(store, tenant, ticket_id)
        if len(items) >= count and all(i["status"] != "pending" for i in items):
            return items
        return None

    return await eventually(check, within, f"{count} settled deliveries")


async def quiet(the_hub: Hub, within: float = 15.0) -> None:
    """Wait until the in-process job runner has nothing running and nothing armed.

    Routing, language detection and translation run after intake, in jobs; a test that
    compares the store before and after a request waits for them first.
    """
    assert the_hub.delivery is not None
    queue = the_hub.delivery.queue
    assert isinstance(queue, InProcessJobQueue)

    async def check() -> bool:
        return queue.idle

    await eventually(check, within, "an idle job runner")


def ticket_number(text: str) -> int:
    """The ticket number in a subject or SMS ("SOS #12", "SOS n.º 12")."""
    found = re.search(r"(?:#|n\.º\s?)(\d+)", text)
    assert found, f"no ticket number in {text!r}"
    return int(found.group(1))


def ack_link(text: str) -> str:
    found = ACK_LINK.search(text)
    assert found, f"no acknowledge link in {text!r}"
    return found.group(0)
