"""RQ's scheduler, made to die with its worker.

`Worker.work(with_scheduler=True)` forks the scheduler into a process of its own. When the
worker is killed with SIGKILL nothing tells that child, and it went on moving delayed jobs
(retries, escalations) onto the queue for a worker that no longer exists, holding the
scheduler lock another worker would need. Here the child asks Linux for SIGTERM when its
parent dies (prctl PR_SET_PDEATHSIG), and, on any system, checks its parent on every
round: an orphan stops the way a SIGTERM stops it (locks released, death registered).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import sys
from typing import Any

import rq.worker.base as rq_worker_base
from rq import Worker
from rq.scheduler import RQScheduler

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel to send `sig` to this process when its parent ends (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


class ParentBoundScheduler(RQScheduler):
    """An RQScheduler whose forked process ends when the worker that forked it is gone."""

    _parent_pid = 0

    def start(self) -> Any:
        self._parent_pid = os.getpid()  # the worker's; the child inherits the value
        return super().start()  # type: ignore[no-untyped-call]

    def _orphaned(self) -> bool:
        return bool(self._parent_pid) and os.getppid() != self._parent_pid

    def work(self) -> None:
        """In the forked child: bind to the parent, then RQ's loop (which checks it too)."""
        die_with_parent()
        if self._orphaned():  # the parent died before the request took effect
            return
        super().work()  # type: ignore[no-untyped-call]

    def enqueue_scheduled_jobs(self) -> None:
        if self._orphaned():  # systems without PR_SET_PDEATHSIG: stop on the next round
            log.warning("scheduler: its worker is gone; stopping")
            self.request_stop(signal.SIGTERM, None)  # type: ignore[no-untyped-call]
            return
        super().enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]


class HubWorker(Worker):
    """RQ's Worker, with the scheduler above in place of RQ's own."""

    def _start_scheduler(
        self, burst: bool = False, logging_level: str | None = "INFO", *args: Any, **kwargs: Any
    ) -> None:
        # RQ builds its scheduler inline (rq.worker.base, rq 2.x): name ours there for the
        # length of that one call, in this single-threaded worker, so RQ's logic stays its own.
        saved = rq_worker_base.RQScheduler  # type: ignore[attr-defined]
        rq_worker_base.RQScheduler = ParentBoundScheduler  # type: ignore[attr-defined]
        try:
            super()._start_scheduler(burst, logging_level, *args, **kwargs)
        finally:
            rq_worker_base.RQScheduler = saved  # type: ignore[attr-defined]
