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
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

READY = "ready"


class DetectorProcess:
    """One child process; one request at a time (a lock): a detection is a millisecond."""

    def __init__(self) -> None:
        # The child imports `hub` from where this process found it.
        root = str(Path(__file__).resolve().parents[2])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
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

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def _pipes(self) -> tuple[IO[str], IO[str]]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        return self._proc.stdin, self._proc.stdout

    def ready(self) -> bool:
        """Whether the child has loaded its models; never blocks."""
        if self._loaded or not self.alive:
            return self._loaded
        _, stdout = self._pipes()
        with self._lock:
            if not self._loaded and select.select([stdout], [], [], 0)[0]:
                self._loaded = stdout.readline().strip() == READY
            return self._loaded

    def detect(self, text: str, languages: list[str] | None) -> str | None:
        """The child's answer; blocks until its models are loaded (call it in a thread).

        EOFError when the child has ended.
        """
        stdin, stdout = self._pipes()
        with self._lock:
            if not self._loaded:
                self._loaded = _line(stdout) == READY
            stdin.write(json.dumps({"text": text, "languages": languages}) + "\n")
            stdin.flush()
            answer = json.loads(_line(stdout))
        return str(answer) if answer else None

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


if __name__ == "__main__":
    serve(sys.stdin, sys.stdout)
