"""Sender turns: one sender's SOS in turn, other senders never held up, nothing stalled."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest

from hub.turns import LocalTurns, RedisTurns, TurnMissed

REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "test-secret"


async def _order(
    turns: LocalTurns | RedisTurns, first: list[str], second: list[str], *, held_up: bool
) -> list[str]:
    """Two requests: the first takes its turn and holds it while the second asks for its
    own. `held_up`: the second is expected to wait, so it is given a while to get in
    wrongly (asserting that it stays out needs one); else the first holds until it is in."""
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
        await asyncio.wait_for(second_in.wait(), 0.2 if held_up else 10)
    release.set()
    await asyncio.wait_for(task, 10)
    return seen


@pytest.fixture(params=["local", "redis"])
async def turns(request: pytest.FixtureRequest) -> AsyncIterator[LocalTurns | RedisTurns]:
    made = LocalTurns() if request.param == "local" else RedisTurns(REDIS_URL, SECRET)
    yield made
    await made.close()


async def test_one_senders_second_sos_waits_for_the_first(turns: LocalTurns | RedisTurns) -> None:
    key = f"acme/device_id={uuid.uuid4().hex}"
    seen = await _order(turns, [key], [key], held_up=True)
    assert seen == ["first in", "first out", "second in"]


async def test_a_sender_known_by_email_and_phone_waits_on_either(
    turns: LocalTurns | RedisTurns,
) -> None:
    email, phone = f"acme/email={uuid.uuid4().hex}", f"acme/phone={uuid.uuid4().hex}"
    seen = await _order(turns, [phone, email], [email], held_up=True)
    assert seen == ["first in", "first out", "second in"]


async def test_another_sender_is_never_held_up(turns: LocalTurns | RedisTurns) -> None:
    mine, other = f"acme/device_id={uuid.uuid4().hex}", f"acme/device_id={uuid.uuid4().hex}"
    seen = await _order(turns, [mine], [other], held_up=False)
    assert seen == ["first in", "second in", "first out"]


async def test_a_turn_not_had_in_time_lets_the_sos_through() -> None:
    turns = LocalTurns(wait=0.05)
    stuck = ["acme/device_id=stuck"]
    async with turns.turn(stuck), turns.turn(stuck):  # would wait forever without a limit
        pass
    assert not turns._keys  # nothing kept once nobody holds or waits for a key


async def test_a_strict_turn_not_had_in_time_refuses_the_request() -> None:
    """Login attempts (hub.http.ratelimit): judged in turn, never without it."""
    turns = LocalTurns(wait=0.05, strict=True)
    stuck = ["login|pair|a@b.example|192.0.2.1"]
    async with turns.turn(stuck):
        with pytest.raises(TurnMissed):
            async with turns.turn(stuck):
                pytest.fail("a strict turn let the request through without it")
    assert not turns._keys


async def test_redis_down_lets_the_sos_through() -> None:
    turns = RedisTurns("redis://127.0.0.1:1/0", SECRET)
    entered = False
    async with turns.turn(["acme/device_id=anyone"]):
        entered = True
    assert entered
    await turns.close()


async def test_a_hung_redis_lets_the_sos_through_and_is_not_asked_again_at_once() -> None:
    asked: list[bytes] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        asked.append(await reader.read(1024))  # takes the command, never answers
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    turns = RedisTurns(f"redis://127.0.0.1:{port}/0", SECRET)
    try:
        for guest in ("ana", "bob"):
            entered = False
            async with turns.turn([f"acme/device_id={guest}"]):
                entered = True
            assert entered
        assert len(asked) == 1  # Bob's SOS did not wait on the hung Redis again
    finally:
        await turns.close()
        server.close()


async def test_redis_keeps_an_hmac_of_the_sender_never_the_email() -> None:
    turns, email = RedisTurns(REDIS_URL, SECRET), f"ana-{uuid.uuid4().hex}@example.com"
    key = f"acme/contact.email={email}"
    name = turns.name(key)
    try:
        assert email not in name and name != RedisTurns(REDIS_URL, "another secret").name(key)
        async with turns.turn([key]):
            assert await turns._redis.exists(name) == 1
        assert await turns._redis.exists(name) == 0  # released at once
    finally:
        await turns.close()


async def test_a_request_cancelled_in_its_turn_releases_it_at_once() -> None:
    turns = RedisTurns(REDIS_URL, SECRET)
    key = f"acme/device_id={uuid.uuid4().hex}"
    inside = asyncio.Event()

    async def hangs_up() -> None:
        async with turns.turn([key]):
            inside.set()
            await asyncio.Event().wait()  # the guest's connection drops here

    task = asyncio.create_task(hangs_up())
    try:
        await inside.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert await turns._redis.exists(turns.name(key)) == 0
    finally:
        await turns.close()


async def test_a_strict_redis_turn_held_by_another_instance_refuses_the_request() -> None:
    """Login attempts in scale-out: a guess sent to another instance waits for the turn
    this one holds, and is refused (not let through) when it does not get it in time."""
    here = RedisTurns(REDIS_URL, SECRET, strict=True)
    there = RedisTurns(REDIS_URL, SECRET, wait=0.1, strict=True)
    key = f"login|pair|{uuid.uuid4().hex}@example.com|192.0.2.1"
    try:
        async with here.turn([key]):
            with pytest.raises(TurnMissed):
                async with there.turn([key]):
                    pytest.fail("a strict turn let the request through without it")
        async with there.turn([key]):  # once released, the other instance gets it
            pass
    finally:
        await here.close()
        await there.close()


async def test_strict_turns_take_turns_in_this_process_while_redis_is_down() -> None:
    turns = RedisTurns("redis://127.0.0.1:1/0", SECRET, wait=0.1, strict=True)
    key = "login|pair|a@b.example|192.0.2.1"
    try:
        async with turns.turn([key]):
            with pytest.raises(TurnMissed):
                async with turns.turn([key]):
                    pytest.fail("Redis down let a strict turn through without it")
        async with turns.turn([key]):
            pass
    finally:
        await turns.close()


async def test_a_turn_a_slow_redis_took_too_late_is_let_go_not_left_for_its_lease() -> None:
    """Redis answers after the client gave up (a latency spike): the SET may have been
    applied all the same. Left there, a login's strict turn on that key would refuse every
    login from the address for the whole lease; it is released as soon as Redis answers."""

    async def slow_redis(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        proxied.append(asyncio.current_task())  # type: ignore[arg-type]
        upstream_reader, upstream = await asyncio.open_connection("127.0.0.1", 6379)
        last = [b""]  # the client's last command

        async def ask() -> None:
            while data := await reader.read(65536):
                last[0] = data
                upstream.write(data)
                await upstream.drain()

        async def answer() -> None:
            while data := await upstream_reader.read(65536):
                if b"\r\nSET\r\n" in last[0]:
                    took.append(data)  # Redis's answer to the turn's SET ("+OK": it is held)
                    await asyncio.sleep(0.8)  # the spike: that answer comes late
                writer.write(data)
                await writer.drain()

        answering = asyncio.ensure_future(answer())
        with contextlib.suppress(Exception):
            await ask()  # until the client hangs up; then Redis's side is closed too
        upstream.close()
        writer.close()
        with contextlib.suppress(Exception):
            await answering

    took: list[bytes] = []
    proxied: list[asyncio.Task[object]] = []  # one per connection the proxy serves
    server = await asyncio.start_server(slow_redis, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    slow = RedisTurns(f"redis://127.0.0.1:{port}/0", SECRET, hold=60, strict=True)
    key = f"login|ip|{uuid.uuid4().hex}"
    name = slow.name(key)
    fast = RedisTurns(REDIS_URL, SECRET)
    try:
        async with slow.turn([key]):  # Redis too slow: a turn in this process instead
            pass
        assert took == [b"+OK\r\n"]  # yet Redis had set the turn's key
        deadline = asyncio.get_running_loop().time() + 20  # far below the 60 s lease
        while await fast._redis.exists(name):
            assert asyncio.get_running_loop().time() < deadline, "the late turn was left"
            await asyncio.sleep(0.05)  # polling a condition with a deadline
    finally:
        await slow.close()
        await fast.close()
        server.close()
        await asyncio.gather(*proxied)  # every connection the proxy opened is closed
