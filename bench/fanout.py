"""Fan-out benchmark: one SOS hub instance, N live staff consoles.

What one run does, for the hub and then for a bare python-socketio app
(bench/bare_server.py) with the same clients and the same rate:

1. starts the server as a subprocess on 127.0.0.1 (the hub with a fresh
   SQLite database in a temp dir, a tenant, an agent with an API token and
   an access point made through ``sos-hub``), waits for ``/healthz``;
2. warms it up with a 2-client probe (3 SOS), which also measures the size
   of a ``ticket.created`` frame (the bare app then pads its events to it);
3. reads the server's RSS, connects N websocket clients to ``/staff``
   (bench/load_clients.py, spread over --clients-procs subprocesses), waits,
   reads the RSS again: (after - before) / N is the memory per connection;
4. posts SOS open-loop at --rate for --count (or --duration), each POST
   timestamped on CLOCK_MONOTONIC just before it is sent; the clients
   timestamp every ``ticket.created`` on the same clock;
5. waits until every connected client has every event (or --grace seconds
   without progress), reads the server's CPU time (/proc, whole process
   tree) and the clients' reports, and prints:
   POST->event latency to the LAST client per SOS and per delivery
   (p50/p95/p99/max), SOS/s accepted, server CPU per delivered event,
   RSS per connection, dropped connections, lost events, and how busy the
   client processes and the machine were (2 cores: the clients compete
   with the server, so a saturated client shows up as event-loop lag).

Finally it prints hub/bare ratios of p50 and p99.  With ``--peer node`` the
same clients then meet bench/node_server.js (Node.js Socket.IO 4.8), the
hub/node ratios are printed too, and a side-by-side table ends the run.

``--connections-only 10000`` instead connects that many clients, holds them
for --hold seconds (default 60, two Engine.IO ping rounds) while posting a
few SOS, and reports drops, lost events and RSS per connection.

Everything stays on 127.0.0.1; every loop is bounded; the servers and the
client processes are killed in ``finally``.

    python bench/fanout.py                      # 1,000 clients, 10 SOS/s, 300 SOS
    python bench/fanout.py --skip-hub           # bare python-socketio only
    python bench/fanout.py --peer node          # hub, bare, then Node Socket.IO
    python bench/fanout.py --connections-only 10000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from load_clients import ClientPool, raise_nofile  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024

# SOS texts: five slots of 17 phrases each; text i takes, in slot k, phrase
# (a + b*k + c*k*k) mod 17 where (a, b, c) are the base-17 digits of i.  Two
# different texts therefore share at most two of their five phrases, so the
# hub's near-duplicate ("repeat") filter does not merge them, and no text has
# a digit in it (runs of digits read as phone numbers to its spam filter).
SLOTS = [
    [
        "The coffee machine",
        "A water pipe",
        "The lift",
        "The heating",
        "The card reader",
        "A window",
        "The ticket printer",
        "The hand dryer",
        "The door lock",
        "The ceiling light",
        "The fire exit sign",
        "The vending machine",
        "The air conditioning",
        "The wifi",
        "A shower",
        "The escalator",
        "The baby changing table",
    ],
    [
        "is leaking badly",
        "makes a loud grinding noise",
        "has stopped working",
        "smells of burning",
        "keeps beeping",
        "is stuck halfway",
        "gives small electric shocks",
        "is blocking the way",
        "flickers constantly",
        "is broken into pieces",
        "is far too hot",
        "does not respond at all",
        "is covered in something sticky",
        "fell off the wall",
        "is spraying water",
        "shows an error message",
        "makes people slip",
    ],
    [
        "near the main entrance",
        "on the second floor",
        "beside the lifts",
        "in the east corridor",
        "behind the reception desk",
        "at the car park exit",
        "next to the cafeteria",
        "in meeting room B",
        "by the north stairs",
        "in the ladies toilets",
        "outside the gym",
        "close to gate C",
        "in the children's area",
        "on the terrace",
        "in the basement",
        "beside the pool",
        "at the back of the shop",
    ],
    [
        "since this morning",
        "for about an hour",
        "right now",
        "since we arrived",
        "after the storm",
        "all afternoon",
        "every few minutes",
        "since lunchtime",
        "for two days",
        "since the cleaners left",
        "over the weekend",
        "this evening",
        "since yesterday",
        "whenever it rains",
        "after the delivery",
        "at night",
        "during the concert",
    ],
    [
        "please send someone",
        "could somebody check it",
        "it looks dangerous",
        "my children are scared",
        "we need help quickly",
        "nobody at the desk knows about it",
        "thank you in advance",
        "it is really annoying",
        "guests keep complaining",
        "I almost fell",
        "is anyone responsible",
        "please fix it soon",
        "we are waiting nearby",
        "an elderly man needs help",
        "the staff seem busy",
        "it has happened before",
        "can you call maintenance",
    ],
]
_P = 17
DISTINCT_TEXTS = _P**3


def sos_text(i: int) -> str:
    i %= DISTINCT_TEXTS
    a, b, c = i % _P, (i // _P) % _P, i // (_P * _P)
    parts = [SLOTS[k][(a + b * k + c * k * k) % _P] for k in range(5)]
    return f"{parts[0]} {parts[1]} {parts[2]} {parts[3]}, {parts[4]}."


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- /proc readings
def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    out.extend(int(x) for x in f.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return out


def proc_tree(pid: int) -> list[int]:
    seen, todo = [], [pid]
    while todo and len(seen) < 1000:
        p = todo.pop()
        if p in seen:
            continue
        seen.append(p)
        todo.extend(_children(p))
    return seen


def _stat_cpu(pid: int) -> tuple[float, float]:
    """(utime + stime, cutime + cstime) of one process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (
            (int(fields[11]) + int(fields[12])) / CLK_TCK,
            (int(fields[13]) + int(fields[14])) / CLK_TCK,
        )
    except (OSError, IndexError, ValueError):
        return 0.0, 0.0


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the server process's own CPU time, its descendants' CPU time, live or reaped).

    The hub may run helpers as subprocesses (e.g. Apertium for translation):
    their time is counted apart from the server process's own.
    """
    own, reaped = _stat_cpu(pid)
    children = reaped
    for p in proc_tree(pid)[1:]:
        u, c = _stat_cpu(p)
        children += u + c
    return own, children


def rss_kb(pid: int) -> int:
    """resident memory of the server process itself (not of short-lived helpers)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        parts = [int(x) for x in f.readline().split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    total = sum(parts[:8])
    return total - idle, total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float):
    """nearest-rank percentile (p in 0..100)."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, math.ceil(p / 100 * len(v)) - 1))
    return v[k]


def kill_group(proc, name: str, timeout: float = 20.0) -> tuple[float, bool]:
    """SIGTERM the process group, SIGKILL it after ``timeout``; returns (seconds, killed)."""
    t0 = time.monotonic()
    if proc is None or proc.poll() is not None:
        return 0.0, False
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return 0.0, False
    try:
        proc.wait(timeout)
        return time.monotonic() - t0, False
    except subprocess.TimeoutExpired:
        log(f"{name} ignored SIGTERM for {timeout:.0f}s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
        return time.monotonic() - t0, True


# ---------------------------------------------------------------- servers
def serve_cmd(port: int, cli: list[str] | None = None) -> list[str]:
    """`sos-hub serve` on 127.0.0.1:`port` (`cli`: how to run sos-hub; this Python's by default)."""
    cli = cli or [sys.executable, "-m", "hub.cli"]
    return [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)]


