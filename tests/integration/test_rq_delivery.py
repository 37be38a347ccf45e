"""Scale-out delivery: RQ on a real Redis, real `sos-hub worker` processes.

Each test uses its own queue and pub/sub channel names, so other runs on the shared Redis
(127.0.0.1:6379) never see its jobs; the restart test uses a private redis-server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from redis import Redis

from hub.app import Hub
from hub.jobs import RQJobQueue
from hub.settings import Settings
from tests.helpers import ROOT, Seeded, seed_tenant
from tests.integration.delivery_kit import (
    add_rule,
    email_to,
    eventually,
    outbox_items,
    rule,
    running_hub,
    settled,
    sms_to,
    submit,
    ticket_number,
    tuned,
)
from tests.integration.redis_server import RedisServer
from tests.integration.smtp_server import SmtpServer, body_text
from tests.integration.vonage_server import VonageServer

pytestmark = pytest.mark.slow
SHARED_REDIS = "redis://127.0.0.1:6379/0"
PHONE = "34600111222"


class Worker:
    """`sos-hub worker` as a subprocess in its own process group (kill -9 takes its horse too)."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        self.env = {**os.environ, **env}
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """SIGKILL the worker and its work horse: no cleanup of any kind runs."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """Stop at the end of a test: RQ's warm shutdown (SIGTERM) waits for the job in hand,
        which a test may have left hanging on a provider; a second SIGTERM is RQ's cold one."""
        if self.proc is not None and self.proc.poll() is None:
            for grace in (2, 3):
                os.killpg(self.proc.pid, signal.SIGTERM)
                try:
                    self.proc.wait(grace)
                    return
                except subprocess.TimeoutExpired:
                    continue
            self.kill()


class Cluster:
    """One hub (in this process) and `sos-hub worker` processes sharing a store and Redis."""

    def __init__(
        self,
        settings: Settings,
        redis_url: str,
        tmp_path: Path,
        smtp: SmtpServer,
        vonage: VonageServer,
        **timings: Any,
    ) -> None:
        self.name = f"sos-hub-test-{uuid.uuid4().hex[:10]}"
        self.redis_url = redis_url
        self.tmp_path = tmp_path
        self.env: dict[str, str] = {
            **smtp.env(),
            **vonage.env(),
            "HUB_DATABASE_URL": settings.database_url,
            "HUB_REDIS_URL": redis_url,
            "HUB_RQ_QUEUE": self.name,
            "HUB_REDIS_CHANNEL": self.name,
            "HUB_SECRET_KEY": settings.secret_key,
            "HUB_PUBLIC_URL": settings.public_url,
            "HUB_OUTBOX_BACKOFF": ",".join(str(s) for s in timings.get("outbox_backoff", (1, 1))),
            "HUB_OUTBOX_LEASE": str(timings.get("outbox_lease", 10)),
            "HUB_OUTBOX_STALE": str(timings.get("outbox_stale", 1)),
            "HUB_ESCALATION_MINUTE": str(timings.get("escalation_minute", 60)),
        }
        self.settings = tuned(
            settings,
            self.env,
            redis_url=redis_url,
            rq_queue=self.name,
            redis_channel=self.name,
            **timings,
        )
        self.workers: list[Worker] = []

    def worker(self) -> Worker:
        worker = Worker(self.env, self.tmp_path / f"worker-{len(self.workers)}.log").start()
        self.workers.append(worker)
        return worker

    def log(self) -> str:
        return "\n".join(w.log.read_text(errors="replace")[-3000:] for w in self.workers)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        try:
            from rq import Queue

            redis = Redis.from_url(self.redis_url, socket_timeout=2)
            Queue(self.name, connection=redis).delete(delete_jobs=True)
            for key in redis.scan_iter(f"rq:*{self.name}*"):
                redis.delete(key)
            redis.close()
        except Exception:  # a stopped private server has nothing to clean
            pass


