from __future__ import annotations

from typing import Any

from tests.helpers import Seeded


async def test_a_customer_sos_becomes_a_ticket_staff_can_read(client: Any, acme: Seeded) -> None:
    r = await client.post(
        "/api/v1/sos",
        json={"point": acme.point["code"], "text": "  Music too loud  ", "anonymous": True},
    )
    assert r.status_code == 201, await r.get_data()
    body = await r.get_json()
    assert body["number"] == 1 and body["status"] == "new"
    assert body["thread_url"].startswith("http://hub.test/t/")
    r = await client.get("/api/v1/tickets", headers=acme.auth())
    items = (await r.get_json())["items"]
    assert [t["text"] for t in items] == ["Music too loud"]
    assert items[0]["contact"] is None
