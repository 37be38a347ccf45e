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
    import logging

    from redis import Redis
    from rq import Queue

    import worker.jobs  # noqa: F401 (imported once here, not again in every forked job)
    from hub.notify.render import Renderer
    from hub.translate.detect import warm_up
    from worker.scheduler import HubWorker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # Each job runs in a forked work horse: models loaded here are shared, not reloaded.
    if settings.language_detection:
        warm_up()
    Renderer.preload()
    connection = Redis.from_url(settings.redis_url)  # bytes responses: RQ needs them
    queues = [Queue(settings.rq_queue, connection=connection)]
    # Its scheduler process ends with it, even on SIGKILL (worker/scheduler.py).
    HubWorker(queues, connection=connection).work(with_scheduler=True)
