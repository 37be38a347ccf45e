"""A store that cannot take writes (locked by another process, full, unreachable): the hub says
so at once, with 503 and Retry-After, keeps the customer's text, and /healthz answers 503."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from hub.errors import StoreUnavailable
from hub.settings import Settings
from hub.store.mongo import MongoStore
from tests.helpers import Seeded, free_port
from tests.integration.test_customer_pages import _Page
from tests.kit import send_sos


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A short wait for the store, so a locked file answers quickly in tests."""
    return dataclasses.replace(settings, store_timeout=0.3)


@contextmanager
def held_exclusively(settings: Settings) -> Iterator[None]:
    """Another process's connection holding the SQLite file with BEGIN EXCLUSIVE."""
    other = sqlite3.connect(settings.sqlite_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


LIFT = "The lift is stuck between floors"
ANA = {"name": "Ana", "email": "ana@example.com"}


async def _count(client: Any, acme: Seeded) -> int:
    r = await client.get("/api/v1/tickets", headers=acme.auth())
    assert r.status_code == 200
    return len((await r.get_json())["items"])


async def test_an_sos_posted_while_another_process_holds_the_store_gets_503_and_retry_after(
    client: Any, acme: Seeded, settings: Settings
) -> None:
    with held_exclusively(settings):
        r = await send_sos(client, acme, LIFT, contact=ANA)
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) > 0
        error = (await r.get_json())["error"]
        assert error["code"] == "store_unavailable"
        assert "not stored" in error["message"]
    r = await send_sos(client, acme, LIFT, contact=ANA)
    assert r.status_code == 201, await r.get_data(as_text=True)
    assert await _count(client, acme) == 1  # the refused one was not half-stored


async def test_healthz_answers_503_naming_the_store_while_it_is_locked_and_200_after(
    client: Any, settings: Settings
) -> None:
    with held_exclusively(settings):
        r = await client.get("/healthz")
        assert r.status_code == 503
        body = await r.get_json()
        assert body["status"] == "unavailable"
        assert body["store"] == "sqlite"
        assert body["failing"] == ["store"]
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert (await r.get_json())["status"] == "ok"


async def test_the_qr_form_says_the_message_was_not_sent_and_gives_the_text_back(
    client: Any, acme: Seeded, settings: Settings
) -> None:
    form = {
        "text": "Nobody answers at the desk <b>& the door is shut</b>",
        "name": "Ana",
        "email": "ana@example.com",
        "phone": "+34600111222",
    }
    with held_exclusively(settings):
        r = await client.post(f"/q/{acme.point['code']}?lang=en", form=form)
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) > 0
        page = _Page(await r.get_data(as_text=True))
        assert "was not sent" in page.text("form-error")
        assert page.raw("text").strip() == form["text"]
        assert page.attrs["name"]["value"] == "Ana"
        assert page.attrs["email"]["value"] == "ana@example.com"
        assert page.attrs["phone"]["value"] == "+34600111222"
    r = await client.post(f"/q/{acme.point['code']}?lang=en", form=form)
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/t/")


async def test_the_form_says_it_in_spanish_too(
    client: Any, acme: Seeded, settings: Settings
) -> None:
    with held_exclusively(settings):
        r = await client.post(f"/q/{acme.point['code']}?lang=es", form={"text": "Hace frío"})
    assert r.status_code == 503
    page = _Page(await r.get_data(as_text=True))
    assert "no se ha enviado" in page.text("form-error")
    assert page.raw("text").strip() == "Hace frío"


async def test_a_thread_answer_that_cannot_be_stored_is_503_and_stays_in_the_box(
    client: Any, acme: Seeded, settings: Settings
) -> None:
    r = await send_sos(client, acme, LIFT, contact=ANA)
    token = (await r.get_json())["thread_url"].rsplit("/", 1)[1]
    with held_exclusively(settings):
        api = await client.post(f"/api/v1/thread/{token}/messages", json={"text": "Still stuck"})
        page = await client.post(f"/t/{token}?lang=en", form={"text": "Still stuck"})
    assert api.status_code == 503
    assert "Retry-After" in api.headers
    assert page.status_code == 503
    assert "Retry-After" in page.headers
    parsed = _Page(await page.get_data(as_text=True))
    assert "was not sent" in parsed.text("text-error")
    assert parsed.raw("text").strip() == "Still stuck"


async def test_a_full_store_gets_503_with_retry_after_never_a_500(
    hub: Any, client: Any, acme: Seeded
) -> None:
    # A full disk, as SQLite reports it: the file may not grow by one more page.
    rows = await (await hub.store.db.execute("PRAGMA page_count")).fetchall()
    await hub.store.db.execute(f"PRAGMA max_page_count = {rows[0][0]}")
    statuses = []
    for n in range(40):
        r = await send_sos(client, acme, f"Case {n}: " + "ruido " * 300, contact=ANA)
        statuses.append(r.status_code)
        if r.status_code != 201:
            break
    assert statuses[-1] == 503, statuses
    assert "Retry-After" in r.headers
    assert (await r.get_json())["error"]["code"] == "store_unavailable"


async def test_an_unreachable_mongodb_is_store_unavailable_not_a_hang() -> None:
    store = MongoStore.from_url(f"mongodb://127.0.0.1:{free_port()}/sos_test", timeout=0.3)
    try:
        with pytest.raises(StoreUnavailable):
            await store.insert("t1", "tickets", {"id": "x"})
        with pytest.raises(StoreUnavailable):
            await store.find("t1", "tickets")
    finally:
        await store.close()


def test_the_store_timeout_is_a_setting() -> None:
    assert Settings.from_env({"HUB_STORE_TIMEOUT": "1.5"}).store_timeout == 1.5
    assert Settings.from_env({}).store_timeout == 3.0
