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


@pytest.mark.parametrize(
    ("match", "field", "named"),
    [
        ({"points": ["acme-bar", "no-such-point"]}, "match.points", "no-such-point"),
        ({"points": ["globex-bar"]}, "match.points", "globex-bar"),  # another business's
        ({"departments": ["no-such-dept"]}, "match.departments", "no-such-dept"),
        ({"establishments": ["nope"]}, "match.establishments", "nope"),
        ({"languages": ["es", "zz"]}, "match.languages", "zz"),
    ],
)
async def test_a_rule_on_what_the_business_does_not_have_is_refused_naming_it(
    client: Any, acme: Seeded, globex: Seeded, match: dict[str, Any], field: str, named: str
) -> None:
    """Saved, such a rule would never fire: a manager's typo must not pass for a rule."""
    manager = acme.auth("manager")
    r = await client.post("/api/v1/rules", json={**GOOD, "match": match}, headers=manager)
    assert r.status_code == 400, await r.get_data(as_text=True)
    error = (await r.get_json())["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith(f"{field}: ") and repr(named) in error["message"]
    r = await client.post("/api/v1/rules", json=GOOD, headers=manager)
    rule = await r.get_json()
    r = await client.put(
        f"/api/v1/rules/{rule['id']}", json={**GOOD, "match": match}, headers=manager
    )
    assert r.status_code == 400 and (await r.get_json())["error"]["message"].startswith(field)
    r = await client.get("/api/v1/rules", headers=manager)
    assert [x["match"] for x in (await r.get_json())["items"]] == [rule["match"]]


async def test_a_rule_on_the_business_s_own_places_and_languages_is_saved(
    client: Any, acme: Seeded
) -> None:
    manager = acme.auth("manager")
    r = await client.post("/api/v1/establishments", json={"name": "Hotel Norte"}, headers=manager)
    assert r.status_code == 201, await r.get_data(as_text=True)
    match = {
        "points": ["acme-bar"],
        "departments": [acme.point["department"]],
        "establishments": ["hotel-norte"],
        "languages": ["gl", "ru"],  # a page's language, and one the detector tells
    }
    r = await client.post("/api/v1/rules", json={**GOOD, "match": match}, headers=manager)
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert {k: v for k, v in (await r.get_json())["match"].items() if k in match} == match


async def test_escalation_minutes_come_back_as_they_were_sent(client: Any, acme: Seeded) -> None:
    good: dict[str, Any] = GOOD
    step = good["escalation"][0]
    steps = [{**step, "after_minutes": 10}, {**step, "after_minutes": 7.5}]
    r = await client.post(
        "/api/v1/rules", json={**GOOD, "escalation": steps}, headers=acme.auth("manager")
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    # the raw JSON: 10 == 10.0 in Python, not to a typed client
    assert '"after_minutes":10,' in (await r.get_data(as_text=True)).replace(" ", "")
    rule = await r.get_json()
    for body in (
        rule,
        await (
            await client.get(f"/api/v1/rules/{rule['id']}", headers=acme.auth("manager"))
        ).get_json(),
    ):
        assert [type(s["after_minutes"]) for s in body["escalation"]] == [int, float]
    r = await client.post(
        "/api/v1/rules/test",
        json={"point": "acme-bar", "text": "La música", "at": "2026-11-29T23:00:00+01:00"},
        headers=acme.auth("manager"),
    )
    assert [s["after_minutes"] for s in (await r.get_json())["escalation"]] == [7.5, 10]
    assert type((await r.get_json())["escalation"][1]["after_minutes"]) is int


async def test_sms_numbers_are_kept_international_read_in_the_business_s_country(
    client: Any, acme: Seeded
) -> None:
    """A Madrid manager types the night manager's mobile as they say it: "600 111 222"
    is +34 600 111 222 (it was kept as 600111222, which Vonage sends to +60, Malaysia)."""
    assert acme.tenant["timezone"] == "Europe/Madrid"
    sms = {"channel": "sms", "name": "Noche", "language": "es"}
    step = {"after_minutes": 10, "recipients": [{**sms, "to": "0034 600 999 888"}]}
    body = {**GOOD, "recipients": [{**sms, "to": "600 111 222"}], "escalation": [step]}
    r = await client.post("/api/v1/rules", json=body, headers=acme.auth("manager"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    rule = await r.get_json()
    assert rule["recipients"][0]["to"] == "+34600111222"
    assert rule["escalation"][0]["recipients"][0]["to"] == "+34600999888"

    # a British mobile without +44 is no Spanish number: refused naming its place
    step = {"after_minutes": 10, "recipients": [{**sms, "to": "07700 900123"}]}
    r = await client.put(
        f"/api/v1/rules/{rule['id']}",
        json={**body, "escalation": [step]},
        headers=acme.auth("manager"),
    )
    assert r.status_code == 400
    message = (await r.get_json())["error"]["message"]
    assert message.startswith("escalation.0.recipients.0.to: ") and "country" in message
