"""`sos-hub worker` as a process: a `kill -9` of it leaves no scheduler process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.integration.redis_server import RedisServer

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Live child processes of `pid`, read from /proc (Linux)."""
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_for(check: Callable[[], object], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_a_worker_killed_with_sigkill_takes_its_scheduler_with_it(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        "HUB_RQ_QUEUE": f"sos-hub-test-{uuid.uuid4().hex[:10]}",
        "HUB_SECRET_KEY": "s",
    }
    with RedisServer() as redis, (tmp_path / "worker.log").open("ab") as log:
        env["HUB_REDIS_URL"] = redis.url
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        children: set[int] = set()
        try:
            _wait_for(lambda: _children(proc.pid), 60, "the worker's scheduler process")
            children = _children(proc.pid)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            _wait_for(
                lambda: not any(_alive(c) for c in children),
                15,
                f"the worker's children {sorted(children)} to end with it",
            )
        finally:
            for pid in children:  # only what this test started, by its pid
                if _alive(pid):
                    os.kill(pid, signal.SIGKILL)
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
