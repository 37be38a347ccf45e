"""RuleBook: a tenant's routing rules in the store, and "who would get this SOS?"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.clock import new_id, now_iso
from hub.errors import NotFound
from hub.ports import Doc, Store
from hub.tickets.routing import Plan, plan_for

RULE_FIELDS = ("name", "active", "match", "schedule", "recipients", "escalation")


def rule_json(doc: Doc) -> dict[str, Any]:
    """A rule as the API shows it (CONTRACT.md)."""
    fields = {k: doc.get(k) for k in RULE_FIELDS}
    return {"id": doc["id"], **fields, "updated_at": doc.get("updated_at")}


class RuleBook:
    """CRUD for routing rules and the dry run of a sample SOS."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def all(self, tenant_id: str) -> list[Doc]:
        return await self.store.find(tenant_id, "rules", sort="created_at")

    async def get(self, tenant_id: str, rule_id: str) -> Doc:
        doc = await self.store.get(tenant_id, "rules", rule_id)
        if doc is None:
            raise NotFound("no such rule", field="id")
        return doc

    async def create(self, tenant_id: str, fields: Doc) -> Doc:
        now = now_iso()
        doc = {
            "id": new_id(),
            **{k: fields.get(k) for k in RULE_FIELDS},
            "created_at": now,
            "updated_at": now,
        }
        return await self.store.insert(tenant_id, "rules", doc)

    async def replace(self, tenant_id: str, rule_id: str, fields: Doc) -> Doc:
        changes = {**{k: fields.get(k) for k in RULE_FIELDS}, "updated_at": now_iso()}
        doc = await self.store.update(tenant_id, "rules", rule_id, changes)
        if doc is None:
            raise NotFound("no such rule", field="id")
        return doc

    async def delete(self, tenant_id: str, rule_id: str) -> None:
        if not await self.store.delete(tenant_id, "rules", rule_id):
            raise NotFound("no such rule", field="id")

    async def plan(self, tenant: Doc, ticket: Doc, at: datetime) -> Plan:
        """Who this ticket reaches at `at` under the tenant's active rules."""
        return plan_for(await self.all(tenant["id"]), ticket, tenant, at)
