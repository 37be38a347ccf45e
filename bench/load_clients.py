"""Lightweight Socket.IO load clients for bench/fanout.py.

Each client is one ``websockets`` connection speaking Engine.IO v4 /
Socket.IO v5 framing by hand (no python-socketio client objects):

* connect to ``ws://HOST:PORT/socket.io/?EIO=4&transport=websocket``
  (with an ``Origin`` header equal to the server's own URL);
* receive the Engine.IO open packet ``0{"sid":…,"pingInterval":…}``;
* send ``40/staff,{"token":"…"}`` (namespace connect with the auth payload)
  and wait for ``40/staff,{"sid":…}`` (``44/staff,…`` is a refusal);
* answer every Engine.IO ping ``2`` with a pong ``3`` (Engine.IO v4: the
  server pings); websocket-level pings are answered by ``websockets``;
* timestamp every ``42/staff,["<event>",{…}]`` with ``time.monotonic()``
  (CLOCK_MONOTONIC: one clock for every process of the machine) and file
  it under the payload's key field (``id`` by default).

A connection that closes before the pool is told to stop counts as a drop;
nothing reconnects, so a drop shows up as lost events too.

Used two ways: imported (``ClientPool``, for warm-up probes inside
fanout.py) or as a subprocess driven by JSON lines on stdin/stdout::

    python bench/load_clients.py --url ws://… --origin http://… --token T --clients 500

    stdout  {"type": "ready", "connected": n, "failed": f, ...}   once connected
    stdin   {"cmd": "status"} -> {"type": "status", "connected", "received", "drops", ...}
            {"cmd": "reset"}  -> forget deliveries so far, restart the CPU and lag counters
                                 -> {"type": "reset"}
            {"cmd": "report"} -> {"type": "report", "times": {key: [t, …]}, "cpu_s", "wall_s",
                                  "lag_p99_ms", ...}
            {"cmd": "quit"}   -> closes every connection and exits
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import sys
import time
from collections import Counter, defaultdict

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


def raise_nofile(target: int = 65536) -> int:
    """Raise the open-files limit (the hard one too when allowed, e.g. as root)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
            return target
        except (ValueError, OSError):
            pass
    want = min(target, hard) if hard != resource.RLIM_INFINITY else target
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class ClientPool:
    def __init__(
        self,
        url: str,
        origin: str | None,
        token: str,
        n: int,
        *,
        namespace: str = "/staff",
        event: str = "ticket.created",
        key: str = "id",
        concurrency: int = 50,
        connect_timeout: float = 30.0,
        deflate: bool = False,
    ):
        self.url = url
        self.origin = origin
        self.auth = json.dumps({"token": token}, separators=(",", ":"))
        self.n = n
        self.namespace = namespace
        self.event = event
        self.key = key
        self.concurrency = concurrency
        self.connect_timeout = connect_timeout
        self.deflate = deflate
        self.prefix = "42" + (namespace + "," if namespace != "/" else "")
        self.connect_ack = "40" + (namespace + "," if namespace != "/" else "")
        self.refuse = "44" + (namespace + "," if namespace != "/" else "")
        self.conns: list = []
        self.tasks: list[asyncio.Task] = []
        self.connected = 0  # currently connected
        self.ever_connected = 0
        self.failed = 0
        self.fail_reasons: Counter = Counter()
        self.drops = 0
        self.drop_reasons: Counter = Counter()
        self.drop_times: list[float] = []
        self.stopping = False
        self.eio_pings = 0
        self.other_events: Counter = Counter()
        self.frame_bytes = 0
        self.frames = 0
        self.times: dict = defaultdict(list)  # key -> [recv monotonic time, ...]
        self.received = 0
        self.connect_s = 0.0
        self.ping_interval_ms = None
        self._lag: list[float] = []
        self._lag_task: asyncio.Task | None = None
        self._cpu0 = _cpu_s()
        self._wall0 = time.monotonic()

    # ------------------------------------------------------------------ connect
    async def _open(self, idx: int, sem: asyncio.Semaphore):
        async with sem:
            ws = None
            try:
                ws = await asyncio.wait_for(self._handshake(), self.connect_timeout)
            except Exception as exc:
                self.failed += 1
                self.fail_reasons[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                if ws is not None:
                    ws.transport.abort()
                return
            self.conns.append(ws)
            self.connected += 1
            self.ever_connected += 1
        self.tasks.append(asyncio.current_task())
        await self._run(ws)

    async def _handshake(self):
        ws = await connect(
            self.url,
            origin=self.origin,
            compression="deflate" if self.deflate else None,
            ping_interval=None,
            max_size=2**22,
            open_timeout=self.connect_timeout,
            close_timeout=2,
            proxy=None,
            max_queue=256,
        )
        try:
            first = await ws.recv()
            if not isinstance(first, str) or not first.startswith("0"):
                raise RuntimeError(f"unexpected open packet {first!r:.60}")
            if self.ping_interval_ms is None:
                self.ping_interval_ms = json.loads(first[1:]).get("pingInterval")
            await ws.send(self.connect_ack + self.auth)
            while True:
                msg = await ws.recv()
                if not isinstance(msg, str):
                    continue
                if msg == "2":
                    await ws.send("3")
                    self.eio_pings += 1
                elif msg.startswith(self.connect_ack):
                    return ws
                elif msg.startswith(self.refuse) or msg.startswith("44"):
                    raise RuntimeError(f"refused: {msg[:120]}")
                elif msg.startswith("1"):
                    raise RuntimeError("server closed during connect")
                # anything else before the ack (events) is ignored
        except BaseException:
            ws.transport.abort()
            raise

    async def _run(self, ws):
        try:
            reason = await self._receive(ws)
        except ConnectionClosed as exc:
            reason = f"closed {exc.rcvd.code if exc.rcvd else 'abnormal'}"
        except Exception as exc:
            reason = f"{type(exc).__name__}"
        self.connected -= 1
        if not self.stopping:
            self.drops += 1
            self.drop_reasons[reason] += 1
            self.drop_times.append(time.monotonic())
        with contextlib.suppress(Exception):
            await ws.close()

    async def _receive(self, ws) -> str:
        """Answer pings and file events until the server closes; returns why it closed."""
        prefix = self.prefix
        mono = time.monotonic
        async for msg in ws:
            now = mono()
            if msg.__class__ is not str:
                continue
            if msg == "2":
                await ws.send("3")
                self.eio_pings += 1
                continue
            if msg.startswith(prefix):
                self._on_event(msg, now)
            elif msg.startswith("1"):
                break  # Engine.IO close
            elif msg.startswith("41"):
                self.other_events["<namespace disconnect>"] += 1
                break
        # the iterator ended: the server closed the websocket cleanly
        return f"closed {ws.close_code} {ws.close_reason}".strip()

    def _on_event(self, msg: str, now: float) -> None:
        """Count one event frame; timestamp it under its key when it is the awaited event."""
        self.frames += 1
        self.frame_bytes += len(msg)
        body = msg[len(self.prefix) :]
        if body[:1].isdigit():  # ack id (never used by these events)
            body = body.lstrip("0123456789")
        try:
            name, data = json.loads(body)[:2]
        except (ValueError, TypeError):
            self.other_events["<unparsed>"] += 1
            return
        if name == self.event and isinstance(data, dict):
            k = data.get(self.key)
            self.times[k].append(now)
            self.received += 1
        else:
            self.other_events[name] += 1

    async def start(self) -> None:
        """Open every connection (at most ``concurrency`` handshakes at once)."""
        t0 = time.monotonic()
        sem = asyncio.Semaphore(self.concurrency)
        self._tasks_all = [asyncio.create_task(self._open(i, sem)) for i in range(self.n)]
        # wait until every handshake has either succeeded or failed
        while self.ever_connected + self.failed < self.n:  # noqa: ASYNC110 - every task ends
            await asyncio.sleep(0.05)
        self.connect_s = time.monotonic() - t0
        self._lag_task = asyncio.create_task(self._measure_lag())

    async def _measure_lag(self, period: float = 0.01):
        # event-loop lag: how late a 10 ms sleep wakes up; a saturated client
        # process shows it here (and its latencies are then client-bound)
        loop = asyncio.get_running_loop()
        while True:
            t = loop.time()
            await asyncio.sleep(period)
            self._lag.append(loop.time() - t - period)
            if len(self._lag) > 200_000:
                del self._lag[:100_000]

    def reset(self) -> None:
        self.times.clear()  # cleared in place: the receive loops hold a reference
        self.received = 0
        self.other_events = Counter()
        self._lag = []
        self._cpu0 = _cpu_s()
        self._wall0 = time.monotonic()
        self.frames = 0
        self.frame_bytes = 0

    def status(self) -> dict:
        return {
            "connected": self.connected,
            "received": self.received,
            "drops": self.drops,
            "failed": self.failed,
            "eio_pings": self.eio_pings,
        }

    def report(self) -> dict:
        lag = sorted(self._lag)

        def pct(p):
            return lag[min(len(lag) - 1, int(p * len(lag)))] if lag else None

        return {
            "type": "report",
            "times": {str(k): [round(t, 6) for t in v] for k, v in self.times.items()},
            "received": self.received,
            "connected": self.connected,
            "ever_connected": self.ever_connected,
            "failed": self.failed,
            "fail_reasons": dict(self.fail_reasons),
            "drops": self.drops,
            "drop_reasons": dict(self.drop_reasons),
            "drop_times": self.drop_times,
            "eio_pings": self.eio_pings,
            "other_events": dict(self.other_events),
            "frames": self.frames,
            "frame_bytes": self.frame_bytes,
            "cpu_s": _cpu_s() - self._cpu0,
            "wall_s": time.monotonic() - self._wall0,
            "lag_p50_ms": pct(0.50) * 1e3 if lag else None,
            "lag_p99_ms": pct(0.99) * 1e3 if lag else None,
            "lag_max_ms": lag[-1] * 1e3 if lag else None,
            "connect_s": self.connect_s,
            "ping_interval_ms": self.ping_interval_ms,
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }

    async def stop(self, limit_s: float = 5.0) -> None:
        self.stopping = True
        if self._lag_task:
            self._lag_task.cancel()
        conns = list(self.conns)
        if conns:
            closers = [asyncio.create_task(ws.close()) for ws in conns]
            _, pending = await asyncio.wait(closers, timeout=limit_s)
            for t in pending:
                t.cancel()
            for ws in conns:
                if ws.transport and not ws.transport.is_closing():
                    ws.transport.abort()
        for t in getattr(self, "_tasks_all", []):
            t.cancel()
        await asyncio.sleep(0)


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def _serve(args) -> int:
    pool = ClientPool(
        args.url,
        args.origin,
        args.token,
        args.clients,
        namespace=args.namespace,
        event=args.event,
        key=args.key,
        concurrency=args.concurrency,
        connect_timeout=args.connect_timeout,
        deflate=args.deflate,
    )
    await pool.start()
    ready = {
        "type": "ready",
        **pool.status(),
        "connect_s": pool.connect_s,
        "fail_reasons": dict(pool.fail_reasons),
        "ping_interval_ms": pool.ping_interval_ms,
    }
    _emit(ready)

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    deadline = time.monotonic() + args.max_lifetime
    try:
        while time.monotonic() < deadline:
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=5)
            except TimeoutError:
                continue
            if not line:
                break  # the orchestrator went away
            try:
                cmd = json.loads(line).get("cmd")
            except ValueError:
                continue
            if cmd == "status":
                _emit({"type": "status", **pool.status()})
            elif cmd == "reset":
                pool.reset()
                _emit({"type": "reset"})
            elif cmd == "report":
                _emit(pool.report())
            elif cmd == "quit":
                break
    finally:
        await pool.stop()
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Socket.IO load clients (see module doc)")
    p.add_argument(
        "--url", required=True, help="ws://127.0.0.1:PORT/socket.io/?EIO=4&transport=websocket"
    )
    p.add_argument("--origin", default=None)
    p.add_argument("--token", required=True)
    p.add_argument("--clients", type=int, default=500)
    p.add_argument("--namespace", default="/staff")
    p.add_argument("--event", default="ticket.created")
    p.add_argument("--key", default="id")
    p.add_argument("--concurrency", type=int, default=50, help="handshakes in flight at once")
    p.add_argument("--connect-timeout", type=float, default=60.0)
    p.add_argument("--deflate", action="store_true", help="offer permessage-deflate (browsers do)")
    p.add_argument(
        "--max-lifetime", type=float, default=3600.0, help="exit after this many seconds regardless"
    )
    p.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = p.parse_args(argv)
    if not args.url.startswith(("ws://127.", "ws://localhost", "ws://[::1]")):
        print("load_clients: loopback targets only", file=sys.stderr)
        return 2
    raise_nofile()
    if args.uvloop:
        import uvloop

        return uvloop.run(_serve(args))
    return asyncio.run(_serve(args))


if __name__ == "__main__":
    sys.exit(main())
