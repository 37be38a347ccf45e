"""Fault (f): the SMTP and SMS providers fail, then recover: every SOS still gets exactly one
e-mail and one SMS.

One hub in scale-out (RQ on a private Redis, `--redis-port`, never 6379) with `--workers`
`sos-hub worker` processes; the providers are aiosmtpd and the fake Vonage API of the
integration tests, `--delay` seconds per message. Every SOS goes to one e-mail and one SMS
recipient. SOS are posted at `--rate` for `--seconds`; `--down-after` seconds in, for
`--down` seconds, the SMTP server answers every message with 451 (try again later) and the
SMS API answers with, in turn, a Vonage error status, HTTP 500 and silence (a request that
is never answered); then both work again. The outbox retries with backoff
(`--backoff`, HUB_OUTBOX_BACKOFF): an outage shorter than its sum loses nothing.

At the end, once no outbox item is pending: per SOS answered 201, how many e-mails and SMS
the providers accepted. Prints the parameters, the SOS, what the providers saw (attempts,
accepted), the outbox items by status and attempts, and `lost=N` (SOS without their e-mail
plus SOS without their SMS); SOS with two of either are printed as `doubled`. Exits 1 if
anything was lost or doubled.

    python bench/faults/providers.py
"""

from __future__ import annotations

import asyncio
import sys

from delivery import outbox_verdict, rig_and_poster
from kit import base_parser, log, run_main

FAILURES = ("error", "http500", "hang")


async def run(args) -> int:
    async with rig_and_poster(args, args.backoff) as (rig, poster):
        rig.vonage.hang_seconds = 30.0
        seen = {"smtp": 0, "sms": 0}

        async def outage() -> None:
            await asyncio.sleep(args.down_after)
            log(f"providers failing for {args.down} s")
            seen["smtp"], seen["sms"] = rig.smtp.attempts, len(rig.vonage.requests)
            with rig.smtp.lock:
                rig.smtp.refuse = 1_000_000
            with rig.vonage.lock:
                rig.vonage.script[:] = [FAILURES[i % 3] for i in range(1_000_000)]
            await asyncio.sleep(args.down)
            with rig.smtp.lock:
                rig.smtp.refuse = 0
            with rig.vonage.lock:
                rig.vonage.script.clear()
            rig.vonage.release.set()  # the silent requests end (unanswered)
            seen["smtp"] = rig.smtp.attempts - seen["smtp"]
            seen["sms"] = len(rig.vonage.requests) - seen["sms"]
            log("providers work again")

        task = asyncio.create_task(outage())
        await poster.run(args.seconds)
        await task
        return await outbox_verdict(
            rig,
            poster,
            [
                *poster.rows(p99=False),
                ("refused during the outage", f"{seen['smtp']} e-mails, {seen['sms']} SMS"),
            ],
            args.grace,
        )


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rate", type=float, default=2.0, help="SOS per second")
    p.add_argument("--seconds", type=float, default=30.0, help="seconds of posting")
    p.add_argument("--down-after", type=float, default=5.0, help="seconds before the outage")
    p.add_argument("--down", type=float, default=15.0, help="seconds the providers fail")
    p.add_argument("--delay", type=float, default=0.1, help="seconds each provider takes")
    p.add_argument("--backoff", default="5,10,30", help="HUB_OUTBOX_BACKOFF, seconds")
    p.add_argument("--lease", type=float, default=6.0, help="HUB_OUTBOX_LEASE, seconds")
    p.add_argument("--stale", type=float, default=10.0, help="HUB_OUTBOX_STALE, seconds")
    p.add_argument("--grace", type=float, default=150.0, help="seconds for the outbox to settle")
    return run_main(p, "fault: SMTP and SMS providers fail, then recover", run)


if __name__ == "__main__":
    sys.exit(main())
