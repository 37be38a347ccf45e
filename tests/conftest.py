"""Shared fixtures: settings on a temporary SQLite file, the app under test, seeded tenants."""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.app import Hub, create_app
from hub.settings import Settings
from tests.helpers import Seeded, seed_tenant

DEFAULT_GC_THRESHOLD = gc.get_threshold()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded mode on a fresh SQLite file; rate limits and machine translation (Apertium
    costs a pipeline of processes per SOS) off unless a test turns them on."""
    return dataclasses.replace(
        Settings.from_env({}),
        database_url=f"sqlite:///{tmp_path / 'hub.db'}",
        secret_key="test-secret",
        public_url="http://hub.test",
        secure_cookies=False,
        rate_limits=False,
        translate_provider="none",
    )


@pytest.fixture
async def hub(settings: Settings) -> AsyncIterator[Hub]:
    """A hub wired on `settings`, started (store open) for the test's duration."""
    the_hub = create_app(settings)
    async with the_hub.quart.test_app():
        yield the_hub
    # Start-up froze the heap and raised the collector's threshold (hub.app.tune_gc):
    # undo it so one test's tuning never shapes the next.
    gc.unfreeze()
    gc.set_threshold(*DEFAULT_GC_THRESHOLD)


@pytest.fixture
def client(hub: Hub) -> Any:
    return hub.quart.test_client()


@pytest.fixture
async def acme(hub: Hub) -> Seeded:
    return await seed_tenant(hub.store, "acme")


@pytest.fixture
async def globex(hub: Hub) -> Seeded:
    return await seed_tenant(hub.store, "globex")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """End the language detector's child a test started (hub.translate.detect), rather
    than leave it to the interpreter's exit (a ResourceWarning: "subprocess … is still
    running")."""
    from hub.translate.detect import stop_detection

    stop_detection()
