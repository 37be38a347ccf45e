"""Test helpers: seed a tenant with staff and a point; run real hub processes."""

from __future__ import annotations

import functools
import html
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from hub.accounts.passwords import hash_password, hash_token
from hub.accounts.services import create_point, create_tenant, create_user
from hub.ports import Doc, Store

PASSWORD = "correct-horse-9"

# Argon2 is slow on purpose; tests hash the one shared password once (salted, still real).
_cached_hash = functools.lru_cache(maxsize=8)(hash_password)


@dataclass
class Seeded:
    """A tenant with one user per role and one access point."""

    tenant: Doc
    users: dict[str, Doc]
    tokens: dict[str, str]
    point: Doc

    @property
    def slug(self) -> str:
        return str(self.tenant["slug"])

    def auth(self, role: str = "agent") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


async def seed_tenant(store: Store, slug: str, *, timezone: str = "Europe/Madrid") -> Seeded:
    """Create `slug` with agent/manager/admin users (password PASSWORD) and point `<slug>-bar`."""
    tenant = await create_tenant(store, slug=slug, name=f"Business {slug}", timezone=timezone)
    users: dict[str, Doc] = {}
    tokens: dict[str, str] = {}
    for role in ("agent", "manager", "admin"):
        user, token = await create_user(
            store,
            tenant,
            email=f"{role}@{slug}.example",
            password=PASSWORD,
            role=role,
            name=f"{role.title()} {slug}",
            hash_password=_cached_hash,
            hash_token=hash_token,
        )
        users[role], tokens[role] = user, token
    point = await create_point(
        store, tenant, code=f"{slug}-bar", label="Bar terrace", department="Bar"
    )
    return Seeded(tenant, users, tokens, point)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


ROOT = Path(__file__).resolve().parent.parent


class HubProcess:
    """A real `sos-hub serve` subprocess on a free loopback port."""

    def __init__(self, env: Mapping[str, str], port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "HUB_PUBLIC_URL": self.url,
            "HUB_SECRET_KEY": "test-secret",
            "HUB_RATE_LIMITS": "off",
            "HUB_INSECURE_COOKIES": "1",
            # Language detection: its models take 3.5 s of CPU to load in every hub
            # started. A module about detected languages turns it on (see
            # tests/integration/test_served_detection.py).
            "HUB_LANGUAGE_DETECTION": "off",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(self.env.get("HUB_TEST_LOG_DIR", "/tmp")) / f"hub-{self.port}.log"

    def start(self, timeout: float = 90.0) -> HubProcess:
        """Start `sos-hub serve` and wait until /healthz answers (a loaded machine can take
        a while to import and open the store: the deadline only ends a hub that hangs)."""
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "hub.cli",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.proc.kill()  # never left running behind a failed test
        self.proc.wait()
        raise RuntimeError(f"hub did not start: {self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> HubProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


LOGIN_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def form_login(client: Any, form: Mapping[str, str], **kwargs: Any) -> Any:
    """POST the staff login form as a browser does: with the token of the page it got first.

    The page sets a pre-login cookie that the token is tied to; a client without a cookie
    jar (use_cookies=False) gets it passed by hand. `kwargs` go to both requests.
    """
    page = await client.get("/login", **kwargs)
    found = LOGIN_FORM_TOKEN.search(await page.get_data(as_text=True))
    assert found, "the login page carries no form token"
    headers = dict(kwargs.pop("headers", {}))
    if client.cookie_jar is None:
        cookies = [c.split(";", 1)[0] for c in page.headers.getlist("Set-Cookie")]
        headers["Cookie"] = "; ".join(filter(None, [headers.get("Cookie", ""), *cookies]))
    data = {**form, "csrf_token": html.unescape(found.group(1))}
    return await client.post("/login", form=data, headers=headers, **kwargs)
