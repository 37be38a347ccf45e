"""The statistics contract: both store adapters answer every grouping as the Python reference.

The same tickets (a seeded mix: time zone change of summer time, held-back ones, kiosks,
unanswered and unresolved ones, surveys, categories staff gave or not, later edits) go into
SQLite (a real file), the Mongo adapter on mongomock-motor and, with MONGO_URL, a real
MongoDB. Each grouping's answer (`hub.tickets.stats.ticket_stats`, which the store groups)
must equal `hub.tickets.stats.summarize` run over the same tickets in plain Python.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.exports.monthly import month_period, monthly_figures, response_buckets
from hub.ports import Doc
from hub.store.mongo import MongoStore
from hub.store.sqlite import SqliteStore
from hub.tickets.etiquette import STEPS
from hub.tickets.etiquette import report as etiquette_report
from hub.tickets.model import RATINGS, Category, category_matches
from hub.tickets.stats import (
    GROUPINGS,
    Period,
    TicketStats,
    etiquette_stats,
    percentiles_binned,
    summarize,
    ticket_stats,
)
from tests.integration.test_store_contract import KINDS, Backend, ContractStore

T = "tenant-stats"
OTHER = "tenant-other"
ZONE = "Europe/Madrid"
START = datetime(2026, 10, 1, tzinfo=UTC)
# 46 days (over EXACT_DAYS: counted from the per-day rollups, percentiles binned), from
# and to UTC midnights: partial local days (Madrid) at both ends come from the facts.
PERIOD = Period(datetime(2026, 10, 5, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))
# 26 days, not at midnights: counted from the facts, exact percentiles.
SHORT = Period(datetime(2026, 10, 12, 7, 30, tzinfo=UTC), datetime(2026, 11, 7, 16, 45, tzinfo=UTC))
# Within one local day (the rollups hold no whole day of it), yet over EXACT_DAYS it is not.
# And a long one whose ends fall mid-day: partial first and last days from the facts.
ODD = Period(datetime(2026, 10, 3, 13, 5, tzinfo=UTC), datetime(2026, 11, 24, 9, 41, tzinfo=UTC))
AGENTS = [("u1", "Ana"), ("u2", "Bea"), ("u3", "Carl")]
POINTS = [("P-HALL", "Hall"), ("P-BAR", "Bar"), ("P-POOL", None)]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _ticket(rng: random.Random, i: int) -> Doc:
    created = START + timedelta(minutes=rng.randrange(0, 60 * 24 * 55))
    doc: Doc = {
        "id": f"t{i:04d}",
        "number": i + 1,
        "created_at": _iso(created),
        "status": rng.choice(["new", "open", "waiting_customer", "resolved", "closed"]),
        "category": rng.choice([None, "", "nonsense", *(c.value for c in Category)]),
        "establishment": rng.choice([None, "centre", "beach"]),
        "department": rng.choice([None, "rooms", "bar"]),
        "language": rng.choice([None, "es", "en"]),
        "held": rng.random() < 0.07,
        "first_response_at": None,
        "resolved_at": None,
    }
    if rng.random() < 0.2:
        doc["source"] = "kiosk"
        doc["kiosk"] = {"id": f"k{rng.randrange(2)}", "name": rng.choice([None, "Lobby kiosk"])}
    elif rng.random() < 0.95:
        code, label = rng.choice(POINTS)
        doc["source"] = "qr"
        doc["point"] = {"code": code, "label": label if rng.random() < 0.8 else f"{label} old"}
    if rng.random() < 0.75:
        answered = created + timedelta(seconds=rng.randrange(5, 60 * 60 * 80))
        doc["first_response_at"] = _iso(answered)
        agent, name = rng.choice(AGENTS)
        doc["first_responder"] = {"id": agent, "name": f"{name} (then)"}
        if rng.random() < 0.6:
            doc["resolved_at"] = _iso(answered + timedelta(seconds=rng.randrange(0, 60 * 60 * 90)))
    if rng.random() < 0.4:
        doc["survey"] = {
            "rating": rng.choice([*RATINGS, None]),
            "nps": rng.choice([None, *range(11)]),
        }
    return doc


def _reply(rng: random.Random, i: int) -> Doc:
    agent, name = rng.choice([*AGENTS, (None, "Old timer")])
    doc: Doc = {
        "id": f"e{i:04d}",
        "ticket_id": f"t{i % 50:04d}",
        "kind": "message",
        "author": rng.choice(["staff", "staff", "staff", "customer"]),
        "author_name": rng.choice([name, name, None]),
        "text": "Hello",
        "etiquette": [s for s in STEPS if rng.random() < 0.4],
        "created_at": _iso(START + timedelta(minutes=rng.randrange(0, 60 * 24 * 55))),
    }
    if agent:
        doc["author_id"] = agent
    if rng.random() < 0.05:
        doc["warning"] = True
    return doc


@pytest.fixture(params=KINDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    backend = Backend(request.param, tmp_path)
    yield backend
    await backend.cleanup()


@pytest.fixture
async def filled(backend: Backend) -> tuple[ContractStore, list[Doc]]:
    """A business in Madrid with 250 tickets (some edited after intake) and its staff."""
    store = await backend.new_store()
    rng = random.Random(13)
    for tenant in (T, OTHER):
        await store.insert(tenant, "tenants", {"id": tenant, "timezone": ZONE, "sla_hours": 24})
    for agent, name in AGENTS[:2]:  # today's names win over the ones tickets kept
        await store.insert(T, "users", {"id": agent, "email": f"{agent}@x.org", "name": name})
    docs = [_ticket(rng, i) for i in range(250)]
    for doc in docs:
        await store.insert(T, "tickets", doc)
    for doc in docs[:40]:  # later edits: staff classify, customers answer the survey
        sets = {"category": "complaint_service", "survey": {"rating": "bad", "nps": 3}}
        doc.update(await store.update(T, "tickets", doc["id"], sets) or {})
    await store.insert(OTHER, "tickets", {**docs[0], "id": "other-1"})  # never counted
    return store, [await store.get(T, "tickets", d["id"]) or {} for d in docs]


def _reference(
    tickets: list[Doc], by: str, tenant: Doc, period: Period = PERIOD, **kw: Any
) -> dict[str, Any]:
    start, end = _iso(period.start), _iso(period.end)
    inside = sorted(
        (t for t in tickets if start <= t["created_at"] < end), key=lambda t: t["created_at"]
    )
    return summarize(
        inside,
        by=by,
        timezone=tenant["timezone"],
        sla_hours=tenant["sla_hours"],
        in_bins=percentiles_binned(period),
        **kw,
    )


def _complaints(tickets: list[Doc]) -> list[Doc]:
    return [t for t in tickets if category_matches("complaint", t.get("category"))]


def _answer(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k not in ("from", "to", "truncated", "scan_days")}


@pytest.mark.parametrize("period", [PERIOD, SHORT, ODD], ids=["long", "short", "odd"])
async def test_every_grouping_matches_the_python_reference(
    filled: tuple[ContractStore, list[Doc]], period: Period
) -> None:
    store, tickets = filled
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    for by in GROUPINGS:
        labels = {"u1": "Ana", "u2": "Bea"} if by == "agent" else None
        expected = _reference(tickets, by, tenant, period, labels=labels)
        got = _answer(await ticket_stats(store, tenant, period, by))
        assert got == expected, by
        assert got["percentiles"] == ("exact" if period is SHORT else "binned")
        assert got["overall"]["count"] > 100 and got["held_back"] > 0
        assert len(got["groups"]) > 1, by
    complaints = _answer(await TicketStats(store).complaints_by_point(tenant, period))
    assert complaints == _reference(_complaints(tickets), "point", tenant, period)
    assert complaints["overall"]["count"] > 10 and len(complaints["groups"]) > 1


async def test_points_carry_their_scans_and_conversion_as_the_reference_says(
    filled: tuple[ContractStore, list[Doc]],
) -> None:
    store, tickets = filled
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    scans = {"P-HALL": 900, "P-BAR": 40, "P-NEVER": 12}

    async def totals(tenant_id: str, days: Any) -> dict[str, int]:
        assert tenant_id == T and days
        return scans

    got = _answer(await ticket_stats(store, tenant, PERIOD, "point", totals))
    assert got == _reference(tickets, "point", tenant, scans=scans)
    assert "P-NEVER" in [g["key"] for g in got["groups"]]


async def test_new_groupings_have_the_agreed_keys_in_time_order(
    filled: tuple[ContractStore, list[Doc]],
) -> None:
    store, _ = filled
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    months = [g["key"] for g in (await ticket_stats(store, tenant, PERIOD, "month"))["groups"]]
    assert months == ["2026-10", "2026-11"]
    cells = [
        g["key"] for g in (await ticket_stats(store, tenant, PERIOD, "weekday_hour"))["groups"]
    ]
    assert cells == sorted(cells) and all(len(c) == 4 and c[1] == "-" for c in cells)
    agents = (await ticket_stats(store, tenant, PERIOD, "agent"))["groups"]
    named = {g["key"]: g["label"] for g in agents}
    assert named["u1"] == "Ana" and named["u3"] == "Carl (then)" and named[None] is None
    assert all(g["first_response"]["count"] == 0 for g in agents if g["key"] is None)


async def test_a_new_time_zone_moves_the_local_buckets(
    filled: tuple[ContractStore, list[Doc]],
) -> None:
    store, tickets = filled
    tenant = await store.update(T, "tenants", T, {"timezone": "America/New_York"})
    assert tenant is not None
    for by in ("hour", "day"):
        got = _answer(await ticket_stats(store, tenant, PERIOD, by))
        assert got == _reference(tickets, by, tenant)


async def _all_groupings_match(
    store: ContractStore, tickets: list[Doc], periods: tuple[Period, ...] = (PERIOD, ODD)
) -> None:
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    for period in periods:
        for by in GROUPINGS:
            labels = {"u1": "Ana", "u2": "Bea"} if by == "agent" else None
            got = _answer(await ticket_stats(store, tenant, period, by))
            assert got == _reference(tickets, by, tenant, period, labels=labels), (period, by)
        complaints = _answer(await TicketStats(store).complaints_by_point(tenant, period))
        assert complaints == _reference(_complaints(tickets), "point", tenant, period), period


async def test_the_rollups_follow_every_change_of_a_ticket(
    filled: tuple[ContractStore, list[Doc]],
) -> None:
    """Status, first reply, survey, held back and released, a point's new name, a privacy
    purge: the long periods (counted from the rollups) still answer as the reference."""
    store, tickets = filled
    rng = random.Random(5)
    changes: list[tuple[int, Doc]] = []
    for i in range(40, 250, 3):
        ticket = tickets[i]
        sets: Doc = {"status": rng.choice(["open", "resolved", "closed"])}
        if not ticket.get("first_response_at"):  # a first reply, later on
            answered = datetime.fromisoformat(ticket["created_at"]) + timedelta(minutes=i)
            sets["first_response_at"] = _iso(answered)
            sets["first_responder"] = {"id": "u3", "name": "Carl (now)"}
        elif i % 2:  # resolved, then answered the survey
            sets["resolved_at"] = _iso(
                datetime.fromisoformat(ticket["first_response_at"]) + timedelta(seconds=i * 97)
            )
            sets["survey"] = {"rating": RATINGS[i % len(RATINGS)], "nps": i % 11}
        if ticket.get("held"):
            sets["held"] = False  # released by staff
        elif i % 7 == 0:
            sets["held"] = True
        if i % 5 == 0 and ticket.get("point"):  # the point's label has changed since
            sets["point"] = {**ticket["point"], "label": f"Renamed {i}"}
        changes.append((i, sets))
    for i, sets in changes:
        tickets[i] = await store.update(T, "tickets", tickets[i]["id"], sets) or {}
    latest = max(range(len(tickets)), key=lambda i: tickets[i]["created_at"])
    for i in sorted({*range(1, 250, 11), latest}, reverse=True):  # purged for privacy
        assert await store.delete(T, "tickets", tickets[i]["id"])
        del tickets[i]
    await _all_groupings_match(store, tickets)
    # ... and counted back in: the same ticket written again gives the same answers.
    for doc in tickets[:30]:
        await store.update(T, "tickets", doc["id"], {"status": doc["status"]})
    await _all_groupings_match(store, tickets, (PERIOD,))


async def test_a_new_promise_counts_within_it_over_long_periods(
    filled: tuple[ContractStore, list[Doc]],
) -> None:
    store, tickets = filled
    assert await store.update(T, "tenants", T, {"sla_hours": 3})
    await _all_groupings_match(store, tickets, (PERIOD,))
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    got = await ticket_stats(store, tenant, PERIOD, "status")
    assert 0 < got["overall"]["first_response"]["within_sla"] < got["overall"]["count"]


@pytest.mark.parametrize("period", [PERIOD, SHORT], ids=["long", "short"])
async def test_every_group_tells_its_sos_not_due_yet_as_the_reference(
    filled: tuple[ContractStore, list[Doc]], period: Period
) -> None:
    """Read while the period's last SOS are still within a 72-hour promise: each group's
    `promise` (answered in time of its SOS due) is the reference's, with the filters too."""
    store, tickets = filled
    tenant = await store.update(T, "tenants", T, {"sla_hours": 72})
    assert tenant is not None
    at = period.end - timedelta(hours=30)
    for by in GROUPINGS:
        labels = {"u1": "Ana", "u2": "Bea"} if by == "agent" else None
        expected = _reference(tickets, by, tenant, period, labels=labels, at=at)
        got = _answer(await ticket_stats(store, tenant, period, by, at=at))
        assert got == expected, by
        kept = [g["promise"] for g in got["groups"]]
        assert sum(p["due"] for p in kept) == got["overall"]["promise"]["due"], by
    overall = got["overall"]["promise"]
    assert 0 < overall["due"] < overall["sos"]
    assert any(0 < g["promise"]["due"] < g["count"] for g in got["groups"])
    complaints = _answer(await TicketStats(store).complaints_by_point(tenant, period, at))
    assert complaints == _reference(_complaints(tickets), "point", tenant, period, at=at)
    beach = [t for t in tickets if t.get("establishment") == "beach"]
    got = _answer(await ticket_stats(store, tenant, period, "point", establishment="beach", at=at))
    assert got == _reference(beach, "point", tenant, period, at=at)


