"""The hub's services work without a request: a job, the CLI or a test can call them."""

from __future__ import annotations

import pytest

from hub.accounts.passwords import hash_token
from hub.accounts.services import create_point, create_user
from hub.container import Hub
from hub.errors import NotFound, Unauthorized
from hub.ports import LOOKUP_ALL_LIMIT
from tests.helpers import PASSWORD, Seeded, _cached_hash


async def add_user(hub: Hub, seeded: Seeded, email: str) -> dict[str, object]:
    """An agent of `seeded`'s business with the test password."""
    user, _ = await create_user(
        hub.store,
        seeded.tenant,
        email=email,
        password=PASSWORD,
        role="agent",
        hash_password=_cached_hash,
        hash_token=hash_token,
    )
    return user


async def test_an_access_point_is_found_by_its_code_only_while_active(
    hub: Hub, acme: Seeded
) -> None:
    point, tenant = await hub.accounts.active_point(acme.point["code"])
    assert (point["id"], tenant["id"]) == (acme.point["id"], acme.tenant["id"])
    await hub.store.update(acme.tenant["id"], "points", acme.point["id"], {"active": False})
    with pytest.raises(NotFound) as refused:
        await hub.accounts.active_point(acme.point["code"])
    assert refused.value.field == "point"
    with pytest.raises(NotFound):
        await hub.accounts.active_point("")


async def test_a_business_reads_only_its_own_points_and_staff(
    hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    await create_point(hub.store, acme.tenant, code="acme-pool", label="Pool")
    assert [p["code"] for p in await hub.accounts.points(acme.tenant["id"])] == [
        "acme-bar",
        "acme-pool",
    ]
    assert await hub.accounts.point(acme.tenant["id"], globex.point["code"]) is None
    assert await hub.accounts.user(acme.tenant["id"], globex.users["agent"]["id"]) is None
    staff = await hub.accounts.users(globex.tenant["id"])
    assert {u["email"] for u in staff} == {f"{r}@globex.example" for r in acme.users}


async def test_login_is_checked_without_a_request_and_a_wrong_password_is_refused(
    hub: Hub, acme: Seeded
) -> None:
    [opened] = await hub.access.check_logins(" Agent@Acme.example ", PASSWORD, "192.0.2.7")
    assert opened.user["id"] == acme.users["agent"]["id"]
    with pytest.raises(Unauthorized):
        await hub.access.check_logins("agent@acme.example", "not the password", "192.0.2.7")
    with pytest.raises(Unauthorized):
        await hub.access.check_logins("nobody@acme.example", PASSWORD, "192.0.2.7")


async def test_accounts_switched_off_elsewhere_do_not_crowd_out_the_one_that_logs_in(
    hub: Hub, acme: Seeded
) -> None:
    """A temp worker switched off at many businesses (each kept their account) still logs
    in where they work now: only active accounts are checked, and count toward the limit."""
    email = "temp@agency.example"
    for i in range(LOOKUP_ALL_LIMIT + 2):
        await hub.store.insert(
            f"old-{i}",
            "users",
            {
                "id": f"u{i}",
                "email": email,
                "role": "agent",
                "active": False,
                "password_hash": _cached_hash(PASSWORD),
            },
        )
    working = await add_user(hub, acme, email)
    [opened] = await hub.access.check_logins(email, PASSWORD, "192.0.2.7")
    assert opened.user["id"] == working["id"]
    assert opened.tenant["id"] == acme.tenant["id"]


async def test_unpairing_a_kiosk_forgets_its_token_and_only_in_its_own_business(
    hub: Hub, acme: Seeded, globex: Seeded
) -> None:
    kiosk, token = await hub.kiosks.create(
        acme.tenant["id"], {"name": "Lobby", "point": acme.point["code"]}
    )
    assert (await hub.kiosks.by_token(token) or {}).get("id") == kiosk["id"]
    with pytest.raises(NotFound):
        await hub.kiosks.unpair(globex.tenant["id"], kiosk["id"])
    assert await hub.kiosks.by_token(token) is not None
    await hub.kiosks.unpair(acme.tenant["id"], kiosk["id"])
    assert await hub.kiosks.by_token(token) is None
    assert await hub.kiosks.all(acme.tenant["id"]) == []
