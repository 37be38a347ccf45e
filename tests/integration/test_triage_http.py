"""Triage and honest waiting on a real `sos-hub serve`, over HTTP and /staff.

acme is closed now (it opens in six hours), globex is open now and has four weeks of
answered SOS behind it, initech keeps its own tickets for the statistics.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hub.clock import iso, new_id, parse_iso
from hub.ports import Store
from tests.helpers import Seeded
from tests.integration.delivery_kit import eventually
from tests.integration.realtime_clients import HTTP_TIMEOUT, Console
from tests.kit import CONTRACT_TICKET_KEYS, Serve, Served, http_sos, thread_token

pytestmark = pytest.mark.slow
WAIT = 10.0
OPENS_IN = timedelta(hours=6)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def _local(at: datetime, tenant: Seeded) -> datetime:
    return at.astimezone(ZoneInfo(str(tenant.tenant["timezone"])))


async def seed(store: Store, tenants: dict[str, Seeded]) -> None:
    """acme opens six hours from now for an hour; globex is open from six hours ago to six
    hours ahead, and answered three SOS in 10, 12 and 30 minutes last week."""
    now = datetime.now(UTC)
    acme, globex = tenants["acme"], tenants["globex"]
    start = _local(now + OPENS_IN, acme)
    end = start + timedelta(hours=1)
    closed = [{"weekdays": EVERY_DAY, "from": f"{start:%H:%M}", "to": f"{end:%H:%M}"}]
    await store.update(acme.tenant["id"], "tenants", acme.tenant["id"], {"opening_hours": closed})
    since, until = _local(now - OPENS_IN, globex), _local(now + OPENS_IN, globex)
    open_now = [{"weekdays": EVERY_DAY, "from": f"{since:%H:%M}", "to": f"{until:%H:%M}"}]
    gid = globex.tenant["id"]
    await store.update(gid, "tenants", gid, {"opening_hours": open_now})
    for number, minutes in enumerate((10, 12, 30), start=1000):
        created = now - timedelta(days=3, hours=number - 1000)
        await store.insert(
            gid,
            "tickets",
            {
                "id": new_id(),
                "number": number,
                "status": "resolved",
                "text": "an older SOS",
                "held": False,
                "created_at": iso(created),
                "first_response_at": iso(created + timedelta(minutes=minutes)),
            },
        )


SERVED = Serve(slugs=("acme", "globex", "initech"), seed=seed)


@pytest.fixture
async def http(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, timeout=HTTP_TIMEOUT) as client:
        yield client


async def _ticket(http: httpx.AsyncClient, who: Seeded, ticket_id: str) -> dict[str, Any]:
    r = await http.get(f"/api/v1/tickets/{ticket_id}", headers=who.auth())
    assert r.status_code == 200, r.text
    return dict(r.json())


async def _patch(
    http: httpx.AsyncClient, who: Seeded, ticket_id: str, **body: Any
) -> httpx.Response:
    return await http.patch(f"/api/v1/tickets/{ticket_id}", json=body, headers=who.auth())


def test_the_contract_lists_the_suggestion_among_a_tickets_keys() -> None:
    assert "suggested_category" in CONTRACT_TICKET_KEYS


async def test_an_sos_carries_its_suggested_category_to_the_api_and_the_consoles(
    served: Served, http: httpx.AsyncClient
) -> None:
    console = await Console(served.url, auth={"token": served.acme.tokens["agent"]}).connect()
    try:
        sos = await http_sos(http, served.acme, "Ya os lo dije ayer: la ducha sigue sin funcionar")
        await console.wait_for(
            lambda: any(e["id"] == sos["id"] for e in console.events("ticket.created")),
            WAIT,
            "the SOS on the console",
        )
        [shown] = [e for e in console.events("ticket.created") if e["id"] == sos["id"]]
    finally:
        await console.close()
    assert shown["suggested_category"] == "claim_repeated" and shown["category"] is None
    assert set(shown) >= CONTRACT_TICKET_KEYS
    ticket = await _ticket(http, served.acme, sos["id"])
    assert ticket["suggested_category"] == "claim_repeated" and ticket["category"] is None
    assert ticket["reply_due_at"] == shown["reply_due_at"]
    listed = (await http.get("/api/v1/tickets", headers=served.acme.auth())).json()["items"]
    assert [t["suggested_category"] for t in listed if t["id"] == sos["id"]] == ["claim_repeated"]
    # the customer never sees the staff's triage
    thread = (await http.get(f"/api/v1/thread/{sos['token']}")).json()
    assert "suggested_category" not in thread["ticket"] and "category" not in thread["ticket"]


async def test_staff_confirm_or_change_the_category_and_the_reply_target_follows(
    served: Served, http: httpx.AsyncClient
) -> None:
    globex = served.globex
    sos = await http_sos(http, globex, "¿A qué hora abre la piscina?")
    ticket = await _ticket(http, globex, sos["id"])
    created = parse_iso(ticket["created_at"])
    assert ticket["suggested_category"] == "question_basic"
    # open now: a basic question is due within 15 minutes of arrival
    assert parse_iso(ticket["reply_due_at"]) - created == timedelta(minutes=15)

    r = await _patch(http, globex, sos["id"], category="question_basic")  # the one-key confirm
    assert r.status_code == 200, r.text
    assert r.json()["category"] == "question_basic"
    r = await _patch(http, globex, sos["id"], category="claim")  # a group: a claim of no sub-type
    assert r.status_code == 200, r.text
    assert r.json()["category"] == "claim"
    assert parse_iso(r.json()["reply_due_at"]) - created == timedelta(hours=48)
    r = await _patch(http, globex, sos["id"], category="claim_disputed")
    assert r.status_code == 200 and r.json()["category"] == "claim_disputed"
    assert r.json()["suggested_category"] == "question_basic"  # the suggestion stays as it was

    r = await _patch(http, globex, sos["id"], category="claims")
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("category")
    history = (await _ticket(http, globex, sos["id"]))["history"]
    assert [h["to"] for h in history if h["action"] == "category"] == [
        "question_basic",
        "claim",
        "claim_disputed",
    ]


async def test_a_rule_on_a_group_matches_each_of_its_categories(
    served: Served, http: httpx.AsyncClient
) -> None:
    manager = served.tenants["initech"].auth("manager")
    rule = {
        "name": "Claims to the manager",
        "match": {"categories": ["claim"]},
        "recipients": [{"channel": "email", "to": "claims@initech.example"}],
    }
    r = await http.post("/api/v1/rules", json=rule, headers=manager)
    assert r.status_code == 201, r.text
    rule_id = r.json()["id"]
    point = served.tenants["initech"].point["code"]

    async def matched(category: str | None) -> list[str]:
        body = {"point": point, "text": "La ducha no funciona", "category": category}
        r = await http.post("/api/v1/rules/test", json=body, headers=manager)
        assert r.status_code == 200, r.text
        return list(r.json()["rules"])

    assert await matched("claim_repeated") == [rule_id]
    assert await matched("claim") == [rule_id]
    assert await matched("question_basic") == []
    assert await matched(None) == []  # the text suggests a claim: not confirmed, not routed

    bad = {**rule, "match": {"categories": ["claims"]}}
    r = await http.post("/api/v1/rules", json=bad, headers=manager)
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("match.categories")


async def test_rules_on_categories_route_when_staff_confirm_the_category(
    served: Served, http: httpx.AsyncClient
) -> None:
    globex = served.globex
    manager = globex.auth("manager")
    rules = [
        ("Every SOS", {}, "desk@globex.example"),
        ("Repeated claims", {"categories": ["claim_repeated"]}, "repeats@globex.example"),
    ]
    for name, match, to in rules:
        body = {"name": name, "match": match, "recipients": [{"channel": "email", "to": to}]}
        r = await http.post("/api/v1/rules", json=body, headers=manager)
        assert r.status_code == 201, r.text

    async def alerted(ticket_id: str) -> list[str]:
        r = await http.get("/api/v1/deliveries", params={"ticket": ticket_id}, headers=manager)
        assert r.status_code == 200, r.text
        return sorted(d["to"] for d in r.json()["items"] if d["kind"] == "alert")

    async def alerted_at_least(ticket_id: str, count: int) -> list[str]:
        return await eventually(
            lambda: _some(alerted(ticket_id), count), WAIT, f"{count} alerts for {ticket_id}"
        )

    sos = await http_sos(http, globex, "Ya os lo dije ayer: la ducha sigue sin funcionar")
    # intake routed it (the desk), the suggestion alone routes nothing
    assert "repeats@globex.example" not in await alerted_at_least(sos["id"], 1)
    assert (await _patch(http, globex, sos["id"], category="claim_repeated")).status_code == 200
    assert "repeats@globex.example" in await alerted_at_least(sos["id"], 2)
    # once: confirming again, or another category, alerts nobody more
    before = await alerted(sos["id"])
    assert (await _patch(http, globex, sos["id"], category="praise")).status_code == 200
    assert (await _patch(http, globex, sos["id"], category="claim_repeated")).status_code == 200
    assert await alerted(sos["id"]) == before
    assert before.count("repeats@globex.example") == 1


async def _some(found: Awaitable[list[str]], count: int) -> list[str] | None:
    items = await found
    return items if len(items) >= count else None


async def test_statistics_count_what_staff_confirmed_and_the_rest_as_unclassified(
    served: Served, http: httpx.AsyncClient
) -> None:
    initech = served.tenants["initech"]
    sent = [await http_sos(http, initech, "La ducha no funciona") for _ in range(4)]
    for sos, category in zip(sent, ("claim_new", "claim", "praise"), strict=False):
        assert (await _patch(http, initech, sos["id"], category=category)).status_code == 200
    manager = initech.auth("manager")

    async def groups(by: str) -> dict[str, int]:
        r = await http.get(f"/api/v1/stats?by={by}", headers=manager)
        assert r.status_code == 200, r.text
        return {g["key"]: g["count"] for g in r.json()["groups"]}

    # the fourth suggests claim_new too, but nobody confirmed it
    assert await groups("category") == {
        "claim_new": 1,
        "claim": 1,
        "praise": 1,
        "unclassified": 1,
    }
    assert await groups("category_group") == {"claim": 2, "praise": 1, "unclassified": 1}
    r = await http.get("/admin/stats?by=category&lang=en", headers=manager)
    assert "Not classified by staff" in r.text


async def test_outside_opening_hours_the_customer_is_told_when_the_business_opens(
    served: Served, http: httpx.AsyncClient
) -> None:
    acme = served.acme
    before = datetime.now(UTC)
    sos = await http_sos(http, acme, "¿Tenéis cunas para bebés?")
    expected = parse_iso(sos["expected_reply_by"])
    assert before + OPENS_IN - timedelta(minutes=15) <= expected <= before + OPENS_IN
    thread = (await http.get(f"/api/v1/thread/{sos['token']}")).json()
    assert thread["expected_reply_by"] == sos["expected_reply_by"]
    # the reply target runs from the opening, not from a night nobody is there
    ticket = await _ticket(http, acme, sos["id"])
    assert parse_iso(ticket["reply_due_at"]) == expected + timedelta(minutes=15)

    opens = f"{_local(expected, acme):%H:%M}"
    page = (await http.get(f"/t/{sos['token']}?sent=1&lang=en")).text
    assert f"We open at {opens} " in page and "we'll answer you then." in page
    page = (await http.get(f"/t/{sos['token']}?lang=es")).text
    assert f"a las {opens}: te responderemos entonces." in page

    # a held-back sender warned by staff has had the last word: no promise stays on the page
    rude = await http_sos(http, acme, "Sois unos gilipollas, la ducha no va")
    r = await http.post(
        f"/api/v1/tickets/{rude['id']}/warning", json={"text": "Sin insultos."}, headers=acme.auth()
    )
    assert r.status_code == 201, r.text
    page = (await http.get(f"/t/{thread_token(rude)}?lang=en")).text
    assert "Sin insultos." in page and "we'll answer you then" not in page

    # a kiosk's SOS is told the same
    r = await http.post(
        "/api/v1/kiosks",
        json={"name": "Lobby", "point": acme.point["code"]},
        headers=acme.auth("manager"),
    )
    assert r.status_code == 201, r.text
    device = {"Authorization": f"Bearer {r.json()['device_token']}"}
    r = await http.post("/api/v1/kiosk/sos", json={"text": "Hola"}, headers=device)
    assert r.status_code == 201, r.text
    assert r.json()["expected_reply_by"] == sos["expected_reply_by"]
    # worded as on the thread page, in the language the guest reads the kiosk in
    body = {"text": "Hola", "language": "es"}
    r = await http.post("/api/v1/kiosk/sos", json=body, headers=device)
    assert r.json()["waiting_text"].endswith(f"a las {opens}: te responderemos entonces.")
    body = {"text": "Hello", "language": "en"}
    r = await http.post("/api/v1/kiosk/sos", json=body, headers=device)
    assert r.json()["waiting_text"].startswith(f"We open at {opens} ")


async def test_inside_opening_hours_the_customer_is_told_how_long_answers_usually_take(
    served: Served, http: httpx.AsyncClient
) -> None:
    globex = served.globex
    sos = await http_sos(http, globex, "Could you bring more towels?")
    assert sos["expected_reply_by"] is None
    thread = (await http.get(f"/api/v1/thread/{sos['token']}")).json()
    assert thread["expected_reply_by"] is None
    assert thread["usual_reply_minutes"] == 12  # the median of 10, 12 and 30
    page = (await http.get(f"/t/{sos['token']}?lang=en")).text
    assert "Answers usually take about 12 minutes." in page
    page = (await http.get(f"/t/{sos['token']}?lang=es")).text
    assert "Solemos responder en unos 12 minutos." in page
    # and a kiosk's guest, on its thank-you screen
    r = await http.post(
        "/api/v1/kiosks",
        json={"name": "Hall", "point": globex.point["code"]},
        headers=globex.auth("manager"),
    )
    assert r.status_code == 201, r.text
    device = {"Authorization": f"Bearer {r.json()['device_token']}"}
    body = {"text": "More towels, please", "language": "en"}
    r = await http.post("/api/v1/kiosk/sos", json=body, headers=device)
    assert r.status_code == 201, r.text
    assert r.json()["waiting_text"] == "Answers usually take about 12 minutes."

    # answered: nothing is promised any more
    r = await http.post(
        f"/api/v1/tickets/{sos['id']}/replies",
        json={"text": "On their way!"},
        headers=globex.auth(),
    )
    assert r.status_code == 201, r.text
    page = (await http.get(f"/t/{sos['token']}?lang=en")).text
    assert "Answers usually take" not in page
    # acme has no history, and is closed: no usual time, only the opening
    acme_sos = await http_sos(http, served.acme)
    thread = (await http.get(f"/api/v1/thread/{thread_token(acme_sos)}")).json()
    assert thread["usual_reply_minutes"] is None


async def test_the_keywords_api_refuses_bad_lists_naming_them_and_saves_good_ones(
    served: Served, http: httpx.AsyncClient
) -> None:
    manager = served.tenants["initech"].auth("manager")
    url = "/api/v1/triage/keywords"
    bad_bodies = {
        "keywords.es.claims": {"keywords": {"es": {"claims": ["roto"]}}},
        "keywords.tlh": {"keywords": {"tlh": {"claim": ["roto"]}}},
        "ignore.xx": {"ignore": {"xx": ["gracias"]}},
        "keywords.en.claim_new": {"keywords": {"en": {"claim_new": ["x" * 61]}}},
        "keywords.es.praise": {"keywords": {"es": {"praise": [f"bien {i}" for i in range(101)]}}},
        "keywords.es.question": {"keywords": {"es": {"question": "horario"}}},
        "colours": {"colours": {"es": ["rojo"]}},
    }
    for field, body in bad_bodies.items():
        r = await http.put(url, json=body, headers=manager)
        assert r.status_code == 400, (field, r.text)
        assert r.json()["error"]["message"].startswith(field), (field, r.json())
    assert (await http.get(url, headers=manager)).json()["keywords"] == {}  # nothing saved

    assert (
        await http.put(url, json={}, headers=served.tenants["initech"].auth("agent"))
    ).status_code == 403

    own = {
        "keywords": {"es": {"complaint_service": ["toallas mojadas"]}},
        "ignore": {"es": ["puedo"]},
    }
    r = await http.put(url, json=own, headers=manager)
    assert r.status_code == 200, r.text
    saved = (await http.get(url, headers=manager)).json()
    assert saved["keywords"] == own["keywords"] and saved["ignore"] == own["ignore"]
    assert "no funciona" in saved["defaults"]["es"]["claim_new"]

    r = await http.post("/api/v1/triage/test", json={"text": "Toallas mojadas"}, headers=manager)
    assert r.json()["suggested_category"] == "complaint_service"
    sos = await http_sos(http, served.tenants["initech"], "Otra vez toallas mojadas en la 12")
    assert (await _ticket(http, served.tenants["initech"], sos["id"]))["suggested_category"] == (
        "complaint_service"
    )
    # another business keeps the built-in words alone
    other = await http_sos(http, served.globex, "Toallas mojadas")
    assert (await _ticket(http, served.globex, other["id"]))["suggested_category"] is None


async def test_reply_targets_are_set_per_business_and_checked(
    served: Served, http: httpx.AsyncClient
) -> None:
    manager = served.tenants["initech"].auth("manager")
    url = "/api/v1/triage/targets"
    for body, field in (
        ({"reply_targets": {"claims": 5}}, "reply_targets.claims"),
        ({"reply_targets": {"claim": -5}}, "reply_targets.claim"),
        ({"reply_targets": {"claim": "5"}}, "reply_targets.claim"),
    ):
        r = await http.put(url, json=body, headers=manager)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["message"].startswith(field), r.json()
    r = await http.put(url, json={"reply_targets": {"question_basic": 5}}, headers=manager)
    assert r.status_code == 200, r.text
    assert r.json()["effective"]["question_basic"] == 5
    assert r.json()["effective"]["question_complex"] == 240

    sos = await http_sos(http, served.tenants["initech"], "¿Dónde está el ascensor?")
    ticket = await _ticket(http, served.tenants["initech"], sos["id"])
    due = parse_iso(ticket["reply_due_at"]) - parse_iso(ticket["created_at"])
    assert due == timedelta(minutes=5)


async def test_hours_that_end_at_midnight_keep_the_business_open_until_midnight(
    served: Served, http: httpx.AsyncClient
) -> None:
    """ "24:00", which the settings accept as an end, is midnight: a guest writing while the
    business is open all day is not told it opens on another day (the range was skipped)."""
    initech = served.tenants["initech"]
    manager = initech.auth("manager")
    before = (await http.get("/api/v1/tenant", headers=manager)).json()["opening_hours"]
    today = _local(datetime.now(UTC), initech).isoweekday()
    # open today and tomorrow all day (a test crossing midnight stays open), and an hour
    # on another day: unread, "24:00" left that hour as the only opening
    days = [today, today % 7 + 1]
    later = (today + 2) % 7 + 1
    hours = [
        {"weekdays": days, "from": "00:00", "to": "24:00"},
        {"weekdays": [later], "from": "09:00", "to": "10:00"},
    ]
    r = await http.patch("/api/v1/tenant", json={"opening_hours": hours}, headers=manager)
    assert r.status_code == 200, r.text
    try:
        sos = await http_sos(http, initech, "¿Hay toallas de piscina?")
        assert sos["expected_reply_by"] is None
        page = (await http.get(f"/t/{sos['token']}?sent=1&lang=en")).text
        assert "We open" not in page
    finally:
        r = await http.patch("/api/v1/tenant", json={"opening_hours": before}, headers=manager)
        assert r.status_code == 200, r.text
