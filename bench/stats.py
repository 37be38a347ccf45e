"""Dashboard statistics at 1,000,000 tickets: fill one business on SQLite, time every query.

The fill writes straight into the SQLite file in the stored shape, through the adapter's own
schema (`SqliteStore.open` creates the tables and indexes; the rows are the JSON documents
and the facts rows `hub/store/sqlite_stats.py` would write): no HTTP, no per-ticket
transaction. Tickets are spread over `--days` days up to today, busier by day than by night,
with first answers, resolutions, survey answers (rating and NPS) and one staff reply each
(its etiquette steps), a few held back.

Then each dashboard query runs `--runs` times through the use case the API calls
(`hub.tickets.stats.TicketStats`): every `by` over the default period (the last 30 days)
and over 365 days, and the etiquette query over both; median and max milliseconds printed.

    python bench/stats.py                      # 1,000,000 tickets (fills once, then reuses)
    python bench/stats.py --tickets 20000      # a quick check
    python bench/stats.py --mongomock 3000     # also compare the Mongo adapter on mongomock
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hub.ports import Doc
from hub.store.sqlite import SqliteStore
from hub.store.sqlite_stats import (
    INSERT_REPLY,
    INSERT_TICKET,
    rebuild_rollups,
    reply_row,
    ticket_row,
)
from hub.tickets.etiquette import STEPS
from hub.tickets.facts import FACTS_VERSION, ROLLUP_VERSION, ticket_facts
from hub.tickets.model import RATINGS, Category
from hub.tickets.stats import GROUPINGS, Period, TicketStats

TENANT = "bench-tenant"
ZONE = "Europe/Madrid"
AGENTS = [(f"agent-{i}", f"Agent {i}") for i in range(12)]
POINTS = [(f"P-{i:03d}", f"Point {i}") for i in range(40)]
BATCH = 20_000
# Busier by day: a weight per local hour (UTC+1, roughly).
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 9, 10, 9, 8, 8, 8, 9, 9, 8, 6, 4, 2, 1]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _ticket(rng: random.Random, i: int, created: datetime) -> tuple[Doc, Doc | None]:
    """One ticket as the hub stores it, and its first staff reply (None: unanswered)."""
    code, label = rng.choice(POINTS)
    kiosk = rng.random() < 0.1
    doc: Doc = {
        "id": f"b{i:08d}",
        "tenant_id": TENANT,
        "number": i + 1,
        "thread_token": f"tok{i:010d}",
        "created_at": _iso(created),
        "updated_at": _iso(created),
        "status": rng.choice(["resolved", "resolved", "closed", "open", "new", "waiting_customer"]),
        "category": rng.choice([None, *(c.value for c in Category)]),
        "text": "The shower in room 214 is cold again, could someone look at it please?",
        "language": rng.choice(["es", "en", "fr", None]),
        "establishment": rng.choice(["centre", "beach", "airport"]),
        "department": rng.choice(["rooms", "bar", "reception", None]),
        "source": "kiosk" if kiosk else "qr",
        "held": rng.random() < 0.01,
        "first_response_at": None,
        "resolved_at": None,
        "message_count": 1,
    }
    if kiosk:
        doc["kiosk"] = {"id": f"k{i % 5}", "name": f"Kiosk {i % 5}"}
    else:
        doc["point"] = {"code": code, "label": label}
    reply = None
    if rng.random() < 0.85:
        answered = created + timedelta(minutes=rng.expovariate(1 / 90))
        agent, name = rng.choice(AGENTS)
        doc["first_response_at"] = _iso(answered)
        doc["first_responder"] = {"id": agent, "name": name}
        reply = {
            "id": f"r{i:08d}",
            "tenant_id": TENANT,
            "ticket_id": doc["id"],
            "kind": "message",
            "author": "staff",
            "author_id": agent,
            "author_name": name,
            "text": "Hello, I am on it. Sorry for the trouble.",
            "etiquette": [s for s in STEPS if rng.random() < 0.6],
            "created_at": _iso(answered),
        }
        if rng.random() < 0.7:
            doc["resolved_at"] = _iso(answered + timedelta(minutes=rng.expovariate(1 / 600)))
        if rng.random() < 0.3:
            doc["survey"] = {
                "rating": rng.choice(RATINGS),
                "nps": rng.randrange(11),
                "answered_at": doc["resolved_at"] or _iso(answered),
            }
    return doc, reply


def _moments(rng: random.Random, count: int, days: int, now: datetime) -> list[datetime]:
    first = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    hours = days * 24
    weights = [HOURLY[(h + first.hour) % 24] for h in range(hours)]
    picked = rng.choices(range(hours), weights=weights, k=count)
    return sorted(
        first + timedelta(hours=h, seconds=rng.randrange(3600), milliseconds=rng.randrange(1000))
        for h in picked
    )


async def fill(path: Path, count: int, days: int, now: datetime) -> None:
    """A fresh file with one business of `count` tickets (and their replies)."""
    _remove(path)
    store = SqliteStore(path, timeout=600)
    await store.open()
    await store.insert(TENANT, "tenants", {"id": TENANT, "timezone": ZONE, "sla_hours": 2})
    for agent, name in AGENTS:
        await store.insert(TENANT, "users", {"id": agent, "email": f"{agent}@x", "name": name})
    for code, label in POINTS:
        await store.insert(TENANT, "points", {"id": code, "code": code, "label": label})
    rng = random.Random(1_000_000)
    moments = _moments(rng, count, days, now)
    started = time.perf_counter()
    async with store._tx() as db:  # one transaction: the bench's own fill, not the hub's path
        for at in range(0, count, BATCH):
            tickets, facts, replies, entries = [], [], [], []
            for i in range(at, min(at + BATCH, count)):
                doc, reply = _ticket(rng, i, moments[i])
                tickets.append((doc["id"], TENANT, json.dumps(doc, ensure_ascii=False)))
                fact = ticket_facts(doc, ZONE)
                assert fact is not None
                facts.append(ticket_row(TENANT, doc["id"], fact))
                if reply is not None:
                    entries.append((reply["id"], TENANT, json.dumps(reply, ensure_ascii=False)))
                    replies.append(reply_row(TENANT, reply))
            await db.executemany(
                "INSERT INTO tickets(id, tenant_id, doc) VALUES (?, ?, ?)", tickets
            )
            await db.executemany(
                "INSERT INTO entries(id, tenant_id, doc) VALUES (?, ?, ?)", entries
            )
            await db.executemany(INSERT_TICKET, facts)
            await db.executemany(INSERT_REPLY, replies)
            done = min(at + BATCH, count)
            print(f"\r  filled {done:,} tickets", end="", flush=True)
        # The per-day rollups, counted from the facts as a newer hub's `backfill` would.
        counted = time.perf_counter()
        await store._in_thread(rebuild_rollups)
        print(f"\n  rollups counted in {time.perf_counter() - counted:.0f} s", end="")
        # The facts and rollups are written with the documents: nothing to backfill on open.
        for key, version in (("facts_version", FACTS_VERSION), ("rollup_version", ROLLUP_VERSION)):
            await db.execute(
                "INSERT INTO meta(key, value) VALUES(?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, str(version)),
            )
    await store.db.execute("ANALYZE")
    await store.close()
    print(f"  ({time.perf_counter() - started:.0f} s)")


def _remove(path: Path) -> Path:
    """Delete an SQLite file and its WAL companions (a fresh start)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _exists(path: Path) -> bool:
    return path.exists()


