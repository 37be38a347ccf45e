"""CSV exports read as a spreadsheet reads them: the bytes, the mark, the quoting, the counts."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from hub.app import Hub
from hub.clock import iso, parse_iso
from hub.exports.filters import TicketFilter
from hub.exports.pages import tickets_in
from hub.tickets.stats import Period
from tests.helpers import Seeded
from tests.kit import new_sos

PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
NASTY = 'Agua fría, "ya" en la 204;\nsegunda línea'
FORMULA = '=IMPORTXML(A1;"//a") the tap in room 12 leaks'


def read_csv(data: bytes) -> list[dict[str, str]]:
    """As a spreadsheet would: the byte-order mark first, then RFC 4180 rows."""
    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def export(client: Any, who: Seeded, kind: str, **params: str) -> list[dict[str, str]]:
    r = await client.get(
        f"/api/v1/export/{kind}.csv", query_string=params, headers=who.auth("manager")
    )
    assert r.status_code == 200, await r.get_data(as_text=True)
    assert r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    return read_csv(await r.get_data())


async def _place(hub: Hub, seeded: Seeded, ticket_id: str, **fields: Any) -> None:
    await hub.store.update(seeded.tenant["id"], "tickets", ticket_id, fields)


@pytest.fixture
async def tickets(client: Any, hub: Hub, acme: Seeded) -> dict[str, str]:
    """Four November SOS (one with contact data, one with a formula, one rated), one held
    back, one in October."""
    ids: dict[str, str] = {}
    ids["nasty"] = (
        await new_sos(client, acme, NASTY, contact={"name": "Ana Pérez", "email": "ana@ex.example"})
    )["id"]
    ids["formula"] = (await new_sos(client, acme, FORMULA))["id"]
    ids["rated"] = (await new_sos(client, acme, "The lift is broken again"))["id"]
    ids["minus"] = (await new_sos(client, acme, "-1 star, @manager +34 600"))["id"]
    ids["old"] = (await new_sos(client, acme, "October"))["id"]
    ids["held"] = (await new_sos(client, acme, "Hijo de puta"))["id"]
    created = {
        "nasty": "2026-11-02T08:30:00.000+00:00",
        "formula": "2026-11-03T22:30:00.000+00:00",
        "rated": "2026-11-05T10:00:00.000+00:00",
        "minus": "2026-11-05T10:00:00.000+00:00",  # the same millisecond as "rated"
        "old": "2026-10-01T10:00:00.000+00:00",
        "held": "2026-11-04T12:00:00.000+00:00",
    }
    for name, moment in created.items():
        await _place(hub, acme, ids[name], created_at=moment)
    await _place(
        hub,
        acme,
        ids["rated"],
        status="resolved",
        category="complaint_service",
        first_response_at="2026-11-05T10:30:00.000+00:00",
        resolved_at="2026-11-05T12:00:00.000+00:00",
        survey={
            "rating": "bad",
            "nps": 3,
            "comment": "=1+1, still broken",
            "answered_at": "2026-11-06T09:00:00.000+00:00",
        },
    )
    await _place(hub, acme, ids["nasty"], category="praise")
    return ids


async def test_tickets_csv_reads_back_in_a_spreadsheet(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    rows = await export(client, acme, "tickets", **PERIOD)
    by_number = {r["id"]: r for r in rows}
    assert set(by_number) == {tickets[n] for n in ("nasty", "formula", "rated", "minus")}
    nasty = by_number[tickets["nasty"]]
    assert nasty["text"] == NASTY  # comma, quotes and the new line survive the quoting
    assert nasty["contact_name"] == "Ana Pérez" and nasty["contact_email"] == "ana@ex.example"
    assert nasty["anonymous"] == "no"
    # Madrid is UTC+1 in November: the wall clock beside the UTC time
    assert nasty["created_local"] == "2026-11-02 09:30:00"
    assert nasty["created_utc"] == "2026-11-02T08:30:00.000+00:00"
    assert nasty["timezone"] == "Europe/Madrid"
    formula = by_number[tickets["formula"]]
    assert formula["text"] == "'" + FORMULA  # shown as text, never run
    assert formula["contact_name"] == "" and formula["anonymous"] == "yes"
    assert by_number[tickets["minus"]]["text"].startswith("'-1 star")
    rated = by_number[tickets["rated"]]
    assert rated["survey_comment"] == "'=1+1, still broken"
    assert (rated["survey_rating"], rated["survey_nps"]) == ("bad", "3")
    assert rated["first_response_minutes"] == "30.0" and rated["within_promise"] == "yes"
    assert rated["category_group"] == "complaint"


async def test_the_same_counts_as_the_statistics(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    for params in ({}, {"category": "complaint"}, {"category": "praise"}):
        rows = await export(client, acme, "tickets", **PERIOD, **params)
        r = await client.get(
            "/api/v1/stats",
            query_string={**PERIOD, "by": "category_group"},
            headers=acme.auth("manager"),
        )
        stats = await r.get_json()
        wanted = params.get("category")
        expected = (
            stats["overall"]["count"]
            if wanted is None
            else next(g["count"] for g in stats["groups"] if g["key"] == wanted)
        )
        assert len(rows) == expected, params
    surveys = await export(client, acme, "surveys", **PERIOD)
    assert len(surveys) == stats["overall"]["satisfaction"]["answers"] == 1


async def test_held_back_only_when_asked(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    held = await export(client, acme, "tickets", **PERIOD, status="quarantined")
    assert [r["id"] for r in held] == [tickets["held"]]
    closed = await export(client, acme, "tickets", **PERIOD, status="resolved")
    assert [r["id"] for r in closed] == [tickets["rated"]]


async def test_surveys_csv_one_row_per_answer(
    client: Any, acme: Seeded, tickets: dict[str, str]
) -> None:
    [row] = await export(client, acme, "surveys", **PERIOD)
    assert row["source"] == "thread" and row["rating"] == "bad" and row["nps"] == "3"
    assert row["comment"] == "'=1+1, still broken"
    assert row["answered_local"] == "2026-11-06 10:00:00"
    assert row["point"] == acme.point["code"] and row["category"] == "complaint_service"
    assert await export(client, acme, "surveys", **PERIOD, point="elsewhere") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "from"),
        ({"status": "lost"}, "status"),
        ({"category": "gossip"}, "category"),
        ({"point": "no spaces"}, "point"),
        ({"language": "Spanish!"}, "language"),
    ],
)
async def test_bad_filters_name_the_field(
    client: Any, acme: Seeded, params: dict[str, str], field: str
) -> None:
    r = await client.get(
        "/api/v1/export/tickets.csv", query_string=params, headers=acme.auth("manager")
    )
    assert r.status_code == 400
    error = (await r.get_json())["error"]
    assert error["code"] == "invalid" and error["message"].startswith(f"{field}:")


async def test_agents_get_no_file(client: Any, acme: Seeded) -> None:
    for kind in ("tickets", "surveys"):
        r = await client.get(f"/api/v1/export/{kind}.csv", headers=acme.auth("agent"))
        assert r.status_code == 403


async def test_pages_lose_and_repeat_nothing(hub: Hub, client: Any, acme: Seeded) -> None:
    """Pages of 2 over 7 tickets, five of them at the same millisecond."""
    ids = []
    for n in range(7):
        ids.append((await new_sos(client, acme, f"Ticket {n}"))["id"])
    same = "2026-11-10T10:00:00.000+00:00"
    for n, ticket_id in enumerate(ids):
        moment = same if n < 5 else f"2026-11-1{n}T10:00:00.000+00:00"
        await _place(hub, acme, ticket_id, created_at=moment)
    period = Period(parse_iso("2026-11-01T00:00:00+00:00"), parse_iso("2026-12-01T00:00:00+00:00"))
    seen = [
        d["id"]
        async for d in tickets_in(
            hub.store, acme.tenant["id"], period, TicketFilter().where(), page=2
        )
    ]
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    assert iso(period.start) < same


async def test_a_big_file_leaves_in_chunks(hub: Hub, acme: Seeded) -> None:
    """450 tickets: the header, then a chunk every 200 rows, never the file at once."""
    from hub.exports.csvfile import BATCH

    base = {"status": "new", "text": "Bulk", "anonymous": True, "held": False}
    for n in range(450):
        await hub.store.insert(
            acme.tenant["id"],
            "tickets",
            {
                **base,
                "id": f"bulk{n}",
                "number": 10_000 + n,
                "created_at": f"2026-11-{1 + n % 28:02d}T10:00:{n % 60:02d}.{n:03d}+00:00",
            },
        )
    period = Period(parse_iso("2026-11-01T00:00:00+00:00"), parse_iso("2026-12-01T00:00:00+00:00"))
    chunks = [c async for c in hub.exports.tickets_csv(acme.tenant, period, TicketFilter())]
    assert len(chunks) == 1 + -(-450 // BATCH)
    rows = read_csv(b"".join(chunks))
    assert len(rows) == 450 and len({r["id"] for r in rows}) == 450


async def test_custom_survey_answers_join_the_file(
    client: Any, hub: Hub, acme: Seeded, tickets: dict[str, str]
) -> None:
    """Another survey source (custom surveys, hub/surveys/) adds its rows after the thread's."""
    from collections.abc import AsyncIterator

    from hub.exports.surveys_csv import SurveyRow

    class Kiosk:
        async def rows(
            self, tenant: dict[str, Any], period: Period, wanted: TicketFilter
        ) -> AsyncIterator[SurveyRow]:
            yield SurveyRow(
                source="lobby-survey",
                answered_at="2026-11-07T09:00:00.000+00:00",
                point=acme.point["code"],
                question="How was breakfast?",
                rating="good",
                comment="+ more coffee",
            )

    hub.exports.add_survey_source(Kiosk())
    rows = await export(client, acme, "surveys", **PERIOD)
    assert [r["source"] for r in rows] == ["thread", "lobby-survey"]
    assert rows[1]["question"] == "How was breakfast?" and rows[1]["comment"] == "'+ more coffee"
    assert rows[1]["answered_local"] == "2026-11-07 10:00:00" and rows[1]["ticket_number"] == ""


async def test_an_exports_file_is_named_after_the_days_asked_for_in_the_business_zone(
    client: Any, acme: Seeded
) -> None:
    """A manager filing monthly exports by name: November asked, November in the name (the
    UTC bounds named the file after 31 October in Madrid)."""
    assert acme.tenant["timezone"] == "Europe/Madrid"
    for kind in ("tickets", "surveys"):
        r = await client.get(
            f"/api/v1/export/{kind}.csv", query_string=PERIOD, headers=acme.auth("manager")
        )
        assert r.status_code == 200
        wanted = f'attachment; filename="{acme.tenant["slug"]}-{kind}-2026-11-01-2026-11-30.csv"'
        assert r.headers["Content-Disposition"] == wanted
