"""The rules API: managers edit rules; bad rules are refused naming the field; dry runs."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Seeded

GOOD = {
    "name": "Night shift",
    "match": {"points": ["acme-bar"], "words": ["música"]},
    "schedule": {"weekdays": [6, 7], "from": "22:00", "to": "06:00"},
    "recipients": [
        {"channel": "sms", "to": "+34600111222", "name": "Marta", "language": "es"},
        {"channel": "email", "to": "night@acme.example", "name": "Night desk", "language": "en"},
    ],
    "escalation": [
        {
            "after_minutes": 15,
            "recipients": [
                {"channel": "email", "to": "boss@acme.example", "name": "Boss", "language": "es"}
            ],
        }
    ],
}


async def test_a_manager_creates_reads_replaces_and_deletes_a_rule(
    client: Any, acme: Seeded
) -> None:
    r = await client.post("/api/v1/rules", json=GOOD, headers=acme.auth("manager"))
    assert r.status_code == 201, await r.get_json()
    rule = await r.get_json()
    assert rule["name"] == "Night shift" and rule["active"] is True
    assert rule["schedule"]["from"] == "22:00"
    r = await client.get(f"/api/v1/rules/{rule['id']}", headers=acme.auth("manager"))
    assert (await r.get_json())["recipients"][0]["to"] == "+34600111222"
    r = await client.put(
        f"/api/v1/rules/{rule['id']}", json={**GOOD, "active": False}, headers=acme.auth("admin")
    )
    assert (await r.get_json())["active"] is False
    r = await client.get("/api/v1/rules", headers=acme.auth("manager"))
    assert [x["id"] for x in (await r.get_json())["items"]] == [rule["id"]]
    r = await client.delete(f"/api/v1/rules/{rule['id']}", headers=acme.auth("manager"))
    assert r.status_code == 204
    r = await client.get(f"/api/v1/rules/{rule['id']}", headers=acme.auth("manager"))
    assert r.status_code == 404


async def test_agents_may_not_touch_rules(client: Any, acme: Seeded) -> None:
    r = await client.get("/api/v1/rules", headers=acme.auth("agent"))
    assert r.status_code == 403
    assert (await r.get_json())["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"recipients": [{"channel": "sms", "to": "600-11", "name": "x"}]}, "recipients.0"),
        ({"recipients": [{"channel": "email", "to": "not-an-email", "name": "x"}]}, "recipients.0"),
        ({"schedule": {"from": "25:00", "to": "06:00"}}, "schedule.from"),
        ({"schedule": {"timezone": "Mars/Olympus"}}, "schedule.timezone"),
        ({"schedule": {"weekdays": [0, 8]}}, "schedule.weekdays"),
        ({"schedule": {"dates": [{"from": "2026-09-01", "to": "2026-08-01"}]}}, "schedule.dates.0"),
        ({"escalation": [{"after_minutes": 0, "recipients": []}]}, "escalation.0"),
        ({"name": ""}, "name"),
    ],
)
async def test_a_bad_rule_is_refused_naming_the_field(
    client: Any, acme: Seeded, patch: dict[str, Any], field: str
) -> None:
    r = await client.post("/api/v1/rules", json={**GOOD, **patch}, headers=acme.auth("manager"))
    assert r.status_code == 400
    assert field in (await r.get_json())["error"]["message"]
    r = await client.get("/api/v1/rules", headers=acme.auth("manager"))
    assert (await r.get_json())["items"] == []


async def test_the_dry_run_says_who_would_get_an_sos_now_and_on_sunday_night(
    client: Any, acme: Seeded
) -> None:
    await client.post("/api/v1/rules", json=GOOD, headers=acme.auth("manager"))
    sample = {"point": "acme-bar", "text": "La música está altísima"}
    r = await client.post(
        "/api/v1/rules/test",
        json={**sample, "at": "2026-11-29T23:00:00+01:00"},
        headers=acme.auth("manager"),
    )
    body = await r.get_json()
    assert [x["to"] for x in body["recipients"]] == ["+34600111222", "night@acme.example"]
    assert body["escalation"][0]["after_minutes"] == 15
    r = await client.post(
        "/api/v1/rules/test",
        json={**sample, "at": "2026-11-25T12:00:00+01:00"},
        headers=acme.auth("manager"),
    )
    assert (await r.get_json())["recipients"] == []


async def test_another_tenants_rules_and_points_stay_out_of_reach(
    client: Any, acme: Seeded, globex: Seeded
) -> None:
    r = await client.post("/api/v1/rules", json=GOOD, headers=acme.auth("manager"))
    rule_id = (await r.get_json())["id"]
    for method, path in [
        ("get", f"/api/v1/rules/{rule_id}"),
        ("delete", f"/api/v1/rules/{rule_id}"),
    ]:
        r = await getattr(client, method)(path, headers=globex.auth("admin"))
        assert r.status_code == 404
    r = await client.put(f"/api/v1/rules/{rule_id}", json=GOOD, headers=globex.auth("admin"))
    assert r.status_code == 404
    r = await client.get("/api/v1/rules", headers=globex.auth("admin"))
    assert (await r.get_json())["items"] == []
    r = await client.post(
        "/api/v1/rules/test",
        json={"point": "acme-bar", "text": "x"},
        headers=globex.auth("manager"),
    )
    assert r.status_code == 404