def spawn_logged(
    cmd: list[str], env: dict[str, str], cwd: str, log_path: Path
) -> subprocess.Popen[bytes]:
    """`cmd` in a process group of its own, its output appended to `log_path` (so that a
    restarted process keeps the log of its first life)."""
    with open(log_path, "ab") as logf:
        return subprocess.Popen(
            cmd,
            env=env,
            cwd=cwd,
            stdout=logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            process_group=0,
        )


def cli_json(cli: list[str], args: list[str], env: dict[str, str], cwd: str) -> dict:
    """Run `sos-hub` (`cli`) with `args`; the JSON object it printed."""
    r = subprocess.run(
        cli + args,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    if r.returncode != 0:
        raise RuntimeError(f"`sos-hub {' '.join(args)}` exited {r.returncode}: {r.stderr[-2000:]}")
    out = r.stdout
    start = out.find("{")
    if start < 0:
        raise RuntimeError(f"`sos-hub {' '.join(args)}` printed no JSON: {out[-500:]!r}")
    obj, _ = json.JSONDecoder().raw_decode(out[start:])
    return dict(obj)


def seed_cli(run_json: Callable[[list[str]], dict], language: str = "en") -> str:
    """The bench business through `sos-hub` (`run_json`: runs it, returns its JSON): tenant
    "bench", agent a@b.c, point "bench1"; the agent's API token."""
    run_json(["tenant", "create", "--slug", "bench", "--name", "Bench", "--language", language])
    user = run_json(
        [
            *("user", "create", "--tenant", "bench", "--email", "a@b.c"),
            *("--password", "pw123456", "--role", "agent"),
        ]
    )
    token = str(user.get("api_token") or "")
    if not token:
        raise RuntimeError(f"`sos-hub user create` gave no api_token: {user}")
    run_json(["point", "create", "--tenant", "bench", "--code", "bench1", "--label", "Bench"])
    return token


@dataclass
class Target:
    name: str
    port: int
    token: str = ""
    proc: subprocess.Popen | None = None
    workdir: str = ""
    log_path: str = ""
    key: str = "id"
    distinct_devices: bool = True
    notes: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket.io/?EIO=4&transport=websocket"

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> tuple[float, bool]:
        return kill_group(self.proc, self.name)

    def log_tail(self, n: int = 30) -> str:
        try:
            return "".join(Path(self.log_path).read_text(errors="replace").splitlines(True)[-n:])
        except OSError:
            return ""

    def _spawn(self, cmd: list[str], env: dict, cwd: str) -> None:
        self.log_path = os.path.join(self.workdir, f"{self.name}-server.log")
        self.proc = spawn_logged(cmd, env, cwd, Path(self.log_path))


class BareTarget(Target):
    def __init__(self, port: int, payload_bytes: int):
        super().__init__("bare", port, token="bench")
        self.payload_bytes = payload_bytes

    def start(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="sos-bench-bare-")
        cmd = [
            sys.executable,
            str(HERE / "bare_server.py"),
            "--port",
            str(self.port),
            "--token",
            self.token,
            "--payload-bytes",
            str(self.payload_bytes),
        ]
        self._spawn(cmd, dict(os.environ), self.workdir)


class NodeTarget(Target):
    """bench/node_server.js: Node.js Socket.IO 4.8 with the bare server's surface."""

    def __init__(self, port: int, payload_bytes: int):
        super().__init__("node", port, token="bench")
        self.payload_bytes = payload_bytes

    def start(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="sos-bench-node-")
        ensure_node_modules()
        cmd = [
            node_binary(),
            str(HERE / "node_server.js"),
            "--port",
            str(self.port),
            "--token",
            self.token,
            "--payload-bytes",
            str(self.payload_bytes),
        ]
        self._spawn(cmd, dict(os.environ), self.workdir)


def node_binary() -> str:
    node = shutil.which("node")
    if not node:
        raise RuntimeError("--peer node needs Node.js (`node` on PATH)")
    return node


def ensure_node_modules() -> None:
    """Install socket.io into bench/node_modules from bench/package-lock.json when missing."""
    if (HERE / "node_modules" / "socket.io" / "package.json").exists():
        return
    npm = shutil.which("npm")
    if not npm:
        raise RuntimeError("--peer node needs npm to install bench/package.json")
    log("node: installing bench/node_modules (npm ci)")
    r = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    if r.returncode != 0:
        raise RuntimeError(f"npm ci in bench/ exited {r.returncode}: {r.stderr[-2000:]}")


class HubTarget(Target):
    def __init__(
        self, port: int, hub_cmd: list[str] | None, language: str = "en", db_dir: str | None = None
    ):
        super().__init__("hub", port)
        self.hub_cmd = hub_cmd
        self.language = language
        self.db_dir = db_dir

    def _cli(self) -> list[str]:
        if self.hub_cmd:
            return list(self.hub_cmd)
        return [sys.executable, "-m", "hub.cli"]

    def _env(self) -> dict:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("HUB_") and k not in ("MONGO_URL",)
        }
        env.update(
            {
                "HUB_DATABASE_URL": f"sqlite:///{self.workdir}/hub.db",
                "HUB_RATE_LIMITS": "off",
                "HUB_SECRET_KEY": "bench",
                "HUB_PUBLIC_URL": self.base,
                "PYTHONPATH": str(REPO)
                + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""),
            }
        )
        return env

    def _run_json(self, args: list[str]) -> dict:
        return cli_json(self._cli(), args, self._env(), self.workdir)

    def start(self) -> None:
        self.workdir = tempfile.mkdtemp(prefix="sos-bench-hub-", dir=self.db_dir)
        self.token = seed_cli(self._run_json, self.language)
        self._spawn(serve_cmd(self.port, self._cli()), self._env(), self.workdir)


