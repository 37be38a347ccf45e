"""GET /healthz: can the store take a write right now, is Redis reachable?

A load balancer reads it to stop sending traffic here: "ok" must mean an SOS would be stored,
so the store is probed with a read and a small write (a counter outside every tenant), each
bounded; a store that cannot answer in time makes the answer 503.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from quart import Blueprint

from hub.container import hub

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)

PROBE_TENANT = "_healthz"  # not a tenant: no tenant listing or sweep ever sees it


async def _store_problem() -> str | None:
    """None when the store answered a read and a write in time; else what went wrong."""
    the_hub = hub()
    try:
        async with asyncio.timeout(the_hub.settings.store_timeout + 2):
            await the_hub.store.latest_seq(PROBE_TENANT)
            await the_hub.store.next_value(PROBE_TENANT, "probe")
    except TimeoutError:
        return "the store did not answer in time"
    except Exception as exc:
        log.warning("health probe of the store failed: %r", exc)
        return "the store cannot take writes now"
    return None


@bp.get("/healthz")
async def healthz() -> Any:
    the_hub = hub()
    redis_state = "off"
    if the_hub.settings.redis_url:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(the_hub.settings.redis_url, socket_timeout=1)
        try:
            await client.ping()
            redis_state = "ok"
        except Exception:
            redis_state = "down"
        finally:
            await client.aclose()
    problem = await _store_problem()
    body: dict[str, Any] = {"status": "ok", "store": the_hub.store.kind, "redis": redis_state}
    if problem is None:
        return body
    body.update(status="unavailable", failing=["store"], reason=problem)
    retry = {"Retry-After": "5"}
    return body, 503, retry
