"""Fault (e): RQ workers killed mid-send: exactly one SMS and one e-mail for each SOS.

One hub in scale-out (RQ on a private Redis, `--redis-port`, never 6379) with `--workers`
`sos-hub worker` processes; the providers are aiosmtpd and the fake Vonage API of the
integration tests, each `--delay` seconds slow per message. Every SOS goes to one e-mail and
one SMS recipient. SOS are posted at `--rate` for `--seconds`; every `--kill-every` seconds
one worker is SIGKILLed with its work horse (kill -9 of its process group: no cleanup runs)
and a new one started. Before every other kill the SMS API is told to accept the next SMS
and never answer, so some kills land after the SMS left but before the worker heard so
(the next worker must ask the provider, not send it again).

At the end, once no outbox item is pending: per SOS answered 201, how many e-mails and SMS
the providers accepted. Prints the parameters, the SOS, the kills, what the providers saw
(attempts, accepted), the outbox items by status and attempts, and `lost=N` (SOS without
their e-mail plus SOS without their SMS); SOS with two of either are printed as `doubled`.
Exits 1 if anything was lost or doubled.

    python bench/faults/worker_kill.py
"""

from __future__ import annotations

import asyncio
import sys
import time

from delivery import outbox_verdict, rig_and_poster
from kit import base_parser, log, run_main


async def run(args) -> int:
    async with rig_and_poster(args, "1,2") as (rig, poster):
        kills = {"n": 0, "accept_hang": 0}

        async def killer() -> None:
            k = 0
            while True:
                await asyncio.sleep(args.kill_every)
                if k % 2 == 0:
                    rig.vonage.fail_next(1, "accept-hang")
                    kills["accept_hang"] += 1
                    await asyncio.sleep(args.delay * 2)
                victim = k % len(rig.workers)
                rig.kill_worker(victim)
                rig.start_worker()  # appended: it takes the dead one's slot
                rig.workers[victim] = rig.workers.pop()
                kills["n"] += 1
                k += 1

        task = asyncio.create_task(killer())
        t0 = time.monotonic()
        await poster.run(args.seconds)
        await asyncio.sleep(max(0.0, args.kill_for - (time.monotonic() - t0)))
        task.cancel()
        rig.vonage.release.set()  # hung requests may end now (their workers are dead)
        log(f"{kills['n']} workers killed; waiting for the outbox to settle")
        return await outbox_verdict(
            rig,
            poster,
            [
                *poster.rows(p99=False),
                (
                    "workers killed (kill -9)",
                    f"{kills['n']} ({kills['accept_hang']} after an "
                    "SMS was accepted but not yet answered)",
                ),
            ],
            args.grace,
        )


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rate", type=float, default=2.0, help="SOS per second")
    p.add_argument("--seconds", type=float, default=20.0, help="seconds of posting")
    p.add_argument("--kill-every", type=float, default=4.0, help="seconds between kills")
    p.add_argument("--kill-for", type=float, default=24.0, help="seconds of killing")
    p.add_argument("--delay", type=float, default=0.3, help="seconds each provider takes")
    p.add_argument("--lease", type=float, default=6.0, help="HUB_OUTBOX_LEASE, seconds")
    p.add_argument(
        "--stale", type=float, default=10.0, help="HUB_OUTBOX_STALE: when the sweeper re-enqueues"
    )
    p.add_argument("--grace", type=float, default=120.0, help="seconds for the outbox to settle")
    return run_main(p, "fault: RQ workers killed mid-send", run)


if __name__ == "__main__":
    sys.exit(main())