def hub_available() -> bool:
    return (REPO / "hub" / "cli.py").exists()


# ---------------------------------------------------------------- client processes
class ClientProc:
    def __init__(self, proc: asyncio.subprocess.Process, n: int, err_path: str):
        self.proc = proc
        self.n = n
        self.err_path = err_path

    async def read(self, limit_s: float) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), limit_s)
        if not line:
            with open(self.err_path, errors="replace") as f:  # noqa: ASYNC230 - a small file
                tail = f.read()[-1500:]
            raise RuntimeError(f"load client process exited: {tail}")
        return json.loads(line)

    async def ask(self, cmd: str, limit_s: float = 60.0) -> dict:
        self.proc.stdin.write((json.dumps({"cmd": cmd}) + "\n").encode())
        await self.proc.stdin.drain()
        return await self.read(limit_s)

    async def quit(self) -> None:
        if self.proc.returncode is not None:
            return
        try:
            self.proc.stdin.write(b'{"cmd":"quit"}\n')
            await self.proc.stdin.drain()
            await asyncio.wait_for(self.proc.wait(), 15)
        except (TimeoutError, ConnectionError, BrokenPipeError):
            pass
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()


async def spawn_clients(
    target: Target, n: int, procs: int, args, workdir: str, extra: tuple[str, ...] = ()
) -> list[ClientProc]:
    """Start the load-client processes; `extra`: more load_clients.py options for each."""
    sizes = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    out = []
    for i, k in enumerate(sizes):
        if k == 0:
            continue
        cmd = [
            sys.executable,
            str(HERE / "load_clients.py"),
            "--url",
            target.ws_url,
            "--origin",
            target.base,
            "--token",
            target.token,
            "--clients",
            str(k),
            "--key",
            target.key,
            "--concurrency",
            str(args.connect_concurrency),
            "--max-lifetime",
            str(args.max_lifetime),
        ]
        if args.deflate:
            cmd.append("--deflate")
        cmd.extend(extra)
        if not args.no_uvloop:
            cmd.append("--uvloop")
        err_path = os.path.join(workdir, f"clients-{i}.err")
        with open(err_path, "wb") as errf:  # noqa: ASYNC230 - creating an empty file
            p = await asyncio.create_subprocess_exec(
                *cmd,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=errf,
                limit=1 << 30,
                preexec_fn=os.setpgrp,
            )
        out.append(ClientProc(p, k, err_path))
    return out


# ---------------------------------------------------------------- one measured run
async def wait_healthy(target: Target, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    last = ""
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if target.proc.poll() is not None:
                raise RuntimeError(
                    f"{target.name} server exited ({target.proc.returncode}):\n{target.log_tail()}"
                )
            try:
                async with http.get(
                    target.base + "/healthz", timeout=aiohttp.ClientTimeout(total=2)
                ) as r:
                    if r.status == 200:
                        return
                    last = f"HTTP {r.status}"
            except (TimeoutError, aiohttp.ClientError) as exc:
                last = type(exc).__name__
            await asyncio.sleep(0.2)
    raise RuntimeError(
        f"{target.name} not healthy after {limit_s:.0f}s ({last}):\n{target.log_tail()}"
    )


def sos_body(i: int) -> dict:
    return {"point": "bench1", "anonymous": True, "text": sos_text(i)}


async def post_one(http: aiohttp.ClientSession, target: Target, i: int, rec: dict) -> None:
    headers = {"Origin": target.base}
    if target.distinct_devices:
        # each SOS from another customer's phone (the hub's first-party device cookie), as in
        # real life; without it every SOS comes from one sender and meets the repeat filter
        headers["Cookie"] = f"sos_device={uuid.uuid4().hex}"
    rec["t_send"] = time.monotonic()
    try:
        async with http.post(target.base + "/api/v1/sos", json=sos_body(i), headers=headers) as r:
            body = await r.read()
            rec["t_resp"] = time.monotonic()
            rec["status"] = r.status
            if r.status == 201:
                data = json.loads(body)
                rec["key"] = str(data.get(target.key))
            else:
                rec["error"] = body[:300].decode(errors="replace")
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        rec["t_resp"] = time.monotonic()
        rec["status"] = 0
        rec["error"] = f"{type(exc).__name__}: {exc}"[:300]


async def probe(target: Target, args) -> dict:
    """Warm-up: 2 clients, 3 SOS; checks the pipeline and measures the frame size."""
    pool = ClientPool(
        target.ws_url,
        target.base,
        target.token,
        2,
        key=target.key,
        connect_timeout=30,
        deflate=args.deflate,
    )
    await pool.start()
    if pool.connected != 2:
        await pool.stop()
        raise RuntimeError(
            f"{target.name}: warm-up clients could not connect: {dict(pool.fail_reasons)}"
            f"\n{target.log_tail()}"
        )
    recs = [{} for _ in range(3)]
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=30), cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        for i, rec in enumerate(recs):
            await post_one(http, target, DISTINCT_TEXTS - 1 - i, rec)
    bad = [r for r in recs if r.get("status") != 201]
    if bad:
        await pool.stop()
        raise RuntimeError(f"{target.name}: warm-up POST failed: {bad[0]}\n{target.log_tail()}")
    deadline = time.monotonic() + 10
    while pool.received < 6 and time.monotonic() < deadline:  # noqa: ASYNC110 - bounded poll
        await asyncio.sleep(0.05)
    rep = pool.report()
    await pool.stop()
    if pool.received < 6:
        raise RuntimeError(
            f"{target.name}: warm-up clients got {pool.received}/6 ticket.created events "
            f"(other events: {rep['other_events']})\n{target.log_tail()}"
        )
    frame = rep["frame_bytes"] / max(1, rep["frames"])
    # payload = frame minus the '42/staff,["ticket.created",' prefix and ']'
    payload = frame - len('42/staff,["ticket.created",]')
    return {
        "frame_bytes": round(frame),
        "payload_bytes": round(payload),
        "other_events": rep["other_events"],
    }


