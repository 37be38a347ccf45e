"""AlertBook: a business's threshold alerts in the store (the API's create, read, change)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hub.alerts.model import COLLECTION, CONFIG_FIELDS, MAX_ALERTS
from hub.clock import new_id, now_iso
from hub.errors import Conflicting, Invalid, NotFound
from hub.ports import Doc, Store
from hub.tickets.model import CATEGORY_ORDER


class AlertBook:
    """Managers' threshold alerts; every query is scoped by tenant."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self, tenant_id: str) -> list[Doc]:
        docs = await self.store.find(tenant_id, COLLECTION, sort="created_at", limit=MAX_ALERTS)
        return docs

    async def get(self, tenant_id: str, alert_id: str) -> Doc:
        doc = await self.store.get(tenant_id, COLLECTION, alert_id)
        if doc is None:
            raise NotFound("no such alert", field="id")
        return doc

    async def _checked(self, tenant_id: str, fields: Mapping[str, Any]) -> Doc:
        """The stored configuration; Invalid names an unknown point or category."""
        point = fields.get("point") or None
        if point is not None:
            found = await self.store.find(tenant_id, "points", {"code": point}, limit=1)
            if not found:
                raise Invalid(f"point: no access point {str(point)[:64]!r}", field="point")
        category = fields.get("category") or None
        if category is not None and category not in CATEGORY_ORDER:
            raise Invalid(
                f"category: one of {', '.join(CATEGORY_ORDER)}, or null for any",
                field="category",
            )
        out = {k: fields.get(k) for k in CONFIG_FIELDS}
        out.update(point=point, category=category, active=fields.get("active") is not False)
        out["name"] = str(fields.get("name") or "").strip()
        return out

    async def create(self, tenant_id: str, fields: Mapping[str, Any]) -> Doc:
        checked = await self._checked(tenant_id, fields)
        if await self.store.count(tenant_id, COLLECTION) >= MAX_ALERTS:
            raise Conflicting(f"a business keeps at most {MAX_ALERTS} alerts")
        moment = now_iso()
        doc = {"id": new_id(), **checked, "fires": 0, "created_at": moment, "updated_at": moment}
        return await self.store.insert(tenant_id, COLLECTION, doc)

    async def replace(self, tenant_id: str, alert_id: str, fields: Mapping[str, Any]) -> Doc:
        """Rewrite an alert's configuration; when it last fired is kept."""
        checked = await self._checked(tenant_id, fields)
        doc = await self.store.update(
            tenant_id, COLLECTION, alert_id, {**checked, "updated_at": now_iso()}
        )
        if doc is None:
            raise NotFound("no such alert", field="id")
        return doc

    async def delete(self, tenant_id: str, alert_id: str) -> None:
        if not await self.store.delete(tenant_id, COLLECTION, alert_id):
            raise NotFound("no such alert", field="id")