async def _filled(path: Path) -> int:
    if not _exists(path):
        return 0
    store = SqliteStore(path)
    await store.open()
    try:
        return await store.count(TENANT, "tickets")
    finally:
        await store.close()


async def _time(runs: int, call: Any) -> tuple[float, float, float, Any]:
    """Median and max wall milliseconds, and the median CPU milliseconds of this process
    (SQLite's thread included): on a shared machine the wall time also holds the waiting."""
    spent: list[float] = []
    cpu: list[float] = []
    result = None
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        result = await call()
        spent.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return statistics.median(spent), max(spent), statistics.median(cpu), result


Row = tuple[str, float, float, float, int]


def _print(row: Row) -> None:
    name, median, worst, cpu, counted = row
    print(
        f"  {name:<24} median {median:7.1f} ms  max {worst:7.1f} ms"
        f"  cpu {cpu:7.1f} ms  ({counted:,} counted)"
    )


async def measure(
    path: Path, runs: int, now: datetime, periods: tuple[int, ...] = (30, 365)
) -> list[Row]:
    """Every dashboard query, `runs` times each: (name, median ms, max ms, median CPU ms,
    tickets or replies counted)."""
    store = SqliteStore(path, timeout=60)
    await store.open()
    stats = TicketStats(store)
    tenant = await store.get(TENANT, "tenants", TENANT)
    assert tenant is not None
    rows: list[Row] = []
    for days in periods:
        period = Period(now - timedelta(days=days), now)
        for by in GROUPINGS:

            async def report(by: str = by, period: Period = period) -> Any:
                return await stats.report(tenant, period, by)

            median, worst, cpu, result = await _time(runs, report)
            rows.append((f"by={by} {days}d", median, worst, cpu, result["overall"]["count"]))
            _print(rows[-1])

        async def etiquette(period: Period = period) -> Any:
            return await stats.etiquette(tenant, period)

        median, worst, cpu, result = await _time(runs, etiquette)
        rows.append((f"etiquette {days}d", median, worst, cpu, result["overall"]["replies"]))
        _print(rows[-1])

        async def complaints(period: Period = period) -> Any:
            return await stats.complaints_by_point(tenant, period)

        median, worst, cpu, result = await _time(runs, complaints)
        rows.append((f"complaints {days}d", median, worst, cpu, result["overall"]["count"]))
        _print(rows[-1])
    await store.close()
    return rows