async def wait_quiet(max_wait: float, threshold_pct: float = 10.0) -> float:
    """Wait (at most max_wait s) until the machine is nearly idle; returns the last busy %."""
    deadline = time.monotonic() + max_wait
    said = 0.0
    while True:
        a = machine_cpu()
        await asyncio.sleep(1.0)
        b = machine_cpu()
        busy = 100 * (b[0] - a[0]) / max(1, b[1] - a[1])
        if busy <= threshold_pct or time.monotonic() >= deadline:
            return busy
        if time.monotonic() - said > 10:
            log(
                f"machine {busy:.0f} % busy with other work;"
                f" waiting (at most {max_wait:.0f} s) for it to calm down"
            )
            said = time.monotonic()


async def start_server(target: Target, args, res: dict) -> int:
    """Start the server, wait until healthy, warm it up; returns its RSS (KB) before clients."""
    log(f"{target.name}: starting server on {target.base}")
    t0 = time.monotonic()
    await asyncio.to_thread(target.start)
    await wait_healthy(target)
    res["startup_s"] = time.monotonic() - t0
    res["server_pid"] = target.proc.pid
    pr = await probe(target, args)
    res.update({"frame_bytes": pr["frame_bytes"], "payload_bytes": pr["payload_bytes"]})
    log(f"{target.name}: healthy; a ticket.created frame is {pr['frame_bytes']} bytes")
    await asyncio.sleep(2)
    rss0 = rss_kb(target.proc.pid)
    res["rss_before_mb"] = rss0 / 1024
    return rss0


def merge_counts(counts) -> dict:
    """Sum several {reason: n} dicts into one."""
    out: dict = {}
    for one in counts:
        for k, v in one.items():
            out[k] = out.get(k, 0) + v
    return out


async def connect_clients(
    target: Target, args, clients: int, rss0: int, client_procs: list[ClientProc], res: dict
) -> int:
    """Spawn the client processes (into client_procs, for the caller to stop) and wait until
    they are connected; returns how many are."""
    procs = args.clients_procs or max(
        1, min(8, math.ceil(clients / 2500)), 2 if clients >= 500 else 1
    )
    res["client_procs"] = procs
    log(f"{target.name}: connecting {clients} clients over {procs} processes")
    cpu_c0 = cpu_seconds(target.proc.pid)[0]
    t_c0 = time.monotonic()
    client_procs.extend(await spawn_clients(target, clients, procs, args, target.workdir))
    ready_timeout = 120 + clients * 0.05
    readies = await asyncio.gather(*(cp.read(ready_timeout) for cp in client_procs))
    res["connect_s"] = time.monotonic() - t_c0
    res["connect_cpu_ms_per_conn"] = (
        (cpu_seconds(target.proc.pid)[0] - cpu_c0) * 1e3 / max(1, clients)
    )
    connected = sum(r["connected"] for r in readies)
    failed = sum(r["failed"] for r in readies)
    res["connected"] = connected
    res["connect_failed"] = failed
    reasons = merge_counts(r.get("fail_reasons", {}) for r in readies)
    res["connect_fail_reasons"] = reasons
    log(
        f"{target.name}: {connected} connected, {failed} failed in {res['connect_s']:.1f}s"
        + (f" ({reasons})" if reasons else "")
    )
    if connected == 0:
        raise RuntimeError(
            f"{target.name}: no client could connect: {reasons}\n{target.log_tail()}"
        )
    await asyncio.sleep(args.settle)
    rss1 = rss_kb(target.proc.pid)
    res["rss_after_mb"] = rss1 / 1024
    res["rss_per_conn_kb"] = (rss1 - rss0) / connected
    return connected


