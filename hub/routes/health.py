"""GET /healthz: can the store take a write right now, is Redis reachable?

A load balancer reads it to stop sending traffic here: "ok" must mean an SOS would be stored
(`hub/store/probe.py` asks the store for a read and a small write, each bounded); a store
that cannot answer in time makes the answer 503.
"""

from __future__ import annotations

from typing import Any

from quart import Blueprint

from hub.container import hub

bp = Blueprint("health", __name__)


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
    problem = await the_hub.probe.problem()
    body: dict[str, Any] = {"status": "ok", "store": the_hub.probe.kind, "redis": redis_state}
    if problem is None:
        return body
    body.update(status="unavailable", failing=["store"], reason=problem)
    retry = {"Retry-After": "5"}
    return body, 503, retry
