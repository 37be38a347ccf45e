"""A private redis-server on a free loopback port, for tests that stop and restart Redis.

Never the shared server on 6379: other tests (and other people's runs) depend on it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import IO, Any

from tests.helpers import free_port


class RedisServer:
    """`redis-server` as a subprocess: start, stop (terminate) and start again on one port."""

    def __init__(
        self, port: int | None = None, log_path: Path | None = None, own_session: bool = False
    ) -> None:
        """`log_path`: the server's output is appended there (else dropped); `own_session`:
        its own session, so that a Ctrl-C of the caller does not reach it."""
        self.port = port or free_port()
        self.log_path = log_path
        self.own_session = own_session
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary

    def start(self, timeout: float = 10.0) -> RedisServer:
        """Start (or restart) the server and wait until it answers PING."""
        out: IO[bytes] | int = subprocess.DEVNULL
        if self.log_path is not None:
            out = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps its own copy
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=out,
            stderr=subprocess.STDOUT if self.log_path is not None else subprocess.DEVNULL,
            start_new_session=self.own_session,
        )
        if not isinstance(out, int):
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port}")

    def pause(self, seconds: float) -> None:
        """CLIENT PAUSE: the server stays up but answers no client for a while (a hang)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
            s.sendall(f"CLIENT PAUSE {int(seconds * 1000)} ALL\r\n".encode())
            answer = s.recv(64)
        if not answer.startswith(b"+OK"):
            raise RuntimeError(f"CLIENT PAUSE failed: {answer!r}")

    def ping(self) -> bool:
        """True when the server answers PING (a raw RESP exchange: no client library)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Terminate the process (connections drop, subscriptions are lost) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
