"""A request reads its business and its settings once (hub/store/memo.py), on real SQLite.

"Another process" is a second sqlite3 connection on the same file: what it writes is what
the store must see again as soon as the request is over, or in any other task.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

from hub.app import Hub
from hub.store import memo
from hub.store.sqlite import SqliteStore
from tests.helpers import Seeded


def _rename_elsewhere(store: SqliteStore, tenant_id: str, name: str) -> None:
    """Rename the business from another connection, as another hub process would."""
    with sqlite3.connect(store.path) as conn:
        (text,) = conn.execute("SELECT doc FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
        doc = {**json.loads(text), "name": name}
        conn.execute("UPDATE tenants SET doc = ? WHERE id = ?", (json.dumps(doc), tenant_id))


async def test_a_request_reads_its_business_once_and_its_own_writes_again(
    hub: Hub, acme: Seeded
) -> None:
    store = hub.store
    assert isinstance(store, SqliteStore)
    tid = acme.tenant["id"]

    async def request() -> list[Any]:
        memo.begin()
        first = await store.get(tid, "tenants", tid)
        assert first is not None
        first["name"] = "changed by the caller"  # each caller gets its own copy
        _rename_elsewhere(store, tid, "Renamed elsewhere")
        second = await store.get(tid, "tenants", tid)  # remembered: read at the start
        in_a_job = await asyncio.create_task(store.get(tid, "tenants", tid))  # its own task
        await store.update(tid, "tenants", tid, {"sla_hours": 7})  # this request's own write
        third = await store.get(tid, "tenants", tid)
        return [second, in_a_job, third]

    second, in_a_job, third = await asyncio.create_task(request())
    assert second["name"] == acme.tenant["name"]
    assert in_a_job["name"] == "Renamed elsewhere"
    assert third["name"] == "Renamed elsewhere" and third["sla_hours"] == 7
    _rename_elsewhere(store, tid, "After the request")
    after = await store.get(tid, "tenants", tid)  # no memo outside a request
    assert after is not None and after["name"] == "After the request"


async def test_an_sos_meets_the_filter_words_saved_by_the_request_before_it(
    hub: Hub, client: Any, acme: Seeded
) -> None:
    """Settings saved by one request apply to the very next SOS: nothing outlives a request."""
    manager = {"Authorization": f"Bearer {acme.tokens['manager']}"}
    sos = {"point": acme.point["code"], "anonymous": True, "text": "The pineapple smells odd"}

    async def held(text: str) -> bool:
        r = await client.post("/api/v1/sos", json={**sos, "text": text})
        assert r.status_code == 201, await r.get_data()
        doc = await hub.store.get(acme.tenant["id"], "tickets", (await r.get_json())["id"])
        assert doc is not None
        return bool(doc.get("quarantine_reason"))

    assert not await held("The pineapple on the buffet smells odd")
    r = await client.put("/api/v1/filters", json={"words": ["pineapple"]}, headers=manager)
    assert r.status_code == 200, await r.get_data()
    assert (await r.get_json())["words"] == ["pineapple"]
    assert await held("Another pineapple at the bar smells odd")
    r = await client.put("/api/v1/filters", json={"words": []}, headers=manager)
    assert r.status_code == 200
    assert not await held("A third pineapple by the pool smells odd")
