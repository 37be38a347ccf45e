"""GET /api/v1/stats: what a manager reads on Monday morning, checked against known tickets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from hub.app import Hub
from hub.clock import parse_iso
from tests.helpers import Seeded
from tests.kit import login

# Europe/Madrid (the seeded tenants' zone) is UTC+1 in November.
TIMES = {
    # Monday 09:30 local; answered after 30 min, resolved after 3 h
    "lift": ("2026-11-02T08:30:00.000+00:00", 30, 180, "complaint"),
    # Tuesday 23:30 local; answered after 50 h, past the 48-hour promise; never resolved
    "noise": ("2026-11-03T22:30:00.000+00:00", 3000, None, None),
    # Wednesday 00:30 local (still Tuesday in UTC); not answered
    "towels": ("2026-11-03T23:30:00.000+00:00", None, None, None),
    # October: outside the period asked for
    "old": ("2026-10-01T10:00:00.000+00:00", 10, 20, "praise"),
}
PERIOD = {"from": "2026-11-01", "to": "2026-11-07"}


def _plus(start: str, minutes: int | None) -> str | None:
    from datetime import datetime, timedelta

    if minutes is None:
        return None
    moment = datetime.fromisoformat(start) + timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds")


@pytest.fixture
async def tickets(client: Any, hub: Hub, acme: Seeded) -> dict[str, str]:
    ids = {}
    for name, (created, answered, resolved, category) in TIMES.items():
        r = await client.post(
            "/api/v1/sos", json={"point": acme.point["code"], "text": f"Please look at the {name}"}
        )
        assert r.status_code == 201
        ids[name] = (await r.get_json())["id"]
        await hub.store.update(
            acme.tenant["id"],
            "tickets",
            ids[name],
            {
                "created_at": created,
                "first_response_at": _plus(created, answered),
                "resolved_at": _plus(created, resolved),
                "category": category,
            },
        )
    r = await client.post("/api/v1/sos", json={"point": acme.point["code"], "text": "Hijo de puta"})
    held = (await r.get_json())["id"]
    await hub.store.update(
        acme.tenant["id"], "tickets", held, {"created_at": "2026-11-04T12:00:00.000+00:00"}
    )
    return ids


async def stats(client: Any, who: Seeded, **params: str) -> dict[str, Any]:
    r = await client.get("/api/v1/stats", query_string=params, headers=who.auth("manager"))
    assert r.status_code == 200, await r.get_data(as_text=True)
    return dict(await r.get_json())


def counts(result: dict[str, Any]) -> dict[Any, int]:
    return {g["key"]: g["count"] for g in result["groups"]}


async def test_local_days_hours_and_weekdays_of_the_business(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    by_day = await stats(client, acme, **PERIOD, by="day")
    # 23:30 UTC on the 3rd is already the 4th in Madrid
    assert counts(by_day) == {"2026-11-02": 1, "2026-11-03": 1, "2026-11-04": 1}
    assert by_day["from"] == "2026-10-31T23:00:00.000+00:00"  # Madrid's midnight
    assert by_day["to"] == "2026-11-07T23:00:00.000+00:00"  # `to` day included
    assert counts(await stats(client, acme, **PERIOD, by="weekday")) == {1: 1, 2: 1, 3: 1}
    assert counts(await stats(client, acme, **PERIOD, by="hour")) == {9: 1, 23: 1, 0: 1}


async def test_response_times_against_the_48_hour_promise(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    result = await stats(client, acme, **PERIOD)
    assert result["by"] == "status" and result["sla_hours"] == 48
    assert result["held_back"] == 1  # counted, never shown among the others
    overall = result["overall"]
    assert overall["count"] == 3
    assert overall["first_response"] == {
        "count": 2,
        "median_minutes": 30.0,
        "p90_minutes": 3000.0,
        "within_sla": 1,
    }
    assert overall["resolution"] == {
        "count": 1,
        "median_minutes": 180.0,
        "p90_minutes": 180.0,
        "within_sla": 1,
    }
    by_category = await stats(client, acme, **PERIOD, by="category")
    assert [(g["key"], g["count"]) for g in by_category["groups"]] == [
        ("unclassified", 2),  # staff gave them no category (whatever their text suggested)
        ("complaint", 1),
    ]
    complaint = by_category["groups"][1]
    assert complaint["first_response"]["median_minutes"] == 30.0
    by_point = await stats(client, acme, **PERIOD, by="point")
    [point] = by_point["groups"]
    assert point["key"] == acme.point["code"] and point["label"] == acme.point["label"]
    assert point["count"] == 3


async def test_the_default_period_is_the_last_30_days(client: Any, hub: Hub, acme: Seeded) -> None:
    from hub.clock import iso, now

    ids = []
    for text in ("Recent", "Long ago"):
        r = await client.post("/api/v1/sos", json={"point": acme.point["code"], "text": text})
        ids.append((await r.get_json())["id"])
    await hub.store.update(
        acme.tenant["id"], "tickets", ids[1], {"created_at": iso(now() - timedelta(days=31))}
    )
    result = await stats(client, acme)
    assert result["overall"]["count"] == 1
    assert parse_iso(result["to"]) - parse_iso(result["from"]) == timedelta(days=30)


async def test_bad_questions_get_answers_that_name_the_field(client: Any, acme: Seeded) -> None:
    boss = acme.auth("manager")

    async def refused(params: dict[str, str], field: str) -> None:
        r = await client.get("/api/v1/stats", query_string=params, headers=boss)
        assert r.status_code == 400, params
        message = (await r.get_json())["error"]["message"]
        assert message.startswith(f"{field}:") or message.startswith(f"{field} "), message

    await refused({"by": "colour"}, "by")
    await refused({"from": "yesterday"}, "from")
    await refused({"to": "2026-13-01"}, "to")
    await refused({"from": "2026-11-10", "to": "2026-11-01"}, "from")
    await refused({"from": "2020-01-01", "to": "2026-11-01"}, "from")
    await refused({"to": "9999-12-31"}, "to")  # far dates: a clear answer, never a 500
    await refused({"from": "0001-01-01"}, "from")
    r = await client.get("/api/v1/stats", headers=acme.auth("agent"))
    assert r.status_code == 403
    assert (await client.get("/api/v1/stats")).status_code == 401


async def test_the_statistics_page_shows_the_same_figures_to_managers(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    r = await client.get("/admin/stats")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    await login(client, acme, "agent")
    assert (await client.get("/admin/stats")).status_code == 403
    await login(client, acme, "manager")
    r = await client.get(
        "/admin/stats", query_string={**PERIOD, "by": "weekday"}, headers={"Accept-Language": "en"}
    )
    assert r.status_code == 200
    page = await r.get_data(as_text=True)
    rows = re.findall(r'<tr data-key="(\d)">\s*<th scope="row">(\w+)</th>\s*<td>(\d+)</td>', page)
    assert rows == [("1", "Mon", "1"), ("2", "Tue", "1"), ("3", "Wed", "1")]
    total = re.search(r'id="stat-total">(\d+)<', page)
    assert total and total.group(1) == "3"
    assert 'id="stat-sla">1 / 3' in page  # one answered within the 48 hours
    assert 'id="stat-held">1<' in page
    assert 'value="2026-11-01"' in page and '<option value="weekday" selected>' in page

    r = await client.get(
        "/admin/stats", query_string={**PERIOD, "by": "category"}, headers={"Accept-Language": "es"}
    )
    page = await r.get_data(as_text=True)
    assert "Estadísticas" in page and "Queja" in page


async def test_a_bad_period_on_the_page_is_explained_next_to_the_form(
    client: Any, acme: Seeded
) -> None:
    await login(client, acme, "manager")
    r = await client.get(
        "/admin/stats",
        query_string={"from": "2026-11-10", "to": "2026-11-01"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert 'role="alert" id="stats-error">“From” must be before “To”.' in page
    assert 'value="2026-11-10"' in page  # what the manager typed stays in the form


async def test_local_midnights_bound_the_period_and_a_dst_change_is_no_trouble(
    client: Any, hub: Hub, acme: Seeded
) -> None:
    # Madrid: UTC+2 until 2026-10-25 03:00, then UTC+1.
    moments = {
        "before": "2026-10-24T21:30:00.000+00:00",  # 23:30 on the 24th: out
        "first": "2026-10-24T22:30:00.000+00:00",  # 00:30 on the 25th: in
        "last": "2026-11-07T22:30:00.000+00:00",  # 23:30 on the 7th: in (`to` included)
        "after": "2026-11-07T23:30:00.000+00:00",  # 00:30 on the 8th: out
    }
    for name, moment in moments.items():
        r = await client.post("/api/v1/sos", json={"point": acme.point["code"], "text": name})
        ticket_id = (await r.get_json())["id"]
        await hub.store.update(acme.tenant["id"], "tickets", ticket_id, {"created_at": moment})
    result = await stats(client, acme, **{"from": "2026-10-25", "to": "2026-11-07"}, by="day")
    assert [(g["key"], g["count"]) for g in result["groups"]] == [
        ("2026-10-25", 1),
        ("2026-11-07", 1),  # in time order
    ]
    # a year of local days across two DST changes is one allowed period
    year = await stats(client, acme, **{"from": "2025-10-26", "to": "2026-10-25"})
    assert year["overall"]["count"] == 2
