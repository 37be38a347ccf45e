"""The language detector in a child process of its own, for the hub's web process.

Loading lingua's models holds the GIL for seconds (measured: the event loop froze for as
long), so the web process never loads them: `python -m hub.translate.detector_process`
loads them, says "ready", then answers one JSON line per JSON line over its stdin and
stdout. It ends when its stdin closes, so it never outlives the hub.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

READY = "ready"
PARENT = "SOS_HUB_DETECTOR_PARENT"


class DetectorProcess:
    """One child process; one request at a time (a lock): a detection is a millisecond."""

    def __init__(self) -> None:
        # The child imports `hub` from where this process found it.
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
            # Loading must not take the hub's cores: one thread (lingua loads with rayon,
            # every core by default), at the lowest priority (see `serve`).
            "RAYON_NUM_THREADS": "1",
            PARENT: str(os.getpid()),
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "hub.translate.detector_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._lock = threading.Lock()
        self._loaded = False
        self._started = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def ready(self) -> bool:
        """Whether the child has loaded its models; never blocks (the event loop calls it)."""
        if self._loaded or not self.alive or not self._lock.acquire(blocking=False):
            return self._loaded
        try:
            if not self._loaded and self._readable(0):
                self._loaded = _line(self._pipes()[1]) == READY
            return self._loaded
        finally:
            self._lock.release()

    def detect(self, text: str, languages: list[str] | None, wait: float) -> str | None:
        """The child's answer (call it in a thread); None when its models are not loaded
        `wait` seconds after it started: one wait for all (a backlog of SOS after a restart
        must not wait once each). EOFError when the child has ended."""
        wait = max(0.0, self._started + wait - time.monotonic())
        if not self._lock.acquire(timeout=wait):
            return None
        try:
            stdin, stdout = self._pipes()
            if not self._loaded:
                if not self._readable(wait):
                    return None
                self._loaded = _line(stdout) == READY
            stdin.write(json.dumps({"text": text, "languages": languages}) + "\n")
            stdin.flush()
            answer = json.loads(_line(stdout))
        finally:
            self._lock.release()
        return str(answer) if answer else None

    def _readable(self, wait: float) -> bool:
        return bool(select.select([self._pipes()[1]], [], [], wait)[0])

    def stop(self) -> None:
        """Close its stdin (it then ends) and wait a little."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def _line(stream: IO[str]) -> str:
    line = stream.readline()
    if not line:
        raise EOFError("the language detection process ended")
    return line.strip()


def serve(stdin: IO[str], stdout: IO[str]) -> None:
    """The child: load, say so, then answer each request line until stdin closes."""
    from hub.translate.detect import detect_sync, warm_up

    _end_with_parent()
    os.nice(19)  # a helper: the hub it serves comes first
    warm_up()
    stdout.write(READY + "\n")
    stdout.flush()
    for line in stdin:
        try:
            request = json.loads(line)
            answer = detect_sync(str(request["text"]), request.get("languages"))
        except Exception as exc:  # a bad line must not end the child
            sys.stderr.write(f"language detection failed: {exc!r}\n")
            answer = None
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()


def _end_with_parent() -> None:
    """Linux: be sent SIGTERM when the hub ends, even while loading (the pipe's end-of-file
    would come only after the models are loaded, seconds later)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the end of the pipe will do
        return
    if str(os.getppid()) != os.environ.get(PARENT, str(os.getppid())):
        os._exit(0)  # the hub ended before the line above


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
