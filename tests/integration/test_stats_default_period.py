"""GET /api/v1/stats without dates counts the period /admin/stats shows: the last 30 of
the business's local days, whole days, not 30 × 24 hours back from now; its `from`/`to`
say which."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub import clock
from hub.app import Hub
from hub.clock import iso
from tests.helpers import seed_tenant
from tests.integration.test_exports import export
from tests.kit import login


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
async def test_the_api_without_dates_counts_what_the_page_shows(
    client: Any, hub: Hub, zone: str
) -> None:
    """Tickets ten minutes either side of the local midnight that opens the page's period:
    the one after it is counted by the page and the API, the one before by neither."""
    far = await seed_tenant(hub.store, "far", timezone=zone)
    local = ZoneInfo(zone)
    today = clock.now().astimezone(local).date()
    first = datetime.combine(today - timedelta(days=29), time(), local)  # the page's start
    for moment in (first - timedelta(minutes=10), first + timedelta(minutes=10)):
        r = await client.post("/api/v1/sos", json={"point": far.point["code"], "text": "Help"})
        assert r.status_code == 201, await r.get_data(as_text=True)
        ticket_id = (await r.get_json())["id"]
        await hub.store.update(far.tenant["id"], "tickets", ticket_id, {"created_at": iso(moment)})

    await login(client, far, "manager")
    page = await (await client.get("/admin/stats")).get_data(as_text=True)
    shown = re.search(r'id="stat-total">(\d+)<', page)
    assert shown, "the page shows its SOS count"
    assert f'name="from" type="date" value="{first.date().isoformat()}"' in page
    assert f'name="to" type="date" value="{today.isoformat()}"' in page

    r = await client.get("/api/v1/stats", headers=far.auth("manager"))
    assert r.status_code == 200, await r.get_data(as_text=True)
    body = await r.get_json()
    assert body["overall"]["count"] == int(shown.group(1)) == 1
    tomorrow = datetime.combine(today + timedelta(days=1), time(), local)
    assert (body["from"], body["to"]) == (iso(first), iso(tomorrow))
    r = await client.get("/api/v1/stats/etiquette", headers=far.auth("manager"))
    etiquette = await r.get_json()
    assert (etiquette["from"], etiquette["to"]) == (body["from"], body["to"])


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
async def test_the_csv_and_the_words_without_dates_read_what_the_api_counts(
    client: Any, hub: Hub, zone: str
) -> None:
    """The same two tickets: the tickets CSV holds the one /api/v1/stats counts, and the
    words count only its text, for a business far from UTC."""
    far = await seed_tenant(hub.store, "far", timezone=zone)
    local = ZoneInfo(zone)
    today = clock.now().astimezone(local).date()
    first = datetime.combine(today - timedelta(days=29), time(), local)
    said = {}
    for moment, text in (
        (first - timedelta(minutes=10), "Ascensor averiado"),
        (first + timedelta(minutes=10), "Toalla manchada"),
    ):
        r = await client.post("/api/v1/sos", json={"point": far.point["code"], "text": text})
        assert r.status_code == 201, await r.get_data(as_text=True)
        sos = await r.get_json()
        said[text] = str(sos["number"])
        await hub.store.update(far.tenant["id"], "tickets", sos["id"], {"created_at": iso(moment)})

    manager = far.auth("manager")
    counted = await (await client.get("/api/v1/stats", headers=manager)).get_json()
    assert counted["overall"]["count"] == 1
    rows = await export(client, far, "tickets")
    assert [r["number"] for r in rows] == [said["Toalla manchada"]]
    r = await client.get("/api/v1/stats/words", headers=manager)
    words = {w["text"] for w in (await r.get_json())["words"]}
    assert "toalla" in words and "ascensor" not in words, words
