"""What a ticket write costs the statistics facts on SQLite: a write that changes no fact
(the routing job's claim and end mark, a read mark) leaves the facts row as it is; one that
changes a fact replaces it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hub.store.sqlite import SqliteStore

T = "tenant-1"


async def _fact(store: SqliteStore, id: str) -> tuple[str, int] | None:
    """The facts row's status, and how many facts rows were ever deleted (a trigger counts)."""
    rows = await store._read("SELECT status FROM ticket_facts WHERE id = ?", [id])
    deleted = await store._read("SELECT count(*) FROM facts_deleted", [])
    return (rows[0][0], deleted[0][0]) if rows else None


def _count_deletes(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE facts_deleted (id TEXT);"
            "CREATE TRIGGER facts_deleted AFTER DELETE ON ticket_facts"
            " BEGIN INSERT INTO facts_deleted VALUES (old.id); END;"
        )
    conn.close()


async def test_a_write_that_changes_no_fact_leaves_the_facts_row(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    _count_deletes(tmp_path / "hub.db")
    try:
        await store.insert(T, "tenants", {"id": T, "slug": "t", "timezone": "Europe/Madrid"})
        await store.insert(
            T,
            "tickets",
            {"id": "t1", "number": 1, "created_at": "2026-12-03T10:00:00+00:00", "status": "new"},
        )
        first = await _fact(store, "t1")
        assert first == ("new", 0)

        await store.update(T, "tickets", "t1", {"route_claim_until": "2026-12-03T10:01:00Z"})
        await store.update(T, "tickets", "t1", {"route_state": "done"})
        assert await _fact(store, "t1") == ("new", 0)  # the row as it was, not replaced

        await store.update(T, "tickets", "t1", {"status": "open"})
        assert await _fact(store, "t1") == ("open", 1)  # a fact changed: the row replaced
        rollup = await store._read(
            "SELECT count(*) FROM ticket_rollups WHERE tenant_id = ? AND dim = 'status'", [T]
        )
        assert rollup[0][0] >= 1
    finally:
        await store.close()
