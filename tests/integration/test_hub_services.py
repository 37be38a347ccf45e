"""The hub's services work without a request: a job, the CLI or a test can call them."""

from __future__ import annotations

import pytest

from hub.accounts.services import create_point
from hub.container import Hub
from hub.errors import NotFound, Unauthorized
from tests.helpers import PASSWORD, Seeded


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
    user = await hub.access.check_login(" Agent@Acme.example ", PASSWORD, "192.0.2.7")
    assert user["id"] == acme.users["agent"]["id"]
    with pytest.raises(Unauthorized):
        await hub.access.check_login("agent@acme.example", "not the password", "192.0.2.7")
    with pytest.raises(Unauthorized):
        await hub.access.check_login("nobody@acme.example", PASSWORD, "192.0.2.7")


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
