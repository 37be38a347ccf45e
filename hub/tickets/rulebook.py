"""RuleBook: a tenant's routing rules in the store, and "who would get this SOS?"."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.clock import new_id, now_iso
from hub.errors import Invalid, NotFound
from hub.phones import international, region_of
from hub.ports import Doc, Store
from hub.tickets.routing import Plan, plan_for, whole_minutes

RULE_FIELDS = ("name", "active", "match", "schedule", "recipients", "escalation")
# What a rule's `match` may name of the business: its field, the collection, the key a
# ticket carries (a point's code, a place's slug), and the word for one.
MATCHED_PLACES = (
    ("points", "points", "code", "access point"),
    ("departments", "departments", "slug", "department"),
    ("establishments", "establishments", "slug", "establishment"),
)


def rule_json(doc: Doc) -> dict[str, Any]:
    """A rule as the API shows it (CONTRACT.md)."""
    fields = {k: doc.get(k) for k in RULE_FIELDS}
    if fields["escalation"]:  # stored as pydantic parsed them (15.0), shown as sent (15)
        fields["escalation"] = [
            {**step, "after_minutes": whole_minutes(step["after_minutes"])}
            for step in fields["escalation"]
        ]
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

    async def check_match(self, tenant_id: str, match: Doc | None) -> None:
        """Refuse (400 naming `match.<field>`) a point, department or establishment this
        business does not have: the rule would be saved and never fire."""
        for field, collection, key, what in MATCHED_PLACES:
            wanted = (match or {}).get(field) or []
            if not wanted:
                continue
            have = {doc.get(key) for doc in await self.store.find(tenant_id, collection)}
            for value in wanted:
                if value not in have:
                    raise Invalid(f"no {what} {str(value)[:64]!r}", field=f"match.{field}")

    async def international_numbers(self, tenant_id: str, fields: Doc) -> None:
        """Every SMS recipient's number as E.164, read in the business's country when typed
        without one (hub/phones.py): "600 111 222" was stored as is and sent to +60
        (Malaysia). One no reading makes valid is refused naming its place in the rule."""
        tenant = await self.store.get(tenant_id, "tenants", tenant_id) or {}
        region = region_of(tenant.get("timezone"))
        lists = [("recipients", fields.get("recipients") or [])] + [
            (f"escalation.{n}.recipients", step.get("recipients") or [])
            for n, step in enumerate(fields.get("escalation") or [])
        ]
        for where, recipients in lists:
            for i, recipient in enumerate(recipients):
                if recipient.get("channel") != "sms":
                    continue
                number = international(str(recipient.get("to") or ""), region)
                if number is None:
                    raise Invalid(
                        f"not a mobile number an SMS can reach: {str(recipient.get('to'))[:32]!r};"
                        " write it with its country, e.g. +34 600 111 222",
                        field=f"{where}.{i}.to",
                    )
                recipient["to"] = number

    async def create(self, tenant_id: str, fields: Doc) -> Doc:
        await self.check_match(tenant_id, fields.get("match"))
        await self.international_numbers(tenant_id, fields)
        now = now_iso()
        doc = {
            "id": new_id(),
            **{k: fields.get(k) for k in RULE_FIELDS},
            "created_at": now,
            "updated_at": now,
        }
        return await self.store.insert(tenant_id, "rules", doc)

    async def replace(self, tenant_id: str, rule_id: str, fields: Doc) -> Doc:
        await self.get(tenant_id, rule_id)  # another business's rule is 404, not a 400 on it
        await self.check_match(tenant_id, fields.get("match"))
        await self.international_numbers(tenant_id, fields)
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