async def test_tickets_stored_before_the_facts_are_counted_after_reopening(
    backend: Backend, filled: tuple[ContractStore, list[Doc]]
) -> None:
    store, tickets = filled
    answered = tickets[100]
    assert answered.get("first_response_at")
    await store.update(T, "tickets", answered["id"], {"first_responder": None})
    await store.insert(
        T,
        "entries",
        {
            "id": "first-reply",
            "ticket_id": answered["id"],
            "kind": "message",
            "author": "staff",
            "author_id": "u2",
            "author_name": "Bea",
            "created_at": answered["first_response_at"],
        },
    )
    await _forget_facts(backend, store)
    reopened = await backend.new_store()
    tenant = await reopened.get(T, "tenants", T)
    assert tenant is not None
    again = [await reopened.get(T, "tickets", t["id"]) or {} for t in tickets]
    assert again[100]["first_responder"] == {"id": "u2", "name": "Bea"}
    for by in ("weekday_hour", "agent", "category_group"):
        got = _answer(await ticket_stats(reopened, tenant, PERIOD, by))
        labels = {"u1": "Ana", "u2": "Bea"} if by == "agent" else None
        assert got == _reference(again, by, tenant, labels=labels)


async def _forget_facts(backend: Backend, store: ContractStore) -> None:
    """Make the data look written by a hub from before the facts (schema version 1)."""
    if isinstance(store, SqliteStore):
        async with store._tx() as db:
            await db.execute("DELETE FROM ticket_facts")
            await db.execute("DELETE FROM reply_facts")
            await db.execute("DELETE FROM ticket_rollups")
            await db.execute("DELETE FROM meta WHERE key IN ('facts_version', 'rollup_version')")
        return
    assert isinstance(store, MongoStore)
    db = store.client.get_database(store.database)
    await db.get_collection("tickets").update_many({}, {"$unset": {"_facts": ""}})
    await db.get_collection("meta").delete_one({"_id": "facts_version"})