@dataclass
class Window:
    """The measured window, from the first POST until the deliveries are in: CPU and time."""

    pid: int
    cpu0: tuple[float, float]
    mach0: tuple[float, float]
    self0: float
    w0: float

    @classmethod
    def open(cls, pid: int) -> Window:
        return cls(pid, cpu_seconds(pid), machine_cpu(), time.process_time(), time.monotonic())

    def close(self, t_posted: float, res: dict) -> None:
        t_done = time.monotonic()
        cpu1 = cpu_seconds(self.pid)
        mach1 = machine_cpu()
        self1 = time.process_time()
        res["server_cpu_s"] = cpu1[0] - self.cpu0[0]
        res["helper_cpu_s"] = cpu1[1] - self.cpu0[1]
        res["window_s"] = t_done - self.w0
        res["server_cpu_pct"] = 100 * res["server_cpu_s"] / (t_done - self.w0)
        res["machine_busy_pct"] = (
            100 * (mach1[0] - self.mach0[0]) / max(1, mach1[1] - self.mach0[1])
        )
        res["orchestrator_cpu_pct"] = 100 * (self1 - self.self0) / (t_done - self.w0)
        res["orchestrator_cpu_s"] = self1 - self.self0
        res["machine_busy_jiffies"] = mach1[0] - self.mach0[0]
        res["drain_s"] = t_done - t_posted


async def post_open_loop(target: Target, args, rate: float, recs: list[dict]) -> float:
    """POST one SOS per record at `rate`, not waiting for answers; returns the start time."""
    connector = aiohttp.TCPConnector(limit=args.http_connections)
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=args.post_timeout),
    ) as http:
        tasks = []
        start = time.monotonic() + 0.05
        for i, rec in enumerate(recs):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(post_one(http, target, i, rec)))
        await asyncio.gather(*tasks)
    return start


def summarize_posts(recs: list[dict], count: int, res: dict) -> list[dict]:
    """Count the accepted and refused POSTs and their HTTP latency; returns the accepted."""
    accepted = [r for r in recs if r.get("status") == 201 and r.get("key") not in (None, "None")]
    res["accepted"] = len(accepted)
    res["rejected"] = count - len(accepted)
    errs: dict = {}
    for r in recs:
        if r.get("status") != 201:
            k = f"{r.get('status')}: {r.get('error', '')[:80]}"
            errs[k] = errs.get(k, 0) + 1
    res["post_errors"] = errs
    first_send = min(r["t_send"] for r in recs)
    last_resp = max(r["t_resp"] for r in recs)
    res["post_wall_s"] = last_resp - first_send
    res["accepted_per_s"] = len(accepted) / (last_resp - first_send) if accepted else 0.0
    http_lat = [(r["t_resp"] - r["t_send"]) * 1e3 for r in accepted]
    res["http_p50_ms"], res["http_p99_ms"] = pct(http_lat, 50), pct(http_lat, 99)
    return accepted


async def wait_deliveries(client_procs: list[ClientProc], expected: int, grace: float) -> None:
    """Until the clients have `expected` events, or `grace` s without progress (bounded)."""
    last_total, last_change = -1, time.monotonic()
    hard_deadline = time.monotonic() + grace * 6
    while time.monotonic() < hard_deadline:
        sts = await asyncio.gather(*(cp.ask("status") for cp in client_procs))
        total = sum(s["received"] for s in sts)
        if total >= expected:
            break
        if total != last_total:
            last_total, last_change = total, time.monotonic()
        elif time.monotonic() - last_change > grace:
            break
        await asyncio.sleep(0.1)


async def measure(
    target: Target,
    args,
    clients: int,
    rate: float,
    count: int,
    client_procs: list[ClientProc],
    res: dict,
) -> tuple[list[dict], list[dict], int, int]:
    """The measured run on a started server; returns (reports, accepted, connected, expected)."""
    rss0 = await start_server(target, args, res)

    # ---- connect the clients
    connected = await connect_clients(target, args, clients, rss0, client_procs, res)

    # ---- post SOS open-loop
    for cp in client_procs:
        await cp.ask("reset")
    recs = [{"i": i} for i in range(count)]
    window = Window.open(target.proc.pid)
    log(f"{target.name}: posting {count} SOS at {rate}/s")
    start = await post_open_loop(target, args, rate, recs)
    if args.connections_only:
        # hold the connections for the whole --hold, not just until the last SOS
        await asyncio.sleep(max(0.0, start + args.hold - time.monotonic()))
    t_posted = time.monotonic()
    accepted = summarize_posts(recs, count, res)

    # ---- wait for every delivery (bounded)
    expected = len(accepted) * connected
    await wait_deliveries(client_procs, expected, args.grace)
    window.close(t_posted, res)

    reports = await asyncio.gather(*(cp.ask("report", limit_s=120) for cp in client_procs))
    res["server_rss_end_mb"] = rss_kb(target.proc.pid) / 1024
    return list(reports), accepted, connected, expected


def add_deliveries(
    res: dict, reports: list[dict], accepted: list[dict], connected: int, expected: int
) -> int:
    """Latency from each POST to its events, and what was lost; returns the deliveries."""
    times: dict[str, list[float]] = {}
    for rep in reports:
        for k, v in rep["times"].items():
            times.setdefault(k, []).extend(v)
    per_sos, per_delivery = [], []
    delivered = 0
    lost = 0
    unpushed = 0
    seen_keys: dict = {}
    for r in accepted:
        seen_keys[r["key"]] = seen_keys.get(r["key"], 0) + 1
    # an SOS answered with another SOS's id was merged into it (the hub's repeat filter)
    res["merged_sos"] = sum(v - 1 for v in seen_keys.values() if v > 1)
    for r in accepted:
        if seen_keys[r["key"]] > 1:
            continue
        ts = times.get(r["key"], [])
        delivered += len(ts)
        lost += max(0, connected - len(ts))
        if not ts:
            unpushed += 1
            continue
        per_sos.append((max(ts) - r["t_send"]) * 1e3)
        per_delivery.extend((t - r["t_send"]) * 1e3 for t in ts)
    res["delivered"] = delivered
    res["expected"] = expected
    res["lost_events"] = lost
    res["sos_pushed_to_nobody"] = unpushed
    res["dropped_connections"] = sum(rep["drops"] for rep in reports)
    res["drop_reasons"] = merge_counts(rep["drop_reasons"] for rep in reports)
    res["other_events"] = merge_counts(rep["other_events"] for rep in reports)
    res["eio_pings_answered"] = sum(rep["eio_pings"] for rep in reports)
    # each SOS's time to its last console, in posting order: bench/pooled.py pools runs
    res["last_ms"] = [round(v, 3) for v in per_sos]
    for name, vals in (("last", per_sos), ("delivery", per_delivery)):
        for p in (50, 95, 99):
            res[f"{name}_p{p}_ms"] = pct(vals, p)
        res[f"{name}_max_ms"] = max(vals) if vals else None
    return delivered


