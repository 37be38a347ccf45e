"""Rate limits on the public doors: generous per address, strict per device, point and thread.

No test waits for a window to pass: each asserts the `Retry-After` the refused client gets,
which says how long it would have to wait. The limits themselves are read from POLICIES, so
the tests follow a change of numbers and still check the shape of the policy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from hub.accounts.passwords import hash_password, hash_token
from hub.accounts.scans import local_day
from hub.accounts.services import create_point, create_user
from hub.app import Hub, create_app
from hub.clock import now
from hub.errors import HubError
from hub.http.ratelimit import POLICIES, RateLimiter
from hub.installation.operators import create_operator
from hub.settings import Settings
from tests.helpers import PASSWORD, HubProcess, Seeded, _cached_hash, form_login, seed_tenant
from tests.integration.realtime_clients import seed_file
from tests.kit import device_headers, fresh_device, peer, send_sos

REDIS_URL = "redis://127.0.0.1:6379/0"
LOGIN = "/api/v1/auth/login"
_n = itertools.count(1)


def rate(policy: str, key: str) -> int:
    """The strictest per-minute (or shorter) amount of `policy` for `key`."""
    return min(
        limit.item.amount
        for limit in POLICIES[policy]
        if limit.key == key and limit.item.get_expiry() <= 60
    )


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with rate limits on (they are off elsewhere)."""
    return dataclasses.replace(settings, rate_limits=True)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_n)}-{id(object()):x}"


async def sos(
    hub: Hub, point: str, *, address: str = "203.0.113.10", cookie: str | None = None
) -> Any:
    """One SOS from a client without a cookie jar at `address`, a distinct text each time
    (so no repeat filter merges them); with the phone's `cookie` when given."""
    return await send_sos(
        hub.quart.test_client(use_cookies=False),
        None,
        f"Guest request {unique('t')}: please bring towels",
        point=point,
        ip=address,
        device=cookie or "",
    )


def retry_after(response: Any, opened: float, window: int = 60) -> int:
    """The Retry-After of a 429: whole seconds until the window opened at `opened` ends.

    `opened` is time.monotonic() just before the first counted request; whatever the load
    on the machine, the wait must cover what is left of that window and no more.
    """
    elapsed = time.monotonic() - opened
    assert elapsed < window, f"the flood took {elapsed:.0f} s, more than the window: overloaded?"
    assert response.status_code == 429
    value = int(response.headers["Retry-After"])
    left = window - elapsed
    assert left - 1 <= value <= window, (value, left)
    return value


async def assert_json_429(response: Any, opened: float) -> None:
    retry_after(response, opened)
    assert response.content_type.startswith("application/json")
    body = await response.get_json()
    assert body["error"]["code"] == "rate_limited"
    assert "try again" in body["error"]["message"]


async def stored_sos(hub: Hub, tenant: Seeded) -> int:
    """SOS kept for this tenant: tickets, plus the repeats merged into them by the guard."""
    tickets = await hub.store.find(tenant.tenant["id"], "tickets")
    return sum(1 + int(t.get("repeat_count") or 0) for t in tickets)


async def test_a_handful_of_sos_from_one_address_and_one_device_within_seconds_is_never_refused(
    hub: Hub, acme: Seeded
) -> None:
    phone = unique("phone")
    for _ in range(5):
        r = await sos(hub, acme.point["code"], cookie=phone)
        assert r.status_code == 201, await r.get_data(as_text=True)
    for _ in range(5):  # and five more from the same address without any device cookie
        r = await sos(hub, acme.point["code"])
        assert r.status_code == 201


async def test_a_flood_from_one_device_gets_429_with_retry_after_as_json(
    hub: Hub, acme: Seeded
) -> None:
    per_device = rate("sos", "device")
    phone = unique("phone")
    opened = time.monotonic()
    for _ in range(per_device):
        assert (await sos(hub, acme.point["code"], cookie=phone)).status_code == 201
    refused = await sos(hub, acme.point["code"], cookie=phone)
    await assert_json_429(refused, opened)
    assert await stored_sos(hub, acme) == per_device
    # the guest at the next table, on the same Wi-Fi, is not affected
    assert (await sos(hub, acme.point["code"], cookie=unique("other"))).status_code == 201