@pytest.fixture
def make_cluster(
    settings: Settings, tmp_path: Path, smtp: SmtpServer, vonage: VonageServer
) -> Iterator[Any]:
    clusters: list[Cluster] = []

    def make(redis_url: str = SHARED_REDIS, **timings: Any) -> Cluster:
        cluster = Cluster(settings, redis_url, tmp_path, smtp, vonage, **timings)
        clusters.append(cluster)
        return cluster

    yield make
    for cluster in clusters:
        cluster.close()


async def _seed(the_hub: Hub, recipients: list[dict[str, Any]], **extra: Any) -> Seeded:
    acme = await seed_tenant(the_hub.store, "acme")
    await add_rule(the_hub.store, acme.tenant, rule(recipients, **extra))
    return acme


async def test_a_real_worker_sends_the_alerts_and_rqs_scheduler_fires_the_escalation(
    make_cluster: Any, smtp: SmtpServer, vonage: VonageServer
) -> None:
    # A long sweep bound: what happens here is RQ's doing, not the sweeper's.
    cluster = make_cluster(outbox_stale=60, escalation_minute=1)
    async with running_hub(cluster.settings) as the_hub:
        assert the_hub.delivery is not None
        assert isinstance(the_hub.delivery.queue, RQJobQueue)
        acme = await _seed(
            the_hub,
            [email_to("ana@acme.example", "Ana"), sms_to(PHONE, "Luis")],
            escalation=[
                {"after_minutes": 2, "recipients": [email_to("boss@acme.example", "Boss")]}
            ],
        )
        cluster.worker()
        client = the_hub.quart.test_client()
        sos = await submit(client, acme.point["code"], "Se ha roto una tubería en el baño")
        try:
            await vonage.wait_for(1, within=40)
            mails = await smtp.wait_for(2, within=40)
        except AssertionError:
            raise AssertionError(cluster.log()) from None
        assert sorted(m["To"] for m in mails) == ["ana@acme.example", "boss@acme.example"]
        boss = next(m for m in mails if m["To"] == "boss@acme.example")
        assert "Se ha roto una tubería" in body_text(boss)
        items = await settled(the_hub.store, acme.tenant, sos["id"], 3, within=20)
        assert sorted((i["kind"], i["status"], i["attempts"]) for i in items) == [
            ("alert", "sent", 1),
            ("alert", "sent", 1),
            ("escalation", "sent", 1),
        ]
        response = await client.get(f"/api/v1/tickets/{sos['id']}", headers=acme.auth())
        detail = await response.get_json()
        assert [h["to"] for h in detail["history"] if h["action"] == "escalated"] == ["Boss"]


async def test_a_worker_killed_mid_send_is_recovered_by_the_sweeper_with_exactly_one_sms(
    make_cluster: Any, vonage: VonageServer
) -> None:
    cluster = make_cluster(outbox_lease=6, outbox_stale=1)
    vonage.fail_next(1, "hang")  # the provider reads the first request and never answers
    async with running_hub(cluster.settings) as the_hub:
        acme = await _seed(the_hub, [sms_to(PHONE, "Luis")])
        first = cluster.worker()
        sos = await submit(the_hub.quart.test_client(), acme.point["code"], "Hay humo en la cocina")

        async def request_hanging() -> bool:
            return vonage.seen.is_set()

        try:
            await eventually(request_hanging, 40, "the SMS request to reach the provider")
        except AssertionError:
            raise AssertionError(cluster.log()) from None
        first.kill()  # kill -9, mid-request: the item stays claimed, pending
        [item] = await outbox_items(the_hub.store, acme.tenant, sos["id"])
        assert (item["status"], item["attempts"]) == ("pending", 1)
        cluster.worker()
        [done] = await settled(the_hub.store, acme.tenant, sos["id"], 1, within=40)
        assert (done["status"], done["attempts"]) == ("sent", 2)
        assert len(vonage.requests) == 2  # the hung one and the recovered one
        assert len(vonage.to(PHONE)) == 1  # exactly one SMS accepted


