"""The queries every SOS runs must use an index: their cost may not grow with the ticket count.

The intake's repeat check asks, for each SOS, for the sender's recent tickets. Without an index
on the sender, SQLite read and parsed every ticket of the window (10 ms per SOS at 700 tickets,
and the window fills fastest exactly when a business is busiest).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.store.sqlite import SqliteStore, _find_sql, _where_sql

SENDER_CONDITIONS = [
    ({"device_id": "phone-1"}, "ix_tickets_device_id_created_at"),
    ({"contact.email": "ana@example.com"}, "ix_tickets_contact_email_created_at"),
    ({"contact.phone": "34600111222"}, "ix_tickets_contact_phone_created_at"),
]


async def plan_of(store: SqliteStore, sql: str, params: list[Any]) -> str:
    """SQLite's plan for `sql` (EXPLAIN QUERY PLAN), its steps joined."""
    rows = await store._read("EXPLAIN QUERY PLAN " + sql, params)
    return " | ".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize(("sender", "index"), SENDER_CONDITIONS)
async def test_the_repeat_checks_sender_lookup_searches_an_index(
    tmp_path: Path, sender: dict[str, str], index: str
) -> None:
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        where = {
            **sender,
            "created_at": {"gte": "2026-12-03T10:00:00+00:00"},
            "status": {"in": ["new", "open"]},
        }
        clause, params = _where_sql(where)
        plan = await plan_of(
            store,
            "SELECT doc FROM tickets WHERE tenant_id = ? AND "
            f"{clause} ORDER BY json_extract(doc, '$.created_at') DESC, rowid LIMIT 10",
            ["t1", *params],
        )
        assert f"USING INDEX {index}" in plan, plan
    finally:
        await store.close()


HELD_FLOOD_INDEX = "ix_tickets_status_quarantine_reason_network_created_at"


async def test_the_held_flood_count_and_a_networks_release_search_an_index(
    tmp_path: Path,
) -> None:
    """Each SOS a flood holds back recounts the held ones for the consoles (hub/moderation/
    held_floods.py): without an index that read every held ticket, thousands per SOS."""
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        held = {"status": "quarantined", "quarantine_reason": "flood"}
        clause, params = _where_sql(held)
        plan = await plan_of(
            store,
            f"SELECT count(*) FROM tickets WHERE tenant_id = ? AND {clause}",
            ["t1", *params],
        )
        assert f"USING INDEX {HELD_FLOOD_INDEX}" in plan, plan
        clause, params = _where_sql({**held, "network": "198.51.100.77"})
        plan = await plan_of(
            store,
            "SELECT doc FROM tickets WHERE tenant_id = ? AND "
            f"{clause} ORDER BY json_extract(doc, '$.created_at'), rowid LIMIT 200",
            ["t1", *params],
        )
        assert f"USING INDEX {HELD_FLOOD_INDEX}" in plan, plan
        # the held-back page counts per network (Store.count_by) through the same index
        clause, params = _where_sql(held)
        network = "json_extract(doc, '$.network')"
        plan = await plan_of(
            store,
            f"SELECT {network}, count(*) FROM tickets WHERE tenant_id = ?"
            f" AND {clause} AND {network} IS NOT NULL GROUP BY {network}",
            ["t1", *params],
        )
        assert f"USING INDEX {HELD_FLOOD_INDEX}" in plan, plan
    finally:
        await store.close()


async def test_the_surveys_csv_pages_along_the_answer_time_through_an_index(
    tmp_path: Path,
) -> None:
    """The surveys CSV reads a business's tickets in the order their survey was answered
    (hub/exports/pages.py, by="survey.answered_at"): without an index each page of the
    export read and sorted every ticket the business ever had."""
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        sql, params = _find_sql(
            "t1",
            "tickets",
            {"survey.answered_at": {"gte": "2026-11-01T00:00:00+00:00"}},
            "survey.answered_at",
            False,
            500,
        )
        plan = await plan_of(store, sql, params)
        assert "USING INDEX ix_tickets_survey_answered_at" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # no sort of every match per page
    finally:
        await store.close()


async def test_the_establishment_backfill_finds_a_points_unplaced_tickets_through_an_index(
    tmp_path: Path,
) -> None:
    """Giving a point an establishment writes it onto the point's tickets stored without one,
    a page at a time (hub/tickets/places.py settle): with the point index alone each page
    re-read every ticket already written (6 s for 8,000 tickets). A missing establishment
    (no key at all, or null) must be found through the index too."""
    store = SqliteStore(tmp_path / "hub.db")
    await store.open()
    try:
        await store.insert("t1", "tickets", {"id": "old", "point": {"code": "bar"}})
        await store.insert(
            "t1", "tickets", {"id": "nul", "point": {"code": "bar"}, "establishment": None}
        )
        await store.insert(
            "t1", "tickets", {"id": "set", "point": {"code": "bar"}, "establishment": "playa"}
        )
        unplaced = {"point.code": "bar", "establishment": None}
        sql, params = _find_sql("t1", "tickets", unplaced, None, False, 500)
        plan = await plan_of(store, sql, params)
        assert "USING INDEX ix_tickets_point_code_establishment" in plan, plan
        found = await store.find("t1", "tickets", unplaced)
        assert sorted(t["id"] for t in found) == ["nul", "old"]
    finally:
        await store.close()