async def mongomock_check(count: int, now: datetime) -> None:
    """Fill SQLite and the Mongo adapter on mongomock through the adapters with the same
    tickets, and check every query answers the same (correctness only: no timings)."""
    from mongomock_motor import AsyncMongoMockClient

    from hub.store.mongo import MongoStore

    rng = random.Random(7)
    sqlite = SqliteStore(_remove(Path(f"/tmp/bench-stats-check-{count}.db")))
    mongo = MongoStore(AsyncMongoMockClient(), "bench")
    stores = (sqlite, mongo)
    moments = _moments(rng, count, 60, now)
    for store in stores:
        await store.open()
        await store.insert(TENANT, "tenants", {"id": TENANT, "timezone": ZONE, "sla_hours": 2})
    for i in range(count):
        doc, reply = _ticket(rng, i, moments[i])
        for store in stores:
            await store.insert(TENANT, "tickets", doc)
            if reply is not None:
                await store.insert(TENANT, "entries", reply)
    tenant = await sqlite.get(TENANT, "tenants", TENANT)
    assert tenant is not None
    for days in (30, 59):  # 59 days: SQLite from its rollups, Mongo from its facts
        period = Period(now - timedelta(days=days), now)
        for by in GROUPINGS:
            answers = [await TicketStats(s).report(tenant, period, by) for s in stores]
            assert answers[0] == answers[1], (days, by)
        replies = [await TicketStats(s).etiquette(tenant, period) for s in stores]
        assert replies[0] == replies[1], ("etiquette", days)
        complaints = [await TicketStats(s).complaints_by_point(tenant, period) for s in stores]
        assert complaints[0] == complaints[1], ("complaints", days)
    print(
        f"  mongomock: {len(GROUPINGS)} groupings, etiquette and complaints answer as SQLite over"
        " 30 and 59"
        f" days ({count} tickets)"
    )
    for store in stores:
        await store.close()


async def main(args: argparse.Namespace) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    path = Path(args.path or f"/tmp/bench-stats-{args.tickets}.db")
    if args.fresh or await _filled(path) != args.tickets:
        print(f"Filling {path} with {args.tickets:,} tickets over {args.days} days …")
        await fill(path, args.tickets, args.days, now)
    else:
        print(f"Reusing {path} ({args.tickets:,} tickets; --fresh to refill)")
    # The data ends at its fill time: query the periods up to then.
    store = SqliteStore(path)
    await store.open()
    last = await store.find(TENANT, "tickets", sort="created_at", descending=True, limit=1)
    await store.close()
    end = datetime.fromisoformat(last[0]["created_at"]) + timedelta(seconds=1) if last else now
    print(f"Timing each query {args.runs} times (periods ending {end:%Y-%m-%d %H:%M} UTC):")
    periods = tuple(int(d) for d in args.periods.split(","))
    rows = await measure(path, args.runs, end, periods)
    worst = max(rows, key=lambda r: r[1])
    print(f"Slowest median: {worst[0]} {worst[1]:.1f} ms (cpu {worst[3]:.1f} ms)")
    if args.mongomock:
        await mongomock_check(args.mongomock, now)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=730, help="spread tickets over these days")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--periods", default="30,365", help="periods to time, in days")
    parser.add_argument("--path", help="SQLite file (default /tmp/bench-stats-<tickets>.db)")
    parser.add_argument("--fresh", action="store_true", help="refill even if the file exists")
    parser.add_argument("--mongomock", type=int, default=0, metavar="N", help="check N on mock")
    asyncio.run(main(parser.parse_args()))
