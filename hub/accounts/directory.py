"""Reading a business's set-up: its tenant record, points, departments and staff.

Routes ask here instead of the store, so every read is tenant-scoped in one place;
`active_point` is the one lookup behind the QR doors (form, API) and the rules test.
"""

from __future__ import annotations

from hub.accounts.model import NOT_TAKING_MESSAGES, is_suspended
from hub.errors import NotFound, Suspended
from hub.ports import Doc, Store

NOT_ACTIVE = "this access point does not exist or is not active"


class Accounts:
    """Tenant-scoped reads of tenants, access points, departments and users."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def tenant(self, tenant_id: str) -> Doc | None:
        """The business with this id, or None."""
        return await self.store.get(tenant_id, "tenants", tenant_id)

    async def active_point(self, code: str) -> tuple[Doc, Doc]:
        """The active access point with this code (any tenant: codes are global) and its
        business; NotFound naming `point` otherwise, Suspended while its business is."""
        # One trip for both (the request's later reads of its business come from its memo).
        point, tenant = (
            await self.store.lookup_with_tenant("points", "code", code) if code else (None, None)
        )
        if point is None or not point.get("active", True):
            raise NotFound(NOT_ACTIVE, field="point")
        if tenant is None:
            raise NotFound(NOT_ACTIVE, field="point")
        if is_suspended(tenant):
            raise Suspended(NOT_TAKING_MESSAGES)
        return point, tenant

    async def point(self, tenant_id: str, code: str) -> Doc | None:
        """This tenant's access point with `code` (another tenant's is None)."""
        found = await self.store.find(tenant_id, "points", {"code": code}, limit=1)
        return found[0] if found else None

    async def points(self, tenant_id: str) -> list[Doc]:
        return await self.store.find(tenant_id, "points", sort="code")

    async def departments(self, tenant_id: str) -> list[Doc]:
        return await self.store.find(tenant_id, "departments", sort="name")

    async def users(self, tenant_id: str) -> list[Doc]:
        return await self.store.find(tenant_id, "users", sort="name")

    async def user(self, tenant_id: str, user_id: str) -> Doc | None:
        """This tenant's staff user with this id, or None (another tenant's too)."""
        return await self.store.get(tenant_id, "users", user_id)
