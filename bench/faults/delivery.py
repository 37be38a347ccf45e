"""The delivery rig of the fault runs (e) and (f): a hub in scale-out (RQ on a private
Redis), `sos-hub worker` processes, and the two providers of the integration tests, in this
process: aiosmtpd (tests/integration/smtp_server.py) and the Vonage SMS API
(tests/integration/vonage_server.py), each slowed by `delay` seconds per message so that a
worker killed at a random moment is often in the middle of a send.

Every SOS goes to one e-mail and one SMS recipient (one routing rule). Each e-mail carries
its outbox item in `X-SOS-Hub-Item`, each SMS in `client-ref`: the count per item is
what "exactly once" is checked on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from kit import REPO, Hubs, Poster, Redis, log, make_workdir, remove_workdir, verdict

sys.path.insert(0, str(REPO))

from tests.integration.smtp_server import SmtpServer, _Handler
from tests.integration.vonage_server import VonageServer
from tests.integration.vonage_server import _Handler as VonageHandler

EMAIL = "desk@bench.example"
PHONE = "34600111222"


class SlowSmtpHandler(_Handler):
    """The test SMTP server's handler, `delay` seconds slower per message."""

    delay = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.delay)
        return str(await super().handle_DATA(server, session, envelope))


class SlowVonageHandler(VonageHandler):
    delay = 0.0

    def do_POST(self) -> None:
        time.sleep(self.delay)
        super().do_POST()


class Rig:
    def __init__(self, workdir: str, redis_port: int, delay: float, timings: dict[str, str]):
        self.workdir = workdir
        self.redis = Redis(redis_port, workdir)
        self.queue = f"sos-hub-faults-{uuid.uuid4().hex[:8]}"
        SlowSmtpHandler.delay = delay
        SlowVonageHandler.delay = delay
        self.smtp = SmtpServer()
        self.smtp.controller.handler = SlowSmtpHandler(self.smtp)
        self.vonage = VonageServer(Path(workdir))
        self.vonage.httpd.RequestHandlerClass = SlowVonageHandler
        self.env = {
            **self.smtp.env(),
            **self.vonage.env(),
            "HUB_RQ_QUEUE": self.queue,
            **timings,
        }
        self.hubs = Hubs(workdir, self.redis.url, extra_env=self.env)
        self.workers: list[subprocess.Popen[bytes]] = []
        self.manager_token = ""
        self.started = 0

    async def start(self, n_workers: int) -> None:
        self.redis.start()
        self.smtp.__enter__()
        self.vonage.__enter__()
        self.hubs.seed(1)
        manager = self.hubs.cli(
            "user", "create", "--tenant", "bench", "--email", "m@b.c", "--password", "pw123456",
            "--role", "manager",
        )  # fmt: skip
        self.manager_token = str(manager["api_token"])
        self.hubs.start(0)
        await self.hubs.wait_healthy(0)
        await self._api("PATCH", "/api/v1/tenant", {"sms_hourly_budget": 10_000})
        await self._api(
            "POST",
            "/api/v1/rules",
            {
                "name": "Everything",
                "match": {},
                "recipients": [
                    {"channel": "email", "to": EMAIL, "name": "Desk", "language": "en"},
                    {"channel": "sms", "to": "+" + PHONE, "name": "Luis", "language": "en"},
                ],
                "escalation": [],
            },
        )
        for _ in range(n_workers):
            self.start_worker()

    async def _api(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.manager_token}", "Origin": self.hubs.origin}
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, self.hubs.url(0) + path, json=body, headers=headers) as r,
        ):
            text = await r.text()
            if r.status >= 300:
                raise RuntimeError(f"{method} {path}: {r.status} {text[:300]}")
            return dict(json.loads(text)) if text else {}

    def start_worker(self) -> None:
        out = open(Path(self.workdir) / f"worker-{self.started}.log", "ab")  # noqa: SIM115
        self.started += 1
        self.workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "worker"],
                env=self.hubs.env(),
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        )

    def kill_worker(self, i: int) -> None:
        """SIGKILL worker `i` with its work horse (its process group)."""
        proc = self.workers[i]
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    def outbox(self) -> list[dict[str, Any]]:
        con = sqlite3.connect(f"file:{self.workdir}/hub.db?mode=ro", uri=True, timeout=30)
        try:
            return [json.loads(r[0]) for r in con.execute("SELECT doc FROM outbox")]
        finally:
            con.close()

    async def wait_settled(self, tickets: set[str], limit: float) -> tuple[list[dict], float]:
        """Until every ticket has its two items and none is pending (or `limit` s)."""
        t0 = time.monotonic()
        while True:
            items = [i for i in self.outbox() if i["ticket_id"] in tickets]
            pending = [i for i in items if i["status"] == "pending"]
            if (len(items) >= 2 * len(tickets) and not pending) or time.monotonic() - t0 > limit:
                return items, time.monotonic() - t0
            await asyncio.sleep(1.0)

    def tally(self, items: list[dict[str, Any]], tickets: set[str]) -> dict[str, Any]:
        """E-mails and SMS per ticket, from what the providers accepted."""
        by_item = {i["id"]: i for i in items}
        mails = Counter(str(m["X-SOS-Hub-Item"]) for m in self.smtp.messages)
        sms = Counter(str(m.get("client-ref")) for m in self.vonage.accepted)
        per_ticket: dict[str, Counter[str]] = {t: Counter() for t in tickets}
        for ref, n in mails.items():
            if ref in by_item:
                per_ticket[by_item[ref]["ticket_id"]]["email"] += n
        for ref, n in sms.items():
            if ref in by_item:
                per_ticket[by_item[ref]["ticket_id"]]["sms"] += n
        return {
            "emails": sum(mails.values()),
            "sms": sum(sms.values()),
            "smtp_attempts": self.smtp.attempts,
            "sms_requests": len(self.vonage.requests),
            "no_email": sum(c["email"] == 0 for c in per_ticket.values()),
            "no_sms": sum(c["sms"] == 0 for c in per_ticket.values()),
            "two_emails": sum(c["email"] > 1 for c in per_ticket.values()),
            "two_sms": sum(c["sms"] > 1 for c in per_ticket.values()),
            "statuses": dict(Counter(i["status"] for i in items)),
            "attempts": dict(Counter(i["attempts"] for i in items)),
        }

    def stop(self) -> None:
        for i in range(len(self.workers)):
            proc = self.workers[i]
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.kill_worker(i)
        self.hubs.stop_all()
        self.vonage.release.set()
        try:
            self.vonage.__exit__()
        except Exception as exc:
            log(f"vonage stop: {exc}")
        try:
            self.smtp.__exit__()
        except Exception as exc:
            log(f"smtp stop: {exc}")
        self.redis.stop()


