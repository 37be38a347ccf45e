"""Fault (b): Redis closes a slow subscriber (`client-output-buffer-limit pubsub` lowered).

Two hub instances (A, B) on one SQLite file and a private Redis (`--redis-port`, 6390 by
default; never the shared 6379). `--consoles` resuming consoles are on B; SOS are posted to
A at `--rate`. The pub/sub output buffer limit is lowered to `--limit` (CONFIG SET
client-output-buffer-limit "pubsub HARD SOFT SECONDS"), so Redis closes B's subscription as
soon as B falls that far behind; to be sure it does, B is also stopped (SIGSTOP) for
`--stall` seconds, `--stalls` times, while A goes on publishing and `--flood` other
messages (`--flood-bytes` each, a control op the hubs ignore: other businesses' traffic)
are published on the channel. B must notice the closed
subscription, resubscribe, replay the gap from the store and have every console end with
every SOS answered 201. The limit is restored (CONFIG SET to what CONFIG GET said before)
and checked at the end.

Prints the parameters, the SOS sent and answered, how many times Redis closed a
subscriber for its output buffer (its log), how often B said it was deaf and heard again,
what the consoles received, and `lost=N` (console × SOS pairs missing plus events received
that are not stored). Exits 1 if N > 0 or if the limit could not be restored.

    python bench/faults/slow_subscribers.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from kit import (
    Consoles,
    Hubs,
    Poster,
    Redis,
    add_phases,
    base_parser,
    cpu_s,
    delivery_rows,
    log,
    make_workdir,
    run_main,
    teardown,
    verdict,
)

SETTING = "client-output-buffer-limit"


def get_limit(redis: Redis) -> str:
    """The whole client-output-buffer-limit setting, e.g. 'normal 0 0 0 slave … pubsub …'."""
    raw = redis.command("CONFIG", "GET", SETTING).decode()
    # *2 $26 client-output-buffer-limit $N value
    return raw.split("\r\n")[4]


def pubsub_part(value: str) -> str:
    words = value.split()
    i = words.index("pubsub")
    return " ".join(words[i : i + 4])


async def run(args) -> int:
    workdir = make_workdir(args.keep)
    redis = Redis(args.redis_port, workdir)
    hubs = Hubs(workdir, redis.url)
    consoles: Consoles | None = None
    original = ""
    restored = False
    try:
        redis.start()
        original = get_limit(redis)
        await hubs.up(2)
        consoles = Consoles(hubs, args.consoles, urls=hubs.ws_urls()[1:])
        await consoles.start()
        st = await consoles.wait_connected(args.consoles)
        log(f"consoles: {st['connected']} connected to B")
        answer = redis.command("CONFIG", "SET", SETTING, f"pubsub {args.limit}")
        if not answer.startswith(b"+OK"):
            raise RuntimeError(f"CONFIG SET failed: {answer!r}")
        log(f"pubsub limit lowered: {pubsub_part(get_limit(redis))} (was {pubsub_part(original)})")
        poster = Poster([hubs.url(0)], hubs.origin, args.rate)
        cpu0 = {n: cpu_s(hubs.pid(n)) for n in (0, 1)}
        fault = {"t": 0.0}

        async def stall_b() -> None:
            await asyncio.sleep(args.before)
            fault["t"] = time.monotonic()
            for k in range(args.stalls):
                log(f"B stopped for {args.stall} s ({k + 1}/{args.stalls})")
                os.kill(hubs.pid(1), signal.SIGSTOP)
                try:
                    # other traffic on the channel meanwhile (other businesses' events)
                    await asyncio.to_thread(redis.flood, hubs.channel, args.flood, args.flood_bytes)
                    await asyncio.sleep(args.stall)
                finally:
                    os.kill(hubs.pid(1), signal.SIGCONT)
                await asyncio.sleep(args.between)

        staller = asyncio.create_task(stall_b())
        duration = args.before + args.stalls * (args.stall + args.between) + args.after
        await poster.run(duration)
        await staller
        ids = poster.created()
        check, waited = await consoles.settle(ids, args.grace)
        status = await consoles.quiesce()
        redis.command("CONFIG", "SET", SETTING, original)
        restored = get_limit(redis) == original
        log(f"limit restored: {pubsub_part(get_limit(redis))} ({'ok' if restored else 'NOT'})")
        delivered, lost, _ = delivery_rows(check, poster, args.consoles, workdir, fault["t"])
        redis_log = (Path(workdir) / f"redis-{redis.port}.log").read_text(errors="replace")
        closed = redis_log.count("overcoming of output buffer limits")
        code = verdict(
            [
                *poster.rows("SOS sent (to A)"),
                ("subscribers closed by Redis", closed),
                (
                    "B listener lost / deaf / hears again",
                    f"{hubs.grep_log(1, 'redis listener lost')} / "
                    f"{hubs.grep_log(1, 'listener deaf')} / {hubs.grep_log(1, 'hears again')}",
                ),
                ("consoles (on B)", f"{args.consoles}, connected now {status['connected']}"),
                *delivered,
                (
                    "resyncs / resumes / resume.done",
                    f"{status['resyncs']} / {status['resumes']} / {status['resume_done']}",
                ),
                ("settled after posting", f"{waited:.1f} s"),
                (
                    "CPU s A / B / consoles",
                    f"{cpu_s(hubs.pid(0)) - cpu0[0]:.1f} / {cpu_s(hubs.pid(1)) - cpu0[1]:.1f}"
                    f" / {status['cpu_s']:.1f}",
                ),
                ("pubsub limit restored", restored),
            ],
            lost,
        )
        return code or (0 if restored else 2)
    finally:
        if original and not restored and redis.ping():
            redis.command("CONFIG", "SET", SETTING, original)
        if consoles is not None:
            await consoles.quit()
        for i in (0, 1):  # never leave B stopped
            if hubs.pid(i):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(hubs.pid(i), signal.SIGCONT)
        await teardown(None, hubs, workdir, args.keep, redis)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--consoles", type=int, default=200, help="consoles, all on instance B")
    p.add_argument("--rate", type=float, default=20.0, help="SOS per second, to instance A")
    p.add_argument(
        "--limit", default="64kb 32kb 1", help="the pubsub limit: hard, soft, soft seconds"
    )
    p.add_argument("--stall", type=float, default=2.0, help="seconds B is stopped each time")
    p.add_argument("--stalls", type=int, default=2, help="how many times B is stopped")
    p.add_argument(
        "--flood", type=int, default=2000, help="other messages published during each stall"
    )
    p.add_argument("--flood-bytes", type=int, default=2000, help="size of each of them")
    p.add_argument("--between", type=float, default=4.0, help="seconds after each stall")
    add_phases(p, before=4.0, after=6.0, grace=60.0)
    return run_main(
        p, "fault: Redis closes slow subscribers (pubsub output buffer limit lowered)", run
    )


if __name__ == "__main__":
    sys.exit(main())