async def test_etiquette_per_agent_matches_the_python_reference(backend: Backend) -> None:
    """Over a long period, a short one and one with partial local days at both ends; again
    after replies are edited (an etiquette step, a name), turned into non-replies and
    purged."""
    store = await backend.new_store()
    await store.insert(T, "tenants", {"id": T, "timezone": ZONE, "sla_hours": 24})
    rng = random.Random(7)
    replies = [_reply(rng, i) for i in range(300)]
    for entry in replies:
        await store.insert(T, "entries", entry)
    await store.insert(OTHER, "entries", {**replies[0], "id": "other-reply"})

    async def check() -> None:
        for period in (PERIOD, SHORT, ODD):
            start, end = _iso(period.start), _iso(period.end)
            inside = [
                r
                for r in replies
                if r["author"] == "staff"
                and not r.get("warning")
                and start <= r["created_at"] < end
            ]
            expected = etiquette_report(inside)
            got = await etiquette_stats(store, period, T)
            assert {k: got[k] for k in ("steps", "agents", "overall")} == expected, period
            assert expected["overall"]["replies"] > 20

    await check()
    for i in range(0, 300, 7):
        sets: Doc = {"etiquette": list(STEPS[: i % len(STEPS)])}
        if i % 2:
            sets["author_name"] = f"Renamed {i}"
        if i % 5 == 0:
            sets["warning"] = True
        replies[i] = await store.update(T, "entries", replies[i]["id"], sets) or {}
    latest = max(range(len(replies)), key=lambda i: replies[i]["created_at"])
    for i in sorted({*range(3, 300, 13), latest}, reverse=True):
        assert await store.delete(T, "entries", replies[i]["id"])
        del replies[i]
    await check()


