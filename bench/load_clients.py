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
nothing reconnects, so a drop shows up as lost events too, unless the pool
was made with ``reconnect=True`` (``--reconnect``): then a dropped client
reconnects (after 0.25-0.75 s, then doubling to 5 s ± 50 %, as the
console's socket.io client does) and sends ``resume`` with the highest ``seq`` it has
seen, exactly like static/js/console-live.js, and files the replayed events
like live ones.  Each client also keeps a bitmap of the keys it has had, so
a report tells, per client, how many distinct events it received and how
many arrived twice (``per_client``).

``tokens`` (``--tokens-file``) gives client i the token ``tokens[i % len]``
(one business per token); ``summary=True`` (``--summary``) keeps, per key,
only the count and the first and last receive time instead of every time
(long soaks).

Used two ways: imported (``ClientPool``, for warm-up probes inside
fanout.py) or as a subprocess driven by JSON lines on stdin/stdout::

    python bench/load_clients.py --url ws://… --origin http://… --token T --clients 500

    stdout  {"type": "ready", "connected": n, "failed": f, ...}   once connected
    stdin   {"cmd": "status"} -> {"type": "status", "connected", "received", "drops", ...}
            {"cmd": "reset"}  -> forget deliveries so far, restart the CPU and lag counters
                                 -> {"type": "reset"}
            {"cmd": "report"} -> {"type": "report", "times": {key: [t, …]}, "cpu_s", "wall_s",
                                  "lag_p99_ms", ...}
            {"cmd": "drop", "n": k} -> abort k connections (they reconnect when --reconnect)
                                 -> {"type": "drop", "dropped": k}
            {"cmd": "quit"}   -> closes every connection and exits
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
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


class Conn:
    """One client's state across reconnects: what it has had, where to resume from."""

    __slots__ = ("bits", "dupes", "idx", "last_seq", "resuming", "token", "unique", "ws")

    def __init__(self, idx: int, token: str):
        self.idx = idx
        self.token = token
        self.ws = None
        self.last_seq = 0
        self.bits = bytearray()
        self.unique = 0
        self.dupes = 0
        self.resuming = False

    def mark(self, k: int) -> bool:
        """Note key number k; False when this client had it already."""
        byte, bit = k >> 3, 1 << (k & 7)
        if byte >= len(self.bits):
            self.bits.extend(bytes(byte + 64 - len(self.bits)))
        if self.bits[byte] & bit:
            self.dupes += 1
            return False
        self.bits[byte] |= bit
        self.unique += 1
        return True


class ClientPool:
    def __init__(
        self,
        url: str,
        origin: str | None,
        token: str | list[str],
        n: int,
        *,
        namespace: str = "/staff",
        event: str = "ticket.created",
        key: str = "id",
        concurrency: int = 50,
        connect_timeout: float = 30.0,
        deflate: bool = False,
        reconnect: bool = False,
        summary: bool = False,
    ):
        self.url = url
        self.origin = origin
        self.tokens = [token] if isinstance(token, str) else list(token)
        self.n = n
        self.namespace = namespace
        self.event = event
        self.key = key
        self.concurrency = concurrency
        self.connect_timeout = connect_timeout
        self.deflate = deflate
        self.reconnect = reconnect
        self.summary = summary
        self.prefix = "42" + (namespace + "," if namespace != "/" else "")
        self.connect_ack = "40" + (namespace + "," if namespace != "/" else "")
        self.refuse = "44" + (namespace + "," if namespace != "/" else "")
        self.clients = [Conn(i, self.tokens[i % len(self.tokens)]) for i in range(n)]
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
        # key -> [recv monotonic time, ...]; with summary: key -> [count, first, last]
        self.times: dict = defaultdict(list)
        self.key_index: dict = {}  # key -> small int (the clients' bitmaps)
        self.received = 0
        self.replayed = 0  # events received between a resume and its resume.done
        self.reconnects = 0  # successful reconnections
        self.reconnect_failures = 0  # attempts that failed (then retried)
        self.reconnect_reasons: Counter = Counter()
        self.resumes_done = 0
        self.last_back: float | None = None  # when the last reconnection finished its resume
        self.connect_s = 0.0
        self.ping_interval_ms = None
        self._lag: list[float] = []
        self._lag_task: asyncio.Task | None = None
        self._cpu0 = _cpu_s()
        self._wall0 = time.monotonic()

    # ------------------------------------------------------------------ connect
    async def _open(self, idx: int, sem: asyncio.Semaphore):
        conn = self.clients[idx]
        async with sem:
            ws = None
            try:
                ws = await asyncio.wait_for(self._handshake(conn), self.connect_timeout)
            except Exception as exc:
                self.failed += 1
                self.fail_reasons[f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
                if ws is not None:
                    ws.transport.abort()
                return
            conn.ws = ws
            self.connected += 1
            self.ever_connected += 1
        self.tasks.append(asyncio.current_task())
        await self._run(conn, ws)

    async def _handshake(self, conn: Conn | None = None):
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
        token = conn.token if conn is not None else self.tokens[0]
        auth = json.dumps({"token": token}, separators=(",", ":"))
        try:
            first = await ws.recv()
            if not isinstance(first, str) or not first.startswith("0"):
                raise RuntimeError(f"unexpected open packet {first!r:.60}")
            if self.ping_interval_ms is None:
                self.ping_interval_ms = json.loads(first[1:]).get("pingInterval")
            await ws.send(self.connect_ack + auth)
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

    async def _run(self, conn: Conn, ws):
        while True:
            try:
                reason = await self._receive(conn, ws)
            except ConnectionClosed as exc:
                reason = f"closed {exc.rcvd.code if exc.rcvd else 'abnormal'}"
            except Exception as exc:
                reason = f"{type(exc).__name__}"
            self.connected -= 1
            conn.ws = None
            if not self.stopping:
                self.drops += 1
                self.drop_reasons[reason] += 1
                self.drop_times.append(time.monotonic())
            with contextlib.suppress(Exception):
                await ws.close()
            if self.stopping or not self.reconnect:
                return
            ws = await self._reconnect(conn)
            if ws is None:
                return

    async def _reconnect(self, conn: Conn):
        """Reconnect and resume, with the web console's delays (static/js/console-live.js:
        socket.io's reconnectionDelay 500 ms doubling to 5 s, each ± 50 %)."""
        delay = 0.5
        while not self.stopping:
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))
            if self.stopping:
                return None
            try:
                ws = await asyncio.wait_for(self._handshake(conn), self.connect_timeout)
            except Exception as exc:
                self.reconnect_failures += 1
                self.reconnect_reasons[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                delay = min(5.0, delay * 2)
                continue
            conn.ws = ws
            self.connected += 1
            self.reconnects += 1
            await self._resume(conn, ws)
            return ws
        return None

    async def _resume(self, conn: Conn, ws) -> None:
        conn.resuming = True
        since = json.dumps({"since": conn.last_seq}, separators=(",", ":"))
        with contextlib.suppress(Exception):
            await ws.send(f'{self.prefix}["resume",{since}]')

    async def _receive(self, conn: Conn, ws) -> str:
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
                if self._on_event(conn, msg, now):
                    await self._resume(conn, ws)
            elif msg.startswith("1"):
                break  # Engine.IO close
            elif msg.startswith("41"):
                self.other_events["<namespace disconnect>"] += 1
                break
        # the iterator ended: the server closed the websocket cleanly
        return f"closed {ws.close_code} {ws.close_reason}".strip()

    def _on_event(self, conn: Conn, msg: str, now: float) -> bool:
        """File one event frame; True when the server asks for a resync (resume again)."""
        self.frames += 1
        self.frame_bytes += len(msg)
        body = msg[len(self.prefix) :]
        if body[:1].isdigit():  # ack id (never used by these events)
            body = body.lstrip("0123456789")
        try:
            name, data = json.loads(body)[:2]
        except (ValueError, TypeError):
            self.other_events["<unparsed>"] += 1
            return False
        if isinstance(data, dict):
            seq = data.get("seq")
            if isinstance(seq, int) and seq > conn.last_seq:
                conn.last_seq = seq
        if name == self.event and isinstance(data, dict):
            self._file(conn, data.get(self.key), now)
        elif name == "resume.done":
            if conn.resuming:
                conn.resuming = False
                self.resumes_done += 1
                self.last_back = now
        elif name == "resync":
            self.other_events[name] += 1
            return True
        else:
            self.other_events[name] += 1
        return False

    def _file(self, conn: Conn, k, now: float) -> None:
        """Timestamp the awaited event under its key, once per client."""
        num = self.key_index.get(k)
        if num is None:
            num = self.key_index[k] = len(self.key_index)
        if not conn.mark(num):
            return  # had it already (a console drops it by its seq)
        if conn.resuming:
            self.replayed += 1
        if self.summary:
            t = self.times.get(k)
            if t is None:
                self.times[k] = [1, now, now]
            else:
                t[0] += 1
                t[2] = now
        else:
            self.times[k].append(now)
        self.received += 1

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

    def drop(self, n: int) -> int:
        """Abort n random live connections (a network cut); returns how many."""
        live = [c for c in self.clients if c.ws is not None]
        picked = random.sample(live, min(n, len(live)))
        for c in picked:
            c.ws.transport.abort()
        return len(picked)

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
        self.replayed = 0
        self.other_events = Counter()
        self._lag = []
        self._cpu0 = _cpu_s()
        self._wall0 = time.monotonic()
        self.frames = 0
        self.frame_bytes = 0
        for c in self.clients:
            c.bits = bytearray()
            c.unique = c.dupes = 0
        self.key_index.clear()

    def status(self) -> dict:
        return {
            "connected": self.connected,
            "received": self.received,
            "drops": self.drops,
            "failed": self.failed,
            "eio_pings": self.eio_pings,
            "reconnects": self.reconnects,
            "reconnect_failures": self.reconnect_failures,
            "resumes_done": self.resumes_done,
            "resuming": sum(1 for c in self.clients if c.resuming),
            "last_back": self.last_back,
            "replayed": self.replayed,
        }

    def report(self) -> dict:
        lag = sorted(self._lag)

        def pct(p):
            return lag[min(len(lag) - 1, int(p * len(lag)))] if lag else None

        if self.summary:
            times = {str(k): [v[0], round(v[1], 6), round(v[2], 6)] for k, v in self.times.items()}
        else:
            times = {str(k): [round(t, 6) for t in v] for k, v in self.times.items()}
        return {
            "type": "report",
            "times": times,
            "summary": self.summary,
            # per client: [token index, distinct events received, events received twice]
            "per_client": [[c.idx % len(self.tokens), c.unique, c.dupes] for c in self.clients],
            "received": self.received,
            "replayed": self.replayed,
            "connected": self.connected,
            "ever_connected": self.ever_connected,
            "failed": self.failed,
            "fail_reasons": dict(self.fail_reasons),
            "drops": self.drops,
            "drop_reasons": dict(self.drop_reasons),
            "drop_times": self.drop_times,
            "reconnects": self.reconnects,
            "reconnect_failures": self.reconnect_failures,
            "reconnect_reasons": dict(self.reconnect_reasons),
            "resumes_done": self.resumes_done,
            "last_back": self.last_back,
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
        conns = [c.ws for c in self.clients if c.ws is not None]
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
    token = args.token
    if args.tokens_file:
        with open(args.tokens_file) as f:  # noqa: ASYNC230 - read once, before connecting
            token = [line.strip() for line in f if line.strip()]
    pool = ClientPool(
        args.url,
        args.origin,
        token,
        args.clients,
        namespace=args.namespace,
        event=args.event,
        key=args.key,
        concurrency=args.concurrency,
        connect_timeout=args.connect_timeout,
        deflate=args.deflate,
        reconnect=args.reconnect,
        summary=args.summary,
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
            elif cmd == "drop":
                _emit({"type": "drop", "dropped": pool.drop(int(json.loads(line).get("n", 0)))})
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
    p.add_argument("--token", default="")
    p.add_argument("--tokens-file", help="one token per line: client i takes line i mod lines")
    p.add_argument("--reconnect", action="store_true", help="reconnect after a drop and resume")
    p.add_argument("--summary", action="store_true", help="per key: count, first, last time")
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
