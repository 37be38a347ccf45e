"""`LeanQueue`: the part of `asyncio.Queue` that a console's two queues rely on."""

from __future__ import annotations

import asyncio

import pytest

from hub.realtime.leanqueue import LeanQueue


async def test_items_come_out_in_the_order_they_went_in() -> None:
    queue = LeanQueue()
    for n in range(3):
        queue.put_nowait(n)
    await queue.put(3)
    assert queue.qsize() == 4
    assert [await queue.get(), queue.get_nowait(), await queue.get(), await queue.get()] == [
        0,
        1,
        2,
        3,
    ]
    assert queue.empty()
    with pytest.raises(asyncio.QueueEmpty):
        queue.get_nowait()


async def test_a_waiting_getter_wakes_on_the_next_put() -> None:
    queue = LeanQueue()
    getter = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    assert not getter.done()
    queue.put_nowait("frame")
    assert await asyncio.wait_for(getter, 5) == "frame"


async def test_a_getter_that_timed_out_leaves_the_next_item_to_the_others() -> None:
    queue = LeanQueue()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.01):
            await queue.get()
    other = asyncio.create_task(queue.get())
    await asyncio.sleep(0)
    queue.put_nowait("kept")
    assert await asyncio.wait_for(other, 5) == "kept"
    assert queue.empty()


async def test_join_waits_until_every_item_is_marked_done() -> None:
    queue = LeanQueue()
    await queue.join()  # nothing unfinished: returns at once
    queue.put_nowait("a")
    queue.put_nowait("b")
    joiner = asyncio.create_task(queue.join())
    queue.get_nowait()
    queue.task_done()
    await asyncio.sleep(0)
    assert not joiner.done()
    queue.get_nowait()
    queue.task_done()
    await asyncio.wait_for(joiner, 5)
    with pytest.raises(ValueError):
        queue.task_done()