async def test_a_flood_from_one_device_on_the_form_gets_the_friendly_page_with_429(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client(use_cookies=False)
    phone = unique("phone")
    url = f"/q/{acme.point['code']}?lang=en"
    opened = time.monotonic()
    for i in range(rate("sos", "device")):
        r = await client.post(
            url,
            form={"text": f"Form message {i} {phone}", "anonymous": "1"},
            headers=device_headers(phone),
            **peer("203.0.113.20"),
        )
        assert r.status_code == 303, await r.get_data(as_text=True)
    r = await client.post(
        url,
        form={"text": "One more", "anonymous": "1"},
        headers=device_headers(phone),
        **peer("203.0.113.20"),
    )
    seconds = retry_after(r, opened)
    assert r.content_type.startswith("text/html")
    page = await r.get_data(as_text=True)
    assert "One moment, please" in page
    assert f"try again in {seconds} seconds" in page
    assert "<form" not in page  # nothing to resubmit by reflex


async def test_many_devices_behind_one_address_pass_until_the_generous_address_limit(
    hub: Hub, acme: Seeded
) -> None:
    per_address, per_point = rate("sos", "ip"), rate("sos", "point")
    assert per_address >= 10 * rate("sos", "device")  # a hotel's guests share one address
    # Spread the crowd over enough points that no point limit is reached first.
    points = [acme.point["code"]]
    while len(points) * per_point <= per_address:
        code = f"acme-room-{len(points)}"
        await create_point(hub.store, acme.tenant, code=code, label=f"Room {len(points)}")
        points.append(code)
    hotel = "198.51.100.77"
    opened = time.monotonic()
    for i in range(per_address):
        r = await sos(hub, points[i % len(points)], address=hotel, cookie=unique("guest"))
        assert r.status_code == 201, (i, await r.get_data(as_text=True))
    await assert_json_429(await sos(hub, points[0], address=hotel, cookie=unique("guest")), opened)
    # another address is counted on its own
    r = await sos(hub, points[1], address="198.51.100.78", cookie=unique("guest"))
    assert r.status_code == 201


async def test_the_point_limit_stops_a_flood_at_one_point_from_many_devices_and_addresses(
    hub: Hub, acme: Seeded
) -> None:
    code = acme.point["code"]
    opened = time.monotonic()
    for i in range(rate("sos", "point")):
        r = await sos(hub, code, address=f"192.0.2.{i % 250 + 1}", cookie=unique("bot"))
        assert r.status_code == 201
    await assert_json_429(await sos(hub, code, address="192.0.2.251", cookie=unique("bot")), opened)
    # other points of the business keep working
    await create_point(hub.store, acme.tenant, code="acme-lobby", label="Lobby")
    assert (await sos(hub, "acme-lobby", address="192.0.2.252")).status_code == 201


async def test_a_flood_of_messages_on_one_thread_is_stopped_and_other_threads_are_not(
    hub: Hub, acme: Seeded
) -> None:
    tokens = []
    for _ in range(2):
        r = await sos(hub, acme.point["code"], cookie=unique("phone"))
        tokens.append((await r.get_json())["thread_url"].rsplit("/", 1)[1])
    client = hub.quart.test_client(use_cookies=False)
    flooded, calm = tokens
    opened = time.monotonic()
    for i in range(rate("thread_message", "thread")):
        r = await client.post(
            f"/api/v1/thread/{flooded}/messages",
            json={"text": f"hello {i}"},
            **peer(f"192.0.2.{i + 1}"),
        )
        assert r.status_code == 201
    r = await client.post(
        f"/api/v1/thread/{flooded}/messages", json={"text": "again"}, **peer("192.0.2.99")
    )
    await assert_json_429(r, opened)
    ticket = await hub.tickets.by_thread_token(flooded)
    messages = await hub.tickets.messages(acme.tenant["id"], ticket["id"])
    assert len(messages) == rate("thread_message", "thread")
    r = await client.post(
        f"/api/v1/thread/{calm}/messages", json={"text": "hi"}, **peer("192.0.2.99")
    )
    assert r.status_code == 201


async def test_login_guessing_from_one_address_is_stopped_for_that_address(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client(use_cookies=False)
    email = "agent@acme.example"
    opened = time.monotonic()
    for i in range(rate("login", "pair")):
        r = await client.post(
            LOGIN, json={"email": email, "password": f"guess-{i}"}, **peer("192.0.2.1")
        )
        assert r.status_code == 401
    # now even the right password waits there: the guesser cannot tell a hit from a miss
    r = await client.post(
        LOGIN, json={"email": email.upper(), "password": PASSWORD}, **peer("192.0.2.1")
    )
    await assert_json_429(r, opened)
    assert "QUART_AUTH" not in r.headers.get("Set-Cookie", "")
    # the form login shares the counter and answers with a page
    r = await form_login(client, {"email": email, "password": PASSWORD}, **peer("192.0.2.1"))
    retry_after(r, opened)
    # colleagues are not locked out
    r = await client.post(
        LOGIN, json={"email": "manager@acme.example", "password": PASSWORD}, **peer("192.0.2.1")
    )
    assert r.status_code == 200


async def test_an_email_at_two_businesses_is_throttled_as_one(
    hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    """Its password is checked against each account, but a wrong guess counts once, and the
    lockout holds for every business the e-mail works for."""
    for seeded in (acme, globex):
        await create_user(
            hub.store,
            seeded.tenant,
            email="dual@two.example",
            password=PASSWORD,
            role="agent",
            hash_password=_cached_hash,
            hash_token=hash_token,
        )
    client = hub.quart.test_client(use_cookies=False)
    opened = time.monotonic()
    for i in range(rate("login", "pair")):
        r = await client.post(
            LOGIN, json={"email": "dual@two.example", "password": f"guess-{i}"}, **peer("192.0.2.5")
        )
        assert r.status_code == 401
    for business in (None, "acme", "globex"):
        body = {"email": "dual@two.example", "password": PASSWORD, "business": business}
        r = await client.post(LOGIN, json=body, **peer("192.0.2.5"))
        await assert_json_429(r, opened)
    r = await form_login(
        client, {"email": "dual@two.example", "password": PASSWORD}, **peer("192.0.2.5")
    )
    retry_after(r, opened)
    assert "Business acme" not in await r.get_data(as_text=True)


async def test_a_hundred_guesses_sent_at_once_are_judged_no_more_than_the_limit_allows(
    hub: Hub, acme: Seeded
) -> None:
    """Sent together, guesses must not all pass the throttle before the first is counted:
    only as many passwords are tried as the limit allows, then even the right one waits."""
    client = hub.quart.test_client(use_cookies=False)
    email = "agent@acme.example"

    async def guess(i: int) -> int:
        r = await client.post(
            LOGIN, json={"email": email, "password": f"guess-{i}"}, **peer("192.0.2.77")
        )
        return r.status_code

    statuses = await asyncio.gather(*(guess(i) for i in range(100)))
    assert statuses.count(401) == rate("login", "pair"), statuses
    assert statuses.count(429) == 100 - rate("login", "pair")
    r = await client.post(LOGIN, json={"email": email, "password": PASSWORD}, **peer("192.0.2.77"))
    assert r.status_code == 429
    # the installation's operator login is throttled the same way
    await create_operator(
        hub.store, email="ops@club.example", password=PASSWORD, hash_password=hash_password
    )

    async def operator_guess(i: int) -> str:
        try:
            await hub.operators.check_login("ops@club.example", f"guess-{i}", "192.0.2.78")
        except HubError as exc:
            return exc.code
        return "in"

    outcomes = await asyncio.gather(*(operator_guess(i) for i in range(40)))
    assert outcomes.count("unauthorized") == rate("login", "pair"), outcomes
    assert outcomes.count("rate_limited") == 40 - rate("login", "pair")


async def test_a_guest_guessing_from_the_hotels_address_does_not_lock_out_the_reception(
    hub: Hub, acme: Seeded
) -> None:
    """Guests and reception share the hotel's one public address. A browser where the
    manager logged in before keeps logging in, however much a stranger guesses there."""
    hotel = peer("192.0.2.90")
    manager = "manager@acme.example"
    reception = hub.quart.test_client()  # keeps its cookies, as a browser does
    r = await reception.post(LOGIN, json={"email": manager, "password": PASSWORD}, **hotel)
    assert r.status_code == 200
    assert reception.cookie_jar is not None
    known = [c for c in reception.cookie_jar if c.name.startswith("sos_known_")]
    assert len(known) == 1 and known[0].value and manager not in known[0].name
    stranger = hub.quart.test_client(use_cookies=False)
    for i in range(rate("login", "ip")):  # many accounts, then the manager's
        email = manager if i < rate("login", "pair") else f"guess-{i}@acme.example"
        await stranger.post(LOGIN, json={"email": email, "password": f"x-{i}"}, **hotel)
    r = await stranger.post(LOGIN, json={"email": manager, "password": PASSWORD}, **hotel)
    assert r.status_code == 429  # the stranger's own attempts are stopped
    r = await reception.post(LOGIN, json={"email": manager, "password": PASSWORD}, **hotel)
    assert r.status_code == 200  # the reception's browser is not
    # the cookie is the manager's alone, and only as the hub signed it
    for name, value in (
        (known[0].name, known[0].value[:-2] + "xx"),  # tampered
        (known[0].name.replace("sos_known_", "sos_known_0"), known[0].value),  # another e-mail's
    ):
        r = await stranger.post(
            LOGIN,
            json={"email": manager, "password": PASSWORD},
            headers={"Cookie": f"{name}={value}"},
            **hotel,
        )
        assert r.status_code == 429, name
    r = await reception.post(
        LOGIN, json={"email": "agent@acme.example", "password": PASSWORD}, **hotel
    )
    assert r.status_code == 429  # another colleague, new on this browser: the address counts
    # a cookie earned by logging in to one's own account, put under the manager's name
    elsewhere = hub.quart.test_client()
    r = await elsewhere.post(
        LOGIN, json={"email": "agent@acme.example", "password": PASSWORD}, **peer("192.0.2.91")
    )
    assert r.status_code == 200 and elsewhere.cookie_jar is not None
    [own] = [c for c in elsewhere.cookie_jar if c.name.startswith("sos_known_")]
    r = await stranger.post(
        LOGIN,
        json={"email": manager, "password": PASSWORD},
        headers={"Cookie": f"{known[0].name}={own.value}"},
        **hotel,
    )
    assert r.status_code == 429


async def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_from_another(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client(use_cookies=False)
    owner = "admin@acme.example"
    opened = time.monotonic()
    statuses = []
    for i in range(20):
        r = await client.post(
            LOGIN, json={"email": owner, "password": f"guess-{i}"}, **peer("198.51.100.7")
        )
        statuses.append(r.status_code)
    assert set(statuses) == {401, 429} and statuses[0] == 401, statuses
    # the attacker's address is throttled, with how long to wait
    r = await client.post(
        LOGIN, json={"email": owner, "password": "one-more"}, **peer("198.51.100.7")
    )
    await assert_json_429(r, opened)
    # the owner, from the office, logs in at once, by the API and by the form
    r = await client.post(
        LOGIN, json={"email": owner, "password": PASSWORD}, **peer("203.0.113.50")
    )
    assert r.status_code == 200
    r = await form_login(client, {"email": owner, "password": PASSWORD}, **peer("203.0.113.51"))
    assert r.status_code == 303


async def test_password_guesses_from_one_ipv6_network_are_throttled_together(
    hub: Hub, acme: Seeded
) -> None:
    """An IPv6 host picks any address of its /64 at will: the throttle counts the network."""
    client = hub.quart.test_client(use_cookies=False)
    owner = "admin@acme.example"
    statuses = []
    for i in range(20):
        r = await client.post(
            LOGIN, json={"email": owner, "password": f"guess-{i}"}, **peer(f"2001:db8:7:1::{i + 1}")
        )
        statuses.append(r.status_code)
    assert 429 in statuses and statuses[0] == 401, statuses
    r = await client.post(
        LOGIN, json={"email": owner, "password": PASSWORD}, **peer("2001:db8:9::5")
    )
    assert r.status_code == 200  # the owner, on another network, is not locked out


async def test_only_failed_logins_count_so_staff_logging_in_often_are_never_throttled(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client(use_cookies=False)
    for _ in range(rate("login", "pair") + 2):
        r = await client.post(
            LOGIN,
            json={"email": "agent@acme.example", "password": PASSWORD},
            **peer("192.0.2.30"),
        )
        assert r.status_code == 200


async def test_repeated_failures_lock_the_pair_out_for_longer_each_time(hub: Hub) -> None:
    # backoff: the pair's limits grow from a minute to an hour to a day
    windows = sorted(limit.item.get_expiry() for limit in POLICIES["login"] if limit.key == "pair")
    assert windows[0] <= 60 and windows[-1] >= 3600 and len(windows) >= 3
    pair = sorted(
        (lim for lim in POLICIES["login"] if lim.key == "pair"),
        key=lambda lim: lim.item.get_expiry(),
    )
    amounts = [lim.item.amount for lim in pair]
    assert amounts == sorted(amounts)
    # and a generous limit per address stays, for guessing many e-mails from one place
    assert rate("login", "ip") > rate("login", "pair")


async def _spray(client: Any, count: int, *, address: str, forwarded: Any) -> list[int]:
    """`count` SOS to unknown points (cheap 404s, still counted per address) from `address`.

    `forwarded(i)` gives each request's X-Forwarded-For. No device cookie, and a new point
    code each time: only the per-address limit can refuse them.
    """
    statuses = []
    for i in range(count):
        r = await client.post(
            "/api/v1/sos",
            json={"point": unique("nowhere"), "text": "hello", "anonymous": True},
            headers={"X-Forwarded-For": forwarded(i)},
            **peer(address),
        )
        statuses.append(r.status_code)
    return statuses


async def test_a_spoofed_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(
    hub: Hub, acme: Seeded
) -> None:
    per_address = rate("sos", "ip")
    client = hub.quart.test_client(use_cookies=False)
    statuses = await _spray(
        client, per_address + 1, address="198.51.100.9", forwarded=lambda i: f"10.9.{i}.1"
    )
    assert statuses == [404] * per_address + [429]


async def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(settings: Settings) -> None:
    proxied = dataclasses.replace(settings, trusted_proxies=("10.0.0.0/8",))
    the_hub = create_app(proxied)
    async with the_hub.quart.test_app():
        client = the_hub.quart.test_client(use_cookies=False)
        per_address = rate("sos", "ip")
        # many customers behind our proxy: each is counted on their own
        statuses = await _spray(
            client, per_address + 5, address="10.1.2.3", forwarded=lambda i: f"203.0.113.{i + 1}"
        )
        assert set(statuses) == {404}
        # one customer behind it, even prepending fake hops, is counted as themselves
        statuses = await _spray(
            client,
            per_address + 1,
            address="10.1.2.3",
            forwarded=lambda i: f"192.0.2.{i + 1}, 198.51.100.200",
        )
        assert statuses == [404] * per_address + [429]


@pytest.mark.slow
def test_a_real_server_ignores_x_forwarded_for_unless_a_trusted_proxy_is_configured(
    tmp_path: Any,
) -> None:
    """Through uvicorn, not only the app: the server must not rewrite the peer from the header."""
    import asyncio

    db = tmp_path / "hub.db"
    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's loop
        pool.submit(asyncio.run, seed_file(db, "acme")).result()
    env = {
        "HUB_DATABASE_URL": f"sqlite:///{db}",
        "HUB_RATE_LIMITS": "on",
        "HUB_TEST_LOG_DIR": str(tmp_path),
    }
    with HubProcess(env) as proc, httpx.Client(base_url=proc.url, timeout=10) as http:
        per_address = rate("sos", "ip")
        statuses = []
        opened = time.monotonic()
        for i in range(per_address + 1):
            r = http.post(
                "/api/v1/sos",
                json={"point": f"nowhere-{i}", "text": "hi", "anonymous": True},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            statuses.append(r.status_code)
        assert statuses == [404] * per_address + [429]
        retry_after(r, opened)


async def test_in_scale_out_two_instances_count_together_in_redis(settings: Settings) -> None:
    """Two hubs on one database, each with the limiter create_app builds in scale-out mode.

    The rest of scale-out (RQ, socket.io over Redis) is left out: it would put this test's
    jobs on the shared Redis, and it is not what is counted here.
    """
    scale_out = dataclasses.replace(settings, redis_url=REDIS_URL)
    first, second = create_app(settings), create_app(settings)
    for the_hub in (first, second):
        the_hub.limiter = RateLimiter(scale_out)
    phone = unique("scale-out-phone")
    try:
        async with first.quart.test_app(), second.quart.test_app():
            code = await _seed_for(first)  # a fresh point: Redis outlives this test's database
            per_device = rate("sos", "device")
            opened = time.monotonic()
            for i in range(per_device):
                r = await sos((first, second)[i % 2], code, cookie=phone)
                assert r.status_code == 201
            await assert_json_429(await sos(first, code, cookie=phone), opened)
            await assert_json_429(await sos(second, code, cookie=phone), opened)
        redis = aioredis.Redis.from_url(REDIS_URL)
        try:
            keys = [k async for k in redis.scan_iter(match=f"*{phone}*")]
            assert keys, "the per-device counter should live in Redis"
            await redis.delete(*keys)
        finally:
            await redis.aclose()
    finally:
        for the_hub in (first, second):  # also when the test failed before the apps stopped
            await the_hub.limiter.close()


async def _seed_for(the_hub: Hub) -> str:
    tenant = await seed_tenant(the_hub.store, "scale")
    code = unique("scale-bar")
    await create_point(the_hub.store, tenant.tenant, code=code, label="Bar")
    return code


async def test_hub_rate_limits_off_lets_everything_through(settings: Settings) -> None:
    off = Settings.from_env({"HUB_RATE_LIMITS": "off"})
    assert off.rate_limits is False
    the_hub = create_app(dataclasses.replace(settings, rate_limits=off.rate_limits))
    async with the_hub.quart.test_app():
        acme = await seed_tenant(the_hub.store, "acme")
        phone = unique("phone")
        for _ in range(3 * rate("sos", "device")):
            assert (await sos(the_hub, acme.point["code"], cookie=phone)).status_code == 201
        client = the_hub.quart.test_client(use_cookies=False)
        for _ in range(2 * rate("login", "pair")):  # an unknown e-mail: no slow hashing
            r = await client.post(LOGIN, json={"email": "who@acme.example", "password": "g"})
            assert r.status_code == 401


async def test_a_thread_link_cannot_stream_survey_answers(hub: Hub, acme: Seeded) -> None:
    client = hub.quart.test_client(use_cookies=False)
    r = await client.post(
        "/api/v1/sos", json={"point": acme.point["code"], "text": "Lift"}, **peer("203.0.113.77")
    )
    sent = await r.get_json()
    token = sent["thread_url"].rsplit("/", 1)[1]
    r = await client.patch(
        f"/api/v1/tickets/{sent['id']}", json={"status": "resolved"}, headers=acme.auth("agent")
    )
    assert r.status_code == 200
    allowed = rate("survey", "thread")
    opened = time.monotonic()
    # ("bad" would reopen the ticket as a detractor's: hub/alerts; the survey then closes)
    ratings = ("very_good", "good", "fair")
    for n in range(allowed):  # a customer correcting their answer a few times: fine
        r = await client.post(
            f"/api/v1/thread/{token}/survey",
            json={"rating": ratings[n % 3]},
            **peer("203.0.113.77"),
        )
        assert r.status_code == 201, (n, await r.get_data(as_text=True))
    r = await client.post(
        f"/api/v1/thread/{token}/survey", json={"rating": "good"}, **peer("203.0.113.77")
    )
    await assert_json_429(r, opened)


# One client must never shut a point for the others (issue 10, finding 1) -------------------


async def _form_post(
    hub: Hub, code: str, form: dict[str, str], *, address: str, cookie: str | None = None
) -> Any:
    client = hub.quart.test_client(use_cookies=False)
    return await client.post(
        f"/q/{code}?lang=en",
        form=form,
        headers=device_headers(cookie) if cookie else {},
        **peer(address),
    )


async def test_empty_and_invalid_posts_from_one_address_never_shut_the_point_for_other_guests(
    hub: Hub, acme: Seeded
) -> None:
    code, prankster = acme.point["code"], "203.0.113.66"
    client = hub.quart.test_client(use_cookies=False)
    for _ in range(rate("sos", "point") + 10):
        r = await _form_post(hub, code, {"text": "", "anonymous": "1"}, address=prankster)
        assert r.status_code == 400  # the form again, with the field named; never a 429
        r = await client.post("/api/v1/sos", json={"point": code, "text": "   "}, **peer(prankster))
        assert r.status_code == 400
    # a guest at another table, on another network, sends their SOS as usual
    r = await sos(hub, code, address="198.51.100.5", cookie=unique("guest"))
    assert r.status_code == 201, await r.get_data(as_text=True)
    r = await _form_post(
        hub,
        code,
        {"text": "The shower is cold", "anonymous": "1"},
        address="198.51.100.6",
        cookie=unique("guest"),
    )
    assert r.status_code == 303


async def test_junk_form_posts_from_one_guest_never_shut_out_the_others_on_their_network(
    hub: Hub, acme: Seeded
) -> None:
    """Hotel Wi-Fi: one prankster's empty forms count against their browser, not the address."""
    code, hotel = acme.point["code"], "203.0.113.68"
    for _ in range(rate("sos", "ip") + 10):  # past the whole address's allowance
        r = await _form_post(hub, code, {"text": "", "anonymous": "1"}, address=hotel)
        assert r.status_code in (400, 429)
    r = await _form_post(
        hub,
        code,
        {"text": "A child is hurt at the pool", "anonymous": "1"},
        address=hotel,
        cookie=unique("guest"),
    )
    assert r.status_code == 303, await r.get_data(as_text=True)


async def test_a_flood_with_rotating_device_cookies_from_one_address_leaves_the_point_open(
    hub: Hub, acme: Seeded
) -> None:
    code, flooder = acme.point["code"], "203.0.113.67"
    for _ in range(rate("sos", "point") + 5):  # below the generous per-address limit
        r = await sos(hub, code, address=flooder, cookie=unique("rotating"))
        assert r.status_code in (201, 429)
    r = await sos(hub, code, address="198.51.100.7", cookie=unique("guest"))
    assert r.status_code == 201, await r.get_data(as_text=True)


async def test_requests_refused_by_a_client_limit_consume_nothing_of_the_points_budget(
    hub: Hub, acme: Seeded
) -> None:
    code = acme.point["code"]
    # one phone far past its own limit: refused by the device limit, over and over
    phone, refusals = unique("phone"), 0
    for _ in range(rate("sos", "device") + 20):
        r = await sos(hub, code, address="203.0.113.68", cookie=phone)
        refusals += r.status_code == 429
    assert refusals == 20
    # one address that used up its own limit elsewhere, then knocks on this point
    others = [f"acme-spa-{n}" for n in range(rate("sos", "ip") // rate("sos", "point") + 1)]
    for other in others:
        await create_point(hub.store, acme.tenant, code=other, label=other)
    busy = "203.0.113.69"
    for i in range(rate("sos", "ip")):
        r = await sos(hub, others[i % len(others)], address=busy, cookie=unique("b"))
        assert r.status_code == 201
    for _ in range(20):
        assert (await sos(hub, code, address=busy, cookie=unique("b"))).status_code == 429
    # the point still has its budget for every other guest: only the phone's one address,
    # whose SOS were accepted, has taken a share of it
    for i in range(rate("sos", "point") - 1):
        r = await sos(hub, code, address=f"192.0.2.{i + 1}", cookie=unique("guest"))
        assert r.status_code == 201, (i, await r.get_data(as_text=True))


async def test_refused_kiosk_sos_never_use_up_the_kiosks_budget_for_the_next_guests(
    hub: Hub, acme: Seeded
) -> None:
    client = hub.quart.test_client(use_cookies=False)
    r = await client.post(
        "/api/v1/kiosks",
        headers=acme.auth("manager"),
        json={"name": "Hall", "point": acme.point["code"], "departments": ["bar"]},
    )
    assert r.status_code == 201, await r.get_data(as_text=True)
    kiosk = {"Authorization": f"Bearer {(await r.get_json())['device_token']}"}
    for _ in range(rate("kiosk_sos", "kiosk") + 5):  # a guest poking at a stale screen
        r = await client.post(
            "/api/v1/kiosk/sos", headers=kiosk, json={"text": "Help", "department": "spa"}
        )
        assert r.status_code == 400
    r = await client.post(
        "/api/v1/kiosk/sos", headers=kiosk, json={"text": "The lift is stuck", "department": "bar"}
    )
    assert r.status_code == 201, await r.get_data(as_text=True)


async def test_one_ipv6_household_rotating_networks_cannot_take_a_points_whole_budget(
    hub: Hub, acme: Seeded
) -> None:
    """A home gets a /56 (256 /64 networks): it takes one share of a point, not 256."""
    code = acme.point["code"]
    for i in range(rate("sos", "point") + 10):
        r = await sos(hub, code, address=f"2001:db8:a:{i:x}::1", cookie=unique("v6home"))
        assert r.status_code in (201, 429)
    r = await sos(hub, code, address="198.51.100.90", cookie=unique("guest"))
    assert r.status_code == 201, await r.get_data(as_text=True)


async def test_an_ipv6_client_rotating_addresses_in_its_network_is_still_one_client(
    hub: Hub, acme: Seeded
) -> None:
    """An IPv6 host picks any address in its /64 at will: the limits count the /64."""
    per_address = rate("sos", "ip")
    points = [acme.point["code"]]
    while len(points) * rate("sos", "point") <= per_address:  # no point limit reached first
        points.append(f"acme-gym-{len(points)}")
        await create_point(hub.store, acme.tenant, code=points[-1], label="Gym")
    opened = time.monotonic()
    statuses = []
    for i in range(per_address + 1):
        r = await sos(
            hub, points[i % len(points)], address=f"2001:db8:5:6::{i + 1:x}", cookie=unique("v6")
        )
        statuses.append(r.status_code)
    assert statuses == [201] * per_address + [429]
    await assert_json_429(r, opened)
    # the next network is someone else
    r = await sos(hub, points[0], address="2001:db8:5:7::1", cookie=unique("v6"))
    assert r.status_code == 201


async def test_the_survey_without_an_sos_is_limited_per_phone_like_intake(
    hub: Hub, acme: Seeded
) -> None:
    """/s/<code>: a phone gets a few answers a minute, then 429; another phone still rates."""
    client = hub.quart.test_client(use_cookies=False)
    phone = device_headers(None)
    path = f"/s/{acme.point['code']}"
    for _ in range(rate("visit_survey", "device")):
        r = await client.post(path, form={"rating": "good"}, headers=phone, **peer(None))
        assert r.status_code == 303, await r.get_data(as_text=True)
    r = await client.post(path, form={"rating": "good"}, headers=phone, **peer(None))
    assert r.status_code == 429 and "Retry-After" in r.headers
    other = await client.post(
        path, form={"rating": "good"}, headers=device_headers(None), **peer(None)
    )
    assert other.status_code == 303


async def test_a_script_sending_new_device_cookies_cannot_inflate_a_posters_scans(
    hub: Hub, acme: Seeded
) -> None:
    """A scan is a person opening the page; a script can send a new cookie every time. From
    one network, a point's openings count up to the "scan" limit a minute; the page is still
    served, and guests elsewhere still count."""
    client = hub.quart.test_client(use_cookies=False)
    code = str(acme.point["code"])
    browser = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"}
    for _ in range(rate("scan", "pair") + 15):
        headers = {**browser, "Cookie": f"sos_device={fresh_device()}"}
        r = await client.get(f"/q/{code}", headers=headers, **peer("198.51.100.44"))
        assert r.status_code == 200  # always served
    scans = await hub.scans.per_point(
        acme.tenant["id"], [local_day(now(), acme.tenant.get("timezone"))]
    )
    assert scans == {code: rate("scan", "pair")}
    headers = {**browser, "Cookie": f"sos_device={fresh_device()}"}
    await client.get(f"/q/{code}", headers=headers, **peer("203.0.113.44"))  # a guest elsewhere
    scans = await hub.scans.per_point(
        acme.tenant["id"], [local_day(now(), acme.tenant.get("timezone"))]
    )
    assert scans == {code: rate("scan", "pair") + 1}