async def test_a_worker_killed_after_the_provider_accepted_its_sms_does_not_send_it_twice(
    make_cluster: Any, vonage: VonageServer
) -> None:
    """The SMS left, but the worker died before hearing so: the next worker asks, not resends."""
    cluster = make_cluster(outbox_lease=6, outbox_stale=1)
    vonage.fail_next(1, "accept-hang")
    async with running_hub(cluster.settings) as the_hub:
        acme = await _seed(the_hub, [sms_to(PHONE, "Luis")])
        first = cluster.worker()
        sos = await submit(the_hub.quart.test_client(), acme.point["code"], "Hay humo en el sótano")

        async def accepted() -> bool:
            return bool(vonage.to(PHONE))

        try:
            await eventually(accepted, 40, "the provider to accept the SMS")
        except AssertionError:
            raise AssertionError(cluster.log()) from None
        first.kill()  # kill -9 before the provider's answer reached the worker
        cluster.worker()
        [done] = await settled(the_hub.store, acme.tenant, sos["id"], 1, within=40)
        assert (done["status"], done["attempts"]) == ("sent", 2), cluster.log()
        assert len(vonage.requests) == 1  # nothing was sent a second time
        assert [m["client-ref"] for m in vonage.to(PHONE)] == [done["id"]]


async def test_across_a_redis_restart_no_sms_or_email_is_lost_or_doubled(
    make_cluster: Any, smtp: SmtpServer, vonage: VonageServer
) -> None:
    with RedisServer() as redis:
        cluster = make_cluster(redis.url, outbox_stale=1, outbox_backoff=(2, 2))
        vonage.fail_next(1, "error")  # SOS 1's SMS waits for its retry in RQ's schedule
        async with running_hub(cluster.settings) as the_hub:
            acme = await _seed(the_hub, [email_to("ana@acme.example"), sms_to(PHONE)])
            cluster.worker()
            client = the_hub.quart.test_client()
            first = await submit(client, acme.point["code"], "Primer aviso: gotera en el pasillo")

            async def retry_scheduled() -> bool:
                items = await outbox_items(the_hub.store, acme.tenant, first["id"])
                return any(
                    i["channel"] == "sms" and i["attempts"] == 1 and i["status"] == "pending"
                    for i in items
                )

            try:
                await eventually(retry_scheduled, 40, "a failed first attempt")
            except AssertionError:
                raise AssertionError(cluster.log()) from None
            redis.stop()  # the scheduled retry and the queue are gone with it
            second = await submit(client, acme.point["code"], "Segundo aviso: sin luz en la 4")
            redis.start()
            third = await submit(client, acme.point["code"], "Tercer aviso: puerta bloqueada")
            for sos in (first, second, third):
                items = await settled(the_hub.store, acme.tenant, sos["id"], 2, within=60)
                assert {(i["channel"], i["status"]) for i in items} == {
                    ("email", "sent"),
                    ("sms", "sent"),
                }, cluster.log()
            assert sorted(ticket_number(m["Subject"]) for m in smtp.messages) == [1, 2, 3]
            assert sorted(ticket_number(m["text"]) for m in vonage.accepted) == [1, 2, 3]


