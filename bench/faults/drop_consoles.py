"""Fault (d): 10 % of the consoles dropped for 5 s, while SOS keep coming.

One hub instance, embedded (SQLite, no Redis): what the consoles do is the same in
scale-out. `--consoles` resuming consoles connect; SOS are posted at `--rate`. After
`--before` seconds a share (`--fraction`) of the consoles lose their connection at once
(the transport is aborted, as a Wi-Fi drop: no close frame) and stay away `--away` seconds;
then each reconnects and emits `resume` with the highest seq it has seen. Every console must
end with every SOS that was answered 201.

Prints the parameters, the SOS sent and answered, what the consoles received, how long until
every console had every SOS, CPU seconds of the hub and the consoles, and `lost=N`
(console × SOS pairs missing, plus events received that are not stored). Exits 1 if N > 0.

    python bench/faults/drop_consoles.py
"""

from __future__ import annotations

import asyncio
import sys
import time

from kit import (
    Consoles,
    Hubs,
    Poster,
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
    hubs = Hubs(workdir)
    consoles: Consoles | None = None
    try:
        await hubs.up(1)
        consoles = Consoles(hubs, args.consoles)
        await consoles.start()
        st = await consoles.wait_connected(args.consoles)
        log(f"consoles: {st['connected']} connected")
        poster = Poster([hubs.url(0)], hubs.origin, args.rate)
        cpu0 = cpu_s(hubs.pid(0))
        fault = {"t": 0.0, "dropped": 0, "back": 0.0}

        async def drop() -> None:
            await asyncio.sleep(args.before)
            fault["t"] = time.monotonic()
            answer = await consoles.ask(
                {"cmd": "drop", "fraction": args.fraction, "seconds": args.away}
            )
            fault["dropped"] = answer["dropped"]
            log(f"dropped {answer['dropped']} consoles for {args.away} s")
            await asyncio.sleep(args.away)
            while True:
                st = await consoles.ask({"cmd": "status"})
                if st["connected"] >= args.consoles or time.monotonic() - fault["t"] > 60:
                    fault["back"] = time.monotonic() - fault["t"]
                    return
                await asyncio.sleep(0.2)

        dropper = asyncio.create_task(drop())
        await poster.run(args.before + args.away + args.after)
        await dropper
        ids = poster.created()
        check, waited = await consoles.settle(ids, args.grace)
        caught_up = time.monotonic() - fault["t"]
        status = await consoles.quiesce()
        delivered, lost, _ = delivery_rows(check, poster, args.consoles, workdir, fault["t"])
        return verdict(
            [
                *poster.rows(),
                ("consoles", f"{args.consoles}, connected now {status['connected']}"),
                ("dropped", f"{fault['dropped']} for {args.away} s"),
                ("all connected again after drop", f"{fault['back']:.1f} s"),
                ("reconnects", status["reconnects"]),
                *delivered,
                ("resumes / resume.done", f"{status['resumes']} / {status['resume_done']}"),
                ("duplicates ignored (by seq)", status["duplicates"]),
                ("all caught up after drop", f"{caught_up:.1f} s (settle {waited:.1f} s)"),
                (
                    "CPU s hub / consoles",
                    f"{cpu_s(hubs.pid(0)) - cpu0:.1f} / {status['cpu_s']:.1f}",
                ),
            ],
            lost,
        )
    finally:
        await teardown(consoles, hubs, workdir, args.keep)


def main() -> int:
    p = base_parser(__doc__ or "")
    p.add_argument("--consoles", type=int, default=500)
    p.add_argument("--fraction", type=float, default=0.10, help="share of consoles dropped")
    p.add_argument("--away", type=float, default=5.0, help="seconds the dropped ones stay away")
    p.add_argument("--rate", type=float, default=10.0, help="SOS per second")
    add_phases(p, before=5.0, after=10.0, grace=60.0)
    return run_main(p, "fault: a share of the consoles dropped for a few seconds", run)


if __name__ == "__main__":
    sys.exit(main())
