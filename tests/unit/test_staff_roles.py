"""Which roles an admin may hand out: unknown ones are 400, ones above their own 403."""

from __future__ import annotations

import pytest

from hub.accounts.team import grantable_role
from hub.errors import Forbidden, Invalid


def test_an_admin_may_grant_every_staff_role() -> None:
    admin = {"role": "admin"}
    assert [grantable_role(r, admin).value for r in ("agent", "manager", "admin")] == [
        "agent",
        "manager",
        "admin",
    ]


@pytest.mark.parametrize("role", ["owner", "Admin", "", "admin "])
def test_an_unknown_role_is_400_naming_role(role: str) -> None:
    with pytest.raises(Invalid) as refused:
        grantable_role(role, {"role": "admin"})
    assert refused.value.field == "role"


def test_a_role_above_the_granters_own_is_403_naming_role() -> None:
    with pytest.raises(Forbidden) as refused:
        grantable_role("admin", {"role": "manager"})
    assert refused.value.field == "role" and "admin" in refused.value.message
