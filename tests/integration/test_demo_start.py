"""The README's first command, `sos-hub demo`, as a newcomer runs it: in an empty folder.

What they read in the terminal is the demo's first impression: the URLs and the logins,
and no warning that suggests something broke (the seeded SOS are routed at start-up, which
is the design, not a lost job).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.helpers import free_port

SWEPT = ("pending delivery job(s) at start-up", "re-enqueued")  # how the first sweep reports


def _wait_for(condition: str, check: Callable[[], bool], deadline: float) -> None:
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {condition}")


def test_a_first_demo_prints_its_urls_and_logins_and_no_warning(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_LANGUAGE_DETECTION"] = "off"  # 3.5 s of CPU that this test does not look at
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90

        def healthy() -> bool:
            assert proc.poll() is None, log_path.read_text()
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
            except httpx.HTTPError:
                return False

        _wait_for("/healthz", healthy, deadline)
        _wait_for(
            "the start-up sweep",
            lambda: any(words in log_path.read_text() for words in SWEPT),
            deadline,
        )
        text = log_path.read_text()
        assert f"http://127.0.0.1:{port}/console" in text
        for login in ("direccion@hotel-mirador.example", "calidad@soscliente.example"):
            assert login in text
        assert "demo-pass-2026" in text
        alarming = [
            line
            for line in text.splitlines()
            if " WARNING " in line or " ERROR " in line or "Traceback" in line
        ]
        assert alarming == []
        assert (tmp_path / "var" / "hub.db").exists()
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
