"""Where an SOS's time goes before its push: each step's time from the request's arrival.

Run as the hub under `fanout.py` (`--hub-cmd`), it serves `sos-hub` as usual and, for
every `POST /api/v1/sos`, appends one JSON line to the file named by SOS_PHASES: the
milliseconds from the request reaching Quart to the start (`>`) and end (`<`) of each
step: the point lookup, the SOS use case, the language detector's request (`detect>`;
`request`: the line written to its pipe) and answer, the guard's screening, the ticket
number, the category suggestion, the commit, and the emit to the consoles (its end is the
last console's frame written). Then `--report` prints each mark's p50 and p90 over the run.

    SOS_PHASES=/tmp/phases.jsonl python bench/fanout.py --skip-bare --count 100 \\
        --db-dir /dev/shm --hub-cmd "python $PWD/bench/pre_emit.py"
    python bench/pre_emit.py --report /tmp/phases.jsonl

The marks wrap the hub's own methods (by name), so a renamed one drops its marks; the
timing costs a few microseconds per mark.
"""

from __future__ import annotations

import contextvars
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ARRIVAL: contextvars.ContextVar[float | None] = contextvars.ContextVar("arrival", default=None)
ROW: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar("row", default=None)
WARM_UP = 5  # the first SOS of a run load code and caches: left out of the report


def mark(name: str) -> None:
    """Note `name` for the SOS this task serves: the first start, the last end."""
    row, arrival = ROW.get(), ARRIVAL.get()
    if row is None or arrival is None or (name.endswith(">") and name in row):
        return
    row[name] = round((time.perf_counter() - arrival) * 1000, 3)


def wrap(owner: Any, attr: str, name: str) -> None:
    """Mark the start and end of an async method or function."""
    original: Callable[..., Any] = getattr(owner, attr)

    async def timed(*args: Any, **kwargs: Any) -> Any:
        mark(f"{name}>")
        try:
            return await original(*args, **kwargs)
        finally:
            mark(f"{name}<")

    setattr(owner, attr, timed)


def wrap_sync(owner: Any, attr: str, name: str) -> None:
    """Mark the start and end of a plain method (the detector's request: one `os.write`)."""
    original: Callable[..., Any] = getattr(owner, attr)

    def timed(*args: Any, **kwargs: Any) -> Any:
        mark(f"{name}>")
        try:
            return original(*args, **kwargs)
        finally:
            mark(f"{name}<")

    setattr(owner, attr, timed)


def instrument(out_path: str) -> None:
    """Wrap the hub's steps; one line per SOS request to `out_path`."""
    import quart.app

    from hub.moderation.guard import StoreGuard
    from hub.realtime.fanout import FanoutManager
    from hub.routes import api
    from hub.store.sqlite import SqliteStore
    from hub.tickets.repository import TicketRepository
    from hub.tickets.services import TicketService
    from hub.translate.detector_process import DetectorProcess

    out = open(out_path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)
    call = quart.app.Quart.__call__

    async def arrive(self: Any, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "http" or scope.get("path") != "/api/v1/sos":
            return await call(self, scope, receive, send)
        ARRIVAL.set(time.perf_counter())
        row: dict[str, float] = {}
        ROW.set(row)
        try:
            return await call(self, scope, receive, send)
        finally:
            mark("answered")
            out.write(json.dumps(row) + "\n")

    quart.app.Quart.__call__ = arrive  # type: ignore[method-assign]
    wrap(quart.app.Quart, "full_dispatch_request", "dispatch")
    wrap(api, "point_place", "point")
    wrap(TicketService, "submit_sos", "submit")
    wrap(DetectorProcess, "detect", "detect")
    wrap_sync(DetectorProcess, "_send", "request")  # written to the child's pipe
    wrap(StoreGuard, "screen", "screen")
    wrap(TicketRepository, "next_number", "number")
    wrap(TicketService, "_suggest", "suggest")
    wrap(SqliteStore, "commit", "commit")
    wrap(FanoutManager, "emit", "emit")


def report(path: str) -> int:
    rows = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    rows = [r for r in rows if "emit<" in r][WARM_UP:]
    if not rows:
        print(f"{path}: no pushed SOS")
        return 1
    names = {k for r in rows for k in r}
    order = sorted(names, key=lambda k: statistics.median(r[k] for r in rows if k in r))
    print(f"{len(rows)} SOS; ms from the request's arrival at Quart:")
    for name in order:
        values = sorted(r[name] for r in rows if name in r)
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        print(f"  {name:12s} p50 {statistics.median(values):7.2f}   p90 {p90:7.2f}")
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--report"]:
        return report(sys.argv[2])
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    out_path = os.environ.get("SOS_PHASES")
    if out_path:
        instrument(out_path)
    from hub.cli import main as hub_main

    return hub_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