async def test_a_real_worker_sends_the_kiosk_offline_notices_once(
    make_cluster: Any, smtp: SmtpServer
) -> None:
    """Scale-out: the hub's kiosk watch flags, a `sos-hub worker` sends (no ticket behind)."""
    from hub.accounts.kiosks import create_kiosk

    cluster = make_cluster(outbox_stale=60)
    async with running_hub(cluster.settings) as the_hub:
        acme = await seed_tenant(the_hub.store, "acme")
        kiosk, _token = await create_kiosk(
            the_hub.store, acme.tenant, {"name": "Hall kiosk", "point": acme.point["code"]}
        )
        # seen once, an hour ago: silent far longer than its ten minutes
        await the_hub.store.update(
            acme.tenant["id"],
            "kiosks",
            kiosk["id"],
            {"last_seen_at": "2026-01-01T00:00:00.000+00:00"},
        )
        cluster.worker()
        assert await the_hub.kiosks.watch.check() == 1
        assert await the_hub.kiosks.watch.check() == 0
        try:
            mails = await smtp.wait_for(2, within=40)
        except AssertionError:
            raise AssertionError(cluster.log()) from None
        managers = sorted(str(acme.users[r]["email"]) for r in ("admin", "manager"))
        assert sorted(str(m["To"]) for m in mails) == managers
        assert all("Hall kiosk" in str(m["Subject"]) for m in mails)

        async def sent() -> list[dict[str, Any]] | None:
            items = await the_hub.store.find(acme.tenant["id"], "outbox")
            return items if items and all(i["status"] == "sent" for i in items) else None

        items = await eventually(sent, 20, "the notices recorded as sent")
        assert sorted((i["kind"], i["attempts"]) for i in items) == [("kiosk_offline", 1)] * 2


async def test_under_rq_two_workers_count_a_burst_and_send_one_threshold_alert(
    make_cluster: Any, smtp: SmtpServer
) -> None:
    """Threshold alerts (hub/alerts) are counted in the routing job, here by RQ workers."""
    cluster = make_cluster(outbox_stale=60)
    async with running_hub(cluster.settings) as the_hub:
        acme = await seed_tenant(the_hub.store, "acme")
        client = the_hub.quart.test_client()
        body = {
            "point": acme.point["code"],
            "count": 3,
            "minutes": 15,
            "recipients": [email_to("jefa@acme.example", "Marta")],
        }
        r = await client.post("/api/v1/alerts", json=body, headers=acme.auth("manager"))
        assert r.status_code == 201, await r.get_data(as_text=True)
        cluster.worker()
        cluster.worker()
        for n in range(5):
            await submit(client, acme.point["code"], f"Mesa {n} sin atender")
        try:
            [mail] = await smtp.wait_for(1, within=40)
        except AssertionError:
            raise AssertionError(cluster.log()) from None

        async def all_routed() -> bool:
            tickets = await the_hub.store.find(acme.tenant["id"], "tickets")
            return len(tickets) == 5 and all(t.get("route_state") == "done" for t in tickets)

        await eventually(all_routed, 40, "every SOS routed by the workers")
        assert "Bar terrace" in mail["Subject"]
        items = await the_hub.store.find(acme.tenant["id"], "outbox", {"kind": "threshold"})
        assert len(items) == 1 and len(smtp.messages) == 1


async def test_under_rq_an_smtp_outage_longer_than_the_old_three_attempts_loses_no_alert(
    make_cluster: Any, smtp: SmtpServer, vonage: VonageServer
) -> None:
    """A worker keeps retrying a refused connection (transient) and sends once it is back."""
    cluster = make_cluster(outbox_stale=1, outbox_backoff=(0.3,))
    smtp.stop()
    async with running_hub(cluster.settings) as the_hub:
        acme = await _seed(the_hub, [email_to("ana@acme.example")])
        cluster.worker()
        sos = await submit(the_hub.quart.test_client(), acme.point["code"], "Fuga en la cocina")

        async def tried_four_times() -> dict[str, Any] | None:
            items = await outbox_items(the_hub.store, acme.tenant, sos["id"])
            done = [i for i in items if i["attempts"] >= 4 or i["status"] != "pending"]
            return done[0] if done else None

        try:
            item = await eventually(tried_four_times, 40, "four attempts")
        except AssertionError:
            raise AssertionError(cluster.log()) from None
        assert item["status"] == "pending", item
        smtp.restart()
        [done] = await settled(the_hub.store, acme.tenant, sos["id"], 1, within=40)
        assert done["status"] == "sent", cluster.log()
        assert len(smtp.to("ana@acme.example")) == 1
