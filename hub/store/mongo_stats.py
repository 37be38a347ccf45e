"""Statistics on MongoDB: the facts MongoStore keeps in each ticket's hidden `_facts`
field, and the aggregation pipelines that answer the dashboard.

Counts, within-promise counts, ratings and NPS are grouped by the server (`$match` on the
tenant and `_facts.created_at`, then `$group`). The local day, month, hour and weekday are
stored facts (hub/tickets/facts.py): the pipelines need no `$dateToString` with a time zone,
which mongomock lacks. Median and 90th percentile stay exact nearest-rank: the server
sends only each group key and its minutes (a `$project`ed stream, no 16 MB document
limit), and the hub sorts them per group. That costs a transfer of two numbers per ticket
of the period; `$percentile` is approximate only and `$setWindowFields` is not in the mock,
so exactness wins here. Staff replies are grouped straight from the entries (their
`etiquette` unwound per step).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from motor.motor_asyncio import AsyncIOMotorCollection

from hub.ports import AgentReplies, Doc, GroupFigures, StatsQuery, TicketFigures, Timing
from hub.tickets.etiquette import STEPS
from hub.tickets.facts import GROUP_FACTS, LABEL_FACTS, nearest_ranks
from hub.tickets.model import RATINGS

FACTS = "_facts"  # the hidden field of a ticket (never returned by the store's reads)
# Indexes beside hub/store/schema.py's: the period of one tenant, for tickets and replies.
INDEXES: dict[str, list[tuple[list[tuple[str, int]], dict[str, Any]]]] = {
    "tickets": [
        ([("tenant_id", 1), (f"{FACTS}.created_at", 1)], {"name": "ix_facts_created_at"}),
    ],
    "entries": [
        (
            [("tenant_id", 1), ("kind", 1), ("author", 1), ("created_at", 1)],
            {"name": "ix_kind_author_created_at"},
        ),
    ],
}


def _f(name: str) -> str:
    return f"${FACTS}.{name}"


def _count_if(condition: Any) -> Doc:
    return {"$sum": {"$cond": [condition, 1, 0]}}


def _present(name: str) -> Doc:
    return {"$ne": [_f(name), None]}


def _within(name: str, sla: float) -> Doc:
    return _count_if({"$and": [_present(name), {"$lte": [_f(name), sla]}]})


def _period(query: StatsQuery) -> Doc:
    match: Doc = {
        "tenant_id": {"$eq": query.tenant_id},
        f"{FACTS}.created_at": {"$gte": query.start, "$lt": query.end},
    }
    if query.category_group is not None:
        match[f"{FACTS}.category_group"] = {"$eq": query.category_group}
    if query.establishment is not None:
        match[f"{FACTS}.establishment"] = {"$eq": query.establishment}
    return match


def _group_stage(key: str, sla: float) -> Doc:
    nps = _present("nps")
    stage: Doc = {
        "_id": {"held": _f("held"), "k": _f(key)},
        "count": {"$sum": 1},
        "qr": _count_if({"$eq": [_f("qr"), True]}),
        "fr_n": _count_if(_present("first_response")),
        "fr_in": _within("first_response", sla),
        "rs_n": _count_if(_present("resolution")),
        "rs_in": _within("resolution", sla),
        "promoters": _count_if({"$and": [nps, {"$gte": [_f("nps"), 9]}]}),
        "passives": _count_if({"$and": [nps, {"$gte": [_f("nps"), 7]}, {"$lt": [_f("nps"), 9]}]}),
        "detractors": _count_if({"$and": [nps, {"$lt": [_f("nps"), 7]}]}),
    }
    for i, rating in enumerate(RATINGS):
        stage[f"r{i}"] = _count_if({"$eq": [_f("rating"), rating]})
    return stage


def _timing(count: int, within: int, values: list[float]) -> Timing:
    if not count:
        return Timing()
    median, p90 = nearest_ranks(values)
    return Timing(count, median, p90, within)


Minutes = dict[Any, tuple[list[float], list[float]]]


async def _minutes(tickets: AsyncIOMotorCollection[Doc], query: StatsQuery, key: str) -> Minutes:
    """Each group's first-response and resolution minutes (only those numbers travel)."""
    match = {**_period(query), f"{FACTS}.held": {"$eq": False}}
    pipeline = [
        {"$match": match},
        {
            "$project": {
                "_id": 0,
                "k": _f(key),
                "f": _f("first_response"),
                "r": _f("resolution"),
            }
        },
    ]
    out: Minutes = {}
    async for row in tickets.aggregate(pipeline):
        first, resolution = out.setdefault(row.get("k"), ([], []))
        if row.get("f") is not None:
            first.append(float(row["f"]))
        if row.get("r") is not None:
            resolution.append(float(row["r"]))
    return out


