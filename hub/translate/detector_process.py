"""The language detector in a child process of its own, for the hub's web process.

Loading lingua's models holds the GIL for seconds (measured: the event loop froze for as
long), so the web process never loads them: `python -m hub.translate.detector_process`
loads them, says "ready", then answers one JSON line per JSON line over its stdin and
stdout. It ends when its stdin closes, so it never outlives the hub.

The hub talks to it from its event loop, without threads: each request line carries an id
and the child echoes it, so any number of SOS may be waiting for their answers at once
(pipelined; the child answers in turn, a millisecond each) and a caller that stopped
waiting (its budget ran out) leaves an answer that is simply dropped. A thread per
request and a lock, as before, cost the web process about 0.13 ms of CPU per detection,
and an SOS arriving while another was being detected got no language at intake (the
routing job then detected it and pushed the ticket a second time).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

READY = "ready"
PARENT = "SOS_HUB_DETECTOR_PARENT"


class DetectorProcess:
    """One child process, asked from the event loop; answers matched to requests by id."""

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
            bufsize=0,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in = self._proc.stdin.fileno()
        self._out = self._proc.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self._loaded = False
        self._ended = False
        self._started = time.monotonic()
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[str | None]] = {}
        self._loaded_waiters: list[asyncio.Future[None]] = []
        self._received = b""
        self._unsent = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def alive(self) -> bool:
        if self._ended:
            return False
        if self._loop is not None and not self._loop.is_closed():
            return True  # watched: its end is an end of file on the pipe (`_end`)
        return self._proc.poll() is None

    def ready(self) -> bool:
        """Whether the child has loaded its models; never blocks (the event loop calls it)."""
        if not self._loaded and self.alive:
            self._read_now()
        return self._loaded

    def _attach(self) -> asyncio.AbstractEventLoop:
        """Watch the child's pipes from the running loop (again after a loop change: tests)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            old, self._loop = self._loop, loop
            if old is not None and not old.is_closed():
                with contextlib.suppress(Exception):
                    old.remove_reader(self._out)
                    old.remove_writer(self._in)
            self._fail_all(EOFError("the event loop changed"))
            self._unsent.clear()  # a request line half written for the old loop
            loop.add_reader(self._out, self._read_now)
        return loop

    async def detect(self, text: str, languages: list[str] | None, wait: float) -> str | None:
        """The child's answer; None when its models are not loaded `wait` seconds after it
        started: one wait for all (a backlog of SOS after a restart must not wait once
        each). EOFError when the child has ended. Cancel it to stop waiting."""
        loop = self._attach()
        if not self._loaded:
            left = self._started + wait - time.monotonic()
            if left <= 0 or not self.alive:
                return None
            loaded: asyncio.Future[None] = loop.create_future()
            self._loaded_waiters.append(loaded)
            try:
                await asyncio.wait_for(asyncio.shield(loaded), left)
            except TimeoutError:
                return None
            finally:
                with contextlib.suppress(ValueError):
                    self._loaded_waiters.remove(loaded)
        if not self.alive:
            raise EOFError("the language detection process ended")
        ident = next(self._ids)
        answer: asyncio.Future[str | None] = loop.create_future()
        self._waiting[ident] = answer
        try:
            line = json.dumps({"id": ident, "text": text, "languages": languages}) + "\n"
            self._send(line.encode())
            return await answer
        finally:
            self._waiting.pop(ident, None)

    def _send(self, data: bytes) -> None:
        if self._unsent:
            self._unsent += data
            return
        try:
            sent = os.write(self._in, data)
        except BlockingIOError:
            sent = 0
        except OSError as exc:  # the child ended
            self._end(exc)
            raise EOFError("the language detection process ended") from exc
        if sent < len(data):  # the pipe is full: the rest goes when it drains
            self._unsent += data[sent:]
            assert self._loop is not None
            self._loop.add_writer(self._in, self._flush)

    def _flush(self) -> None:
        try:
            sent = os.write(self._in, self._unsent)
        except BlockingIOError:
            return
        except OSError as exc:
            self._end(exc)
            return
        del self._unsent[:sent]
        if not self._unsent and self._loop is not None:
            self._loop.remove_writer(self._in)

    def _read_now(self) -> None:
        """Take whatever the child wrote: "ready", then one answer per line."""
        chunks = []
        while True:
            try:
                chunk = os.read(self._out, 65536)
            except BlockingIOError:
                break
            except OSError as exc:
                self._end(exc)
                return
            if not chunk:
                self._end(EOFError("the language detection process ended"))
                break
            chunks.append(chunk)
        if not chunks:
            return
        data = self._received + b"".join(chunks)
        *lines, self._received = data.split(b"\n")
        for raw in lines:
            self._answer(raw.decode("utf-8", "replace").strip())

    def _answer(self, line: str) -> None:
        if not self._loaded:
            self._loaded = line == READY
            for waiter in self._loaded_waiters if self._loaded else ():
                if not waiter.done():
                    waiter.set_result(None)
            return
        try:
            ident, language = json.loads(line)
        except (ValueError, TypeError):
            return  # not an answer to anyone (a caller that gave up leaves nothing behind)
        answer = self._waiting.get(ident)
        if answer is not None and not answer.done():
            answer.set_result(str(language) if language else None)

    def _fail_all(self, exc: BaseException) -> None:
        waiting: list[asyncio.Future[Any]] = [*self._waiting.values(), *self._loaded_waiters]
        self._waiting.clear()
        for future in waiting:
            # a future of a loop already closed (a test's) cannot be told any more
            if not future.done() and not future.get_loop().is_closed():
                future.set_exception(type(exc)(*exc.args))

    def _end(self, exc: BaseException) -> None:
        if self._ended:
            return
        self._ended = True
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(Exception):
                loop.remove_reader(self._out)
                loop.remove_writer(self._in)
        self._fail_all(EOFError(f"the language detection process ended ({exc})"))

    def stop(self) -> None:
        """Close its stdin (it then ends) and wait a little."""
        self._end(EOFError("stopped"))
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


def serve(stdin: IO[str], stdout: IO[str]) -> None:
    """The child: load, say so, then answer each request line until stdin closes."""
    from hub.translate.detect import detect_sync

    _end_with_parent()
    # Loading (seconds of CPU) must not take the serving hub's core: it runs in a thread at
    # the lowest priority (Linux: a thread's own nice value; lingua's loading threads, made
    # by it, inherit it). Answering is on the SOS's path (the intake waits up to
    # INTAKE_WAIT), and a whole process at nice 19 is starved on a busy machine (measured: a
    # third of the SOS timed out at 60 SOS/s on a loaded 2-core machine, then were detected
    # again and pushed twice), so this thread, which answers, keeps the hub's priority.
    loader = threading.Thread(target=_load_at_lowest_priority, name="load-models")
    loader.start()
    loader.join()
    stdout.write(READY + "\n")
    stdout.flush()
    for line in stdin:
        ident: Any = None
        try:
            request = json.loads(line)
            ident = request.get("id")
            answer = detect_sync(str(request["text"]), request.get("languages"))
        except Exception as exc:  # a bad line must not end the child
            sys.stderr.write(f"language detection failed: {exc!r}\n")
            answer = None
        stdout.write(json.dumps([ident, answer]) + "\n")
        stdout.flush()


def _load_at_lowest_priority() -> None:
    from hub.translate.detect import warm_up

    with contextlib.suppress(OSError):  # this thread only (Linux); elsewhere the process
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    warm_up()


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