def add_costs(res: dict, reports: list[dict], accepted: list[dict], delivered: int) -> None:
    """Server CPU per event and per SOS, and how busy the clients and the machine were."""
    res["server_cpu_us_per_delivery"] = res["server_cpu_s"] * 1e6 / delivered if delivered else None
    # every frame the clients got in the window (ticket.created plus e.g. ticket.updated)
    all_frames = sum(rep["frames"] for rep in reports)
    res["events_delivered_all"] = all_frames
    res["server_cpu_us_per_any_event"] = (
        res["server_cpu_s"] * 1e6 / all_frames if all_frames else None
    )
    res["server_cpu_ms_per_sos"] = res["server_cpu_s"] * 1e3 / len(accepted) if accepted else None
    res["client_cpu_pct"] = [
        round(100 * rep["cpu_s"] / max(1e-9, rep["wall_s"]), 1) for rep in reports
    ]
    res["client_lag_p99_ms"] = max((rep["lag_p99_ms"] or 0) for rep in reports)
    res["client_lag_max_ms"] = max((rep["lag_max_ms"] or 0) for rep in reports)
    res["client_maxrss_mb"] = [round(rep["maxrss_kb"] / 1024) for rep in reports]
    # CPU that neither the server, the clients nor this script used: other work on the machine
    ours = (
        res["server_cpu_s"]
        + res["helper_cpu_s"]
        + sum(rep["cpu_s"] for rep in reports)
        + res["orchestrator_cpu_s"]
    )
    res["other_cores"] = max(0.0, res["machine_busy_jiffies"] / CLK_TCK - ours) / res["window_s"]


async def run_target(target: Target, args, clients: int, rate: float, count: int) -> dict:
    res: dict = {"target": target.name, "clients": clients, "rate": rate, "count": count}
    if args.quiet_wait > 0:
        res["busy_before_pct"] = await wait_quiet(args.quiet_wait)
    client_procs: list[ClientProc] = []
    try:
        reports, accepted, connected, expected = await measure(
            target, args, clients, rate, count, client_procs, res
        )
    finally:
        for cp in client_procs:
            await cp.quit()
        stop_s, killed = await asyncio.to_thread(target.stop)
        res["server_exit"] = target.proc.returncode if target.proc else None
        res["server_stop_s"], res["server_killed"] = stop_s, killed

    # ---- merge and compute
    delivered = add_deliveries(res, reports, accepted, connected, expected)
    add_costs(res, reports, accepted, delivered)
    return res


# ---------------------------------------------------------------- output
def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def row(label: str, text: str) -> None:
    print(f"  {label:<28}{text}")


def print_result(r: dict) -> None:
    print(f"\n=== {r['target']}: {r['clients']} clients, {r['rate']} SOS/s, {r['count']} SOS ===")
    if r.get("error"):
        print(f"  FAILED: {r['error']}")
        return
    row(
        "connected",
        f"{r['connected']}/{r['clients']} in {fmt(r['connect_s'])} s"
        f" ({r['client_procs']} client processes; server CPU"
        f" {fmt(r['connect_cpu_ms_per_conn'], 2)} ms/connection),"
        f" failed {r['connect_failed']} {r['connect_fail_reasons'] or ''}",
    )
    row("ticket.created frame", f"{r['frame_bytes']} bytes")
    row(
        "SOS accepted",
        f"{r['accepted']}/{r['count']} ({fmt(r['accepted_per_s'], 2)} SOS/s)"
        f"  errors {r['post_errors'] or 'none'}",
    )
    row("POST->201 (HTTP)", f"p50 {fmt(r['http_p50_ms'])} ms  p99 {fmt(r['http_p99_ms'])} ms")
    for name, label in (
        ("last", "POST->event, last client"),
        ("delivery", "POST->event, per delivery"),
    ):
        row(
            label,
            f"p50 {fmt(r[name + '_p50_ms'])}  p95 {fmt(r[name + '_p95_ms'])}"
            f"  p99 {fmt(r[name + '_p99_ms'])}  max {fmt(r[name + '_max_ms'])} ms",
        )
    if r.get("merged_sos"):
        row("merged as repeats", f"{r['merged_sos']} SOS were answered with an earlier SOS's id")
    row(
        "deliveries",
        f"{r['delivered']}/{r['expected']}  lost events {r['lost_events']}"
        f"  SOS pushed to nobody {r['sos_pushed_to_nobody']}"
        + ("  (quarantined by a filter?)" if r["sos_pushed_to_nobody"] else ""),
    )
    row(
        "dropped connections",
        f"{r['dropped_connections']} {r['drop_reasons'] or ''}"
        f"  (Engine.IO pings answered: {r['eio_pings_answered']})",
    )
    row(
        "server CPU",
        f"{fmt(r['server_cpu_us_per_delivery'])} us per ticket.created delivery"
        f" ({fmt(r['server_cpu_ms_per_sos'], 2)} ms per SOS;"
        f" {fmt(r['server_cpu_pct'])} % of a core over {fmt(r['window_s'])} s)",
    )
    if r["events_delivered_all"] != r["delivered"]:
        row(
            "",
            f"{fmt(r['server_cpu_us_per_any_event'])} us per delivered frame of any event"
            f" ({r['events_delivered_all']} frames)",
        )
    if r["helper_cpu_s"] > 0.05:
        per_sos = r["helper_cpu_s"] * 1e3 / max(1, r["accepted"])
        row(
            "helper subprocesses CPU",
            f"{fmt(r['helper_cpu_s'])} s ({fmt(per_sos)} ms per SOS), not counted above",
        )
    row(
        "server RSS",
        f"{fmt(r['rss_before_mb'])} MB -> {fmt(r['rss_after_mb'])} MB with clients:"
        f" {fmt(r['rss_per_conn_kb'])} KB per connection"
        f" (end of run {fmt(r['server_rss_end_mb'])} MB)",
    )
    row(
        "client processes CPU",
        f"{r['client_cpu_pct']} % of a core each; event-loop lag"
        f" p99 {fmt(r['client_lag_p99_ms'])} ms, max {fmt(r['client_lag_max_ms'])} ms",
    )
    row(
        "machine",
        f"{fmt(r['machine_busy_pct'])} % busy (100 % = all {os.cpu_count()} cores),"
        f" other processes {fmt(r['other_cores'], 2)} cores",
    )
    if r.get("server_killed"):
        row(
            "server shutdown", f"did not exit within {fmt(r['server_stop_s'])} s of SIGTERM: killed"
        )
    if r["other_events"]:
        row("other events seen", str(r["other_events"]))
    if r["other_cores"] > 0.15:
        print(
            f"  NOTE: other processes used {fmt(r['other_cores'], 2)} cores during the run:"
            " the figures are disturbed; rerun on a quiet machine"
        )
    sat = max(r["client_cpu_pct"] or [0])
    if sat > 85 or r["client_lag_p99_ms"] > 20 or r["machine_busy_pct"] > 90:
        print(
            "  NOTE: the load clients or the machine were close to saturation; latencies include"
            " client-side queueing"
        )


