"""GET /healthz: is the store reachable, is Redis?"""

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
    await the_hub.store.latest_seq("healthz")
    return {"status": "ok", "store": the_hub.store.kind, "redis": redis_state}
