"""The satisfaction survey: a customer rates a resolved ticket; staff and statistics see it."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers import PASSWORD, Seeded
from tests.kit import new_sos

LIFT = "The lift is stuck"


async def resolve(client: Any, who: Seeded, ticket_id: str) -> None:
    r = await client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "resolved"}, headers=who.auth("agent")
    )
    assert r.status_code == 200, await r.get_data(as_text=True)


async def rate(client: Any, token: str, **answer: Any) -> Any:
    return await client.post(f"/api/v1/thread/{token}/survey", json=answer)


def survey_hidden(page: str) -> bool:
    found = re.search(r'<section id="survey"[^>]*>', page)
    assert found, "the thread page has a survey section"
    return " hidden" in found.group(0)


async def test_the_survey_opens_once_resolved_and_staff_see_the_answer(
    client: Any, acme: Seeded
) -> None:
    sent = await new_sos(client, acme, LIFT, anonymous=False)
    page = await (await client.get(f"/t/{sent['token']}")).get_data(as_text=True)
    assert survey_hidden(page)
    r = await rate(client, sent["token"], rating="good")
    assert r.status_code == 409 and "resolved" in (await r.get_json())["error"]["message"]

    await resolve(client, acme, sent["id"])
    page = await (await client.get(f"/t/{sent['token']}")).get_data(as_text=True)
    assert not survey_hidden(page)
    r = await rate(client, sent["token"], rating="good", nps=9, comment="  Quick, thanks  ")
    assert r.status_code == 201
    assert (await r.get_json())["survey"]["comment"] == "Quick, thanks"
    r = await rate(client, sent["token"], rating="very_good", nps=10)  # the last answer counts
    assert r.status_code == 201

    thread = await (await client.get(f"/api/v1/thread/{sent['token']}")).get_json()
    assert thread["ticket"]["survey"]["rating"] == "very_good"
    detail = await (
        await client.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth("agent"))
    ).get_json()
    assert detail["survey"]["rating"] == "very_good" and detail["survey"]["nps"] == 10
    assert [h["to"] for h in detail["history"] if h["action"] == "survey"] == [
        "good",
        "very_good",
    ]
    events = await (await client.get("/api/v1/events", headers=acme.auth("agent"))).get_json()
    last = [e for e in events["items"] if e["name"] == "ticket.updated"][-1]
    assert last["data"]["survey"]["rating"] == "very_good"  # pushed live to consoles


async def test_bad_answers_name_the_field(client: Any, acme: Seeded) -> None:
    sent = await new_sos(client, acme, LIFT, anonymous=False)
    await resolve(client, acme, sent["id"])
    for answer, field in (
        ({"rating": "excellent"}, "rating"),
        ({"rating": "good", "nps": 11}, "nps"),
        ({"rating": "good", "comment": "x" * 1001}, "comment"),
        ({}, "rating"),
    ):
        r = await rate(client, sent["token"], **answer)
        assert r.status_code == 400, answer
        assert field in (await r.get_json())["error"]["message"], answer
    assert (await rate(client, "no-such-thread", rating="good")).status_code == 404


async def test_without_javascript_the_survey_is_a_plain_form(client: Any, acme: Seeded) -> None:
    sent = await new_sos(client, acme, LIFT, anonymous=False)
    await resolve(client, acme, sent["id"])
    r = await client.post(
        f"/t/{sent['token']}/survey",
        form={"nps": "3", "comment": "Slow"},
        headers={"Accept-Language": "en"},
    )
    assert r.status_code == 400
    page = await r.get_data(as_text=True)
    assert 'id="rating-error" class="error" role="alert">Please choose how we did.' in page
    assert '<input type="radio" name="nps" value="3" checked>' in page  # kept as chosen
    assert ">Slow</textarea>" in page

    r = await client.post(
        f"/t/{sent['token']}/survey", form={"rating": "bad", "nps": "3", "comment": "Slow"}
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("#survey")
    page = await (
        await client.get(r.headers["Location"].split("#")[0], headers={"Accept-Language": "es"})
    ).get_data(as_text=True)
    assert "Gracias por tu opinión" in page
    assert '<input type="radio" name="rating" value="bad" checked>' in page


async def test_statistics_count_ratings_and_the_net_promoter_score(
    client: Any, acme: Seeded
) -> None:
    for rating, nps in (
        ("very_good", 10),
        ("good", 9),
        ("bad", 6),
        ("fair", None),
        ("good", 8),
        ("fair", 7),
        ("bad", 0),
    ):
        sent = await new_sos(client, acme, f"Ticket rated {rating}", anonymous=False)
        await resolve(client, acme, sent["id"])
        body = {"rating": rating} if nps is None else {"rating": rating, "nps": nps}
        assert (await rate(client, sent["token"], **body)).status_code == 201
    await new_sos(client, acme, "Not rated", anonymous=False)
    r = await client.get("/api/v1/stats", headers=acme.auth("manager"))
    sat = (await r.get_json())["overall"]["satisfaction"]
    assert sat["answers"] == 7
    assert sat["ratings"] == {"very_good": 1, "good": 2, "fair": 2, "bad": 2}
    # 9-10 promote, 7-8 are passive, 0-6 detract: (2 - 2) / 6 = 0
    assert sat["nps"] == {"answers": 6, "promoters": 2, "passives": 2, "detractors": 2, "score": 0}

    # the manager's page shows the same
    r = await client.post(
        "/api/v1/auth/login", json={"email": acme.users["manager"]["email"], "password": PASSWORD}
    )
    page = await (await client.get("/admin/stats", headers={"Accept-Language": "en"})).get_data(
        as_text=True
    )
    assert re.search(r'id="stat-nps">0 <span class="muted">\(6 answers\)', page), page
    assert re.search(r'id="stat-satisfied">43 %', page)  # 3 of 7 very good or good


async def test_answering_again_the_same_way_stores_and_pushes_nothing_new(
    client: Any, hub: Any, acme: Seeded
) -> None:
    sent = await new_sos(client, acme, LIFT, anonymous=False)
    await resolve(client, acme, sent["id"])
    latest = await hub.store.latest_seq(acme.tenant["id"])
    for _ in range(3):
        assert (await rate(client, sent["token"], rating="good", nps=8)).status_code == 201
    assert await hub.store.latest_seq(acme.tenant["id"]) == latest + 1  # one event, not three
    detail = await (
        await client.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth("agent"))
    ).get_json()
    assert len([h for h in detail["history"] if h["action"] == "survey"]) == 1


async def test_a_held_back_sos_closed_by_staff_stays_off_the_consoles_after_its_survey(
    client: Any, hub: Any, acme: Seeded
) -> None:
    held = await new_sos(client, acme, "Hijo de puta", anonymous=False)
    r = await client.patch(
        f"/api/v1/tickets/{held['id']}", json={"status": "closed"}, headers=acme.auth("manager")
    )
    assert r.status_code == 200
    latest = await hub.store.latest_seq(acme.tenant["id"])
    assert (await rate(client, held["token"], rating="bad", comment="Whatever")).status_code == 201
    events = await hub.store.events_after(acme.tenant["id"], latest)
    assert events and all(e.staff is None for e in events)  # stored, told to nobody
    feed = await (await client.get("/api/v1/events", headers=acme.auth("agent"))).get_json()
    assert "Hijo de puta" not in str(feed)


async def test_agents_read_an_offensive_survey_comment_masked_when_the_business_asks(
    client: Any, acme: Seeded
) -> None:
    r = await client.put(
        "/api/v1/filters", headers=acme.auth("manager"), json={"mask_for_agents": True}
    )
    assert r.status_code == 200
    sent = await new_sos(client, acme, LIFT, anonymous=False)
    await resolve(client, acme, sent["id"])
    await rate(client, sent["token"], rating="bad", comment="Sois unos gilipollas")
    as_agent = await (
        await client.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth("agent"))
    ).get_json()
    assert as_agent["survey"]["comment"] == "Sois unos g*********"
    as_manager = await (
        await client.get(f"/api/v1/tickets/{sent['id']}", headers=acme.auth("manager"))
    ).get_json()
    assert as_manager["survey"]["comment"] == "Sois unos gilipollas"


async def test_a_held_back_sos_closed_by_staff_stays_off_the_consoles_whatever_happens_next(
    client: Any, hub: Any, acme: Seeded
) -> None:
    """The customer writes again, staff reopen it: consoles still never see it."""
    held = await new_sos(client, acme, "Hijo de puta, abrid ya", anonymous=False)
    r = await client.patch(
        f"/api/v1/tickets/{held['id']}", json={"status": "closed"}, headers=acme.auth("manager")
    )
    assert r.status_code == 200
    latest = await hub.store.latest_seq(acme.tenant["id"])
    r = await client.post(f"/api/v1/thread/{held['token']}/messages", json={"text": "Hello?"})
    assert r.status_code == 201  # kept, like the SOS
    r = await client.patch(
        f"/api/v1/tickets/{held['id']}", json={"status": "open"}, headers=acme.auth("manager")
    )
    assert r.status_code == 200
    events = await hub.store.events_after(acme.tenant["id"], latest)
    assert all(e.staff is None for e in events), [e.name for e in events if e.staff]
    detail = await (
        await client.get(f"/api/v1/tickets/{held['id']}", headers=acme.auth("manager"))
    ).get_json()
    assert [m["text"] for m in detail["messages"]] == ["Hello?"]  # nothing lost
