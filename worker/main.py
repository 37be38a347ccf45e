"""`sos-hub worker`: an RQ worker with its scheduler, on HUB_REDIS_URL."""

from __future__ import annotations

import sys

from hub.settings import Settings


def run_worker(settings: Settings) -> None:
    """Work the hub's queues until stopped; refuses to start in embedded mode."""
    if not settings.redis_url:
        sys.stderr.write(
            "sos-hub worker: HUB_REDIS_URL is not set; in embedded mode jobs run inside "
            "`sos-hub serve`\n"
        )
        raise SystemExit(2)
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(settings.redis_url)  # bytes responses: RQ needs them
    queues = [Queue(name, connection=connection) for name in ("high", "default")]
    Worker(queues, connection=connection).work(with_scheduler=True)
