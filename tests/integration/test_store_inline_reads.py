"""Reads on the event loop's own connection (`SqliteStore._inline`), and what they hand over.

A read by key is answered on the loop without a hop to SQLite's thread; a read that takes
longer than INLINE_BUDGET, or meets a busy file, is run again on the thread and answers
the same. Writes still go to the thread, and a read never sees a write before its commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.store import sqlite as sqlite_module
from hub.store.sqlite import SqliteStore

T = "tenant-a"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "hub.db", timeout=1.0)
    await s.open()
    try:
        yield s
    finally:
        await s.close()


def count_hops(store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every trip to SQLite's thread, by what it ran."""
    hops: list[str] = []
    original = store._in_thread

    async def counted(fn: Any) -> Any:
        hops.append(getattr(fn, "__qualname__", repr(fn)))
        return await original(fn)

    monkeypatch.setattr(store, "_in_thread", counted)
    return hops


async def test_a_read_by_key_is_answered_without_a_trip_to_the_thread(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.insert(T, "tickets", {"id": "t1", "text": "The lift is stuck"})
    hops = count_hops(store, monkeypatch)
    got = await store.get(T, "tickets", "t1")
    assert got is not None and got["text"] == "The lift is stuck"
    assert await store.get("tenant-b", "tickets", "t1") is None  # still scoped by tenant
    assert hops == []
    await store.update(T, "tickets", "t1", {"text": "The lift works again"})
    assert len(hops) == 1  # the write went to the thread
    latest = await store.get(T, "tickets", "t1")
    assert latest is not None and latest["text"] == "The lift works again"  # seen at once


async def test_a_read_over_budget_is_handed_to_the_thread_and_answers_the_same(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(300):
        await store.insert(T, "tickets", {"id": f"t{i:03}", "n": i, "status": "new"})
    on_loop = await store.find(T, "tickets", {"status": "new"}, sort="n")
    hops = count_hops(store, monkeypatch)
    monkeypatch.setattr(sqlite_module, "INLINE_BUDGET", -1.0)  # any read is over it
    on_thread = await store.find(T, "tickets", {"status": "new"}, sort="n")
    assert len(hops) == 1
    assert [d["id"] for d in on_thread] == [d["id"] for d in on_loop]
    assert len(on_thread) == 300  # whole, not what the stopped read had got to


async def test_reads_answer_while_another_connection_holds_the_write_lock(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WAL: another process's open write neither blocks a read nor shows before its commit."""
    await store.insert(T, "tickets", {"id": "t1", "text": "first"})
    other = sqlite3.connect(store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute(
            "UPDATE tickets SET doc = json_set(doc, '$.text', 'uncommitted') WHERE id = 't1'"
        )
        hops = count_hops(store, monkeypatch)
        got = await store.get(T, "tickets", "t1")
        assert got is not None and got["text"] == "first"
        assert hops == []
        other.execute("COMMIT")
        got = await store.get(T, "tickets", "t1")
        assert got is not None and got["text"] == "uncommitted"
    finally:
        other.close()


async def test_a_busy_file_hands_the_read_to_the_thread(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that meets SQLITE_BUSY does not wait on the loop: the thread's connection,
    which waits as reads always did, answers instead."""
    await store.insert(T, "tickets", {"id": "t1", "text": "first"})
    reader = store._reader
    assert reader is not None

    class Busy:
        """The loop's reader as it is while a checkpoint or a recovery holds the file."""

        def execute(self, *_: Any) -> Any:
            raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "_reader", Busy())
    hops = count_hops(store, monkeypatch)
    got = await store.get(T, "tickets", "t1")
    assert got is not None and got["text"] == "first"
    assert len(hops) == 1


async def test_an_in_memory_store_reads_on_its_one_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = SqliteStore(":memory:")
    await s.open()
    try:
        assert s._reader is None  # a second connection would open another, empty database
        await s.insert(T, "tickets", {"id": "t1", "text": "kept"})
        got = await s.get(T, "tickets", "t1")
        assert got is not None and got["text"] == "kept"
    finally:
        await s.close()


async def test_reads_back_to_back_still_give_the_loop_its_turns(store: SqliteStore) -> None:
    """A read answered on the loop returns without a pause; a sweep reading business after
    business must not hold everyone else up until it ends."""
    ticks = 0
    reading = True

    async def ticker() -> None:
        nonlocal ticks
        while reading:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = ticks
    for i in range(5000):  # ~15 ms of reads at 3 µs each: several INLINE_BUDGETs
        await store.get(T, "tickets", f"missing-{i}")
    during = ticks - before
    reading = False
    await task
    assert during > 0