async def test_sqlite_counts_long_periods_from_its_rollups(
    filled: tuple[ContractStore, list[Doc]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over EXACT_DAYS, SQLite groups no facts: the whole days come from the rollups."""
    store, _ = filled
    if not isinstance(store, SqliteStore):
        pytest.skip("the rollups table is SQLite's")
    from hub.store import sqlite_stats

    def refused(key: str, where: str = "") -> str:
        raise AssertionError(f"grouped the facts by {key}")

    monkeypatch.setattr(sqlite_stats, "_aggregate_sql", refused)
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    for by in GROUPINGS:
        await ticket_stats(store, tenant, PERIOD, by)
        await ticket_stats(store, tenant, ODD, by)
    await TicketStats(store).complaints_by_point(tenant, PERIOD)
    with pytest.raises(AssertionError, match="grouped the facts"):
        await ticket_stats(store, tenant, SHORT, "status")


@pytest.mark.parametrize("establishment", [None, "beach"])
async def test_the_monthly_report_counts_as_the_python_reference(
    filled: tuple[ContractStore, list[Doc]], establishment: str | None
) -> None:
    """The monthly PDF's figures come from the store (filtered by establishment)."""
    store, tickets = filled
    tenant = await store.get(T, "tenants", T)
    assert tenant is not None
    if establishment:
        await store.insert(T, "establishments", {"id": "e1", "slug": "beach", "name": "Beach"})
    got = await monthly_figures(store, tenant, "2026-10", establishment)
    month = month_period("2026-10", ZONE)
    inside = sorted(
        (
            t
            for t in tickets
            if _iso(month.start) <= t["created_at"] < _iso(month.end)
            and (establishment is None or t.get("establishment") == establishment)
        ),
        key=lambda t: t["created_at"],
    )
    kw: dict[str, Any] = {"timezone": ZONE, "sla_hours": 24}
    by_group = summarize(inside, by="category_group", **kw)
    assert got["overall"] == by_group["overall"] and got["held_back"] == by_group["held_back"]
    assert got["by_group"] == by_group["groups"]
    assert got["by_point"] == summarize(inside, by="point", **kw)["groups"][:10]
    days = {g["key"]: g["count"] for g in summarize(inside, by="day", **kw)["groups"]}
    assert [n for _, n in got["by_day"]] == [days.get(f"2026-10-{d:02d}", 0) for d in range(1, 32)]
    shown = [t for t in inside if not t.get("held")]
    assert got["responses"] == response_buckets(shown, 24 * 60)
    assert got["overall"]["count"] > 20