async def _labels(
    tickets: AsyncIOMotorCollection[Doc], query: StatsQuery, key: str, label: str
) -> dict[Any, str]:
    match = {**_period(query), f"{FACTS}.held": {"$eq": False}, f"{FACTS}.{label}": {"$ne": None}}
    pipeline = [
        {"$match": match},
        {"$sort": {f"{FACTS}.created_at": 1}},
        {"$group": {"_id": _f(key), "label": {"$last": _f(label)}}},
    ]
    return {row["_id"]: row["label"] async for row in tickets.aggregate(pipeline)}


def _figures(
    key: Any, row: Doc, label: str | None, minutes: tuple[list[float], ...]
) -> GroupFigures:
    first, resolution = minutes
    return GroupFigures(
        key=key,
        label=label,
        count=int(row["count"]),
        from_qr=int(row["qr"]),
        first_response=_timing(int(row["fr_n"]), int(row["fr_in"]), first),
        resolution=_timing(int(row["rs_n"]), int(row["rs_in"]), resolution),
        ratings={r: int(row[f"r{i}"]) for i, r in enumerate(RATINGS)},
        promoters=int(row["promoters"]),
        passives=int(row["passives"]),
        detractors=int(row["detractors"]),
    )


def _summed(rows: Sequence[Doc]) -> Doc:
    fields = ["count", "qr", "fr_n", "fr_in", "rs_n", "rs_in", "promoters", "passives"]
    fields += ["detractors", *(f"r{i}" for i in range(len(RATINGS)))]
    return {f: sum(int(r[f]) for r in rows) for f in fields}


async def ticket_figures(tickets: AsyncIOMotorCollection[Doc], query: StatsQuery) -> TicketFigures:
    """The statistics of one period, grouped as asked (see the module's docstring)."""
    key = GROUP_FACTS[query.by]  # a known fact name: never text from a request
    pipeline = [{"$match": _period(query)}, {"$group": _group_stage(key, query.sla_minutes)}]
    rows = [row async for row in tickets.aggregate(pipeline)]
    held = sum(int(r["count"]) for r in rows if r["_id"].get("held"))
    shown = {r["_id"].get("k"): r for r in rows if not r["_id"].get("held")}
    minutes = await _minutes(tickets, query, key)
    labels = {}
    if query.by in LABEL_FACTS:
        labels = await _labels(tickets, query, key, LABEL_FACTS[query.by])
    groups = [_figures(k, row, labels.get(k), minutes.get(k, ([], []))) for k, row in shown.items()]
    every = (
        [v for f, _ in minutes.values() for v in f],
        [v for _, r in minutes.values() for v in r],
    )
    overall = _figures(0, _summed(list(shown.values())), None, every)
    return TicketFigures(held, overall, groups)


def _replies(tenant_id: str, start: str, end: str) -> Doc:
    return {
        "tenant_id": {"$eq": tenant_id},
        "kind": {"$eq": "message"},
        "author": {"$eq": "staff"},
        "created_at": {"$gte": start, "$lt": end},
        "warning": {"$in": [None, False]},
    }


_AUTHOR_KEY = {"$ifNull": ["$author_id", {"$concat": ["name:", {"$ifNull": ["$author_name", ""]}]}]}


async def reply_figures(
    entries: AsyncIOMotorCollection[Doc], tenant_id: str, start: str, end: str
) -> list[AgentReplies]:
    """Per agent: replies in [start, end), their etiquette steps, the latest name."""
    match = _replies(tenant_id, start, end)
    counted = entries.aggregate(
        [
            {"$match": match},
            {"$sort": {"created_at": 1}},
            {"$group": {"_id": _AUTHOR_KEY, "id": {"$max": "$author_id"}, "n": {"$sum": 1}}},
        ]
    )
    agents = {row["_id"]: row async for row in counted}
    named = entries.aggregate(
        [
            {"$match": {**match, "author_name": {"$nin": [None, ""]}}},
            {"$sort": {"created_at": 1}},
            {"$group": {"_id": _AUTHOR_KEY, "name": {"$last": "$author_name"}}},
        ]
    )
    names = {row["_id"]: row["name"] async for row in named}
    stepped = entries.aggregate(
        [
            {"$match": match},
            {"$unwind": "$etiquette"},
            {"$group": {"_id": {"a": _AUTHOR_KEY, "s": "$etiquette"}, "n": {"$sum": 1}}},
        ]
    )
    covered: dict[Any, dict[str, int]] = {}
    async for row in stepped:
        if row["_id"]["s"] in STEPS:
            covered.setdefault(row["_id"]["a"], dict.fromkeys(STEPS, 0))[row["_id"]["s"]] = int(
                row["n"]
            )
    return [
        AgentReplies(
            id=row.get("id"),
            name=names.get(key),
            replies=int(row["n"]),
            covered=covered.get(key, dict.fromkeys(STEPS, 0)),
        )
        for key, row in agents.items()
    ]
