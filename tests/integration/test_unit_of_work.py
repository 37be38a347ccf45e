"""The one write path: what a unit of work stores is what it publishes, in order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hub.ports import Event
from hub.store.sqlite import SqliteStore
from hub.tickets.ticket import Ticket
from hub.tickets.unit_of_work import UnitOfWork
from tests.unit.test_ticket_type import sos


class RecordingPublisher:
    """What a unit of work published, kept for the test to read."""

    def __init__(self) -> None:
        self.published: list[Event] = []

    async def publish(self, events: Sequence[Event]) -> None:
        self.published.extend(events)


class BrokenPublisher:
    """A pub/sub that is down."""

    async def publish(self, events: Sequence[Event]) -> None:
        raise ConnectionError("redis is down")


async def test_a_unit_of_work_publishes_what_it_stored(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        publisher = RecordingPublisher()
        stored = await UnitOfWork(store, publisher).apply("acme", Ticket(sos()).admit(None))
        assert publisher.published == stored
        assert [e.name for e in stored] == ["ticket.created"]
        assert await store.get("acme", "tickets", "t1") is not None
        assert await store.events_after("acme", 0) == stored
    finally:
        await store.close()


async def test_a_change_is_kept_when_publishing_fails(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        stored = await UnitOfWork(store, BrokenPublisher()).apply("acme", Ticket(sos()).admit(None))
        assert [e.name for e in await store.events_after("acme", 0)] == ["ticket.created"]
        assert stored and await store.get("acme", "tickets", "t1") is not None
    finally:
        await store.close()
