"""A small asyncio queue for per-connection use: a few hundred bytes, not a few kilobytes.

`asyncio.Queue` holds three deques (items, getters, putters) and an `Event` with a fourth;
an empty deque still allocates a 64-slot block, so an idle queue costs about 2 KB. Every
console holds two (uvicorn's receive queue and Engine.IO's send queue), always nearly
empty. `LeanQueue` keeps the part of the interface those two use (unbounded `put`,
`put_nowait`, `get`, `get_nowait`, `empty`, `qsize`, `task_done`, `join`) on plain lists
created on demand.
"""

from __future__ import annotations

import asyncio
from typing import Any


class LeanQueue:
    """Unbounded FIFO; any number of getters and joiners; `asyncio.QueueEmpty` when empty."""

    __slots__ = ("_getters", "_items", "_joiners", "_unfinished")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._getters: list[asyncio.Future[None]] | None = None
        self._joiners: list[asyncio.Future[None]] | None = None
        self._unfinished = 0

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        self._unfinished += 1
        getters = self._getters
        if getters:
            self._getters = None
            for fut in getters:
                if not fut.done():
                    fut.set_result(None)

    async def put(self, item: Any) -> None:
        self.put_nowait(item)

    def get_nowait(self) -> Any:
        if not self._items:
            raise asyncio.QueueEmpty
        return self._items.pop(0)

    async def get(self) -> Any:
        while not self._items:
            fut = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(fut)
            try:
                await fut
            finally:
                if self._getters is not None and fut in self._getters:
                    self._getters.remove(fut)
        return self._items.pop(0)

    def task_done(self) -> None:
        if self._unfinished <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished -= 1
        if self._unfinished == 0 and self._joiners:
            joiners, self._joiners = self._joiners, None
            for fut in joiners:
                if not fut.done():
                    fut.set_result(None)

    async def join(self) -> None:
        if self._unfinished:
            fut = asyncio.get_running_loop().create_future()
            if self._joiners is None:
                self._joiners = []
            self._joiners.append(fut)
            await fut
