"""The context each RQ job runs in: settings, an open store, a publisher, the services.

Every job runs in a fresh event loop (RQ runs async jobs with asyncio.run in its work
horse), so clients are opened here, inside the job, and closed when it ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from hub.notify.dispatch import DeliveryService
from hub.notify.setup import build_delivery
from hub.realtime.publisher import SocketioPublisher
from hub.realtime.pubsub import HubRedisManager
from hub.settings import Settings
from hub.store import open_store


@asynccontextmanager
async def delivery_context() -> AsyncIterator[DeliveryService]:
    """The delivery service on this process's settings, for the length of one job."""
    from hub.jobs import RQJobQueue

    settings = Settings.from_env()
    if not settings.redis_url:
        raise RuntimeError("worker jobs need HUB_REDIS_URL")
    store = open_store(settings)
    await store.open()
    # Write-only: a worker only emits, through Redis, to the hubs' consoles.
    manager = HubRedisManager(settings.redis_url, channel=settings.redis_channel, write_only=True)
    queue = RQJobQueue(settings.redis_url, settings.rq_queue)
    service, _listener = build_delivery(settings, store, SocketioPublisher(manager, store), queue)
    try:
        yield service
    finally:
        await queue.stop()
        await manager.close()
        await store.close()
