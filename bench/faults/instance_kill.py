"""Fault (c): a hub instance killed with its consoles, which reconnect to the other and replay.

Two hub instances (A, B) on one SQLite file and a private Redis (`--redis-port`, 6390 by
default). `--consoles` resuming consoles (2,500 by default) all connect to A; SOS are posted
to B throughout. After `--before` seconds A is SIGKILLed (no graceful close: the consoles
see their connections die). Each console reconnects as the browser's does (0.5 s, doubling
to 5 s, with jitter), fails on A, moves to B and emits `resume` with the highest seq it has
seen; B replays the gap and every console must end with every SOS that B answered 201.

Prints the parameters, the SOS sent and answered, what the consoles received, how long until
every console was connected to B and until every one had every SOS, CPU seconds of B and of
the consoles, and `lost=N` (console × SOS pairs missing, plus events received that are not
stored). Exits 1 if N > 0.

    python bench/faults/instance_kill.py                  # 2,500 consoles
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
        consoles = Consoles(hubs, args.consoles, all_first=True)
        t0 = time.monotonic()
        ready = await consoles.start()
        st = await consoles.wait_connected(args.consoles)
        log(f"consoles: {st['connected']} connected to A in {time.monotonic() - t0:.1f} s")
        if ready["fails"]:
            log(f"connect failures: {ready['fails']}")
        poster = Poster([hubs.url(1)], hubs.origin, args.rate)
        cpu_b0 = cpu_s(hubs.pid(1))
        fault = {"t": 0.0, "all_on_b": 0.0}

        async def kill_a() -> None:
            await asyncio.sleep(args.before)
            fault["t"] = time.monotonic()
            log(f"SIGKILL instance A ({args.consoles} consoles)")
            hubs.kill(0)
            while True:
                st = await consoles.ask({"cmd": "status"})
                if st["reconnects"] >= args.consoles and st["connected"] >= args.consoles:
                    fault["all_on_b"] = time.monotonic() - fault["t"]
                    log(f"all {st['connected']} consoles on B after {fault['all_on_b']:.1f} s")
                    return
                if time.monotonic() - fault["t"] > args.grace:
                    return
                await asyncio.sleep(0.5)

        killer = asyncio.create_task(kill_a())
        await poster.run(args.before + args.after)
        await killer
        ids = poster.created()
        check, waited = await consoles.settle(ids, args.grace)
        caught_up = time.monotonic() - fault["t"]
        status = await consoles.quiesce()
        delivered, lost, _ = delivery_rows(check, poster, args.consoles, workdir, fault["t"])
        return verdict(
            [
                *poster.rows("SOS sent (to B)"),
                ("consoles", f"{args.consoles}, connected now {status['connected']}"),
                ("reconnects", status["reconnects"]),
                ("all consoles on B after kill", f"{fault['all_on_b']:.1f} s"),
                *delivered,
                ("resumes / resume.done", f"{status['resumes']} / {status['resume_done']}"),
                ("duplicates ignored (by seq)", status["duplicates"]),
                ("all caught up after kill", f"{caught_up:.1f} s (settle {waited:.1f} s)"),
                (
                    "CPU s B / consoles",
                    (f"{cpu_s(hubs.pid(1)) - cpu_b0:.1f} / {status['cpu_s']:.1f}"),
                ),
            ],
            lost,
        )
    finally:
        await teardown(consoles, hubs, workdir, args.keep, redis)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--consoles", type=int, default=2500, help="consoles, all on instance A")
    p.add_argument("--rate", type=float, default=5.0, help="SOS per second, to instance B")
    add_phases(p, before=5.0, after=15.0, grace=120.0)
    return run_main(p, "fault: a hub instance killed, its consoles move to the other one", run)


if __name__ == "__main__":
    sys.exit(main())
