"""The queries every SOS runs must use an index: their cost may not grow with the ticket count.

The intake's repeat check asks, for each SOS, for the sender's recent tickets. Without an index
on the sender, SQLite read and parsed every ticket of the window (10 ms per SOS at 700 tickets,
and the window fills fastest exactly when a business is busiest).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.store.sqlite import SqliteStore, _where_sql

SENDER_CONDITIONS = [
    ({"device_id": "phone-1"}, "ix_tickets_device_id_created_at"),
    ({"contact.email": "ana@example.com"}, "ix_tickets_contact_email_created_at"),
    ({"contact.phone": "34600111222"}, "ix_tickets_contact_phone_created_at"),
]


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
        rows = await store._read(
            "EXPLAIN QUERY PLAN SELECT doc FROM tickets WHERE tenant_id = ? AND "
            f"{clause} ORDER BY json_extract(doc, '$.created_at') DESC, rowid LIMIT 10",
            ["t1", *params],
        )
        plan = " | ".join(str(r[-1]) for r in rows)
        assert f"USING INDEX {index}" in plan, plan
    finally:
        await store.close()