@contextlib.asynccontextmanager
async def rig_and_poster(
    args: argparse.Namespace, backoff: str
) -> AsyncIterator[tuple[Rig, Poster]]:
    """A started Rig (`args.workers`, `args.delay`, `args.redis_port`; the outbox timings
    `args.lease`, `args.stale` and `backoff`) in a temp dir and a Poster to its hub at
    `args.rate`; stopped and removed (unless `args.keep`) after."""
    workdir = make_workdir(args.keep)
    timings = {
        "HUB_OUTBOX_LEASE": str(args.lease),
        "HUB_OUTBOX_STALE": str(args.stale),
        "HUB_OUTBOX_BACKOFF": backoff,
    }
    rig = Rig(workdir, args.redis_port, args.delay, timings)
    try:
        await rig.start(args.workers)
        yield rig, Poster([rig.hubs.url(0)], rig.hubs.origin, args.rate)
    finally:
        rig.stop()
        remove_workdir(workdir, args.keep)


async def outbox_verdict(
    rig: Rig, poster: Poster, rows: list[tuple[str, Any]], grace: float
) -> int:
    """The verdict of a delivery run, once no outbox item is pending (or `grace` s): `rows`,
    then the outbox and what the providers accepted for the SOS answered 201; prints `lost=N`
    (SOS without their e-mail plus SOS without their SMS) and `doubled=N`; the exit status
    (1 when anything was lost or doubled)."""
    tickets = set(poster.created())
    found, waited = await rig.wait_settled(tickets, grace)
    t = rig.tally(found, tickets)
    items = len(found)
    lost = t["no_email"] + t["no_sms"]
    doubled = t["two_emails"] + t["two_sms"]
    code = verdict(
        [
            *rows,
            ("outbox items", f"{items}: {t['statuses']}"),
            ("items by attempts", t["attempts"]),
            ("SMTP deliveries tried / accepted", f"{t['smtp_attempts']} / {t['emails']}"),
            ("SMS requests / accepted", f"{t['sms_requests']} / {t['sms']}"),
            ("SOS without e-mail / without SMS", f"{t['no_email']} / {t['no_sms']}"),
            ("doubled: two e-mails / two SMS", f"{t['two_emails']} / {t['two_sms']}"),
            ("settled after posting", f"{waited:.1f} s"),
        ],
        lost,
    )
    print(f"doubled={doubled}")
    return code or (1 if doubled else 0)
