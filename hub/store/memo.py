"""Reads remembered for the length of one request: a business and its settings.

One SOS reads its business (`tenants`) and its filter settings (`configs`) at several
steps: the door, the intake guard, the ticket service, the push that masks for agents.
Each read is a trip to the store's thread (about 0.15 ms of CPU on SQLite). Within one
request they now come from the store once: `begin` (a `before_request` hook) opens a memo
for the request's own task, `SqliteStore.get` keeps the stored JSON text of those two
collections there and parses it again for each caller (each gets its own copy, as from
the store), and any write this request makes to one of them forgets what was kept.

Nothing outlives the request and nothing is shared between tasks: a job started by the
request (it copies the request's context) runs in a task of its own and reads the store,
so the store stays the source of truth; a write made meanwhile by another request or
another process is seen by the next request, as if this one had read everything at its
start.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import Final

REMEMBERED: Final = frozenset({"tenants", "configs"})
UNKNOWN: Final = object()


class _Memo:
    __slots__ = ("task", "texts")

    def __init__(self, task: asyncio.Task[object] | None) -> None:
        self.task = task
        self.texts: dict[tuple[str, str, str], str | None] = {}


_current: ContextVar[_Memo | None] = ContextVar("hub_request_memo", default=None)


def begin() -> None:
    """Open this task's memo (the start of a request); a previous one is dropped."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return
    if task is not None:
        _current.set(_Memo(task))


def _texts() -> dict[tuple[str, str, str], str | None] | None:
    memo = _current.get()
    if memo is None:
        return None
    try:
        task = asyncio.current_task()
    except RuntimeError:
        return None
    return memo.texts if memo.task is task else None


def recall(collection: str, tenant_id: str, id: str) -> object:
    """The kept JSON text (None: no such document), or UNKNOWN."""
    texts = _texts()
    if texts is None:
        return UNKNOWN
    return texts.get((collection, tenant_id, id), UNKNOWN)


def keep(collection: str, tenant_id: str, id: str, text: str | None) -> None:
    texts = _texts()
    if texts is not None:
        texts[(collection, tenant_id, id)] = text


def forget(collection: str) -> None:
    """A write to `collection` by this task: what was kept of it is read again."""
    if collection not in REMEMBERED:
        return
    texts = _texts()
    if texts:
        for key in [k for k in texts if k[0] == collection]:
            del texts[key]
