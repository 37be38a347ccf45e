"""Fault (a): Redis killed for a few seconds under load, with consoles on another instance.

Two hub instances (A, B) on one SQLite file and a private Redis (`--redis-port`, 6390 by
default; never the shared 6379). `--consoles` resuming consoles connect to B only; SOS are
posted to A only, so every event a console receives live crossed Redis. After `--before`
seconds of posting, Redis is SIGKILLed for `--down` seconds and started again on the same
port; posting goes on throughout and `--after` seconds beyond. Then every console must hold
every SOS that A answered 201 (live, or replayed after the gap through `resync`/`resume`).

Prints the parameters, the SOS sent and answered, what the consoles received, how long they
took to catch up after Redis came back, CPU seconds per process, and `lost=N`
(console × SOS pairs missing, plus events received that are not stored). Exits 1 if N > 0.

    python bench/faults/redis_outage.py --down 3
    python bench/faults/redis_outage.py --down 10
"""

from __future__ import annotations

import asyncio
import sys
import time

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


async def run(args) -> int:
    workdir = make_workdir(args.keep)
    redis = Redis(args.redis_port, workdir)
    hubs = Hubs(workdir, redis.url)
    consoles: Consoles | None = None
    try:
        redis.start()
        await hubs.up(2)
        consoles = Consoles(hubs, args.consoles, urls=hubs.ws_urls()[1:])
        ready = await consoles.start()
        log(f"consoles ready: {ready['connected']} connected to B")
        poster = Poster([hubs.url(0)], hubs.origin, args.rate)
        cpu0 = {n: cpu_s(p) for n, p in (("A", hubs.pid(0)), ("B", hubs.pid(1)))}

        fault = {"t": 0.0}

        async def outage() -> float:
            await asyncio.sleep(args.before)
            fault["t"] = time.monotonic()
            log(f"killing Redis for {args.down} s")
            redis.kill()
            await asyncio.sleep(args.down)
            redis.start()
            log("Redis is back")
            return time.monotonic()

        back_task = asyncio.create_task(outage())
        await poster.run(args.before + args.down + args.after)
        back = await back_task
        ids = poster.created()
        check, waited = await consoles.settle(ids, args.grace)
        caught_up = time.monotonic() - back
        status = await consoles.quiesce()
        delivered, lost, _ = delivery_rows(check, poster, args.consoles, workdir, fault["t"])
        cpu = {n: cpu_s(p) - cpu0[n] for n, p in (("A", hubs.pid(0)), ("B", hubs.pid(1)))}
        return verdict(
            [
                *poster.rows("SOS sent (to A)"),
                ("consoles (on B)", f"{args.consoles}, connected {status['connected']}"),
                *delivered,
                (
                    "resyncs / resumes / resume.done",
                    (f"{status['resyncs']} / {status['resumes']} / {status['resume_done']}"),
                ),
                ("duplicates ignored (by seq)", status["duplicates"]),
                ("all caught up after Redis back", f"{caught_up:.1f} s (settle {waited:.1f} s)"),
                (
                    "CPU s A / B / consoles",
                    (f"{cpu['A']:.1f} / {cpu['B']:.1f} / {status['cpu_s']:.1f}"),
                ),
                (
                    "B said deaf / hears again",
                    (f"{hubs.grep_log(1, 'listener deaf')} / {hubs.grep_log(1, 'hears again')}"),
                ),
            ],
            lost,
        )
    finally:
        await teardown(consoles, hubs, workdir, args.keep, redis)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--down", type=float, default=3.0, help="seconds Redis stays dead")
    p.add_argument("--consoles", type=int, default=200, help="consoles, all on instance B")
    p.add_argument("--rate", type=float, default=10.0, help="SOS per second, to instance A")
    add_phases(p, before=5.0, after=10.0, grace=60.0)
    return run_main(p, "fault: Redis killed under load, consoles on the other instance", run)


if __name__ == "__main__":
    sys.exit(main())
