"""Sender turns: one sender's SOS in turn, other senders never held up, nothing stalled."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest

from hub.turns import LocalTurns, RedisTurns

REDIS_URL = "redis://127.0.0.1:6379/0"


async def _order(turns: LocalTurns | RedisTurns, first: list[str], second: list[str]) -> list[str]:
    """Two requests: the first takes its turn and holds it until the second is inside, or
    has had a while to get in (it is waiting then: asserting that it stays out needs one)."""
    seen: list[str] = []
    inside, second_in, release = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def one() -> None:
        async with turns.turn(first):
            seen.append("first in")
            inside.set()
            await release.wait()
            seen.append("first out")

    async def two() -> None:
        await inside.wait()
        async with turns.turn(second):
            seen.append("second in")
            second_in.set()

    task = asyncio.gather(one(), two())
    await inside.wait()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(second_in.wait(), 0.2)
    release.set()
    await asyncio.wait_for(task, 10)
    return seen


@pytest.fixture(params=["local", "redis"])
async def turns(request: pytest.FixtureRequest) -> AsyncIterator[LocalTurns | RedisTurns]:
    made = LocalTurns() if request.param == "local" else RedisTurns(REDIS_URL)
    yield made
    await made.close()


async def test_one_senders_second_sos_waits_for_the_first(turns: LocalTurns | RedisTurns) -> None:
    key = f"acme/device_id={uuid.uuid4().hex}"
    seen = await _order(turns, [key], [key])
    assert seen == ["first in", "first out", "second in"]


async def test_a_sender_known_by_email_and_phone_waits_on_either(
    turns: LocalTurns | RedisTurns,
) -> None:
    email, phone = f"acme/email={uuid.uuid4().hex}", f"acme/phone={uuid.uuid4().hex}"
    seen = await _order(turns, [phone, email], [email])
    assert seen == ["first in", "first out", "second in"]


async def test_another_sender_is_never_held_up(turns: LocalTurns | RedisTurns) -> None:
    seen = await _order(turns, [f"acme/device_id={uuid.uuid4().hex}"], ["acme/device_id=other"])
    assert seen == ["first in", "second in", "first out"]


async def test_a_turn_not_had_in_time_lets_the_sos_through() -> None:
    turns = LocalTurns(wait=0.05)
    stuck = ["acme/device_id=stuck"]
    async with turns.turn(stuck), turns.turn(stuck):  # would wait forever without a limit
        pass
    assert not turns._keys  # nothing kept once nobody holds or waits for a key


async def test_redis_down_lets_the_sos_through() -> None:
    turns = RedisTurns("redis://127.0.0.1:1/0")
    entered = False
    async with turns.turn(["acme/device_id=anyone"]):
        entered = True
    assert entered
    await turns.close()


async def test_redis_keeps_a_hash_of_the_sender_never_the_email() -> None:
    turns, email = RedisTurns(REDIS_URL), f"ana-{uuid.uuid4().hex}@example.com"
    try:
        async with turns.turn([f"acme/email={email}"]):
            names = [k.decode() async for k in turns._redis.scan_iter("sos-hub-turn:*")]
            assert names and not any(email in name for name in names)
        left = [k async for k in turns._redis.scan_iter("sos-hub-turn:*")]
        assert not [k for k in left if k.decode() in names]  # released at once
    finally:
        await turns.close()