PEER_NAMES = {"bare": "bare python-socketio", "node": "Node Socket.IO"}


def ratio(a, b):
    return a / b if a is not None and b else None


def peers(args) -> list[str]:
    """The servers measured after the hub, in order: bare python-socketio, then Node."""
    out = [] if args.skip_bare else ["bare"]
    if "node" in args.peer:
        out.append("node")
    return out


def print_comparison(hub: dict, bare: dict, peer: str = "bare") -> None:
    print(f"\n=== hub / {PEER_NAMES[peer]} ===")
    for k, label in (
        ("last_p50_ms", "p50 to last client"),
        ("last_p99_ms", "p99 to last client"),
        ("delivery_p50_ms", "p50 per delivery"),
        ("delivery_p99_ms", "p99 per delivery"),
        ("server_cpu_us_per_delivery", "CPU per ticket.created"),
        ("server_cpu_us_per_any_event", "CPU per frame, any event"),
        ("rss_per_conn_kb", "RSS per connection"),
    ):
        print(
            f"  {label:<26} {fmt(hub.get(k)):>8} / {fmt(bare.get(k)):>8}"
            f" = {fmt(ratio(hub.get(k), bare.get(k)), 2)}x"
        )


SIDE_BY_SIDE = (
    ("last_p50_ms", "last client p50 (ms)", 1),
    ("last_p99_ms", "last client p99 (ms)", 1),
    ("delivery_p99_ms", "per delivery p99 (ms)", 1),
    ("http_p99_ms", "POST->201 p99 (ms)", 1),
    ("server_cpu_us_per_delivery", "server CPU/delivery (us)", 1),
    ("rss_per_conn_kb", "RSS/connection (KB)", 1),
    ("connect_cpu_ms_per_conn", "connect CPU (ms/conn)", 2),
    ("lost_events", "lost events", 0),
    ("dropped_connections", "dropped connections", 0),
    ("other_cores", "other processes (cores)", 2),
)


def print_side_by_side(results: dict) -> None:
    """One table: every measured server, and the hub's ratio to each peer."""
    names = list(results)
    hub = results.get("hub")
    cols = names + [f"hub/{n}" for n in names if hub and n != "hub"]
    print("\n=== side by side ===")
    print(f"  {'':<28}" + "".join(f"{c:>12}" for c in cols))
    for key, label, nd in SIDE_BY_SIDE:
        cells = [fmt(results[n].get(key), nd) for n in names]
        if hub:
            cells += [fmt(ratio(hub.get(key), results[n].get(key)), 2) for n in names if n != "hub"]
        print(f"  {label:<28}" + "".join(f"{c:>12}" for c in cells))


# ---------------------------------------------------------------- main
async def run_one(t: Target, args, clients: int, rate: float, count: int) -> dict:
    """Measure one server; a failure becomes a result with an `error`, printed like the rest."""
    t.distinct_devices = not args.same_sender
    try:
        res = await run_target(t, args, clients, rate, count)
    except Exception as exc:
        log(f"{t.name}: FAILED: {exc}")
        res = {
            "target": t.name,
            "clients": clients,
            "rate": rate,
            "count": count,
            "error": str(exc)[:3000],
        }
    finally:
        if t.workdir and not args.keep:
            shutil.rmtree(t.workdir, ignore_errors=True)
    print_result(res)
    sys.stdout.flush()
    return res


