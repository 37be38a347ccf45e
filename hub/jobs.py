"""Background jobs: one interface, two runners.

Embedded mode runs each job as an asyncio task in the hub process (delays through the event
loop's timers); scale-out mode puts it on an RQ queue on Redis, where `sos-hub worker` runs
`worker.jobs.<name>`, which calls the same hub function. Jobs are enqueued by name, so the
hub never imports the worker. Neither runner is the source of truth: every job re-reads the
store, and a sweeper re-enqueues what a lost job left behind.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)

JOB_MODULE = "worker.jobs"
Handler = Callable[..., Awaitable[None]]


class JobQueue(Protocol):
    """Runs named jobs with string arguments, now or after a delay."""

    async def enqueue(self, name: str, *args: str, delay: float = 0.0) -> None:
        """Run job `name(*args)` once, `delay` seconds from now (best effort, see sweeper)."""

    async def start(self) -> None:
        """Begin accepting work (the app lifespan starts it)."""

    async def stop(self) -> None:
        """Stop: cancel what is only scheduled, let running jobs finish briefly."""


class InProcessJobQueue:
    """Embedded mode: each job an asyncio task in this process; delays via loop timers."""

    def __init__(self, *, stop_grace: float = 5.0) -> None:
        self._handlers: dict[str, Handler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._stop_grace = stop_grace
        self._stopped = False

    def register(self, name: str, handler: Handler) -> None:
        """Name a coroutine function as a job (the same names the worker module exports)."""
        self._handlers[name] = handler

    async def start(self) -> None:
        """Nothing to open: jobs run on the serving event loop."""
        self._stopped = False

    async def enqueue(self, name: str, *args: str, delay: float = 0.0) -> None:
        """Start the job as a task now, or arm a timer that starts it later."""
        if name not in self._handlers:
            raise KeyError(f"no job named {name!r}")
        if self._stopped:
            log.warning("job %s%r dropped: queue stopped (the sweeper redoes it)", name, args)
            return
        if delay <= 0:
            self._spawn(name, args)
            return
        loop = asyncio.get_running_loop()
        timer: asyncio.TimerHandle

        def fire() -> None:
            self._timers.discard(timer)
            self._spawn(name, args)

        timer = loop.call_later(delay, fire)
        self._timers.add(timer)

    def _spawn(self, name: str, args: tuple[str, ...]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(name, args), name=f"job:{name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, name: str, args: tuple[str, ...]) -> None:
        try:
            await self._handlers[name](*args)
        except Exception:  # a job's failure is its own; the store keeps what must be retried
            log.exception("job %s%r failed", name, args)

    @property
    def idle(self) -> bool:
        """Nothing running and nothing armed (tests wait for this)."""
        return not self._tasks and not self._timers

    async def stop(self) -> None:
        """Cancel armed timers; give running jobs a grace period, then cancel them."""
        self._stopped = True
        for timer in list(self._timers):
            timer.cancel()
        self._timers.clear()
        tasks = list(self._tasks)
        if not tasks:
            return
        _done, pending = await asyncio.wait(tasks, timeout=self._stop_grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)


class RQJobQueue:
    """Scale-out mode: jobs go to an RQ queue as `worker.jobs.<name>` with retries."""

    def __init__(
        self,
        redis_url: str,
        queue_name: str,
        *,
        retry_intervals: tuple[int, ...] = (10, 60),
        job_timeout: int = 120,
    ) -> None:
        from redis import Redis

        # Bytes responses (no decode_responses): RQ stores pickled payloads.
        self._redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=3)
        self.queue_name = queue_name
        self._retry_intervals = retry_intervals
        self._job_timeout = job_timeout

    async def start(self) -> None:
        """The connection opens lazily on the first enqueue."""

    async def enqueue(self, name: str, *args: str, delay: float = 0.0) -> None:
        """Put `worker.jobs.<name>(*args)` on the queue, or in RQ's schedule when delayed."""
        await asyncio.to_thread(self._enqueue, name, args, delay)

    def _enqueue(self, name: str, args: tuple[str, ...], delay: float) -> None:
        from rq import Queue, Retry

        queue = Queue(self.queue_name, connection=self._redis)
        options: dict[str, Any] = {
            # A job that crashes (not a provider error: those are counted on the item) is
            # retried by RQ; the item's claim makes a second run harmless.
            "retry": Retry(max=len(self._retry_intervals), interval=list(self._retry_intervals)),
            "job_timeout": self._job_timeout,
            "result_ttl": 600,
            "failure_ttl": 7 * 24 * 3600,
        }
        func = f"{JOB_MODULE}.{name}"
        if delay >= 1:  # RQ schedules in whole seconds; shorter waits just run now
            queue.enqueue_in(timedelta(seconds=delay), func, *args, **options)
        else:
            queue.enqueue(func, *args, **options)

    async def stop(self) -> None:
        """Close the Redis connection pool."""
        await asyncio.to_thread(self._redis.close)