async def amain(args) -> int:
    results: dict = {}
    if args.connections_only:
        clients = args.connections_only
        count = max(1, args.hold_sos)
        rate = count / args.hold
    else:
        clients = args.clients
        rate = args.rate
        count = int(args.duration * rate) if args.duration else args.count
    base_port = args.port or free_port()
    hub_cmd = args.hub_cmd.split() if args.hub_cmd else None
    payload = args.payload_bytes

    if not args.skip_hub:
        if not hub_available() and not hub_cmd:
            log("hub: hub/cli.py does not exist yet; skipping the hub")
        else:
            t = HubTarget(base_port, hub_cmd, args.tenant_language, args.db_dir or None)
            results["hub"] = await run_one(t, args, clients, rate, count)
            payload = payload or results["hub"].get("payload_bytes")
    for peer in peers(args):
        port = args.port + (1 if peer == "bare" else 2) if args.port else free_port()
        t = (BareTarget if peer == "bare" else NodeTarget)(port, payload or 700)
        results[peer] = await run_one(t, args, clients, rate, count)
    good = {k: v for k, v in results.items() if not v.get("error")}
    if "hub" in good:
        for peer in ("bare", "node"):
            if peer in good:
                print_comparison(good["hub"], good[peer], peer)
    if len(good) > 1:
        print_side_by_side(good)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))  # noqa: ASYNC240
        log(f"results written to {args.json}")
    bad = [r for r in results.values() if r.get("error")]
    return 1 if bad else 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--clients", type=int, default=1000, help="staff clients (default 1000)")
    p.add_argument("--rate", type=float, default=10.0, help="SOS per second (default 10)")
    p.add_argument("--count", type=int, default=300, help="SOS to post (default 300)")
    p.add_argument(
        "--duration", type=float, default=None, help="post for this many seconds instead of --count"
    )
    p.add_argument(
        "--port",
        type=int,
        default=0,
        help="hub port (bare uses port+1, node port+2); default: free ports",
    )
    p.add_argument("--skip-hub", action="store_true")
    p.add_argument("--skip-bare", action="store_true")
    p.add_argument(
        "--peer",
        action="append",
        default=[],
        choices=["node"],
        help="also measure this peer after the hub and bare python-socketio, same clients:"
        " node = bench/node_server.js (Node.js Socket.IO 4.8; npm ci into bench/node_modules"
        " when missing)",
    )
    p.add_argument(
        "--clients-procs",
        type=int,
        default=0,
        help="client subprocesses (default: 2 from 500 clients, one more per 2,500)",
    )
    p.add_argument(
        "--connections-only",
        type=int,
        default=0,
        metavar="N",
        help="hold N connections for --hold seconds with a few SOS; report drops and RSS",
    )
    p.add_argument(
        "--hold",
        type=float,
        default=60.0,
        help="seconds to hold in --connections-only (default 60)",
    )
    p.add_argument("--hold-sos", type=int, default=6, help="SOS posted during the hold (default 6)")
    p.add_argument(
        "--payload-bytes",
        type=int,
        default=0,
        help="bare server event payload size (default: the hub's measured size, else 700)",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=10.0,
        help="stop waiting for deliveries after this many seconds without progress",
    )
    p.add_argument(
        "--settle", type=float, default=3.0, help="seconds between connecting and reading RSS"
    )
    p.add_argument(
        "--connect-concurrency",
        type=int,
        default=50,
        help="handshakes in flight per client process",
    )
    p.add_argument(
        "--http-connections", type=int, default=64, help="keep-alive connections for the POSTs"
    )
    p.add_argument("--post-timeout", type=float, default=30.0)
    p.add_argument(
        "--deflate", action="store_true", help="clients offer permessage-deflate (browsers do)"
    )
    p.add_argument(
        "--no-uvloop", action="store_true", help="run the load clients on the stock asyncio loop"
    )
    p.add_argument(
        "--tenant-language",
        default="en",
        help="the bench tenant's language (default en, the language of the SOS texts: no"
        " translation; es makes the hub translate every SOS)",
    )
    p.add_argument(
        "--same-sender",
        action="store_true",
        help="post every SOS from one sender (no device cookie): the hub's repeat filter then"
        " compares each SOS with the recent ones (its worst case)",
    )
    p.add_argument(
        "--hub-cmd", default="", help="command that runs the hub CLI (default: python -m hub.cli)"
    )
    p.add_argument(
        "--max-lifetime", type=float, default=1800.0, help="client processes exit after this long"
    )
    p.add_argument("--json", default="", help="also write the results as JSON to this file")
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=60.0,
        help="before each server, wait up to this many seconds for the machine to be idle"
        " (0: don't)",
    )
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority for this script, the servers and the clients (e.g. -10 on a"
        " shared machine; negative needs root)",
    )
    p.add_argument(
        "--db-dir",
        default="",
        help="make the hub's temp dir (its SQLite file) under this directory, e.g. /dev/shm to"
        " keep a shared disk's fsync stalls (WAL checkpoints) out of the figures",
    )
    p.add_argument("--keep", action="store_true", help="keep the temp dirs (server logs, database)")
    args = p.parse_args(argv)
    if args.rate <= 0 or args.clients <= 0:
        p.error("--rate and --clients must be positive")
    raise_nofile(max(65536, 4 * max(args.clients, args.connections_only) + 1024))
    if args.nice and os.getsid(0) != os.getpid() and not os.environ.get("SOS_BENCH_SESSION"):
        # run in a session (hence an autogroup) of our own, so that its priority is ours alone
        env = dict(os.environ, SOS_BENCH_SESSION="1")
        child = subprocess.Popen([sys.executable, *sys.argv], env=env, start_new_session=True)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait(60)
        finally:
            if child.poll() is None:
                child.terminate()
                child.wait(30)
    if args.nice:
        # inherited by the servers and the client processes; negative needs root.
        # Linux groups processes by session ("autogroup") and nice only ranks processes inside
        # one group: set both. The servers and clients stay in this session (process_group=0).
        try:
            os.setpriority(os.PRIO_PROCESS, 0, args.nice)
        except OSError as exc:
            log(f"could not set nice {args.nice}: {exc}")
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(args.nice))
        except OSError as exc:
            log(f"could not set the autogroup's nice: {exc}")
    uvloop = None
    if not args.no_uvloop:
        try:
            import uvloop
        except ImportError:
            uvloop = None
    if uvloop is not None:
        return uvloop.run(amain(args))
    return asyncio.run(amain(args))


if __name__ == "__main__":
    sys.exit(main())
